"""The JSON API under /api/v1. Errors are 4xx with a body naming the field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from neckcheck.diary import assess_episode
from neckcheck.domain import Assessment, Episode, EpisodeCreate, EpisodeUpdate, Findings
from neckcheck.engine import assess
from neckcheck.storage import repo
from neckcheck.web.deps import PatientDep, RowId, SessionDep

router = APIRouter(prefix="/api/v1", tags=["api"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON"},
    404: {"description": "No such episode"},
    422: {"description": "Invalid input; `detail` lists each field and what is wrong"},
}


def _iso_day(value: object) -> object:
    """Query days are written YYYY-MM-DD; a bare number is not read as a Unix time."""
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise PydanticCustomError("neckcheck_day", "must be a date such as 2026-05-01")
    return value


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
Day = Annotated[date, BeforeValidator(_iso_day)]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@router.get("/health")
def health() -> dict[str, str]:
    from neckcheck import __version__

    return {"status": "ok", "version": __version__}


@router.get("/episodes", responses=ERRORS)
def list_episodes(
    session: SessionDep,
    patient: PatientDep,
    start: Annotated[Day | None, Query(alias="from", description="First day (UTC)")] = None,
    end: Annotated[Day | None, Query(alias="to", description="Last day (UTC)")] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> list[Episode]:
    """Episodes, newest first."""
    return repo.list_episodes(
        session=session,
        patient_id=patient,
        start=_day_start(start) if start else None,
        end=_day_start(end) + timedelta(days=1) if end else None,
        limit=limit,
    )


@router.post("/episodes", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_episode(data: EpisodeCreate, session: SessionDep, patient: PatientDep) -> Episode:
    return repo.create_episode(session=session, patient_id=patient, data=data)


@router.get("/episodes/{episode_id}", responses=ERRORS)
def get_episode(episode_id: RowId, session: SessionDep, patient: PatientDep) -> Episode:
    return repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)


@router.patch("/episodes/{episode_id}", responses=ERRORS)
def update_episode(
    episode_id: RowId, changes: EpisodeUpdate, session: SessionDep, patient: PatientDep
) -> Episode:
    return repo.update_episode(
        session=session, patient_id=patient, episode_id=episode_id, changes=changes
    )


@router.delete("/episodes/{episode_id}", status_code=204, responses=ERRORS)
def delete_episode(episode_id: RowId, session: SessionDep, patient: PatientDep) -> Response:
    repo.delete_episode(session=session, patient_id=patient, episode_id=episode_id)
    return Response(status_code=204)


@router.get("/episodes/{episode_id}/assessment", responses=ERRORS)
def episode_assessment(episode_id: RowId, session: SessionDep, patient: PatientDep) -> Assessment:
    episode = repo.get_episode(session=session, patient_id=patient, episode_id=episode_id)
    return assess_episode(
        session=session, patient_id=patient, episode=episode, now=datetime.now(UTC)
    )


@router.post("/assess", responses=ERRORS)
def assess_findings(doc: Findings) -> Assessment:
    """Assess a findings document (see `neckcheck schema findings`)."""
    return assess(doc)
