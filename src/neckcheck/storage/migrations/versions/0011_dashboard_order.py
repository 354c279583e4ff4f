"""An index in the clinician dashboard's order (most urgent level first, then the most recent
latest episode), so that a page of a clinician's patients is read from it in order. On
PostgreSQL, the clinic's database (SQLite indexes cannot say NULLS LAST).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_patient_status_order",
        "patient_status",
        ["rank", sa.text("latest_started_at DESC NULLS LAST"), "patient_id"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_patient_status_order", table_name="patient_status")
