"""Clinic mode pages: sign in and out, a patient's sharing page, a clinician's dashboard."""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neckcheck.auth.passwords import verify_password
from neckcheck.auth.sessions import end_session, start_session
from neckcheck.diary import clinician_dashboard, clinician_report
from neckcheck.errors import CsrfRejected, InputError, NotAllowed
from neckcheck.patterns import course
from neckcheck.storage import accounts, repo
from neckcheck.web.deps import (
    SESSION_COOKIE,
    CsrfDep,
    PatientDep,
    RowId,
    SessionDep,
    ViewerDep,
    browser_csrf,
    client_ip,
    viewable_patient,
)
from neckcheck.web.routes.pages import insights_page, render, report_period

router = APIRouter(include_in_schema=False)

# Sign-in attempts: at most MAX_FAILURES failed attempts per address and per email in
# FAILURE_WINDOW seconds, kept in this process's memory.
MAX_FAILURES, FAILURE_WINDOW = 5, 15 * 60


def _now() -> datetime:
    return datetime.now(UTC)


def _too_many(request: Request, keys: list[str]) -> bool:
    failures: dict[str, list[float]] = request.app.state.login_failures
    cutoff = time.monotonic() - FAILURE_WINDOW
    for key in keys:
        failures[key] = [t for t in failures.get(key, []) if t > cutoff]
    return any(len(failures[key]) >= MAX_FAILURES for key in keys)


def _fail(request: Request, keys: list[str]) -> None:
    failures: dict[str, list[float]] = request.app.state.login_failures
    for key in keys:
        failures.setdefault(key, []).append(time.monotonic())


