"""Pages for people: server-rendered HTML that works without JavaScript.

Each route reads its input, calls the diary (``services.diary``) and renders a template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from neckcheck import charts
from neckcheck.domain import Episode, EpisodeCreate, EpisodeUpdate, Profile
from neckcheck.errors import InputError, NotFoundError
from neckcheck.knowledge import load
from neckcheck.services.access import Action
from neckcheck.services.diary import Diary
from neckcheck.services.interview import Interview
from neckcheck.services.outcomes import Outcomes
from neckcheck.timeparse import Period, parse_day
from neckcheck.web import forms
from neckcheck.web.deps import CsrfDep, InsightsDiary, ReadDiary, RowId, WriteDiary, own_diary
from neckcheck.web.paths import path_for

router = APIRouter(include_in_schema=False)

ReportDiary = Annotated[Diary, Depends(own_diary(Action.report))]
ExportDiary = Annotated[Diary, Depends(own_diary(Action.export))]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, name, context, status_code=status_code
    )
    return response


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, diary: ReadDiary) -> HTMLResponse:
    return _home(request, diary)


def _home(
    request: Request, diary: Diary, *, status_code: int = 200, errors: dict[str, str] | None = None
) -> HTMLResponse:
    today = diary.today()
    return render(
        request,
        "home.html",
        status_code=status_code,
        stopped=_just_stopped(request, diary),
        latest=today.latest,
        result=today.result,
        ongoing=today.ongoing,
        today=today,
        errors=errors or {},
        emergency_number=emergency_number(request, diary),
        now=diary.clock.now(),
        check_in_due=Outcomes(diary).due(),
    )


def _just_stopped(request: Request, diary: Diary) -> Episode | None:
    """The episode "It stopped" has just ended (``?stopped=ID``), to say how long it lasted."""
    raw = request.query_params.get("stopped", "")
    if not raw.isdigit() or len(raw) > 9:
        return None
    try:
        episode = diary.episode(int(raw))
    except NotFoundError:
        return None
    return None if episode.ongoing else episode


def _form_day(values: Any) -> date | None:
    """The day a form on Today names (the day the page showed), or None for today."""
    raw = str(values.get("day", "")).strip()
    return parse_day(raw, field="day") if raw else None


@router.post("/no-spasm", response_class=HTMLResponse)
async def no_spasm(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    """No spasm today: the day the page showed is recorded as pain-free."""
    return await _on_the_day(request, diary, diary.no_spasm)


@router.post("/no-spasm/undo", response_class=HTMLResponse)
async def no_spasm_undo(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    return await _on_the_day(request, diary, diary.undo_no_spasm)


async def _on_the_day(request: Request, diary: Diary, change: Callable[[Any], object]) -> Response:
    """Apply ``change`` to the day the form names, then back to Today (or Today with the
    error beside the field)."""
    try:
        change(_form_day(await request.form()))
    except InputError as exc:
        return _home(request, diary, status_code=422, errors=forms.errors_by_field(exc))
    return _see_other("/")


@router.post("/timer", response_class=HTMLResponse)
async def start_timer(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    """Spasm right now: an episode that starts now, with only how bad it is; the check
    follows, and Today shows how long it has lasted until "It stopped"."""
    values = forms.read_form(await request.form())
    try:
        raw = str(values.get("intensity", "")).strip()
        if not raw:
            raise InputError("choose how bad the pain is, 0 to 10", field="intensity")
        data = forms.validate(EpisodeCreate, {"started_at": diary.clock.now(), "intensity": raw})
        episode = diary.log(data)
    except InputError as exc:
        return _home(request, diary, status_code=422, errors=forms.errors_by_field(exc))
    return _see_other(path_for(request, "episode_check", episode_id=episode.id))


def _form_page(
    request: Request,
    state: forms.FormState,
    diary: Diary,
    *,
    action: str,
    title: str,
    status_code: int = 200,
    understood: Any = None,
) -> HTMLResponse:
    lines: list[tuple[str, str]] = []
    if understood is not None:
        from neckcheck.nlp.summary import understood as summary

        lines = summary(understood)
    return render(
        request,
        "log.html",
        status_code=status_code,
        form=state,
        action=action,
        title=title,
        editing=action != "/log",
        ask_birth_year=diary.profile().birth_year is None,
        symptoms=forms.symptom_findings(),
        questions=forms.question_findings(),
        understood=understood,
        understood_lines=lines,
    )


@router.get("/log", response_class=HTMLResponse)
def log_form(request: Request, diary: WriteDiary) -> HTMLResponse:
    now = diary.clock.now()
    return _form_page(request, forms.new_form(now), diary, action="/log", title="Log a spasm")


def _birth_year(values: dict[str, Any]) -> Profile | None:
    """The year of birth the log form asks once (a profile with it, or None if not given)."""
    raw = str(values.get("birth_year", "")).strip()
    if not raw:
        return None
    born: Profile = forms.validate(Profile, {"birth_year": raw})
    return born


@router.post("/log", response_class=HTMLResponse)
async def log_submit(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    values = forms.read_form(await request.form())
    # Sent by script (see static/offline.js): a key that makes sending the form again safe,
    # and the moment Save was pressed, for a form kept on the phone and sent later.
    key = str(values.get("idempotency_key", "")).strip() or None
    if key is not None and (earlier := diary.sent_with(key)) is not None:
        return _see_other(path_for(request, "episode_check", episode_id=earlier.id))
    now = forms.saved_moment(values, now=diary.clock.now())
    try:
        born = _birth_year(values)
        data = forms.validate(EpisodeCreate, forms.to_payload(values, now=now))
        if born is not None:
            diary.set_profile(diary.profile().model_copy(update={"birth_year": born.birth_year}))
        episode = diary.log(data) if key is None else diary.log_once(data, key).episode
    except InputError as exc:
        state = forms.FormState(
            values=values, errors=forms.errors_by_field(forms.as_form_error(exc))
        )
        return _form_page(
            request, state, diary, action="/log", title="Log a spasm", status_code=422
        )
    return _see_other(path_for(request, "episode_check", episode_id=episode.id))


@router.get("/episodes/{episode_id}/check", response_class=HTMLResponse, name="episode_check")
def check_page(request: Request, episode_id: RowId, diary: WriteDiary) -> Response:
    """The interview: the next group of questions that could make this episode urgent or an
    emergency, until none is left; then the result."""
    interview = Interview(diary, episode_id)
    step = interview.step()
    if step is None:
        return _see_other(path_for(request, "episode", episode_id=episode_id))
    return render(
        request,
        "check.html",
        episode=interview.episode(),
        step=step,
        mentions=interview.mentions(),
        error=request.query_params.get("error", ""),
    )


@router.post("/episodes/{episode_id}/check", name="episode_check_submit")
async def check_submit(
    request: Request, episode_id: RowId, diary: WriteDiary, _: CsrfDep
) -> Response:
    """One step's answers (``answer_<question>``: yes or no, the onset, an age), "None of
    these" or "Skip the rest", read by the interview; then the next step."""
    form = await request.form()
    interview = Interview(diary, episode_id)
    if form.get("decline"):
        interview.decline()
        return _see_other(path_for(request, "episode", episode_id=episode_id))
    step = interview.step()
    if step is None:
        return _see_other(path_for(request, "episode", episode_id=episode_id))
    raw = {name: form.get(f"answer_{name}", "") for name in step.questions}
    try:
        interview.answer(raw, none_of_these=bool(form.get("none")))
    except InputError:
        check = path_for(request, "episode_check", episode_id=episode_id)
        return _see_other(f"{check}?error=answer")
    return _see_other(path_for(request, "episode_check", episode_id=episode_id))


