"""TRIAGE v3, the dangerous look-alikes (tests/engine/lookalikes.yaml, docs/clinical-review.md):
each condition in a person's words and in clinical words, the mimic beside it, the age edges;
exact level and emergency/urgent under-triage per condition; and the person's own words, read
by the extractor and followed by the check's questions, reach the condition's level."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from neckcheck.domain import Findings, Level
from neckcheck.engine import assess
from neckcheck.engine.interview import Answer, interview
from neckcheck.knowledge import load
from neckcheck.knowledge.models import values_compared_in
from tests.engine.conftest import load_lookalikes, report
from tests.factories import NOW

CASES = load_lookalikes()
LAY = [case for case in CASES if "text" in case]
# An age the person is asked for and the case does not give (as scripts/safety.py assumes).
DEFAULT_AGE = 40
SERIOUS = (Level.emergency, Level.urgent)


def _conditions() -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in CASES:
        grouped[case["condition"]].append(case)
    return grouped


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_each_look_alike_at_its_level_with_its_rules(case: dict[str, Any]) -> None:
    result = assess(Findings.model_validate(case["doc"]))
    assert result.level == Level(case["level"])
    assert sorted(flag.id for flag in result.matched_rules) == sorted(case["flags"])


def test_every_condition_in_lay_and_clinical_words_beside_its_mimic() -> None:
    for condition, cases in _conditions().items():
        words = {case["words"] for case in cases}
        if condition in ("age_alone", "fever_with_neck_ache", "sore_throat"):
            assert words == {"mimic"}, condition  # the over-triage side: mimics only
            continue
        assert {"lay", "clinical", "mimic"} <= words, (condition, words)
        assert any("text" in case for case in cases if case["words"] == "lay"), condition
        assert all(case["words"] in ("lay", "clinical", "mimic", "edge") for case in cases)


def test_every_age_threshold_of_the_new_rules_has_both_sides() -> None:
    new_rules = {flag for case in CASES for flag in case["flags"]}
    ages = {
        int(value)
        for rule in load().rules
        if rule.id in new_rules
        for value in values_compared_in(rule.when, "age_years")
    }
    assert {50, 5, 18} <= ages
    edges = {case["doc"].get("age_years") for case in CASES if case["words"] == "edge"}
    for age in ages - {65, 16}:  # the v2 thresholds have their edges in vignettes.yaml
        assert {age, age - 1} <= edges, age


def test_mimics_are_not_sent_further_than_their_level() -> None:
    """A mimic marked benign stays with self-care or a routine visit; no mimic is an
    emergency."""
    for case in CASES:
        if case["words"] == "mimic":
            assert case["level"] != "emergency", case["name"]
        if case.get("benign"):
            assert case["level"] in ("self_care", "routine"), case["name"]


def test_per_condition_figures() -> None:
    lines = []
    under_total = 0
    for condition, cases in sorted(_conditions().items()):
        exact = under = serious = 0
        for case in cases:
            expected = Level(case["level"])
            got = assess(Findings.model_validate(case["doc"])).level
            exact += got == expected
            if expected in SERIOUS:
                serious += 1
                under += got.rank > expected.rank
        under_total += under
        lines.append(f"{condition}: {exact}/{len(cases)} exact, {under}/{serious} E/U under")
    report("lookalikes", "look-alikes per condition: " + "; ".join(lines))
    assert under_total == 0


def _truth(doc: dict[str, Any]) -> Findings:
    present = set(doc["findings"])
    everything = set(load().finding_ids)
    numbers = {k: v for k, v in doc.items() if k not in ("findings", "absent")}
    numbers.setdefault("age_years", DEFAULT_AGE)
    return Findings.model_validate(
        {"findings": sorted(present), "absent": sorted(everything - present), **numbers}
    )


@pytest.mark.parametrize("case", LAY, ids=[case["name"] for case in LAY])
def test_a_persons_own_words_then_the_check_reach_the_level(case: dict[str, Any]) -> None:
    """The text is read by the extractor (what it found, denied and measured, as the log
    page pre-fills it), then the check asks whatever is still open and the person answers
    from the case's truth: the result is the case's level, not less and not more."""
    from neckcheck.nlp import extract

    truth = _truth(case["doc"])
    assert assess(truth).level == Level(case["level"]), "the truth is the vignette"
    read = extract(case["text"], now=NOW).document.model_dump(exclude_none=True)
    start = Findings.model_validate(read)

    def answer(question: str) -> Answer:
        if question in Findings.model_fields:
            value: Answer = getattr(truth, question)
            return value
        return question in truth.findings

    _, result = interview(start, answer)
    assert result.level == Level(case["level"]), (case["text"], start.findings)
