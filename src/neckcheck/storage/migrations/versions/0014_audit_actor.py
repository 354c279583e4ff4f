"""The audit log keeps who acted as they were then, and when by the database's clock.

Each entry gets the actor's name and role as they were when it was written (they were read
from ``users``, which the server's role may change, so "Dr Lee viewed your insights" could
be made to read otherwise); existing entries get them from the accounts as they are now.
``at`` defaults to the database's time, and on PostgreSQL a trigger sets it on every insert,
so that the server's role cannot date an entry in the past.

Revision ID: 0014
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The database's time: PostgreSQL's own clock; SQLite's, in milliseconds (UTC).
SQLITE_NOW = sa.text("(strftime('%Y-%m-%d %H:%M:%f', 'now'))")

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]
_BACKFILL = """UPDATE audit_log SET
    actor_name = (SELECT display_name FROM users WHERE users.id = audit_log.actor_id),
    actor_role = (SELECT role FROM users WHERE users.id = audit_log.actor_id)
    WHERE actor_id IS NOT NULL"""
_POSTGRES_STAMP = [
    """CREATE FUNCTION audit_log_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN NEW.at := clock_timestamp(); RETURN NEW; END $$""",
    """CREATE TRIGGER audit_log_stamp BEFORE INSERT ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_stamp()""",
]


def _columns() -> list[sa.Column[str]]:
    return [
        sa.Column("actor_name", sa.String(200), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=True),
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in _columns():
            op.add_column("audit_log", column)
        op.execute("ALTER TABLE audit_log ALTER COLUMN at SET DEFAULT clock_timestamp()")
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        op.execute(_BACKFILL)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        for statement in _POSTGRES_STAMP:
            op.execute(statement)
        return
    # SQLite: the table is made again (for the default), which drops its triggers.
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute("DROP TRIGGER audit_log_no_delete")
    with op.batch_alter_table("audit_log", recreate="always") as table:
        for column in _columns():
            table.add_column(column)
        table.alter_column("at", server_default=SQLITE_NOW, existing_nullable=False)
    op.execute(_BACKFILL)
    for statement in _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_stamp ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_stamp()")
        op.execute("ALTER TABLE audit_log ALTER COLUMN at DROP DEFAULT")
        op.drop_column("audit_log", "actor_role")
        op.drop_column("audit_log", "actor_name")
        return
    op.execute("DROP TRIGGER audit_log_no_update")
    op.execute("DROP TRIGGER audit_log_no_delete")
    with op.batch_alter_table("audit_log", recreate="always") as table:
        table.drop_column("actor_role")
        table.drop_column("actor_name")
        table.alter_column("at", server_default=None, existing_nullable=False)
    for statement in _SQLITE_TRIGGERS:
        op.execute(statement)
