"""Server-side login sessions: the cookie holds a random token; the database keeps only its
SHA-256, the user, a CSRF token and the expiry. Local mode's person, signed in with the
server's passphrase, has sessions of the same kind without a user (``*_local_session``).

    >>> token = start_session(session=db, user_id=3, now=now, hours=12)
    >>> current_session(session=db, token=token, now=now).user.email
    'dr.lee@example.org'
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from neckcheck.storage.accounts import User, get_user
from neckcheck.storage.tables import LocalSessionRow, SessionRow


@dataclass(frozen=True)
class LoginSession:
    user: User
    csrf_token: str
    expires_at: datetime


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(*, session: Session, user_id: int, now: datetime, hours: int) -> str:
    """A new session for ``user_id``; returns the token for the cookie.

    Sessions that have expired (anyone's) are deleted first, so the table holds live ones only.
    """
    return _start(session, SessionRow, now=now, hours=hours, user_id=user_id)


def _start(
    session: Session,
    table: type[SessionRow] | type[LocalSessionRow],
    *,
    now: datetime,
    hours: int,
    **columns: object,
) -> str:
    """A new row in ``table`` lasting ``hours``, once the expired ones are deleted; returns
    the token (the table keeps only its hash)."""
    session.execute(delete(table).where(table.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        table(
            id=_key(token),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            **columns,
        )
    )
    session.flush()
    return token


def current_session(*, session: Session, token: str, now: datetime) -> LoginSession | None:
    """The live session for ``token``, or None (unknown, expired, or the user is disabled)."""
    row = session.get(SessionRow, _key(token))
    if row is None:
        return None
    user = get_user(session=session, user_id=row.user_id)
    if row.expires_at <= now or user is None or user.disabled:
        session.delete(row)
        session.flush()
        return None
    return LoginSession(user=user, csrf_token=row.csrf_token, expires_at=row.expires_at)


def end_session(*, session: Session, token: str) -> None:
    session.execute(delete(SessionRow).where(SessionRow.id == _key(token)))


def end_all_sessions(*, session: Session, user_id: int) -> None:
    session.execute(delete(SessionRow).where(SessionRow.user_id == user_id))


# --- local mode: the one person, signed in with the server's passphrase ---------------------


@dataclass(frozen=True)
class LocalLogin:
    """A sign-in of local mode's person (there is no account: the passphrase is the key)."""

    csrf_token: str
    expires_at: datetime


def start_local_session(*, session: Session, now: datetime, hours: int) -> str:
    """A new sign-in of local mode's person; returns the token for the cookie. Expired ones
    are deleted first."""
    return _start(session, LocalSessionRow, now=now, hours=hours)


def current_local_session(*, session: Session, token: str, now: datetime) -> LocalLogin | None:
    """The live local sign-in for ``token``, or None (unknown or expired)."""
    row = session.get(LocalSessionRow, _key(token))
    if row is None or row.expires_at <= now:
        return None
    return LocalLogin(csrf_token=row.csrf_token, expires_at=row.expires_at)


def end_local_session(*, session: Session, token: str) -> None:
    session.execute(delete(LocalSessionRow).where(LocalSessionRow.id == _key(token)))


def end_all_local_sessions(*, session: Session) -> None:
    session.execute(delete(LocalSessionRow))
