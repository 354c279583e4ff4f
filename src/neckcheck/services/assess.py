"""Assessing a findings document sent through the API (``POST /api/v1/assess``): by someone
signed in where there is a sign-in, and at most :data:`neckcheck.storage.attempts.ASSESS`
times a minute per person and per address.

    >>> assess_document(session, actor, Findings(findings=["neck_pain"]), address=ip,
    ...                 now=clock.now(), secret=key).level
    <Level.self_care: 'self_care'>

Who is asking is known before (the adapter's sign-in); the document concerns no diary, so
nothing is audited. The command line's ``neckcheck assess`` calls the engine itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from neckcheck.domain import Assessment, Findings
from neckcheck.services.access import Actor
from neckcheck.storage import attempts

__all__ = ["assess_document"]


def assess_document(
    session: Session,
    actor: Actor,
    document: Findings,
    *,
    address: str,
    now: datetime,
    secret: str,
) -> Assessment:
    """The assessment of ``document``; TooManyAttempts when ``actor`` (or ``address``) has
    asked for too many this minute. Each one counts, kept in the database (as the sign-in
    limits are), so that the limit holds across server processes."""
    from neckcheck.engine import assess

    who = f"account {actor.user.id}" if actor.user is not None else "person"
    attempts.Attempt(
        attempts.ASSESS, session=session, subject=who, address=address, now=now, secret=secret
    ).claim()
    return assess(document)
