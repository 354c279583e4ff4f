"""Pain-free days a person records ("No spasm today"), one per patient and day, and each
person's private calendar feed of reminders (a daily check-in, "did it stop?").

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from neckcheck.storage.tables import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pain_free_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_pain_free_days_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_free_days")),
        sa.UniqueConstraint("patient_id", "day", name=op.f("uq_pain_free_days_patient_id")),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(32), nullable=False),
        sa.Column("checkin_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_calendar_feeds_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("lookup", name=op.f("uq_calendar_feeds_lookup")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    op.drop_table("pain_free_days")
