"""The one body of every error the JSON API gives, whatever refused the request (the
request guard, FastAPI's validation, a service, Starlette's routing):

    {"detail": [{"field": "intensity", "message": "must be at most 10"}]}

A problem of no one field (an episode not found, too many attempts) has the field ``""``.
:class:`ErrorBody` is the schema the OpenAPI description gives for every 4xx answer, so the
schema tests check each error they provoke against it.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neckcheck.errors import FieldProblem

__all__ = ["ErrorBody", "Problem", "error_response"]


class Problem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description='The field, a dotted path ("" when it is of no one field).')
    message: str


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    detail: list[Problem] = Field(min_length=1, description="What is wrong, one item each.")


def error_response(status: int, problems: Sequence[FieldProblem] | str) -> JSONResponse:
    """The JSON answer of a refusal: ``problems``, or a message of no one field."""
    found = [FieldProblem("", problems)] if isinstance(problems, str) else list(problems)
    return JSONResponse({"detail": [p.as_dict() for p in found]}, status_code=status)
