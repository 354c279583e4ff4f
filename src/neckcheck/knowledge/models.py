"""Pydantic models for the knowledge files in ``knowledge/data``.

Every model forbids unknown keys, so a typo in a YAML file is an error, not a silent default.
:class:`KnowledgeBase` checks the cross-references: every source key cited exists, every
finding named by a rule or advice item is in the catalogue, and no id appears twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from neckcheck import vocab
from neckcheck.levels import Level

Id = str  # lower_snake_case ids; checked by the pattern on each model
_ID = r"^[a-z0-9][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
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


class Codes(_Strict):
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


class Finding(_Strict):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    question: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)
    codes: Codes = Field(default_factory=Codes)
    group: Literal["symptom", "warning", "context"]


class Term(_Strict):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)


class Diary(_Strict):
    triggers: list[Term]
    remedies: list[Term]


class Fact(_Strict):
    id: str = Field(pattern=_ID)
    topic: Literal["what", "symptoms", "course", "causes", "diagnosis", "myth"]
    text: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


# --- the condition language of rules and advice -------------------------------------------

NumberField = Literal[
    "intensity",
    "duration_hours",
    "age_years",
    "history.episodes_last_30_days",
    "history.weeks_with_symptoms",
]


class HasFinding(_Strict):
    finding: str


class AnyFinding(_Strict):
    any_finding: list[str] = Field(min_length=1)


class AtLeast(_Strict):
    at_least: int = Field(ge=1)
    of: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> AtLeast:
        if self.at_least > len(self.of):
            raise ValueError(f"at_least {self.at_least} of only {len(self.of)} findings")
        return self


class Compare(_Strict):
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


class All(_Strict):
    all: list[Condition] = Field(min_length=1)


class Any_(_Strict):
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


class InputQuestion(_Strict):
    field: NumberField | Literal["onset"]
    label: str = Field(min_length=1)
    question: str = Field(min_length=1)


class Rule(_Strict):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1, description="A short name for reports and clinicians.")
    level: Level
    sources: list[str] = Field(min_length=1)
    when: Condition
    message: str = Field(min_length=1)


class LevelText(_Strict):
    title: str = Field(min_length=1)
    meaning: str = Field(min_length=1)


class NamedSigns(_Strict):
    """Signs an advice text names together, and the level it tells the person they call for;
    a test checks that the rules give them that level (advice never contradicts the rules)."""

    findings: list[str] = Field(min_length=1)
    level: Level


class AdviceItem(_Strict):
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


class Advice(_Strict):
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


class ScreeningGroup(_Strict):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    hint: str = Field(min_length=1)
    findings: list[str] = Field(min_length=1)


class Screening(_Strict):
    """The warning signs asked about, in groups (TRIAGE.md v2, "The interview")."""

    groups: list[ScreeningGroup] = Field(min_length=1)

    @property
    def findings(self) -> list[str]:
        return [finding for group in self.groups for finding in group.findings]


ContextCategory = Literal[
    "NEGATED_EXISTENCE",
    "RESOLVED",
    "HISTORICAL",
    "PAST_TIME",
    "HYPOTHETICAL",
    "INDICATION",
    "POSSIBLE_EXISTENCE",
    "FAMILY",
    "CLAUSE",
    "CONTRAST",
    "PRESENT",
    "ABILITY",
]


class ContextRuleData(_Strict):
    """A ConText rule: a cue (a phrase, or a pattern in the extractor's pattern language),
    what it says about the findings in its scope, and which way its scope runs.

    CLAUSE, CONTRAST and PRESENT cues modify nothing: they end other cues' scopes (a new
    clause, "but", "now"). ABILITY cues modify nothing either: "couldn't turn" says what
    could not be done, and, matched over its "n't", keeps that from negating what follows."""

    literal: str = Field(min_length=1)
    category: ContextCategory
    direction: Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL"] = "FORWARD"
    pattern: str | None = None
    max_scope: int | None = Field(None, ge=1, le=30)


class CombineRule(_Strict):
    """A finding read from two things said together: a mention of one of ``needs`` and a
    cue of ``cues`` in the same sentence, clause or text ("headache" + "in seconds" is a
    thunderclap headache). The new mention takes the status of the mention it builds on."""

    finding: str
    needs: list[str] = Field(min_length=1)
    cues: list[str] = Field(min_length=1)
    within: Literal["clause", "sentence", "text"] = "sentence"
    replaces: bool = False  # the finding it builds on is dropped (a "fall" that is a drop attack)


class DetailData(_Strict):
    """Words for the rest of the form, by value id: phrases (matched as whole words,
    case-insensitive; a phrase may hold ``\\w*`` and other simple regular expressions)."""

    qualities: dict[str, list[str]]
    triggers: dict[str, list[str]]
    remedies: dict[str, list[str]]
    helped: dict[Literal["none", "some", "a_lot"], list[str]]
    not_tried: list[str]
    people: dict[str, list[str]]
    body_parts: dict[str, list[str]]


class NlpData(_Strict):
    """Vocabulary and rules for the free-text extractor (see nlp/extract.py and
    nlp/pipeline.py for how each part is used)."""

    classes: dict[str, list[str]] = Field(default_factory=dict)
    macros: dict[str, str] = Field(default_factory=dict)
    terms: dict[str, list[str]]
    patterns: dict[str, list[str]] = Field(default_factory=dict)
    denials: dict[str, list[str]] = Field(default_factory=dict)
    denial_patterns: dict[str, list[str]] = Field(default_factory=dict)
    pain_words: list[str] = Field(default_factory=list)
    cues: dict[str, list[str]] = Field(default_factory=dict)
    cue_patterns: dict[str, list[str]] = Field(default_factory=dict)
    exclude: dict[str, list[str]] = Field(default_factory=dict)
    combine: list[CombineRule] = Field(default_factory=list)
    onset: dict[Literal["sudden", "gradual"], list[str]]
    context: list[ContextRuleData]
    clause_starters: list[str]
    number_words: dict[str, Annotated[int, Field(ge=0, le=90)]]
    amount_words: dict[str, Annotated[float, Field(gt=0, le=12)]] = Field(default_factory=dict)
    norms: dict[str, str] = Field(default_factory=dict)
    spellings: list[str] = Field(default_factory=list)
    known_words: list[str] = Field(default_factory=list)
    keep_words: list[str] = Field(default_factory=list)
    implies: dict[str, list[str]] = Field(default_factory=dict)
    history_findings: list[str] = Field(default_factory=list)
    recent_findings: list[str] = Field(default_factory=list)
    details: DetailData


class CourseLabels(_Strict):
    classes: list[str] = Field(min_length=1)
    labels: dict[str, str]


class AuditWords(_Strict):
    """How the Sharing page words one action of the audit log: what someone ``done`` ("viewed
    your insights"), and what they ``tried`` to do when refused ("view your insights")."""

    done: str = Field(min_length=1)
    tried: str = Field(min_length=1)


class Labels(_Strict):
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


def _duplicates(ids: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in ids if i in seen or seen.add(i)]  # type: ignore[func-returns-value]


class MeasureItem(_Strict):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)


