"""One way to read times and one notion of a period, for the CLI, the API, the pages and the
reports.

    >>> now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    >>> parse_moment("08:00", now=now, field="started_at").isoformat()
    '2026-06-30T08:00:00+00:00'
    >>> period = Period.parse("2026-03-01", "2026-03-31", today=now.date(), zone=UTC)
    >>> period.bounds()[0].isoformat()
    '2026-03-01T00:00:00+00:00'

A *zone* is a ``tzinfo`` (a ``zoneinfo.ZoneInfo`` for a person's named time zone) or None for
the computer's own local time zone; either way a date's midnight and a time without an offset
are placed with the zone's rules for that date, so periods and times are right across a
daylight-saving change.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, available_timezones

from neckcheck.errors import FieldProblem, InputError

__all__ = [
    "DEFAULT_DAYS",
    "EARLIEST_DAY",
    "MAX_PERIOD_DAYS",
    "Period",
    "in_zone",
    "parse_day",
    "parse_moment",
    "parse_zone",
]

# Nothing in a diary happened before this day; earlier dates are typing mistakes.
EARLIEST_DAY = date(1900, 1, 1)
# The period shown when none is asked for, the same everywhere: the pages (History, Insights,
# a clinician's patient page), the report (web and `neckcheck report`) show these 6 months.
DEFAULT_DAYS = 182
# The longest period a page, a report or a list covers: ten years and a few leap days.
MAX_PERIOD_DAYS = 3660
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def in_zone(naive: datetime, zone: tzinfo | None) -> datetime:
    """``naive`` (a wall-clock time) as an aware moment in ``zone`` (None: the local zone),
    with the offset that zone has on that date."""
    if zone is None:
        return naive.astimezone()
    return naive.replace(tzinfo=zone)


@functools.cache
def zone_names() -> frozenset[str]:
    """The IANA time zone names this computer's zone database knows (``Europe/Berlin``,
    ``UTC``...), not its folders (``Europe``) or other files."""
    return frozenset(available_timezones())


def known_zone(name: str) -> ZoneInfo | None:
    """The time zone ``name`` names, or None when it names none (a folder of the zone
    database such as ``Europe``, a name too long to be one, anything else)."""
    return ZoneInfo(name) if name in zone_names() else None


def parse_zone(text: str | None, *, field: str = "tz") -> tzinfo | None:
    """A browser's or a person's time zone: an IANA name (``Europe/Berlin``) or a UTC offset
    in minutes (``-300``); None when empty (the local zone is used). InputError naming
    ``field`` for anything else."""
    value = (text or "").strip()
    if not value:
        return None
    if value.lstrip("+-").isdigit() and len(value) <= 5:
        minutes = int(value)
        if abs(minutes) <= 14 * 60:
            return timezone(timedelta(minutes=minutes))
    zone = known_zone(value)
    if zone is None:
        raise InputError(
            "is not a time zone such as Europe/Berlin, or an offset from UTC in minutes",
            field=field,
        )
    return zone


def parse_moment(text: str, *, now: datetime, field: str, zone: tzinfo | None = None) -> datetime:
    """``now``, ``HH:MM`` (today in ``zone``), or a date and time (ISO, with or without an
    offset; without one it is a wall-clock time in ``zone``, None being the local zone)."""
    value = text.strip()
    if value.lower() == "now":
        return now
    try:
        clock = time.fromisoformat(value)
    except ValueError:
        pass
    else:
        if clock.tzinfo is None:
            return in_zone(datetime.combine(now.astimezone(zone).date(), clock), zone)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"cannot read {text!r} as a time; use now, HH:MM or 2026-05-01T08:30", field=field
        ) from None
    if moment.tzinfo is None:
        moment = in_zone(moment, zone)
    return moment


def parse_day(text: str, *, field: str) -> date:
    """A day written YYYY-MM-DD (a bare number is not read as anything else)."""
    value = text.strip()
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError("must be a date such as 2026-05-01", field=field) from None
    if day < EARLIEST_DAY:
        raise InputError(f"must be {EARLIEST_DAY} or later", field=field)
    return day


@dataclass(frozen=True)
class Period:
    """The days ``first`` to ``last`` (both included) in a person's time zone."""

    first: date
    last: date
    zone: tzinfo | None = None

    @classmethod
    def parse(
        cls,
        raw_from: str | None,
        raw_to: str | None,
        *,
        today: date,
        zone: tzinfo | None = None,
        default_days: int | None = DEFAULT_DAYS,
        max_days: int | None = MAX_PERIOD_DAYS,
        blank_is_missing: bool = True,
    ) -> Period:
        """The period ``?from=&to=`` asks for: the last ``default_days`` days up to ``to``
        (default today) when ``from`` is missing, or from the earliest day a diary holds when
        ``default_days`` is None. At most ``max_days`` long (None: no limit, for lists whose
        cost does not grow with the days). A blank value counts as missing (an empty field of a
        form), unless ``blank_is_missing`` is false (an API parameter given as ``?to=``).
        Raises InputError naming every bad field."""
        problems: list[FieldProblem] = []
        days: dict[str, date | None] = {}
        for name, raw in (("from", raw_from), ("to", raw_to)):
            try:
                given = raw if not blank_is_missing else (raw or None)
                days[name] = parse_day(given, field=name) if given is not None else None
            except InputError as exc:
                problems += exc.problems
                days[name] = None
        last = days["to"] or today
        if days["from"] is not None:
            first = days["from"]
        elif default_days is None:
            first = EARLIEST_DAY
        else:
            first = max(last - timedelta(days=default_days - 1), EARLIEST_DAY)
        if not problems:
            if first > last:
                problems.append(FieldProblem("from", "must not be after the end date"))
            elif max_days is not None and (last - first).days + 1 > max_days:
                problems.append(FieldProblem("from", f"a period can cover at most {max_days} days"))
            elif last > today + timedelta(days=366):
                problems.append(FieldProblem("to", "must not be more than a year from today"))
        if problems:
            raise InputError(problems)
        return cls(first, last, zone)

    @classmethod
    def ending(cls, last: date, *, days: int, zone: tzinfo | None = None) -> Period:
        """The ``days`` days up to and including ``last``."""
        return cls(last - timedelta(days=days - 1), last, zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The first moment of ``first`` and the first moment after ``last``, as UTC."""
        start = in_zone(datetime.combine(self.first, time()), self.zone)
        end = in_zone(datetime.combine(self.last + timedelta(days=1), time()), self.zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    @property
    def query(self) -> str:
        """The period as a query string, for links."""
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"