@router.post("/log/describe", response_class=HTMLResponse)
async def log_describe(request: Request, diary: WriteDiary, _: CsrfDep) -> HTMLResponse:
    """Pre-fill the form from a description; nothing is saved until the form is sent."""
    from neckcheck.nlp import extract

    now = diary.clock.now()
    text = str((await request.form()).get("describe", "")).strip()[:2000]
    if not text:
        state = forms.new_form(now)
        state.errors["describe"] = "write a few words about the spasm first"
        return _form_page(
            request, state, diary, action="/log", title="Log a spasm", status_code=422
        )
    result = extract(text, now=now)
    state = forms.from_extraction(
        result, text=text, now=now, ask_birth_year=diary.profile().birth_year is None
    )
    return _form_page(request, state, diary, action="/log", title="Log a spasm", understood=result)


def emergency_number(request: Request, diary: Diary) -> str:
    """The person's emergency number, or the one of their browser's region."""
    chosen = diary.profile().emergency_number
    if chosen:
        return chosen
    return load().labels.emergency_number(_region(request.headers.get("accept-language", "")))


def _region(accept_language: str) -> str | None:
    """The region of the browser's first language (``en-GB`` -> ``GB``), if it names one."""
    from babel import Locale, UnknownLocaleError

    first = accept_language.split(",", 1)[0].split(";", 1)[0].strip()
    try:
        return Locale.parse(first, sep="-").territory if first else None
    except (ValueError, UnknownLocaleError):
        return None


