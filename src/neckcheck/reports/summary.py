"""What a clinician report says, computed from a diary (pure; no I/O).

    >>> data = build_report(all_episodes, first=date(2026, 1, 1), last=date(2026, 3, 31),
    ...                     now=now, patient="Me")
    >>> data.course.classification
    'recurring'

The whole diary is passed so that each episode is assessed with the history before it; the
report covers the episodes that started within ``[first, last]``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime

from neckcheck.domain import Assessment, Episode, Profile
from neckcheck.engine import check
from neckcheck.levels import Level
from neckcheck.patterns import Course, RemedyStat, TriggerStat, course, remedy_stats, trigger_stats
from neckcheck.patterns.days import PainFree
from neckcheck.patterns.history import DiaryHistory


@dataclass(frozen=True)
class FlagRaised:
    rule: str
    title: str
    level: Level
    dates: list[date]


@dataclass(frozen=True)
class ReportData:
    patient: str
    first: date
    last: date
    generated: datetime
    episodes: list[Episode]
    assessments: dict[int, Assessment]
    course: Course
    flags: list[FlagRaised]
    triggers: list[TriggerStat]
    remedies: list[RemedyStat]
    recurring_findings: list[tuple[str, int]]
    disclaimer: str


def build_report(
    diary: list[Episode],
    *,
    first: date,
    last: date,
    now: datetime,
    patient: str,
    profile: Profile | None = None,
    pain_free: PainFree | None = None,
) -> ReportData:
    """``pain_free``: the period's pain-free days as the diary counts them (recorded, and
    estimated since the diary began); default: estimated from these episodes alone."""
    from neckcheck.knowledge import load

    kb = load()
    history = DiaryHistory([(e.started_at, e.ended_at) for e in diary])
    episodes = sorted(
        (e for e in diary if first <= e.started_at.date() <= last), key=lambda e: e.started_at
    )
    profile = profile or Profile()
    assessments = {
        e.id: check(e, history=history.at(e.started_at), profile=profile, now=now) for e in episodes
    }
    raised: dict[str, list[date]] = {}
    for episode in episodes:
        for flag in assessments[episode.id].red_flags:
            raised.setdefault(flag.id, []).append(episode.started_at.date())
    rules = {rule.id: rule for rule in kb.rules}
    flags = sorted(
        (
            FlagRaised(rid, rules[rid].title, rules[rid].level, dates)
            for rid, dates in raised.items()
        ),
        key=lambda f: (f.level.rank, -len(f.dates), f.rule),
    )
    summary = course(episodes, now=now, first=first, last=last, history=history)
    if pain_free is not None:
        summary = replace(summary, pain_free=pain_free)
    counts = Counter(f for e in episodes for f in e.derived_findings())
    labels = {f.id: f.label for f in kb.findings}
    return ReportData(
        patient=patient,
        first=first,
        last=last,
        generated=now,
        episodes=episodes,
        assessments=assessments,
        course=summary,
        flags=flags,
        triggers=trigger_stats(episodes),
        remedies=remedy_stats(episodes),
        recurring_findings=[(labels[f], n) for f, n in counts.most_common() if n >= 2],
        disclaimer=" ".join(kb.advice.disclaimer.split()),
    )
