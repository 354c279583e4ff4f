"""Server-rendered SVG charts for the history page (no JavaScript, no third-party code).

Each function returns SVG markup with ``role="img"``, an ``aria-label`` summary and a
``<title>`` per mark, so the figures are readable by screen readers and on hover.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from html import escape

from markupsafe import Markup

from neckcheck.domain import Episode, format_hours

# Colour steps for the worst intensity of a day; the legend repeats them in words.
_STEPS = [
    (0, "#e8ebef", "none"),
    (3, "#fbd38d", "1-3"),
    (6, "#f59e42", "4-6"),
    (8, "#d9480f", "7-8"),
    (10, "#8f1d0b", "9-10"),
]


def _colour(intensity: int | None) -> str:
    if intensity is None:
        return _STEPS[0][1]
    for top, colour, _label in _STEPS[1:]:
        if intensity <= top:
            return colour
    return _STEPS[-1][1]


def _day(moment: datetime) -> date:
    return moment.date()  # the wall-clock day the person gave


def calendar(episodes: list[Episode], *, first: date, last: date) -> Markup:
    """A heat map: one square per day, weeks as columns, coloured by the day's worst pain."""
    worst: dict[date, int] = {}
    count: dict[date, int] = defaultdict(int)
    for episode in episodes:
        day = _day(episode.started_at)
        worst[day] = max(worst.get(day, 0), episode.intensity)
        count[day] += 1
    start = first - timedelta(days=first.weekday())
    cell, gap, left, top = 13, 3, 30, 18
    weeks = (last - start).days // 7 + 1
    width, height = left + weeks * (cell + gap), top + 7 * (cell + gap) + 24
    parts = [
        f'<svg class="chart calendar" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Calendar from {first:%d %b %Y} to {last:%d %b %Y}: '
        f'{len(worst)} days with episodes, worst pain {max(worst.values(), default=0)}/10">'
    ]
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")):
        y = top + row * (cell + gap) + cell - 2
        parts.append(f'<text x="0" y="{y}" class="axis">{name}</text>')
    labelled_week = -3  # a month name needs about three columns of room
    for week in range(weeks):
        for weekday in range(7):
            day = start + timedelta(days=week * 7 + weekday)
            if day < first or day > last:
                continue
            starts_month = day.day == 1 or (day == first and day.day < 20)
            if starts_month and week - labelled_week >= 3:
                labelled_week = week
                parts.append(
                    f'<text x="{left + week * (cell + gap)}" y="11" class="axis">{day:%b}</text>'
                )
            x, y = left + week * (cell + gap), top + weekday * (cell + gap)
            label = (
                f"{day:%a %d %b %Y}: worst {worst[day]}/10, {count[day]} episode(s)"
                if day in worst
                else f"{day:%a %d %b %Y}: no episode"
            )
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" rx="2" '
                f'fill="{_colour(worst.get(day))}"><title>{label}</title></rect>'
            )
    y = height - 8
    x = left
    for _top, colour, label in _STEPS:
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 13}" y="{y}" class="axis">{label}</text>'
        )
        x += 60
    parts.append("</svg>")
    return Markup("".join(parts))


def timeline(episodes: list[Episode], *, first: date, last: date, now: datetime) -> Markup:
    """Worst intensity (points) and duration (bars) of each episode over time."""
    width, height, left, right = 640, 260, 40, 12
    top_h, gap, bottom_h = 130, 34, 60
    span = max((last - first).days + 1, 1)

    def x_of(moment: datetime) -> float:
        days = (moment.date() - first).days + moment.hour / 24
        return left + (width - left - right) * min(max(days / span, 0), 1)

    ordered = sorted(episodes, key=lambda e: e.started_at)
    hours = [e.duration_hours(now) for e in ordered]
    longest = max(hours, default=1) or 1
    parts = [
        f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Worst pain and duration of {len(ordered)} episode(s) from '
        f'{first:%d %b %Y} to {last:%d %b %Y}">'
    ]
    for level in (0, 5, 10):  # intensity axis
        y = 10 + top_h * (1 - level / 10)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="grid"/><text x="{left - 6}" y="{y + 4:.1f}" class="axis" '
            f'text-anchor="end">{level}</text>'
        )
    parts.append(f'<text x="{left}" y="8" class="axis">Worst pain (0-10)</text>')
    points = [
        (x_of(episode.started_at), 10 + top_h * (1 - episode.intensity / 10)) for episode in ordered
    ]
    if len(points) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{line}" class="line"/>')
    for episode, (x, y) in zip(ordered, points, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="dot"><title>'
            f"{episode.started_at:%d %b %Y %H:%M}: worst {episode.intensity}/10"
            "</title></circle>"
        )
    base = 10 + top_h + gap + bottom_h
    parts.append(
        f'<text x="{left}" y="{base - bottom_h - 6}" class="axis">Duration '
        f"(longest {escape(format_hours(longest))})</text>"
    )
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" class="grid"/>')
    for episode, duration in zip(ordered, hours, strict=True):
        bar = max(bottom_h * duration / longest, 1.5)
        x = x_of(episode.started_at)
        parts.append(
            f'<rect x="{x - 2:.1f}" y="{base - bar:.1f}" width="4" height="{bar:.1f}" '
            f'class="bar"><title>{episode.started_at:%d %b %Y}: lasted '
            f"{escape(format_hours(duration))}</title></rect>"
        )
    parts.append(
        f'<text x="{left}" y="{height - 4}" class="axis">{first:%d %b %Y}</text>'
        f'<text x="{width - right}" y="{height - 4}" class="axis" text-anchor="end">'
        f"{last:%d %b %Y}</text></svg>"
    )
    return Markup("".join(parts))


def interval(estimate: float, low: float, high: float, *, label: str) -> Markup:
    """A share and its 95% interval on a 0-100% track: the uncertainty drawn, not hidden."""
    width, height, pad = 220, 18, 4

    def x(share: float) -> float:
        return pad + (width - 2 * pad) * min(max(share, 0.0), 1.0)

    return Markup(
        f'<svg class="chart interval" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}: {estimate:.0%}, 95% interval {low:.0%} to {high:.0%}">'
        f'<line x1="{pad}" x2="{width - pad}" y1="9" y2="9" class="grid"/>'
        f'<line x1="{x(0.5):.1f}" x2="{x(0.5):.1f}" y1="3" y2="15" class="grid"/>'
        f'<rect x="{x(low):.1f}" y="5" width="{max(x(high) - x(low), 1):.1f}" height="8" '
        f'rx="3" class="range"/><circle cx="{x(estimate):.1f}" cy="9" r="4" class="dot"/></svg>'
    )
