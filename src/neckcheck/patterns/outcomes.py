"""Outcome measures over time: each measure's score at a baseline check-in and at the latest,
the change, and whether it is as large as the smallest change that matters to a person.

    >>> from neckcheck.knowledge import load
    >>> first = CheckIn(1, datetime(2026, 11, 2, tzinfo=UTC), {"nprs": {"pain": 6}})
    >>> last = CheckIn(2, datetime(2026, 11, 30, tzinfo=UTC), {"nprs": {"pain": 4}})
    >>> [nprs] = progress(load().measures, [first, last])
    >>> nprs.change, nprs.important, nprs.direction
    (2.0, True, 'better')

A score is the mean of the measure's items. A change counts only the items rated at both
check-ins (a person may name a new activity meanwhile), and is positive when the person is
better, whichever way the measure's scale runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import fmean
from typing import Literal

from neckcheck.knowledge.models import Measure, Measures

__all__ = ["CheckIn", "ItemChange", "Progress", "progress", "score"]

# A change as large as the smallest that matters, give or take a float's rounding.
_EPSILON = 1e-9


@dataclass(frozen=True)
class CheckIn:
    id: int
    at: datetime
    answers: Mapping[str, Mapping[str, int]]  # measure id -> item id -> rating


def score(ratings: Mapping[str, int]) -> float | None:
    """A measure's score from its items' ratings: their mean (None without any)."""
    return fmean(ratings.values()) if ratings else None


@dataclass(frozen=True)
class ItemChange:
    item: str
    baseline: int
    latest: int
    change: float  # positive: better
    important: bool


@dataclass(frozen=True)
class Progress:
    """One measure from ``baseline`` to ``latest`` (the same check-in while only one has
    answered it: ``change`` is then None)."""

    measure: Measure
    baseline: CheckIn
    latest: CheckIn
    baseline_score: float
    latest_score: float
    change: float | None  # positive: better; over the items rated at both
    items: tuple[ItemChange, ...] = ()

    @property
    def important(self) -> bool:
        return self.change is not None and abs(self.change) + _EPSILON >= (
            self.measure.important_change
        )

    @property
    def direction(self) -> Literal["better", "worse", "same"] | None:
        if self.change is None:
            return None
        if abs(self.change) < _EPSILON:
            return "same"
        return "better" if self.change > 0 else "worse"


def _better(measure: Measure, before: float, after: float) -> float:
    return after - before if measure.better == "higher" else before - after


def _between(measure: Measure, baseline: CheckIn, latest: CheckIn) -> Progress:
    before = baseline.answers[measure.id]
    after = latest.answers[measure.id]
    common = [item for item in before if item in after]
    change = None
    items: list[ItemChange] = []
    if baseline.id != latest.id and common:
        change = _better(measure, fmean(before[i] for i in common), fmean(after[i] for i in common))
        threshold = measure.important_item_change
        for item in common:
            moved = _better(measure, before[item], after[item])
            items.append(
                ItemChange(
                    item,
                    before[item],
                    after[item],
                    moved,
                    threshold is not None and abs(moved) + _EPSILON >= threshold,
                )
            )
    return Progress(
        measure,
        baseline,
        latest,
        baseline_score=score(before) or 0.0,
        latest_score=score(after) or 0.0,
        change=change,
        items=tuple(items),
    )


def progress(
    measures: Measures, check_ins: Sequence[CheckIn], *, baseline: int | None = None
) -> list[Progress]:
    """Each measure answered in ``check_ins`` (any order), from its baseline (the check-in
    ``baseline`` names where it answered the measure, else the first that did) to the
    latest check-in that answered it."""
    ordered = sorted(check_ins, key=lambda c: (c.at.astimezone(UTC), c.id))
    found: list[Progress] = []
    for measure in measures.measures:
        answered = [c for c in ordered if c.answers.get(measure.id)]
        if not answered:
            continue
        chosen = [c for c in answered if c.id == baseline]
        start = chosen[0] if chosen else answered[0]
        later = [c for c in answered if (c.at, c.id) >= (start.at, start.id)]
        found.append(_between(measure, start, later[-1]))
    return found
