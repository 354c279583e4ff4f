"""The course of a patient's neck spasms over a period.

    >>> summary = course(episodes, now=now)
    >>> summary.classification, [e.kind for e in summary.evidence]
    ('recurring', ['recurring'])

The classes are the triage's own: a class applies when the triage rule of the same id (in
``knowledge/data/rules.yaml``, listed in ``labels.yaml`` under ``course``) matched an episode
of the period, given the diary's history at that episode's start
(:mod:`neckcheck.patterns.history`) and how long the episode lasted. So "recurring",
"lingering" and "chronic" mean here exactly what they mean in an episode's check, with the
thresholds the knowledge base sets:

* ``chronic``: symptoms in 12 or more weeks in a row [cks-neck, jospt];
* ``lingering``: an episode that lasted more than a week (168 hours) [seed];
* ``recurring``: 3 or more episodes within 30 days [seed];
* ``isolated``: episodes, but none of the above; ``none``: no episodes.

Pain-free days are the ones the person recorded, and an estimate of the days with nothing
logged since the diary began, kept apart (:mod:`neckcheck.patterns.days`).

The most significant class that applies is ``classification``; ``evidence`` lists each one
with the dates that make it so.

A worsening is flagged when the typical (median) worst pain of the last 4 weeks is 2 or more
points above that of the 4 weeks before, each with at least 2 episodes (a change of about 1.3
to 1.5 points is the smallest that matters on the 0-10 scale).

Everything here is linear in the number of episodes (after sorting), whatever their length.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from neckcheck.domain import MAX_DURATION_HOURS, AdviceText, Episode, Findings, History
from neckcheck.patterns.days import PainFree, day_span, pain_free
from neckcheck.patterns.history import MONTH, WEEK, DiaryHistory
from neckcheck.text import count

if TYPE_CHECKING:
    from neckcheck.knowledge import KnowledgeBase

WORSENING_POINTS, WORSENING_DAYS, WORSENING_MIN = 2, 28, 2


@dataclass(frozen=True)
class Evidence:
    kind: str
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
    pain_free: PainFree  # recorded and estimated apart: never one number
    streak_days: int | None
    classification: str
    label: str
    evidence: list[Evidence] = field(default_factory=list)
    worsening: Worsening | None = None
    advice: list[AdviceText] = field(default_factory=list)


def _day_span(episode: Episode, now: datetime) -> tuple[int, int]:
    """The first and last calendar day (as ordinals, in the episode's own time zone) it
    touched."""
    first, last = day_span(episode.started_at, episode.ended_at, now)
    return first.toordinal(), last.toordinal()


def _symptom_days(
    episodes: list[Episode], now: datetime, first: date, last: date
) -> tuple[int, int | None]:
    """Days in ``[first, last]`` touched by an episode, and the last day touched at all."""
    low, high = first.toordinal(), last.toordinal()
    spans = sorted(_day_span(e, now) for e in episodes)
    touched, covered_to, last_day = 0, low - 1, None
    for start, end in spans:
        last_day = end if last_day is None else max(last_day, end)
        start, end = max(start, covered_to + 1), min(end, high)
        if start <= end:
            touched += end - start + 1
            covered_to = end
    return touched, last_day


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _matches(
    ordered: list[Episode], diary: DiaryHistory, now: datetime, knowledge: KnowledgeBase
) -> dict[str, list[tuple[Episode, Findings]]]:
    """For each course class, the episodes whose check matched its rule, with the document
    that was checked (the episode's duration and the diary's history at its start)."""
    from neckcheck.engine import assess

    classes = knowledge.labels.course.classes
    found: dict[str, list[tuple[Episode, Findings]]] = {name: [] for name in classes}
    # A document is its duration and history alone: a diary's episodes share a few dozen, so
    # each is assessed once (a daily diary of 5 years has 1,825 episodes).
    matched: dict[tuple[float, History], list[str]] = {}
    for episode in ordered:
        history = diary.at(episode.started_at)
        hours = min(round(episode.duration_hours(now), 2), MAX_DURATION_HOURS)
        document = Findings(findings=[], duration_hours=hours, history=history)
        key = (hours, history)  # a History is frozen, so hashable
        if key not in matched:
            matched[key] = [flag.id for flag in assess(document, knowledge).matched_rules]
        for rule in matched[key]:
            if rule in found:
                found[rule].append((episode, document))
    return found


def _evidence(
    kind: str, matched: list[tuple[Episode, Findings]], ordered: list[Episode], now: datetime
) -> Evidence:
    if kind == "lingering":
        long = [episode for episode, _ in matched]
        worst = max(long, key=lambda e: e.duration_hours(now))
        return Evidence(
            kind,
            worst.started_at.date(),
            (worst.ended_at or now).date(),
            tuple(e.id for e in long),
            f"the episode from {worst.started_at:%d %b %Y} lasted "
            + count(round(worst.duration_hours(now) / 24), "day", "days")
            + (" so far" if worst.ongoing else ""),
        )
    episode, document = matched[-1]  # the latest episode that matched
    moment = episode.started_at
    if kind == "chronic":
        weeks = document.history.weeks_with_symptoms if document.history else None
        if not weeks:  # the chronic rule matched on weeks with symptoms, so they are known
            raise RuntimeError("a chronic course without weeks with symptoms")
        window = [e for e in ordered if moment - WEEK * weeks < e.started_at <= moment]
        since = min(e.started_at for e in window).date() if window else moment.date()
        return Evidence(
            kind,
            since,
            moment.date(),
            (),
            # The weeks reach back before the period when the diary does: say where they end.
            f"symptoms in each of {weeks} weeks in a row, up to {moment:%d %b %Y}",
        )
    window = [e for e in ordered if moment - MONTH < e.started_at <= moment]
    since = window[0].started_at.date()
    within = (document.history.episodes_last_30_days if document.history else None) or len(window)
    if within > len(window):  # some of them started before the period
        text = (
            f"{count(within, 'episode', 'episodes')} within {MONTH.days} days up to "
            f"{moment:%d %b %Y}, some before this period"
        )
    elif since == moment.date():
        text = f"{count(len(window), 'episode', 'episodes')} on {since:%d %b %Y}"
    else:
        text = (
            f"{count(len(window), 'episode', 'episodes')} between {since:%d %b %Y} and "
            f"{moment:%d %b %Y}, within {MONTH.days} days"
        )
    return Evidence(kind, since, moment.date(), tuple(e.id for e in window), text)


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


def _seek_diagnosis_texts(knowledge: KnowledgeBase) -> tuple[AdviceText, ...]:
    facts = {fact.id: fact for fact in knowledge.facts}
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
    history: DiaryHistory | None = None,
    knowledge: KnowledgeBase | None = None,
    pain_free_days: Iterable[date] = (),
    since: date | None = None,
    today: date | None = None,
    counted: PainFree | None = None,
) -> Course:
    """Summarise ``episodes`` (those of the period) over ``[first, last]`` (default: the first
    episode to ``now``). ``history`` is the whole diary's (default: these episodes alone), so
    that an episode's history reaches back before the period as its check does.

    ``pain_free_days`` are the days the person recorded as pain-free; ``since`` is the day
    the diary began (default: its first episode or record given here), from which days with
    nothing logged are estimated pain-free; ``today`` is the person's (default ``now``'s).
    ``counted``: the period's pain-free days as the caller counted them (a diary counts them
    with what it holds beyond ``episodes``), instead of counting them from these."""
    if knowledge is None:
        from neckcheck.knowledge import load

        knowledge = load()
    today = today or now.date()
    ordered = sorted(episodes, key=lambda e: e.started_at)
    last = last or now.date()
    first = first or (ordered[0].started_at.date() if ordered else last)
    diary = history or DiaryHistory([(e.started_at, e.ended_at) for e in ordered])
    weeks: dict[date, int] = {}
    months: dict[str, int] = {}
    for episode in ordered:
        day = episode.started_at.date()
        weeks[_monday(day)] = weeks.get(_monday(day), 0) + 1
        months[f"{day:%Y-%m}"] = months.get(f"{day:%Y-%m}", 0) + 1
    hours = [e.duration_hours(now) for e in ordered]
    matched = _matches(ordered, diary, now, knowledge)
    evidence = [_evidence(kind, found, ordered, now) for kind, found in matched.items() if found]
    symptom_days, last_day = _symptom_days(ordered, now, first, last)
    if any(e.ongoing for e in ordered):
        streak: int | None = 0
    elif last_day is not None:
        streak = max(today.toordinal() - last_day, 0)
    else:
        streak = None
    classification = evidence[0].kind if evidence else ("isolated" if ordered else "none")
    recorded = sorted(pain_free_days)
    if since is None:
        starts = [e.started_at.date() for e in ordered[:1]] + recorded[:1]
        since = min(starts) if starts else None
    return Course(
        first=first,
        last=last,
        episodes=len(ordered),
        per_week=sorted(weeks.items()),
        per_month=sorted(months.items()),
        median_hours=statistics.median(hours) if hours else None,
        longest_hours=max(hours) if hours else None,
        intensities=[(e.started_at, e.intensity) for e in ordered],
        symptom_days=symptom_days,
        pain_free=(
            counted
            if counted is not None
            else pain_free(
                ordered, recorded, first=first, last=last, today=today, now=now, since=since
            )
        ),
        streak_days=streak,
        classification=classification,
        label=knowledge.course_label(classification),
        evidence=evidence,
        worsening=_worsening(ordered, now),
        advice=list(_seek_diagnosis_texts(knowledge)) if evidence else [],
    )
