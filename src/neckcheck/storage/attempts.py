"""Limits on failed attempts (signing in, redeeming invitation codes), kept in the database so
that they hold across server processes and restarts.

A failure counts against two keys: the account (or code owner) *from that address*, and the
address alone. The first stops guessing one account's password; the second, set higher, stops
one address from trying many accounts. Neither counts failures against an account from
everywhere: someone elsewhere who types wrong passwords for your email does not lock *you*
out. Keys are an HMAC under the server's secret, so the table shows no emails or addresses.

An attempt is counted as a failure *before* it is checked (the check, Argon2, is slow on
purpose), in a short transaction of its own that commits at once, and a success takes the
count back. So guesses sent at the same moment, to any server process, each see the ones
before them: 40 at once from one address are 40 claims, of which the first five are checked.
Claims of one key take turns (PostgreSQL: an advisory lock per key; SQLite: the database's
single writer), so that the count and the claim are one step.

    >>> attempt = Attempt(SIGN_IN, session=s, subject=email, address=ip, now=now, secret=k)
    >>> attempt.claim()                        # TooManyAttempts when at a limit
    >>> ...                                    # the slow check; if it fails, the claim stays
    >>> attempt.succeeded()                    # the claim and earlier failures are forgotten

Bounded: nothing is claimed while either key is at its limit, and every record older than
the window is deleted when the next claim is made.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text
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
# Not failures: every assessment of a findings document through the API counts (each costs
# the server a check), a minute at a time, per person and per address.
ASSESS = Limit("assess", per_subject=60, per_address=240, window=timedelta(minutes=1))
_LONGEST = max(
    limit.window
    for limit in (SIGN_IN, INVITATION, SECOND_FACTOR, SECOND_FACTOR_ANYWHERE, LINK, ASSESS)
)


def _keys(limit: Limit, subject: str, address: str, secret: str) -> tuple[str, str]:
    def key(*parts: str) -> str:
        message = "\x1f".join((limit.name, *parts)).encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    return key("subject", subject, address), key("address", address)


def _counts(
    connection: Session | Connection, keys: tuple[str, str], since: datetime
) -> tuple[int, int]:
    rows = connection.execute(
        select(FailedAttemptRow.key, func.count())
        .where(FailedAttemptRow.key.in_(keys), FailedAttemptRow.at > since)
        .group_by(FailedAttemptRow.key)
    ).all()
    found: dict[str, int] = {str(key): int(count) for key, count in rows}
    return found.get(keys[0], 0), found.get(keys[1], 0)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def claim(
    limit: Limit, *, session: Session, subject: str, address: str, now: datetime, secret: str
) -> list[int] | None:
    """Count one failure now, committed in a transaction of its own (expired records are
    pruned first), unless a limit is already reached: then None, and nothing is counted.
    Returns the ids of the records made, for :func:`forget_failures`.

    The caller's transaction must not have written yet (on SQLite it would hold the lock
    this transaction waits for)."""
    keys = _keys(limit, subject, address, secret)
    with _engine(session).begin() as connection:
        if connection.dialect.name == "postgresql":
            for key in sorted(keys):  # always in one order: two claims never wait for each other
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                    {"key": key},
                )
        # On SQLite a write first: the transaction takes the database's one write lock, and
        # claims made at the same moment (in any process) count after each other.
        connection.execute(delete(FailedAttemptRow).where(FailedAttemptRow.at <= now - _LONGEST))
        by_subject, by_address = _counts(connection, keys, now - limit.window)
        if by_subject >= limit.per_subject or by_address >= limit.per_address:
            return None
        made = connection.execute(
            insert(FailedAttemptRow).returning(FailedAttemptRow.id),
            [{"key": key, "at": now} for key in keys],
        )
        return [row_id for (row_id,) in made]


def forget_failures(
    limit: Limit,
    *,
    session: Session,
    subject: str,
    address: str,
    secret: str,
    claimed: Sequence[int] = (),
) -> None:
    """After a success: the subject's earlier typos from this address no longer count, and
    the attempt's own claim (``claimed``, on the address too) is taken back."""
    subject_key, _ = _keys(limit, subject, address, secret)
    session.execute(
        delete(FailedAttemptRow).where(
            (FailedAttemptRow.key == subject_key) | FailedAttemptRow.id.in_(list(claimed))
        )
    )


@dataclass
class Attempt:
    """One attempt under ``limit`` by ``subject`` from ``address``: claim it first (it counts
    as a failure from then on), then, if it succeeded, say so (the claim and the subject's
    earlier failures are forgotten)."""

    limit: Limit
    session: Session
    subject: str
    address: str
    now: datetime
    secret: str
    claimed: list[int] | None = None

    def claim(self) -> None:
        """Count the attempt as failed until it succeeds; TooManyAttempts, saying how long to
        wait, when a limit is reached (then nothing is counted)."""
        self.claimed = claim(self.limit, **self._who(), now=self.now)
        if self.claimed is None:
            from neckcheck.text import count

            minutes = int(self.limit.window.total_seconds() // 60)
            raise TooManyAttempts(
                f"Too many attempts from here. Wait {count(minutes, 'minute', 'minutes')} "
                "and try again."
            )

    def succeeded(self) -> None:
        forget_failures(self.limit, **self._who(), claimed=self.claimed or [])

    def released(self) -> None:
        """The attempt was no failure, though not a success that forgives earlier ones (the
        second of two limits): its claim alone is taken back, in the caller's transaction."""
        if self.claimed:
            self.session.execute(
                delete(FailedAttemptRow).where(FailedAttemptRow.id.in_(self.claimed))
            )
            self.claimed = []

    def _who(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "subject": self.subject,
            "address": self.address,
            "secret": self.secret,
        }
