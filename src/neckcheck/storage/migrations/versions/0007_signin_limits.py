"""Failed sign-in and invitation attempts kept in the database (so that a limit holds across
server processes and restarts), an index to prune expired sessions, and on PostgreSQL a guard
against TRUNCATE on the audit log (row triggers do not see it).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from neckcheck.storage.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_attempts")),
    )
    op.create_index("ix_failed_attempts_key_at", "failed_attempts", ["key", "at"])
    op.create_index("ix_failed_attempts_at", "failed_attempts", ["at"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    if op.get_bind().dialect.name == "postgresql":
        # The function of 0002 raises; as a statement trigger it refuses TRUNCATE.
        op.execute(
            """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
               FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"""
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.drop_index("ix_sessions_expires_at", table_name="sessions")
    op.drop_index("ix_failed_attempts_at", table_name="failed_attempts")
    op.drop_index("ix_failed_attempts_key_at", table_name="failed_attempts")
    op.drop_table("failed_attempts")
