"""The condition language of rules and advice (``when`` and ``unless`` in rules.yaml and
advice.yaml): a finding, any of some, at least N of some, a comparison of a number or the
onset, and ``all``/``any`` of conditions. The engine compiles it (engine/assess.py); the
knowledge base checks the findings it names.

    >>> either = AnyFinding(any_finding=["chills", "night_sweats"])
    >>> list(finding_ids_in(All(all=[HasFinding(finding="fever"), either])))
    ['fever', 'chills', 'night_sweats']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from neckcheck.knowledge.strict import Strict

__all__ = [
    "All",
    "AnyFinding",
    "Any_",
    "AtLeast",
    "Compare",
    "Condition",
    "HasFinding",
    "NumberField",
    "finding_ids_in",
    "values_compared_in",
]

NumberField = Literal[
    "intensity",
    "duration_hours",
    "age_years",
    "history.episodes_last_30_days",
    "history.weeks_with_symptoms",
]


class HasFinding(Strict):
    finding: str


class AnyFinding(Strict):
    any_finding: list[str] = Field(min_length=1)


class AtLeast(Strict):
    at_least: int = Field(ge=1)
    of: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> AtLeast:
        if self.at_least > len(self.of):
            raise ValueError(f"at_least {self.at_least} of only {len(self.of)} findings")
        return self


class Compare(Strict):
    field: NumberField | Literal["onset"]
    op: Literal[">=", ">", "<", "<=", "=="]
    value: float | str

    @model_validator(mode="after")
    def _typed(self) -> Compare:
        if self.field == "onset":
            if self.op != "==" or self.value not in ("sudden", "gradual"):
                raise ValueError("onset compares only with == sudden or == gradual")
        elif not isinstance(self.value, int | float):
            raise ValueError(f"{self.field} compares with a number")
        return self


class All(Strict):
    all: list[Condition] = Field(min_length=1)


class Any_(Strict):
    any: list[Condition] = Field(min_length=1)


Condition = HasFinding | AnyFinding | AtLeast | Compare | All | Any_
All.model_rebuild()
Any_.model_rebuild()


def finding_ids_in(condition: Condition) -> Iterator[str]:
    """Every finding id a condition names, in order."""
    match condition:
        case HasFinding(finding=finding):
            yield finding
        case AnyFinding(any_finding=ids) | AtLeast(of=ids):
            yield from ids
        case All(all=parts) | Any_(any=parts):
            for part in parts:
                yield from finding_ids_in(part)
        case Compare():
            pass


def values_compared_in(condition: Condition, field: str) -> Iterator[float]:
    """Every number a condition compares ``field`` with."""
    match condition:
        case Compare(field=name, value=value) if name == field and isinstance(value, int | float):
            yield float(value)
        case All(all=parts) | Any_(any=parts):
            for part in parts:
                yield from values_compared_in(part, field)
        case _:
            pass
