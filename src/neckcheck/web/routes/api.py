"""The JSON API under /api/v1. Errors are 4xx with a body naming the field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from neckcheck.domain import (
    Assessment,
    Episode,
    EpisodeCreate,
    EpisodeUpdate,
    Findings,
    PainFreeDay,
)
from neckcheck.services.assess import assess_document
from neckcheck.services.diary import KEY_PATTERN
from neckcheck.timeparse import parse_day
from neckcheck.web.deps import (
    ActorDep,
    ClockDep,
    InsightsDiary,
    ReadDiary,
    RowId,
    SessionDep,
    WriteDiary,
    client_ip,
)

router = APIRouter(prefix="/api/v1", tags=["api"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON"},
    404: {"description": "No such episode"},
    422: {"description": "Invalid input; `detail` lists each field and what is wrong"},
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
    404: {"description": f"The episode first sent with this `{IDEMPOTENCY_KEY}` was deleted"},
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
    401: {"description": "Not signed in (with a passphrase or a clinic account)"},
    429: {"description": "Too many assessments this minute, from this person or address"},
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
