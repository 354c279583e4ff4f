"""Pain-free days: recorded ones counted from the records, estimated ones only from days with
nothing logged since the diary began, and never one passed off as the other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neckcheck.domain import Episode
from neckcheck.patterns.days import PainFree, pain_free, symptom_spans
from tests.factories import NOW, examples

TODAY = NOW.date()  # 30 Jun 2026


def _episode(started: datetime, ended: datetime | None) -> Episode:
    return Episode.model_validate(
        {
            "id": 1,
            "patient_id": 1,
            "started_at": started,
            "ended_at": ended,
            "intensity": 5,
            "created_at": started,
            "updated_at": started,
        }
    )


def test_a_person_who_joined_today_has_no_estimated_pain_free_days() -> None:
    # The clinic's bug: a patient who joined today was shown "181 pain-free day(s)".
    counts = pain_free(
        [], [], first=TODAY - timedelta(days=181), last=TODAY, today=TODAY, now=NOW, since=TODAY
    )
    assert counts == PainFree(recorded=0, estimated=0)
    assert counts.summary() == "No pain-free days recorded."


def test_recorded_days_count_and_the_rest_is_an_estimate_from_when_the_diary_began() -> None:
    began = date(2026, 6, 20)
    spasm = _episode(datetime(2026, 6, 24, 9, tzinfo=UTC), NOW - timedelta(days=5))
    counts = pain_free(
        [spasm],
        [date(2026, 6, 21), date(2026, 6, 30), date(2026, 5, 1)],  # 1 May: outside the period
        first=date(2026, 6, 1),
        last=TODAY,
        today=TODAY,
        now=NOW,
        since=began,
    )
    # 20-29 Jun is 10 days: 24 and 25 Jun had the spasm, 21 Jun is recorded; today (30 Jun)
    # is recorded, and would not be estimated as it is not over.
    assert counts == PainFree(recorded=2, estimated=7, since=began)
    assert counts.summary() == (
        "2 pain-free days recorded; about 7 more days estimated from days with nothing logged "
        "since the diary began on 20 Jun 2026."
    )


@pytest.mark.parametrize(
    ("counts", "text"),
    [
        (PainFree(0, 0), "No pain-free days recorded."),
        (PainFree(1, 0), "1 pain-free day recorded."),
        (
            PainFree(0, 1),
            "No pain-free days recorded; about 1 day estimated from days with nothing logged.",
        ),
        (
            PainFree(4, 1),
            "4 pain-free days recorded; about 1 more day estimated from days with nothing logged.",
        ),
        (
            PainFree(1, 2),
            "1 pain-free day recorded; about 2 more days estimated from days with nothing logged.",
        ),
    ],
)
def test_the_summary_says_recorded_and_estimated_apart(counts: PainFree, text: str) -> None:
    assert counts.summary() == text
    assert "(s)" not in text


def test_a_recorded_day_that_had_a_spasm_does_not_count() -> None:
    # Only possible through an import or a race: the spasm wins.
    spasm = _episode(datetime(2026, 6, 29, 22, tzinfo=UTC), None)  # still going on
    counts = pain_free(
        [spasm], [date(2026, 6, 30)], first=TODAY, last=TODAY, today=TODAY, now=NOW, since=None
    )
    assert counts.recorded == 0


def test_days_are_the_ones_the_person_gave_the_start_in() -> None:
    # 23:30 on 29 Jun in UTC-5 is 04:30 on 30 Jun in UTC: the spasm's day is 29 Jun.
    zone = timezone(timedelta(hours=-5))
    spasm = _episode(
        datetime(2026, 6, 29, 23, 30, tzinfo=zone), datetime(2026, 6, 29, 23, 50, tzinfo=zone)
    )
    assert symptom_spans([spasm], NOW) == [(date(2026, 6, 29).toordinal(),) * 2]


# --- against a day-by-day count, on random diaries ---------------------------------------

_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=9))])


@st.composite
def _episodes(draw: st.DrawFn) -> Episode:
    zone = draw(_ZONES)
    started = (NOW - timedelta(minutes=draw(st.integers(0, 60 * 24 * 70)))).astimezone(zone)
    hours = draw(st.one_of(st.none(), st.floats(0, 24 * 10)))
    ended = None if hours is None else min(started + timedelta(hours=hours), NOW)
    return _episode(started, ended)


_DAYS = st.dates(TODAY - timedelta(days=80), TODAY + timedelta(days=3))


def _touched(episodes: list[Episode], day: date) -> bool:
    return any(
        e.started_at.date() <= day <= (e.ended_at or NOW).astimezone(e.started_at.tzinfo).date()
        for e in episodes
    )


@settings(max_examples=examples(300), deadline=None)
@given(
    episodes=st.lists(_episodes(), max_size=12),
    recorded=st.sets(_DAYS, max_size=30),
    ends=st.tuples(_DAYS, _DAYS),
    since=st.one_of(st.none(), _DAYS),
)
def test_counts_match_a_day_by_day_count(
    episodes: list[Episode],
    recorded: set[date],
    ends: tuple[date, date],
    since: date | None,
) -> None:
    first, last = min(ends), max(ends)
    counts = pain_free(
        episodes, recorded, first=first, last=last, today=TODAY, now=NOW, since=since
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    clear = [day for day in days if not _touched(episodes, day)]
    expected_recorded = [day for day in clear if day in recorded and day <= TODAY]
    expected_estimated = [
        day for day in clear if day not in recorded and since is not None and since <= day < TODAY
    ]
    assert counts.recorded == len(expected_recorded)
    assert counts.estimated == len(expected_estimated)
    # Nothing before the diary began, nothing today or later, is ever an estimate.
    if since is None or since >= TODAY:
        assert counts.estimated == 0
    touched = sum(1 for day in days if day <= TODAY and _touched(episodes, day))
    assert counts.recorded + counts.estimated + touched <= sum(1 for d in days if d <= TODAY)
