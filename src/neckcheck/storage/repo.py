"""Repository functions: the only code that turns rows into domain objects and back.

All functions are keyword-only and take the session they work in, e.g.::

    with db.session() as session:
        patient_id = ensure_local_patient(session=session)
        episode = create_episode(session=session, patient_id=patient_id, data=new)

Every read and change is scoped to a patient: an episode id of another patient is "not found".
"""

from __future__ import annotations

import secrets
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from neckcheck.domain import (
    Activity,
    Episode,
    EpisodeCreate,
    Helped,
    Imported,
    Movement,
    Onset,
    Origin,
    PainQuality,
    Profile,
    Region,
    RemedyUse,
)
from neckcheck.errors import NotFoundError
from neckcheck.storage.cache import DiaryCache
from neckcheck.storage.dashboard import queue_changed_diary
from neckcheck.storage.tables import (
    EpisodeKeyRow,
    EpisodeRow,
    InstallationRow,
    PainFreeDayRow,
    PatientRow,
)

T = TypeVar("T")
U = TypeVar("U")

LOCAL_PATIENT_NAME = "Me"


def _offset_minutes(value: datetime) -> int:
    offset = value.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _local(value: datetime, offset_minutes: int) -> datetime:
    return value.astimezone(timezone(timedelta(minutes=offset_minutes)))


def _fill(row: EpisodeRow, data: EpisodeCreate) -> None:
    row.started_at = data.started_at
    row.started_offset_min = _offset_minutes(data.started_at)
    row.ended_at = data.ended_at
    row.ended_offset_min = _offset_minutes(data.ended_at) if data.ended_at else None
    row.onset = data.onset.value if data.onset else None
    row.intensity = data.intensity
    row.pain_qualities = [q.value for q in data.pain_qualities]
    row.regions = [r.value for r in data.regions]
    row.limited_movements = [m.value for m in data.limited_movements]
    row.findings = list(data.findings)
    row.absent = list(data.absent)
    row.triggers = list(data.triggers)
    row.remedies = [{"remedy": r.remedy, "helped": r.helped.value} for r in data.remedies]
    row.activities_affected = [a.value for a in data.activities_affected]
    row.stress = data.stress
    row.notes = data.notes
    row.declined = data.declined


# Value -> member lookups: calling an Enum class per value costs several microseconds.
_ONSET = {member.value: member for member in Onset}
_QUALITY = {member.value: member for member in PainQuality}
_REGION = {member.value: member for member in Region}
_MOVEMENT = {member.value: member for member in Movement}
_HELPED = {member.value: member for member in Helped}
_ACTIVITY = {member.value: member for member in Activity}


