"""Outcome measures over time: scores, the change since a baseline, and whether it is as
large as the smallest change that matters, in whichever direction a measure's scale runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from neckcheck.knowledge import load
from neckcheck.patterns.outcomes import CheckIn, progress

MEASURES = load().measures
NPRS, PSFS = MEASURES.measure("nprs"), MEASURES.measure("psfs")
START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _at(week: int, answers: dict[str, dict[str, int]], number: int | None = None) -> CheckIn:
    return CheckIn(number if number is not None else week, START + timedelta(weeks=week), answers)


rating = st.integers(min_value=0, max_value=10)


@given(rating, rating)
def test_pain_that_falls_is_better_and_matters_from_the_measures_threshold(
    before: int, after: int
) -> None:
    [found] = progress(
        MEASURES, [_at(0, {"nprs": {"pain": before}}), _at(4, {"nprs": {"pain": after}})]
    )
    assert found.change == before - after  # lower pain is better
    assert found.important == (abs(before - after) >= NPRS.important_change)
    assert found.direction == (
        "same" if before == after else "better" if after < before else "worse"
    )


@given(st.lists(st.tuples(rating, rating), min_size=3, max_size=5))
def test_activities_that_get_easier_are_better_by_the_mean_of_their_change(
    pairs: list[tuple[int, int]],
) -> None:
    before = {str(n): b for n, (b, _) in enumerate(pairs)}
    after = {str(n): a for n, (_, a) in enumerate(pairs)}
    [found] = progress(MEASURES, [_at(0, {"psfs": before}), _at(6, {"psfs": after})])
    mean_change = sum(a - b for b, a in pairs) / len(pairs)
    assert abs(found.change - mean_change) < 1e-9  # higher is better on this scale
    assert [i.important for i in found.items] == [abs(a - b) >= 3 for b, a in pairs]


def test_the_change_counts_only_the_activities_rated_both_times() -> None:
    first = _at(0, {"psfs": {"1": 2, "2": 4, "3": 6}})
    later = _at(3, {"psfs": {"2": 7, "3": 9, "4": 0}})  # activity 1 replaced by 4
    [found] = progress(MEASURES, [later, first])
    assert found.change == 3.0  # (7 - 4 + 9 - 6) / 2; the new activity's 0 does not count
    assert found.baseline_score == 4.0 and found.latest_score == 16 / 3


def test_one_check_in_is_a_baseline_with_no_change_yet() -> None:
    [found] = progress(MEASURES, [_at(0, {"nprs": {"pain": 5}})])
    assert found.change is None and found.direction is None and not found.important
    assert found.baseline is found.latest


def test_a_chosen_baseline_and_the_latest_check_in_that_answered_each_measure() -> None:
    check_ins = [
        _at(0, {"nprs": {"pain": 8}}),
        _at(1, {"nprs": {"pain": 6}, "psfs": {"1": 3}}),
        _at(2, {"nprs": {"pain": 5}}),
        _at(3, {"psfs": {"1": 7}}),
    ]
    nprs, psfs = progress(MEASURES, check_ins, baseline=1)
    assert (nprs.baseline.id, nprs.latest.id, nprs.change) == (1, 2, 1.0)
    assert (psfs.baseline.id, psfs.latest.id, psfs.change) == (1, 3, 4.0)
    # A baseline that did not answer a measure: that measure starts at its own first.
    nprs, psfs = progress(MEASURES, check_ins, baseline=3)
    assert (nprs.baseline.id, nprs.change) == (0, 3.0)
    assert (psfs.baseline.id, psfs.latest.id, psfs.change) == (3, 3, None)


def test_a_measure_never_answered_is_not_shown() -> None:
    assert progress(MEASURES, []) == []
    assert [p.measure.id for p in progress(MEASURES, [_at(0, {"psfs": {"1": 4}})])] == ["psfs"]
