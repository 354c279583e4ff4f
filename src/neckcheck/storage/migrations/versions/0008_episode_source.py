"""Where an imported episode came from: the identifier of the record it was made from, unique
per patient (so that importing the same record again adds nothing), and when that record was
first made.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from neckcheck.storage.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("episodes", sa.Column("source_id", sa.String(512), nullable=True))
    op.add_column("episodes", sa.Column("recorded_at", UTCDateTime(), nullable=True))
    op.create_index(
        "ix_episodes_patient_source", "episodes", ["patient_id", "source_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_episodes_patient_source", table_name="episodes")
    with op.batch_alter_table("episodes") as table:
        table.drop_column("recorded_at")
        table.drop_column("source_id")
