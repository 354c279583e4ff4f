"""Chart layouts (neckcheck.charts): day numbers on the calendar, scales on every axis, and
words that fit at the width a chart is laid out for."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest

from neckcheck import charts
from neckcheck.domain import Episode
from tests.factories import NOW


def _episode(start: datetime, hours: float, intensity: int, number: int = 1) -> Episode:
    return Episode.model_validate(
        {
            "id": number,
            "patient_id": 1,
            "created_at": NOW,
            "updated_at": NOW,
            "started_at": start,
            "ended_at": start + timedelta(hours=hours),
            "intensity": intensity,
        }
    )


def test_the_calendar_has_a_grid_per_month_newest_first_with_day_numbers() -> None:
    episodes = [
        _episode(datetime(2026, 3, 2, 8, tzinfo=NOW.tzinfo), 1, 4),
        _episode(datetime(2026, 3, 2, 18, tzinfo=NOW.tzinfo), 1, 9, 2),
        _episode(datetime(2026, 4, 30, 8, tzinfo=NOW.tzinfo), 2, 2, 3),
    ]
    shown = charts.calendar(episodes, first=date(2026, 3, 1), last=date(2026, 5, 10))
    assert [m.name for m in shown.months] == ["May 2026", "April 2026", "March 2026"]
    march = shown.months[-1]
    days = [d for week in march.weeks for d in week if d is not None]
    assert [d.day.day for d in days] == list(range(1, 32))
    assert march.weeks[0][:6] == [None] * 6  # 1 March 2026 is a Sunday
    second = days[1]
    assert (second.worst, second.episodes, second.step) == (9, 2, 4)
    assert second.label == "Mon 2 Mar 2026: worst 9/10, 2 episodes"
    assert second.anchor == "day-2026-03-02"
    may = [d for week in shown.months[0].weeks for d in week if d is not None]
    assert [d.in_period for d in may].count(True) == 10  # the period ends on 10 May
    assert (shown.months[0].episodes, shown.months[1].episodes, march.episodes) == (0, 1, 2)
    assert [words for _, words in shown.legend] == ["no episode", "1-3", "4-6", "7-8", "9-10"]


@pytest.mark.parametrize("width", [charts.NARROW, charts.WIDE])
def test_the_timeline_has_its_scales_and_words_that_fit(width: int) -> None:
    first, last = date(2026, 1, 1), date(2026, 6, 30)
    start = datetime(2026, 3, 1, 8, tzinfo=NOW.tzinfo)
    episodes = [_episode(start + timedelta(days=7 * i), 1 + i, 2 + i % 8, i) for i in range(12)]
    layout = charts.timeline(episodes, first=first, last=last, now=NOW, width=width)
    assert [words for _, words in layout.pain_ticks] == ["0", "5", "10"]
    assert [words for _, words in layout.bar_ticks] == ["0", "6 h", "12 h"]  # longest: 12 h
    assert layout.pain_title.text == "Worst pain (0-10)"
    assert layout.bar_title.text == "How long it lasted"
    ticks = layout.date_ticks
    assert len(ticks) == (3 if width == charts.NARROW else 5)
    assert (ticks[0].text, ticks[-1].text) == ("01 Jan 26", "30 Jun 26")
    # No two date labels overlap, at an average glyph width of 0.6 em.
    ends = []
    for tick in ticks:
        wide = len(tick.text) * 0.6 * charts.FONT
        left = {"start": tick.x, "middle": tick.x - wide / 2, "end": tick.x - wide}[tick.anchor]
        ends.append((left, left + wide))
    assert all(a[1] < b[0] for a, b in pairwise(ends))
    assert ends[0][0] >= 0 and ends[-1][1] <= width
    # Every mark within its panel.
    assert all(layout.pain_top <= d.y <= layout.pain_bottom for d in layout.dots)
    assert all(layout.bar_top - 0.01 <= b.y <= layout.bar_base for b in layout.bars)
    assert all(layout.left <= d.x <= width - layout.right for d in layout.dots)


def test_a_duration_scale_in_days_for_long_episodes() -> None:
    start = datetime(2026, 6, 1, 8, tzinfo=NOW.tzinfo)
    layout = charts.timeline(
        [_episode(start, 60, 5)], first=date(2026, 6, 1), last=date(2026, 6, 30), now=NOW
    )
    assert [words for _, words in layout.bar_ticks] == ["0", "2 d", "4 d"]


def test_intervals_are_drawn_on_a_labelled_axis() -> None:
    share = charts.interval(0.5, 0.25, 0.75, label="Stress")
    assert [t.text for t in share.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    middle = (share.track[0] + share.track[1]) / 2
    assert share.estimate_x == pytest.approx(middle)
    assert share.low_x + share.range_width == pytest.approx(share.ticks[3].x)
    assert share.summary == "Stress: 50%, 95% interval 25% to 75%"
    worse = charts.difference(1.5, -0.5, 4.2, label="Long drive")
    assert [t.text for t in worse.ticks] == ["-5", "0", "+5"]  # wide enough for +4.2
    assert worse.zero_x == pytest.approx(middle)
    assert worse.summary == "Long drive: worst pain +1.5 points after it, 95% interval -0.5 to +4.2"