@router.get("/episodes/{episode_id}", response_class=HTMLResponse, name="episode")
def episode_page(request: Request, episode_id: RowId, diary: ReadDiary) -> HTMLResponse:
    episode = diary.episode(episode_id)
    result = diary.assess(episode)
    not_checked = []
    if not result.complete:
        open_ = set(result.unanswered)
        not_checked = [g for g in load().screening.groups if open_ & set(g.findings)]
    return render(
        request,
        "assessment.html",
        episode=episode,
        result=result,
        not_checked=not_checked,
        emergency_number=emergency_number(request, diary),
        now=diary.clock.now(),
        watchers=diary.watchers() if request.app.state.settings.clinic_mode else [],
        alert_hours=request.app.state.settings.alert_hours.strip(),
    )


@router.post("/episodes/{episode_id}/end", name="episode_end")  # the API has end_episode
def end_episode(request: Request, episode_id: RowId, diary: WriteDiary, _: CsrfDep) -> Response:
    diary.end(episode_id)
    return _see_other(f"{path_for(request, 'home')}?stopped={episode_id}")


@router.get("/episodes/{episode_id}/edit", response_class=HTMLResponse, name="episode_edit")
def edit_form(request: Request, episode_id: RowId, diary: WriteDiary) -> HTMLResponse:
    return _form_page(
        request,
        forms.from_episode(diary.episode(episode_id)),
        diary,
        action=path_for(request, "episode_edit_submit", episode_id=episode_id),
        title="Edit episode",
    )


@router.post("/episodes/{episode_id}/edit", response_class=HTMLResponse, name="episode_edit_submit")
async def edit_submit(
    request: Request, episode_id: RowId, diary: WriteDiary, _: CsrfDep
) -> Response:
    diary.episode(episode_id)  # a missing episode is a 404, before the form is read
    values = forms.read_form(await request.form())
    try:
        changes = forms.validate(EpisodeUpdate, forms.to_payload(values, now=diary.clock.now()))
        diary.edit(episode_id, changes)
    except InputError as exc:
        state = forms.FormState(
            values=values, errors=forms.errors_by_field(forms.as_form_error(exc))
        )
        return _form_page(
            request,
            state,
            diary,
            action=path_for(request, "episode_edit_submit", episode_id=episode_id),
            title="Edit episode",
            status_code=422,
        )
    return _see_other(path_for(request, "episode", episode_id=episode_id))


@router.get("/episodes/{episode_id}/delete", response_class=HTMLResponse, name="episode_delete")
def delete_confirm(request: Request, episode_id: RowId, diary: WriteDiary) -> HTMLResponse:
    return render(request, "delete.html", episode=diary.episode(episode_id))


@router.post("/episodes/{episode_id}/delete", name="episode_delete_submit")
def delete_submit(episode_id: RowId, diary: WriteDiary, _: CsrfDep) -> Response:
    diary.delete(episode_id)
    return _see_other("/history")


@dataclass(frozen=True)
class PeriodForm:
    """The period a page shows and its filter form: what was typed, and what was wrong (the
    page then shows its default period)."""

    period: Period
    raw_from: str
    raw_to: str
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """422 when the typed period was refused (the page still shows its default)."""
        return 422 if self.errors else 200

    @property
    def first(self) -> Any:
        return self.period.first

    @property
    def last(self) -> Any:
        return self.period.last

    @property
    def query(self) -> str:
        return self.period.query


def page_period(request: Request, diary: Diary) -> PeriodForm:
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    try:
        period = diary.period(raw_from, raw_to)
    except InputError as exc:
        errors = {problem.field: problem.message for problem in exc.problems}
        period = diary.default_period()
        return PeriodForm(period, raw_from or "", raw_to or "", errors)
    return PeriodForm(
        period, raw_from or period.first.isoformat(), raw_to or period.last.isoformat()
    )


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, diary: ReadDiary) -> HTMLResponse:
    shown = page_period(request, diary)
    signs_only = request.query_params.get("signs") == "1"
    checked = diary.checks(shown.period, warnings_only=signs_only)
    episodes = [episode for episode, _ in checked]
    now = diary.clock.now()
    return render(
        request,
        "history.html",
        status_code=shown.status,
        checked=checked,
        episodes=episodes,
        signs_only=signs_only,
        period=shown,
        calendar=charts.calendar(episodes, first=shown.first, last=shown.last),
        timelines=timelines_for(episodes, shown, now),
        now=now,
    )


