"""The catalogue's schemas: the knowledge files in ``knowledge/data`` (sources, findings,
facts, rules, advice, screening, labels, measures) and :class:`KnowledgeBase`, all of them
together. The condition language of rules and advice is :mod:`.conditions`, the schema of
``nlp.yaml`` :mod:`.nlp_schema`, and the cross-reference checks the knowledge base runs when
it is validated :mod:`.checks` (every source key cited exists, every finding named is in the
catalogue, no id appears twice).
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator

from neckcheck.knowledge.conditions import (
    All,
    Any_,
    AnyFinding,
    AtLeast,
    Compare,
    Condition,
    HasFinding,
    NumberField,
    finding_ids_in,
    values_compared_in,
)
from neckcheck.knowledge.nlp_schema import (
    CombineRule,
    ContextCategory,
    ContextRuleData,
    DetailData,
    NlpData,
)
from neckcheck.knowledge.strict import ID_PATTERN as _ID
from neckcheck.knowledge.strict import Strict
from neckcheck.levels import Level

# The condition language and the NLP schema are named here too, where they were first.
__all__ = [
    "Advice",
    "AdviceItem",
    "All",
    "AnyFinding",
    "Any_",
    "AtLeast",
    "AuditWords",
    "Codes",
    "CombineRule",
    "Compare",
    "Condition",
    "ContextCategory",
    "ContextRuleData",
    "CourseLabels",
    "DetailData",
    "Diary",
    "Fact",
    "Finding",
    "HasFinding",
    "InputQuestion",
    "KnowledgeBase",
    "Labels",
    "LevelText",
    "Loinc",
    "Measure",
    "MeasureItem",
    "Measures",
    "NamedSigns",
    "NlpData",
    "NumberField",
    "PersonalItems",
    "Rule",
    "Scale",
    "Screening",
    "ScreeningGroup",
    "Source",
    "Term",
    "finding_ids_in",
    "values_compared_in",
]


class Source(Strict):
    key: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    authors: str | None = None
    publisher: str | None = None
    year: int | None = None
    identifier: str | None = None

    def citation(self) -> str:
        """A one-line citation, e.g. ``Stiell IG et al. The Canadian C-Spine Rule... 2003.``"""
        parts = [self.authors, self.title, self.publisher, str(self.year) if self.year else None]
        text = ". ".join(part.rstrip(".") for part in parts if part) + "."
        return f"{text} {self.identifier}" if self.identifier else text

    def short_citation(self) -> str:
        """The first author and the year, as beside a figure: ``Cleland 2008``."""
        author = (self.authors or self.publisher or self.title).split(",")[0]
        return f"{author.split()[0]} {self.year}" if self.year else author


class Codes(Strict):
    """A finding's codes in standard terminologies, each with its published title
    (``snomed_display``: the concept's preferred term; ``icd10cm_display``: the code's title
    in the ICD-10-CM tabular list). A code is given only where it means what the finding
    means; otherwise the finding has the neckcheck code alone (see docs/fhir.md)."""

    snomed: str | None = Field(None, pattern=r"^\d{6,18}$")
    snomed_display: str | None = Field(None, min_length=1)
    icd10cm: str | None = Field(None, pattern=r"^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$")
    icd10cm_display: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _displayed(self) -> Codes:
        for system in ("snomed", "icd10cm"):
            code, display = getattr(self, system), getattr(self, f"{system}_display")
            if (code is None) != (display is None):
                raise ValueError(f"{system} and {system}_display go together")
        return self


class Finding(Strict):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    question: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)
    codes: Codes = Field(default_factory=Codes)
    group: Literal["symptom", "warning", "context"]


class Term(Strict):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)


class Diary(Strict):
    triggers: list[Term]
    remedies: list[Term]


class Fact(Strict):
    id: str = Field(pattern=_ID)
    topic: Literal["what", "symptoms", "course", "causes", "diagnosis", "myth"]
    text: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class InputQuestion(Strict):
    field: NumberField | Literal["onset"]
    label: str = Field(min_length=1)
    question: str = Field(min_length=1)


class Rule(Strict):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1, description="A short name for reports and clinicians.")
    level: Level
    sources: list[str] = Field(min_length=1)
    when: Condition
    message: str = Field(min_length=1)


class LevelText(Strict):
    title: str = Field(min_length=1)
    meaning: str = Field(min_length=1)


class NamedSigns(Strict):
    """Signs an advice text names together, and the level it tells the person they call for;
    a test checks that the rules give them that level (advice never contradicts the rules)."""

    findings: list[str] = Field(min_length=1)
    level: Level


class AdviceItem(Strict):
    id: str = Field(pattern=_ID)
    levels: list[Level] = Field(min_length=1)
    when: Condition | None = None
    unless: Condition | None = Field(
        None, description="Left out when this holds (e.g. generic advice a condition replaces)."
    )
    complete_only: bool = Field(
        False, description="Home-care advice: given only when every warning sign was asked."
    )
    incomplete_only: bool = Field(
        False, description="Given only while warning signs are still unanswered."
    )
    action: bool = Field(
        False,
        description="The level's own action, said in full: a result page shows it once, under "
        "the level's title, and not again among what else to do.",
    )
    text: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    names: list[NamedSigns] = Field(default_factory=list)


class Advice(Strict):
    disclaimer: str = Field(min_length=1)
    levels: dict[Level, LevelText]
    items: list[AdviceItem]

    @model_validator(mode="after")
    def _every_level(self) -> Advice:
        missing = [level.value for level in Level if level not in self.levels]
        if missing:
            raise ValueError(f"levels: no title for {', '.join(missing)}")
        for level in Level:
            if not any(level in item.levels for item in self.items if item.when is None):
                raise ValueError(f"items: no unconditional advice for level {level.value}")
        return self


class ScreeningGroup(Strict):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    hint: str = Field(min_length=1)
    findings: list[str] = Field(min_length=1)


class Screening(Strict):
    """The warning signs asked about, in groups (TRIAGE.md v2, "The interview")."""

    groups: list[ScreeningGroup] = Field(min_length=1)

    @property
    def findings(self) -> list[str]:
        return [finding for group in self.groups for finding in group.findings]


class CourseLabels(Strict):
    classes: list[str] = Field(min_length=1)
    labels: dict[str, str]


class AuditWords(Strict):
    """How the Sharing page words one action of the audit log: what someone ``done`` ("viewed
    your insights"), and what they ``tried`` to do when refused ("view your insights")."""

    done: str = Field(min_length=1)
    tried: str = Field(min_length=1)


class Labels(Strict):
    """What people read for each value of an episode's fields and each course class; what
    clinicians read for each level; how the audit log's actions are told to the patient."""

    fields: dict[str, str]
    onset: dict[str, str]
    pain_qualities: dict[str, str]
    regions: dict[str, str]
    limited_movements: dict[str, str]
    activities_affected: dict[str, str]
    helped: dict[str, str]
    course: CourseLabels
    levels: dict[Level, str]
    audit: dict[str, AuditWords]
    emergency_numbers: dict[str, str]

    def emergency_number(self, region: str | None) -> str:
        """The emergency number of a region (ISO 3166 code), or the default one."""
        return self.emergency_numbers.get(region or "", self.emergency_numbers["default"])

    def of(self, field: str, value: str) -> str:
        """The label of ``value`` of an episode ``field`` (``regions``, ``onset``...)."""
        table: dict[str, str] = getattr(self, field)
        return table[value]


class MeasureItem(Strict):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)


