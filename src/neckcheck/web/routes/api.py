"""The JSON API under /api/v1. Errors are 4xx with a body naming the field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from neckcheck.domain import (
    Assessment,
    Episode,
    EpisodeCreate,
    EpisodeUpdate,
    Findings,
    PainFreeDay,
)
from neckcheck.patterns.outcomes import CheckIn, score
from neckcheck.services.assess import assess_document
from neckcheck.services.diary import KEY_PATTERN
from neckcheck.services.outcomes import Outcomes
from neckcheck.timeparse import parse_day
from neckcheck.web.deps import (
    MAX_ROW_ID,
    ActorDep,
    ClockDep,
    InsightsDiary,
    ReadDiary,
    RowId,
    SessionDep,
    WriteDiary,
    client_ip,
)
from neckcheck.web.errors import ErrorBody

router = APIRouter(prefix="/api/v1", tags=["api"])


def _error(description: str) -> dict[str, Any]:
    """An error answer in the OpenAPI description: every one has the body of ErrorBody."""
    return {"model": ErrorBody, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The body is not JSON"),
    404: _error("No such episode or check-in"),
    422: _error("Invalid input; `detail` lists each field and what is wrong"),
}
_DAY: dict[str, Any] = {"examples": ["2026-05-01"], "json_schema_extra": {"format": "date"}}
# The period of a summary (course, pain-free days): ?from= and ?to=, in the person's days.
FromDay = Annotated[
    str | None,
    Query(alias="from", description="First day (YYYY-MM-DD); default: 6 months ago", **_DAY),
]
ToDay = Annotated[
    str | None, Query(alias="to", description="Last day (YYYY-MM-DD); default: today", **_DAY)
]


@router.get("/health")
def health() -> dict[str, str]:
    from neckcheck import __version__

    return {"status": "ok", "version": __version__}


@router.get("/episodes", responses=ERRORS)
def list_episodes(
    diary: ReadDiary,
    start: Annotated[
        str | None,
        Query(alias="from", description="First day (YYYY-MM-DD, the person's time zone)", **_DAY),
    ] = None,
    end: Annotated[
        str | None,
        Query(alias="to", description="Last day (YYYY-MM-DD, the person's time zone)", **_DAY),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> list[Episode]:
    """Episodes, newest first."""
    period = None
    if start is not None or end is not None:
        period = diary.period(start, end, default_days=None, max_days=None, blank_is_missing=False)
    return diary.episodes(period, limit=limit)


IDEMPOTENCY_KEY = "Idempotency-Key"
_REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {
        "model": Episode,
        "description": f"Sent before with this `{IDEMPOTENCY_KEY}`: the episode that send "
        "created; nothing was added",
    },
    404: _error(f"The episode first sent with this `{IDEMPOTENCY_KEY}` was deleted"),
}


@router.post("/episodes", status_code=status.HTTP_201_CREATED, responses={**ERRORS, **_REPLAYED})
def create_episode(
    data: EpisodeCreate,
    diary: WriteDiary,
    response: Response,
    key: Annotated[
        str | None,
        Header(
            alias=IDEMPOTENCY_KEY,
            pattern=KEY_PATTERN,
            description="A key of the client's choosing (a UUID) that makes sending the "
            "episode again safe: the first send with it creates the episode (201), and "
            "every later one answers with that episode (200) and adds nothing.",
        ),
    ] = None,
) -> Episode:
    """Add an episode. A client that may send it twice (after a timeout, from an offline
    queue) sends an `Idempotency-Key`."""
    if key is None:
        return diary.log(data)
    logged = diary.log_once(data, key, field=IDEMPOTENCY_KEY)
    if not logged.created:
        response.status_code = status.HTTP_200_OK
    return logged.episode


@router.get("/episodes/{episode_id}", responses=ERRORS)
def get_episode(episode_id: RowId, diary: ReadDiary) -> Episode:
    return diary.episode(episode_id)


@router.patch("/episodes/{episode_id}", responses=ERRORS)
def update_episode(episode_id: RowId, changes: EpisodeUpdate, diary: WriteDiary) -> Episode:
    return diary.edit(episode_id, changes)


@router.post("/episodes/{episode_id}/end", responses=ERRORS)
def end_episode(episode_id: RowId, diary: WriteDiary) -> Episode:
    """It stopped: an episode still going on ends now (one that has ended stays as it is)."""
    return diary.end(episode_id)


@router.delete("/episodes/{episode_id}", status_code=204, responses=ERRORS)
def delete_episode(episode_id: RowId, diary: WriteDiary) -> Response:
    diary.delete(episode_id)
    return Response(status_code=204)


@router.get("/episodes/{episode_id}/assessment", responses=ERRORS)
def episode_assessment(episode_id: RowId, diary: ReadDiary) -> Assessment:
    return diary.assess(diary.episode(episode_id))


_ASSESS_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("Not signed in (with a passphrase or a clinic account)"),
    429: _error("Too many assessments this minute, from this person or address"),
}


@router.post("/assess", responses={**ERRORS, **_ASSESS_ERRORS})
def assess_findings(
    doc: Findings, request: Request, session: SessionDep, actor: ActorDep, clock: ClockDep
) -> Assessment:
    """Assess a findings document (see `neckcheck schema findings`). Signed in, as for the
    rest of the API, where the server has a sign-in; at most 60 a minute per person."""
    return assess_document(
        session,
        actor,
        doc,
        address=client_ip(request),
        now=clock.now(),
        secret=request.app.state.settings.secret_key,
    )


# --- pain-free days ---------------------------------------------------------------------------

DayPath = Annotated[str, Path(description="The day (YYYY-MM-DD, the person's time zone)", **_DAY)]


@router.get("/pain-free-days", responses=ERRORS)
def list_pain_free_days(
    diary: ReadDiary,
    start: FromDay = None,
    end: ToDay = None,
) -> list[PainFreeDay]:
    """The days recorded as pain-free ("No spasm today"), oldest first."""
    return diary.pain_free_days(diary.period(start, end, blank_is_missing=False))


@router.put("/pain-free-days/{day}", responses=ERRORS)
def record_pain_free_day(day: DayPath, diary: WriteDiary) -> PainFreeDay:
    """No spasm that day: record it as pain-free (again: nothing changes). Refused (422) for
    a day not yet begun and for a day with a logged spasm. Logging a spasm on a day recorded
    as pain-free removes the record."""
    return diary.no_spasm(parse_day(day, field="day"))


@router.delete("/pain-free-days/{day}", status_code=204, responses=ERRORS)
def forget_pain_free_day(day: DayPath, diary: WriteDiary) -> Response:
    diary.undo_no_spasm(parse_day(day, field="day"))
    return Response(status_code=204)


# --- the course -------------------------------------------------------------------------------


class PainFreeDays(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recorded: int = Field(description='Days the person recorded as pain-free ("No spasm today").')
    estimated: int = Field(
        description="Days with nothing logged since the diary began, up to yesterday: an "
        "estimate, not a record (they may have had a spasm nobody wrote down)."
    )
    estimated_since: date | None = Field(
        description="The day the diary began, when it is after the period's first day: no "
        "day before it is estimated."
    )
    text: str = Field(description="The same in words, as the pages and the report say it.")


class CourseOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first: date
    last: date
    episodes: int
    classification: str = Field(description="none, isolated, recurring, lingering or chronic.")
    label: str
    evidence: list[str] = Field(description="What makes each class apply, with its dates.")
    symptom_days: int = Field(description="Days of the period an episode touched.")
    pain_free_days: PainFreeDays
    days_since_symptoms: int | None = Field(
        description="0 while an episode goes on or had symptoms today; null with no episode."
    )
    median_hours: float | None
    longest_hours: float | None


@router.get("/course", responses=ERRORS)
def course(
    diary: InsightsDiary,
    start: FromDay = None,
    end: ToDay = None,
) -> CourseOut:
    """The course of the diary over a period, as the Insights page shows it."""
    summary = diary.course(diary.period(start, end, blank_is_missing=False))
    pain_free = summary.pain_free
    return CourseOut(
        first=summary.first,
        last=summary.last,
        episodes=summary.episodes,
        classification=summary.classification,
        label=summary.label,
        evidence=[item.text for item in summary.evidence],
        symptom_days=summary.symptom_days,
        pain_free_days=PainFreeDays(
            recorded=pain_free.recorded,
            estimated=pain_free.estimated,
            estimated_since=pain_free.since,
            text=pain_free.summary(),
        ),
        days_since_symptoms=summary.streak_days,
        median_hours=summary.median_hours,
        longest_hours=summary.longest_hours,
    )


# --- outcome measures: activities, check-ins, progress ----------------------------------------


class ActivityOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int = Field(description="The item id of the activity in a check-in's answers.")
    measure: str = Field(description="The measure it is an item of (psfs).")
    name: str
    named_by_clinician: bool = Field(description="Whether a clinician named it, not the person.")


class ActivitiesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: list[str] = Field(
        description="The activities to rate from now on (3 to 5): a name already rated keeps "
        "its ratings, one left out is no longer asked (its past ratings stay).",
        examples=[["Reversing the car", "Lifting my child", "Reading in bed"]],
    )


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime | None = Field(
        default=None,
        description="When the check-in was made, with its offset (default: now); a client "
        "that was offline sends it. Sent again with the same answers, nothing is added.",
    )
    answers: dict[str, dict[str, int]] = Field(
        description="Ratings by measure, then item: `nprs` has the item `pain`; `psfs` has "
        "an item per activity, by its id (GET /api/v1/activities). Each 0-10.",
        examples=[{"nprs": {"pain": 4}, "psfs": {"1": 6, "2": 5, "3": 7}}],
    )


class CheckInOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    at: datetime
    answers: dict[str, dict[str, int]]
    scores: dict[str, float] = Field(description="Each measure's score: its items' mean.")


class ProgressOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measure: str
    baseline_id: int
    baseline_at: datetime
    latest_id: int
    latest_at: datetime
    baseline_score: float
    latest_score: float
    change: float | None = Field(
        description="Positive when better, whichever way the scale runs; over the items "
        "rated at both check-ins; null while only one check-in has answered the measure."
    )
    important: bool = Field(description="At least the measure's smallest change that matters.")
    text: str = Field(description="The change in the person's words.")
    clinical: str = Field(description="The change in clinical words, with its source.")


def _check_in_out(check_in: CheckIn) -> CheckInOut:
    scores = {m: score(items) for m, items in check_in.answers.items()}
    return CheckInOut(
        id=check_in.id,
        at=check_in.at,
        answers={m: dict(items) for m, items in check_in.answers.items()},
        scores={m: value for m, value in scores.items() if value is not None},
    )


def _activities_out(outcomes: Outcomes) -> list[ActivityOut]:
    return [
        ActivityOut(
            id=a.id, measure=a.measure, name=a.name, named_by_clinician=a.added_by is not None
        )
        for a in outcomes.activities()
    ]


@router.get("/activities", responses=ERRORS)
def list_activities(diary: ReadDiary) -> list[ActivityOut]:
    """The activities a check-in asks about now, in the order they were named."""
    return _activities_out(Outcomes(diary))


@router.put("/activities", responses=ERRORS)
def set_activities(data: ActivitiesIn, diary: WriteDiary) -> list[ActivityOut]:
    """Name the activities to rate from now on."""
    outcomes = Outcomes(diary)
    outcomes.set_activities(data.names)
    return _activities_out(outcomes)


@router.get("/checkins", responses=ERRORS)
def list_check_ins(diary: ReadDiary) -> list[CheckInOut]:
    """Every check-in, oldest first."""
    return [_check_in_out(c) for c in Outcomes(diary).check_ins()]


@router.post(
    "/checkins",
    status_code=status.HTTP_201_CREATED,
    responses={
        **ERRORS,
        200: {"model": CheckInOut, "description": "Sent before (same `at`, same answers)"},
    },
)
def create_check_in(data: CheckInIn, diary: WriteDiary, response: Response) -> CheckInOut:
    """Record a check-in: the week's usual pain and the activities' ratings. A rating outside
    0-10, an activity not asked now, or a moment in the future is refused (422), and
    nothing is stored."""
    outcomes = Outcomes(diary)
    if data.at is not None and outcomes.held(data.at) is not None:
        response.status_code = status.HTTP_200_OK
    return _check_in_out(outcomes.check_in(data.answers, at=data.at))


@router.delete("/checkins/{check_in_id}", status_code=204, responses=ERRORS)
def delete_check_in(check_in_id: RowId, diary: WriteDiary) -> Response:
    Outcomes(diary).delete_check_in(check_in_id)
    return Response(status_code=204)


@router.get("/progress", responses=ERRORS)
def check_in_progress(
    diary: InsightsDiary,
    baseline: Annotated[
        int | None,
        Query(ge=1, le=MAX_ROW_ID, description="The check-in to compare with (default: the first)"),
    ] = None,
) -> list[ProgressOut]:
    """Each measure's change since the baseline check-in and whether it matters."""
    return [
        ProgressOut(
            measure=line.progress.measure.id,
            baseline_id=line.progress.baseline.id,
            baseline_at=line.progress.baseline.at,
            latest_id=line.progress.latest.id,
            latest_at=line.progress.latest.at,
            baseline_score=line.progress.baseline_score,
            latest_score=line.progress.latest_score,
            change=line.progress.change,
            important=line.progress.important,
            text=line.patient,
            clinical=line.clinical,
        )
        for line in Outcomes(diary).lines(baseline=baseline)
    ]
