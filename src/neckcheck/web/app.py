"""The FastAPI application factory.

    >>> from neckcheck.settings import Settings
    >>> app = create_app(Settings(database_url="sqlite:///diary.db"))

The database is opened and migrated when the app starts, not at import. Pages and API share
one error policy: bad input is a 4xx naming the field, never a 500.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

import anyio
import jinja2
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from neckcheck import __version__, charts, text
from neckcheck.clock import Clock, SystemClock
from neckcheck.errors import (
    InputError,
    LinkNotUsable,
    NeckcheckError,
    NotSignedIn,
    SecondFactorNeeded,
)
from neckcheck.explain import explain
from neckcheck.knowledge import load
from neckcheck.services.access import local_person
from neckcheck.services.passphrase import Passphrase, passphrase_hash
from neckcheck.settings import Settings
from neckcheck.storage.db import open_database
from neckcheck.web import forms
from neckcheck.web.assets import asset_url, static_files
from neckcheck.web.deps import CSRF_COOKIE, in_process, new_csrf_token
from neckcheck.web.errors import error_response
from neckcheck.web.logs import redact
from neckcheck.web.paths import path_for, template_path_for
from neckcheck.web.routes import account, api, clinic, outcomes, pages, phone, reminders
from neckcheck.web.server import CloseWhenDraining

logger = logging.getLogger("neckcheck.web")


@cache
def _templates() -> Jinja2Templates:
    """The pages' templates, one environment per process (nothing in it depends on an app's
    settings), so each template is compiled once however many apps a process makes."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("neckcheck.web", "templates"),
        autoescape=jinja2.select_autoescape(("html", "svg")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Plural forms through the project's translations (Babel): {{ ngettext(...) }}.
    env.install_gettext_translations(text.translations, newstyle=True)  # type: ignore[attr-defined]
    kb = load()
    env.globals.update(
        actor_of=lambda request: getattr(request.state, "actor", None),
        signed_in_locally=lambda request: getattr(request.state, "local_login", False),
        kb=kb,
        version=__version__,
        asset_url=asset_url,
        path_for=template_path_for,
        forms=forms,
        count=text.count,
        explain=explain,
        charts=charts,
        trigger_label={t.id: t.label for t in kb.diary.triggers},
        remedy_label={r.id: r.label for r in kb.diary.remedies},
    )
    # A level's tag reads the same for every patient at that level: a clinician's list of 50
    # renders the macro once per level and screening state, not once per row.
    tags: dict[tuple[object, bool], Any] = {}

    def kept_level_tag(level: object, complete: bool) -> Any:
        key = (level, bool(complete))
        if key not in tags:
            macros = env.get_template("_macros.html").module
            tags[key] = macros.clinical_level_tag(level, complete)  # type: ignore[attr-defined]
        return tags[key]

    env.globals["kept_level_tag"] = kept_level_tag
    labels = {f.id: f.label for f in kb.findings}
    env.filters.update(
        duration=text.format_hours,
        elapsed=text.format_elapsed,
        iso_duration=text.iso_duration,
        when=text.format_moment,
        finding_labels=lambda ids: ", ".join(labels[i] for i in ids),
        lower_first=lambda words: words[:1].lower() + words[1:],
    )
    return Jinja2Templates(env=env)


SECURITY_HEADERS = {
    # Scripts, styles and images only from this server; no inline script; never framed.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


# The largest request body taken: every form and document neckcheck reads is far smaller.
MAX_BODY = 256 * 1024
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _refusal(path: str, status: int, message: str) -> Response:
    """A refusal made before the app sees the request, in the shape of the app's errors."""
    if path.startswith("/api/"):
        response: Response = error_response(status, message)
    else:
        page = f"<!doctype html><title>Sorry</title><h1>Sorry</h1><p>{message}.</p>"
        response = HTMLResponse(page, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    return response


class _RequestGuard:
    """ASGI middleware, outermost: refuses what no route should have to handle.

    - a body over MAX_BODY (413), read once and handed on;
    - a form whose values are not UTF-8 (400), which would otherwise be stored garbled;
    - a write to the JSON API sent by a page of another site (403): a browser says where a
      request comes from (Origin, Sec-Fetch-Site), and a cookie session must not be usable
      from elsewhere.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._cross_site(path, headers, scope)
        if refusal is None:
            body, refusal = await self._read(path, headers, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    def _cross_site(path: str, headers: dict[str, str], scope: Any) -> Response | None:
        if not path.startswith("/api/"):
            return None  # forms carry a CSRF token instead
        origin = headers.get("origin")
        # The host only: behind a proxy that ends HTTPS, the page's scheme is not the app's.
        foreign = headers.get("sec-fetch-site") == "cross-site" or (
            origin is not None and urlsplit(origin).netloc != headers.get("host", "")
        )
        if foreign:
            return _refusal(path, 403, "requests from other sites are refused")
        return None

    @staticmethod
    async def _read(
        path: str, headers: dict[str, str], receive: Any
    ) -> tuple[bytes, Response | None]:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return b"", _refusal(path, 413, f"the request is larger than {MAX_BODY // 1024} KiB")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return b"", _refusal(
                    path, 413, f"the request is larger than {MAX_BODY // 1024} KiB"
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            try:
                unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return body, _refusal(path, 400, "the form was not sent as UTF-8 text")
        return body, None


# How many requests the app works on at once; the rest wait their turn without holding a
# thread. Every request holds at most one worker thread and one database connection at a
# time, so with more threads than requests a request never waits for a thread while its
# transaction holds SQLite's write lock. (Without the limit the lock holder can wait for a
# thread to validate its response while every thread waits for the lock.)
CONCURRENT_REQUESTS = 32
_SPARE_THREADS = 8


class _AdmissionLimit:
    """ASGI middleware: at most ``app.state.request_limiter`` HTTP requests in progress."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with scope["app"].state.request_limiter:
            await self.app(scope, receive, send)


class ThisServersNames(TrustedHostMiddleware):
    """Starlette's check of the ``Host`` against the names this server answers to, for every
    request over a network connection; a request made in this process through Starlette's
    test transport (``deps.in_process``) names no host a browser could be sent to."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if in_process(scope):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _warm_up(templates: Jinja2Templates, done: threading.Event) -> None:
    """What the first requests after a start would otherwise wait for, done in the
    background: every page's compiled template, and the text extractor; ``done`` is set
    when it is over."""
    from neckcheck.nlp.extract import warm

    try:
        for name in templates.env.list_templates(extensions=["html", "svg"]):
            templates.env.get_template(name)
        warm()
    finally:
        done.set()


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """A new app on the database ``settings`` names, reading the time from ``clock`` (the
    system clock by default); nothing is shared between apps."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = open_database(settings.effective_database_url(), connections=CONCURRENT_REQUESTS)
        app.state.db = db
        if not settings.clinic_mode:  # made now, so that no two first requests both make it
            with db.session() as session:
                local_person(session, now=app.state.clock.now())
        if settings.local_sign_in:  # a new passphrase signs out whoever knew the old one
            with db.session() as session:
                Passphrase(
                    session,
                    app.state.clock,
                    stored=app.state.passphrase_hash,
                    secret=settings.secret_key,
                ).end_sessions_of_another_passphrase(settings.passphrase.get_secret_value())
        app.state.request_limiter = anyio.CapacityLimiter(CONCURRENT_REQUESTS)
        threads = anyio.to_thread.current_default_thread_limiter()
        threads.total_tokens = max(threads.total_tokens, CONCURRENT_REQUESTS + _SPARE_THREADS)
        # The text extractor takes a second or two to build (spaCy, medspaCy, the lexicon):
        # built now in the background, the first description a person sends is read at once.
        # numpy (under spaCy and scipy) sets and unsets environment variables while it is
        # imported, which can crash a process whose other threads read the environment at
        # that moment (glibc's setenv is not thread-safe): it is imported here, before the
        # warm-up thread and the request threads. scipy (Insights' statistics, about a second
        # to import) is imported here too, not by the warm-up thread: imported there, a test
        # process running under faketime (which reads the environment at every clock call)
        # crashed.
        import numpy  # noqa: F401
        import scipy.stats  # noqa: F401

        warming = threading.Thread(
            target=_warm_up,
            args=(app.state.templates, app.state.warm),
            name="warm-up",
            daemon=True,
        )
        warming.start()
        notifier = _notifier(settings, db, app.state.clock)
        try:
            yield
        finally:
            if notifier is not None:
                notifier.stop()
            # No thread outlives the app (a process that changes its environment while
            # another thread reads it can crash: glibc's setenv is not thread-safe).
            warming.join(timeout=60)
            db.close()

    settings.check()
    # The interactive API docs (/docs) use Swagger UI's files from the fastapi-swagger package,
    # served here rather than from a CDN, so they run within the pages' security policy.
    app = FastAPI(
        title="neckcheck",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="A neck-spasm diary with a conservative, explainable triage. "
        "Not a diagnosis; not clinically validated.",
    )
    app.state.templates = _templates()
    app.state.warm = threading.Event()  # set once the warm-up after a start is over
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.passphrase_hash = (
        passphrase_hash(settings.passphrase.get_secret_value()) if settings.local_sign_in else None
    )
    signs_in = settings.clinic_mode or settings.local_sign_in
    # Only the names this server is meant to answer to: a page of another site whose name
    # is pointed at this computer (DNS rebinding) names its own host, and is refused (400).
    # Inside the middleware below, so that the refusal has the security headers too.
    app.add_middleware(ThisServersNames, allowed_hosts=settings.host_names(), www_redirect=False)

    @app.middleware("http")
    async def _headers_and_csrf_cookie(request: Request, call_next: Any) -> Response:
        # Every browser gets a CSRF token cookie (used by local mode and the sign-in form).
        fresh = None if CSRF_COOKIE in request.cookies else new_csrf_token()
        request.state.new_csrf = fresh
        try:
            response: Response = await call_next(request)
        except Exception:  # an unexpected fault still answers with the security headers
            path = redact(request.url.path)  # a calendar feed's address is its credential
            logger.exception("unexpected error on %s %s", request.method, path)
            response = _refusal(request.url.path, 500, "something went wrong on our side")
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"  # diaries are personal
        if signs_in and settings.cookie_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if fresh is not None:
            response.set_cookie(
                CSRF_COOKIE,
                fresh,
                httponly=True,
                samesite="strict",
                secure=signs_in and settings.cookie_secure,
            )
        return response

    app.add_middleware(_AdmissionLimit)
    app.add_middleware(_RequestGuard)
    app.add_middleware(CloseWhenDraining)
    app.mount(
        "/static/swagger-ui",
        StaticFiles(packages=[("fastapi_swagger", "resources")]),
        name="swagger-ui",
    )
    app.mount("/static", static_files(), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(clinic.router)
    app.include_router(account.router)
    app.include_router(reminders.router)
    app.include_router(outcomes.router)
    app.include_router(phone.router)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors: list[dict[str, Any]] = []
        for error in exc.errors():
            loc = list(error.get("loc", ()))
            if error.get("type") == "json_invalid":
                errors.append({"loc": ["body"], "msg": "is not valid JSON", "type": "json"})
                continue
            if len(loc) > 1 and loc[0] in ("body", "query", "path", "header"):
                loc = loc[1:]  # name the field, not where it came from
            errors.append({**error, "loc": loc})
        return error_response(422, InputError.from_error_list(errors).problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Starlette's own refusals (no such route, a method a route does not take): in the
        API's error body there, its usual answer elsewhere."""
        if not _is_api(request):
            return await http_exception_handler(request, exc)
        response = error_response(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(NeckcheckError)
    async def _neckcheck_error(request: Request, exc: NeckcheckError) -> Response:
        if isinstance(exc, SecondFactorNeeded) and not _is_api(request):
            where = "/login/code" if exc.stage == "code" else "/account/second-factor"
            return RedirectResponse(where, status_code=303)
        if isinstance(exc, LinkNotUsable) and not _is_api(request):
            return pages.render(
                request,
                "link_gone.html",
                status_code=exc.status,
                message=str(exc),
                reason=exc.reason,
            )
        if isinstance(exc, NotSignedIn) and not _is_api(request):
            where = f"{path_for(request, 'login_form')}?next={quote(request.url.path)}"
            return RedirectResponse(where, status_code=303)
        if _is_api(request):
            found = exc.problems if isinstance(exc, InputError) else str(exc)
            return error_response(exc.status, found)
        return pages.render(request, "error.html", status_code=exc.status, message=str(exc))

    return app


def _notifier(settings: Settings, db: Any, clock: Clock) -> Any:
    """In clinic mode with email configured: the sender of alert emails (services.alerts)."""
    smtp = settings.smtp_url.get_secret_value()
    if not settings.clinic_mode or not smtp:
        return None
    from neckcheck.services.alerts import Notifier
    from neckcheck.services.mail import Mailer

    notifier = Notifier(
        db, clock, mailer=Mailer(smtp, settings.sender()), base_url=settings.base_url()
    )
    notifier.start()
    return notifier


def app_from_environment() -> FastAPI:
    """The app of one server process started by ``neckcheck serve --workers N``: each worker
    reads its settings from the ``NECKCHECK_*`` environment the command set."""
    return create_app(Settings())
