"""The domain model: what a findings document, an episode and an assessment are.

A :class:`Findings` document is the contract between every input (form, CLI flags, free text,
FHIR import) and the assessment engine::

    >>> from neckcheck.domain import Findings
    >>> doc = Findings.model_validate({"findings": ["neck_pain", "dizziness"], "intensity": 6})
    >>> doc.intensity
    6

Unknown finding ids and out-of-range numbers are rejected; the error names the field.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from neckcheck.errors import InputError

__all__ = [
    "Activity",
    "Assessment",
    "Episode",
    "EpisodeCreate",
    "EpisodeUpdate",
    "Findings",
    "Helped",
    "History",
    "Level",
    "Movement",
    "Onset",
    "PainQuality",
    "Region",
    "RemedyUse",
    "format_hours",
]


def format_hours(hours: float, *, short: bool = False) -> str:
    """A duration as people read it: ``45 min``, ``3.5 h``, ``2.0 days`` (``2.0 d`` if short)."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} {'d' if short else 'days'}"


class Level(StrEnum):
    """Triage levels, most urgent first (see clinical/TRIAGE.md)."""

    emergency = "emergency"
    urgent = "urgent"
    soon = "soon"
    routine = "routine"
    self_care = "self_care"

    @property
    def rank(self) -> int:
        """0 for the most urgent level; a smaller rank is more urgent."""
        return _LEVEL_ORDER.index(self)


_LEVEL_ORDER = list(Level)


class Onset(StrEnum):
    sudden = "sudden"
    gradual = "gradual"


class PainQuality(StrEnum):
    constant = "constant"
    throbbing = "throbbing"
    dull = "dull"
    sharp = "sharp"
    burning = "burning"


class Region(StrEnum):
    """Where it hurts, as the neck diagram divides it."""

    upper_left = "upper_left"
    upper_centre = "upper_centre"
    upper_right = "upper_right"
    lower_left = "lower_left"
    lower_centre = "lower_centre"
    lower_right = "lower_right"
    shoulder_left = "shoulder_left"
    shoulder_right = "shoulder_right"


class Movement(StrEnum):
    """Movements of the head and neck that can be limited."""

    flexion = "flexion"
    extension = "extension"
    rotation_left = "rotation_left"
    rotation_right = "rotation_right"
    side_bending_left = "side_bending_left"
    side_bending_right = "side_bending_right"


class Helped(StrEnum):
    none = "none"
    some = "some"
    a_lot = "a_lot"


class Activity(StrEnum):
    driving = "driving"
    concentrating = "concentrating"
    carrying = "carrying"
    sleep = "sleep"
    work = "work"


