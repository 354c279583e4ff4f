"""The clinician dashboard's queries: which kept statuses need computing, saving them, and
one page of a clinician's patients sorted by urgency.

    >>> stale = patients_needing_status(session=s, clinician_id=7, now=now)
    >>> save_statuses(session=s, statuses=[...])
    >>> total, rows = dashboard_page(session=s, clinician_id=7, offset=0, limit=50)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from neckcheck.levels import Level
from neckcheck.storage.tables import PatientRow, PatientStatusRow, ShareRow


@dataclass(frozen=True)
class PatientStatus:
    """What the dashboard keeps per patient (see :class:`PatientStatusRow`)."""

    patient_id: int
    level: str | None
    rank: int
    latest_started_at: datetime | None
    latest_intensity: int | None
    course: str
    diary_version: int
    computed_at: datetime
    stale_after: datetime | None
    complete: bool = True  # the latest episode's screening was answered in full


@dataclass(frozen=True)
class DashboardRow:
    id: int  # the patient's
    name: str
    level: Level | None
    latest_started_at: datetime | None
    latest_intensity: int | None
    course: str
    complete: bool = True  # see PatientStatus


def _shared_with(clinician_id: int) -> ColumnElement[bool]:
    return and_(ShareRow.clinician_id == clinician_id, ShareRow.revoked_at.is_(None))


def patients_needing_status(
    *, session: Session, clinician_id: int | None, now: datetime, limit: int | None = None
) -> list[tuple[int, int]]:
    """(patient id, diary version) of the clinician's patients (every clinician's, for None)
    whose kept status is missing, made from another diary version than the current one, or
    past ``stale_after``; at most ``limit`` of them."""
    shared = (
        _shared_with(clinician_id) if clinician_id is not None else ShareRow.revoked_at.is_(None)
    )
    query = (
        select(PatientRow.id, PatientRow.diary_version)
        .join(ShareRow, ShareRow.patient_id == PatientRow.id)
        .outerjoin(PatientStatusRow, PatientStatusRow.patient_id == PatientRow.id)
        .where(
            shared,
            or_(
                PatientStatusRow.patient_id.is_(None),
                PatientStatusRow.diary_version != PatientRow.diary_version,
                and_(
                    PatientStatusRow.stale_after.is_not(None),
                    PatientStatusRow.stale_after <= now,
                ),
            ),
        )
        .distinct()
        .order_by(PatientRow.id)
        .limit(limit)
    )
    return [(patient_id, version) for patient_id, version in session.execute(query)]


# Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
_CHUNK = 1000


def save_statuses(*, session: Session, statuses: list[PatientStatus]) -> None:
    """Insert or replace kept statuses (concurrent requests may save the same patient)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for start in range(0, len(statuses), _CHUNK):
        values = [status.__dict__ for status in statuses[start : start + _CHUNK]]
        statement = insert(PatientStatusRow).values(values)
        replaced = {name: statement.excluded[name] for name in values[0] if name != "patient_id"}
        session.execute(
            statement.on_conflict_do_update(index_elements=["patient_id"], set_=replaced)
        )


def dashboard_page(
    *, session: Session, clinician_id: int, offset: int, limit: int
) -> tuple[int, list[DashboardRow]]:
    """How many patients share with the clinician, and ``limit`` of them from ``offset``:
    most urgent level first, then the most recent latest episode.

    The page walks the kept statuses in the order of their index (ix_patient_status_order)
    and stops after ``offset + limit`` of the clinician's patients, so the first pages cost
    the same however many patients there are; the total is counted from the shares alone.
    """
    shares = exists().where(
        ShareRow.patient_id == PatientStatusRow.patient_id, _shared_with(clinician_id)
    )
    query = (
        select(
            PatientRow.id,
            PatientRow.display_name,
            PatientStatusRow.level,
            PatientStatusRow.latest_started_at,
            PatientStatusRow.latest_intensity,
            PatientStatusRow.course,
            PatientStatusRow.complete,
        )
        .join(PatientRow, PatientRow.id == PatientStatusRow.patient_id)
        .where(shares)
        .order_by(
            PatientStatusRow.rank,
            PatientStatusRow.latest_started_at.desc().nulls_last(),
            PatientStatusRow.patient_id,
        )
        .offset(offset)
        .limit(limit)
    )
    found = session.execute(query).all()
    total = session.scalar(
        select(func.count(ShareRow.patient_id.distinct())).where(_shared_with(clinician_id))
    )
    return total or 0, [
        DashboardRow(
            pid, name, Level(level) if level else None, started, intensity, course, complete
        )
        for pid, name, level, started, intensity, course, complete in found
    ]
