"""What a clinician report says, computed from a diary (pure; no I/O).

    >>> data = build_report(all_episodes, first=date(2026, 1, 1), last=date(2026, 3, 31),
    ...                     now=now, patient="Alex Morgan", profile=Profile(birth_year=1984))
    >>> data.course.classification, data.ages
    ('recurring', (41, 42))

The whole diary is passed so that each episode is assessed with the history before it; the
report covers the episodes that started within ``[first, last]``. The rules of the course
classes (recurring, lingering, chronic) are the course, told once with how many episodes met
them (``course_rules``); the other rules that matched are the warning signs (``flags``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from neckcheck.domain import Assessment, Episode, Profile
from neckcheck.engine import check
from neckcheck.levels import Level
from neckcheck.patterns import Course, RemedyStat, TriggerStat, course, remedy_stats, trigger_stats
from neckcheck.patterns.days import PainFree
from neckcheck.patterns.history import DiaryHistory


@dataclass(frozen=True)
class FlagRaised:
    """A rule that matched episodes of the period, and the days they started on."""

    rule: str
    title: str
    level: Level
    dates: list[date]


@dataclass(frozen=True)
class ReportData:
    patient: str | None  # None: the diary names nobody (local mode's "Me")
    ages: tuple[int, int] | None  # the youngest and oldest the patient can be, if known
    birth_year: int | None
    first: date
    last: date
    generated: datetime
    episodes: list[Episode]
    assessments: dict[int, Assessment]
    course: Course
    flags: list[FlagRaised]
    course_rules: list[FlagRaised]
    triggers: list[TriggerStat]
    remedies: list[RemedyStat]
    recurring_findings: list[tuple[str, int]]
    disclaimer: str
    # Each outcome measure's change since the baseline check-in, in clinical words.
    outcomes: tuple[str, ...] = ()


def build_report(
    diary: list[Episode],
    *,
    first: date,
    last: date,
    now: datetime,
    patient: str | None,
    profile: Profile | None = None,
    pain_free: PainFree | None = None,
    outcomes: Sequence[str] = (),
) -> ReportData:
    """``pain_free``: the period's pain-free days as the diary counts them (recorded, and
    estimated since the diary began); default: estimated from these episodes alone.
    ``outcomes``: the outcome measures' progress, one line each (services.outcomes)."""
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
        for flag in assessments[episode.id].matched_rules:
            raised.setdefault(flag.id, []).append(episode.started_at.date())
    rules = {rule.id: rule for rule in kb.rules}
    matched = sorted(
        (
            FlagRaised(rid, kb.rule_title(rid), rules[rid].level, dates)
            for rid, dates in raised.items()
        ),
        key=lambda f: (f.level.rank, -len(f.dates), f.rule),
    )
    summary = course(episodes, now=now, first=first, last=last, history=history, counted=pain_free)
    classes = kb.labels.course.classes
    counts = Counter(f for e in episodes for f in e.derived_findings())
    labels = {f.id: f.label for f in kb.findings}
    return ReportData(
        patient=patient,
        ages=profile.ages(now.date()),
        birth_year=profile.birth_year,
        first=first,
        last=last,
        generated=now,
        episodes=episodes,
        assessments=assessments,
        course=summary,
        flags=[f for f in matched if f.rule not in classes],
        course_rules=sorted(
            (f for f in matched if f.rule in classes), key=lambda f: classes.index(f.rule)
        ),
        triggers=trigger_stats(episodes),
        remedies=remedy_stats(episodes),
        recurring_findings=[(labels[f], n) for f, n in counts.most_common() if n >= 2],
        disclaimer=" ".join(kb.advice.disclaimer.split()),
        outcomes=tuple(outcomes),
    )
