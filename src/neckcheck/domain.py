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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from neckcheck.errors import InputError
from neckcheck.levels import Level
from neckcheck.vocab import Activity, Helped, Movement, Onset, PainQuality, Region

__all__ = [
    "MAX_DURATION_HOURS",
    "MAX_EPISODES_30_DAYS",
    "MAX_WEEKS",
    "Activity",
    "Assessment",
    "Episode",
    "EpisodeCreate",
    "EpisodeUpdate",
    "Findings",
    "Helped",
    "History",
    "Imported",
    "Level",
    "MatchedRule",
    "Movement",
    "Onset",
    "Origin",
    "PainFreeDay",
    "PainQuality",
    "Profile",
    "Region",
    "RemedyUse",
]


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


# The findings an episode's other fields give (see Episode.derived_findings).
NECK_PAIN = "neck_pain"  # a pain score above 0, or a region marked
LIMITED_MOVEMENT = "reduced_range_of_motion"  # a movement marked as limited


def _quality_finding(quality: PainQuality) -> str:
    return f"pain_{quality.value}"


def implied_findings() -> frozenset[str]:
    """Every finding an episode's other fields can give (its pain score and regions, its pain
    qualities, its limited movements): a form never asks them as tick boxes of their own."""
    qualities = {_quality_finding(q) for q in PainQuality} & _finding_ids()
    return frozenset({NECK_PAIN, LIMITED_MOVEMENT, *qualities})


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


def _known_remedy(value: str) -> str:
    from neckcheck.knowledge import load

    known = load().remedy_ids
    if value not in known:
        raise _unknown("remedy", value, known)
    return value


@dataclass(frozen=True)
class _OneOf:
    """Publishes the ids a field accepts as the JSON Schema ``enum`` (read when the schema
    is built, so the knowledge base loads lazily)."""

    ids: Callable[[], frozenset[str]]

    def __get_pydantic_json_schema__(self, core: Any, handler: GetJsonSchemaHandler) -> Any:
        schema = handler(core)
        schema["enum"] = sorted(self.ids())
        return schema


def _knowledge_ids(name: str) -> Callable[[], frozenset[str]]:
    def ids() -> frozenset[str]:
        from neckcheck.knowledge import load

        known: frozenset[str] = getattr(load(), name)
        return known

    return ids


# Checked one by one so that an error names its place, e.g. ``findings.2``.
FindingId = Annotated[str, AfterValidator(_known_finding), _OneOf(_knowledge_ids("finding_ids"))]
TriggerId = Annotated[str, AfterValidator(_known_trigger), _OneOf(_knowledge_ids("trigger_ids"))]
RemedyId = Annotated[str, AfterValidator(_known_remedy), _OneOf(_knowledge_ids("remedy_ids"))]


# No list a person or a client sends is longer than this: every catalogue and vocabulary is
# far shorter. Checked before the items are, so a huge list costs nothing to refuse.
MAX_ITEMS = 100


def _not_too_many(value: object) -> object:
    if isinstance(value, list | tuple) and len(value) > MAX_ITEMS:
        raise PydanticCustomError(
            "neckcheck_too_many", "must have at most {n} items", {"n": MAX_ITEMS}
        )
    return value


class _Few:
    """A list of at most MAX_ITEMS items, refused by its length before its items are
    validated, and published as ``maxItems``."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_before_validator_function(_not_too_many, handler(source))

    def __get_pydantic_json_schema__(self, core: Any, handler: GetJsonSchemaHandler) -> Any:
        schema = handler(core)
        schema["maxItems"] = MAX_ITEMS
        return schema


_FEW = _Few()


def _not_true_or_false(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError("neckcheck_bool", "must be a number, not true or false")
    return value


def _not_a_number(value: object) -> object:
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "neckcheck_number", "must be a date and time such as 2026-05-01T08:30+02:00"
        )
    return value


# Nothing in a diary happened before 1900 or after 2199: such years are typing mistakes.
# (Checked on the year as written, before any arithmetic, so that a time such as
# 9999-12-31T23:59:59-14:00, which has no UTC equivalent, is refused, not overflowed.)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LAST_YEAR = 2199


def _plausible_year(value: datetime) -> datetime:
    if value.year > LAST_YEAR:
        raise PydanticCustomError("neckcheck_too_late", "must be in 2199 or earlier")
    if value < EARLIEST:
        raise PydanticCustomError("neckcheck_too_old", "must be in 1900 or later")
    return value


# Values as the published schema says: JSON true/false is not read as 1/0, and a number is
# not read as a Unix time. Limits go before the validator so the schema shows them.
_NUMBER = BeforeValidator(_not_true_or_false)
Score = Annotated[int, Field(ge=0, le=10), _NUMBER]
Moment = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_plausible_year)]


def _no_overlap(findings: list[str], absent: list[str]) -> None:
    for finding in absent:
        if finding in findings:
            raise PydanticCustomError(
                "neckcheck_conflict",
                "{value} is listed both as present (findings) and as absent",
                {"value": repr(finding)},
            )


# The largest figures a findings document takes. Each is far past the threshold of every
# rule, so a diary's own figures are capped here: "at least this many".
MAX_EPISODES_30_DAYS = 1000
MAX_WEEKS = 5200
MAX_DURATION_HOURS = 100_000
MAX_AGE_YEARS = 125


class History(BaseModel):
    """What the diary knows about the time before the current episode."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    episodes_last_30_days: Annotated[int, Field(ge=0, le=MAX_EPISODES_30_DAYS), _NUMBER] | None = (
        Field(None, description="Episodes in the last 30 days, this one included.")
    )
    weeks_with_symptoms: Annotated[int, Field(ge=0, le=MAX_WEEKS), _NUMBER] | None = Field(
        None, description="Weeks in a row with symptoms, up to now."
    )


