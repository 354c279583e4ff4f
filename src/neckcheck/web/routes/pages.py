"""Pages for people: server-rendered HTML that works without JavaScript."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neckcheck.diary import assess_episode
from neckcheck.domain import EpisodeCreate, EpisodeUpdate
from neckcheck.errors import InputError
from neckcheck.storage import repo
from neckcheck.web import charts, forms
from neckcheck.web.deps import PatientDep, SessionDep

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
    request: Request, state: forms.FormState, *, action: str, title: str, status_code: int = 200
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
    )


@router.get("/log", response_class=HTMLResponse)
def log_form(request: Request) -> HTMLResponse:
    return _form_page(request, forms.new_form(_now()), action="/log", title="Log a spasm")


@router.post("/log", response_class=HTMLResponse)
async def log_submit(request: Request, session: SessionDep, patient: PatientDep) -> Response:
    values = forms.read_form(await request.form())
    try:
        data = forms.validate(EpisodeCreate, forms.to_payload(values, now=_now()))
    except InputError as exc:
        state = forms.FormState(values=values, errors=forms.errors_by_field(exc))
        return _form_page(request, state, action="/log", title="Log a spasm", status_code=422)
    episode = repo.create_episode(session=session, patient_id=patient, data=data)
    return _see_other(f"/episodes/{episode.id}")


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
def episode_page(
    request: Request, episode_id: int, session: SessionDep, patient: PatientDep
) -> HTMLResponse:
    episode = repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)
    result = assess_episode(session=session, patient_id=patient, episode=episode, now=_now())
    return render(request, "assessment.html", episode=episode, result=result, now=_now())


@router.post("/episodes/{episode_id}/end")
def end_episode(episode_id: int, session: SessionDep, patient: PatientDep) -> Response:
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
    request: Request, episode_id: int, session: SessionDep, patient: PatientDep
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
    request: Request, episode_id: int, session: SessionDep, patient: PatientDep
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
    request: Request, episode_id: int, session: SessionDep, patient: PatientDep
) -> HTMLResponse:
    episode = repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)
    return render(request, "delete.html", episode=episode)


@router.post("/episodes/{episode_id}/delete")
def delete_submit(episode_id: int, session: SessionDep, patient: PatientDep) -> Response:
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


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, session: SessionDep, patient: PatientDep) -> HTMLResponse:
    errors: dict[str, str] = {}
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    today = _now().date()
    last = _parse_day(raw_to, "to", errors) or today
    first = _parse_day(raw_from, "from", errors) or last - timedelta(days=181)
    if first > last:
        errors["from"] = "must not be after the end date"
        first = last - timedelta(days=181)
    zone = _now().tzinfo
    episodes = repo.list_episodes(
        session=session,
        patient_id=patient,
        start=datetime.combine(first, datetime.min.time(), tzinfo=zone),
        end=datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone),
    )
    return render(
        request,
        "history.html",
        episodes=episodes,
        first=first,
        last=last,
        errors=errors,
        raw_from=raw_from or first.isoformat(),
        raw_to=raw_to or last.isoformat(),
        calendar=charts.calendar(episodes, first=first, last=last),
        timeline=charts.timeline(episodes, first=first, last=last, now=_now()),
        now=_now(),
    )


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request) -> HTMLResponse:
    return render(request, "learn.html")
