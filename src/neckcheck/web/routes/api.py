"""The JSON API under /api/v1. Errors are 4xx with a body naming the field."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status

from neckcheck.domain import Assessment, Episode, EpisodeCreate, EpisodeUpdate, Findings
from neckcheck.engine import assess
from neckcheck.services.diary import KEY_PATTERN
from neckcheck.web.deps import ReadDiary, RowId, WriteDiary

router = APIRouter(prefix="/api/v1", tags=["api"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON"},
    404: {"description": "No such episode"},
    422: {"description": "Invalid input; `detail` lists each field and what is wrong"},
}
_DAY: dict[str, Any] = {"examples": ["2026-05-01"], "json_schema_extra": {"format": "date"}}


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


@router.delete("/episodes/{episode_id}", status_code=204, responses=ERRORS)
def delete_episode(episode_id: RowId, diary: WriteDiary) -> Response:
    diary.delete(episode_id)
    return Response(status_code=204)


@router.get("/episodes/{episode_id}/assessment", responses=ERRORS)
def episode_assessment(episode_id: RowId, diary: ReadDiary) -> Assessment:
    return diary.assess(diary.episode(episode_id))


@router.post("/assess", responses=ERRORS)
def assess_findings(doc: Findings) -> Assessment:
    """Assess a findings document (see `neckcheck schema findings`)."""
    return assess(doc)
