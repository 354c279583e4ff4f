"""Request dependencies: the database session, the clock, who is asking, their diary, and
CSRF.

Local mode has one person and no sign-in, unless the server has a passphrase (to be reached
from a phone): then that person signs in with it. Clinic mode knows the person from their
session cookie. Which diary a request may use is decided by
:mod:`neckcheck.services.access`, through :meth:`neckcheck.services.diary.Diary.open`; these
dependencies only say who is asking.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from neckcheck.auth.sessions import FULL, LoginSession
from neckcheck.clock import Clock
from neckcheck.errors import CsrfRejected, NotAllowed, NotSignedIn, SecondFactorNeeded
from neckcheck.services.access import Action, Actor, local_person, require_role
from neckcheck.services.accounts import Accounts
from neckcheck.services.clinic import Clinic
from neckcheck.services.diary import Diary
from neckcheck.services.passphrase import Passphrase
from neckcheck.settings import is_loopback
from neckcheck.storage.db import Database

SESSION_COOKIE = "neckcheck_session"
CSRF_COOKIE = "neckcheck_csrf"  # local mode: a double-submit token per browser


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]


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


def client_ip(request: Request) -> str:
    """Where a request came from, for the audit log and sign-in limits ("" if unknown)."""
    return request.client.host if request.client else ""


def browser_csrf(request: Request) -> str:
    """This browser's CSRF cookie token (set by the app's middleware on first visit)."""
    token: str = request.cookies.get(CSRF_COOKIE) or request.state.new_csrf
    return token


# Headers a reverse proxy adds: a request that carries one came from beyond this computer.
_FORWARDED = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via")


# Starlette's in-process test transport (TestClient) names the server "testserver" and the
# client "testclient". A server on a socket is named by the socket's own address, which no
# header changes, so only a caller in this very process makes a request named so.
IN_PROCESS = ("testserver", "testclient")


def in_process(scope: Mapping[str, Any]) -> bool:
    """Whether a request was made from inside this process through Starlette's test
    transport, with its default names, rather than over a network connection."""
    server, client = scope.get("server"), scope.get("client")
    return server is not None and client is not None and (server[0], client[0]) == IN_PROCESS


def through_a_proxy(request: Request) -> bool:
    """Whether a request reached the server other than from a browser on this computer: it
    carries a header a proxy adds, it comes from another address, or it speaks HTTP/1.0 (as
    nginx's plain ``proxy_pass`` does, with the Host set to the server's own address).
    (A Host that is not one of this computer's names is refused before: web.app.)"""
    if any(name in request.headers for name in _FORWARDED):
        return True
    if request.scope.get("http_version") == "1.0":
        return True
    return not (in_process(request.scope) or is_loopback(client_ip(request)))


def passphrase_of(session: Session, request: Request, clock: Clock) -> Passphrase:
    """Sign-ins of local mode's person with the server's passphrase."""
    return Passphrase(
        session,
        clock,
        stored=request.app.state.passphrase_hash,
        secret=request.app.state.settings.secret_key,
    )


def get_actor(request: Request, session: SessionDep, clock: ClockDep) -> Actor:
    """Who is asking: the person of local mode (signed in with the passphrase when one is
    set), or the signed-in account (else 401)."""
    settings = request.app.state.settings
    if settings.local_sign_in:
        token = request.cookies.get(SESSION_COOKIE)
        local = passphrase_of(session, request, clock).current(token) if token else None
        if local is None:
            raise NotSignedIn("please sign in")
        request.state.local_login = True  # for the navigation's "Sign out"
        actor = local_person(session, now=clock.now())
        csrf = local.csrf_token
    elif not settings.clinic_mode:
        if through_a_proxy(request):
            # Without a passphrase the diary is for this computer only; a proxy in front
            # (say, to reach it from a phone) would open it to everyone who reaches the proxy.
            raise NotAllowed(
                "this diary has no passphrase, so it answers only on this computer; "
                "set NECKCHECK_PASSPHRASE to reach it through a proxy"
            )
        actor = local_person(session, now=clock.now())
        csrf = browser_csrf(request)
    else:
        login = _login(request, session, clock)
        if login.stage != FULL:
            raise SecondFactorNeeded("please give your second factor", stage=login.stage)
        actor = Actor.signed_in(login.user, ip=client_ip(request))
        csrf = login.csrf_token
    request.state.csrf = csrf  # for the forms on the page
    request.state.actor = actor  # for the navigation
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


def _login(request: Request, session: Session, clock: Clock) -> LoginSession:
    token = request.cookies.get(SESSION_COOKIE)
    login = clinic_of(session, request, clock).current_session(token) if token else None
    if login is None:
        raise NotSignedIn("please sign in")
    return login


@dataclass(frozen=True)
class SignIn:
    """A clinic session at any stage (signed in, or still to give or set up the second
    factor), with its cookie's token: for the pages that finish a sign-in."""

    login: LoginSession
    token: str


def get_sign_in(request: Request, session: SessionDep, clock: ClockDep) -> SignIn:
    if not request.app.state.settings.clinic_mode:
        raise NotAllowed("this page is for a clinic's accounts")
    login = _login(request, session, clock)
    request.state.csrf = login.csrf_token
    if login.stage == FULL:
        request.state.actor = Actor.signed_in(login.user, ip=client_ip(request))
    return SignIn(login, request.cookies.get(SESSION_COOKIE, ""))


SignInDep = Annotated[SignIn, Depends(get_sign_in)]


def get_accounts(request: Request, session: SessionDep, clock: ClockDep) -> Accounts:
    return Accounts.configured(session, clock, request.app.state.settings)


AccountsDep = Annotated[Accounts, Depends(get_accounts)]


def clinic_of(session: Session, request: Request, clock: Clock) -> Clinic:
    return Clinic(session, clock, secret=request.app.state.settings.secret_key)


def get_clinic(request: Request, session: SessionDep, clock: ClockDep) -> Clinic:
    return clinic_of(session, request, clock)


ClinicDep = Annotated[Clinic, Depends(get_clinic)]

# A row id in a path: one that fits the tables' integer keys (32-bit on PostgreSQL), or 422,
# never a 500 from the database driver.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def own_diary(action: Action) -> Callable[..., Diary]:
    """A dependency: the asking person's own diary, opened for ``action``."""

    def dependency(
        request: Request, session: SessionDep, actor: ActorDep, clock: ClockDep
    ) -> Diary:
        return Diary.open(session, actor, None, action, clock=clock, target=request.url.path)

    return dependency


def shared_diary(action: Action) -> Callable[..., Diary]:
    """A dependency for clinicians' pages: the diary of the ``patient_id`` in the path,
    opened for ``action`` (consent checked and the access audited, granted or refused)."""

    def dependency(
        request: Request,
        patient_id: RowId,
        session: SessionDep,
        actor: ActorDep,
        clock: ClockDep,
    ) -> Diary:
        require_role(actor, "clinician")
        return Diary.open(session, actor, patient_id, action, clock=clock, target=request.url.path)

    return dependency


ReadDiary = Annotated[Diary, Depends(own_diary(Action.read))]
WriteDiary = Annotated[Diary, Depends(own_diary(Action.write))]
InsightsDiary = Annotated[Diary, Depends(own_diary(Action.insights))]


async def check_csrf(request: Request, actor: ActorDep) -> None:
    """Every form post carries the asking person's CSRF token (a hidden field)."""
    sent = str((await request.form()).get("csrf_token", ""))
    if not sent or not hmac.compare_digest(sent, request.state.csrf):
        raise CsrfRejected(
            "this form has expired or did not come from neckcheck; reload the page and try again"
        )


CsrfDep = Annotated[None, Depends(check_csrf)]


async def check_sign_in_csrf(request: Request, sign_in: SignInDep) -> None:
    """A form of a sign-in still to be finished carries that session's CSRF token."""
    sent = str((await request.form()).get("csrf_token", ""))
    if not sent or not hmac.compare_digest(sent, sign_in.login.csrf_token):
        raise CsrfRejected("this form has expired; reload the page and try again")


SignInCsrfDep = Annotated[None, Depends(check_sign_in_csrf)]


async def check_browser_csrf(request: Request) -> None:
    """A form of someone not signed in (a join or reset link) carries the browser's token."""
    sent = str((await request.form()).get("csrf_token", ""))
    if not sent or not hmac.compare_digest(sent, browser_csrf(request)):
        raise CsrfRejected("this form has expired; reload the page and try again")


BrowserCsrfDep = Annotated[None, Depends(check_browser_csrf)]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)
