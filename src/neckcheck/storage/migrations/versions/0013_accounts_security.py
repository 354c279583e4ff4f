"""A clinic that runs itself: one-time links to join or set a new password, second factors
(TOTP) with recovery codes, what a person's list of sessions shows, deleted accounts kept as
emptied rows, and the alerts of the clinicians' Needs attention list.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from neckcheck.storage.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("stage", sa.String(8), nullable=False, server_default="full"))
        batch.add_column(sa.Column("user_agent", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("address", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(8), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("made_by", sa.Integer(), nullable=True),
        sa.Column("share_with", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        _fk("account_links", "user_id", "users", "CASCADE"),
        _fk("account_links", "made_by", "users", "SET NULL"),
        _fk("account_links", "share_with", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    op.create_index("ix_account_links_user_id", "account_links", ["user_id"])
    op.create_table(
        "second_factors",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        _fk("second_factors", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_second_factors")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        _fk("recovery_codes", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_codes_code_hash")),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.Column("emailed_at", UTCDateTime(), nullable=True),
        _fk("alerts", "clinician_id", "users", "CASCADE"),
        _fk("alerts", "patient_id", "patients", "CASCADE"),
        _fk("alerts", "episode_id", "episodes", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("clinician_id", "episode_id", name=op.f("uq_alerts_clinician_id")),
    )
    op.create_index("ix_alerts_clinician_seen", "alerts", ["clinician_id", "seen_at"])
    op.create_index("ix_alerts_due_at", "alerts", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_due_at", table_name="alerts")
    op.drop_index("ix_alerts_clinician_seen", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_recovery_codes_user_id", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_table("second_factors")
    op.drop_index("ix_account_links_user_id", table_name="account_links")
    op.drop_table("account_links")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("address")
        batch.drop_column("user_agent")
        batch.drop_column("stage")
