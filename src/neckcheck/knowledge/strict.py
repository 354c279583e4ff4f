"""What every knowledge model shares: unknown keys are refused (a typo in a YAML file is an
error, not a silent default), models are frozen, and ids follow one pattern."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ID_PATTERN", "Strict"]

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"  # lower_snake_case ids (hyphens allowed)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
