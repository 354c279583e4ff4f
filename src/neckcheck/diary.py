"""Diary operations that combine storage and the engine, shared by the CLI and the web app.

>>> with db.session() as session:
...     result = assess_episode(session=session, patient_id=1, episode=episode, now=now)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from neckcheck.domain import Assessment, Episode
from neckcheck.engine import assess
from neckcheck.storage import repo


def assess_episode(
    *, session: Session, patient_id: int, episode: Episode, now: datetime
) -> Assessment:
    """The assessment of a stored episode, with the diary's history up to its start."""
    history = repo.history_at(session=session, patient_id=patient_id, at=episode.started_at)
    return assess(episode.to_findings(now=now, history=history))
