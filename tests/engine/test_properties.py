"""Properties of the engine over many generated findings documents (hypothesis)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neckcheck.domain import Findings
from neckcheck.engine import assess
from neckcheck.engine.assess import Engine
from neckcheck.knowledge import load

IDS = sorted(load().finding_ids)
RULES = {rule.id: rule for rule in load().rules}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=12))
    split = draw(st.integers(0, len(chosen)))
    doc: dict[str, Any] = {"findings": chosen[:split], "absent": chosen[split:]}
    optional = {
        "intensity": st.integers(0, 10),
        "onset": st.sampled_from(["sudden", "gradual"]),
        "duration_hours": st.floats(0, 2000, allow_nan=False),
        "age_years": st.integers(0, 110),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            doc[key] = draw(strategy)
    if draw(st.booleans()):
        doc["history"] = {
            "episodes_last_30_days": draw(st.none() | st.integers(0, 40)),
            "weeks_with_symptoms": draw(st.none() | st.integers(0, 200)),
        }
    return doc


def _rank(doc: dict[str, Any]) -> int:
    return assess(Findings.model_validate(doc)).level.rank


@settings(max_examples=400)
@given(documents(), st.sampled_from(IDS))
def test_adding_a_finding_never_lowers_the_level(doc: dict[str, Any], extra: str) -> None:
    if extra in doc["findings"]:
        return
    more = {
        **doc,
        "findings": [*doc["findings"], extra],
        "absent": [a for a in doc["absent"] if a != extra],
    }
    assert _rank(more) <= _rank(doc)


@settings(max_examples=400)
@given(documents(), st.data())
def test_moving_a_finding_to_absent_never_raises_the_level(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    if not doc["findings"]:
        return
    moved = data.draw(st.sampled_from(doc["findings"]))
    fewer = {
        **doc,
        "findings": [f for f in doc["findings"] if f != moved],
        "absent": [*doc["absent"], moved],
    }
    assert _rank(fewer) >= _rank(doc)


@settings(max_examples=300)
@given(documents())
def test_every_matched_rule_is_reported_and_sets_the_level(doc: dict[str, Any]) -> None:
    result = assess(Findings.model_validate(doc))
    flags = [flag.id for flag in result.matched_rules]
    assert len(flags) == len(set(flags))
    if flags:
        assert result.level == min((RULES[f].level for f in flags), key=lambda lv: lv.rank)
        assert [f.level.rank for f in result.matched_rules] == sorted(
            f.level.rank for f in result.matched_rules
        )
    else:
        assert result.level.value == "self_care"
    for flag in result.matched_rules:
        assert flag.sources == list(RULES[flag.id].sources)
    cited = {key for flag in result.matched_rules for key in flag.sources}
    cited |= {key for item in result.advice for key in item.sources}
    assert set(result.sources) == cited
    assert result.advice


@settings(max_examples=200)
@given(documents())
def test_the_same_input_gives_the_same_output(doc: dict[str, Any]) -> None:
    first = assess(Findings.model_validate(doc)).model_dump_json()
    again = assess(Findings.model_validate(dict(doc))).model_dump_json()
    assert first == again


def _near(field: str, step: float) -> list[Any]:
    """No value of ``field``, or one on or a ``step`` either side of a value the rules
    compare it with: documents often on the same sides of all of them, and often not."""
    near = {0.0, *(t + d for t in load().thresholds(field) for d in (-step, 0, step))}
    return [None, *sorted(v if step < 1 else int(v) for v in near if v >= 0)]


# Numbers near the values the rules compare them with, by field.
_NUMBERS: dict[str, list[Any]] = {
    "intensity": _near("intensity", 1),
    "duration_hours": _near("duration_hours", 0.5),
    "age_years": _near("age_years", 1),
    "onset": [None, "sudden", "gradual"],
    "history.episodes_last_30_days": _near("history.episodes_last_30_days", 1),
    "history.weeks_with_symptoms": _near("history.weeks_with_symptoms", 1),
}


def _document(findings: dict[str, Any], numbers: dict[str, Any]) -> Findings:
    given = {k: v for k, v in numbers.items() if v is not None}
    history = {k.removeprefix("history."): v for k, v in given.items() if "." in k}
    plain = {k: v for k, v in given.items() if "." not in k}
    return Findings.model_validate({**findings, **plain, "history": history or None})


@settings(max_examples=300)
@given(documents(), st.data())
def test_an_answer_remembered_is_the_one_worked_out(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    """The engine remembers its answers by the findings and by the side of each value the
    conditions compare a number with: a document asked after another with the same findings
    but another number gets the answer a new engine works out for it."""
    findings = {"findings": doc["findings"], "absent": doc["absent"]}
    numbers = {field: data.draw(st.sampled_from(values)) for field, values in _NUMBERS.items()}
    changed = data.draw(st.sampled_from(sorted(_NUMBERS)))
    others = {**numbers, changed: data.draw(st.sampled_from(_NUMBERS[changed]))}
    engine = Engine(load())
    engine.assess(_document(findings, numbers))
    later = _document(findings, others)
    assert engine.assess(later) == Engine(load()).assess(later)


@pytest.mark.parametrize("field", sorted(_NUMBERS))
def test_each_number_beside_each_compared_value_gets_the_answer_worked_out(field: str) -> None:
    # Up, then down, through the values near the rules' ones: each document comes after one
    # a step away, whose remembered answer it must not be given unless it is its own.
    engine = Engine(load())
    for findings in ([], ["headache", "head_pulled_to_side", "morning_stiffness_shoulders"]):
        for value in [*_NUMBERS[field], *_NUMBERS[field][::-1]]:
            doc = _document({"findings": findings, "absent": []}, {field: value})
            assert engine.assess(doc) == Engine(load()).assess(doc), (findings, value)


# An answer to each kind of question, drawn from its whole range.
_ANSWERS: dict[str, st.SearchStrategy[Any]] = {
    "intensity": st.integers(0, 10),
    "onset": st.sampled_from(["sudden", "gradual"]),
    "duration_hours": st.floats(0, 2000, allow_nan=False),
    "age_years": st.integers(0, 110),
    "history.episodes_last_30_days": st.integers(0, 40),
    "history.weeks_with_symptoms": st.integers(0, 200),
}


def _answer(doc: dict[str, Any], question: str, answer: Any) -> dict[str, Any]:
    """``doc`` with ``question`` answered: a finding present (True) or absent (False), or
    a number or onset given."""
    answered = {**doc, "findings": list(doc["findings"]), "absent": list(doc["absent"])}
    if question.startswith("history."):
        history = dict(answered.get("history") or {})
        history[question.removeprefix("history.")] = answer
        answered["history"] = history
    elif question in _ANSWERS:
        answered[question] = answer
    else:
        answered["findings" if answer else "absent"].append(question)
    return answered


@settings(max_examples=300)
@given(documents(), st.data())
def test_answering_an_unanswered_question_can_only_keep_or_raise_urgency(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    """Each question in `unanswered` was not given, and whatever the answer to one, the
    level is the same or more urgent; a "yes" to a finding it asks about can raise it."""
    result = assess(Findings.model_validate(doc))
    for question in result.unanswered:
        strategy = _ANSWERS.get(question, st.booleans())
        answered = _answer(doc, question, data.draw(strategy, label=question))
        assert _rank(answered) <= result.level.rank, question
    history = doc.get("history") or {}
    given_inputs = (
        set(doc["findings"])
        | set(doc["absent"])
        | {key for key in ("intensity", "onset", "duration_hours", "age_years") if key in doc}
        | {f"history.{k}" for k, v in history.items() if v is not None}
    )
    assert not given_inputs & set(result.unanswered)
    # The engine's fast constructor must give exactly what full validation gives.
    validated = type(result).model_validate(result.model_dump())
    assert validated == result
    assert validated.model_fields_set == result.model_fields_set
    assert validated.model_dump_json() == result.model_dump_json()


def test_the_same_input_gives_the_same_output_under_other_hash_seeds() -> None:
    """Set and dict order must not leak into an assessment: the same documents, assessed
    in processes with different string hash seeds, give the same JSON."""
    rng = random.Random(7)
    docs = []
    for _ in range(300):
        chosen = rng.sample(IDS, rng.randint(0, 10))
        split = rng.randint(0, len(chosen))
        doc: dict[str, Any] = {"findings": chosen[:split], "absent": chosen[split:]}
        if rng.random() < 0.5:
            doc["onset"] = rng.choice(["sudden", "gradual"])
        if rng.random() < 0.5:
            doc["age_years"] = rng.randint(0, 100)
        docs.append(doc)
    code = (
        "import json, sys\n"
        "from neckcheck.domain import Findings\n"
        "from neckcheck.engine import assess\n"
        "docs = json.load(sys.stdin)\n"
        "print(json.dumps([assess(Findings.model_validate(d)).model_dump(mode='json')"
        " for d in docs]))\n"
    )
    outputs = {
        seed: subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(docs),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert outputs["1"] == outputs["2"] == outputs["3"]
    assert len(json.loads(outputs["1"])) == len(docs)
