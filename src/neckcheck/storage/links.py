"""One-time links to join the clinic or to set a new password, keyword-only.

The link's token is random (256 bits) and only its HMAC under the server's secret is kept,
so a copy of the database alone gives no working link. A link works once: using it is one
``UPDATE ... WHERE used_at IS NULL``, so two uses at once cannot both succeed.

    >>> token = create_link(session=s, purpose="join", email="ann@example.org", role="patient",
    ...                     now=now, lifetime=JOIN_LIFETIME, secret=k)
    >>> find_link(session=s, token=token, secret=k).email
    'ann@example.org'
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from neckcheck.storage.accounts import User, get_user
from neckcheck.storage.tables import AccountLinkRow

Purpose = Literal["join", "reset"]
JOIN_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Link:
    """A stored link: what it is for, for whom, made by whom (None: the command line), the
    clinician a joining patient may share with, and when it expires or was used."""

    id: int
    purpose: Purpose
    email: str
    role: str
    user_id: int | None
    made_by: User | None
    share_with: User | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


def token_hash(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), b"link\x1f" + token.encode(), hashlib.sha256).hexdigest()


def create_link(
    *,
    session: Session,
    purpose: Purpose,
    email: str,
    role: str,
    now: datetime,
    lifetime: timedelta,
    secret: str,
    user_id: int | None = None,
    made_by: int | None = None,
    share_with: int | None = None,
) -> str:
    """A new link; returns its token (the only copy). A new reset link replaces the account's
    unused ones."""
    if purpose == "reset" and user_id is not None:
        session.execute(
            delete(AccountLinkRow).where(
                AccountLinkRow.user_id == user_id,
                AccountLinkRow.purpose == "reset",
                AccountLinkRow.used_at.is_(None),
            )
        )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountLinkRow(
            token_hash=token_hash(token, secret),
            purpose=purpose,
            email=email,
            role=role,
            user_id=user_id,
            made_by=made_by,
            share_with=share_with,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def _link(session: Session, row: AccountLinkRow) -> Link:
    def user(user_id: int | None) -> User | None:
        return get_user(session=session, user_id=user_id) if user_id is not None else None

    purpose: Purpose = "reset" if row.purpose == "reset" else "join"
    return Link(
        row.id,
        purpose,
        row.email,
        row.role,
        row.user_id,
        user(row.made_by),
        user(row.share_with),
        row.created_at,
        row.expires_at,
        row.used_at,
    )


def find_link(*, session: Session, token: str, secret: str) -> Link | None:
    """The link of ``token`` (used or expired too), or None for a token never made here."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(
        select(AccountLinkRow).where(AccountLinkRow.token_hash == token_hash(token, secret))
    )
    return _link(session, row) if row is not None else None


def use_link(*, session: Session, link_id: int, now: datetime) -> bool:
    """Mark the link used; False if it was used already (by a request at the same moment)."""
    done = session.execute(
        update(AccountLinkRow)
        .where(AccountLinkRow.id == link_id, AccountLinkRow.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(getattr(done, "rowcount", 0))


def open_invitations(*, session: Session, now: datetime) -> list[Link]:
    """Invitations to join not used yet and not expired, newest first."""
    rows = session.scalars(
        select(AccountLinkRow)
        .where(
            AccountLinkRow.purpose == "join",
            AccountLinkRow.used_at.is_(None),
            AccountLinkRow.expires_at > now,
        )
        .order_by(AccountLinkRow.created_at.desc(), AccountLinkRow.id.desc())
    ).all()
    return [_link(session, row) for row in rows]
