"""The clinician dashboard's queries: which kept statuses need computing, saving them, and
one page of a clinician's patients sorted by urgency.

    >>> stale = patients_needing_status(session=s, clinician_id=7, now=now)
    >>> save_statuses(session=s, statuses=[...])
    >>> first = dashboard_page(session=s, clinician_id=7, limit=50)
    >>> second = dashboard_page(session=s, clinician_id=7, limit=50, after=first.rows[-1].key)

What needs computing is kept as it changes, never found by reading every share: a change of
a diary someone shares, or a new share, puts the patient in the queue (``status_queue``,
with the diary's version); saving a status made from that version clears the entry. Time
alone makes a status stale at its ``stale_after``, which an index finds.

A page is found by its place in the dashboard's order (keyset pagination): the rows after
the last row of the page before, or before the first row of the page after, read from the
order's index, so that every page costs what the first does. A patient whose status does not
change while the clinician turns the pages is on exactly one of them; one whose status
changes meanwhile is listed where their new status puts them (again, if that is further on;
not at all, if it moved to a page already turned).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from neckcheck.errors import InputError
from neckcheck.levels import Level
from neckcheck.storage.tables import (
    PatientRow,
    PatientStatusRow,
    ShareRow,
    StatusQueueRow,
    UserRow,
    UTCDateTime,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The largest row id (the tables' integer keys are 32-bit on PostgreSQL) and recency.
_MAX_ID = 2**31 - 1
_MAX_RECENCY = 2**63 - 1


def recency(started: datetime | None) -> int:
    """The dashboard's sort key for a latest episode that started at ``started``: minus
    microseconds since 1970, so that the most recent sorts first in ascending order; 0 for
    no episode (only patients without a recent episode have none, and they have a rank of
    their own)."""
    return 0 if started is None else -((started - _EPOCH) // timedelta(microseconds=1))


@dataclass(frozen=True)
class PageKey:
    """A patient's place in the dashboard's order, as a page link carries it
    (``str(key)``, e.g. ``1.-1732012345678901.42``; :meth:`parse` reads it back)."""

    rank: int
    recency: int
    patient_id: int

    def __str__(self) -> str:
        return f"{self.rank}.{self.recency}.{self.patient_id}"

    @classmethod
    def parse(cls, text: str, *, field: str) -> PageKey:
        """The key ``text`` spells; InputError naming ``field`` for anything else."""
        parts = text.split(".")
        try:
            rank, place, patient_id = (int(part) for part in parts)
        except ValueError:
            raise InputError("is not a place in the list of patients", field=field) from None
        if not (0 <= rank <= len(Level) and abs(place) <= _MAX_RECENCY and patient_id > 0):
            raise InputError("is not a place in the list of patients", field=field)
        return cls(rank, place, min(patient_id, _MAX_ID))


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
    key: PageKey | None = None  # the row's place in the order (for the pages' links)


@dataclass(frozen=True)
class Window:
    """One page of rows in the dashboard's order; ``first``: no row comes before them;
    ``more``: rows come after them; ``total``: how many patients share with the clinician
    (read with the rows; None for a page without rows)."""

    rows: list[DashboardRow]
    first: bool
    more: bool
    total: int | None = None


def _shared_with(clinician_id: int) -> ColumnElement[bool]:
    return and_(ShareRow.clinician_id == clinician_id, ShareRow.revoked_at.is_(None))


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


def _queue(session: Session, rows: Any) -> None:
    """Put (patient id, diary version) rows, a SELECT, in the queue; a patient already in it
    takes the newer version."""
    statement = _insert(session)(StatusQueueRow).from_select(["patient_id", "diary_version"], rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["patient_id"],
            set_={"diary_version": statement.excluded.diary_version},
        )
    )


def queue_changed_diary(*, session: Session, patient_id: int, diary_version: int) -> None:
    """The diary of ``patient_id`` is now at ``diary_version``: if anyone shares it, its
    kept status must be computed again (one statement; a diary nobody shares is on no
    dashboard, and sharing it queues it: :func:`queue_new_share`)."""
    shared = exists().where(ShareRow.patient_id == patient_id, ShareRow.revoked_at.is_(None))
    _queue(
        session,
        select(literal(patient_id, Integer), literal(diary_version, BigInteger)).where(shared),
    )


def queue_new_share(*, session: Session, patient_id: int) -> None:
    """The patient has just shared their diary: their kept status (missing, or made before
    changes nobody was shown) must be computed. The patient's row is locked, so that a
    change of the diary at the same moment, which did not see the share, is over first and
    its version is the one queued."""
    _queue(
        session,
        select(PatientRow.id, PatientRow.diary_version)
        .where(PatientRow.id == patient_id)
        .with_for_update(),
    )


def patients_needing_status(
    *, session: Session, clinician_id: int | None, now: datetime, limit: int | None = None
) -> list[tuple[int, int]]:
    """(patient id, diary version) of the clinician's patients (every clinician's, for None)
    whose kept status must be computed: queued (their diary changed, or they have just
    shared it) or past ``stale_after``; at most ``limit`` of them, by patient id. Neither
    part reads more than the patients it finds."""
    query = _needing_query(clinician_id is not None, limit is not None)
    values = {"clinician_id": clinician_id, "now": now, "limit": limit}
    return [(patient_id, version) for patient_id, version in session.execute(query, values)]


# Every page asks: each statement is built once (with its values as parameters), not on
# every request (building one costs more than the database takes to answer it).
@cache
def _needing_query(one_clinician: bool, limited: bool) -> Select[int, int]:
    def shared(patient: Any) -> ColumnElement[bool]:
        active = and_(ShareRow.patient_id == patient, ShareRow.revoked_at.is_(None))
        if one_clinician:
            return exists().where(active, ShareRow.clinician_id == bindparam("clinician_id"))
        return exists().where(active)

    queued = select(StatusQueueRow.patient_id, StatusQueueRow.diary_version).where(
        shared(StatusQueueRow.patient_id)
    )
    timed = (
        select(PatientStatusRow.patient_id, PatientRow.diary_version)
        .join(PatientRow, PatientRow.id == PatientStatusRow.patient_id)
        .where(
            PatientStatusRow.stale_after <= bindparam("now", type_=UTCDateTime()),
            shared(PatientStatusRow.patient_id),
            ~exists().where(StatusQueueRow.patient_id == PatientStatusRow.patient_id),
        )
    )
    both = union_all(queued, timed).subquery()
    query = select(both.c.patient_id, both.c.diary_version).order_by(both.c.patient_id)
    return query.limit(bindparam("limit", type_=Integer())) if limited else query


# Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
_CHUNK = 1000


def save_statuses(*, session: Session, statuses: list[PatientStatus]) -> None:
    """Insert or replace kept statuses (concurrent requests may save the same patient), and
    clear the queue entries of the diary versions they were made from.

    A status replaces a kept one only if it was made from the diary's current version: a
    slow request that saves what it made of an older version, after a newer status was
    saved and its entry cleared, changes nothing. (Where no status was kept, an older one
    is saved, but the change that made it older left its entry in the queue.)"""
    insert = _insert(session)
    for start in range(0, len(statuses), _CHUNK):
        chunk = statuses[start : start + _CHUNK]
        values = [
            {**status.__dict__, "recency": recency(status.latest_started_at)} for status in chunk
        ]
        statement = insert(PatientStatusRow).values(values)
        replaced = {name: statement.excluded[name] for name in values[0] if name != "patient_id"}
        # The kept row's patient, named by hand: SQLAlchemy would add the table (or
        # ``excluded``) to the subquery's FROM instead of correlating it with the upsert's.
        kept = literal_column(f"{PatientStatusRow.__tablename__}.patient_id", Integer)
        current = select(PatientRow.diary_version).where(PatientRow.id == kept).scalar_subquery()
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["patient_id"],
                set_=replaced,
                where=statement.excluded.diary_version == current,
            )
        )
        answered = [(status.patient_id, status.diary_version) for status in chunk]
        session.execute(
            delete(StatusQueueRow).where(
                tuple_(StatusQueueRow.patient_id, StatusQueueRow.diary_version).in_(answered)
            )
        )


def count_patients(*, session: Session, clinician_id: int) -> int:
    """How many patients share their diary with the clinician: counted over their shares
    (every one of them is read; the dashboard reads the count kept on the account instead,
    ``accounts.shared_patients``)."""
    query = select(func.count(ShareRow.patient_id.distinct())).where(_shared_with(clinician_id))
    return session.scalar(query) or 0


_ORDER = (PatientStatusRow.rank, PatientStatusRow.recency, PatientStatusRow.patient_id)


def dashboard_page(
    *,
    session: Session,
    clinician_id: int,
    limit: int,
    after: PageKey | None = None,
    before: PageKey | None = None,
    offset: int = 0,
) -> Window:
    """``limit`` of the clinician's patients in the dashboard's order (most urgent level
    first, then the most recent latest episode): those after the place ``after``, those
    before ``before`` (the first page instead, if fewer than ``limit`` come before it), or
    those from ``offset`` (which costs a row read per row skipped: for links made before
    there were keys).

    The rows are read from the index in the dashboard's order (ix_patient_status_order) from
    the place given, and the reading stops after ``limit + 1`` of the clinician's patients
    (the one more says whether a page follows).
    """
    values: dict[str, Any] = {"clinician_id": clinician_id, "limit": limit + 1}
    if before is not None:
        values.update(rank=before.rank, recency=before.recency, patient_id=before.patient_id)
        found = session.execute(_page_query("before"), values).all()
        if len(found) < limit:
            return dashboard_page(session=session, clinician_id=clinician_id, limit=limit)
        rows = [_row(r) for r in reversed(found[:limit])]
        return Window(rows, len(found) == limit, True, _total(found))
    if after is not None:
        values.update(rank=after.rank, recency=after.recency, patient_id=after.patient_id)
        found = session.execute(_page_query("after"), values).all()
    elif offset:
        found = session.execute(_page_query("offset"), {**values, "offset": offset}).all()
    else:
        found = session.execute(_page_query("first"), values).all()
    first = after is None and not offset
    return Window([_row(r) for r in found[:limit]], first, len(found) > limit, _total(found))


def _total(found: Sequence[Any]) -> int | None:
    return int(found[0][-1]) if found else None


# A page's row: patient id, name, level, latest episode's start and intensity, course,
# screening complete, rank, recency, and how many patients share with the clinician.
_PageRow = Select[int, str, str | None, datetime | None, int | None, str, bool, int, int, int]


@cache
def _page_query(start: str) -> _PageRow:
    """A page from the ``start`` ("first", "after" or "before" a place, or from an "offset"),
    with its values as parameters."""
    shares = exists().where(
        ShareRow.patient_id == PatientStatusRow.patient_id,
        ShareRow.clinician_id == bindparam("clinician_id"),
        ShareRow.revoked_at.is_(None),
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
            PatientStatusRow.rank,
            PatientStatusRow.recency,
            # The count kept on the clinician's account, in the same round trip.
            select(UserRow.shared_patients)
            .where(UserRow.id == bindparam("clinician_id"))
            .scalar_subquery(),
        )
        .join(PatientRow, PatientRow.id == PatientStatusRow.patient_id)
        .where(shares)
        .limit(bindparam("limit", type_=Integer()))
    )
    place = tuple_(*_ORDER)
    key = tuple_(
        bindparam("rank", type_=Integer()),
        bindparam("recency", type_=BigInteger()),
        bindparam("patient_id", type_=Integer()),
    )
    if start == "before":
        return query.where(place < key).order_by(*(column.desc() for column in _ORDER))
    if start == "after":
        query = query.where(place > key)
    elif start == "offset":
        query = query.offset(bindparam("offset", type_=Integer()))
    return query.order_by(*_ORDER)


def _row(found: Any) -> DashboardRow:
    pid, name, level, started, intensity, course, complete, rank, place, _ = found
    return DashboardRow(
        pid,
        name,
        Level(level) if level else None,
        started,
        intensity,
        course,
        complete,
        PageKey(rank, place, pid),
    )
