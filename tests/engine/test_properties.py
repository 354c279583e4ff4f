"""Properties of the engine over many generated findings documents (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from neckcheck.domain import Findings
from neckcheck.engine import assess
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
    flags = [flag.id for flag in result.red_flags]
    assert len(flags) == len(set(flags))
    if flags:
        assert result.level == min((RULES[f].level for f in flags), key=lambda lv: lv.rank)
        assert [f.level.rank for f in result.red_flags] == sorted(
            f.level.rank for f in result.red_flags
        )
    else:
        assert result.level.value == "self_care"
    for flag in result.red_flags:
        assert flag.sources == list(RULES[flag.id].sources)
    cited = {key for flag in result.red_flags for key in flag.sources}
    cited |= {key for item in result.advice for key in item.sources}
    assert set(result.sources) == cited
    assert result.advice


@settings(max_examples=200)
@given(documents())
def test_the_same_input_gives_the_same_output(doc: dict[str, Any]) -> None:
    first = assess(Findings.model_validate(doc)).model_dump_json()
    again = assess(Findings.model_validate(dict(doc))).model_dump_json()
    assert first == again


@settings(max_examples=200)
@given(documents())
def test_answering_an_unanswered_question_can_only_keep_or_raise_urgency(
    doc: dict[str, Any],
) -> None:
    """`unanswered` only names inputs that were not given, and the output validates."""
    result = assess(Findings.model_validate(doc))
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