def timelines_for(episodes: list[Episode], shown: PeriodForm, now: Any) -> list[Any]:
    """The timeline laid out for a phone and for a wider screen."""
    return [
        charts.timeline(episodes, first=shown.first, last=shown.last, now=now, width=width)
        for width in (charts.NARROW, charts.WIDE)
    ]


def insights_page(
    request: Request, diary: Diary, *, base: str, report: str, heading: str = "", back: str = ""
) -> HTMLResponse:
    """Course, timeline, triggers and remedies of one diary over the chosen period.

    ``base`` is the page's own path (the period form sends there), ``report`` the PDF's.
    A clinician's view has a ``heading`` (the patient's name) and a way ``back``; the
    patient's own view offers the exports instead.
    """
    shown = page_period(request, diary)
    found = diary.insights(shown.period)
    return render(
        request,
        "insights.html",
        status_code=shown.status,
        base=base,
        report=report,
        heading=heading,
        back=back,
        period=shown,
        episodes=found.episodes,
        course=found.course,
        triggers=found.triggers,
        remedies=found.remedies,
        charts=charts,
        timelines=timelines_for(found.episodes, shown, diary.clock.now()),
        now=diary.clock.now(),
        progress=Outcomes(diary).lines(baseline=_baseline(request)),
    )


def _baseline(request: Request) -> int | None:
    """The check-in the change is counted from (``?baseline=ID``); the first by default."""
    raw = request.query_params.get("baseline", "")
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


@router.get("/insights", response_class=HTMLResponse)
def insights(request: Request, diary: InsightsDiary) -> HTMLResponse:
    return insights_page(request, diary, base="/insights", report="/report.pdf")


def pdf_response(document: bytes, filename: str) -> Response:
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/report.pdf")
def report_pdf(request: Request, diary: ReportDiary) -> Response:
    period = diary.period(request.query_params.get("from"), request.query_params.get("to"))
    return pdf_response(
        diary.report(period), f"neckcheck-report-{period.first}-to-{period.last}.pdf"
    )


@router.get("/export/{kind}", name="export")
def export(request: Request, kind: str, diary: ExportDiary) -> Response:
    """The diary as a download; with ``from``/``to``, the episodes of that period (as the
    Insights page beside the links shows), else all of them."""
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    period = diary.period(raw_from, raw_to) if raw_from or raw_to else None
    try:
        exported = diary.export(kind, period=period)
    except InputError as exc:
        raise NotFoundError(exc.problems[0].message) from None
    # Sent as it is made (a FHIR Bundle of a large diary is made an episode at a time).
    return StreamingResponse(
        iter(exported.chunks),
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@router.get("/profile", response_class=HTMLResponse)
def profile_page(request: Request, diary: WriteDiary) -> HTMLResponse:
    return profile_response(request, diary, saved=request.query_params.get("saved") == "1")


def profile_response(
    request: Request,
    diary: Diary,
    *,
    form: forms.FormState | None = None,
    saved: bool = False,
    calendar: Any = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The profile page, with its calendar section (the feed of reminders)."""
    from neckcheck.web.routes.reminders import calendar_section

    if form is None:
        profile = diary.profile()
        form = forms.FormState(
            values={
                "name": diary.name(),
                "birth_year": "" if profile.birth_year is None else str(profile.birth_year),
                "time_zone": profile.time_zone or "",
                "emergency_number": profile.emergency_number or "",
            }
        )
    return render(
        request,
        "profile.html",
        status_code=status_code,
        form=form,
        suggested_number=emergency_number(request, diary),
        saved=saved,
        calendar=calendar or calendar_section(request, diary),
    )


@router.post("/profile", response_class=HTMLResponse)
async def profile_submit(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    values = forms.read_form(await request.form())
    data = {
        name: str(values.get(name, "")).strip() or None
        for name in ("birth_year", "time_zone", "emergency_number")
    }
    try:
        diary.set_profile(forms.validate(Profile, data))
        if "name" in values:
            diary.rename(str(values["name"]))
    except InputError as exc:
        return profile_response(
            request,
            diary,
            status_code=422,
            form=forms.FormState(values=values, errors=forms.errors_by_field(exc)),
        )
    return _see_other("/profile?saved=1")


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request) -> HTMLResponse:
    return render(request, "learn.html")


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The JSON API's interactive documentation, from /openapi.json."""
    return render(request, "api_docs.html")
