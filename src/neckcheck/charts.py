"""The charts of a diary, as geometry: what is drawn where, with its words.

The web pages draw these layouts (``web/templates/charts/``: SVG, and the calendar as HTML
tables); the PDF report draws the pain series with ReportLab (``reports/pdf.py``). Both take
their scales, ticks and labels from here, so a chart says the same thing wherever it is
shown. Every chart has its scale written on it, and on a phone its words are drawn at 12 px
or more: a chart is laid out for the width it is shown at (``NARROW`` for phones, ``WIDE``
beside it), never shrunk to fit.

    >>> shown = calendar(episodes, first=date(2026, 3, 1), last=date(2026, 3, 31))
    >>> shown.months[0].weeks[0][6].label
    'Sun 1 Mar 2026: no episode'
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from neckcheck.domain import Episode
from neckcheck.text import count, format_hours

__all__ = [
    "FONT",
    "NARROW",
    "WIDE",
    "Calendar",
    "CalendarDay",
    "IntervalLayout",
    "Month",
    "TimelineLayout",
    "calendar",
    "date_ticks",
    "day_offset",
    "difference",
    "interval",
    "timeline",
]

# The widths (SVG user units, drawn at about one unit per CSS pixel) a chart is laid out for:
# a phone's column (a 360-430 px screen, less the margins) and the page's column beside.
NARROW, WIDE = 320, 700
# The size of every word on a chart, in user units: 12 px or more on a phone of 360 px.
FONT = 13

# Colour steps for the worst intensity of a day (the highest intensity of each); the legend
# repeats them in words. The pages colour them from the style sheet (light and dark).
STEPS = [
    (0, "no episode"),
    (3, "1-3"),
    (6, "4-6"),
    (8, "7-8"),
    (10, "9-10"),
]


def step(intensity: int | None) -> int:
    """The colour step (0 for no episode, then 1 to 4) of a day's worst pain."""
    if intensity is None:
        return 0
    for index, (top, _label) in enumerate(STEPS[1:], start=1):
        if intensity <= top:
            return index
    return len(STEPS) - 1


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
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


# --- the calendar ------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    day: date
    worst: int | None
    episodes: int
    step: int  # colour step of the worst pain: 0 for no episode, 1 to 4
    label: str  # "Tue 30 Jun 2026: worst 5/10, 1 episode"
    in_period: bool

    @property
    def anchor(self) -> str:
        """The id of the day in a list of episodes (``day-2026-06-30``)."""
        return f"day-{self.day.isoformat()}"


@dataclass(frozen=True)
class Month:
    name: str  # "June 2026"
    weeks: list[list[CalendarDay | None]]  # Monday first; None before the 1st and after the end

    @property
    def episodes(self) -> int:
        """Episodes that started on the days of the period in this month."""
        return sum(d.episodes for week in self.weeks for d in week if d and d.in_period)


@dataclass(frozen=True)
class Calendar:
    summary: str
    months: list[Month]  # newest first, as a list of episodes is
    legend: list[tuple[int, str]]  # colour step, words
    weekdays: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def calendar(episodes: list[Episode], *, first: date, last: date) -> Calendar:
    """Month grids of the period, a square per day with its number, coloured by the day's
    worst pain; days with episodes are listed with their words (``label``) so that a tap on
    one can lead to them."""
    worst: dict[date, int] = {}
    per_day: dict[date, int] = defaultdict(int)
    for episode in episodes:
        day = episode.started_at.date()  # the wall-clock day the person gave
        worst[day] = max(worst.get(day, 0), episode.intensity)
        per_day[day] += 1
    months: list[Month] = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        weeks: list[list[CalendarDay | None]] = []
        week: list[CalendarDay | None] = [None] * month.weekday()
        day = month
        while day < following:
            named = f"{day:%a} {day.day} {day:%b %Y}"  # the day's number as it is shown
            label = (
                f"{named}: worst {worst[day]}/10, {count(per_day[day], 'episode', 'episodes')}"
                if day in worst
                else f"{named}: no episode"
            )
            week.append(
                CalendarDay(
                    day,
                    worst.get(day),
                    per_day.get(day, 0),
                    step(worst.get(day)),
                    label,
                    first <= day <= last,
                )
            )
            if len(week) == 7:
                weeks.append(week)
                week = []
            day += timedelta(days=1)
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        months.append(Month(f"{month:%B %Y}", weeks))
        month = following
    summary = (
        f"Calendar from {first:%d %b %Y} to {last:%d %b %Y}: "
        f"{count(len(worst), 'day', 'days')} with episodes, worst pain "
        f"{max(worst.values(), default=0)}/10"
    )
    legend = [(index, words) for index, (_top, words) in enumerate(STEPS)]
    return Calendar(summary, months[::-1], legend)


# --- worst pain and duration over time ---------------------------------------------------


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
    pain_top: float
    pain_bottom: float
    pain_ticks: list[tuple[float, str]]  # y, label
    pain_title: Text
    line: str  # SVG polyline points of worst pain
    dots: list[Mark]
    bars: list[Mark]
    bar_top: float
    bar_base: float
    bar_ticks: list[tuple[float, str]]  # y, label
    bar_title: Text
    date_ticks: list[Text]
    font: int = FONT


# Round lengths for the duration scale's top, in hours.
_NICE_HOURS = (1, 2, 4, 6, 8, 12, 24, 48, 96, 168, 336, 720, 1440, 2880, 8760)


def _hours_label(hours: float) -> str:
    if hours == 0:
        return "0"
    if hours < 48:
        return f"{hours:g} h"
    return f"{hours / 24:g} d"


