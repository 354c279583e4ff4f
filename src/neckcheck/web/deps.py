"""Request dependencies: the database session, who is asking, and CSRF.

Local mode has one patient and no login. Clinic mode knows the person from their session
cookie: a patient sees their own diary; a clinician sees a patient's only through
:func:`viewable_patient`, which checks consent and writes the audit log.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import anyio
from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from neckcheck.errors import CsrfRejected, NotAllowed, NotFoundError, NotSignedIn
from neckcheck.storage import accounts, repo
from neckcheck.storage.db import Database

SESSION_COOKIE = "neckcheck_session"
CSRF_COOKIE = "neckcheck_csrf"  # local mode: a double-submit token per browser


@dataclass(frozen=True)
class Viewer:
    """Who is asking: ``user`` is None in local mode; ``patient_id`` is their own diary."""

    user: accounts.User | None
    patient_id: int | None
    csrf_token: str


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(db: Annotated[Database, Depends(get_db)]) -> AsyncIterator[Session]:
    """One transaction per request, committed before the response is sent.

    The session connects lazily, inside the endpoint's worker thread; the app admits no
    more requests at once than it has threads (see ``web.app.CONCURRENT_REQUESTS``), so the
    commit never waits for a thread held by a request that waits for this transaction.
    """
    session = db.sessions()
    try:
        yield session
    except BaseException:
        await anyio.to_thread.run_sync(session.rollback)
        raise
    else:
        await anyio.to_thread.run_sync(session.commit)
    finally:
        await anyio.to_thread.run_sync(session.close)


# scope="function": the transaction commits before the response is sent, so a client that
# got 201 Created has a committed write (the default scope commits after the response).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _now() -> datetime:
    return datetime.now(UTC)


def get_viewer(request: Request, session: SessionDep) -> Viewer:
    settings = request.app.state.settings
    if not settings.clinic_mode:
        viewer = Viewer(None, repo.ensure_local_patient(session=session), browser_csrf(request))
    else:
        from neckcheck.auth.sessions import current_session

        token = request.cookies.get(SESSION_COOKIE)
        login = current_session(session=session, token=token, now=_now()) if token else None
        if login is None:
            raise NotSignedIn("please sign in")
        viewer = Viewer(login.user, login.user.patient_id, login.csrf_token)
    request.state.csrf = viewer.csrf_token  # for the forms on the page
    request.state.viewer = viewer  # for the navigation
    return viewer


def client_ip(request: Request) -> str:
    """Where a request came from, for the audit log and sign-in limits ("" if unknown)."""
    return request.client.host if request.client else ""


def browser_csrf(request: Request) -> str:
    """This browser's CSRF cookie token (set by the app's middleware on first visit)."""
    token: str = request.cookies.get(CSRF_COOKIE) or request.state.new_csrf
    return token


ViewerDep = Annotated[Viewer, Depends(get_viewer)]

# A row id in a path: one that fits the databases' 64-bit keys, or 422 (never a 500 from
# the driver's overflow).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def get_patient(viewer: ViewerDep) -> int:
    """The viewer's own diary (local mode: the single patient)."""
    if viewer.patient_id is None:
        raise NotAllowed("this account has no diary of its own")
    return viewer.patient_id


PatientDep = Annotated[int, Depends(get_patient)]


def viewable_patient(
    *, request: Request, session: Session, viewer: Viewer, patient_id: int, action: str
) -> int:
    """``patient_id`` if the viewer may see it (audited), else not found: a diary that is not
    shared is indistinguishable from one that does not exist."""
    if viewer.user is None or not accounts.can_view_patient(
        session=session, user=viewer.user, patient_id=patient_id
    ):
        raise NotFoundError(f"patient {patient_id} not found")
    accounts.record_access(
        session=session,
        actor=viewer.user,
        patient_id=patient_id,
        action=action,
        target=request.url.path,
        ip=client_ip(request),
        now=_now(),
    )
    return patient_id


async def check_csrf(request: Request, viewer: ViewerDep) -> None:
    """Every form post carries the viewer's CSRF token (a hidden field)."""
    sent = str((await request.form()).get("csrf_token", ""))
    if not sent or not hmac.compare_digest(sent, viewer.csrf_token):
        raise CsrfRejected(
            "this form has expired or did not come from neckcheck; reload the page and try again"
        )


CsrfDep = Annotated[None, Depends(check_csrf)]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)
