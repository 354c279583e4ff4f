"""The reminders feed on its own: any check-in time, any time zone, any day to begin, and the
"did it stop?" reminders of episodes still going on, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from neckcheck.domain import Episode
from neckcheck.interop.calendar import reminders_feed, stop_reminder_at
from tests.factories import NOW

ZONES = ["Europe/Berlin", "America/Los_Angeles", "Pacific/Kiritimati", "Australia/Lord_Howe"]


def _ongoing(number: int, started: datetime, logged: datetime) -> Episode:
    return Episode.model_validate(
        {
            "id": number,
            "patient_id": 1,
            "started_at": started,
            "intensity": 4,
            "created_at": logged,
            "updated_at": logged,
        }
    )


@settings(max_examples=60, deadline=None)
@given(
    checkin=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    zone=st.one_of(st.none(), st.sampled_from(ZONES).map(ZoneInfo)),
    begins=st.dates(date(2025, 1, 1), date(2030, 12, 31)),
    starts=st.lists(st.integers(0, 60 * 24 * 20), max_size=4),  # minutes before NOW
    delays=st.lists(st.integers(0, 60 * 24), min_size=4, max_size=4),  # logged after start
    due=st.dates(date(2025, 1, 1), date(2030, 12, 31)),  # the next weekly check-in
)
def test_the_feed_reads_back_as_written(
    checkin: time,
    zone: ZoneInfo | None,
    begins: date,
    starts: list[int],
    delays: list[int],
    due: date,
) -> None:
    ongoing = [
        _ongoing(n, NOW - timedelta(minutes=m), NOW - timedelta(minutes=m) + timedelta(minutes=d))
        for n, (m, d) in enumerate(zip(starts, delays, strict=False), start=1)
    ]
    ics = reminders_feed(
        checkin=checkin,
        zone=zone,
        begins=begins,
        ongoing=ongoing,
        now=NOW,
        url="https://diary.example/",
        uid="feed1",
        weekly=(due, 7),
    )
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    weekly = events.pop(1)  # after the daily check-in, before the episodes
    start = weekly.decoded("DTSTART")
    assert (start.date(), start.time()) == (max(due, begins), checkin)
    assert weekly["RRULE"] == {"FREQ": ["DAILY"], "INTERVAL": [7]}
    assert str(weekly["URL"]) == "https://diary.example/check-in"
    assert len(events) == 1 + len(ongoing)
    daily = events[0]
    start = daily.decoded("DTSTART")
    assert (start.date(), start.time()) == (begins, checkin)
    assert start.tzinfo == zone
    assert daily["RRULE"] == {"FREQ": ["DAILY"]}
    assert calendar.get_missing_tzids() == set()
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ([zone.key] if zone else [])
    for episode, event in zip(ongoing, events[1:], strict=True):
        assert event.decoded("DTSTART") == stop_reminder_at(episode).astimezone(UTC)
        assert stop_reminder_at(episode) >= episode.started_at + timedelta(hours=3)
        assert stop_reminder_at(episode) >= episode.created_at + timedelta(hours=1)
        assert str(event["UID"]) == f"stopped-{episode.id}-feed1@neckcheck"
    for event in events:
        [alarm] = event.walk("VALARM")
        assert (str(alarm["ACTION"]), alarm.decoded("TRIGGER")) == ("DISPLAY", timedelta(0))
        assert event.decoded("DTSTAMP") == NOW
    assert ics.endswith(b"END:VCALENDAR\r\n")
