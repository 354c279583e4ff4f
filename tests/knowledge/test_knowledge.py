"""The knowledge base: complete against the specification, and validated as data."""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from neckcheck.domain import Findings, Level
from neckcheck.engine import assess
from neckcheck.errors import KnowledgeError
from neckcheck.knowledge import load, read_raw, validate

# The findings catalogue minimum of clinical/TRIAGE.md, and the findings TRIAGE v3 adds.
SPEC_FINDINGS = [
    "neck_pain",
    "pain_dull",
    "pain_throbbing",
    "pain_sharp",
    "pain_burning",
    "pain_radiates_arm",
    "twitching",
    "cramping_knot",
    "reduced_range_of_motion",
    "headache",
    "head_pulled_to_side",
    "vision_trouble",
    "dizziness",
    "balance_problems",
    "fatigue",
    "chest_pain",
    "shortness_of_breath",
    "sweating",
    "nausea_vomiting",
    "exertional_onset",
    "thunderclap_headache",
    "fever",
    "neck_stiffness",
    "photophobia",
    "rash",
    "confusion_drowsiness",
    "double_vision",
    "vision_loss",
    "slurred_speech",
    "difficulty_swallowing",
    "drop_attack",
    "one_sided_numbness_weakness",
    "droopy_eyelid_unequal_pupils",
    "recent_trauma",
    "dangerous_mechanism",
    "arm_numbness_tingling",
    "arm_weakness",
    "symptoms_both_arms",
    "hand_clumsiness",
    "unsteady_walking",
    "bladder_bowel_change",
    "weakness_worsening_rapidly",
    "breathing_difficulty",
    "drooling",
    "iv_drug_use",
    "immunosuppression",
    "recent_spinal_procedure",
    "new_dopamine_blocker_medication",
    "recent_throat_or_ear_infection",
    "history_of_cancer",
    "unexplained_weight_loss",
    "night_pain",
    "inflammatory_arthritis",
    "sensory_trick",
    "head_tremor",
    "leg_weakness",
    "new_severe_unusual_pain",
    # TRIAGE v3: the key features of the dangerous look-alikes (docs/clinical-review.md)
    "recent_wound",
    "jaw_stiffness",
    "jaw_pain_chewing",
    "scalp_tenderness",
    "perioral_tingling",
    "hand_foot_cramps",
    "recent_neck_surgery",
    "recent_neck_manipulation",
    "pulsatile_tinnitus",
    "morning_stiffness_shoulders",
    "jaw_throat_discomfort",
    "tearing_pain_between_shoulders",
    "non_blanching_rash",
    "neck_jaw_swelling",
    "muffled_voice",
    "dystonia_eyes_tongue_jaw",
    "serotonergic_medication",
    "dark_urine",
    "one_sided_blistering_rash",
    "painful_swallowing",
    "pain_both_arms",
    "body_muscle_spasms",
]
SPEC_TRIGGERS = [
    "strain",
    "overuse",
    "poor_posture",
    "sleep_position",
    "stress",
    "long_drive",
    "carrying_heavy",
    "cold_draft",
    "exercise",
    "screen_time",
    "poor_sleep",
]
# The rule table of TRIAGE v3: clinical/TRIAGE.md (v2) with the changes of
# docs/clinical-review.md. id -> (level, sources).
SPEC_RULES = {
    "cardiac": ("emergency", ["nz-heart"]),
    "thunderclap": ("emergency", ["ichd3-sah", "ottawa-sah"]),
    "meningitis": ("emergency", ["nhs-meningitis"]),
    "meningism": ("emergency", ["nhs-meningitis", "nhs-sah"]),
    "rash_not_fading": ("emergency", ["nhs-meningitis", "sepsis-trust"]),
    "sepsis_signs": ("emergency", ["sepsis-trust", "nhs-meningitis"]),
    "febrile_child": ("emergency", ["nice-ng143", "rpa"]),
    "neuro_vascular": ("emergency", ["ifompt", "5d3n", "acep-cad"]),
    "aortic_dissection": ("emergency", ["hse-aortic"]),
    "dizziness_plus": ("emergency", ["barany", "ifompt"]),
    "sudden_imbalance": ("emergency", ["be-fast", "barany", "ifompt"]),
    "trauma_high_risk": ("emergency", ["c-spine", "nexus", "as-fracture"]),
    "airway": ("emergency", ["rpa", "dystonia-ap"]),
    "deep_neck_infection": ("emergency", ["dnsi", "ggc-quinsy"]),
    "tetanus": ("emergency", ["nhs-tetanus"]),
    "cord_emergency": ("emergency", ["dcm", "sea"]),
    "cancer_cord": ("emergency", ["nice-mscc"]),
    "infection_neuro": ("emergency", ["sea"]),
    "nms": ("emergency", ["ebm-nms"]),
    "serotonin": ("emergency", ["hunter", "mayo-serotonin"]),
    "gca_vision": ("emergency", ["cks-gca", "wa-gca"]),
    "hypocalcaemia_tetany": ("emergency", ["thyroid-calcium", "hypocalcaemia-gp"]),
    "rhabdomyolysis": ("emergency", ["krames-rhabdo"]),
    "myelopathy": ("urgent", ["cks-neck", "dcm"]),
    "infection": ("urgent", ["cks-neck", "sea"]),
    "cancer_night_pain": ("urgent", ["nice-mscc"]),
    "drug_dystonia": ("urgent", ["dystonia-ap"]),
    "dystonia_face": ("urgent", ["dystonia-ap"]),
    "gca": ("urgent", ["cks-gca", "bsr-gca"]),
    "hypocalcaemia": ("urgent", ["thyroid-calcium", "hypocalcaemia-gp"]),
    "wound_spasm": ("urgent", ["nhs-tetanus"]),
    "trismus": ("urgent", ["ggc-quinsy", "nhs-tetanus", "dystonia-ap"]),
    "neck_infection": ("urgent", ["ggc-quinsy", "dnsi"]),
    "angina_like": ("urgent", ["nhs-angina", "nz-heart"]),
    "cad_manipulation": ("urgent", ["ifompt", "acep-cad", "cad-manipulation"]),
    "pulsatile_tinnitus": ("urgent", ["cad-tinnitus", "ifompt"]),
    "shingles": ("urgent", ["nhs-shingles"]),
    "child_torticollis": ("urgent", ["grisel"]),
    "trauma": ("urgent", ["c-spine"]),
    "arm_weakness": ("urgent", ["racgp-radic"]),
    "breathless": ("urgent", ["nz-heart"]),
    "dizziness": ("urgent", ["barany"]),
    "vision": ("urgent", ["torticollis-safety"]),
    "new_unusual_pain": ("urgent", ["acep-cad", "ifompt"]),
    "inflammatory": ("soon", ["aas"]),
    "radicular": ("soon", ["racgp-radic"]),
    "serious_history": ("soon", ["cks-neck"]),
    "dystonia": ("soon", ["msd-cd"]),
    "pmr": ("soon", ["cks-pmr"]),
    "both_arms_pain": ("soon", ["cks-neck", "dcm-symptoms"]),
    "child_head_tilt": ("soon", ["headsmart"]),
    "severe_persistent": ("soon", ["cks-neck"]),
    "lingering": ("routine", ["seed", "cks-neck"]),
    "recurring": ("routine", ["seed"]),
    "chronic": ("routine", ["cks-neck", "jospt"]),
}
SPEC_SOURCES = [
    "seed",
    "giuriato",
    "cks-neck",
    "optima",
    "nhs-neck",
    "jospt",
    "ifompt",
    "5d3n",
    "acep-cad",
    "barany",
    "nhs-meningitis",
    "ichd3-sah",
    "ottawa-sah",
    "c-spine",
    "nexus",
    "dcm",
    "sea",
    "racgp-radic",
    "rpa",
    "dystonia-ap",
    "grisel",
    "aas",
    "msd-cd",
    "torticollis-safety",
    "nz-heart",
    # TRIAGE v3 (docs/clinical-review.md)
    "nhs-tetanus",
    "cks-gca",
    "bsr-gca",
    "wa-gca",
    "cks-pmr",
    "nice-ng143",
    "nhs-sah",
    "sepsis-trust",
    "ebm-nms",
    "hunter",
    "mayo-serotonin",
    "thyroid-calcium",
    "hypocalcaemia-gp",
    "cad-manipulation",
    "cad-tinnitus",
    "hse-aortic",
    "nhs-angina",
    "be-fast",
    "nice-mscc",
    "as-fracture",
    "ggc-quinsy",
    "dnsi",
    "nhs-sore-throat",
    "nhs-shingles",
    "krames-rhabdo",
    "headsmart",
    "dcm-symptoms",
    # The outcome measures' (REFERENCES.md, Instruments).
    "cleland2008",
    "stratford1995",
    "westaway1998",
]


