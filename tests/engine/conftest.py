"""Load the vignettes once; their figures are printed with the suite's (tests/conftest.py)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import report

VIGNETTES = Path(__file__).with_name("vignettes.yaml")

__all__ = ["load_vignettes", "report"]


def load_vignettes() -> list[dict[str, Any]]:
    return list(yaml.safe_load(VIGNETTES.read_text("utf-8")))


@pytest.fixture(scope="session")
def rule_ids() -> list[str]:
    data = resources.files("neckcheck.knowledge") / "data" / "rules.yaml"
    return [rule["id"] for rule in yaml.safe_load(data.read_text("utf-8"))]
