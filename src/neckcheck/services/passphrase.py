"""Signing in to a local diary with the server's passphrase.

A local diary has one person and no accounts. Served beyond this computer (to reach it from a
phone), it must not be open to whoever else can reach the server, so ``NECKCHECK_PASSPHRASE``
guards it: every page and the API then ask for a sign-in with the passphrase first.

    >>> door = Passphrase(session, clock, stored=passphrase_hash(settings), secret=key)
    >>> token = door.sign_in("a long passphrase", address="192.0.2.8", hours=12)
    >>> door.current(token).csrf_token

The passphrase is compared with Argon2 (as account passwords are), attempts count against
the limits of :mod:`neckcheck.storage.attempts` from before they are checked until one
succeeds (five failures from one address hold that address back for 15 minutes), and
sign-ins are server-side sessions, so signing out ends one and changing the passphrase ends
them all.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from neckcheck.auth import sessions
from neckcheck.auth.passwords import hash_password, verify_password
from neckcheck.clock import Clock
from neckcheck.storage import attempts
from neckcheck.storage.attempts import SIGN_IN
from neckcheck.storage.tables import InstallationRow

__all__ = ["Passphrase", "passphrase_hash"]

ARGON2_PREFIX = "$argon2"
# What the sign-in limits count failures against: there is one passphrase.
_SUBJECT = "passphrase"
# The installation row that remembers which passphrase the sessions were started with.
_IN_USE = "passphrase_in_use"


def passphrase_hash(configured: str) -> str:
    """The Argon2 hash to check sign-ins against: the setting itself when it is one (made
    with ``neckcheck hash-passphrase``), else a hash of the passphrase it holds."""
    if configured.startswith(ARGON2_PREFIX):
        return configured
    return hash_password(configured)


class Passphrase:
    """Sign-ins of local mode's person, in the caller's transaction."""

    def __init__(self, session: Session, clock: Clock, *, stored: str, secret: str) -> None:
        self.session = session
        self.clock = clock
        self.stored = stored
        self.secret = secret

    def sign_in(self, passphrase: str, *, address: str, hours: int) -> str | None:
        """A session token when ``passphrase`` is right, else None; TooManyAttempts when this
        address failed too often lately."""
        now = self.clock.now()
        attempt = attempts.Attempt(
            SIGN_IN,
            session=self.session,
            subject=_SUBJECT,
            address=address,
            now=now,
            secret=self.secret,
        )
        attempt.claim()  # counted before the slow check: guesses sent at once all count
        if not verify_password(self.stored, passphrase):
            return None  # the claim stays, as the failure
        attempt.succeeded()
        return sessions.start_local_session(session=self.session, now=now, hours=hours)

    def current(self, token: str) -> sessions.LocalLogin | None:
        return sessions.current_local_session(
            session=self.session, token=token, now=self.clock.now()
        )

    def sign_out(self, token: str) -> None:
        sessions.end_local_session(session=self.session, token=token)

    def end_sessions_of_another_passphrase(self, configured: str) -> bool:
        """When the server starts: if the passphrase is not the one the sessions were started
        with, end them all (someone who learnt the old one is signed out). Returns whether it
        did."""
        row = self.session.get(InstallationRow, _IN_USE)
        if row is not None:
            same = (
                row.value == configured
                if configured.startswith(ARGON2_PREFIX)
                else verify_password(row.value, configured)
            )
            if same:
                return False
        sessions.end_all_local_sessions(session=self.session)
        if row is not None:
            row.value = self.stored
            self.session.flush()
            return True
        try:
            with self.session.begin_nested():  # another server process may start alongside
                self.session.add(InstallationRow(key=_IN_USE, value=self.stored))
        except IntegrityError:
            pass  # that one recorded the same passphrase
        return True
