"""The course classification and summaries on diaries whose answer is known."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from neckcheck.domain import Episode, Findings
from neckcheck.engine import assess
from neckcheck.knowledge import load, read_raw, validate
from neckcheck.patterns import course
from neckcheck.patterns.days import PainFree
from neckcheck.patterns.history import DiaryHistory
from tests.factories import NOW

Make = Callable[..., Episode]


def test_no_episodes(episode: Make) -> None:
    summary = course([], now=NOW)
    assert summary.classification == "none"
    assert summary.episodes == 0
    assert summary.streak_days is None
    assert summary.advice == []


def test_one_episode_is_isolated(episode: Make) -> None:
    summary = course([episode(10)], now=NOW)
    assert summary.classification == "isolated"
    assert summary.evidence == []
    assert summary.streak_days == 10
    assert summary.advice == []


# "Within 30 days" is the triage's: the 30 days up to an episode's start, that moment
# included and the moment 30 days before it not (patterns.history), so episodes 15 days apart
# are not three within 30 days.
@pytest.mark.parametrize(("gap_days", "recurring"), [(14.9, True), (14, True), (15, False)])
def test_three_episodes_within_30_days_recur(
    episode: Make, gap_days: float, recurring: bool
) -> None:
    # Three episodes spread over 2 * gap_days.
    episodes = [episode(60), episode(60 - gap_days), episode(60 - 2 * gap_days)]
    summary = course(episodes, now=NOW)
    assert (summary.classification == "recurring") is recurring
    if recurring:
        [evidence] = summary.evidence
        assert evidence.episode_ids == (1, 2, 3)
        assert evidence.since == (NOW - timedelta(days=60)).date()
        assert "3 episodes between" in evidence.text
        assert [a.sources for a in summary.advice] == [["seed"], ["seed"]]
        assert "physiatrist" in summary.advice[1].text


@pytest.mark.parametrize(("hours", "lingering"), [(168, False), (169, True)])
def test_an_episode_over_a_week_lingers(episode: Make, hours: float, lingering: bool) -> None:
    summary = course([episode(20, hours=hours)], now=NOW)
    assert (summary.classification == "lingering") is lingering


def test_an_ongoing_episode_lingers_by_now(episode: Make) -> None:
    summary = course([episode(9, hours=None)], now=NOW)
    assert summary.classification == "lingering"
    assert summary.streak_days == 0
    assert "so far" in summary.evidence[0].text


@pytest.mark.parametrize(("weeks", "chronic"), [(12, True), (11, False)])
def test_symptoms_in_12_weeks_in_a_row_are_chronic(
    episode: Make, weeks: int, chronic: bool
) -> None:
    # NOW is a Tuesday; one short episode each Tuesday going back `weeks` weeks.
    episodes = [episode(7 * w) for w in range(weeks)]
    summary = course(episodes, now=NOW)
    assert (summary.evidence[0].kind == "chronic") is chronic
    if chronic:
        assert summary.classification == "chronic"
        # The first and the last day with symptoms in the run of weeks.
        assert summary.evidence[0].since == date(2026, 4, 14)
        assert summary.evidence[0].until == date(2026, 6, 30)
        assert [e.kind for e in summary.evidence] == ["chronic", "recurring"]


def test_counts_per_week_and_month_and_pain_free_days(episode: Make) -> None:
    episodes = [episode(31, hours=30), episode(28.5), episode(3)]
    summary = course(episodes, now=NOW, first=date(2026, 5, 31), last=date(2026, 6, 30))
    assert summary.per_month == [("2026-05", 1), ("2026-06", 2)]
    assert [n for _, n in summary.per_week] == [1, 1, 1]
    # In the period (31 May to 30 Jun, 31 days) symptoms touched 31 May (the 30-hour episode
    # from 30 May), 2 Jun and 27 Jun.
    assert summary.symptom_days == 3
    # Nothing was recorded: the other days are estimates, from the first episode (30 May)
    # to yesterday (today is not over).
    assert summary.pain_free == PainFree(recorded=0, estimated=27)
    assert summary.median_hours == 2
    assert summary.longest_hours == 30


@pytest.mark.parametrize(
    ("recent", "previous", "flagged"),
    [
        ([7, 8, 6], [4, 5, 4], True),
        ([6, 6], [4, 4], True),
        ([5, 5], [4, 4], False),
        ([3, 3], [6, 6], False),
    ],
)
def test_worsening_of_two_points_is_flagged(
    episode: Make, recent: list[int], previous: list[int], flagged: bool
) -> None:
    episodes = [episode(2 + i, intensity=n) for i, n in enumerate(recent)]
    episodes += [episode(30 + i, intensity=n) for i, n in enumerate(previous)]
    worsening = course(episodes, now=NOW).worsening
    assert worsening is not None
    assert worsening.flagged is flagged


def test_worsening_needs_two_episodes_in_each_window(episode: Make) -> None:
    episodes = [episode(2, intensity=9), episode(30, intensity=2), episode(31, intensity=2)]
    assert course(episodes, now=NOW).worsening is None


def _with_rule(change: Callable[[dict[str, Any]], None]) -> Any:
    raw = copy.deepcopy(read_raw())
    for rule in raw["rules"]:
        change(rule)
    return validate(raw)


def test_the_course_and_the_triage_read_the_same_thresholds(episode: Make) -> None:
    """Change the recurring and chronic thresholds in a copy of the knowledge base: an
    episode's check and the diary's course move together."""

    def lower(rule: dict[str, Any]) -> None:
        if rule["id"] in ("recurring", "chronic"):
            rule["when"]["value"] = 2

    lowered = _with_rule(lower)
    diary = [episode(20), episode(12)]  # two episodes 8 days apart: 2 weeks, 2 in 30 days
    history = DiaryHistory([(e.started_at, e.ended_at) for e in diary]).at(diary[1].started_at)
    document = Findings(findings=[], history=history)
    for kb, expected in ((load(), set()), (lowered, {"recurring", "chronic"})):
        triage = {flag.id for flag in assess(document, kb).matched_rules}
        summary = course(diary, now=NOW, knowledge=kb)
        assert triage == expected
        assert {item.kind for item in summary.evidence} == expected
        assert summary.classification == ("chronic" if expected else "isolated"), (
            "the first class in labels.course.classes wins"
        )
