"""Outcome measures: the activities a person finds hard (named once, rated at each check-in)
and the check-ins themselves.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from neckcheck.storage.tables import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _patient(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["patient_id"],
        ["patients.id"],
        name=op.f(f"fk_{table}_patient_id_patients"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(32), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        _patient("activities"),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["users.id"],
            name=op.f("fk_activities_added_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index("ix_activities_patient_id", "activities", ["patient_id"])
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        _patient("check_ins"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
    )
    op.create_index("ix_check_ins_patient_at", "check_ins", ["patient_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_check_ins_patient_at", table_name="check_ins")
    op.drop_table("check_ins")
    op.drop_index("ix_activities_patient_id", table_name="activities")
    op.drop_table("activities")
