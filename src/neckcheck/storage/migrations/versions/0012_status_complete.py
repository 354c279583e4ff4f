"""Whether the latest episode's warning-sign screening was answered in full, kept with each
patient's status, so that the clinician dashboard never shows an unscreened level as an
all-clear. Kept statuses are dropped: they are computed again, with it, when next needed (a
clinic server computes them in the background when it starts).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM patient_status")
    with op.batch_alter_table("patient_status") as batch:
        batch.add_column(
            sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_status") as batch:
        batch.drop_column("complete")