class _PresentAndAbsent(BaseModel):
    """The rules of a model's ``findings`` and ``absent`` lists (the subclass declares them):
    repeats are dropped, and no finding is both present and absent."""

    @field_validator("findings", "absent", mode="after", check_fields=False)
    @classmethod
    def _drop_repeats(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    @field_validator("absent", mode="after", check_fields=False)
    @classmethod
    def _not_both(cls, values: list[str], info: ValidationInfo) -> list[str]:
        _no_overlap(info.data.get("findings", []), values)
        return values


class Findings(_PresentAndAbsent):
    """A findings document: the input of :func:`neckcheck.engine.assess`."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Findings document")

    findings: Annotated[list[FindingId], _FEW] = Field(description="Finding ids that are present.")
    absent: Annotated[list[FindingId], _FEW] = Field(
        default_factory=list, description="Finding ids the person explicitly said no to."
    )
    intensity: Score | None = Field(None, description="Worst pain, 0-10.")
    onset: Onset | None = Field(None, description="How the episode began.")
    duration_hours: (
        Annotated[float, Field(ge=0, le=MAX_DURATION_HOURS, allow_inf_nan=False), _NUMBER] | None
    ) = Field(
        None,
        description="How long the current episode has lasted, in hours.",
    )
    age_years: Annotated[int, Field(ge=0, le=MAX_AGE_YEARS), _NUMBER] | None = Field(
        None, description="Age in whole years."
    )
    history: History | None = None


class RemedyUse(BaseModel):
    """A remedy tried during an episode and how well it helped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    remedy: RemedyId
    helped: Helped


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


class _EpisodeFields(_PresentAndAbsent):
    model_config = ConfigDict(extra="forbid", frozen=True)

    started_at: Moment = Field(description="When it started, with a time zone.")
    ended_at: Moment | None = Field(None, description="When it stopped; empty if ongoing.")
    onset: Onset | None = None
    intensity: Score = Field(description="Worst pain, 0-10.")
    pain_qualities: Annotated[list[PainQuality], _FEW] = Field(default_factory=list)
    regions: Annotated[list[Region], _FEW] = Field(
        default_factory=list, description="Where it hurts."
    )
    limited_movements: Annotated[list[Movement], _FEW] = Field(default_factory=list)
    findings: Annotated[list[FindingId], _FEW] = Field(default_factory=list)
    absent: Annotated[list[FindingId], _FEW] = Field(default_factory=list)
    triggers: Annotated[list[TriggerId], _FEW] = Field(default_factory=list)
    remedies: Annotated[list[RemedyUse], _FEW] = Field(default_factory=list)
    activities_affected: Annotated[list[Activity], _FEW] = Field(default_factory=list)
    stress: Score | None = None
    notes: str = Field("", max_length=5000)
    declined: StrictBool = Field(
        False, description="The person chose not to answer the remaining warning-sign questions."
    )

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
        lateral = {region.side for region in self.regions} - {None}
        if len(lateral) == 2:
            return "both"
        if lateral:
            return str(lateral.pop())
        return "centre" if self.regions else None

    def derived_findings(self) -> list[str]:
        """The findings an episode implies: the ticked ones plus pain qualities and movement
        (those of :func:`implied_findings`)."""
        found = dict.fromkeys(self.findings)
        if self.intensity > 0 or self.regions:
            found.setdefault(NECK_PAIN)
        known = _finding_ids()
        for quality in self.pain_qualities:
            if _quality_finding(quality) in known:
                found.setdefault(_quality_finding(quality))
        if self.limited_movements:
            found.setdefault(LIMITED_MOVEMENT)
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
            duration_hours=min(round(self.duration_hours(now), 2), MAX_DURATION_HOURS),
            age_years=age_years,
            history=history,
        )


class EpisodeCreate(_EpisodeFields):
    """A new episode as a person logs it. Whether its times lie in the future depends on
    the clock, so the diary checks that when it is logged (``services.diary``)."""


