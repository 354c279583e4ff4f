"""Limits on failed attempts (signing in, redeeming invitation codes), kept in the database so
that they hold across server processes and restarts.

A failure counts against two keys: the account (or code owner) *from that address*, and the
address alone. The first stops guessing one account's password; the second, set higher, stops
one address from trying many accounts. Neither counts failures against an account from
everywhere: someone elsewhere who types wrong passwords for your email does not lock *you*
out. Keys are an HMAC under the server's secret, so the table shows no emails or addresses.

    >>> attempt = Attempt(SIGN_IN, session=s, subject=email, address=ip, now=now, secret=k)
    >>> attempt.check()                        # TooManyAttempts when at a limit
    >>> attempt.failed()  # or attempt.succeeded()

Bounded: a failure is recorded only while neither key is at its limit, and every record
older than the window is deleted when the next failure is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from neckcheck.errors import TooManyAttempts
from neckcheck.storage.tables import FailedAttemptRow


@dataclass(frozen=True)
class Limit:
    """At most ``per_subject`` failures for one subject from one address, and ``per_address``
    from one address, in ``window``."""

    name: str
    per_subject: int
    per_address: int
    window: timedelta


SIGN_IN = Limit("sign-in", per_subject=5, per_address=50, window=timedelta(minutes=15))
INVITATION = Limit("invitation", per_subject=5, per_address=20, window=timedelta(minutes=15))
# Wrong second-factor codes: per account from one address, and per account from anywhere
# (whoever types them knows the password already).
SECOND_FACTOR = Limit("second-factor", per_subject=5, per_address=50, window=timedelta(minutes=15))
SECOND_FACTOR_ANYWHERE = Limit(
    "second-factor-anywhere", per_subject=10, per_address=10, window=timedelta(minutes=15)
)
# Join and reset links that are not known here, per address.
LINK = Limit("link", per_subject=10, per_address=10, window=timedelta(minutes=15))
_LONGEST = max(
    limit.window for limit in (SIGN_IN, INVITATION, SECOND_FACTOR, SECOND_FACTOR_ANYWHERE, LINK)
)


def _keys(limit: Limit, subject: str, address: str, secret: str) -> tuple[str, str]:
    def key(*parts: str) -> str:
        message = "\x1f".join((limit.name, *parts)).encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    return key("subject", subject, address), key("address", address)


def _counts(session: Session, keys: tuple[str, str], since: datetime) -> tuple[int, int]:
    rows = session.execute(
        select(FailedAttemptRow.key, func.count())
        .where(FailedAttemptRow.key.in_(keys), FailedAttemptRow.at > since)
        .group_by(FailedAttemptRow.key)
    ).all()
    found: dict[str, int] = dict(rows)
    return found.get(keys[0], 0), found.get(keys[1], 0)


def too_many(
    limit: Limit, *, session: Session, subject: str, address: str, now: datetime, secret: str
) -> bool:
    """Whether this subject from this address, or this address, is at its limit."""
    keys = _keys(limit, subject, address, secret)
    by_subject, by_address = _counts(session, keys, now - limit.window)
    return by_subject >= limit.per_subject or by_address >= limit.per_address


def record_failure(
    limit: Limit, *, session: Session, subject: str, address: str, now: datetime, secret: str
) -> None:
    """Count one failure (unless a limit is already reached) and prune expired records."""
    session.execute(delete(FailedAttemptRow).where(FailedAttemptRow.at <= now - _LONGEST))
    if too_many(limit, session=session, subject=subject, address=address, now=now, secret=secret):
        return
    for key in _keys(limit, subject, address, secret):
        session.add(FailedAttemptRow(key=key, at=now))
    session.flush()


def forget_failures(
    limit: Limit, *, session: Session, subject: str, address: str, secret: str
) -> None:
    """After a success: the subject's earlier typos from this address no longer count."""
    subject_key, _ = _keys(limit, subject, address, secret)
    session.execute(delete(FailedAttemptRow).where(FailedAttemptRow.key == subject_key))


@dataclass(frozen=True)
class Attempt:
    """One attempt under ``limit`` by ``subject`` from ``address``: check it first, then say
    whether it failed (counted) or succeeded (the subject's earlier failures are forgotten)."""

    limit: Limit
    session: Session
    subject: str
    address: str
    now: datetime
    secret: str

    def check(self) -> None:
        """TooManyAttempts, saying how long to wait, when a limit is reached."""
        if too_many(self.limit, **self._who(), now=self.now):
            minutes = int(self.limit.window.total_seconds() // 60)
            raise TooManyAttempts(
                f"Too many attempts from here. Wait {minutes} minutes and try again."
            )

    def failed(self) -> None:
        record_failure(self.limit, **self._who(), now=self.now)

    def succeeded(self) -> None:
        forget_failures(self.limit, **self._who())

    def _who(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "subject": self.subject,
            "address": self.address,
            "secret": self.secret,
        }
