"""What a description in the person's own words gives an episode: one reading for the Log
page's "Describe it" and ``neckcheck log --text``, which each show it for the person to check
before anything is saved.

    described = describe(extract(text, now=now), text=text, now=now)
    described.fields      # {"regions": [...], "findings": [...], "intensity": 6, ...}
    described.started_at, described.ended_at, described.ongoing

Free text proposes, the person decides (TRIAGE.md v2): a sign found in the text is proposed as
present, to confirm by saving; a denial, a hedge or a past mention settles nothing (the
check asks it, with the person's words beside the question), so no finding is recorded as
absent from the text alone.

When it started and stopped, one rule: a time the text gives is taken as it is; "for two
hours" said of something going on (or not said to be over) started two hours ago; said of
something over, it ended two hours after a start the text gives (and not later than now),
or else just now (it was said now), or began two hours before an end the text gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neckcheck.nlp.extract import Extraction

__all__ = ["Described", "describe"]


@dataclass(frozen=True)
class Described:
    """The episode fields a description gives (by the domain's names: only those it gives),
    when it started and stopped (None: the text does not say), and whether it is going on
    (None: not said)."""

    fields: dict[str, Any]
    started_at: datetime | None
    ended_at: datetime | None
    ongoing: bool | None
    age_years: int | None


def describe(result: Extraction, *, text: str, now: datetime) -> Described:
    """The episode ``result`` (the extractor's reading of ``text`` at ``now``) describes."""
    doc = result.document
    fields: dict[str, Any] = {
        "findings": list(doc.findings),
        "regions": [r.value for r in result.areas],
        "limited_movements": [m.value for m in result.limited_movements],
        "pain_qualities": [q.value for q in result.pain_qualities],
        "triggers": list(result.triggers),
        # How much a remedy helped is part of the record; one the text does not say is left
        # for the person to say.
        "remedies": [
            {"remedy": r.remedy, "helped": r.helped.value} for r in result.remedies if r.helped
        ],
        "notes": text,
    }
    if doc.intensity is not None:
        fields["intensity"] = doc.intensity
    if doc.onset is not None:
        fields["onset"] = doc.onset.value
    started, ended = _times(result, now=now)
    return Described(
        fields=fields,
        started_at=started,
        ended_at=ended,
        ongoing=result.ongoing,
        age_years=doc.age_years,
    )


def _times(result: Extraction, *, now: datetime) -> tuple[datetime | None, datetime | None]:
    started = result.started_at
    ended = result.ended_at if result.ongoing is False else None
    hours = result.document.duration_hours
    if hours is None:
        return started, ended
    lasted = timedelta(hours=hours)
    if result.ongoing is not False:  # going on, or not said to be over: it started then
        return started if started is not None else now - lasted, None
    if started is None and ended is None:
        return now - lasted, now  # "it lasted an hour", said now: it has just ended
    if ended is None:  # over, from a start the text gives: not later than now
        return started, min(started + lasted, now) if started is not None else None
    return started if started is not None else ended - lasted, ended
