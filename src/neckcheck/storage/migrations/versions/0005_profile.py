"""A profile per person (year of birth, time zone, emergency number), and whether the person
chose not to answer an episode's remaining warning-sign questions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("patients", sa.Column("birth_year", sa.Integer(), nullable=True))
    op.add_column("patients", sa.Column("time_zone", sa.String(64), nullable=True))
    op.add_column("patients", sa.Column("emergency_number", sa.String(16), nullable=True))
    op.add_column(
        "episodes",
        sa.Column("declined", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("episodes") as table:
        table.drop_column("declined")
    with op.batch_alter_table("patients") as table:
        table.drop_column("emergency_number")
        table.drop_column("time_zone")
        table.drop_column("birth_year")
