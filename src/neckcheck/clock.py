"""One notion of "now": a clock is passed in wherever the current time matters.

    >>> from neckcheck.clock import FixedClock, SystemClock
    >>> SystemClock().now().tzinfo is not None
    True
    >>> FixedClock(datetime(2026, 6, 30, 12, tzinfo=UTC)).now().hour
    12

Only the adapters (the CLI, the web app) create a :class:`SystemClock`; everything below them
is given a clock, and tests give a :class:`FixedClock`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, time-zone aware (the zone is the clock's local one)."""
        ...


class SystemClock:
    """The computer's clock, in its local time zone."""

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone()


@dataclass(frozen=True)
class FixedClock:
    """A clock that always says ``at`` (aware); its zone is the local one of the person."""

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a fixed clock needs an aware datetime")

    def now(self) -> datetime:
        return self.at