def _unknown(kind: str, value: str, known: frozenset[str]) -> PydanticCustomError:
    close = difflib.get_close_matches(value, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return PydanticCustomError(
        "neckcheck_unknown_id",
        "unknown {kind} {value}{hint}",
        {"kind": kind, "value": repr(value), "hint": hint},
    )


def _finding_ids() -> frozenset[str]:
    from neckcheck.knowledge import load

    return load().finding_ids


def _known_finding(value: str) -> str:
    known = _finding_ids()
    if value not in known:
        raise _unknown("finding id", value, known)
    return value


def _known_trigger(value: str) -> str:
    from neckcheck.knowledge import load

    known = load().trigger_ids
    if value not in known:
        raise _unknown("trigger", value, known)
    return value


# Checked one by one so that an error names its place, e.g. ``findings.2``.
FindingId = Annotated[str, AfterValidator(_known_finding)]
TriggerId = Annotated[str, AfterValidator(_known_trigger)]


def _no_overlap(findings: list[str], absent: list[str]) -> None:
    for finding in absent:
        if finding in findings:
            raise PydanticCustomError(
                "neckcheck_conflict",
                "{value} is listed both as present (findings) and as absent",
                {"value": repr(finding)},
            )


class History(BaseModel):
    """What the diary knows about the time before the current episode."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    episodes_last_30_days: int | None = Field(
        None, ge=0, le=1000, description="Episodes in the last 30 days, this one included."
    )
    weeks_with_symptoms: int | None = Field(
        None, ge=0, le=5200, description="Weeks in a row with symptoms, up to now."
    )


class Findings(BaseModel):
    """A findings document: the input of :func:`neckcheck.engine.assess`."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Findings document")

    findings: list[FindingId] = Field(description="Finding ids that are present.")
    absent: list[FindingId] = Field(
        default_factory=list, description="Finding ids the person explicitly said no to."
    )
    intensity: int | None = Field(None, ge=0, le=10, description="Worst pain, 0-10.")
    onset: Onset | None = Field(None, description="How the episode began.")
    duration_hours: float | None = Field(
        None,
        ge=0,
        le=100_000,
        allow_inf_nan=False,
        description="How long the current episode has lasted, in hours.",
    )
    age_years: int | None = Field(None, ge=0, le=125, description="Age in whole years.")
    history: History | None = None

    @field_validator("findings", "absent", mode="after")
    @classmethod
    def _drop_repeats(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    @field_validator("absent", mode="after")
    @classmethod
    def _not_both(cls, values: list[str], info: ValidationInfo) -> list[str]:
        _no_overlap(info.data.get("findings", []), values)
        return values


class RemedyUse(BaseModel):
    """A remedy tried during an episode and how well it helped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    remedy: str
    helped: Helped

    @field_validator("remedy")
    @classmethod
    def _known_remedy(cls, value: str) -> str:
        from neckcheck.knowledge import load

        known = load().remedy_ids
        if value not in known:
            raise _unknown("remedy", value, known)
        return value


_KEPT_WHITESPACE = frozenset(" \t\n\r")


def clean_text(value: str) -> str:
    """Free text as stored: unusual white space (no-break, line separators...) becomes a
    space and control characters are dropped, so notes fit every export (FHIR strings allow
    only space, tab and line breaks as white space) and every database (no NUL)."""
    return "".join(
        " " if char.isspace() and char not in _KEPT_WHITESPACE else char
        for char in value
        if char in _KEPT_WHITESPACE or char.isspace() or char.isprintable()
    )


# How far in the future a start time may be before it is treated as a typing mistake.
_CLOCK_SKEW = timedelta(minutes=5)


class _EpisodeFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    started_at: AwareDatetime = Field(description="When it started, with a time zone.")
    ended_at: AwareDatetime | None = Field(None, description="When it stopped; empty if ongoing.")
    onset: Onset | None = None
    intensity: int = Field(ge=0, le=10, description="Worst pain, 0-10.")
    pain_qualities: list[PainQuality] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list, description="Where it hurts.")
    limited_movements: list[Movement] = Field(default_factory=list)
    findings: list[FindingId] = Field(default_factory=list)
    absent: list[FindingId] = Field(default_factory=list)
    triggers: list[TriggerId] = Field(default_factory=list)
    remedies: list[RemedyUse] = Field(default_factory=list)
    activities_affected: list[Activity] = Field(default_factory=list)
    stress: int | None = Field(None, ge=0, le=10)
    notes: str = Field("", max_length=5000)

    @field_validator("findings", "absent", mode="after")
    @classmethod
    def _drop_repeats(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    @field_validator("absent", mode="after")
    @classmethod
    def _not_both(cls, values: list[str], info: ValidationInfo) -> list[str]:
        _no_overlap(info.data.get("findings", []), values)
        return values

    @field_validator(
        "pain_qualities", "regions", "limited_movements", "activities_affected", "triggers"
    )
    @classmethod
    def _unique(cls, values: list[Any]) -> list[Any]:
        return list(dict.fromkeys(values))

    @field_validator("remedies", mode="after")
    @classmethod
    def _one_entry_per_remedy(cls, values: list[RemedyUse]) -> list[RemedyUse]:
        seen = set()
        for use in values:
            if use.remedy in seen:
                raise PydanticCustomError(
                    "neckcheck_duplicate",
                    "{value} is listed more than once",
                    {"value": repr(use.remedy)},
                )
            seen.add(use.remedy)
        return values

    @field_validator("notes", mode="after")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        return clean_text(value)

    @field_validator("ended_at", mode="after")
    @classmethod
    def _ends_after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        started = info.data.get("started_at")
        if value is not None and started is not None and value < started:
            raise PydanticCustomError("neckcheck_order", "must not be before the start", {})
        return value

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None

    def duration_hours(self, now: datetime) -> float:
        """Hours from start to end, or to ``now`` while the episode is ongoing."""
        end = self.ended_at or now
        return max((end - self.started_at).total_seconds() / 3600.0, 0.0)

    @property
    def side(self) -> str | None:
        """left, right, both or centre, derived from the regions marked."""
        sides = {region.value.rsplit("_", 1)[1] for region in self.regions}
        lateral = sides & {"left", "right"}
        if len(lateral) == 2:
            return "both"
        if lateral:
            return lateral.pop()
        return "centre" if sides else None

    def derived_findings(self) -> list[str]:
        """The findings an episode implies: the ticked ones plus pain qualities and movement."""
        found = dict.fromkeys(self.findings)
        if self.intensity > 0 or self.regions:
            found.setdefault("neck_pain")
        known = _finding_ids()
        for quality in self.pain_qualities:
            if f"pain_{quality.value}" in known:
                found.setdefault(f"pain_{quality.value}")
        if self.limited_movements:
            found.setdefault("reduced_range_of_motion")
        return [finding for finding in found if finding not in self.absent]

    def to_findings(
        self, *, now: datetime, history: History | None = None, age_years: int | None = None
    ) -> Findings:
        """The findings document for this episode, as the engine takes it."""
        return Findings(
            findings=self.derived_findings(),
            absent=list(self.absent),
            intensity=self.intensity,
            onset=self.onset,
            duration_hours=round(self.duration_hours(now), 2),
            age_years=age_years,
            history=history,
        )


class EpisodeCreate(_EpisodeFields):
    """A new episode as a person logs it. The start may not lie in the future."""

    @field_validator("started_at", mode="after")
    @classmethod
    def _not_in_future(cls, value: datetime) -> datetime:
        if value > datetime.now(value.tzinfo) + _CLOCK_SKEW:
            raise PydanticCustomError("neckcheck_future", "is in the future", {})
        return value


class EpisodeUpdate(BaseModel):
    """Changes to an episode: only the fields given are changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    onset: Onset | None = None
    intensity: int | None = Field(None, ge=0, le=10)
    pain_qualities: list[PainQuality] | None = None
    regions: list[Region] | None = None
    limited_movements: list[Movement] | None = None
    findings: list[FindingId] | None = None
    absent: list[FindingId] | None = None
    triggers: list[TriggerId] | None = None
    remedies: list[RemedyUse] | None = None
    activities_affected: list[Activity] | None = None
    stress: int | None = Field(None, ge=0, le=10)
    notes: str | None = Field(None, max_length=5000)


class Episode(_EpisodeFields):
    """A stored episode."""

    id: int
    patient_id: int
    created_at: AwareDatetime
    updated_at: AwareDatetime

    def apply(self, changes: EpisodeUpdate) -> EpisodeCreate:
        """This episode with ``changes`` applied, validated as a whole again."""
        data = self.model_dump(include=set(_EpisodeFields.model_fields))
        data.update(changes.model_dump(exclude_unset=True))
        try:
            return EpisodeCreate.model_validate(data)
        except ValidationError as exc:
            raise InputError.from_pydantic(exc) from None


class RedFlag(BaseModel):
    """A matched rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    level: Level
    message: str
    sources: list[str]


class AdviceText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    sources: list[str]


class Assessment(BaseModel):
    """The engine's output: see DESIGN.md for the contract."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Assessment")

    level: Level
    red_flags: list[RedFlag]
    advice: list[AdviceText]
    unanswered: list[str] = Field(
        description="Inputs not given that could make the level more urgent."
    )
    sources: dict[str, str] = Field(description="Citation for every source key used above.")
    disclaimer: str
