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
from functools import lru_cache

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from neckcheck.storage.accounts import User, account_of
from neckcheck.storage.tables import LocalSessionRow, SessionRow, UserRow

# Stages of a sign-in (SessionRow.stage): signed in; the second factor still to give; a
# second factor still to set up (clinicians and administrators, before anything else).
FULL, CODE, SETUP = "full", "code", "setup"
# How long the last-seen time may lag: it is written at most this often per session.
SEEN_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class LoginSession:
    user: User
    csrf_token: str
    expires_at: datetime
    stage: str = FULL
    id: str = ""  # the row's id (the token's hash): names the session, not a credential


@dataclass(frozen=True)
class SessionInfo:
    """One of a person's sessions as their Account page lists it."""

    id: str
    device: str
    address: str
    started_at: datetime
    last_seen_at: datetime
    current: bool


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    *,
    session: Session,
    user_id: int,
    now: datetime,
    hours: float,
    stage: str = FULL,
    user_agent: str = "",
    address: str = "",
) -> str:
    """A new session for ``user_id``; returns the token for the cookie.

    Sessions that have expired (anyone's) are deleted first, so the table holds live ones only.
    """
    return _start(
        session,
        SessionRow,
        now=now,
        hours=hours,
        user_id=user_id,
        stage=stage,
        user_agent=user_agent[:300],
        address=address[:64],
        last_seen_at=now,
    )


def promote(*, session: Session, token: str, now: datetime, hours: float) -> None:
    """The session of ``token`` is now fully signed in (the second factor was given), for
    ``hours`` from now."""
    session.execute(
        update(SessionRow)
        .where(SessionRow.id == _key(token))
        .values(stage=FULL, expires_at=now + timedelta(hours=hours), last_seen_at=now)
    )


@lru_cache(maxsize=512)
def device(user_agent: str) -> str:
    """A browser's user agent in words: "Chrome Mobile on Android (Pixel 8)", "Firefox on
    Ubuntu", or "Unknown browser" (ua-parser's patterns)."""
    import ua_parser

    found = ua_parser.parse(user_agent) if user_agent else None
    if found is None or found.user_agent is None:
        return "Unknown browser"
    words = found.user_agent.family
    if found.os is not None and found.os.family not in ("Other", ""):
        words += f" on {found.os.family}"
    extra = found.device.family if found.device is not None else ""
    if extra and extra not in ("Other", "Generic Smartphone") and extra not in words:
        words += f" ({extra})"
    return words


def list_sessions(
    *, session: Session, user_id: int, now: datetime, current: str
) -> list[SessionInfo]:
    """The live sessions of ``user_id``, the one of the token ``current`` first, then the most
    recently used."""
    rows = session.scalars(
        select(SessionRow).where(
            SessionRow.user_id == user_id, SessionRow.expires_at > now, SessionRow.stage == FULL
        )
    ).all()
    mine = _key(current)
    found = [
        SessionInfo(
            row.id,
            device(row.user_agent),
            row.address,
            row.created_at,
            row.last_seen_at or row.created_at,
            row.id == mine,
        )
        for row in rows
    ]
    return sorted(found, key=lambda s: (not s.current, -s.last_seen_at.timestamp()))


def end_session_by_id(*, session: Session, user_id: int, session_id: str) -> bool:
    """End one of ``user_id``'s sessions by its id; False if they have none of that id."""
    done = session.execute(
        delete(SessionRow).where(SessionRow.user_id == user_id, SessionRow.id == session_id)
    )
    return bool(getattr(done, "rowcount", 0))


def end_other_sessions(*, session: Session, user_id: int, keep: str | None) -> None:
    """End every session of ``user_id`` but the one of the token ``keep`` (all when None)."""
    query = delete(SessionRow).where(SessionRow.user_id == user_id)
    if keep is not None:
        query = query.where(SessionRow.id != _key(keep))
    session.execute(query)


def _start(
    session: Session,
    table: type[SessionRow] | type[LocalSessionRow],
    *,
    now: datetime,
    hours: float,
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
    """The live session for ``token``, or None (unknown, expired, or the user is disabled).

    The session and its account are read in one query (every signed-in request asks)."""
    found = session.execute(
        select(SessionRow, UserRow)
        .join(UserRow, UserRow.id == SessionRow.user_id)
        .where(SessionRow.id == _key(token))
    ).first()
    if found is None:
        return None
    row, account = found
    user = account_of(account)
    if row.expires_at <= now or user.disabled:
        session.delete(row)
        session.flush()
        return None
    if row.last_seen_at is None or now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return LoginSession(
        user=user, csrf_token=row.csrf_token, expires_at=row.expires_at, stage=row.stage, id=row.id
    )


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
