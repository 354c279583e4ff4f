"""The triage's history inputs, computed from a diary in memory.

``episodes_last_30_days`` counts episodes that started in the 30 days up to a moment (the one
starting then included). ``weeks_with_symptoms`` counts whole 7-day windows, going back from
the moment, each touched by some episode, until the first window with none.

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
    """Answers history questions for many moments over one diary, each in O(weeks * log n)."""

    def __init__(self, spans: list[tuple[datetime, datetime | None]]) -> None:
        ordered = sorted(spans, key=lambda span: span[0])
        self._starts = [start for start, _ in ordered]
        # _latest_end[i]: the latest end among the first i + 1 episodes by start.
        self._latest_end: list[datetime] = []
        latest: datetime | None = None
        for _, end in ordered:
            end = end or _STILL_GOING
            latest = end if latest is None or end > latest else latest
            self._latest_end.append(latest)

    def __len__(self) -> int:
        return len(self._starts)

    def at(self, moment: datetime) -> History:
        return History(
            episodes_last_30_days=min(
                self._started_between(moment - MONTH, moment), MAX_EPISODES_30_DAYS
            ),
            weeks_with_symptoms=min(self._weeks(moment), MAX_WEEKS),
        )

    def _started_between(self, after: datetime, until: datetime) -> int:
        return bisect_right(self._starts, until) - bisect_right(self._starts, after)

    def _weeks(self, moment: datetime) -> int:
        weeks, window_end = 0, moment
        while True:
            window_start = window_end - WEEK
            # Some episode touches (window_start, window_end] when one that started by
            # window_end ends after window_start; the latest end among those decides.
            started = bisect_right(self._starts, window_end)
            if started == 0 or self._latest_end[started - 1] <= window_start:
                return weeks
            weeks += 1
            window_end = window_start


def weeks_with_symptoms(spans: list[tuple[datetime, datetime]], *, at: datetime) -> int:
    """Consecutive 7-day windows ending at ``at`` that each overlap some ``(start, end)`` span."""
    return DiaryHistory(list(spans)).at(at).weeks_with_symptoms or 0


__all__ = ["DiaryHistory", "weeks_with_symptoms"]