def _login_page(
    request: Request,
    *,
    email: str = "",
    error: str = "",
    status_code: int = 200,
    next_url: str = "/",
) -> HTMLResponse:
    request.state.csrf = browser_csrf(request)
    return render(
        request, "login.html", status_code=status_code, email=email, error=error, next_url=next_url
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request, next_url=request.query_params.get("next", "/"))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("password", ""))
    next_url = str(form.get("next", "/"))
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = "/"  # only paths on this server
    sent = str(form.get("csrf_token", ""))
    if not sent or not hmac.compare_digest(sent, browser_csrf(request)):
        raise CsrfRejected("this form has expired; reload the page and try again")
    host = client_ip(request)
    keys = [f"ip:{host}", f"email:{email}"]
    if _too_many(request, keys):
        return _login_page(
            request,
            email=email,
            status_code=429,
            next_url=next_url,
            error="Too many attempts. Wait 15 minutes and try again.",
        )
    found = accounts.password_hash_for(session=session, email=email)
    if found is None or found[0].disabled or not verify_password(found[1], password):
        _fail(request, keys)
        return _login_page(
            request,
            email=email,
            status_code=401,
            next_url=next_url,
            error="That email and password do not match an active account.",
        )
    user = found[0]
    settings = request.app.state.settings
    token = start_session(
        session=session, user_id=user.id, now=_now(), hours=settings.session_hours
    )
    target = "/clinician" if user.role == "clinician" and next_url == "/" else next_url
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(session=session, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- a patient's sharing page ------------------------------------------------------------


def _sharing_page(
    request: Request, session: SessionDep, patient: int, code: str = ""
) -> HTMLResponse:
    return render(
        request,
        "sharing.html",
        code=code,
        access=accounts.who_has_access(session=session, patient_id=patient),
        audit=accounts.audit_for_patient(session=session, patient_id=patient)[:100],
    )


@router.get("/sharing", response_class=HTMLResponse)
def sharing(request: Request, session: SessionDep, patient: PatientDep) -> HTMLResponse:
    return _sharing_page(request, session, patient)


@router.post("/sharing/invite", response_class=HTMLResponse)
def invite(request: Request, session: SessionDep, patient: PatientDep, _: CsrfDep) -> HTMLResponse:
    code = accounts.create_invitation(session=session, patient_id=patient, now=_now())
    return _sharing_page(request, session, patient, code=code)


@router.post("/sharing/revoke/{clinician_id}")
def revoke(clinician_id: RowId, session: SessionDep, patient: PatientDep, _: CsrfDep) -> Response:
    accounts.revoke_access(
        session=session, patient_id=patient, clinician_id=clinician_id, now=_now()
    )
    return RedirectResponse("/sharing", status_code=303)


# --- a clinician's dashboard ---------------------------------------------------------------


def _clinician(viewer: ViewerDep) -> accounts.User:
    if viewer.user is None or viewer.user.role != "clinician":
        raise NotAllowed("this page is for clinicians")
    return viewer.user


def _shared_patient(
    request: Request, session: SessionDep, viewer: ViewerDep, patient_id: int, *, action: str
) -> None:
    """A clinician reaching a patient's diary: consent checked, access written to the audit."""
    _clinician(viewer)
    viewable_patient(
        request=request, session=session, viewer=viewer, patient_id=patient_id, action=action
    )


@router.get("/clinician", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    return _dashboard(request, session, _clinician(viewer), page=page)


def _dashboard(
    request: Request,
    session: SessionDep,
    clinician: accounts.User,
    *,
    page: int = 1,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The clinician's patients, most urgent latest assessment first, 50 to a page."""
    now = _now()
    listing = clinician_dashboard(session=session, clinician_id=clinician.id, now=now, page=page)
    accounts.record_accesses(  # each patient's level and latest episode were shown
        session=session,
        actor=clinician,
        patient_ids=[row.id for row in listing.rows],
        action="list",
        target=request.url.path,
        ip=client_ip(request),
        now=now,
    )
    return render(request, "clinician.html", listing=listing, error=error, status_code=status_code)


@router.post("/clinician/redeem", response_class=HTMLResponse)
async def redeem(request: Request, session: SessionDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    clinician = _clinician(viewer)
    code = str((await request.form()).get("code", ""))
    try:
        patient_id = accounts.redeem_invitation(
            session=session, code=code, clinician=clinician, now=_now()
        )
    except InputError as exc:
        return _dashboard(
            request, session, clinician, error=exc.problems[0].message, status_code=422
        )
    return RedirectResponse(f"/clinician/patients/{patient_id}", status_code=303)


@router.get("/clinician/patients/{patient_id}", response_class=HTMLResponse)
def patient_view(
    request: Request, patient_id: RowId, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    _shared_patient(request, session, viewer, patient_id, action="read")
    now = _now()
    episodes = repo.list_episodes(
        session=session, patient_id=patient_id, start=now - timedelta(days=182), keep=False
    )
    return render(
        request,
        "clinician_patient.html",
        patient_id=patient_id,
        patient_name=repo.patient_name(session=session, patient_id=patient_id),
        episodes=episodes,
        course=course(episodes, now=now),
        now=now,
    )


@router.get("/clinician/patients/{patient_id}/insights", response_class=HTMLResponse)
def patient_insights(
    request: Request, patient_id: RowId, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    _shared_patient(request, session, viewer, patient_id, action="insights")
    diary = f"/clinician/patients/{patient_id}"
    return insights_page(
        request,
        session,
        patient_id,
        base=f"{diary}/insights",
        report=f"{diary}/report.pdf",
        heading=repo.patient_name(session=session, patient_id=patient_id),
        back=diary,
    )


@router.get("/clinician/patients/{patient_id}/report.pdf")
def patient_report(
    request: Request, patient_id: RowId, session: SessionDep, viewer: ViewerDep
) -> Response:
    _shared_patient(request, session, viewer, patient_id, action="report")
    period = report_period(request)
    document = clinician_report(
        session=session, patient_id=patient_id, first=period.first, last=period.last, now=_now()
    )
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="neckcheck-patient-{patient_id}.pdf"'
        },
    )
