"""Every standard code in the findings catalogue is checked against a published source.

ICD-10-CM codes are read from the CDC's tabular list as the ``simple-icd-10-cm`` package ships
it (the April 2026 release): each must be a code that can be recorded (not a category or a
heading) and its display must be the code's title there, word for word. No SNOMED CT release
can be downloaded here, so SNOMED CT codes get the checks an identifier allows (the Verhoeff
check digit and the partition of a concept) and a display; the concepts themselves were
chosen by hand (docs/fhir.md says which and why).
"""

from __future__ import annotations

import warnings
from types import ModuleType

import pytest

from neckcheck.knowledge import load
from neckcheck.knowledge.models import Codes, Finding

CODED = [f for f in load().findings if f.codes.icd10cm or f.codes.snomed]

# Verhoeff's dihedral group D5: multiplication, the position permutation, and inverses.
_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


@pytest.fixture(scope="module")
def icd() -> ModuleType:
    """The tabular list, read when a test needs it: importing the package parses its whole
    XML release (seconds), which collecting the suite in every test process must not pay."""
    with warnings.catch_warnings():
        # It reads its data with importlib.resources.read_text, deprecated since 3.11.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def verhoeff_valid(number: str) -> bool:
    check = 0
    for position, digit in enumerate(reversed(number)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def test_the_verhoeff_check_catches_a_changed_digit() -> None:
    assert verhoeff_valid("81680005")  # Neck pain
    assert not verhoeff_valid("81680008")
    assert not verhoeff_valid("18680005")


@pytest.mark.parametrize("finding", [f for f in CODED if f.codes.icd10cm], ids=lambda f: f.id)
def test_icd10cm_codes_are_recordable_and_displayed_with_their_published_title(
    finding: Finding, icd: ModuleType
) -> None:
    code = finding.codes.icd10cm
    assert code is not None
    assert icd.is_valid_item(code), f"{code} is not in the ICD-10-CM tabular list"
    assert icd.is_leaf(code), f"{code} is a category or heading, not a code to record"
    assert finding.codes.icd10cm_display == icd.get_description(code)


@pytest.mark.parametrize("finding", [f for f in CODED if f.codes.snomed], ids=lambda f: f.id)
def test_snomed_codes_are_concept_identifiers(finding: Finding) -> None:
    code = finding.codes.snomed
    assert code is not None
    assert verhoeff_valid(code), f"{code}: wrong check digit"
    assert code[-3:-1] == "00", f"{code} is not a concept identifier (partition {code[-3:-1]})"
    assert finding.codes.snomed_display


@pytest.mark.parametrize(
    ("finding", "code"),
    [
        # Each was coded with a code that says less or something else (issue 16).
        ("nausea_vomiting", None),
        ("history_of_cancer", None),
        ("confusion_drowsiness", None),
        ("head_pulled_to_side", "G24.3"),
    ],
)
def test_findings_with_no_exact_code_have_none(finding: str, code: str | None) -> None:
    assert load().finding(finding).codes.icd10cm == code


def test_a_code_without_its_display_is_refused() -> None:
    with pytest.raises(ValueError, match="icd10cm and icd10cm_display go together"):
        Codes.model_validate({"icd10cm": "M54.2"})
    with pytest.raises(ValueError, match="snomed and snomed_display go together"):
        Codes.model_validate({"snomed_display": "Neck pain"})


def test_docs_fhir_lists_every_standard_code_of_the_catalogue() -> None:
    """docs/fhir.md's table of codes is the catalogue's, row for row."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "fhir.md").read_text("utf-8")
    for finding in CODED:
        codes = finding.codes
        snomed = f"{codes.snomed} {codes.snomed_display}" if codes.snomed else ""
        icd10cm = f"{codes.icd10cm} {codes.icd10cm_display}" if codes.icd10cm else ""
        row = f"| `{finding.id}` | {snomed} | {icd10cm} |".replace("|  |", "| |")
        assert row in docs, row
