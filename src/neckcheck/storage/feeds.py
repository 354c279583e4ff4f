"""Each person's calendar feed of reminders, keyword-only (see :mod:`neckcheck.services.reminders`
for what the address is made of)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from neckcheck.storage.tables import CalendarFeedRow, UserRow


@dataclass(frozen=True)
class Feed:
    patient_id: int
    lookup: str
    checkin_minute: int
    created_at: datetime
    updated_at: datetime


def _feed(row: CalendarFeedRow) -> Feed:
    return Feed(row.patient_id, row.lookup, row.checkin_minute, row.created_at, row.updated_at)


def get_feed(*, session: Session, patient_id: int) -> Feed | None:
    row = session.get(CalendarFeedRow, patient_id)
    return _feed(row) if row is not None else None


def feed_by_lookup(*, session: Session, lookup: str) -> Feed | None:
    """The feed with this ``lookup``, unless its patient's account is disabled."""
    row = session.scalar(select(CalendarFeedRow).where(CalendarFeedRow.lookup == lookup))
    if row is None:
        return None
    disabled = session.scalar(
        select(UserRow.id).where(UserRow.patient_id == row.patient_id, UserRow.disabled)
    )
    return None if disabled is not None else _feed(row)


def save_feed(
    *, session: Session, patient_id: int, lookup: str, checkin_minute: int, now: datetime
) -> Feed:
    """Create the patient's feed, or change its address and check-in time."""
    row = session.get(CalendarFeedRow, patient_id)
    if row is None:
        row = CalendarFeedRow(patient_id=patient_id, created_at=now)
        session.add(row)
    row.lookup = lookup
    row.checkin_minute = checkin_minute
    row.updated_at = now
    session.flush()
    return _feed(row)


def delete_feed(*, session: Session, patient_id: int) -> None:
    session.execute(delete(CalendarFeedRow).where(CalendarFeedRow.patient_id == patient_id))
