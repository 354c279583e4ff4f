"""Clinic mode pages: sign in and out (also to a local diary, with the server's passphrase),
a patient's sharing page, a clinician's dashboard and the diaries patients shared with them."""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neckcheck.errors import CsrfRejected, InputError, MailNotSent, TooManyAttempts
from neckcheck.services.access import Action
from neckcheck.services.clinic import PageKey, patient_page
from neckcheck.services.diary import Diary
from neckcheck.services.outcomes import Outcomes
from neckcheck.services.passphrase import Passphrase
from neckcheck.web import forms
from neckcheck.web.deps import (
    SESSION_COOKIE,
    AccountsDep,
    ActorDep,
    ClinicDep,
    ClockDep,
    CsrfDep,
    RowId,
    SessionDep,
    browser_csrf,
    client_ip,
    passphrase_of,
    shared_diary,
)
from neckcheck.web.paths import path_for
from neckcheck.web.routes.outcomes import (
    ACTIVITY_FIELDS,
    activities_form,
    activity_errors,
    activity_names,
)
from neckcheck.web.routes.pages import (
    insights_page,
    page_period,
    pdf_response,
    render,
    timelines_for,
)

router = APIRouter(include_in_schema=False)


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
        request,
        "login.html",
        status_code=status_code,
        email=email,
        error=error,
        next_url=next_url,
        passphrase=request.app.state.settings.local_sign_in,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    settings = request.app.state.settings
    if not settings.clinic_mode and not settings.local_sign_in:
        return RedirectResponse("/", status_code=303)  # a local diary without a passphrase
    return _login_page(request, next_url=request.query_params.get("next", "/"))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    clinic: ClinicDep,
    people: AccountsDep,
    session: SessionDep,
    clock: ClockDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",  # nosec B107: a missing field, refused below
    next_url: Annotated[str, Form(alias="next")] = "/",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Sign in to a clinic account, or to a local diary with the server's passphrase (the
    form's ``password``)."""
    # A plain function: FastAPI runs it on a worker thread, so Argon2 and the database never
    # hold up the event loop (and with it every other request).
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = "/"  # only paths on this server
    if not csrf_token or not hmac.compare_digest(csrf_token, browser_csrf(request)):
        raise CsrfRejected("this form has expired; reload the page and try again")
    settings = request.app.state.settings
    if not settings.clinic_mode:
        if not settings.local_sign_in:
            return RedirectResponse("/", status_code=303)  # nothing to sign in to
        door = passphrase_of(session, request, clock)
        return _passphrase_login(request, door, password, next_url)
    refused = {"email": email[:254], "next_url": next_url}
    try:
        user = clinic.sign_in(email, password, address=client_ip(request))
    except InputError as exc:
        return _login_page(request, status_code=422, error=exc.problems[0].message, **refused)
    except TooManyAttempts as exc:
        return _login_page(request, status_code=429, error=str(exc), **refused)
    if user is None:
        return _login_page(
            request,
            status_code=401,
            error="That email and password do not match an active account.",
            **refused,
        )
    started = people.start(
        user,
        address=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        next_url="" if next_url == "/" else next_url,
    )
    target = started.target
    if started.stage == "code" and next_url != "/":
        target += f"?next={quote(next_url)}"
    return signed_in(request, started.token, target)


def signed_in(request: Request, token: str, target: str) -> Response:
    """Go to ``target`` with the session cookie of ``token``."""
    settings = request.app.state.settings
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


def _passphrase_login(
    request: Request, door: Passphrase, passphrase: str, next_url: str
) -> Response:
    try:
        token = door.sign_in(
            passphrase,
            address=client_ip(request),
            hours=request.app.state.settings.session_hours,
        )
    except TooManyAttempts as exc:
        return _login_page(request, status_code=429, error=str(exc), next_url=next_url)
    if token is None:
        return _login_page(
            request, status_code=401, error="That is not the passphrase.", next_url=next_url
        )
    return signed_in(request, token, next_url)


