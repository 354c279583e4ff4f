"""The knowledge base's cross-reference checks, run when it is validated: no id twice,
every source cited exists, every finding a rule, advice item, screening group, the extractor
or a label names is in the catalogue, every input the rules compare has its question, and
every value of the form's vocabularies has its label."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, get_args

from neckcheck import vocab
from neckcheck.knowledge.conditions import NumberField, finding_ids_in
from neckcheck.levels import Level

if TYPE_CHECKING:
    from neckcheck.knowledge.models import KnowledgeBase

__all__ = ["problems_of"]


def _duplicates(ids: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in ids if i in seen or seen.add(i)]  # type: ignore[func-returns-value]


def problems_of(kb: KnowledgeBase) -> list[str]:
    """Every cross-reference problem of the knowledge base, one sentence each."""
    problems: list[str] = []
    for name, ids in (
        ("sources", [s.key for s in kb.sources]),
        ("findings", [f.id for f in kb.findings]),
        ("diary.triggers", [t.id for t in kb.diary.triggers]),
        ("diary.remedies", [r.id for r in kb.diary.remedies]),
        ("facts", [f.id for f in kb.facts]),
        ("rules", [r.id for r in kb.rules]),
        ("advice.items", [a.id for a in kb.advice.items]),
        ("inputs", [i.field for i in kb.inputs]),
        ("measures", [m.id for m in kb.measures.measures]),
    ):
        problems += [f"{name}: duplicate id {dup!r}" for dup in _duplicates(ids)]

    owner: dict[str, str] = {}
    for finding in kb.findings:
        for synonym in finding.synonyms:
            other = owner.setdefault(synonym.lower(), finding.id)
            if other != finding.id:
                problems.append(
                    f"findings.{finding.id}: synonym {synonym!r} also belongs to {other!r}"
                )

    keys = {s.key for s in kb.sources}
    finding_ids = {f.id for f in kb.findings}
    cited: list[tuple[str, list[str]]] = [
        *((f"facts.{f.id}", f.sources) for f in kb.facts),
        *((f"rules.{r.id}", r.sources) for r in kb.rules),
        *((f"advice.items.{a.id}", a.sources) for a in kb.advice.items),
        *((f"measures.{m.id}", m.sources) for m in kb.measures.measures),
    ]
    for where, sources in cited:
        problems += [f"{where}: unknown source key {key!r}" for key in sources if key not in keys]
    conditions = [
        *((f"rules.{r.id}", r.when) for r in kb.rules),
        *((f"advice.items.{a.id}", a.when) for a in kb.advice.items if a.when),
        *((f"advice.items.{a.id}.unless", a.unless) for a in kb.advice.items if a.unless),
    ]
    for where, condition in conditions:
        problems += [
            f"{where}: unknown finding id {fid!r}"
            for fid in finding_ids_in(condition)
            if fid not in finding_ids
        ]
    problems += [
        f"advice.items.{a.id}.names: unknown finding id {fid!r}"
        for a in kb.advice.items
        for signs in a.names
        for fid in signs.findings
        if fid not in finding_ids
    ]
    screened = kb.screening.findings
    problems += [
        f"screening: unknown finding id {fid!r}" for fid in screened if fid not in finding_ids
    ]
    problems += [f"screening: {fid!r} is in two groups" for fid in _duplicates(screened)]
    problems += [
        f"screening: duplicate group id {dup!r}"
        for dup in _duplicates([g.id for g in kb.screening.groups])
    ]
    problems += _nlp_problems(kb, finding_ids)
    asked = {i.field for i in kb.inputs}
    problems += [
        f"inputs: no question for {name!r}"
        for name in (*get_args(NumberField), "onset")
        if name not in asked
    ]
    problems += _label_problems(kb)
    return problems


def _nlp_problems(kb: KnowledgeBase, finding_ids: set[str]) -> list[str]:
    nlp = kb.nlp
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
    triggers = {t.id for t in kb.diary.triggers}
    remedies = {r.id for r in kb.diary.remedies}
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


def _label_problems(kb: KnowledgeBase) -> list[str]:
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
        table = getattr(kb.labels, name)
        wanted = {member.value for member in enum}
        problems += [f"labels.{name}: no label for {v!r}" for v in sorted(wanted - set(table))]
        problems += [f"labels.{name}: unknown value {v!r}" for v in sorted(set(table) - wanted)]
    problems += [
        f"labels.levels: no clinical label for {level.value!r}"
        for level in Level
        if not kb.labels.levels.get(level)
    ]
    rules = {rule.id for rule in kb.rules}
    course = kb.labels.course
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
