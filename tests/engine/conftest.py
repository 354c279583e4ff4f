"""Load the vignettes once; their figures are printed with the suite's (tests/conftest.py)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from neckcheck.knowledge.loader import parse_yaml
from tests.conftest import report

VIGNETTES = Path(__file__).with_name("vignettes.yaml")
# TRIAGE v3: the dangerous look-alikes, each with its condition (docs/clinical-review.md).
LOOKALIKES = Path(__file__).with_name("lookalikes.yaml")

__all__ = ["load_lookalikes", "load_vignettes", "report"]


def load_lookalikes() -> list[dict[str, Any]]:
    return list(parse_yaml(LOOKALIKES.read_text("utf-8")))


def load_vignettes() -> list[dict[str, Any]]:
    """Every vignette: the rule-by-rule cases and the look-alikes."""
    return [*parse_yaml(VIGNETTES.read_text("utf-8")), *load_lookalikes()]


@pytest.fixture(scope="session")
def rule_ids() -> list[str]:
    data = resources.files("neckcheck.knowledge") / "data" / "rules.yaml"
    return [rule["id"] for rule in parse_yaml(data.read_text("utf-8"))]
