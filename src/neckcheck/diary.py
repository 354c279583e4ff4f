"""Diary operations that combine storage and the engine, shared by the CLI and the web app.

>>> with db.session() as session:
...     result = assess_episode(session=session, patient_id=1, episode=episode, now=now)
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from neckcheck.domain import Assessment, Episode, EpisodeCreate
from neckcheck.engine import assess
from neckcheck.storage import repo


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
    for data in episodes:
        repo.create_episode(session=session, patient_id=patient_id, data=data)
    return len(episodes)