@router.post("/logout")
def logout(
    request: Request,
    clinic: ClinicDep,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    _: CsrfDep,
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token and request.app.state.settings.clinic_mode:
        clinic.end_session(token)
    elif token:
        passphrase_of(session, request, clock).sign_out(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- a patient's sharing page ------------------------------------------------------------


def _sharing_page(
    request: Request, clinic: ClinicDep, actor: ActorDep, code: str = ""
) -> HTMLResponse:
    shared = clinic.sharing(actor)
    return render(
        request,
        "sharing.html",
        code=code,
        access=shared.access,
        audit=shared.audit,
        codes=shared.codes,
    )


@router.get("/sharing", response_class=HTMLResponse)
def sharing(request: Request, clinic: ClinicDep, actor: ActorDep) -> HTMLResponse:
    return _sharing_page(request, clinic, actor)


@router.post("/sharing/invite", response_class=HTMLResponse)
def invite(request: Request, clinic: ClinicDep, actor: ActorDep, _: CsrfDep) -> HTMLResponse:
    return _sharing_page(request, clinic, actor, code=clinic.invite(actor))


@router.post("/sharing/withdraw/{invitation_id}", name="sharing_withdraw")
def withdraw(invitation_id: RowId, clinic: ClinicDep, actor: ActorDep, _: CsrfDep) -> Response:
    clinic.withdraw(actor, invitation_id)
    return RedirectResponse("/sharing", status_code=303)


@router.post("/sharing/revoke/{clinician_id}", name="sharing_revoke")
def revoke(clinician_id: RowId, clinic: ClinicDep, actor: ActorDep, _: CsrfDep) -> Response:
    clinic.revoke(actor, clinician_id)
    return RedirectResponse("/sharing", status_code=303)


# --- a clinician's dashboard ---------------------------------------------------------------


def _dashboard(
    request: Request,
    clinic: ClinicDep,
    actor: ActorDep,
    *,
    page: int = 1,
    after: PageKey | None = None,
    before: PageKey | None = None,
    error: str = "",
    status_code: int = 200,
    invite: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The clinician's patients, most urgent latest assessment first, 50 to a page; first,
    the episodes that need their attention."""
    listing = clinic.dashboard(actor, page=page, after=after, before=before, target="/clinician")
    return render(
        request,
        "clinician.html",
        listing=listing,
        error=error,
        status_code=status_code,
        invite=invite or {},
        seen=request.query_params.get("seen") == "1",
    )


@router.get("/clinician", response_class=HTMLResponse)
def dashboard(
    request: Request,
    clinic: ClinicDep,
    actor: ActorDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    after: Annotated[str, Query(max_length=64)] = "",
    before: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """A page of the clinician's patients: the first, the one after or before a place in
    the list (``after``/``before``, as the pages' links give it), or ``page`` counted from
    the first (links from before the pages had places)."""
    return _dashboard(
        request,
        clinic,
        actor,
        page=page,
        after=PageKey.parse(after, field="after") if after else None,
        before=PageKey.parse(before, field="before") if before else None,
    )


@router.post("/clinician/redeem", response_class=HTMLResponse)
def redeem(
    request: Request,
    clinic: ClinicDep,
    actor: ActorDep,
    _: CsrfDep,
    code: Annotated[str, Form()] = "",
) -> Response:
    try:
        patient_id = clinic.redeem(actor, code, address=client_ip(request))
    except InputError as exc:
        return _dashboard(request, clinic, actor, error=exc.problems[0].message, status_code=422)
    except TooManyAttempts as exc:
        return _dashboard(request, clinic, actor, error=str(exc), status_code=429)
    return RedirectResponse(path_for(request, "patient", patient_id=patient_id), status_code=303)


@router.post("/clinician/invite", response_class=HTMLResponse)
def invite_patient(
    request: Request,
    clinic: ClinicDep,
    people: AccountsDep,
    actor: ActorDep,
    _: CsrfDep,
    email: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """A clinician invites a new patient (who may share their diary with them as they join)."""
    try:
        invited = people.invite(actor, email, "patient")
    except InputError as exc:
        invite = {"email": email[:254], "error": exc.problems[0].message}
        return _dashboard(request, clinic, actor, invite=invite, status_code=422)
    except MailNotSent as exc:
        invite = {"email": email[:254], "error": str(exc)}
        return _dashboard(request, clinic, actor, invite=invite, status_code=503)
    return _dashboard(request, clinic, actor, invite={"done": invited})


@router.post("/clinician/attention/{alert_id}/seen")
def attention_seen(alert_id: RowId, clinic: ClinicDep, actor: ActorDep, _: CsrfDep) -> Response:
    clinic.mark_seen(actor, alert_id, target="/clinician")
    return RedirectResponse("/clinician?seen=1#attention", status_code=303)


SharedRead = Annotated[Diary, Depends(shared_diary(Action.read))]
SharedInsights = Annotated[Diary, Depends(shared_diary(Action.insights))]
SharedReport = Annotated[Diary, Depends(shared_diary(Action.report))]
SharedActivities = Annotated[Diary, Depends(shared_diary(Action.activities))]


@router.get("/clinician/patients/{patient_id}", response_class=HTMLResponse, name="patient")
def patient_view(request: Request, patient_id: RowId, diary: SharedRead) -> HTMLResponse:
    """A shared diary for its clinician: course, chart, and each episode with its level and a
    link to it, over the period asked for (6 months by default)."""
    shown = page_period(request, diary)
    page = patient_page(diary, shown.period)
    now = diary.clock.now()
    outcomes = Outcomes(diary)
    return render(
        request,
        "clinician_patient.html",
        status_code=shown.status,
        patient_id=patient_id,
        page=page,
        period=shown,
        timelines=timelines_for(page.episodes, shown, now),
        now=now,
        outcomes=outcomes.lines(),
        personal=outcomes.personal(),
        activities=outcomes.activities(),
    )


def _activities_page(
    request: Request,
    patient_id: int,
    diary: Diary,
    *,
    form: forms.FormState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    outcomes = Outcomes(diary)
    activities = outcomes.activities()
    if form is None:
        form = activities_form([a.name for a in activities])
    return render(
        request,
        "clinician_activities.html",
        status_code=status_code,
        patient_id=patient_id,
        patient_name=diary.name(),
        personal=outcomes.personal(),
        activities=activities,
        activity_fields=ACTIVITY_FIELDS,
        suggestions=outcomes.suggestions(),
        form=form,
    )


@router.get("/clinician/patients/{patient_id}/activities", response_class=HTMLResponse)
def patient_activities(
    request: Request, patient_id: RowId, diary: SharedActivities
) -> HTMLResponse:
    """The activities a shared patient rates at each check-in, for their clinician to set."""
    return _activities_page(request, patient_id, diary)


@router.post("/clinician/patients/{patient_id}/activities", response_class=HTMLResponse)
async def patient_activities_submit(
    request: Request, patient_id: RowId, diary: SharedActivities, actor: ActorDep, _: CsrfDep
) -> Response:
    values = forms.read_form(await request.form())
    try:
        Outcomes(diary).set_activities(
            activity_names(values), by=actor.user.id if actor.user is not None else None
        )
    except InputError as exc:
        form = forms.FormState(values=values, errors=activity_errors(exc))
        return _activities_page(request, patient_id, diary, form=form, status_code=422)
    patient = path_for(request, "patient", patient_id=patient_id)
    return RedirectResponse(f"{patient}#outcomes-h", status_code=303)


@router.get("/clinician/patients/{patient_id}/episodes/{episode_id}", response_class=HTMLResponse)
def patient_episode(
    request: Request, patient_id: RowId, episode_id: RowId, diary: SharedRead
) -> HTMLResponse:
    """One episode of a shared diary, read-only: what was recorded, and its check."""
    episode = diary.episode(episode_id)
    return render(
        request,
        "clinician_episode.html",
        patient_id=patient_id,
        patient_name=diary.name(),
        episode=episode,
        result=diary.assess(episode),
        now=diary.clock.now(),
    )


@router.get("/clinician/patients/{patient_id}/insights", response_class=HTMLResponse)
def patient_insights(request: Request, patient_id: RowId, diary: SharedInsights) -> HTMLResponse:
    return insights_page(
        request,
        diary,
        base=path_for(request, "patient_insights", patient_id=patient_id),
        report=path_for(request, "patient_report", patient_id=patient_id),
        heading=diary.name(),
        back=path_for(request, "patient", patient_id=patient_id),
    )


@router.get("/clinician/patients/{patient_id}/report.pdf")
def patient_report(request: Request, patient_id: RowId, diary: SharedReport) -> Response:
    period = diary.period(request.query_params.get("from"), request.query_params.get("to"))
    return pdf_response(diary.report(period), f"neckcheck-patient-{patient_id}.pdf")