@dataclass(frozen=True)
class Imported:
    """An episode read from another record (a FHIR resource): ``source_id`` names that record
    (a diary keeps one episode per source), ``recorded_at`` is when it was first recorded."""

    data: EpisodeCreate
    source_id: str
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Origin:
    """Where a stored episode came from: ``source_id`` for an imported one (None for one
    logged here), and when it was first recorded (for one logged here, when it was logged)."""

    source_id: str | None
    recorded_at: datetime


class EpisodeUpdate(BaseModel):
    """Changes to an episode: only the fields given are changed.

    ``null`` clears what may be empty (``ended_at``, ``onset``, ``stress``); the other fields
    are changed, never emptied, and the schema does not offer ``null`` for them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    started_at: Moment | SkipJsonSchema[None] = None
    ended_at: Moment | None = None
    onset: Onset | None = None
    intensity: Score | SkipJsonSchema[None] = None
    pain_qualities: Annotated[list[PainQuality], _FEW] | SkipJsonSchema[None] = None
    regions: Annotated[list[Region], _FEW] | SkipJsonSchema[None] = None
    limited_movements: Annotated[list[Movement], _FEW] | SkipJsonSchema[None] = None
    findings: Annotated[list[FindingId], _FEW] | SkipJsonSchema[None] = None
    absent: Annotated[list[FindingId], _FEW] | SkipJsonSchema[None] = None
    triggers: Annotated[list[TriggerId], _FEW] | SkipJsonSchema[None] = None
    remedies: Annotated[list[RemedyUse], _FEW] | SkipJsonSchema[None] = None
    activities_affected: Annotated[list[Activity], _FEW] | SkipJsonSchema[None] = None
    stress: Score | None = None
    notes: Annotated[str, Field(max_length=5000)] | SkipJsonSchema[None] = None
    declined: StrictBool | SkipJsonSchema[None] = None

    @field_validator(
        "started_at",
        "intensity",
        "pain_qualities",
        "regions",
        "limited_movements",
        "findings",
        "absent",
        "triggers",
        "remedies",
        "activities_affected",
        "notes",
        "declined",
        mode="before",
    )
    @classmethod
    def _not_emptied(cls, value: object) -> object:
        if value is None:
            raise PydanticCustomError(
                "neckcheck_not_null", "cannot be emptied; leave the field out to keep it"
            )
        return value


def _known_zone(value: str | None) -> str | None:
    """A name the zone database knows as a zone (not one of its folders, such as Europe)."""
    if value is None:
        return None
    from neckcheck.timeparse import known_zone

    if known_zone(value) is None:
        raise PydanticCustomError("neckcheck_zone", "is not a time zone name such as Europe/Berlin")
    return value


class Profile(BaseModel):
    """What a person tells neckcheck once; it reaches every check of their episodes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    birth_year: Annotated[int, Field(ge=1900, le=LAST_YEAR), _NUMBER] | None = Field(
        None,
        description="Year of birth of the person with the neck pain (a diary may be kept for "
        "a child).",
    )
    time_zone: Annotated[str | None, AfterValidator(_known_zone)] = Field(
        None, max_length=64, description="IANA time zone name, e.g. Europe/Berlin."
    )
    emergency_number: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ]{1,14}$")] | None = Field(
        None, description="The emergency number to call where the person lives, e.g. 112."
    )

    def ages(self, on: date) -> tuple[int, int] | None:
        """The youngest and oldest the person can be on ``on`` (a year of birth leaves a
        birthday unknown), or None without a year of birth."""
        if self.birth_year is None:
            return None
        oldest = max(on.year - self.birth_year, 0)
        return max(oldest - 1, 0), oldest


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


class MatchedRule(BaseModel):
    """A rule that matched, with its level, its message and its sources."""

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

    level: Level = Field(
        description="The most urgent level of the matched rules. When `complete` is false it is "
        "the least the answers so far call for, never a reassurance."
    )
    matched_rules: list[MatchedRule] = Field(
        description="Every rule that matched, most urgent first."
    )
    advice: list[AdviceText]
    unanswered: list[str] = Field(
        description="Questions still to ask, most urgent first: finding ids (warning signs to "
        "screen for, and what a partly met rule still needs) and the numbers `age_years`, "
        "`onset`, `duration_hours` and `intensity` by field name. Any client can ask them and "
        "send the answers back in `findings`, `absent` or the field. History fields come from "
        "the diary and are not listed."
    )
    complete: bool = Field(
        description="True when no question that could raise the level to urgent or emergency "
        'is unanswered (clinical/TRIAGE.md, "The interview"). Home-care advice is given only '
        "then."
    )
    sources: dict[str, str] = Field(description="Citation for every source key used above.")
    disclaimer: str


class PainFreeDay(BaseModel):
    """A day the person recorded as pain-free ("No spasm today")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: date = Field(description="The day, in the person's time zone (YYYY-MM-DD).")
    recorded_at: AwareDatetime = Field(description="When it was first recorded.")
