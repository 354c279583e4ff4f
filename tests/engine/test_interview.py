"""The interview reaches every rule: starting from any one finding that satisfies a rule, and
answering truthfully whatever ``unanswered`` asks, it ends at the rule's level or above
(clinical/TRIAGE.md v2, "The interview")."""

from __future__ import annotations

from itertools import combinations, product
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from neckcheck.domain import Findings
from neckcheck.engine.interview import interview
from neckcheck.knowledge import load
from neckcheck.knowledge.models import (
    All,
    Any_,
    AnyFinding,
    AtLeast,
    Compare,
    Condition,
    HasFinding,
)

KB = load()
IDS = sorted(KB.finding_ids)
Way = tuple[frozenset[str], dict[str, Any]]


def _satisfying(compare: Compare) -> Any:
    """A value that makes ``compare`` true."""
    value = compare.value
    if compare.op in (">=", "<=", "=="):
        return value
    step = 1 if compare.field != "duration_hours" else 0.5
    return value + step if compare.op == ">" else value - step  # type: ignore[operator]


def ways(condition: Condition) -> list[Way]:
    """Every minimal way to satisfy ``condition``: findings present and numbers given."""
    match condition:
        case HasFinding(finding=finding):
            return [(frozenset({finding}), {})]
        case AnyFinding(any_finding=ids):
            return [(frozenset({finding}), {}) for finding in ids]
        case AtLeast(at_least=count, of=ids):
            return [(frozenset(chosen), {}) for chosen in combinations(ids, count)]
        case Compare(field=field):
            return [(frozenset(), {field: _satisfying(condition)})]
        case Any_(any=parts):
            return [way for part in parts for way in ways(part)]
        case All(all=parts):
            combined = []
            for choice in product(*(ways(part) for part in parts)):
                findings = frozenset().union(*(f for f, _ in choice))
                numbers: dict[str, Any] = {}
                for _, given in choice:
                    numbers.update(given)
                combined.append((findings, numbers))
            return combined
    raise TypeError(condition)  # pragma: no cover


CASES = [(rule, way) for rule in KB.rules for way in ways(rule.when)]
# What the diary knows without asking: every episode has these; the profile has the age only
# when it was given, so the interview asks for it.
FROM_THE_DIARY = ("intensity", "duration_hours")


@st.composite
def truths(draw: st.DrawFn) -> tuple[Any, Way, dict[str, Any], frozenset[str]]:
    rule, (findings, numbers) = draw(st.sampled_from(CASES))
    extra = frozenset(draw(st.lists(st.sampled_from(IDS), max_size=4)))
    values = {
        "intensity": draw(st.integers(0, 10)),
        "duration_hours": draw(st.floats(0, 300, allow_nan=False)),
        "age_years": draw(st.integers(0, 100)),
        "onset": draw(st.sampled_from(["sudden", "gradual"])),
        "history.episodes_last_30_days": draw(st.integers(1, 10)),
        "history.weeks_with_symptoms": draw(st.integers(0, 30)),
        **numbers,  # what the rule needs wins over the random rest
    }
    return rule, (findings, numbers), values, findings | extra


@settings(max_examples=600, deadline=None)
@given(truths(), st.data())
def test_an_interview_from_any_one_finding_reaches_the_rule(
    case: tuple[Any, Way, dict[str, Any], frozenset[str]], data: st.DataObject
) -> None:
    rule, (findings, _numbers), values, present = case
    start_with = sorted(findings)
    first = [data.draw(st.sampled_from(start_with))] if start_with else []
    start: dict[str, Any] = {"findings": first}
    start.update({field: values[field] for field in FROM_THE_DIARY})
    start["history"] = {
        "episodes_last_30_days": values["history.episodes_last_30_days"],
        "weeks_with_symptoms": values["history.weeks_with_symptoms"],
    }

    def truthfully(question: str) -> Any:
        return values.get(question, question in present)

    final, result = interview(Findings.model_validate(start), truthfully)
    assert result.level.rank <= rule.level.rank, (rule.id, first, sorted(present), final)


def test_every_rule_has_ways_to_be_met() -> None:
    assert {rule.id for rule, _ in CASES} == {rule.id for rule in KB.rules}
    assert len(CASES) > 80
