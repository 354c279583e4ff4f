"""The triage vignettes: every case exact, and no emergency or urgent case under-triaged."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from neckcheck.domain import Findings, Level
from neckcheck.engine import assess
from tests.engine.conftest import load_vignettes, report

VIGNETTES = load_vignettes()
LOOKALIKE_KEYS = {"condition", "words", "text"}
BOUNDARIES = [  # (field path, value) pairs the spec's thresholds require a case for
    ("age_years", 65),
    ("age_years", 64),
    ("age_years", 16),
    ("age_years", 15),
    # TRIAGE v3: arteritis and polymyalgia from 50, a feverish child under 5, a child's head
    # tilt under 18
    ("age_years", 50),
    ("age_years", 49),
    ("age_years", 5),
    ("age_years", 4),
    ("age_years", 18),
    ("age_years", 17),
    ("duration_hours", 48),
    ("duration_hours", 168),
    ("history.episodes_last_30_days", 3),
    ("history.episodes_last_30_days", 2),
    ("history.weeks_with_symptoms", 4),
    ("history.weeks_with_symptoms", 3),
    ("history.weeks_with_symptoms", 12),
    ("history.weeks_with_symptoms", 11),
]


def _value(doc: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None  # type: ignore[assignment]
    return doc


@pytest.mark.parametrize("case", VIGNETTES, ids=[v["name"] for v in VIGNETTES])
def test_vignette(case: dict[str, Any]) -> None:
    result = assess(Findings.model_validate(case["doc"]))
    assert result.level == Level(case["level"])
    assert sorted(flag.id for flag in result.matched_rules) == sorted(case["flags"])


def test_suite_figures_are_perfect() -> None:
    exact = under = serious = 0
    for case in VIGNETTES:
        expected = Level(case["level"])
        got = assess(Findings.model_validate(case["doc"])).level
        exact += got == expected
        if expected in (Level.emergency, Level.urgent):
            serious += 1
            under += got.rank > expected.rank
    report("accuracy", f"exact level: {exact}/{len(VIGNETTES)} ({exact / len(VIGNETTES):.1%})")
    report("under", f"under-triage of emergency/urgent cases: {under}/{serious}")
    assert exact == len(VIGNETTES)
    assert under == 0


def test_the_suite_covers_the_spec(rule_ids: list[str]) -> None:
    assert len(VIGNETTES) >= 300
    per_rule = Counter(flag for case in VIGNETTES for flag in case["flags"])
    thin = {rule: per_rule[rule] for rule in rule_ids if per_rule[rule] < 4}
    assert not thin, f"rules with fewer than 4 vignettes: {thin}"
    benign = [c for c in VIGNETTES if c.get("benign")]
    assert len(benign) >= 50
    assert all(c["level"] in ("self_care", "routine") for c in benign)
    for path, value in BOUNDARIES:
        assert any(_value(c["doc"], path) == value for c in VIGNETTES), (path, value)
    red_flag_ids = {"fever", "chest_pain", "thunderclap_headache", "dizziness", "recent_trauma"}
    assert sum(bool(red_flag_ids & set(c["doc"].get("absent", []))) for c in VIGNETTES) >= 5
    assert sum(len(c["flags"]) >= 2 for c in VIGNETTES) >= 20
    assert len({c["name"] for c in VIGNETTES}) == len(VIGNETTES)
    for case in VIGNETTES:  # a stray comma in a flow-style name would add a key
        assert set(case) <= {"name", "doc", "level", "flags", "benign", *LOOKALIKE_KEYS}, case[
            "name"
        ]
