"""The assessment contract: unanswered questions, advice, sources, disclaimer."""

from __future__ import annotations

from typing import Any

import pytest

from neckcheck.domain import Findings, Level
from neckcheck.engine import Engine, assess
from neckcheck.knowledge import load


def _assess(doc: dict[str, Any]) -> Any:
    return assess(Findings.model_validate(doc))


SCREENING = load().screening.findings
# The screening questions a "yes" to which could lead to an emergency, on its own or with
# the follow-ups it opens (shortness of breath with sweating; an injury with a dangerous
# mechanism; a fever with a stiff neck), in the order they are asked.
EMERGENCY_SCREENING = [
    "chest_pain",
    "tearing_pain_between_shoulders",
    "jaw_throat_discomfort",
    "breathing_difficulty",
    "shortness_of_breath",
    "thunderclap_headache",
    "neck_stiffness",
    "double_vision",
    "vision_loss",
    "droopy_eyelid_unequal_pupils",
    "vision_trouble",
    "jaw_pain_chewing",  # with the age unknown: from 50, with a change in vision
    "scalp_tenderness",
    "slurred_speech",
    "muffled_voice",
    "difficulty_swallowing",
    "drooling",
    "jaw_stiffness",
    "neck_jaw_swelling",
    "drop_attack",
    "dizziness",
    "balance_problems",
    "one_sided_numbness_weakness",
    "weakness_worsening_rapidly",
    "bladder_bowel_change",
    "arm_weakness",
    "leg_weakness",
    "hand_clumsiness",
    "symptoms_both_arms",
    "unsteady_walking",
    "fever",
    "non_blanching_rash",
    "iv_drug_use",
    "immunosuppression",
    "recent_spinal_procedure",
    "history_of_cancer",
    "new_dopamine_blocker_medication",
    "serotonergic_medication",
    "recent_trauma",
    "recent_wound",
    "recent_neck_surgery",
]


def _denied(*keep: str) -> list[str]:
    """Every screening question answered no, but ``keep``."""
    return [finding for finding in SCREENING if finding not in keep]


# The age is asked once per person; where a test is about something else, an adult's.
ADULT = {"age_years": 40}


@pytest.mark.parametrize(
    ("doc", "unanswered"),
    [
        # The DESIGN.md example: the follow-ups of the partly met emergency rules first (two
        # cardiac signs, or discomfort in the jaw or both arms with the nausea; a neck too
        # stiff to bend with the vomiting; sudden onset of the dizziness), then the screening
        # questions not yet answered that could lead to an emergency (fever was denied; at
        # 41, jaw pain on chewing and a tender scalp cannot).
        (
            {
                "findings": ["neck_pain", "cramping_knot", "dizziness", "nausea_vomiting"],
                "intensity": 6,
                "duration_hours": 5,
                "age_years": 41,
                "absent": ["fever"],
            },
            [
                "chest_pain",
                "shortness_of_breath",
                "sweating",
                "exertional_onset",
                "jaw_throat_discomfort",
                "pain_both_arms",
                "neck_stiffness",
                "onset",
            ]
            + [
                f
                for f in EMERGENCY_SCREENING
                if f
                not in (
                    "chest_pain",
                    "shortness_of_breath",
                    "jaw_throat_discomfort",
                    "neck_stiffness",
                    "jaw_pain_chewing",
                    "scalp_tenderness",
                    "dizziness",
                    "fever",
                )
            ],
        ),
        # An injury asks what makes it high-risk first.
        (
            {"findings": ["recent_trauma"], "absent": _denied("recent_trauma")},
            # (its other nerve questions were screened already; a stiffened spine breaks easily)
            [
                "age_years",
                "dangerous_mechanism",
                "arm_numbness_tingling",
                "pain_both_arms",
                "confusion_drowsiness",
                "inflammatory_arthritis",
            ],
        ),
        (
            {
                "findings": ["recent_trauma"],
                "age_years": 30,
                "absent": [
                    *_denied("recent_trauma"),
                    "dangerous_mechanism",
                    "arm_numbness_tingling",
                    "pain_both_arms",
                    "confusion_drowsiness",
                    "inflammatory_arthritis",
                ],
            },
            [],
        ),
        # A child's age makes the child rules partly met: ask about the infection (urgent),
        # then the head tilt with headache or vomiting (soon).
        (
            {"findings": [], "age_years": 8, "absent": _denied(), "intensity": 3},
            [
                "recent_throat_or_ear_infection",
                "head_pulled_to_side",
                "headache",
                "nausea_vomiting",
                "duration_hours",
            ],
        ),
        # Fever asks what meningitis needs (the stiff neck was screened), then the age (a
        # child under 5 with a stiff neck), a neck that will not turn, and pain in both arms.
        (
            {"findings": ["fever"], "absent": _denied("fever")},
            [
                "headache",
                "photophobia",
                "nausea_vomiting",
                "confusion_drowsiness",
                "rash",
                "age_years",
                "reduced_range_of_motion",
                "head_pulled_to_side",
                "pain_both_arms",
            ],
        ),
        # ...and, before the screening, the nerve signs that would make it an infection
        # pressing on the spinal cord, and what a medicine reaction with a fever needs.
        (
            {"findings": ["fever", "headache"], "absent": ["neck_stiffness", "photophobia"]},
            [  # (a headache engages the thunderclap rule too: most urgent first)
                "thunderclap_headache",
                "exertional_onset",
                "onset",
                "nausea_vomiting",
                "confusion_drowsiness",
                "rash",
                "age_years",  # a child under 5; an injury at 65
                "reduced_range_of_motion",
                "head_pulled_to_side",
                "arm_weakness",
                "leg_weakness",
                "one_sided_numbness_weakness",
                "hand_clumsiness",
                "symptoms_both_arms",
                "pain_both_arms",
                "unsteady_walking",
                "new_dopamine_blocker_medication",
                "body_muscle_spasms",
                "serotonergic_medication",
                "twitching",
                *[
                    f
                    for f in EMERGENCY_SCREENING
                    if f
                    not in (
                        "thunderclap_headache",
                        "neck_stiffness",
                        "one_sided_numbness_weakness",
                        "arm_weakness",
                        "leg_weakness",
                        "hand_clumsiness",
                        "symptoms_both_arms",
                        "unsteady_walking",
                        "fever",
                        "new_dopamine_blocker_medication",
                        "serotonergic_medication",
                    )
                ],
            ],
        ),
        # Sweating alone asks for the other cardiac signs.
        (
            {"findings": ["sweating", "neck_pain"], "absent": _denied(), "intensity": 2},
            [
                "nausea_vomiting",
                "exertional_onset",
                "pain_both_arms",
                "age_years",
                "duration_hours",
            ],
        ),
        # Nothing can raise an emergency.
        ({"findings": ["thunderclap_headache", "headache"]}, []),
        # A benign spasm with every warning sign denied: the age (a child's torticollis after
        # a sore throat is urgent), then only numbers for routine rules.
        (
            {"findings": ["neck_pain", "cramping_knot"], "absent": _denied(), "intensity": 4},
            ["age_years", "duration_hours"],
        ),
    ],
)
def test_unanswered_lists_what_could_raise_the_level_most_urgent_first(
    doc: dict[str, Any], unanswered: list[str]
) -> None:
    assert _assess(doc).unanswered == unanswered


