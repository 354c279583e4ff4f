"""The clinician dashboard without scans of every share: a queue of the statuses a diary
change or a new share made out of date, an index of when time makes one stale, the
dashboard's order in columns that all ascend (``recency``), so that the page after or before
a row is one range of an index (keyset pagination) instead of an OFFSET, and each
clinician's number of sharing patients kept on their account (``users.shared_patients``).

Existing statuses keep their values: ``recency`` is filled from their latest episode, and the
patients shared with someone whose status is missing or made from another diary version go
into the queue (what the dashboard used to find by scanning all the shares).

Revision ID: 0016
Revises: 0015
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from neckcheck.storage.tables import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUEUE_WHAT_IS_STALE = """
INSERT INTO status_queue (patient_id, diary_version)
SELECT p.id, p.diary_version FROM patients p
WHERE EXISTS (SELECT 1 FROM shares s WHERE s.patient_id = p.id AND s.revoked_at IS NULL)
AND NOT EXISTS (
    SELECT 1 FROM patient_status ps
    WHERE ps.patient_id = p.id AND ps.diary_version = p.diary_version
)
"""
_COUNT_SHARES = """
UPDATE users SET shared_patients = (
    SELECT count(DISTINCT s.patient_id) FROM shares s
    WHERE s.clinician_id = users.id AND s.revoked_at IS NULL
)
"""


def _recency(started: datetime | None) -> int:
    """As ``storage.dashboard.recency`` (kept here as it is today, as migrations must be)."""
    return 0 if started is None else -((started - _EPOCH) // timedelta(microseconds=1))


def _fill_recency() -> None:
    status = sa.table(
        "patient_status",
        sa.column("patient_id", sa.Integer()),
        sa.column("latest_started_at", UTCDateTime()),
        sa.column("recency", sa.BigInteger()),
    )
    bind = op.get_bind()
    found = bind.execute(
        sa.select(status.c.patient_id, status.c.latest_started_at).where(
            status.c.latest_started_at.is_not(None)
        )
    ).all()
    if found:
        bind.execute(
            status.update()
            .where(status.c.patient_id == sa.bindparam("b_patient"))
            .values(recency=sa.bindparam("b_recency")),
            [{"b_patient": pid, "b_recency": _recency(started)} for pid, started in found],
        )


def upgrade() -> None:
    op.create_table(
        "status_queue",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("diary_version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_status_queue_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_status_queue")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_patient_status_order", table_name="patient_status")
    with op.batch_alter_table("patient_status") as batch:
        batch.add_column(sa.Column("recency", sa.BigInteger(), nullable=False, server_default="0"))
    _fill_recency()
    op.create_index("ix_patient_status_order", "patient_status", ["rank", "recency", "patient_id"])
    op.create_index("ix_patient_status_stale_after", "patient_status", ["stale_after"])
    op.execute(_QUEUE_WHAT_IS_STALE)
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("shared_patients", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(_COUNT_SHARES)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("shared_patients")
    op.drop_index("ix_patient_status_stale_after", table_name="patient_status")
    op.drop_index("ix_patient_status_order", table_name="patient_status")
    with op.batch_alter_table("patient_status") as batch:
        batch.drop_column("recency")
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_patient_status_order",
            "patient_status",
            ["rank", sa.text("latest_started_at DESC NULLS LAST"), "patient_id"],
        )
    op.drop_table("status_queue")
