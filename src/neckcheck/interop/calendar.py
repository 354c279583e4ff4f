"""Reminders as an iCalendar feed (RFC 5545), for the phone's own calendar to subscribe to:
no push service, no app store, nothing sent anywhere by neckcheck.

    >>> ics = reminders_feed(checkin=time(20), zone=ZoneInfo("Europe/Berlin"), begins=day,
    ...                      ongoing=[episode], now=now, url="https://diary.example/", uid="ab12")
    >>> Calendar.from_ical(ics).walk("VEVENT")[0]["RRULE"]
    vRecur({'FREQ': ['DAILY']})

The feed holds:

* a daily check-in, repeating every day at the person's chosen time in their time zone (a
  VTIMEZONE is included, so it stays at that wall-clock time across daylight-saving changes;
  without a time zone on the profile it is a "floating" time, the same hour wherever the
  phone is);
* the weekly check-in of the outcome measures, on the day it is next due and every week (the
  measures' ``every_days``) after, at the same time; it moves when a check-in is made;
* for each episode still going on, a "Did it stop?" reminder 3 hours after it started (or an
  hour after it was logged, if that is later, so that a spasm logged late is still asked
  about); it leaves the feed once the episode has ended.

Every event has an alarm (VALARM, DISPLAY), is private and does not mark the time as busy.
The wording says as little as it can: a calendar provider fetching the feed reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from neckcheck.domain import Episode
from neckcheck.text import format_moment

__all__ = ["ASK_AFTER", "ASK_AFTER_LOGGING", "reminders_feed", "stop_reminder_at"]

ASK_AFTER = timedelta(hours=3)  # after the start of an episode still going on
ASK_AFTER_LOGGING = timedelta(hours=1)  # ...or after it was logged, if that is later
EVENT_LENGTH = timedelta(minutes=10)
REFRESH = timedelta(hours=1)  # how often a calendar app is asked to fetch the feed again
CHECKIN = "Neck diary: any spasm today?"
STOPPED = "Neck diary: did the spasm stop?"
WEEKLY = "Neck diary: weekly check-in"


def stop_reminder_at(episode: Episode) -> datetime:
    """When the "Did it stop?" reminder of an episode still going on is due."""
    return max(episode.started_at + ASK_AFTER, episode.created_at + ASK_AFTER_LOGGING)


def _alarm(text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", timedelta(0))
    return alarm


def _event(uid: str, summary: str, description: str, start: datetime, now: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("duration", EVENT_LENGTH)
    event.add("summary", summary)
    event.add("description", description)
    event.add("class", "PRIVATE")
    event.add("transp", "TRANSPARENT")
    event.add_component(_alarm(summary))
    return event


def reminders_feed(
    *,
    checkin: time,
    zone: ZoneInfo | None,
    begins: date,
    ongoing: Sequence[Episode],
    now: datetime,
    url: str,
    uid: str,
    weekly: tuple[date, int] | None = None,
) -> bytes:
    """The feed as bytes (UTF-8, CRLF lines). ``begins`` is the first day of the daily
    check-in; ``ongoing`` the episodes still going on; ``url`` the diary's Today page;
    ``uid`` is unique to this feed and stable while its address is; ``weekly`` the day the
    next outcome check-in is due and the days between check-ins."""
    calendar = Calendar()
    calendar.add("prodid", "-//neckcheck//reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", "neckcheck reminders")
    calendar.add("x-wr-calname", "neckcheck reminders")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    if zone is not None:
        calendar.add("x-wr-timezone", zone.key)

    daily = datetime.combine(begins, checkin, tzinfo=zone)  # naive (floating) without a zone
    event = _event(
        f"checkin-{uid}@neckcheck",
        CHECKIN,
        f"A spasm today? Log it. None? Tap “No spasm today”. {url}",
        daily,
        now,
    )
    event.add("rrule", {"freq": "daily"})
    event.add("url", url)
    calendar.add_component(event)

    if weekly is not None:
        due, every = weekly
        check_in = url.rstrip("/") + "/check-in"
        event = _event(
            f"weekly-{uid}@neckcheck",
            WEEKLY,
            f"How has your neck been this week? A minute of questions. {check_in}",
            datetime.combine(max(due, begins), checkin, tzinfo=zone),
            now,
        )
        event.add("rrule", {"freq": "daily", "interval": every})
        event.add("url", check_in)
        calendar.add_component(event)

    for episode in ongoing:
        started = format_moment(episode.started_at)
        event = _event(
            f"stopped-{episode.id}-{uid}@neckcheck",
            STOPPED,
            f"A spasm that started {started} is still going on in your diary. If it has "
            f"stopped, tap “It stopped” on Today. {url}",
            stop_reminder_at(episode).astimezone(UTC),
            now,
        )
        event.add("url", url)
        calendar.add_component(event)

    if zone is not None:
        calendar.add_missing_timezones(first_date=begins - timedelta(days=1))
    ics: bytes = calendar.to_ical()
    return ics