def test_catalogue_holds_every_finding_of_the_spec() -> None:
    assert set(SPEC_FINDINGS) <= load().finding_ids


def test_every_finding_has_label_question_and_synonyms() -> None:
    for finding in load().findings:
        assert finding.label.strip() and finding.question.strip().endswith("?"), finding.id
        assert finding.synonyms, f"{finding.id} has no lay synonyms for the text extractor"


def test_triggers_match_the_spec() -> None:
    assert [t.id for t in load().diary.triggers] == SPEC_TRIGGERS


def test_sources_match_the_references() -> None:
    assert [s.key for s in load().sources] == SPEC_SOURCES


def test_rules_match_the_spec_table() -> None:
    rules = {r.id: (r.level.value, list(r.sources)) for r in load().rules}
    assert rules == SPEC_RULES


def test_every_rule_message_leads_with_the_action_and_never_diagnoses() -> None:
    actions = {
        Level.emergency: "Call emergency services now",
        Level.urgent: ("See a doctor today", "Have a doctor see the child today"),
        Level.soon: "See a clinician within the next few days",
        Level.routine: "Book a visit with a physiatrist, physical therapist or chiropractor",
    }
    for rule in load().rules:
        assert rule.message.startswith(actions[rule.level]), rule.id
        assert not re.search(r"\byou have\b|\bdiagnos", rule.message, re.I), rule.id


