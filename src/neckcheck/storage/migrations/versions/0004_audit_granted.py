"""The audit log records refused attempts too: whether each access was granted.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: the append-only triggers stay as they are, and
    # existing entries (all granted accesses) take the default.
    op.add_column(
        "audit_log",
        sa.Column("granted", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as table:
        table.drop_column("granted")
