"""The triage's history inputs, computed from a diary in memory.

``episodes_last_30_days`` counts episodes that started in the 30 days up to a moment (the one
starting then included). ``weeks_with_symptoms`` counts whole 7-day windows, going back from
the moment, each touched by some episode, until the first window with none. These are the
only definitions of both: the triage rules compare them with their thresholds, and the
course of a diary (:mod:`neckcheck.patterns.course`) is read from those same rules.

    >>> diary = DiaryHistory([(start, end), ...])
    >>> diary.at(moment)
    History(episodes_last_30_days=3, weeks_with_symptoms=1)
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta

from neckcheck.domain import MAX_EPISODES_30_DAYS, MAX_WEEKS, History

WEEK = timedelta(days=7)
MONTH = timedelta(days=30)
# An ongoing episode lasts at least until any moment asked about: only windows that end by
# that moment are checked, so "later than everything" gives the same answers.
_STILL_GOING = datetime.max.replace(tzinfo=UTC)


class DiaryHistory:
    """Answers history questions for many moments over one diary.

    Episodes are joined into *stretches*: runs of episodes in which no gap between the end of
    one and the start of the next is longer than a week. Every 7-day window that ends inside a
    stretch, or less than a week after it, is touched by an episode of it, so counting the
    windows back from a moment takes one step per stretch, not one per week or per episode.
    """

    def __init__(self, spans: list[tuple[datetime, datetime | None]]) -> None:
        ordered = sorted(spans, key=lambda span: span[0])
        self._starts = [start for start, _ in ordered]
        self._stretch_starts: list[datetime] = []
        self._stretch_ends: list[datetime] = []
        for start, end in ordered:
            end = end or _STILL_GOING
            if self._stretch_ends and start - WEEK <= self._stretch_ends[-1]:
                self._stretch_ends[-1] = max(self._stretch_ends[-1], end)
            else:
                self._stretch_starts.append(start)
                self._stretch_ends.append(end)

    def __len__(self) -> int:
        return len(self._starts)

    def at(self, moment: datetime) -> History:
        return History(
            episodes_last_30_days=min(
                self._started_between(moment - MONTH, moment), MAX_EPISODES_30_DAYS
            ),
            weeks_with_symptoms=self.weeks_at(moment),
        )

    def _started_between(self, after: datetime, until: datetime) -> int:
        return bisect_right(self._starts, until) - bisect_right(self._starts, after)

    def weeks_at(self, moment: datetime) -> int:
        """Whole weeks in a row with symptoms up to ``moment`` (at most MAX_WEEKS)."""
        weeks, window_end = 0, moment
        while weeks < MAX_WEEKS:
            # The stretch that began last by the window's end is the only one that can touch
            # the window (window_end - 1 week, window_end]: it does when it lasts past the
            # window's start.
            index = bisect_right(self._stretch_starts, window_end) - 1
            if index < 0 or self._stretch_ends[index] <= window_end - WEEK:
                break
            # Every window ending between this stretch's start and window_end is touched.
            steps = (window_end - self._stretch_starts[index]) // WEEK + 1
            weeks += steps
            window_end -= WEEK * steps
        return min(weeks, MAX_WEEKS)


__all__ = ["DiaryHistory"]
