"""The charts of a diary, as geometry: what is drawn where, with its words.

The web pages draw these layouts as SVG (``web/templates/charts/``); the PDF report draws the
pain series with ReportLab (``reports/pdf.py``). Both take their scales, ticks and labels
from here, so a chart says the same thing wherever it is shown.

    >>> layout = calendar(episodes, first=date(2026, 3, 1), last=date(2026, 3, 31))
    >>> layout.cells[0].label
    'Sun 01 Mar 2026: no episode'
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from neckcheck.domain import Episode
from neckcheck.text import count, format_hours

__all__ = [
    "CalendarLayout",
    "IntervalLayout",
    "TimelineLayout",
    "calendar",
    "date_ticks",
    "day_offset",
    "interval",
    "timeline",
]

# Colour steps for the worst intensity of a day; the legend repeats them in words.
STEPS = [
    (0, "#e8ebef", "none"),
    (3, "#fbd38d", "1-3"),
    (6, "#f59e42", "4-6"),
    (8, "#d9480f", "7-8"),
    (10, "#8f1d0b", "9-10"),
]


def colour(intensity: int | None) -> str:
    if intensity is None:
        return STEPS[0][1]
    for top, shade, _label in STEPS[1:]:
        if intensity <= top:
            return shade
    return STEPS[-1][1]


def day_offset(moment: datetime, first: date) -> float:
    """Days from the start of ``first`` to ``moment`` (its wall-clock day and hour)."""
    return (moment.date() - first).days + moment.hour / 24


def date_ticks(first: date, last: date, steps: int = 4) -> list[tuple[float, str]]:
    """Evenly spaced (day offset, label) ticks from ``first`` to ``last``."""
    span = max((last - first).days, 1)
    return [
        (
            round(span * i / steps),
            (first + timedelta(days=round(span * i / steps))).strftime("%d %b %y"),
        )
        for i in range(steps + 1)
    ]


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    fill: str
    label: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass(frozen=True)
class CalendarLayout:
    width: int
    height: int
    cell: int
    summary: str
    cells: list[Cell]
    texts: list[Text]
    legend: list[tuple[int, int, str, str]]  # x, y, fill, words


def calendar(episodes: list[Episode], *, first: date, last: date) -> CalendarLayout:
    """A heat map: one square per day, weeks as columns, coloured by the day's worst pain."""
    worst: dict[date, int] = {}
    per_day: dict[date, int] = defaultdict(int)
    for episode in episodes:
        day = episode.started_at.date()  # the wall-clock day the person gave
        worst[day] = max(worst.get(day, 0), episode.intensity)
        per_day[day] += 1
    start = first - timedelta(days=first.weekday())
    cell, gap, left, top = 13, 3, 30, 18
    weeks = (last - start).days // 7 + 1
    width, height = left + weeks * (cell + gap), top + 7 * (cell + gap) + 24
    texts = [
        Text(0, top + row * (cell + gap) + cell - 2, name)
        for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun"))
    ]
    cells: list[Cell] = []
    labelled_week = -3  # a month name needs about three columns of room
    for week in range(weeks):
        for weekday in range(7):
            day = start + timedelta(days=week * 7 + weekday)
            if day < first or day > last:
                continue
            starts_month = day.day == 1 or (day == first and day.day < 20)
            if starts_month and week - labelled_week >= 3:
                labelled_week = week
                texts.append(Text(left + week * (cell + gap), 11, f"{day:%b}"))
            label = (
                f"{day:%a %d %b %Y}: worst {worst[day]}/10, "
                f"{count(per_day[day], 'episode', 'episodes')}"
                if day in worst
                else f"{day:%a %d %b %Y}: no episode"
            )
            x, y = left + week * (cell + gap), top + weekday * (cell + gap)
            cells.append(Cell(x, y, colour(worst.get(day)), label))
    legend = [
        (left + 60 * i, height - 8, shade, words) for i, (_, shade, words) in enumerate(STEPS)
    ]
    summary = (
        f"Calendar from {first:%d %b %Y} to {last:%d %b %Y}: "
        f"{count(len(worst), 'day', 'days')} with episodes, worst pain "
        f"{max(worst.values(), default=0)}/10"
    )
    return CalendarLayout(width, height, cell, summary, cells, texts, legend)


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    height: float
    label: str


@dataclass(frozen=True)
class TimelineLayout:
    width: int
    height: int
    left: int
    right: int
    summary: str
    grid: list[tuple[float, str]]  # y, level label
    line: str  # SVG polyline points of worst pain
    dots: list[Mark]
    bars: list[Mark]
    bar_base: float
    bar_title: Text
    first_label: str
    last_label: str


def timeline(episodes: list[Episode], *, first: date, last: date, now: datetime) -> TimelineLayout:
    """Worst intensity (points) and duration (bars) of each episode over time."""
    width, height, left, right = 640, 260, 40, 12
    top_h, gap, bottom_h = 130, 34, 60
    span = max((last - first).days + 1, 1)

    def x_of(moment: datetime) -> float:
        return left + (width - left - right) * min(max(day_offset(moment, first) / span, 0), 1)

    ordered = sorted(episodes, key=lambda e: e.started_at)
    hours = [e.duration_hours(now) for e in ordered]
    longest = max(hours, default=1) or 1
    grid = [(10 + top_h * (1 - level / 10), str(level)) for level in (0, 5, 10)]
    dots = [
        Mark(
            x_of(e.started_at),
            10 + top_h * (1 - e.intensity / 10),
            0,
            f"{e.started_at:%d %b %Y %H:%M}: worst {e.intensity}/10",
        )
        for e in ordered
    ]
    base = 10 + top_h + gap + bottom_h
    bars = [
        Mark(
            x_of(e.started_at),
            base - max(bottom_h * duration / longest, 1.5),
            max(bottom_h * duration / longest, 1.5),
            f"{e.started_at:%d %b %Y}: lasted {format_hours(duration)}",
        )
        for e, duration in zip(ordered, hours, strict=True)
    ]
    return TimelineLayout(
        width=width,
        height=height,
        left=left,
        right=right,
        summary=f"Worst pain and duration of {count(len(ordered), 'episode', 'episodes')} "
        f"from {first:%d %b %Y} to {last:%d %b %Y}",
        grid=grid,
        line=" ".join(f"{d.x:.1f},{d.y:.1f}" for d in dots) if len(dots) > 1 else "",
        dots=dots,
        bars=bars,
        bar_base=base,
        bar_title=Text(left, base - bottom_h - 6, f"Duration (longest {format_hours(longest)})"),
        first_label=f"{first:%d %b %Y}",
        last_label=f"{last:%d %b %Y}",
    )


@dataclass(frozen=True)
class IntervalLayout:
    width: int
    height: int
    summary: str
    low_x: float
    range_width: float
    estimate_x: float
    middle_x: float
    pad: int


def interval(estimate: float, low: float, high: float, *, label: str) -> IntervalLayout:
    """A share and its 95% interval on a 0-100% track: the uncertainty drawn, not hidden."""
    width, height, pad = 220, 18, 4

    def x(share: float) -> float:
        return pad + (width - 2 * pad) * min(max(share, 0.0), 1.0)

    return IntervalLayout(
        width=width,
        height=height,
        summary=f"{label}: {estimate:.0%}, 95% interval {low:.0%} to {high:.0%}",
        low_x=x(low),
        range_width=max(x(high) - x(low), 1),
        estimate_x=x(estimate),
        middle_x=x(0.5),
        pad=pad,
    )
