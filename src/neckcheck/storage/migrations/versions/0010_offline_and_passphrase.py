"""Idempotency keys of episodes sent from a phone (a retried send creates nothing new), and
the sign-in sessions of local mode's one person when a passphrase guards the server.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from neckcheck.storage.tables import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "episode_keys",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_episode_keys_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_episode_keys_episode_id_episodes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("patient_id", "key", name=op.f("pk_episode_keys")),
    )
    op.create_index("ix_episode_keys_episode_id", "episode_keys", ["episode_id"])
    op.create_table(
        "local_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_sessions")),
    )
    op.create_index("ix_local_sessions_expires_at", "local_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_local_sessions_expires_at", table_name="local_sessions")
    op.drop_table("local_sessions")
    op.drop_index("ix_episode_keys_episode_id", table_name="episode_keys")
    op.drop_table("episode_keys")
