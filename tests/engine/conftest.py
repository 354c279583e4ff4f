"""Load the vignettes once, and print the suite's figures at the end of the run."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

VIGNETTES = Path(__file__).with_name("vignettes.yaml")
_REPORT: dict[str, str] = {}


def load_vignettes() -> list[dict[str, Any]]:
    return list(yaml.safe_load(VIGNETTES.read_text("utf-8")))


def report(name: str, line: str) -> None:
    _REPORT[name] = line


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _REPORT:
        terminalreporter.section("triage vignettes")
        for line in _REPORT.values():
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def rule_ids() -> list[str]:
    data = resources.files("neckcheck.knowledge") / "data" / "rules.yaml"
    return [rule["id"] for rule in yaml.safe_load(data.read_text("utf-8"))]