class PersonalItems(_Strict):
    """Items the person names (the activities of a patient-specific scale): how many."""

    min: int = Field(ge=1, le=10)
    max: int = Field(ge=1, le=10)
    label: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> PersonalItems:
        if self.max < self.min:
            raise ValueError("max is below min")
        return self


class Scale(_Strict):
    min: int = 0
    max: int = Field(gt=0, le=100)
    low: str = Field(min_length=1)  # what the lowest answer means
    high: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError("max is not above min")
        return self


class Loinc(_Strict):
    code: str = Field(pattern=r"^\d{1,7}-\d$")
    display: str = Field(min_length=1)


class Measure(_Strict):
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


class Measures(_Strict):
    every_days: int = Field(ge=1, le=90)  # a check-in is due this long after the last
    measures: list[Measure] = Field(min_length=1)

    def measure(self, measure_id: str) -> Measure:
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)


class KnowledgeBase(_Strict):
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

    _finding_by_id: dict[str, Finding] = PrivateAttr(default_factory=dict)
    _source_by_key: dict[str, Source] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> KnowledgeBase:
        problems: list[str] = []
        for name, ids in (
            ("sources", [s.key for s in self.sources]),
            ("findings", [f.id for f in self.findings]),
            ("diary.triggers", [t.id for t in self.diary.triggers]),
            ("diary.remedies", [r.id for r in self.diary.remedies]),
            ("facts", [f.id for f in self.facts]),
            ("rules", [r.id for r in self.rules]),
            ("advice.items", [a.id for a in self.advice.items]),
            ("inputs", [i.field for i in self.inputs]),
            ("measures", [m.id for m in self.measures.measures]),
        ):
            problems += [f"{name}: duplicate id {dup!r}" for dup in _duplicates(ids)]

        owner: dict[str, str] = {}
        for finding in self.findings:
            for synonym in finding.synonyms:
                other = owner.setdefault(synonym.lower(), finding.id)
                if other != finding.id:
                    problems.append(
                        f"findings.{finding.id}: synonym {synonym!r} also belongs to {other!r}"
                    )

        keys = {s.key for s in self.sources}
        finding_ids = {f.id for f in self.findings}
        cited: list[tuple[str, list[str]]] = [
            *((f"facts.{f.id}", f.sources) for f in self.facts),
            *((f"rules.{r.id}", r.sources) for r in self.rules),
            *((f"advice.items.{a.id}", a.sources) for a in self.advice.items),
            *((f"measures.{m.id}", m.sources) for m in self.measures.measures),
        ]
        for where, sources in cited:
            problems += [
                f"{where}: unknown source key {key!r}" for key in sources if key not in keys
            ]
        conditions = [
            *((f"rules.{r.id}", r.when) for r in self.rules),
            *((f"advice.items.{a.id}", a.when) for a in self.advice.items if a.when),
            *((f"advice.items.{a.id}.unless", a.unless) for a in self.advice.items if a.unless),
        ]
        for where, condition in conditions:
            problems += [
                f"{where}: unknown finding id {fid!r}"
                for fid in finding_ids_in(condition)
                if fid not in finding_ids
            ]
        problems += [
            f"advice.items.{a.id}.names: unknown finding id {fid!r}"
            for a in self.advice.items
            for signs in a.names
            for fid in signs.findings
            if fid not in finding_ids
        ]
        screened = self.screening.findings
        problems += [
            f"screening: unknown finding id {fid!r}" for fid in screened if fid not in finding_ids
        ]
        problems += [f"screening: {fid!r} is in two groups" for fid in _duplicates(screened)]
        problems += [
            f"screening: duplicate group id {dup!r}"
            for dup in _duplicates([g.id for g in self.screening.groups])
        ]
        problems += self._nlp_problems(finding_ids)
        asked = {i.field for i in self.inputs}
        problems += [
            f"inputs: no question for {name!r}"
            for name in (*get_args(NumberField), "onset")
            if name not in asked
        ]
        problems += self._label_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _nlp_problems(self, finding_ids: set[str]) -> list[str]:
        nlp = self.nlp
        named = [
            *nlp.terms,
            *nlp.patterns,
            *nlp.denials,
            *nlp.denial_patterns,
            *nlp.exclude,
            *nlp.implies,
            *nlp.history_findings,
            *nlp.recent_findings,
            *(rule.finding for rule in nlp.combine),
        ]
        named += [fid for implied in nlp.implies.values() for fid in implied]
        problems = [f"nlp: unknown finding id {fid!r}" for fid in named if fid not in finding_ids]
        cues = {*nlp.cues, *nlp.cue_patterns}
        for rule in nlp.combine:
            problems += [
                f"nlp.combine.{rule.finding}: unknown cue {cue!r}"
                for cue in rule.cues
                if cue not in cues
            ]
            problems += [
                f"nlp.combine.{rule.finding}: unknown finding id {fid!r}"
                for fid in rule.needs
                if fid not in finding_ids and fid not in cues
            ]
        triggers = {t.id for t in self.diary.triggers}
        remedies = {r.id for r in self.diary.remedies}
        details = nlp.details
        problems += [
            f"nlp.details.triggers: unknown {t!r}" for t in details.triggers if t not in triggers
        ]
        problems += [
            f"nlp.details.remedies: unknown {r!r}" for r in details.remedies if r not in remedies
        ]
        qualities = {q.value for q in vocab.PainQuality}
        problems += [
            f"nlp.details.qualities: unknown {q!r}" for q in details.qualities if q not in qualities
        ]
        return problems

    def _label_problems(self) -> list[str]:
        problems = []
        enums = {
            "onset": vocab.Onset,
            "pain_qualities": vocab.PainQuality,
            "regions": vocab.Region,
            "limited_movements": vocab.Movement,
            "activities_affected": vocab.Activity,
            "helped": vocab.Helped,
        }
        for name, enum in enums.items():
            table = getattr(self.labels, name)
            wanted = {member.value for member in enum}
            problems += [f"labels.{name}: no label for {v!r}" for v in sorted(wanted - set(table))]
            problems += [f"labels.{name}: unknown value {v!r}" for v in sorted(set(table) - wanted)]
        problems += [
            f"labels.levels: no clinical label for {level.value!r}"
            for level in Level
            if not self.labels.levels.get(level)
        ]
        rules = {rule.id for rule in self.rules}
        course = self.labels.course
        problems += [
            f"labels.course.classes: {name!r} is not a rule id"
            for name in course.classes
            if name not in rules
        ]
        problems += [
            f"labels.course.labels: no label for {name!r}"
            for name in ("none", "isolated", *course.classes)
            if name not in course.labels
        ]
        return problems

    def model_post_init(self, context: object, /) -> None:
        self._finding_by_id = {f.id: f for f in self.findings}
        self._source_by_key = {s.key: s for s in self.sources}

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
