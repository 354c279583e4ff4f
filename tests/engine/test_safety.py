"""The safety benchmark's simulated interview (scripts/safety.py, ``make safety``): a truthful
patient answering whatever the check asks, from the annotations of the tests' texts, is never
left with a less urgent level than the truth when it is an emergency or urgent."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from tests.conftest import report

if TYPE_CHECKING:
    from neckcheck.nlp.extract import Extraction


def _safety() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "scripts" / "safety.py"
    spec = importlib.util.spec_from_file_location("safety", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["safety"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.xdist_group("corpus")  # the sentences' readings are shared (read_corpus_text)
@pytest.mark.parametrize("sentences", [False, True], ids=["form skipped", "sentence read"])
def test_the_simulated_interview_under_triages_nothing(
    sentences: bool, read_corpus_text: Callable[[str], Extraction]
) -> None:
    total, _ = _safety().simulation(sentences=sentences, read=read_corpus_text)
    start = "the sentence read first" if sentences else "the form skipped"
    report(
        f"safety-{sentences}",
        f"interview simulation, {start}: {total.exact}/{total.cases} exact, "
        f"{total.under}/{total.serious} serious cases under-triaged",
    )
    assert total.cases > 700
    assert total.misses == []


def test_the_benign_checks_taps_stay_within_nine_from_the_age_of_18() -> None:
    """The new warning signs of TRIAGE v3 join the six screening groups, asked only where
    their answer could raise the level: an ordinary spasm's check takes the quick log's
    three taps and one per group, whatever the adult's age (jaw pain on chewing and a tender
    scalp are asked from 50 inside the headache group). A child's check also asks about a
    recent throat or ear infection (v2), one tap more."""
    safety = _safety()
    taps = {age: safety.benign_check_taps(age) for age in (18, 41, 49, 50, 72)}
    report("benign-taps", f"benign check taps by age (web pages): {taps}")
    assert all(count <= 9 for count in taps.values()), taps
    assert safety.benign_check_taps(8) == 10