def test_a_benign_looking_episode_asks_every_warning_sign() -> None:
    """v1 asked only about rules already half met; a person who says nothing about warning
    signs is asked all of them, emergency ones first, and the check is not complete."""
    result = _assess({"findings": ["neck_pain"], "intensity": 4})
    assert result.level is Level.self_care
    assert result.complete is False
    assert set(SCREENING) <= set(result.unanswered)
    # The age first (asked once per person; with an injury, 65 or over is an emergency).
    assert result.unanswered[0] == "age_years"
    assert result.unanswered[1 : len(EMERGENCY_SCREENING) + 1] == EMERGENCY_SCREENING
    # Then what could lead to "urgent" only, then the numbers of the routine rules.
    assert result.unanswered[len(EMERGENCY_SCREENING) + 1 :] == [
        "new_severe_unusual_pain",
        "pulsatile_tinnitus",
        "dystonia_eyes_tongue_jaw",
        "one_sided_blistering_rash",
        "recent_neck_manipulation",
        "duration_hours",
    ]
    assert not any(name.startswith("history.") for name in result.unanswered)


def test_complete_only_when_nothing_urgent_is_open() -> None:
    denied = _assess({"findings": ["neck_pain"], "absent": _denied(), "intensity": 4, **ADULT})
    assert (denied.level, denied.complete) == (Level.self_care, True)
    no_age = _assess({"findings": ["neck_pain"], "absent": _denied(), "intensity": 4})
    assert (no_age.complete, no_age.unanswered[0]) == (False, "age_years")
    one_open = _assess(
        {"findings": ["neck_pain"], "absent": _denied("fever"), "intensity": 4, **ADULT}
    )
    assert (one_open.complete, one_open.unanswered[0]) == (False, "fever")
    # An emergency is complete: nothing can make it more urgent.
    assert _assess({"findings": ["chest_pain"]}).complete is True
    # Urgent, with emergency questions open: not complete.
    assert _assess({"findings": ["dizziness"]}).complete is False


def test_home_care_advice_only_when_complete() -> None:
    open_ = _assess({"findings": ["neck_pain", "cramping_knot"], "intensity": 4})
    texts = " ".join(a.text for a in open_.advice)
    assert "pillow" not in texts and "electrolyte" not in texts
    assert "have not been asked about yet" in texts
    done = _assess({"findings": ["neck_pain", "cramping_knot"], "absent": _denied(), **ADULT})
    texts = " ".join(a.text for a in done.advice)
    assert "pillow" in texts and "electrolyte" in texts
    assert "have not been asked about yet" not in texts


def test_inflammatory_arthritis_replaces_the_generic_advice() -> None:
    doc = {"findings": ["neck_pain", "inflammatory_arthritis"], "absent": _denied()}
    result = _assess(doc)
    assert result.level is Level.soon
    texts = " ".join(a.text for a in result.advice)
    assert "rheumatology team" in texts
    assert "manipulated" in texts
    assert "gently moving" not in texts and "neck collar" not in texts
    assert "aas" in result.sources


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
    done = _assess({"findings": ["neck_pain"], "absent": _denied(), **ADULT})
    texts = " ".join(a.text for a in done.advice).lower()
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
    cramp = _assess({"findings": ["cramping_knot"], "absent": _denied(), **ADULT})
    assert any("electrolyte" in a.text and "giuriato" in a.sources for a in cramp.advice)
    plain = _assess({"findings": ["neck_pain"], "absent": _denied(), **ADULT})
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
    result = _assess({"findings": ["neck_pain", "cramping_knot"], "absent": _denied(), **ADULT})
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


def test_an_assessment_the_engine_builds_is_what_validation_gives() -> None:
    from neckcheck.domain import Assessment

    result = _assess({"findings": ["fever", "cramping_knot"], "intensity": 4})
    assert Assessment.model_validate(result.model_dump()) == result
    assert result.model_fields_set == set(Assessment.model_fields)
    with pytest.raises(Exception, match="frozen"):
        result.level = Level.urgent  # type: ignore[misc]
