"""Diary operations that combine storage and the engine, shared by the CLI and the web app.

>>> with db.session() as session:
...     result = assess_episode(session=session, patient_id=1, episode=episode, now=now)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from neckcheck.domain import Assessment, Episode, EpisodeCreate, Level
from neckcheck.engine import assess
from neckcheck.storage import dashboard, repo
from neckcheck.storage.dashboard import Status


def assess_episode(
    *, session: Session, patient_id: int, episode: Episode, now: datetime
) -> Assessment:
    """The assessment of a stored episode, with the diary's history up to its start."""
    history = repo.history_at(session=session, patient_id=patient_id, at=episode.started_at)
    return assess(episode.to_findings(now=now, history=history))


def clinician_report(
    *, session: Session, patient_id: int, first: date, last: date, now: datetime
) -> bytes:
    """The clinician report for ``[first, last]`` as PDF bytes."""
    from neckcheck.reports import build_report
    from neckcheck.reports.pdf import render_pdf

    if first > last:
        from neckcheck.errors import InputError

        raise InputError("must not be after the end date", field="from")
    diary = repo.list_episodes(session=session, patient_id=patient_id, newest_first=False)
    data = build_report(
        diary,
        first=first,
        last=last,
        now=now,
        patient=repo.patient_name(session=session, patient_id=patient_id),
    )
    return render_pdf(data)


def import_episodes(*, session: Session, patient_id: int, episodes: list[EpisodeCreate]) -> int:
    """Add already-validated episodes in the caller's transaction; returns how many.

    The caller's session rolls back as a whole if anything fails, so an import is all or
    nothing.
    """
    return repo.add_episodes(session=session, patient_id=patient_id, items=episodes)


# The dashboard's "latest episode" is the newest of the last 90 days.
RECENT = timedelta(days=90)


def patient_status(
    *, session: Session, patient_id: int, diary_version: int, now: datetime
) -> Status:
    """A patient's latest level and 90-day course at ``now``, and until when they hold if
    the diary does not change.

    Time alone changes them only when an episode leaves the 90-day window, or while an
    episode is ongoing: its duration reaches a threshold a rule or the course compares
    with, or its days add up. So the status is good until the oldest episode in the window
    turns 90 days old, and, with an episode ongoing, for at most an hour.
    """
    from neckcheck.knowledge import load
    from neckcheck.patterns import course

    recent = repo.list_episodes(
        session=session, patient_id=patient_id, start=now - RECENT, keep=False
    )
    classification = course(recent, now=now).classification
    if not recent:
        return Status(
            patient_id, None, len(Level), None, None, classification, diary_version, now, None
        )
    latest = recent[0]
    level = assess_episode(session=session, patient_id=patient_id, episode=latest, now=now).level
    stale_after = recent[-1].started_at + RECENT
    if any(episode.ongoing for episode in recent):
        stale_after = min(stale_after, now + timedelta(hours=1))
    if latest.ongoing:
        hours = latest.duration_hours(now)
        ahead = [t for t in load().thresholds("duration_hours") if t >= hours]
        if ahead:
            # A second past the threshold, so that ">" and ">=" rules have both turned.
            crossing = latest.started_at + timedelta(hours=ahead[0], seconds=1)
            stale_after = min(stale_after, crossing)
    return Status(
        patient_id,
        level.value,
        level.rank,
        latest.started_at,
        latest.intensity,
        classification,
        diary_version,
        now,
        stale_after,
    )


@dataclass(frozen=True)
class DashboardPage:
    rows: list[dashboard.DashboardRow]
    total: int
    page: int
    pages: int


def clinician_dashboard(
    *, session: Session, clinician_id: int, now: datetime, page: int = 1, per_page: int = 50
) -> DashboardPage:
    """One page of the clinician's patients, most urgent latest level first.

    Each patient's level and course are kept and computed again only for diaries that
    changed or whose status time may have changed (see :func:`patient_status`), so a page
    is one query however many patients there are.
    """
    needing = dashboard.patients_needing_status(session=session, clinician_id=clinician_id, now=now)
    dashboard.save_statuses(
        session=session,
        statuses=[
            patient_status(session=session, patient_id=pid, diary_version=version, now=now)
            for pid, version in needing
        ],
    )
    total, rows = dashboard.dashboard_page(
        session=session, clinician_id=clinician_id, offset=(page - 1) * per_page, limit=per_page
    )
    return DashboardPage(rows, total, page, max(1, -(-total // per_page)))
