"""Facts about this installation of neckcheck, such as the random namespace its exported
identifiers are made in (so that two installations never share one).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_installation")),
    )


def downgrade() -> None:
    op.drop_table("installation")