def test_advice_never_gives_a_dose() -> None:
    for item in load().advice.items:
        assert not re.search(r"\d\s*(mg|g|ml|tablets?)\b", item.text, re.I), item.id


def test_facts_cover_the_article_topics_with_sources() -> None:
    topics = {fact.topic for fact in load().facts}
    assert topics == {"what", "symptoms", "course", "causes", "diagnosis", "myth"}
    myth = next(f for f in load().facts if f.topic == "myth")
    assert "giuriato" in myth.sources


def test_citations_are_complete() -> None:
    giuriato = load().source("giuriato").citation()
    assert "Giuriato G" in giuriato and "2018" in giuriato
    assert "doi:10.1016/j.jelekin.2018.05.006" in giuriato


SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed"
# Hashes of the article's 7-word runs (the article itself is not shipped with the tests).
ARTICLE_RUNS = Path(__file__).with_name("article_runs.txt")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def _runs(words: list[str]) -> set[str]:
    return {
        hashlib.sha256(" ".join(words[i : i + 7]).encode()).hexdigest()[:16]
        for i in range(len(words) - 6)
    }


def test_facts_paraphrase_rather_than_copy_the_article() -> None:
    shipped = {
        line for line in ARTICLE_RUNS.read_text("utf-8").splitlines() if not line.startswith("#")
    }
    if SEED.is_dir():  # beside a checkout of the shared folder: the hashes are the article's
        article = " ".join(p.read_text("utf-8") for p in sorted(SEED.iterdir()))
        assert _runs(_words(article)) == shipped
    assert len(shipped) > 400
    for fact in load().facts:
        assert not _runs(_words(fact.text)) & shipped, f"{fact.id} copies the article"


def _broken(change: Any) -> str:
    raw = copy.deepcopy(read_raw())
    change(raw)
    with pytest.raises(KnowledgeError) as caught:
        validate(raw)
    return str(caught.value)


def test_the_packaged_files_validate() -> None:
    validate(read_raw())


def test_an_unknown_source_key_is_rejected() -> None:
    message = _broken(lambda raw: raw["rules"][0]["sources"].append("nowhere"))
    assert "rules.cardiac: unknown source key 'nowhere'" in message


def test_an_unknown_source_key_in_advice_is_rejected() -> None:
    message = _broken(lambda raw: raw["advice"]["items"][0].update(sources=["nowhere"]))
    assert "advice.items.call_now: unknown source key 'nowhere'" in message


def test_a_duplicate_finding_id_is_rejected() -> None:
    message = _broken(lambda raw: raw["findings"].append(dict(raw["findings"][0], synonyms=[])))
    assert "findings: duplicate id 'neck_pain'" in message


def test_a_duplicate_rule_id_is_rejected() -> None:
    message = _broken(lambda raw: raw["rules"].append(raw["rules"][0]))
    assert "rules: duplicate id 'cardiac'" in message


def test_a_missing_label_is_rejected() -> None:
    message = _broken(lambda raw: raw["findings"][3].pop("label"))
    assert "findings.3.label: Field required" in message


def test_an_empty_label_is_rejected() -> None:
    message = _broken(lambda raw: raw["findings"][3].update(label=""))
    assert "findings.3.label" in message


def test_a_rule_naming_an_unknown_finding_is_rejected() -> None:
    message = _broken(lambda raw: raw["rules"][1].update(when={"finding": "thunder"}))
    assert "rules.thunderclap: unknown finding id 'thunder'" in message


