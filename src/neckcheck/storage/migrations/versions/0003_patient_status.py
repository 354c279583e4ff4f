"""The clinician dashboard's per-patient status (latest level and course), kept between
requests, and the diary version it was made from.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from neckcheck.storage.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as table:
        table.add_column(
            sa.Column("diary_version", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "patient_status",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("latest_started_at", UTCDateTime(), nullable=True),
        sa.Column("latest_intensity", sa.Integer(), nullable=True),
        sa.Column("course", sa.String(16), nullable=False),
        sa.Column("diary_version", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("stale_after", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_status_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_patient_status")),
    )


def downgrade() -> None:
    op.drop_table("patient_status")
    with op.batch_alter_table("patients") as table:
        table.drop_column("diary_version")
