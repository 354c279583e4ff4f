"""Triage a findings document by the rules in ``knowledge/data/rules.yaml``.

    >>> from neckcheck.domain import Findings
    >>> from neckcheck.engine import assess
    >>> result = assess(Findings(findings=["neck_pain", "fever", "rash"]))
    >>> result.level.value, [flag.id for flag in result.matched_rules]
    ('emergency', ['meningitis', 'infection'])

How it decides (clinical/TRIAGE.md):

* A finding matches only when it is listed as present; one under ``absent`` never matches, and
  one not mentioned at all counts as not present. A numeric rule whose number is missing does
  not match.
* The level is the most urgent level among the matching rules; none matching is ``self_care``.
  Every matching rule is reported, most urgent first, with its message and sources.
* Warning signs are asked, never assumed (TRIAGE.md v2, "The interview"). ``unanswered`` lists,
  most urgent first, what could still make the level more urgent: the follow-ups of rules that
  are partly met (a finding present, or a number that satisfies part of the rule) and the
  screening questions (``screening.yaml``) not yet answered, then the numbers that rules of
  numbers alone would need. History fields come from the diary and are not listed.
* ``complete`` is true when nothing in ``unanswered`` could raise the level to urgent or
  emergency; home-care advice is given only then.

Rules are compiled once into closures (no ``eval``); the engine does no I/O. It reads a
number only by comparing it with the conditions' values (and by whether it is known), so it
remembers each answer by the findings and by the side of each of those values the numbers
fall on: the checks of a diary (1,825 daily episodes, each with its own history) come to
a few dozen answers, each worked out once.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from neckcheck.domain import AdviceText, Assessment, Findings, MatchedRule
from neckcheck.knowledge.conditions import (
    All,
    Any_,
    AnyFinding,
    AtLeast,
    Compare,
    Condition,
    HasFinding,
    finding_ids_in,
)
from neckcheck.knowledge.models import KnowledgeBase
from neckcheck.levels import Level

# The inputs of a condition: present ids, absent ids, and the scalar inputs by field name.
Present = frozenset[str]
Scalars = dict[str, Any]
Match = Callable[[Present, Scalars], bool]
# Three-valued result: True, False or None (unknown), with the unknown inputs behind None.
Tri = tuple[bool | None, tuple[str, ...]]
Explain = Callable[[Present, Present, Scalars, bool], Tri]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}
# Each operator with its operands swapped: ``value >= target`` is ``target <= value``.
_SWAPPED: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.le,
    ">": operator.lt,
    "<": operator.gt,
    "<=": operator.ge,
    "==": operator.eq,
}
_NONE: tuple[str, ...] = ()


def _compile_match(cond: Condition) -> Match:
    """Closed-world boolean: unmentioned findings and missing numbers do not match. The same
    compiled condition as :func:`_compile_explain`'s, read in a closed world (there is one
    compiler of the condition language)."""
    explain = _compile_explain(cond)
    nothing: Present = frozenset()
    return lambda present, scalars: explain(present, nothing, scalars, True)[0] is True


def _holds(cond: Compare) -> Callable[[Any], bool]:
    compare, target = _OPS[cond.op], cond.value
    return lambda value: bool(compare(value, target))


def _finding_tri(finding: str, present: Present, absent: Present, closed: bool) -> Tri:
    if finding in present:
        return True, _NONE
    if closed or finding in absent:
        return False, _NONE
    return None, (finding,)


def _junction(children: tuple[Explain, ...], *, decides: bool) -> Explain:
    """All (``decides`` False: one false child decides) or any (one true child decides),
    in three-valued logic: otherwise unknown if a child is unknown, with its unknown inputs."""

    def _junction(present: Present, absent: Present, scalars: Scalars, closed: bool) -> Tri:
        unknown: list[str] = []
        for child in children:
            value, missing = child(present, absent, scalars, closed)
            if value is decides:
                return decides, _NONE
            if value is None:
                unknown.extend(missing)
        return (None, tuple(unknown)) if unknown else (not decides, _NONE)

    return _junction


def _compile_explain(cond: Condition) -> Explain:
    """Three-valued: which unknown inputs stand between this condition and a match.

    With ``closed`` true, unmentioned findings are false and only missing scalars are unknown.
    """
    match cond:
        case HasFinding(finding=finding):
            return lambda present, absent, _scalars, closed: _finding_tri(
                finding, present, absent, closed
            )
        case AnyFinding(any_finding=ids):
            return _compile_explain(Any_(any=[HasFinding(finding=i) for i in ids]))
        case AtLeast(at_least=count, of=ids):

            def _at_least(present: Present, absent: Present, _s: Scalars, closed: bool) -> Tri:
                have = sum(1 for i in ids if i in present)
                if have >= count:
                    return True, _NONE
                open_ = (
                    () if closed else tuple(i for i in ids if i not in present and i not in absent)
                )
                if have + len(open_) >= count:
                    return None, open_
                return False, _NONE

            return _at_least
        case Compare(field=field, op=op, value=target):
            compare = _OPS[op]

            def _compare(_p: Present, _a: Present, scalars: Scalars, _closed: bool) -> Tri:
                value = scalars.get(field)
                if value is None:
                    return None, (field,)
                return compare(value, target), _NONE

            return _compare
        case All(all=parts):
            return _junction(tuple(_compile_explain(part) for part in parts), decides=False)
        case Any_(any=parts):
            return _junction(tuple(_compile_explain(part) for part in parts), decides=True)
    raise TypeError(f"unknown condition {cond!r}")  # pragma: no cover


def _any_of_findings(cond: Condition) -> bool:
    """True when ``cond`` holds exactly when at least one finding it names is present."""
    match cond:
        case HasFinding() | AnyFinding():
            return True
        case AtLeast(at_least=1):
            return True
        case Any_(any=parts):
            return all(_any_of_findings(part) for part in parts)
    return False


def _needs_a_finding(cond: Condition) -> bool:
    """True when no assignment of numbers alone can satisfy ``cond``."""
    match cond:
        case Compare():
            return False
        case All(all=parts):
            return any(_needs_a_finding(part) for part in parts)
        case Any_(any=parts):
            return all(_needs_a_finding(part) for part in parts)
    return True


def _scalar_fields(cond: Condition) -> frozenset[str]:
    match cond:
        case Compare(field=field):
            return frozenset({field})
        case All(all=parts) | Any_(any=parts):
            return frozenset().union(*(_scalar_fields(part) for part in parts))
    return frozenset()


def _compares(cond: Condition) -> tuple[Compare, ...]:
    match cond:
        case Compare():
            return (cond,)
        case All(all=parts) | Any_(any=parts):
            return tuple(c for part in parts for c in _compares(part))
    return ()


@dataclass(frozen=True, slots=True)
class _Rule:
    flag: MatchedRule
    rank: int
    explain: Explain
    findings: frozenset[str]
    scalars: frozenset[str]
    needs_finding: bool
    any_of_findings: bool
    citations: dict[str, str]
    # The number comparisons of the rule: one that holds makes the rule partly met.
    compares: tuple[tuple[str, Callable[[Any], bool]], ...]


@dataclass(frozen=True, slots=True)
class _Advice:
    text: AdviceText
    match: Match | None
    unless: Match | None
    complete_only: bool
    incomplete_only: bool
    citations: dict[str, str]

    def applies(self, present: Present, scalars: Scalars, complete: bool) -> bool:
        if (self.complete_only and not complete) or (self.incomplete_only and complete):
            return False
        if self.match is not None and not self.match(present, scalars):
            return False
        return self.unless is None or not self.unless(present, scalars)


_URGENT = Level.urgent.rank
# Inputs the diary itself knows; a person is never asked them.
_FROM_THE_DIARY = ("history.",)
_PER_PERSON = ("age_years",)


# Answers remembered per engine; when there are this many, they are forgotten and kept anew.
ANSWERS_KEPT = 4096


@dataclass(frozen=True, slots=True)
class _Answer:
    level: Level
    matched: tuple[MatchedRule, ...]
    advice: tuple[AdviceText, ...]
    unanswered: tuple[str, ...]
    complete: bool
    sources: dict[str, str]  # copied for each Assessment: never handed out


def _scalars_of(doc: Findings) -> Scalars:
    history = doc.history
    return {
        "intensity": doc.intensity,
        "duration_hours": doc.duration_hours,
        "age_years": doc.age_years,
        "onset": doc.onset.value if doc.onset is not None else None,
        "history.episodes_last_30_days": history.episodes_last_30_days if history else None,
        "history.weeks_with_symptoms": history.weeks_with_symptoms if history else None,
    }


class Engine:
    """The rules and advice of one knowledge base, compiled for repeated use.

    >>> from neckcheck.knowledge import load
    >>> engine = Engine(load())
    >>> engine.assess(Findings(findings=["dizziness"])).level.value
    'urgent'
    """

    def __init__(self, knowledge: KnowledgeBase) -> None:
        cite = {source.key: source.citation() for source in knowledge.sources}
        self._rules = tuple(
            sorted(
                (
                    _Rule(
                        flag=MatchedRule(
                            id=rule.id,
                            level=rule.level,
                            message=" ".join(rule.message.split()),
                            sources=list(rule.sources),
                        ),
                        rank=rule.level.rank,
                        explain=_compile_explain(rule.when),
                        findings=frozenset(finding_ids_in(rule.when)),
                        scalars=_scalar_fields(rule.when),
                        needs_finding=_needs_a_finding(rule.when),
                        any_of_findings=_any_of_findings(rule.when),
                        citations={key: cite[key] for key in rule.sources},
                        compares=tuple((c.field, _holds(c)) for c in _compares(rule.when)),
                    )
                    for rule in knowledge.rules
                ),
                key=lambda r: r.rank,  # stable: file order within a level
            )
        )
        # Which rules could match: those naming a present finding, plus those that numbers
        # alone can satisfy. Positions keep the urgency order of self._rules.
        self._by_finding: dict[str, tuple[int, ...]] = {}
        for position, rule in enumerate(self._rules):
            for finding in rule.findings:
                self._by_finding[finding] = (*self._by_finding.get(finding, ()), position)
        self._always = tuple(i for i, rule in enumerate(self._rules) if not rule.needs_finding)
        self._by_compare = tuple(i for i, rule in enumerate(self._rules) if rule.compares)
        self._levels = tuple(Level)
        # The screening questions in the order they are asked, each with the rules naming
        # it (most urgent first): a "yes" could lead to the first of them that what is known
        # does not rule out, on its own or through the follow-ups it opens (an injury, then
        # the mechanism; a new medicine, then the head pulled to one side).
        self._screening = tuple(
            (finding, tuple(rule for rule in self._rules if finding in rule.findings))
            for finding in knowledge.screening.findings
        )
        # Facts kept per person and asked once (the age), with the rules comparing them:
        # asked whenever unknown and one of those rules could still make the level more
        # urgent (a child's torticollis after a sore throat needs the age before anything
        # else leads to it).
        self._per_person = tuple(
            (name, tuple(rule for rule in self._rules if name in rule.scalars))
            for name in _PER_PERSON
        )
        # Per level: the items of advice in file order, conditional or not.
        self._advice: dict[Level, tuple[_Advice, ...]] = {
            level: tuple(
                _Advice(
                    text=AdviceText(text=" ".join(item.text.split()), sources=list(item.sources)),
                    match=_compile_match(item.when) if item.when is not None else None,
                    unless=_compile_match(item.unless) if item.unless is not None else None,
                    complete_only=item.complete_only,
                    incomplete_only=item.incomplete_only,
                    citations={key: cite[key] for key in item.sources},
                )
                for item in knowledge.advice.items
                if level in item.levels
            )
            for level in Level
        }
        self._disclaimer = " ".join(knowledge.advice.disclaimer.split())
        # Each comparison the rules and the advice make of each input, by the input's name.
        conditions = [rule.when for rule in knowledge.rules] + [
            condition
            for item in knowledge.advice.items
            for condition in (item.when, item.unless)
            if condition is not None
        ]
        compared: dict[str, set[tuple[str, float | str]]] = {}
        for condition in conditions:
            for compare in _compares(condition):
                compared.setdefault(compare.field, set()).add((compare.op, compare.value))
        # partial(operator.le, 8)(value) is 8 <= value: the comparison, at C speed.
        self._comparisons: dict[str, tuple[Callable[[Any], bool], ...]] = {
            name: tuple(partial(_SWAPPED[op], target) for op, target in sorted(pairs, key=str))
            for name, pairs in compared.items()
        }
        self._answers: dict[tuple[Present, Present, tuple[Any, ...]], _Answer] = {}

    def _sides(self, scalars: Scalars) -> tuple[Any, ...]:
        """All the engine reads of the numbers: for each input, None when it is unknown, or
        which of the conditions' comparisons of it hold."""
        comparisons = self._comparisons
        return tuple(
            None if value is None else tuple([holds(value) for holds in comparisons.get(name, ())])
            for name, value in scalars.items()
        )

    def _evaluate(self, doc: Findings) -> tuple[list[_Rule], int, dict[str, int]]:
        """The matched rules (most urgent first), the level's rank, and each question still
        to ask with the rank of the most urgent level its answer could bring, in the order
        to ask them."""
        present = frozenset(doc.findings)
        absent = frozenset(doc.absent)
        scalars = _scalars_of(doc)
        rules = self._rules

        # Rules naming a present finding, or with a number comparison that holds, are partly
        # met ("engaged"); with the rules numbers alone can satisfy, only they can match.
        # Conditions are monotone, so one three-valued evaluation says both whether a rule
        # matches (True) and which unanswered inputs could make it match (None).
        engaged: set[int] = set()
        for finding in present:
            engaged.update(self._by_finding.get(finding, ()))
        for i in self._by_compare:
            if any(
                scalars.get(field) is not None and holds(scalars[field])
                for field, holds in rules[i].compares
            ):
                engaged.add(i)
        matched: list[_Rule] = []
        waiting: list[tuple[int, tuple[str, ...]]] = []
        for i in sorted(engaged.union(self._always)):
            rule = rules[i]
            if rule.any_of_findings and i in engaged:  # a single present finding suffices
                matched.append(rule)
                continue
            value, unknown = rule.explain(present, absent, scalars, i not in engaged)
            if value:
                matched.append(rule)
            elif value is None:
                waiting.append((rule.rank, unknown))
        rank = matched[0].rank if matched else Level.self_care.rank

        # What is still to ask, most urgent first: at each level the follow-ups of partly met
        # rules, then the screening questions; a question keeps its most urgent place.
        asked: dict[str, int] = {}
        for waiting_rank, unknown in waiting:
            if waiting_rank >= rank:
                break  # in urgency order: the rest could not make the level more urgent
            for name in unknown:
                if not name.startswith(_FROM_THE_DIARY):
                    asked.setdefault(name, waiting_rank)
        for name, comparing in self._per_person:
            if scalars.get(name) is not None:
                continue
            for rule in comparing:  # in urgency order
                if rule.rank >= rank:
                    break
                if rule.explain(present, absent, scalars, False)[0] is None:
                    asked.setdefault(name, rule.rank)
                    break
        for finding, naming in self._screening:
            if finding in present or finding in absent:
                continue
            with_it = present | {finding}
            for rule in naming:
                if rule.rank >= rank:
                    break
                if rule.explain(with_it, absent, scalars, False)[0] is not False:
                    asked.setdefault(finding, rule.rank)
                    break
        ordered = sorted(asked, key=asked.__getitem__)  # stable: follow-ups first
        return matched, rank, {name: asked[name] for name in ordered}

    def questions(self, doc: Findings) -> list[tuple[str, Level]]:
        """``unanswered``, each with the most urgent level its answer could bring."""
        _matched, _rank, asked = self._evaluate(doc)
        return [(name, self._levels[rank]) for name, rank in asked.items()]

    def assess(self, doc: Findings) -> Assessment:
        """Triage one validated findings document. Pure and deterministic."""
        present = frozenset(doc.findings)
        scalars = _scalars_of(doc)
        key = (present, frozenset(doc.absent), self._sides(scalars))
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answer(doc, present, scalars)
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            self._answers[key] = answer
        # Not validated again: every value is the engine's own, made from the knowledge
        # base validated when it was loaded.
        return Assessment.model_construct(
            level=answer.level,
            matched_rules=list(answer.matched),
            advice=list(answer.advice),
            unanswered=list(answer.unanswered),
            complete=answer.complete,
            sources=dict(answer.sources),
            disclaimer=self._disclaimer,
        )

    def _answer(self, doc: Findings, present: Present, scalars: Scalars) -> _Answer:
        matched, rank, asked = self._evaluate(doc)
        level = self._levels[rank]
        complete = all(question_rank > _URGENT for question_rank in asked.values())
        advice = []
        sources: dict[str, str] = {}
        for rule in matched:
            sources.update(rule.citations)
        for item in self._advice[level]:
            if item.applies(present, scalars, complete):
                advice.append(item.text)
                sources.update(item.citations)
        return _Answer(
            level=level,
            matched=tuple(rule.flag for rule in matched),
            advice=tuple(advice),
            unanswered=tuple(asked),
            complete=complete,
            sources=sources,
        )


_engines: dict[int, tuple[KnowledgeBase, Engine]] = {}


def engine_for(knowledge: KnowledgeBase | None = None) -> Engine:
    """The compiled engine of ``knowledge`` (the packaged knowledge base by default),
    compiled on first use and reused afterwards."""
    if knowledge is None:
        from neckcheck.knowledge import load

        knowledge = load()
    cached = _engines.get(id(knowledge))
    if cached is None or cached[0] is not knowledge:
        cached = (knowledge, Engine(knowledge))
        _engines[id(knowledge)] = cached
    return cached[1]


def assess(doc: Findings, knowledge: KnowledgeBase | None = None) -> Assessment:
    """Triage ``doc`` with ``knowledge`` (the packaged knowledge base by default)."""
    return engine_for(knowledge).assess(doc)
