"""The check of a stored episode: what the engine is given for one episode of a diary.

>>> check(episode, history=diary.at(episode.started_at), profile=profile, now=now).level
<Level.self_care: 'self_care'>
"""

from __future__ import annotations

from datetime import datetime

from neckcheck.domain import Assessment, Episode, Findings, History, Profile
from neckcheck.engine.assess import assess

__all__ = ["check", "documents"]


def documents(
    episode: Episode, *, history: History, profile: Profile, now: datetime
) -> list[Findings]:
    """What the engine is given for ``episode``: its findings, its duration up to ``now``, the
    diary's history at its start, and the person's age from their profile. A year of birth
    leaves the birthday unknown, so there is a document for each age it allows (a child of
    15 or 16, an adult of 64 or 65), and whoever reads them takes the more urgent answer."""
    ages = profile.ages(episode.started_at.date()) or (None,)
    return [episode.to_findings(now=now, history=history, age_years=age) for age in ages]


def check(episode: Episode, *, history: History, profile: Profile, now: datetime) -> Assessment:
    """The check of ``episode``: the most urgent assessment of its :func:`documents`."""
    results = [
        assess(document)
        for document in documents(episode, history=history, profile=profile, now=now)
    ]
    return min(results, key=lambda result: result.level.rank)
