"""Pain-free days: the ones a person recorded, and the ones only estimated from gaps.

A person taps "No spasm today" (:meth:`neckcheck.services.diary.Diary.no_spasm`); that day is
*recorded* as pain-free. A day with nothing logged at all may have been pain-free or simply
not written down, so it is only *estimated* pain-free, and every page, report and export
says which is which::

    >>> counts = pain_free(episodes, recorded_days, first=first, last=last, today=today,
    ...                    now=now, since=diary_began)
    >>> counts.recorded, counts.estimated
    (3, 12)
    >>> counts.summary()
    '3 pain-free days recorded; about 12 more days estimated from days with nothing logged.'

The rules:

* a day an episode touched (from the day it started to the day it ended, or to ``now`` while
  it goes on, in the time zone the person gave its start in) is never pain-free, recorded or
  not;
* a recorded day counts when it lies in the period and not after ``today``;
* a day is estimated pain-free when nothing touched it, nothing recorded it, it lies in the
  period, it is not after yesterday (today is not over), and the diary had begun by then
  (``since``: its first entry or the account's creation, whichever came first). A person who
  joined today has no estimated days, whatever the period.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from neckcheck.domain import Episode
from neckcheck.text import count

__all__ = ["PainFree", "day_span", "pain_free", "symptom_spans"]


def day_span(started_at: datetime, ended_at: datetime | None, now: datetime) -> tuple[date, date]:
    """The first and last calendar day an episode touched, in the time zone of its start
    (an ongoing one reaches ``now``)."""
    first = started_at.date()
    end = (ended_at or now).astimezone(started_at.tzinfo).date()
    return first, max(end, first)


def symptom_spans(episodes: Iterable[Episode], now: datetime) -> list[tuple[int, int]]:
    """The days episodes touched, as merged, sorted ``(first, last)`` day ordinals."""
    spans = sorted(
        (first.toordinal(), last.toordinal())
        for first, last in (day_span(e.started_at, e.ended_at, now) for e in episodes)
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _touched(spans: Sequence[tuple[int, int]], day: int) -> bool:
    index = bisect_right(spans, day, key=lambda span: span[0]) - 1  # the last to start by day
    return index >= 0 and spans[index][1] >= day


def _touched_between(spans: Sequence[tuple[int, int]], low: int, high: int) -> int:
    return sum(max(min(end, high) - max(start, low) + 1, 0) for start, end in spans)


@dataclass(frozen=True)
class PainFree:
    """Pain-free days of a period: ``recorded`` by the person, and ``estimated`` from days
    with nothing logged since ``since`` (set when the diary began after the period's first
    day, so that a reader knows why the estimate covers fewer days)."""

    recorded: int
    estimated: int
    since: date | None = None

    def summary(self) -> str:
        """One sentence that never passes an estimate off as a record."""
        if self.recorded:
            text = f"{count(self.recorded, 'pain-free day', 'pain-free days')} recorded"
        else:
            text = "No pain-free days recorded"
        if self.estimated:
            more = "more day" if self.recorded else "day"
            text += (
                f"; about {count(self.estimated, more, more + 's')} estimated from days with "
                "nothing logged"
            )
            if self.since is not None:
                text += f" since the diary began on {self.since:%d %b %Y}"
        return text + "."


def pain_free(
    episodes: Iterable[Episode],
    recorded: Iterable[date],
    *,
    first: date,
    last: date,
    today: date,
    now: datetime,
    since: date | None,
) -> PainFree:
    """Pain-free days in ``[first, last]``: those in ``recorded`` that no episode touched, and
    an estimate of the rest (see the module's rules). ``since`` is the day the diary began;
    None: nothing is estimated."""
    spans = symptom_spans(episodes, now)
    until = min(last, today)
    days = {
        day.toordinal()
        for day in recorded
        if first <= day <= until and not _touched(spans, day.toordinal())
    }
    estimated, shown_since = 0, None
    if since is not None:
        low = max(first, since).toordinal()
        high = min(last, today - timedelta(days=1)).toordinal()
        if low <= high:
            marked = sum(1 for day in days if low <= day <= high)
            estimated = high - low + 1 - _touched_between(spans, low, high) - marked
            shown_since = since if since > first else None
    return PainFree(recorded=len(days), estimated=estimated, since=shown_since)
