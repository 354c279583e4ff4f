"""The text extractor: what people write, negations and safety, and the corpus targets."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from neckcheck.nlp import extract
from neckcheck.nlp.evaluate import CORPUS_NOW, main
from tests.factories import cli_runner

HERE = Path(__file__).parent
NOW = datetime.fromisoformat("2026-06-30T12:00:00+00:00")


def test_the_example_sentence() -> None:
    result = extract(
        "woke up and my neck locked, can't turn my head left, sharp pain down my "
        "right arm, no fever, bit dizzy",
        now=NOW,
    )
    assert result.document.findings == [
        "cramping_knot",
        "reduced_range_of_motion",
        "pain_sharp",
        "pain_radiates_arm",
        "dizziness",
        "neck_pain",
    ]
    assert result.document.absent == ["fever"]
    assert [m.value for m in result.limited_movements] == ["rotation_left"]
    fever = next(m for m in result.mentions if m.finding == "fever")
    assert (fever.text, fever.status) == ("fever", "absent")


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("denies numbness", [], ["arm_numbness_tingling"]),
        ("the headache is gone now", [], ["headache"]),
        ("I had a spasm last year", [], []),
        ("no fever, chills or rash", [], ["fever", "rash"]),
        ("had whiplash years ago, neck hurts today", ["neck_pain"], []),
        ("fever no, headache yes", ["headache"], ["fever"]),
        ("I had cancer years ago", ["history_of_cancer"], []),
        ("my mum had rheumatoid arthritis", [], []),
        ("worried about dizziness while driving", [], []),
    ],
)
def test_negation_resolution_past_and_family(
    text: str, present: list[str], absent: list[str]
) -> None:
    result = extract(text, now=NOW)
    assert result.document.findings == present
    assert result.document.absent == absent


@pytest.mark.parametrize(
    "text", ["I can't swallow", "can't breathe properly", "I can't pee", "can't walk straight"]
)
def test_a_warning_sign_phrased_with_cant_is_present_not_denied(text: str) -> None:
    result = extract(text, now=NOW)
    assert len(result.document.findings) == 1
    assert result.document.absent == []


def test_hedged_warning_signs_are_asked_about_not_dropped() -> None:
    result = extract("not sure if I have a fever, maybe seeing double", now=NOW)
    assert result.uncertain == ["fever", "double_vision"]
    assert result.document.findings == []


def test_the_nearest_modifier_decides_and_a_hedge_is_never_turned_into_a_no() -> None:
    result = extract("no fever, not sure if seeing double", now=NOW)
    assert result.document.absent == ["fever"]
    assert result.uncertain == ["double_vision"]


def test_a_negation_far_from_a_warning_sign_makes_it_uncertain() -> None:
    text = "no problems at all with anything this morning at work really except some numbness"
    result = extract(text, now=NOW)
    assert "arm_numbness_tingling" not in result.document.absent


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("pain is 7/10", "intensity", 7),
        ("seven out of ten", "intensity", 7),
        ("worst pain ever", "intensity", None),
        ("for 3 days", "duration_hours", 72.0),
        ("since Tuesday", "duration_hours", 168.0),
        ("since this morning", "duration_hours", 5.0),
        ("suddenly", "onset", "sudden"),
        ("came on slowly", "onset", "gradual"),
        ("I'm 67", "age_years", 67),
    ],
)
def test_numbers_durations_and_onset(text: str, key: str, value: object) -> None:
    document = extract(text, now=NOW).document.model_dump(mode="json")
    assert document.get(key) == value


@pytest.mark.parametrize(
    ("text", "movement"),
    [
        ("can't turn my head to the left", "rotation_left"),
        ("it hurts to look up", "extension"),
        ("can't tilt my head to the right", "side_bending_right"),
    ],
)
def test_limited_movements_with_direction(text: str, movement: str) -> None:
    result = extract(text, now=NOW)
    assert "reduced_range_of_motion" in result.document.findings
    assert [m.value for m in result.limited_movements] == [movement]


def test_lay_phrases_and_misspellings() -> None:
    result = extract("crick in my neck, im dizy, pins and needles, seeing double", now=NOW)
    assert set(result.document.findings) == {
        "neck_pain",
        "dizziness",
        "arm_numbness_tingling",
        "double_vision",
    }


def test_nothing_loads_at_import_and_the_pipeline_is_built_once() -> None:
    code = "import sys, neckcheck.nlp; print('spacy' in sys.modules, 'medspacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
    from neckcheck.nlp.extract import _pipeline

    extract("neck pain", now=NOW)
    before = _pipeline.cache_info().misses
    extract("more neck pain", now=NOW)
    assert _pipeline.cache_info().misses == before


def test_the_corpus_meets_its_targets(capsys: pytest.CaptureFixture[str]) -> None:
    assert CORPUS_NOW == NOW
    code = main(
        [
            str(HERE / "corpus.yaml"),
            "--min-f1",
            "0.90",
            "--min-warning-recall",
            "0.98",
            "--min-negation",
            "0.95",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert (
        len(
            [
                line
                for line in (HERE / "corpus.yaml").read_text().splitlines()
                if line.startswith("- {text:")
            ]
        )
        >= 200
    )


def test_cli_extract_reads_stdin() -> None:
    import json

    from neckcheck.cli import app

    result = cli_runner().invoke(app, ["extract"], input="no fever, bit dizzy, 6/10")
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["document"]["findings"] == ["dizziness"]
    assert out["document"]["absent"] == ["fever"]
    assert out["document"]["intensity"] == 6
    assert {m["finding"] for m in out["mentions"]} == {"fever", "dizziness"}


def test_cli_log_text_asks_before_saving(env_db: str) -> None:
    import json

    from neckcheck.cli import app

    runner = cli_runner()
    refused = runner.invoke(app, ["log", "--text", "stiff neck, no fever"], input="4\nn\n")
    assert refused.exit_code == 1
    assert "said no to: Fever" in refused.output
    assert json.loads(runner.invoke(app, ["history", "--json"]).output) == []
    saved = runner.invoke(app, ["log", "--text", "stiff neck, no fever, 5/10", "--yes"])
    assert saved.exit_code == 0, saved.output
    [episode] = json.loads(runner.invoke(app, ["history", "--json"]).output)
    assert episode["intensity"] == 5
    assert episode["findings"] == ["reduced_range_of_motion"]
    assert episode["absent"] == ["fever"]
    assert episode["notes"] == "stiff neck, no fever, 5/10"
    missing = runner.invoke(app, ["log", "--text", "stiff neck", "--yes"])
    assert (missing.exit_code, missing.output.splitlines()[-1]) == (
        2,
        "Error: --intensity: is required (0-10)",
    )


def test_mentions_point_into_the_text_as_written() -> None:
    text = "Woke up.   NO Fever, but Pins And Needles in my hand"
    result = extract(text, now=NOW)
    for mention in result.mentions:
        assert text[mention.start : mention.end] == mention.text
    assert result.document.absent == ["fever"]
    assert result.document.findings == ["arm_numbness_tingling"]
