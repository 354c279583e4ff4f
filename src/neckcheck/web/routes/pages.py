"""Pages for people: server-rendered HTML that works without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from neckcheck.diary import assess_episode, clinician_report
from neckcheck.domain import EpisodeCreate, EpisodeUpdate
from neckcheck.errors import InputError, NotFoundError
from neckcheck.storage import repo
from neckcheck.web import charts, forms
from neckcheck.web.deps import CsrfDep, PatientDep, RowId, SessionDep

router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, name, context, status_code=status_code
    )
    return response


def _now() -> datetime:
    return datetime.now(UTC).astimezone()


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, patient: PatientDep) -> HTMLResponse:
    recent = repo.list_episodes(session=session, patient_id=patient, limit=50)
    ongoing = [episode for episode in recent if episode.ongoing]
    latest = recent[0] if recent else None
    result = (
        assess_episode(session=session, patient_id=patient, episode=latest, now=_now())
        if latest
        else None
    )
    return render(request, "home.html", latest=latest, result=result, ongoing=ongoing, now=_now())


def _form_page(
    request: Request,
    state: forms.FormState,
    *,
    action: str,
    title: str,
    status_code: int = 200,
    understood: Any = None,
) -> HTMLResponse:
    return render(
        request,
        "log.html",
        status_code=status_code,
        form=state,
        action=action,
        title=title,
        symptoms=forms.symptom_findings(),
        questions=forms.question_findings(),
        understood=understood,
    )


@router.get("/log", response_class=HTMLResponse)
def log_form(request: Request, patient: PatientDep) -> HTMLResponse:
    return _form_page(request, forms.new_form(_now()), action="/log", title="Log a spasm")


@router.post("/log", response_class=HTMLResponse)
async def log_submit(
    request: Request, session: SessionDep, patient: PatientDep, _: CsrfDep
) -> Response:
    values = forms.read_form(await request.form())
    try:
        data = forms.validate(EpisodeCreate, forms.to_payload(values, now=_now()))
    except InputError as exc:
        state = forms.FormState(values=values, errors=forms.errors_by_field(exc))
        return _form_page(request, state, action="/log", title="Log a spasm", status_code=422)
    episode = repo.create_episode(session=session, patient_id=patient, data=data)
    return _see_other(f"/episodes/{episode.id}")


@router.post("/log/describe", response_class=HTMLResponse)
async def log_describe(request: Request, patient: PatientDep, _: CsrfDep) -> HTMLResponse:
    """Pre-fill the form from a description; nothing is saved until the form is sent."""
    from neckcheck.nlp import extract

    text = str((await request.form()).get("describe", "")).strip()[:2000]
    if not text:
        state = forms.new_form(_now())
        state.errors["describe"] = "write a few words about the spasm first"
        return _form_page(request, state, action="/log", title="Log a spasm", status_code=422)
    result = extract(text, now=_now())
    state = forms.from_extraction(result, text=text, now=_now())
    return _form_page(request, state, action="/log", title="Log a spasm", understood=result)


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
def episode_page(
    request: Request, episode_id: RowId, session: SessionDep, patient: PatientDep
) -> HTMLResponse:
    episode = repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)
    result = assess_episode(session=session, patient_id=patient, episode=episode, now=_now())
    return render(request, "assessment.html", episode=episode, result=result, now=_now())


@router.post("/episodes/{episode_id}/end")
def end_episode(
    episode_id: RowId, session: SessionDep, patient: PatientDep, _: CsrfDep
) -> Response:
    episode = repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)
    if episode.ongoing:
        repo.update_episode(
            session=session,
            patient_id=patient,
            episode_id=episode_id,
            changes=EpisodeUpdate(ended_at=_now()),
        )
    return _see_other("/")


@router.get("/episodes/{episode_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, episode_id: RowId, session: SessionDep, patient: PatientDep
) -> HTMLResponse:
    episode = repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)
    return _form_page(
        request,
        forms.from_episode(episode),
        action=f"/episodes/{episode_id}/edit",
        title="Edit episode",
    )


@router.post("/episodes/{episode_id}/edit", response_class=HTMLResponse)
async def edit_submit(
    request: Request, episode_id: RowId, session: SessionDep, patient: PatientDep, _: CsrfDep
) -> Response:
    repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)
    values = forms.read_form(await request.form())
    try:
        changes = forms.validate(EpisodeUpdate, forms.to_payload(values, now=_now()))
        repo.update_episode(
            session=session, patient_id=patient, episode_id=episode_id, changes=changes
        )
    except InputError as exc:
        state = forms.FormState(
            values=values, errors=forms.errors_by_field(forms.as_form_error(exc))
        )
        return _form_page(
            request,
            state,
            action=f"/episodes/{episode_id}/edit",
            title="Edit episode",
            status_code=422,
        )
    return _see_other(f"/episodes/{episode_id}")


@router.get("/episodes/{episode_id}/delete", response_class=HTMLResponse)
def delete_confirm(
    request: Request, episode_id: RowId, session: SessionDep, patient: PatientDep
) -> HTMLResponse:
    episode = repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)
    return render(request, "delete.html", episode=episode)


@router.post("/episodes/{episode_id}/delete")
def delete_submit(
    episode_id: RowId, session: SessionDep, patient: PatientDep, _: CsrfDep
) -> Response:
    repo.delete_episode(session=session, patient_id=patient, episode_id=episode_id)
    return _see_other("/history")


def _parse_day(text: str | None, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "must be a date such as 2026-05-01"
        return None


@dataclass(frozen=True)
class Period:
    """The date range a page shows, from ``?from=&to=`` (default: the last 182 days)."""

    first: date
    last: date
    raw_from: str
    raw_to: str
    errors: dict[str, str]

    def bounds(self) -> tuple[datetime, datetime]:
        zone = _now().tzinfo
        return (
            datetime.combine(self.first, time(), tzinfo=zone),
            datetime.combine(self.last + timedelta(days=1), time(), tzinfo=zone),
        )

    @property
    def query(self) -> str:
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"


def _period(request: Request) -> Period:
    errors: dict[str, str] = {}
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    last = _parse_day(raw_to, "to", errors) or _now().date()
    first = _parse_day(raw_from, "from", errors) or last - timedelta(days=181)
    if first > last:
        errors["from"] = "must not be after the end date"
        first = last - timedelta(days=181)
    return Period(first, last, raw_from or first.isoformat(), raw_to or last.isoformat(), errors)


def report_period(request: Request) -> Period:
    """The period a report covers; a bad date is a 422 naming the field."""
    period = _period(request)
    if period.errors:
        field, message = next(iter(period.errors.items()))
        raise InputError(message, field=field)
    return period


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, session: SessionDep, patient: PatientDep) -> HTMLResponse:
    period = _period(request)
    start, end = period.bounds()
    episodes = repo.list_episodes(session=session, patient_id=patient, start=start, end=end)
    return render(
        request,
        "history.html",
        episodes=episodes,
        period=period,
        calendar=charts.calendar(episodes, first=period.first, last=period.last),
        timeline=charts.timeline(episodes, first=period.first, last=period.last, now=_now()),
        now=_now(),
    )


@router.get("/insights", response_class=HTMLResponse)
def insights(request: Request, session: SessionDep, patient: PatientDep) -> HTMLResponse:
    return insights_page(request, session, patient, base="/insights", report="/report.pdf")


def insights_page(
    request: Request,
    session: Session,
    patient_id: int,
    *,
    base: str,
    report: str,
    heading: str = "",
    back: str = "",
) -> HTMLResponse:
    """Course, timeline, triggers and remedies of one diary over the chosen period.

    ``base`` is the page's own path (the period form sends there), ``report`` the PDF's.
    A clinician's view has a ``heading`` (the patient's name) and a way ``back``; the
    patient's own view offers the exports instead.
    """
    from neckcheck.patterns import course, remedy_stats, trigger_stats

    period = _period(request)
    start, end = period.bounds()
    episodes = repo.list_episodes(
        session=session, patient_id=patient_id, start=start, end=end, newest_first=False
    )
    # Diary-only answers, kept per diary version (the course depends on the clock).
    triggers, remedies = repo.kept(
        session,
        patient_id,
        ("statistics", start, end),
        lambda: (trigger_stats(episodes), remedy_stats(episodes)),
    )
    return render(
        request,
        "insights.html",
        base=base,
        report=report,
        heading=heading,
        back=back,
        period=period,
        episodes=episodes,
        course=course(episodes, now=_now(), first=period.first, last=period.last),
        triggers=triggers,
        remedies=remedies,
        charts=charts,
        timeline=charts.timeline(episodes, first=period.first, last=period.last, now=_now()),
    )


@router.get("/report.pdf")
def report_pdf(request: Request, session: SessionDep, patient: PatientDep) -> Response:
    period = report_period(request)
    document = clinician_report(
        session=session, patient_id=patient, first=period.first, last=period.last, now=_now()
    )
    name = f"neckcheck-report-{period.first}-to-{period.last}.pdf"
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


_EXPORTS = {"json": "application/json", "csv": "text/csv", "fhir": "application/fhir+json"}


@router.get("/export/{kind}")
def export(kind: str, session: SessionDep, patient: PatientDep) -> Response:
    from neckcheck.interop import fhir, plain

    if kind not in _EXPORTS:
        raise NotFoundError(f"no export called {kind!r}; try json, csv or fhir")
    episodes = repo.list_episodes(session=session, patient_id=patient, newest_first=False)
    if kind == "json":
        body = plain.export_json(episodes)
    elif kind == "csv":
        body = plain.export_csv(episodes)
    else:
        name = repo.patient_name(session=session, patient_id=patient)
        body = fhir.export_bundle(episodes, patient_name=name, patient_id=patient)
    suffix = {"json": "json", "csv": "csv", "fhir": "fhir.json"}[kind]
    return Response(
        body,
        media_type=_EXPORTS[kind],
        headers={"Content-Disposition": f'attachment; filename="neckcheck-diary.{suffix}"'},
    )


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request) -> HTMLResponse:
    return render(request, "learn.html")
