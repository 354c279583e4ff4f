"""The check of a stored episode: what the engine is given for one episode of a diary.

>>> check(episode, history=diary.at(episode.started_at), profile=profile, now=now).level
<Level.self_care: 'self_care'>
"""

from __future__ import annotations

from datetime import datetime

from neckcheck.domain import Assessment, Episode, History, Profile
from neckcheck.engine.assess import assess

__all__ = ["check"]


def check(episode: Episode, *, history: History, profile: Profile, now: datetime) -> Assessment:
    """The check of ``episode``: its findings, its duration up to ``now``, the diary's history
    at its start, and the person's age from their profile. A year of birth leaves the birthday
    unknown, so both possible ages are checked and the more urgent answer is the one given (a
    child of 15 or 16, an adult of 64 or 65)."""
    ages = profile.ages(episode.started_at.date())
    if ages is None:
        return assess(episode.to_findings(now=now, history=history))
    results = [assess(episode.to_findings(now=now, history=history, age_years=age)) for age in ages]
    return min(results, key=lambda result: result.level.rank)
