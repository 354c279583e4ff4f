"""``neckcheck check-in`` and ``neckcheck progress``: naming the activities, rating them,
refusals that name the option, and the change since the first check-in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from neckcheck.cli import app
from neckcheck.clock import FixedClock
from tests.factories import LOCAL_NOON

runner = CliRunner()
FIRST = FixedClock(LOCAL_NOON)
LATER = FixedClock(LOCAL_NOON + timedelta(weeks=3))


def run(*args: str, clock: FixedClock = FIRST) -> object:
    return runner.invoke(app, list(args), obj=clock)


def test_a_check_in_then_another_shows_the_change(migrated_env_db: str) -> None:
    first = run(
        "check-in",
        *("--activity", "Reversing the car", "--activity", "Lifting my son"),
        *("--activity", "Reading", "--pain", "7"),
        *("--rate", "1=2", "--rate", "2=3", "--rate", "3=4"),
    )
    assert first.exit_code == 0, first.output
    assert "1. Reversing the car" in first.output
    assert "Usual neck pain: 7 out of 10" in first.output
    later = run(
        "checkin", "--pain", "4", "--rate", "1=6", "--rate", "2=6", "--rate", "3=6", clock=LATER
    )
    assert later.exit_code == 0, later.output
    assert "Your usual pain is 3 points lower than on" in later.output
    shown = run("progress", "--clinical", clock=LATER)
    assert "NPRS 7 \u2192 4 (\u22123)" in shown.output
    assert "clinically important improvement" in shown.output
    assert "PSFS 3 \u2192 6 (+3)" in shown.output
    assert "A check-in is due" not in shown.output


def test_a_refused_check_in_names_the_option_and_stores_nothing(migrated_env_db: str) -> None:
    run("checkin", "--activity", "Driving", "--activity", "Reading", "--activity", "Typing")
    for args, said in (
        (["--pain", "11"], "--pain: must be a whole number 0 to 10"),
        (["--rate", "9=2"], "give N=RATING"),
        (["--pain", "3", "--rate", "1=2"], "--rate 2: rate this one too, or none of them"),
    ):
        refused = run("checkin", *args)
        assert refused.exit_code != 0
        assert said in refused.output
    assert "No check-ins yet" in run("progress").output


def test_the_check_ins_export_as_csv(migrated_env_db: str, tmp_path: Path) -> None:
    run("checkin", "--activity", "Driving", "--activity", "Reading", "--activity", "Typing")
    run("checkin", "--pain", "5", "--rate", "1=2", "--rate", "2=3", "--rate", "3=7")
    out = tmp_path / "check-ins.csv"
    exported = run("export", "--checkins", str(out))
    assert exported.exit_code == 0, exported.output
    assert f"Exported 1 check-in to {out}." in exported.output
    header, row = out.read_text().splitlines()
    assert header == "checked_in_at,nprs,psfs,psfs: Driving,psfs: Reading,psfs: Typing"
    assert row.endswith(",5,4,2,3,7")