def _to_episode(row: EpisodeRow) -> Episode:
    """A stored row as an Episode, without re-running input validation.

    Rows are validated as a whole when written (EpisodeCreate); reading them back only
    converts types, and the enum lookups still refuse (KeyError) a value that is not ours.
    Re-validating every row cost about 60 microseconds a row on history pages.
    """
    return Episode.model_construct(
        id=row.id,
        patient_id=row.patient_id,
        started_at=_local(row.started_at, row.started_offset_min),
        ended_at=_local(row.ended_at, row.ended_offset_min or 0) if row.ended_at else None,
        onset=_ONSET[row.onset] if row.onset else None,
        intensity=row.intensity,
        pain_qualities=[_QUALITY[q] for q in row.pain_qualities],
        regions=[_REGION[r] for r in row.regions],
        limited_movements=[_MOVEMENT[m] for m in row.limited_movements],
        findings=list(row.findings),
        absent=list(row.absent),
        triggers=list(row.triggers),
        remedies=[
            RemedyUse.model_construct(remedy=r["remedy"], helped=_HELPED[r["helped"]])
            for r in row.remedies
        ],
        activities_affected=[_ACTIVITY[a] for a in row.activities_affected],
        stress=row.stress,
        notes=row.notes,
        declined=row.declined,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def create_patient(*, session: Session, display_name: str, now: datetime) -> int:
    row = PatientRow(display_name=display_name, created_at=now)
    session.add(row)
    session.flush()
    return row.id


def local_patient(*, session: Session) -> int | None:
    """The single patient of local mode, if there is one yet."""
    marked = session.get(InstallationRow, "local_patient")
    if marked is not None:
        return int(marked.value)
    return session.scalar(select(PatientRow.id).order_by(PatientRow.id).limit(1))


def ensure_local_patient(*, session: Session, now: datetime) -> int:
    """The id of the single patient of local mode, created on first use.

    The web app calls this once when it starts, so requests only read it. Should two
    processes create it at once, the installation row ``local_patient`` (a primary key) lets
    one win: the other's patient is rolled back with its savepoint and the winner's is used.
    """
    found = local_patient(session=session)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            row = PatientRow(display_name=LOCAL_PATIENT_NAME, created_at=now)
            session.add(row)
            session.flush()
            session.add(InstallationRow(key="local_patient", value=str(row.id)))
            session.flush()
    except IntegrityError:
        pass
    found = local_patient(session=session)
    if found is None:  # the row was just written, by this session or the one that won
        raise RuntimeError("the local patient was not recorded")
    return found


def get_profile(*, session: Session, patient_id: int) -> Profile:
    row = session.get(PatientRow, patient_id)
    if row is None:
        raise NotFoundError(f"patient {patient_id} not found")
    return Profile.model_construct(
        birth_year=row.birth_year, time_zone=row.time_zone, emergency_number=row.emergency_number
    )


def set_profile(*, session: Session, patient_id: int, profile: Profile) -> None:
    """Store a validated profile; the diary's kept answers no longer apply (its checks may
    change with the age)."""
    session.execute(
        update(PatientRow)
        .where(PatientRow.id == patient_id)
        .values(
            birth_year=profile.birth_year,
            time_zone=profile.time_zone,
            emergency_number=profile.emergency_number,
        )
    )
    _diary_changed(session, patient_id)


def install_namespace(*, session: Session) -> uuid.UUID:
    """This installation's namespace for exported identifiers: random, made on first use and
    kept, so identifiers are stable here and never shared with another installation."""
    row = session.get(InstallationRow, "namespace")
    if row is None:
        candidate = InstallationRow(key="namespace", value=str(uuid.uuid4()))
        try:
            with session.begin_nested():  # another process may make it at the same moment
                session.add(candidate)
        except IntegrityError:
            pass
        row = session.get(InstallationRow, "namespace")
        if row is None:  # written just now, by this session or the one that won
            raise RuntimeError("the installation namespace was not recorded")
    return uuid.UUID(row.value)


def set_patient_name(*, session: Session, patient_id: int, name: str) -> None:
    session.execute(update(PatientRow).where(PatientRow.id == patient_id).values(display_name=name))
    _diary_changed(session, patient_id)


def patient_name(*, session: Session, patient_id: int) -> str:
    row = session.get(PatientRow, patient_id)
    if row is None:
        raise NotFoundError(f"patient {patient_id} not found")
    return row.display_name


def create_episode(
    *, session: Session, patient_id: int, data: EpisodeCreate, now: datetime
) -> Episode:
    row = EpisodeRow(patient_id=patient_id, created_at=now, updated_at=now)
    _fill(row, data)
    session.add(row)
    session.flush()
    _diary_changed(session, patient_id)
    return _to_episode(row)


def sent_with_key(*, session: Session, patient_id: int, key: str) -> Episode | None:
    """The episode the patient's client created by sending ``key`` with it, or None if the
    key is new. NotFoundError if that episode has been deleted since."""
    row = session.get(EpisodeKeyRow, (patient_id, key))
    if row is None:
        return None
    if row.episode_id is None:
        raise NotFoundError("the episode first sent with this key has been deleted")
    return get_episode(session=session, patient_id=patient_id, episode_id=row.episode_id)


def claim_episode_key(
    *, session: Session, patient_id: int, key: str, now: datetime
) -> Episode | None:
    """Claim the idempotency ``key`` for an episode about to be added: None when this send
    claimed it (add the episode, then :func:`keep_episode_key`), else the episode an
    earlier send with the key created.

    The claim is an insert that does nothing on a conflict. Two requests with the same key
    at once cannot both claim it: on PostgreSQL the second insert waits for the first
    transaction and then finds the key taken; on SQLite writers take turns. The loser reads
    the winner's episode, and nothing is left half-made on either side.
    """
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    claim = (
        insert(EpisodeKeyRow)
        .values(patient_id=patient_id, key=key, created_at=now)
        .on_conflict_do_nothing()
        .returning(EpisodeKeyRow.key)
    )
    if session.scalar(claim) is not None:
        return None
    # Taken: by an earlier send, or by one that has just won.
    earlier = sent_with_key(session=session, patient_id=patient_id, key=key)
    if earlier is None:
        raise RuntimeError(f"idempotency key {key!r} was taken but is not stored")
    return earlier


def keep_episode_key(*, session: Session, patient_id: int, key: str, episode_id: int) -> None:
    """Record that the send which claimed ``key`` created ``episode_id``."""
    session.execute(
        update(EpisodeKeyRow)
        .where(EpisodeKeyRow.patient_id == patient_id, EpisodeKeyRow.key == key)
        .values(episode_id=episode_id)
    )


def add_episodes(
    *,
    session: Session,
    patient_id: int,
    items: Sequence[EpisodeCreate | Imported],
    now: datetime,
) -> int:
    """Add many episodes in one flush (imports, demo data); returns how many. An
    :class:`Imported` item keeps its source and its original recording time."""
    rows = []
    for item in items:
        row = EpisodeRow(patient_id=patient_id, created_at=now, updated_at=now)
        if isinstance(item, Imported):
            _fill(row, item.data)
            row.source_id = item.source_id
            row.recorded_at = item.recorded_at
        else:
            _fill(row, item)
        rows.append(row)
    session.add_all(rows)
    session.flush()
    _diary_changed(session, patient_id)
    return len(rows)


def episode_origins(*, session: Session, patient_id: int) -> dict[int, Origin]:
    """Where each of a patient's episodes came from, by episode id."""
    query = select(
        EpisodeRow.id, EpisodeRow.source_id, EpisodeRow.recorded_at, EpisodeRow.created_at
    ).where(EpisodeRow.patient_id == patient_id)
    return {
        episode_id: Origin(source_id, recorded_at or created_at)
        for episode_id, source_id, recorded_at, created_at in session.execute(query)
    }


def _diary_changed(session: Session, patient_id: int) -> None:
    """Every change of a diary goes through here and gives it a new version: a random
    number, not a count, so that a version seen inside a transaction that then rolled back
    is never the version of other contents later. What was kept for an older version (the
    dashboard's status, the diary cache) no longer applies: a diary someone shares goes
    into the dashboard's queue of statuses to compute (storage.dashboard)."""
    version = secrets.randbits(62)
    session.execute(
        update(PatientRow).where(PatientRow.id == patient_id).values(diary_version=version)
    )
    session.info.setdefault(_VERSIONS, {})[patient_id] = version
    # After the update, whose row lock makes a share made at the same moment wait for this
    # change (see dashboard.queue_new_share) or be seen by it.
    queue_changed_diary(session=session, patient_id=patient_id, diary_version=version)


# session.info: each diary's version as read (or set) in the session's transaction, so that a
# request that reads a diary's cached parts reads its version once.
_VERSIONS = "neckcheck_diary_versions"


def diary_version(session: Session, patient_id: int) -> int | None:
    """The diary's version (None: no such diary), read once per transaction."""
    versions: dict[int, int | None] = session.info.setdefault(_VERSIONS, {})
    if patient_id not in versions:
        versions[patient_id] = session.scalar(
            select(PatientRow.diary_version).where(PatientRow.id == patient_id)
        )
    return versions[patient_id]


def forget_versions_at_transaction_end(sessions: sessionmaker[Session]) -> None:
    """Versions are read again in each transaction (a savepoint's included): another
    process may change a diary between two, and one rolled back may have set a version the
    database no longer has."""

    def forget(session: Session, _transaction: object) -> None:
        session.info.pop(_VERSIONS, None)

    event.listen(sessions, "after_transaction_end", forget)


def _row(session: Session, patient_id: int, episode_id: int) -> EpisodeRow:
    row = session.get(EpisodeRow, episode_id)
    if row is None or row.patient_id != patient_id:
        raise NotFoundError(f"episode {episode_id} not found")
    return row


def get_episode(*, session: Session, patient_id: int, episode_id: int) -> Episode:
    return _to_episode(_row(session, patient_id, episode_id))


def list_episodes(
    *,
    session: Session,
    patient_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
    newest_first: bool = True,
    keep: bool = True,
) -> list[Episode]:
    """A patient's episodes that started in ``[start, end)``, newest first by default.

    The whole diary's episodes are kept once per diary version (see :func:`kept`) and a
    period is cut from them, so any number of periods cost one copy. Without ``keep`` (for
    bounds that differ on every call, such as ``now - 90 days``, when reading many diaries),
    and for a diary too large to keep, the database is asked for the period alone.
    """

    def load(
        start: datetime | None, end: datetime | None, limit: int | None, newest_first: bool
    ) -> tuple[Episode, ...]:
        query = select(EpisodeRow).where(EpisodeRow.patient_id == patient_id)
        if start is not None:
            query = query.where(EpisodeRow.started_at >= start)
        if end is not None:
            query = query.where(EpisodeRow.started_at < end)
        order = EpisodeRow.started_at.desc() if newest_first else EpisodeRow.started_at.asc()
        query = query.order_by(order, EpisodeRow.id.desc() if newest_first else EpisodeRow.id)
        if limit is not None:
            query = query.limit(limit)
        return tuple(_to_episode(row) for row in session.scalars(query))

    if keep:
        every = cached(
            session,
            patient_id,
            ("episodes",),
            lambda: load(None, None, None, False),
            instead=lambda: None,
        )
        if every is not None:  # oldest first, by start then id, as the query orders them
            first = 0 if start is None else bisect_left(every, start, key=_started)
            last = len(every) if end is None else bisect_left(every, end, key=_started)
            chosen = every[first:last]
            if newest_first:
                chosen = chosen[::-1]
            return list(chosen[:limit] if limit is not None else chosen)
    return list(load(start, end, limit, newest_first))


def _started(episode: Episode) -> datetime:
    return episode.started_at


def cached(
    session: Session,
    patient_id: int,
    key: tuple[Hashable, ...],
    load: Callable[[], T],
    *,
    instead: Callable[[], U] | None = None,
) -> T | U:
    """``load()``, or its answer kept for the diary's current version (see
    :mod:`neckcheck.storage.cache`); sessions without a cache always load. ``load`` must
    depend on nothing but the diary and ``key`` (not on the clock), and its answer must
    not be changed by callers. With ``instead``: its answer when this diary's answer under
    ``key`` was found too large to keep (so that the caller asks for less)."""
    cache: DiaryCache | None = session.info.get("diary_cache")
    if cache is None:
        return load()
    version = diary_version(session, patient_id)
    if version is None:
        return load()
    full_key = (key[0], patient_id, version, *key[1:])
    if instead is not None and cache.too_large(full_key):
        return instead()
    return cache.get_or_compute(full_key, load)


def count_episodes(*, session: Session, patient_id: int) -> int:
    query = select(func.count()).select_from(EpisodeRow).where(EpisodeRow.patient_id == patient_id)
    return session.scalar(query) or 0


def update_episode(
    *, session: Session, patient_id: int, episode_id: int, data: EpisodeCreate, now: datetime
) -> Episode:
    """Replace the episode's fields with ``data`` (already validated as a whole)."""
    row = _row(session, patient_id, episode_id)
    _fill(row, data)
    row.updated_at = now
    session.flush()
    _diary_changed(session, patient_id)
    return _to_episode(row)


def delete_episode(*, session: Session, patient_id: int, episode_id: int) -> None:
    session.delete(_row(session, patient_id, episode_id))
    session.flush()
    _diary_changed(session, patient_id)


def episode_spans(*, session: Session, patient_id: int) -> list[tuple[datetime, datetime | None]]:
    """Every episode's (start, end), in no order; the end is None while it goes on."""
    spans = session.execute(
        select(EpisodeRow.started_at, EpisodeRow.ended_at).where(
            EpisodeRow.patient_id == patient_id
        )
    ).all()
    return [(start, end) for start, end in spans]


def patient_created(*, session: Session, patient_id: int) -> datetime:
    """When the patient (the account, or local mode's person) was created."""
    created = session.scalar(select(PatientRow.created_at).where(PatientRow.id == patient_id))
    if created is None:
        raise NotFoundError(f"patient {patient_id} not found")
    return created


def episodes_overlapping(
    *, session: Session, patient_id: int, start: datetime, end: datetime
) -> list[Episode]:
    """Episodes that started before ``end`` and had not ended before ``start`` (those still
    going on included), oldest first."""
    query = (
        select(EpisodeRow)
        .where(
            EpisodeRow.patient_id == patient_id,
            EpisodeRow.started_at < end,
            or_(EpisodeRow.ended_at.is_(None), EpisodeRow.ended_at >= start),
        )
        .order_by(EpisodeRow.started_at, EpisodeRow.id)
    )
    return [_to_episode(row) for row in session.scalars(query)]


def pain_free_days(
    *, session: Session, patient_id: int, first: date | None = None, last: date | None = None
) -> list[date]:
    """The days the patient recorded as pain-free, in ``[first, last]``, oldest first; all
    of them are kept per diary version, and the period is cut from them."""

    def load() -> tuple[date, ...]:
        query = select(PainFreeDayRow.day).where(PainFreeDayRow.patient_id == patient_id)
        return tuple(session.scalars(query.order_by(PainFreeDayRow.day)))

    every = cached(session, patient_id, ("pain_free_days",), load)
    low = 0 if first is None else bisect_left(every, first)
    high = len(every) if last is None else bisect_right(every, last)
    return list(every[low:high])


def pain_free_records(
    *, session: Session, patient_id: int, first: date, last: date
) -> list[tuple[date, datetime]]:
    """The days recorded as pain-free in ``[first, last]`` and when each was recorded."""
    query = (
        select(PainFreeDayRow.day, PainFreeDayRow.created_at)
        .where(
            PainFreeDayRow.patient_id == patient_id,
            PainFreeDayRow.day >= first,
            PainFreeDayRow.day <= last,
        )
        .order_by(PainFreeDayRow.day)
    )
    return [(day, at) for day, at in session.execute(query)]


def mark_pain_free(*, session: Session, patient_id: int, day: date, now: datetime) -> datetime:
    """Record ``day`` as pain-free (again: nothing changes); returns when it was recorded."""
    query = select(PainFreeDayRow.created_at).where(
        PainFreeDayRow.patient_id == patient_id, PainFreeDayRow.day == day
    )
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():  # the same day sent twice at once: one row wins
            session.add(PainFreeDayRow(patient_id=patient_id, day=day, created_at=now))
    except IntegrityError:
        pass
    else:
        _diary_changed(session, patient_id)
    recorded = session.scalar(query)
    if recorded is None:  # just written, by this session or the one that won
        raise RuntimeError("the pain-free day was not recorded")
    return recorded


def unmark_pain_free(*, session: Session, patient_id: int, first: date, last: date) -> int:
    """Forget the pain-free days in ``[first, last]``; returns how many there were."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        delete(PainFreeDayRow).where(
            PainFreeDayRow.patient_id == patient_id,
            PainFreeDayRow.day >= first,
            PainFreeDayRow.day <= last,
        )
    )
    removed = int(result.rowcount or 0)
    if removed:
        _diary_changed(session, patient_id)
    return removed
