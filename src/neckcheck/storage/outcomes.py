"""The activities a person names for a patient-specific measure, and their check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from neckcheck.patterns.outcomes import CheckIn
from neckcheck.storage.tables import ActivityRow, CheckInRow


@dataclass(frozen=True)
class Activity:
    id: int
    measure: str
    name: str
    added_by: int | None  # a clinician's account; None when the person named it
    created_at: datetime
    removed_at: datetime | None


def _activity(row: ActivityRow) -> Activity:
    return Activity(row.id, row.measure, row.name, row.added_by, row.created_at, row.removed_at)


def activities(*, session: Session, patient_id: int, current: bool = True) -> list[Activity]:
    """The patient's activities in the order they were named; removed ones too unless
    ``current``."""
    query = select(ActivityRow).where(ActivityRow.patient_id == patient_id)
    if current:
        query = query.where(ActivityRow.removed_at.is_(None))
    return [_activity(row) for row in session.scalars(query.order_by(ActivityRow.id))]


def add_activity(
    *, session: Session, patient_id: int, measure: str, name: str, by: int | None, now: datetime
) -> Activity:
    row = ActivityRow(
        patient_id=patient_id, measure=measure, name=name, added_by=by, created_at=now
    )
    session.add(row)
    session.flush()
    return _activity(row)


def remove_activities(
    *, session: Session, patient_id: int, activity_ids: list[int], now: datetime
) -> None:
    if activity_ids:
        session.execute(
            update(ActivityRow)
            .where(ActivityRow.patient_id == patient_id, ActivityRow.id.in_(activity_ids))
            .values(removed_at=now)
        )


def add_check_in(
    *, session: Session, patient_id: int, at: datetime, answers: dict[str, dict[str, int]]
) -> CheckIn:
    row = CheckInRow(patient_id=patient_id, at=at, answers=answers)
    session.add(row)
    session.flush()
    return CheckIn(row.id, at, answers)


def check_ins(*, session: Session, patient_id: int) -> list[CheckIn]:
    """Every check-in of the patient, oldest first."""
    query = (
        select(CheckInRow)
        .where(CheckInRow.patient_id == patient_id)
        .order_by(CheckInRow.at, CheckInRow.id)
    )
    return [CheckIn(row.id, row.at, row.answers) for row in session.scalars(query)]


def check_in_at(*, session: Session, patient_id: int, at: datetime) -> CheckIn | None:
    """The patient's check-in made at the moment ``at``, if there is one."""
    query = select(CheckInRow).where(CheckInRow.patient_id == patient_id, CheckInRow.at == at)
    row = session.scalars(query.order_by(CheckInRow.id).limit(1)).first()
    return CheckIn(row.id, row.at, row.answers) if row is not None else None


def last_check_in_at(*, session: Session, patient_id: int) -> datetime | None:
    query = select(func.max(CheckInRow.at)).where(CheckInRow.patient_id == patient_id)
    moment: datetime | None = session.scalar(query)
    return moment


def delete_check_in(*, session: Session, patient_id: int, check_in_id: int) -> bool:
    row = session.get(CheckInRow, check_in_id)
    if row is None or row.patient_id != patient_id:
        return False
    session.delete(row)
    return True