def timeline(
    episodes: list[Episode], *, first: date, last: date, now: datetime, width: int = WIDE
) -> TimelineLayout:
    """Worst pain (points, 0-10) and how long each episode lasted (bars, in hours or days),
    against the day it started; both with their scales, and the dates along the bottom."""
    left, right, font = 46, 16, FONT
    pain_top, pain_height = 26, 120
    pain_bottom = pain_top + pain_height
    bar_top = pain_bottom + 44
    bar_height = 72
    base = bar_top + bar_height
    height = base + 26
    span = max((last - first).days + 1, 1)
    inner = width - left - right

    def x_of(moment: datetime) -> float:
        return left + inner * min(max(day_offset(moment, first) / span, 0), 1)

    ordered = sorted(episodes, key=lambda e: e.started_at)
    hours = [e.duration_hours(now) for e in ordered]
    longest = max(hours, default=0.0)
    top_hours = next((h for h in _NICE_HOURS if h >= longest), math.ceil(longest / 24) * 24)
    dots = [
        Mark(
            x_of(e.started_at),
            pain_bottom - pain_height * e.intensity / 10,
            0,
            f"{e.started_at:%d %b %Y %H:%M}: worst {e.intensity}/10",
        )
        for e in ordered
    ]
    bars = []
    for episode, duration in zip(ordered, hours, strict=True):
        tall = max(bar_height * min(duration / top_hours, 1.0), 1.5)
        bars.append(
            Mark(
                x_of(episode.started_at),
                base - tall,
                tall,
                f"{episode.started_at:%d %b %Y}: lasted {format_hours(duration)}",
            )
        )
    steps = 4 if width >= WIDE else 2
    ticks = date_ticks(first, last, steps)
    along = [
        Text(
            left + inner * offset / span,
            height - 6,
            label,
            "start" if index == 0 else "end" if index == steps else "middle",
        )
        for index, (offset, label) in enumerate(ticks)
    ]
    return TimelineLayout(
        width=width,
        height=height,
        left=left,
        right=right,
        summary=f"Worst pain and duration of {count(len(ordered), 'episode', 'episodes')} "
        f"from {first:%d %b %Y} to {last:%d %b %Y}",
        pain_top=pain_top,
        pain_bottom=pain_bottom,
        pain_ticks=[(pain_bottom - pain_height * level / 10, str(level)) for level in (0, 5, 10)],
        pain_title=Text(left, font + 2, "Worst pain (0-10)"),
        line=" ".join(f"{d.x:.1f},{d.y:.1f}" for d in dots) if len(dots) > 1 else "",
        dots=dots,
        bars=bars,
        bar_top=bar_top,
        bar_base=base,
        bar_ticks=[
            (base - bar_height * share, _hours_label(top_hours * share)) for share in (0, 0.5, 1)
        ],
        bar_title=Text(left, bar_top - 12, "How long it lasted"),
        date_ticks=along,
    )


# --- an estimate and its 95% interval ----------------------------------------------------


@dataclass(frozen=True)
class IntervalLayout:
    width: int
    height: int
    summary: str
    low_x: float
    range_width: float
    estimate_x: float
    track: tuple[float, float]  # x of the axis' ends
    ticks: list[Text]  # x, label under the axis
    zero_x: float | None  # where "no difference" is, on a scale of differences
    font: int = FONT


def _layout(
    estimate: float,
    low: float,
    high: float,
    *,
    lowest: float,
    highest: float,
    ticks: list[tuple[float, str]],
    summary: str,
    zero: float | None = None,
) -> IntervalLayout:
    width, height, pad = 300, 44, 16

    def x(value: float) -> float:
        share = (value - lowest) / (highest - lowest)
        return pad + (width - 2 * pad) * min(max(share, 0.0), 1.0)

    last = len(ticks) - 1
    return IntervalLayout(
        width=width,
        height=height,
        summary=summary,
        low_x=x(low),
        range_width=max(x(high) - x(low), 1),
        estimate_x=x(estimate),
        track=(x(lowest), x(highest)),
        ticks=[
            Text(
                x(value), height - 4, words, "start" if i == 0 else "end" if i == last else "middle"
            )
            for i, (value, words) in enumerate(ticks)
        ],
        zero_x=x(zero) if zero is not None else None,
    )


def interval(estimate: float, low: float, high: float, *, label: str) -> IntervalLayout:
    """A share and its 95% interval on a 0-100% axis: the uncertainty drawn, not hidden."""
    return _layout(
        estimate,
        low,
        high,
        lowest=0.0,
        highest=1.0,
        ticks=[(0.0, "0%"), (0.25, "25%"), (0.5, "50%"), (0.75, "75%"), (1.0, "100%")],
        summary=f"{label}: {estimate:.0%}, 95% interval {low:.0%} to {high:.0%}",
    )


def difference(estimate: float, low: float, high: float, *, label: str) -> IntervalLayout:
    """A difference in worst pain (points) and its 95% interval, on an axis centred on no
    difference and wide enough for the interval (at least 3 points either way)."""
    reach = max(3, math.ceil(max(abs(low), abs(high), abs(estimate))))
    return _layout(
        estimate,
        low,
        high,
        lowest=-reach,
        highest=reach,
        ticks=[(-reach, f"{-reach:+d}"), (0, "0"), (reach, f"{reach:+d}")],
        summary=f"{label}: worst pain {estimate:+.1f} points after it, "
        f"95% interval {low:+.1f} to {high:+.1f}",
        zero=0.0,
    )
