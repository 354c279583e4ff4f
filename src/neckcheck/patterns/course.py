"""The course of a patient's neck spasms over a period.

    >>> summary = course(episodes, now=now)
    >>> summary.classification, [e.kind for e in summary.evidence]
    ('recurring', ['recurring'])

Classes (the most significant that applies is ``classification``; ``evidence`` lists each one
that applies with the dates that make it so):

* ``chronic``: symptoms in 12 or more calendar weeks in a row [cks-neck, jospt];
* ``lingering``: an episode that lasted more than a week (168 hours) [seed];
* ``recurring``: 3 or more episodes starting within 30 days [seed];
* ``isolated``: episodes, but none of the above; ``none``: no episodes.

A worsening is flagged when the typical (median) worst pain of the last 4 weeks is 2 or more
points above that of the 4 weeks before, each with at least 2 episodes (a change of about 1.3
to 1.5 points is the smallest that matters on the 0-10 scale).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Literal

from neckcheck.domain import AdviceText, Episode

Kind = Literal["chronic", "lingering", "recurring"]
CLASS_ORDER: tuple[Kind, ...] = ("chronic", "lingering", "recurring")
RECURRING_COUNT, RECURRING_DAYS = 3, 30
LINGERING_HOURS = 168
CHRONIC_WEEKS = 12
WORSENING_POINTS, WORSENING_DAYS, WORSENING_MIN = 2, 28, 2


@dataclass(frozen=True)
class Evidence:
    kind: Kind
    since: date
    until: date
    episode_ids: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class Worsening:
    recent_median: float
    previous_median: float
    recent_count: int
    previous_count: int

    @property
    def change(self) -> float:
        return self.recent_median - self.previous_median

    @property
    def flagged(self) -> bool:
        return self.change >= WORSENING_POINTS


@dataclass(frozen=True)
class Course:
    first: date
    last: date
    episodes: int
    per_week: list[tuple[date, int]]
    per_month: list[tuple[str, int]]
    median_hours: float | None
    longest_hours: float | None
    intensities: list[tuple[datetime, int]]
    symptom_days: int
    pain_free_days: int
    streak_days: int | None
    classification: Literal["none", "isolated", "chronic", "lingering", "recurring"]
    evidence: list[Evidence] = field(default_factory=list)
    worsening: Worsening | None = None
    advice: list[AdviceText] = field(default_factory=list)


def _days(episode: Episode, now: datetime) -> set[date]:
    """The calendar days (in the episode's own time zone) the episode touched."""
    end = (episode.ended_at or now).astimezone(episode.started_at.tzinfo)
    day, last = episode.started_at.date(), max(end.date(), episode.started_at.date())
    days = set()
    while day <= last:
        days.add(day)
        day += timedelta(days=1)
    return days


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _recurring(episodes: list[Episode]) -> Evidence | None:
    """The latest 30-day window holding 3 or more episode starts (a linear sweep)."""
    starts = sorted(episodes, key=lambda e: e.started_at)
    found: list[Episode] | None = None
    end = 0
    for first, episode in enumerate(starts):
        end = max(end, first)
        limit = episode.started_at + timedelta(days=RECURRING_DAYS)
        while end + 1 < len(starts) and starts[end + 1].started_at <= limit:
            end += 1
        if end - first + 1 >= RECURRING_COUNT:
            found = starts[first : end + 1]  # keep the latest such window
    if found is None:
        return None
    return Evidence(
        "recurring",
        found[0].started_at.date(),
        found[-1].started_at.date(),
        tuple(e.id for e in found),
        f"{len(found)} episodes between {found[0].started_at:%d %b %Y} and "
        f"{found[-1].started_at:%d %b %Y}, within {RECURRING_DAYS} days",
    )


def _lingering(episodes: list[Episode], now: datetime) -> Evidence | None:
    long = [e for e in episodes if e.duration_hours(now) > LINGERING_HOURS]
    if not long:
        return None
    worst = max(long, key=lambda e: e.duration_hours(now))
    end = (worst.ended_at or now).date()
    return Evidence(
        "lingering",
        worst.started_at.date(),
        end,
        tuple(e.id for e in long),
        f"the episode from {worst.started_at:%d %b %Y} lasted "
        f"{worst.duration_hours(now) / 24:.0f} days" + (" so far" if worst.ongoing else ""),
    )


def _chronic(days: set[date]) -> Evidence | None:
    weeks = sorted({_monday(day) for day in days})
    best: list[date] = []
    run: list[date] = []
    for week in weeks:
        run = [*run, week] if run and week - run[-1] == timedelta(days=7) else [week]
        if len(run) > len(best):
            best = run
    if len(best) < CHRONIC_WEEKS:
        return None
    since = min(day for day in days if _monday(day) == best[0])
    until = max(day for day in days if _monday(day) == best[-1])
    return Evidence(
        "chronic",
        since,
        until,
        (),
        f"symptoms in each of {len(best)} weeks in a row, from {since:%d %b %Y} to "
        f"{until:%d %b %Y}",
    )


def _worsening(episodes: list[Episode], now: datetime) -> Worsening | None:
    recent_start = now - timedelta(days=WORSENING_DAYS)
    previous_start = recent_start - timedelta(days=WORSENING_DAYS)
    recent = [e.intensity for e in episodes if recent_start < e.started_at <= now]
    previous = [e.intensity for e in episodes if previous_start < e.started_at <= recent_start]
    if len(recent) < WORSENING_MIN or len(previous) < WORSENING_MIN:
        return None
    return Worsening(
        statistics.median(recent), statistics.median(previous), len(recent), len(previous)
    )


def _seek_diagnosis() -> list[AdviceText]:
    return list(_seek_diagnosis_texts())


@cache
def _seek_diagnosis_texts() -> tuple[AdviceText, ...]:
    """Built once: the knowledge base does not change while the program runs."""
    from neckcheck.knowledge import load

    facts = {fact.id: fact for fact in load().facts}
    return tuple(
        AdviceText(text=" ".join(facts[key].text.split()), sources=list(facts[key].sources))
        for key in ("diagnosis_when", "diagnosis_who")
    )


def course(
    episodes: list[Episode],
    *,
    now: datetime,
    first: date | None = None,
    last: date | None = None,
) -> Course:
    """Summarise ``episodes`` over ``[first, last]`` (default: first episode to ``now``)."""
    ordered = sorted(episodes, key=lambda e: e.started_at)
    last = last or now.date()
    first = first or (ordered[0].started_at.date() if ordered else last)
    days: set[date] = set()
    for episode in ordered:
        days |= _days(episode, now)
    in_period = {day for day in days if first <= day <= last}
    weeks: dict[date, int] = {}
    months: dict[str, int] = {}
    for episode in ordered:
        day = episode.started_at.date()
        weeks[_monday(day)] = weeks.get(_monday(day), 0) + 1
        months[f"{day:%Y-%m}"] = months.get(f"{day:%Y-%m}", 0) + 1
    hours = [e.duration_hours(now) for e in ordered]
    evidence = [
        item
        for item in (_chronic(days), _lingering(ordered, now), _recurring(ordered))
        if item is not None
    ]
    if any(e.ongoing for e in ordered):
        streak: int | None = 0
    elif days:
        streak = (now.date() - max(days)).days
    else:
        streak = None
    classification = evidence[0].kind if evidence else ("isolated" if ordered else "none")
    return Course(
        first=first,
        last=last,
        episodes=len(ordered),
        per_week=sorted(weeks.items()),
        per_month=sorted(months.items()),
        median_hours=statistics.median(hours) if hours else None,
        longest_hours=max(hours) if hours else None,
        intensities=[(e.started_at, e.intensity) for e in ordered],
        symptom_days=len(in_period),
        pain_free_days=(last - first).days + 1 - len(in_period),
        streak_days=streak,
        classification=classification,
        evidence=evidence,
        worsening=_worsening(ordered, now),
        advice=_seek_diagnosis() if evidence else [],
    )
