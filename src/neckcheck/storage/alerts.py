"""Alerts of the clinicians' Needs attention list, keyword-only (what raises one is decided
in :mod:`neckcheck.services.alerts`).

An alert names a clinician and an episode of a patient who shares their diary with them;
it shows from ``due_at`` until the clinician marks it seen, and only while the patient still
shares. Claiming alerts for an email is one conditional ``UPDATE`` per clinician, so two
server processes never send the same email twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, select, update
from sqlalchemy.orm import Session

from neckcheck.levels import Level
from neckcheck.storage.tables import AlertRow, EpisodeRow, PatientRow, ShareRow, UserRow


@dataclass(frozen=True)
class Kept:
    """An alert as stored, for deciding what a change of its episode does to it."""

    id: int
    clinician_id: int
    level: Level
    due_at: datetime
    seen_at: datetime | None


@dataclass(frozen=True)
class Alert:
    """One line of Needs attention: whose episode, when it started, its level and whether
    its screening was answered in full, and since when it has been waiting."""

    id: int
    patient_id: int
    patient_name: str
    episode_id: int
    started_at: datetime
    level: Level
    complete: bool
    due_at: datetime


def _still_shared() -> ColumnElement[bool]:
    return exists().where(
        ShareRow.clinician_id == AlertRow.clinician_id,
        ShareRow.patient_id == AlertRow.patient_id,
        ShareRow.revoked_at.is_(None),
    )


def sharing_clinicians(*, session: Session, patient_id: int) -> list[int]:
    """The active clinicians the patient shares their diary with."""
    return list(
        session.scalars(
            select(ShareRow.clinician_id)
            .join(UserRow, UserRow.id == ShareRow.clinician_id)
            .where(
                ShareRow.patient_id == patient_id,
                ShareRow.revoked_at.is_(None),
                UserRow.disabled.is_(False),
                UserRow.role == "clinician",
            )
            .distinct()
        )
    )


def for_episode(*, session: Session, episode_id: int) -> dict[int, Kept]:
    """The episode's alerts, by clinician."""
    rows = session.scalars(select(AlertRow).where(AlertRow.episode_id == episode_id)).all()
    return {
        row.clinician_id: Kept(row.id, row.clinician_id, Level(row.level), row.due_at, row.seen_at)
        for row in rows
    }


def add(
    *,
    session: Session,
    clinician_id: int,
    patient_id: int,
    episode_id: int,
    level: Level,
    complete: bool,
    now: datetime,
    due_at: datetime,
) -> None:
    session.add(
        AlertRow(
            clinician_id=clinician_id,
            patient_id=patient_id,
            episode_id=episode_id,
            level=level.value,
            complete=complete,
            raised_at=now,
            due_at=due_at,
        )
    )
    session.flush()


def change(
    *,
    session: Session,
    alert_id: int,
    level: Level,
    complete: bool,
    due_at: datetime | None = None,
    reopen: bool = False,
) -> None:
    """Keep the episode's level on the alert; with ``due_at``, show it from then; with
    ``reopen``, show it again (and email again) though it was seen."""
    values: dict[str, object] = {"level": level.value, "complete": complete}
    if due_at is not None:
        values["due_at"] = due_at
    if reopen:
        values.update(seen_at=None, emailed_at=None)
    session.execute(update(AlertRow).where(AlertRow.id == alert_id).values(**values))


def drop(*, session: Session, alert_id: int) -> None:
    session.execute(delete(AlertRow).where(AlertRow.id == alert_id))


def waiting(*, session: Session, clinician_id: int, now: datetime) -> list[Alert]:
    """The clinician's alerts to show now, most urgent first, then the oldest."""
    rows = session.execute(
        select(AlertRow, PatientRow.display_name, EpisodeRow.started_at)
        .join(PatientRow, PatientRow.id == AlertRow.patient_id)
        .join(EpisodeRow, EpisodeRow.id == AlertRow.episode_id)
        .where(
            AlertRow.clinician_id == clinician_id,
            AlertRow.seen_at.is_(None),
            AlertRow.due_at <= now,
            PatientRow.erased_at.is_(None),
            _still_shared(),
        )
    ).all()
    found = [
        Alert(
            row.id,
            row.patient_id,
            name,
            row.episode_id,
            started,
            Level(row.level),
            row.complete,
            row.due_at,
        )
        for row, name, started in rows
    ]
    return sorted(found, key=lambda a: (a.level.rank, a.due_at, a.id))


def mark_seen(*, session: Session, clinician_id: int, alert_id: int, now: datetime) -> int | None:
    """Mark the clinician's alert seen; returns its patient, or None if the clinician has no
    such alert waiting."""
    row = session.get(AlertRow, alert_id)
    if row is None or row.clinician_id != clinician_id or row.seen_at is not None:
        return None
    row.seen_at = now
    session.flush()
    return row.patient_id


def _to_email(now: datetime) -> ColumnElement[bool]:
    return and_(
        AlertRow.emailed_at.is_(None),
        AlertRow.seen_at.is_(None),
        AlertRow.due_at <= now,
        _still_shared(),
    )


def clinicians_to_email(*, session: Session, now: datetime) -> list[tuple[int, str]]:
    """(id, email) of every active clinician with alerts due that no email told them of."""
    rows = session.execute(
        select(UserRow.id, UserRow.email)
        .join(AlertRow, AlertRow.clinician_id == UserRow.id)
        .where(_to_email(now), UserRow.disabled.is_(False))
        .distinct()
    ).all()
    return [(user_id, email) for user_id, email in rows]


def claim_for_email(*, session: Session, clinician_id: int, now: datetime) -> int:
    """Mark the clinician's alerts due as emailed; how many this call claimed (0: another
    process did it first)."""
    done = session.execute(
        update(AlertRow)
        .where(AlertRow.clinician_id == clinician_id, _to_email(now))
        .values(emailed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0))