def test_an_unknown_key_is_rejected() -> None:
    message = _broken(lambda raw: raw["sources"][0].update(url="https://example.org"))
    assert "sources.0.url: Extra inputs are not permitted" in message


def test_a_synonym_may_belong_to_one_finding_only() -> None:
    message = _broken(lambda raw: raw["findings"][1]["synonyms"].append("Neck Pain"))
    assert "synonym 'Neck Pain' also belongs to 'neck_pain'" in message


def test_every_level_needs_advice() -> None:
    def drop_routine(raw: dict[str, Any]) -> None:
        for item in raw["advice"]["items"]:
            item["levels"] = [lv for lv in item["levels"] if lv != "routine"] or ["urgent"]

    assert "no unconditional advice for level routine" in _broken(drop_routine)


def test_every_single_sign_that_calls_for_urgent_care_is_screened() -> None:
    """A finding that on its own makes any rule urgent or emergency must be in a screening
    group, so it is asked, never assumed absent (TRIAGE.md v2, "The interview"; TRIAGE v3)."""
    kb = load()
    grouped = set(kb.screening.findings)
    alone = {
        finding.id
        for finding in kb.findings
        if assess(Findings(findings=[finding.id]), kb).level.rank <= Level.urgent.rank
    }
    assert alone - grouped == set()
    assert len(kb.screening.groups) == 6
    for group in kb.screening.groups:
        assert len(group.title) <= 60 and not group.title.endswith("?")


def test_advice_never_contradicts_the_rules() -> None:
    """A safety-net text that names a sign tells the person the level the rules give it."""
    kb = load()
    named = [(item.id, signs) for item in kb.advice.items for signs in item.names]
    assert len(named) >= 10
    for item_id, signs in named:
        result = assess(Findings(findings=signs.findings), kb)
        assert result.level == signs.level, (item_id, signs.findings, result.level)
    safety_net = next(item for item in kb.advice.items if item.id == "watch_for_warning_signs")
    # "New weakness or numbness" was called an emergency; only one-sided is.
    assert "new weakness or numbness" not in safety_net.text


def test_learn_treats_blurred_vision_and_dizziness_as_warning_signs() -> None:
    fact = next(f for f in load().facts if f.id == "severe_symptoms")
    assert "warning signs to be checked" in " ".join(fact.text.split())
    assert {"barany", "ifompt"} <= set(fact.sources)


def test_a_screening_group_naming_an_unknown_finding_is_rejected() -> None:
    message = _broken(lambda raw: raw["screening"]["groups"][0]["findings"].append("nope"))
    assert "screening: unknown finding id 'nope'" in message


def test_clinicians_read_each_level_in_clinical_words() -> None:
    kb = load()
    assert kb.clinical_level(Level.urgent) == "Same-day review"
    assert kb.advice.levels[Level.urgent].title == "See a doctor today"  # the patient's words
    clinical = [kb.clinical_level(level) for level in Level]
    assert len(set(clinical)) == len(Level)
    assert not set(clinical) & {kb.advice.levels[level].title for level in Level}


def test_a_level_without_a_clinical_label_is_rejected() -> None:
    message = _broken(lambda raw: raw["labels"]["levels"].pop("soon"))
    assert "labels.levels: no clinical label for 'soon'" in message


def test_every_audited_action_is_worded_for_the_patient() -> None:
    from neckcheck.services.access import Action

    assert set(load().labels.audit) == {action.value for action in Action}


def test_a_measure_cites_known_sources_and_has_items_or_activities_not_both() -> None:
    raw = copy.deepcopy(read_raw())
    raw["measures"]["measures"][0]["sources"] = ["nobody"]
    with pytest.raises(KnowledgeError, match=r"measures\.nprs: unknown source key 'nobody'"):
        validate(raw)
    raw = copy.deepcopy(read_raw())
    raw["measures"]["measures"][0]["personal"] = {"min": 3, "max": 5, "label": "Activity"}
    with pytest.raises(KnowledgeError, match="either fixed items or personal ones"):
        validate(raw)


def test_each_measure_names_its_smallest_change_that_matters_from_the_references() -> None:
    measures = load().measures
    # REFERENCES.md, Instruments: NPRS about 1.3 to 1.5 points; PSFS 2 (mean), 3 (one item).
    assert 1.3 <= measures.measure("nprs").important_change <= 1.5
    assert measures.measure("nprs").loinc is not None
    assert measures.measure("nprs").loinc.code == "72514-3"
    psfs = measures.measure("psfs")
    assert (psfs.important_change, psfs.important_item_change) == (2, 3)
    assert psfs.personal is not None and (psfs.personal.min, psfs.personal.max) == (3, 5)
