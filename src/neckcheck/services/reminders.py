"""Reminders without a push service: each person's private calendar feed, which their phone's
own calendar subscribes to (:mod:`neckcheck.interop.calendar` says what it holds).

    >>> reminders = Reminders(diary, secret=settings.secret_key)
    >>> link = reminders.reset()      # a new secret address; the old one stops working
    >>> f"/calendar/{link.token}.ics"
    >>> Reminders.for_token(session, link.token, clock=clock, secret=secret).feed(today_url)

The address is the credential: no sign-in is needed to fetch the feed. Its token is a random
``lookup`` (stored; it finds the feed) followed by an HMAC-SHA256 of that lookup under the
server's secret key (never stored; compared in constant time), so a copy of the database
alone does not give anyone the address. Resetting the link draws a new lookup; changing
``NECKCHECK_SECRET_KEY`` changes every address (the profile page shows the new one). A local
diary without that setting has a random key of its own instead (:func:`feed_key`), kept in a
file beside the database, never in it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from neckcheck.clock import Clock
from neckcheck.errors import InputError, NotFoundError
from neckcheck.services.access import Action, Actor
from neckcheck.services.diary import Diary
from neckcheck.storage import feeds

if TYPE_CHECKING:
    from neckcheck.settings import Settings

__all__ = ["DEFAULT_CHECKIN", "CalendarLink", "Reminders", "feed_key", "parse_checkin"]

DEFAULT_CHECKIN = time(20, 0)
_LOOKUP = 16  # characters of the random part (12 bytes, URL-safe base64)
_MAC = 43  # characters of the HMAC-SHA256 (URL-safe base64, unpadded)
_CLOCK = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")


@dataclass(frozen=True)
class CalendarLink:
    """A person's feed: the secret token of its address and the daily check-in's time (in
    the profile's time zone, ``zone``; None: the calendar's own)."""

    token: str
    checkin: time
    zone: str | None


def _mac(secret: str, lookup: str) -> str:
    message = f"neckcheck calendar feed {lookup}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def feed_key(settings: Settings) -> str:
    """The key calendar addresses are an HMAC under: ``NECKCHECK_SECRET_KEY`` when it is set
    (a clinic must set it), else a random key made on first use and kept in
    ``settings.key_file()`` (beside the SQLite file; a database in memory gets one for as
    long as the process runs). Never the built-in placeholder, which anyone could use to
    derive an address from a copy of the database."""
    from neckcheck.settings import DEFAULT_SECRET
    from neckcheck.storage.keyfile import kept_key

    if settings.clinic_mode or settings.secret_key != DEFAULT_SECRET:
        return settings.secret_key
    path = settings.key_file()
    return kept_key(path) if path is not None else secrets.token_urlsafe(48)


def parse_checkin(raw: str) -> time:
    """A check-in time written HH:MM (24-hour), as a time input sends it (seconds, if sent,
    are dropped)."""
    value = raw.strip()
    try:
        if not _CLOCK.fullmatch(value):
            raise ValueError(value)
        hours, minutes = value.split(":")[:2]
        return time(int(hours), int(minutes))
    except ValueError:
        raise InputError("must be a time such as 20:00", field="checkin") from None


class Reminders:
    """The calendar feed of ``diary``'s person."""

    def __init__(self, diary: Diary, *, secret: str) -> None:
        self.diary = diary
        self._secret = secret

    @classmethod
    def for_token(cls, session: Session, token: str, *, clock: Clock, secret: str) -> Reminders:
        """The feed whose address holds ``token`` (NotFoundError otherwise, and for an account
        that is disabled). Whoever holds the address reads the reminders as their owner."""
        lookup, mac = token[:_LOOKUP], token[_LOOKUP:]
        found = None
        if len(token) == _LOOKUP + _MAC:
            found = feeds.feed_by_lookup(session=session, lookup=lookup)
        if found is None or not hmac.compare_digest(mac, _mac(secret, lookup)):
            raise NotFoundError("no calendar at this address; it may have been reset")
        owner = Actor(None, found.patient_id)
        # The target is written nowhere for an owner, and never holds the token.
        diary = Diary.open(session, owner, None, Action.read, clock=clock, target="calendar")
        return cls(diary, secret=secret)

    def _link(self, feed: feeds.Feed) -> CalendarLink:
        hours, minutes = divmod(feed.checkin_minute, 60)
        return CalendarLink(
            token=feed.lookup + _mac(self._secret, feed.lookup),
            checkin=time(hours, minutes),
            zone=self.diary.profile().time_zone,
        )

    def _save(self, lookup: str, checkin: time) -> CalendarLink:
        self.diary._may()
        feed = feeds.save_feed(
            session=self.diary.session,
            patient_id=self.diary.patient_id,
            lookup=lookup,
            checkin_minute=checkin.hour * 60 + checkin.minute,
            now=self.diary.clock.now(),
        )
        return self._link(feed)

    def _feed(self) -> feeds.Feed | None:
        return feeds.get_feed(session=self.diary.session, patient_id=self.diary.patient_id)

    def link(self) -> CalendarLink | None:
        """The person's feed, if they have set one up."""
        feed = self._feed()
        return self._link(feed) if feed is not None else None

    def reset(self) -> CalendarLink:
        """Set the feed up, or give it a new address: the old one stops working at once."""
        feed = self._feed()
        checkin = self._link(feed).checkin if feed is not None else DEFAULT_CHECKIN
        return self._save(secrets.token_urlsafe(12), checkin)

    def set_checkin(self, raw: str) -> CalendarLink:
        """The daily check-in's time, HH:MM in the person's time zone (InputError on
        ``checkin`` if it is not one); the address stays."""
        checkin = parse_checkin(raw)
        feed = self._feed()
        return self._save(feed.lookup if feed else secrets.token_urlsafe(12), checkin)

    def stop(self) -> None:
        """No more reminders: the address stops working."""
        self.diary._may()
        feeds.delete_feed(session=self.diary.session, patient_id=self.diary.patient_id)

    def feed(self, url: str) -> bytes:
        """The feed (iCalendar bytes); ``url`` is the Today page, linked from each event."""
        from zoneinfo import ZoneInfo

        from neckcheck.interop.calendar import reminders_feed
        from neckcheck.services.outcomes import Outcomes

        feed = self._feed()
        if feed is None:
            raise NotFoundError("no calendar at this address; it may have been reset")
        link = self._link(feed)
        zone = ZoneInfo(link.zone) if link.zone else None
        recent = self.diary.episodes(limit=50)  # as Today lists what is going on
        outcomes = Outcomes(self.diary)
        return reminders_feed(
            checkin=link.checkin,
            zone=zone,
            begins=feed.created_at.astimezone(self.diary.zone).date(),
            ongoing=[episode for episode in recent if episode.ongoing],
            now=self.diary.clock.now(),
            url=url,
            uid=hashlib.sha256(feed.lookup.encode()).hexdigest()[:16],
            weekly=(outcomes.next_due(), outcomes.measures.every_days),
        )