class PersonalItems(Strict):
    """Items the person names (the activities of a patient-specific scale): how many."""

    min: int = Field(ge=1, le=10)
    max: int = Field(ge=1, le=10)
    label: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> PersonalItems:
        if self.max < self.min:
            raise ValueError("max is below min")
        return self


class Scale(Strict):
    min: int = 0
    max: int = Field(gt=0, le=100)
    low: str = Field(min_length=1)  # what the lowest answer means
    high: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError("max is not above min")
        return self


class Loinc(Strict):
    code: str = Field(pattern=r"^\d{1,7}-\d$")
    display: str = Field(min_length=1)


class Measure(Strict):
    """An outcome measure a check-in asks: its items (fixed or named by the person), the
    scale each is rated on, and the smallest change of its score (the mean of its items)
    that matters to a person, with the sources of that figure."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    short: str = Field(min_length=1)
    title: str = Field(min_length=1)  # in the person's words
    question: str = Field(min_length=1)
    items: list[MeasureItem] = Field(default_factory=list)
    personal: PersonalItems | None = None
    scale: Scale
    better: Literal["lower", "higher"]
    # How a change is said to the person: "<subject> 2 points <better_word> than on 2 Nov".
    subject: str = Field(min_length=1)
    better_word: str = Field(min_length=1)
    worse_word: str = Field(min_length=1)
    important_change: float = Field(gt=0)
    important_item_change: float | None = Field(None, gt=0)
    sources: list[str] = Field(min_length=1)
    loinc: Loinc | None = None

    @model_validator(mode="after")
    def _items_or_personal(self) -> Measure:
        if bool(self.items) == (self.personal is not None):
            raise ValueError("a measure has either fixed items or personal ones, not both")
        if len({item.id for item in self.items}) != len(self.items):
            raise ValueError("duplicate item id")
        return self


class Measures(Strict):
    every_days: int = Field(ge=1, le=90)  # a check-in is due this long after the last
    measures: list[Measure] = Field(min_length=1)

    def measure(self, measure_id: str) -> Measure:
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)


class KnowledgeBase(Strict):
    """All knowledge files together, cross-checked."""

    sources: list[Source]
    findings: list[Finding]
    diary: Diary
    facts: list[Fact]
    rules: list[Rule]
    advice: Advice
    inputs: list[InputQuestion]
    nlp: NlpData
    labels: Labels
    screening: Screening
    measures: Measures

    @model_validator(mode="after")
    def _cross_references(self) -> KnowledgeBase:
        from neckcheck.knowledge.checks import problems_of

        found = problems_of(self)
        if found:
            raise ValueError("; ".join(found))
        return self

    @cached_property
    def _finding_by_id(self) -> dict[str, Finding]:
        return {f.id: f for f in self.findings}

    @cached_property
    def _source_by_key(self) -> dict[str, Source]:
        return {s.key: s for s in self.sources}

    @property
    def finding_ids(self) -> frozenset[str]:
        return frozenset(self._finding_by_id)

    @property
    def trigger_ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.diary.triggers)

    @property
    def remedy_ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.diary.remedies)

    @property
    def warning_sign_ids(self) -> frozenset[str]:
        """Warning signs and circumstances that a rule at emergency or urgent level uses."""
        named = {
            fid for rule in self.rules if rule.level.rank <= 1 for fid in finding_ids_in(rule.when)
        }
        return frozenset(
            f.id for f in self.findings if f.id in named and f.group in ("warning", "context")
        )

    def thresholds(self, field: str) -> list[float]:
        """The numbers the rules compare ``field`` with, smallest first (for example the
        durations in hours at which an ongoing episode's level may change)."""
        return sorted({v for rule in self.rules for v in values_compared_in(rule.when, field)})

    def course_label(self, classification: str) -> str:
        """How a course class is named everywhere (pages, report, clinician views)."""
        return self.labels.course.labels[classification]

    def rule_title(self, rule_id: str) -> str:
        """A rule's short name for clinicians; a course class's rule is named by the class's
        label ("Recurring"), as everywhere else."""
        if rule_id in self.labels.course.classes:
            return self.course_label(rule_id)
        return next(rule.title for rule in self.rules if rule.id == rule_id)

    def clinical_level(self, level: Level) -> str:
        """How a level is named for clinicians ("Same-day review"); patients read
        ``advice.levels[level].title`` ("See a doctor today")."""
        return self.labels.levels[level]

    def finding(self, finding_id: str) -> Finding:
        return self._finding_by_id[finding_id]

    def source(self, key: str) -> Source:
        return self._source_by_key[key]

    def question(self, name: str) -> str:
        """The question to ask for a finding id or an input field such as ``onset``."""
        if name in self._finding_by_id:
            return self._finding_by_id[name].question
        return next(i.question for i in self.inputs if i.field == name)
