"""The assessment contract: unanswered questions, advice, sources, disclaimer."""

from __future__ import annotations

from typing import Any

import pytest

from neckcheck.domain import Findings, Level
from neckcheck.engine import Engine, assess
from neckcheck.knowledge import load


def _assess(doc: dict[str, Any]) -> Any:
    return assess(Findings.model_validate(doc))


@pytest.mark.parametrize(
    ("doc", "unanswered"),
    [
        # The DESIGN.md example: sudden onset would make it an emergency.
        (
            {
                "findings": ["neck_pain", "cramping_knot", "dizziness", "nausea_vomiting"],
                "intensity": 6,
                "duration_hours": 5,
                "age_years": 41,
                "absent": ["fever"],
            },
            ["chest_pain", "shortness_of_breath", "sweating", "exertional_onset", "onset"],
        ),
        (
            {"findings": ["recent_trauma"]},
            [
                "age_years",
                "dangerous_mechanism",
                "arm_numbness_tingling",
                "arm_weakness",
                "symptoms_both_arms",
            ],
        ),
        (
            {
                "findings": ["recent_trauma"],
                "age_years": 30,
                "absent": [
                    "dangerous_mechanism",
                    "arm_numbness_tingling",
                    "arm_weakness",
                    "symptoms_both_arms",
                ],
            },
            [],
        ),
        (
            {
                "findings": ["recent_throat_or_ear_infection"],
                "intensity": 3,
                "duration_hours": 2,
                "history": {"episodes_last_30_days": 1, "weeks_with_symptoms": 1},
            },
            ["age_years"],
        ),
        # A pulled head engages the drug-dystonia and dystonia rules: ask what they need.
        (
            {
                "findings": ["head_pulled_to_side"],
                "intensity": 3,
                "duration_hours": 2,
                "history": {"episodes_last_30_days": 1},
            },
            [
                "new_dopamine_blocker_medication",
                "sensory_trick",
                "head_tremor",
                "history.weeks_with_symptoms",
            ],
        ),
        (
            {"findings": ["neck_pain"]},
            [
                "intensity",
                "duration_hours",
                "history.episodes_last_30_days",
                "history.weeks_with_symptoms",
            ],
        ),
        (
            {"findings": ["fever"]},
            [
                "headache",
                "neck_stiffness",
                "photophobia",
                "nausea_vomiting",
                "confusion_drowsiness",
                "rash",
            ],
        ),
        # Nothing can raise an emergency.
        ({"findings": ["thunderclap_headache", "headache"]}, []),
    ],
)
def test_unanswered_lists_what_could_raise_the_level(
    doc: dict[str, Any], unanswered: list[str]
) -> None:
    assert _assess(doc).unanswered == unanswered


def test_answering_the_question_changes_the_level() -> None:
    doc = {"findings": ["dizziness", "balance_problems"]}
    assert _assess(doc).level is Level.urgent
    assert "onset" in _assess(doc).unanswered
    assert _assess({**doc, "onset": "sudden"}).level is Level.emergency


@pytest.mark.parametrize("level", list(Level))
def test_every_level_has_sourced_advice(level: Level) -> None:
    docs = {
        Level.emergency: {"findings": ["chest_pain"]},
        Level.urgent: {"findings": ["fever"]},
        Level.soon: {"findings": ["night_pain"]},
        Level.routine: {"findings": [], "duration_hours": 200},
        Level.self_care: {"findings": ["neck_pain"]},
    }
    result = _assess(docs[level])
    assert result.level is level
    assert result.advice
    for item in result.advice:
        assert item.sources
        assert all(key in result.sources for key in item.sources)


def test_self_care_advice_covers_the_spec() -> None:
    texts = " ".join(a.text for a in _assess({"findings": ["neck_pain"]}).advice).lower()
    for phrase in (
        "gently moving",
        "pain relief",
        "heat pack or a cold pack",
        "low, firm pillow",
        "neck collar",
        "do not drive",
        "one to two weeks",
    ):
        assert phrase in texts


def test_the_electrolyte_myth_is_corrected_for_cramps() -> None:
    cramp = _assess({"findings": ["cramping_knot"]})
    assert any("electrolyte" in a.text and "giuriato" in a.sources for a in cramp.advice)
    plain = _assess({"findings": ["neck_pain"]})
    assert not any("electrolyte" in a.text for a in plain.advice)


def test_emergency_advice_leads_with_the_call_and_skips_home_care() -> None:
    result = _assess({"findings": ["thunderclap_headache"]})
    assert result.advice[0].text.startswith("Call your local emergency number")
    assert not any("pillow" in a.text for a in result.advice)


def test_injury_advice_says_keep_still() -> None:
    result = _assess({"findings": ["recent_trauma"], "age_years": 70})
    assert any("keep your neck as still" in a.text for a in result.advice)


def test_disclaimer_says_what_neckcheck_is_not() -> None:
    disclaimer = _assess({"findings": []}).disclaimer
    assert "not a diagnosis" in disclaimer
    assert "not been validated by clinicians" in disclaimer
    assert "emergency number" in disclaimer


def test_sources_are_full_citations() -> None:
    result = _assess({"findings": ["neck_pain", "cramping_knot"]})
    assert result.sources["giuriato"].startswith("Giuriato G, Pedrinolla A")


def test_an_engine_for_other_knowledge_uses_its_rules() -> None:
    kb = load()
    stricter = kb.model_copy(
        update={
            "rules": [
                r.model_copy(update={"level": Level.emergency}) if r.id == "dizziness" else r
                for r in kb.rules
            ]
        }
    )
    doc = Findings(findings=["dizziness"])
    assert Engine(stricter).assess(doc).level is Level.emergency
    assert assess(doc, stricter).level is Level.emergency
    assert assess(doc).level is Level.urgent


def test_the_fast_constructor_matches_model_construct() -> None:
    from neckcheck.domain import Assessment
    from neckcheck.engine.assess import _new_assessment

    result = _assess({"findings": ["fever", "cramping_knot"], "intensity": 4})
    fields = dict(result.__dict__)
    assert _new_assessment(dict(fields)) == Assessment.model_construct(**fields)
    assert not any(field.alias for field in Assessment.model_fields.values())
    assert all(field.is_required() for field in Assessment.model_fields.values())
    assert Assessment.model_config.get("extra") == "forbid"
    with pytest.raises(Exception, match="frozen"):
        result.level = Level.urgent  # type: ignore[misc]
