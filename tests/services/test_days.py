"""Pain-free days through the diary: "No spasm today", its refusals, and logging a spasm on
a day recorded as pain-free (the spasm wins)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate, EpisodeUpdate, Profile
from neckcheck.errors import InputError, NotFoundError
from neckcheck.patterns.days import PainFree
from neckcheck.services.diary import Diary
from neckcheck.storage.db import open_database
from neckcheck.timeparse import Period
from tests.factories import NOW, local_diary

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = NOW.astimezone(BERLIN).date()  # 30 Jun 2026, 14:00 in Berlin


def _diary(session: Session, at: datetime = NOW) -> Diary:
    diary: Diary = local_diary(session, FixedClock(at))
    diary.set_profile(Profile(time_zone="Europe/Berlin"))
    return diary


def _spasm(start: datetime, hours: float | None = 1, **fields: Any) -> EpisodeCreate:
    end = None if hours is None else start + timedelta(hours=hours)
    return EpisodeCreate(started_at=start, ended_at=end, intensity=5, **fields)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def test_no_spasm_today_is_recorded_once(session: Session) -> None:
    diary = _diary(session)
    first = diary.no_spasm()
    assert first.day == TODAY
    again = _diary(session, NOW + timedelta(hours=1)).no_spasm(TODAY)
    assert again == first  # a second tap changes nothing
    assert [d.day for d in diary.pain_free_days(Period.ending(TODAY, days=7))] == [TODAY]


def test_a_day_with_a_spasm_cannot_be_recorded_as_pain_free(session: Session) -> None:
    diary = _diary(session)
    yesterday = TODAY - timedelta(days=1)
    diary.log(_spasm(_at(yesterday, 23), hours=2))  # ends at 01:00 today
    with pytest.raises(InputError) as refused:
        diary.no_spasm()
    [problem] = refused.value.problems
    assert problem.field == "day"
    assert problem.message == (
        "a spasm is logged on Tue 30 Jun 2026 (it started Mon 29 Jun 2026, 23:00), so it was "
        "not a pain-free day"
    )
    with pytest.raises(InputError, match="a spasm is logged on Mon 29 Jun 2026"):
        diary.no_spasm(yesterday)
    diary.no_spasm(TODAY - timedelta(days=2))  # the day before had none


def test_a_spasm_still_going_on_says_so(session: Session) -> None:
    diary = _diary(session)
    diary.log(_spasm(_at(TODAY - timedelta(days=3), 9), hours=None))
    with pytest.raises(InputError, match=r"09:00, still going on\), so it was not"):
        diary.no_spasm(TODAY - timedelta(days=1))


def test_the_future_is_refused(session: Session) -> None:
    with pytest.raises(InputError, match="is in the future"):
        _diary(session).no_spasm(TODAY + timedelta(days=1))


def test_logging_a_spasm_removes_the_pain_free_mark_of_its_days(session: Session) -> None:
    diary = _diary(session)
    for days_ago in range(4):
        diary.no_spasm(TODAY - timedelta(days=days_ago))
    # A spasm from the evening of 27 Jun to the morning of 28 Jun.
    diary.log(_spasm(_at(TODAY - timedelta(days=3), 22), hours=10))
    week = Period.ending(TODAY, days=7)
    assert [d.day for d in diary.pain_free_days(week)] == [
        TODAY - timedelta(days=1),
        TODAY,
    ]
    # Editing another episode onto today removes today's mark too.
    moved = diary.log(_spasm(_at(TODAY - timedelta(days=5), 8)))
    diary.edit(moved.id, EpisodeUpdate(started_at=_at(TODAY, 8), ended_at=_at(TODAY, 9)))
    assert [d.day for d in diary.pain_free_days(week)] == [TODAY - timedelta(days=1)]


def test_an_import_removes_the_marks_of_the_days_it_fills(session: Session) -> None:
    diary = _diary(session)
    diary.no_spasm(TODAY - timedelta(days=1))
    episode = _spasm(_at(TODAY - timedelta(days=1), 10)).model_dump(mode="json")
    diary.import_(
        "json", json.dumps({"format": "neckcheck.episodes", "version": 1, "episodes": [episode]})
    )
    assert diary.pain_free_days(Period.ending(TODAY, days=7)) == []


def test_undo(session: Session) -> None:
    diary = _diary(session)
    diary.no_spasm()
    diary.undo_no_spasm()
    assert diary.today().pain_free_today is False
    with pytest.raises(NotFoundError, match="no pain-free day is recorded on 2026-06-30"):
        diary.undo_no_spasm()


def test_a_diary_begun_today_shows_no_estimated_pain_free_days(session: Session) -> None:
    diary = _diary(session)
    six_months = Period.ending(TODAY, days=182)
    assert diary.pain_free(six_months) == PainFree(recorded=0, estimated=0)
    assert diary.course(six_months).pain_free == PainFree(recorded=0, estimated=0)
    assert diary.insights(six_months).course.pain_free.summary() == "No pain-free days recorded."
    today = diary.today()
    assert (today.pain_free_today, today.spasm_today) == (False, False)
    diary.no_spasm()
    assert diary.pain_free(six_months) == PainFree(recorded=1, estimated=0)
    assert diary.today().pain_free_today is True


def test_estimates_begin_with_the_first_entry_or_the_account(session: Session) -> None:
    diary = _diary(session)
    began = TODAY - timedelta(days=20)
    diary.log(_spasm(_at(began, 10)))  # an earlier episode: the diary began then
    diary.no_spasm(TODAY - timedelta(days=2))
    assert diary.began() == began
    counts = diary.pain_free(Period.ending(TODAY, days=182))
    # 20 days from `began` to yesterday: 1 with the spasm, 1 recorded, 18 estimated.
    assert counts == PainFree(recorded=1, estimated=18, since=began)
    # Later, a diary with nothing logged for weeks still estimates only from its start.
    later = _diary(session, NOW + timedelta(days=30))
    assert later.pain_free(Period.ending(TODAY + timedelta(days=30), days=182)).estimated == 48


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["spasm", "ongoing", "clear", "undo"]),
            st.integers(0, 12),  # days ago
            st.integers(0, 23),  # hour
            st.integers(1, 60),  # hours it lasted
        ),
        max_size=14,
    )
)
def test_no_recorded_day_ever_has_a_spasm(steps: list[tuple[str, int, int, int]]) -> None:
    db = open_database("sqlite://")
    try:
        with db.session() as session:
            diary = _diary(session)
            for action, days_ago, hour, hours in steps:
                day = TODAY - timedelta(days=days_ago)
                start = min(_at(day, hour), NOW)
                try:
                    if action == "spasm":
                        diary.log(_spasm(start, hours=hours))
                    elif action == "ongoing":
                        diary.log(_spasm(start, hours=None))
                    elif action == "clear":
                        diary.no_spasm(day)
                    else:
                        diary.undo_no_spasm(day)
                except (InputError, NotFoundError):
                    pass
            recorded = diary.pain_free_days(Period.ending(TODAY, days=30))
            for record in recorded:
                assert diary._episodes_on(record.day) == [], record.day
            period = Period.ending(TODAY, days=30)
            counts = diary.pain_free(period)
            assert counts.recorded == len(recorded)
            assert counts.estimated == 0 or diary.began() < TODAY
    finally:
        db.close()
