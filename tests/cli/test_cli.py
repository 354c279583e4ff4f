"""Every CLI command through Typer's runner, against a fresh SQLite file per test."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from neckcheck.cli import app
from neckcheck.clock import Clock, FixedClock
from neckcheck.storage.db import head_revision
from tests.factories import LOCAL_NOON

runner = CliRunner()


# Every command reads the time from a fixed clock, so the suite runs the same at any hour.
CLOCK = FixedClock(LOCAL_NOON)


def run(*args: str, input: str | None = None, clock: Clock = CLOCK) -> Any:
    return runner.invoke(app, list(args), input=input, obj=clock)


def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM episodes")).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def diary(migrated_env_db: str) -> str:
    """An empty, migrated diary, addressed through NECKCHECK_DATA_DIR."""
    return migrated_env_db


def _log(*args: str, clock: Clock = CLOCK) -> int:
    result = run("log", "--json", *args, clock=clock)
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output)[0]["id"])


def _all_commands() -> list[list[str]]:
    from typer.main import get_command

    root = get_command(app)
    paths: list[list[str]] = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


def test_every_command_has_help() -> None:
    paths = _all_commands()
    assert {"log", "history", "show", "edit", "delete", "assess", "schema", "db"} <= {
        p[0] for p in paths
    }
    for path in paths:
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        usage = result.output.split("Options:")[0]
        assert len(usage.split("\n", 2)[2].strip()) > 10, f"{path} has no help text"


def test_log_with_flags_then_history(diary: str) -> None:
    result = run(
        "log",
        "-n",
        "6",
        "--onset",
        "sudden",
        "--region",
        "upper_left",
        "--region",
        "shoulder_left",
        "--limited",
        "rotation_left",
        "--quality",
        "sharp",
        "-t",
        "sleep_position",
        "-r",
        "heat=some",
        "--affects",
        "driving",
        "--stress",
        "4",
        "--notes",
        "woke up with it",
        "-f",
        "headache",
        "--absent",
        "fever",
        "--start",
        "2026-03-04T07:15+01:00",
        "--end",
        "2026-03-04T09:00+01:00",
    )
    assert result.exit_code == 0, result.output
    assert "Logged episode 1 (2026-03-04 07:15 +0100)." in result.output
    assert "LOOK AFTER IT AT HOME (self_care)" in result.output
    [episode] = json.loads(run("history", "--json").output)
    assert episode["intensity"] == 6
    assert episode["regions"] == ["upper_left", "shoulder_left"]
    assert episode["remedies"] == [{"remedy": "heat", "helped": "some"}]
    assert episode["absent"] == ["fever"]
    assert episode["started_at"] == "2026-03-04T07:15:00+01:00"
    table = run("history").output
    assert "2026-03-04 07:15 +0100" in table
    assert "1.8 h" in table
    assert "Headache" in table


def test_log_reports_an_urgent_episode(diary: str) -> None:
    result = run("log", "-n", "3", "-f", "dizziness")
    assert "SEE A DOCTOR TODAY (urgent)" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "11"], "Error: --intensity: must be at most 10"),
        ([], "Error: --intensity: is required (0-10)"),
        (
            ["-n", "5", "-f", "feverr"],
            "Error: --finding: unknown finding id 'feverr'; did you mean 'fever'?",
        ),
        (["-n", "5", "--region", "neck"], "Error: --region: must be one of: 'upper_left', "),
        (
            ["-n", "5", "--start", "tomorrow"],
            "Error: --start: cannot read 'tomorrow' as a time; use now, HH:MM or 2026-05-01T08:30",
        ),
        (
            ["-n", "5", "--start", "2026-03-04T10:00", "--end", "2026-03-04T09:00"],
            "Error: --end: must not be before the start",
        ),
        (["-n", "5", "-r", "heat"], "Error: --remedy: write 'heat' as REMEDY=HELPED"),
        (["-n", "5", "-r", "heat=lots"], "Error: --remedy: must be one of: 'none', 'some'"),
        (
            ["-n", "5", "-f", "fever", "--absent", "fever"],
            "Error: --absent: 'fever' is listed both as present (findings) and as absent",
        ),
        (["-n", "5", "--stress", "12"], "Error: --stress: must be at most 10"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    diary: str, args: list[str], message: str
) -> None:
    result = run("log", *args)
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert result.output.count("\n") == 1
    assert _count(diary) == 0


def test_a_bad_setting_names_the_variable(diary: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NECKCHECK_PORT", "eighty")
    result = run("history")
    assert result.exit_code == 2
    assert result.output == "Error: NECKCHECK_PORT: must be a whole number\n"


def test_interactive_log_asks_question_by_question(diary: str) -> None:
    answers = (
        "\n".join(
            [
                "2026-03-05T08:00+00:00",  # start
                "n",  # not ongoing
                "2026-03-05T10:30+00:00",  # end
                "7",  # intensity
                "gradual",
                "upper_right, lower_right",
                "rotation_right",
                "throbbing",
                "headache",
                "screen_time",
                "work",
                "heat=a_lot, rest=none",
                "6",
                "long day",
                # The check's six groups of warning signs: none of these, one key each; then
                # the age, asked once (a child's torticollis is urgent).
                *["n"] * 6,
                "40",
            ]
        )
        + "\n"
    )
    result = run("log", "--interactive", input=answers)
    assert result.exit_code == 0, result.output
    [episode] = json.loads(run("history", "--json").output)
    assert episode["intensity"] == 7
    assert episode["onset"] == "gradual"
    assert episode["regions"] == ["upper_right", "lower_right"]
    assert episode["ended_at"] == "2026-03-05T10:30:00Z"
    assert episode["remedies"] == [
        {"remedy": "heat", "helped": "a_lot"},
        {"remedy": "rest", "helped": "none"},
    ]
    assert episode["notes"] == "long day"


def test_show_prints_the_episode(diary: str) -> None:
    episode_id = _log("-n", "4", "--region", "upper_left", "--region", "lower_right")
    result = run("show", str(episode_id))
    assert result.exit_code == 0
    assert "Worst pain  4/10" in result.output
    assert "upper left, lower right (both)" in result.output
    as_json = json.loads(run("show", str(episode_id), "--json").output)
    assert as_json["id"] == episode_id


def test_show_an_unknown_episode(diary: str) -> None:
    result = run("show", "42")
    assert result.exit_code == 2
    assert result.output == "Error: episode 42 not found\n"


def test_edit_changes_only_given_fields(diary: str) -> None:
    # Times of day are read on the clock's day (before 08:00 on the wall clock, "08:00"
    # today would be in the future; the fixed clock's is noon).
    episode_id = _log("-n", "4", "--notes", "keep me", "--start", "08:00")
    result = run("edit", str(episode_id), "-n", "7", "--end", "09:00")
    assert result.exit_code == 0, result.output
    episode = json.loads(run("show", str(episode_id), "--json").output)
    assert episode["intensity"] == 7
    assert episode["notes"] == "keep me"
    assert episode["ended_at"] is not None
    assert run("edit", str(episode_id), "--ongoing").exit_code == 0
    assert json.loads(run("show", str(episode_id), "--json").output)["ended_at"] is None


def test_a_bad_edit_changes_nothing(diary: str) -> None:
    episode_id = _log("-n", "4", "--start", "2026-03-04T10:00+00:00")
    before = run("show", str(episode_id), "--json").output
    result = run("edit", str(episode_id), "-n", "5", "--end", "2026-03-04T09:00+00:00")
    assert result.exit_code == 2
    assert result.output == "Error: --end: must not be before the start\n"
    assert run("show", str(episode_id), "--json").output == before
    assert run("edit", str(episode_id)).exit_code == 2


def test_delete_asks_first(diary: str) -> None:
    episode_id = _log("-n", "4")
    refused = run("delete", str(episode_id), input="n\n")
    assert refused.exit_code == 1
    assert _count(diary) == 1
    accepted = run("delete", str(episode_id), input="y\n")
    assert accepted.exit_code == 0
    assert f"Deleted episode {episode_id}." in accepted.output
    assert _count(diary) == 0
    assert run("delete", str(episode_id), "-y").exit_code == 2


def test_history_filters_by_date(diary: str) -> None:
    for day in ("2026-02-01", "2026-02-10", "2026-02-20"):
        _log("-n", "3", "--start", f"{day}T09:00+00:00")
    rows = json.loads(run("history", "--json", "--from", "2026-02-05", "--to", "2026-02-10").output)
    assert [r["started_at"][:10] for r in rows] == ["2026-02-10"]
    assert len(json.loads(run("history", "--json", "--limit", "2").output)) == 2


def test_history_when_empty(diary: str) -> None:
    assert "No episodes logged yet" in run("history").output


def test_schema_findings_is_a_json_schema() -> None:
    schema = json.loads(run("schema", "findings").output)
    assert schema["required"] == ["findings"]
    assert schema["properties"]["intensity"]["anyOf"][0]["maximum"] == 10
    assessment = json.loads(run("schema", "assessment").output)
    assert set(assessment["required"]) == {
        "level",
        "matched_rules",
        "advice",
        "unanswered",
        "complete",
        "sources",
        "disclaimer",
    }
    assert "started_at" in json.loads(run("schema", "episode").output)["properties"]


def test_findings_lists_the_ids() -> None:
    output = run("findings").output
    assert "thunderclap_headache" in output
    assert "sleep_position" in output


def test_db_commands(env_db: str) -> None:
    assert run("db", "current").output.strip() == "none"
    assert f"Database is at revision {head_revision()}." in run("db", "upgrade").output
    assert run("db", "current").output.strip() == head_revision()


def test_log_uses_now_by_default(diary: str) -> None:
    _log("-n", "2")
    [episode] = json.loads(run("history", "--json").output)
    assert datetime.fromisoformat(episode["started_at"]) == CLOCK.now()


def test_a_start_in_the_future_is_refused(diary: str) -> None:
    later = (CLOCK.now() + timedelta(hours=1)).isoformat()
    result = run("log", "-n", "2", "--start", later)
    assert (result.exit_code, result.output) == (2, "Error: --start: is in the future\n")
    assert _count(diary) == 0


def test_database_url_setting_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("NECKCHECK_DATABASE_URL", url)
    _log("-n", "2")
    assert _count(url) == 1


def test_assess_reads_a_file(tmp_path: Path) -> None:
    doc = tmp_path / "doc.json"
    doc.write_text(json.dumps({"findings": ["fever", "rash"]}))
    result = run("assess", str(doc))
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["level"] == "emergency"
    assert [f["id"] for f in out["matched_rules"]] == ["meningitis", "infection"]
    assert "nhs-meningitis" in out["sources"]


def test_assess_reads_stdin_and_prints_text() -> None:
    result = run("assess", "--text", input='{"findings": ["dizziness"]}')
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "[!] SEE A DOCTOR TODAY (urgent)"
    assert "Questions that could change this:" in result.output
    assert "- Did it start suddenly, or build up gradually?" in result.output
    assert "[1] Seemungal BM et al." in result.output
    assert lines[-1].startswith("neckcheck is not a diagnosis")


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ('{"findings": ["neck_pain"], "intensity": 12}', "Error: intensity: must be at most 10\n"),
        (
            '{"findings": ["nek_pain"]}',
            "Error: findings.0: unknown finding id 'nek_pain'; did you mean 'neck_pain'?\n",
        ),
        ("[]", "Error: document: a findings document must be a JSON object\n"),
        (
            "{",
            "Error: standard input: not valid JSON (line 1, column 2: "
            "Expecting property name enclosed in double quotes)\n",
        ),
        ("{}", "Error: findings: is required\n"),
    ],
)
def test_assess_rejects_bad_documents(stdin: str, message: str) -> None:
    result = run("assess", input=stdin)
    assert result.exit_code == 2
    assert result.output == message


def test_assess_a_missing_file(tmp_path: Path) -> None:
    result = run("assess", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert result.output.startswith("Error: FILE: cannot read")


def test_assess_a_logged_episode_uses_its_history(diary: str) -> None:
    for day in ("01", "10"):
        _log(
            "-n",
            "3",
            "--start",
            f"2026-05-{day}T08:00+00:00",
            "--end",
            f"2026-05-{day}T09:00+00:00",
        )
    third = _log("-n", "3", "--start", "2026-05-20T08:00+00:00", "--end", "2026-05-20T09:00+00:00")
    result = json.loads(run("assess", "--episode", str(third)).output)
    # Three episodes within 30 days: recurring, so see someone about the cause.
    assert result["level"] == "routine"
    assert [f["id"] for f in result["matched_rules"]] == ["recurring"]
    first = json.loads(run("assess", "--episode", "1").output)
    assert first["level"] == "self_care"
    assert run("assess", "--episode", "99").output == "Error: episode 99 not found\n"


def test_user_accounts(diary: str) -> None:
    added = run(
        "user",
        "add",
        "Dr.Lee@Example.org",
        "--role",
        "clinician",
        "--name",
        "Dr Lee",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert added.output == "Created clinician account dr.lee@example.org.\n"
    assert (
        run(
            "user", "add", "alex@example.org", "--password-stdin", input="another long password\n"
        ).exit_code
        == 0
    )
    short = run("user", "add", "sam@example.org", "--password-stdin", input="short\n")
    assert (short.exit_code, short.output) == (
        2,
        "Error: password: must be at least 10 characters\n",
    )
    role = run(
        "user",
        "add",
        "kim@example.org",
        "--role",
        "boss",
        "--password-stdin",
        input="long enough password\n",
    )
    assert role.output == "Error: --role: must be one of: patient, clinician, admin\n"
    again = run(
        "user", "add", "DR.LEE@example.org", "--password-stdin", input="a long enough password\n"
    )
    assert again.output == "Error: email: an account for dr.lee@example.org exists already\n"
    listing = run("user", "list").output
    assert "dr.lee@example.org" in listing
    assert "clinician" in listing
    assert run("user", "disable", "alex@example.org").output == (
        "Disabled alex@example.org; its sessions have ended.\n"
    )
    assert "disabled" in run("user", "list").output
    assert run("user", "disable", "nobody@example.org").output == (
        "Error: no account for nobody@example.org\n"
    )


def test_a_log_with_flags_says_the_check_is_not_complete(diary: str) -> None:
    result = run("log", "-n", "3")
    assert result.exit_code == 0, result.output
    assert "[ok] LOOK AFTER IT AT HOME (self_care)" in result.output
    assert "Not complete: at least this level; 47 questions still open." in result.output
    assert "The warning signs not asked about were not checked." in result.output


def test_check_asks_the_warning_signs_in_groups(diary: str) -> None:
    episode_id = _log("-n", "3")
    # A fever in the fifth group (its eight other signs no); no injury (with a fever, an
    # injury could still make it an emergency); then what the fever calls for: a headache,
    # light, sickness, drowsiness, a rash, no; the age (a child under 5), 40; a neck that
    # will not turn, the head pulled, pain in both arms, no. (The chin-to-chest question
    # was asked with the headaches in the second group.)
    answers = ["n"] * 4 + ["y", "y"] + ["n"] * 8 + ["n"] + ["n"] * 5 + ["40"] + ["n"] * 3
    result = run("check", str(episode_id), input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Chest, jaw or upper back pain, or trouble breathing? (1 of 6)" in result.output
    assert "Fever, a rash, infection risk, cancer or a new medicine? (5 of 6)" in result.output
    assert "Do you have a headache?" in result.output
    assert "[!] SEE A DOCTOR TODAY (urgent)" in result.output
    assert "Not complete" not in result.output
    stored = json.loads(run("show", str(episode_id), "--json").output)
    assert stored["findings"] == ["fever"]
    assert "headache" in stored["absent"] and "chest_pain" in stored["absent"]


def test_check_can_be_skipped_and_says_so(diary: str) -> None:
    episode_id = _log("-n", "3")
    result = run("check", str(episode_id), input="n\ns\n")
    assert result.exit_code == 0, result.output
    assert "Not complete" in result.output
    assert json.loads(run("show", str(episode_id), "--json").output)["declined"] is True


def test_assess_says_whether_the_check_is_complete() -> None:
    result = run("assess", "--text", input='{"findings": ["neck_pain"]}')
    assert "Not complete: at least this level;" in result.output
    out = json.loads(run("assess", input='{"findings": ["chest_pain"]}').output)
    assert out["complete"] is True


def test_no_spasm_records_a_pain_free_day(diary: str) -> None:
    today = CLOCK.now().date()
    done = run("no-spasm")
    assert done.exit_code == 0, done.output
    assert done.output == f"Recorded {today:%a %d %b %Y} as a day with no spasm.\n"
    earlier = run("no-spasm", "--date", "2026-06-01", "--json")
    assert json.loads(earlier.output)["day"] == "2026-06-01"
    undone = run("no-spasm", "--date", "2026-06-01", "--undo")
    assert undone.output == "Mon 01 Jun 2026 is no longer recorded as pain-free.\n"
    again = run("no-spasm", "--date", "2026-06-01", "--undo")
    assert again.exit_code == 2
    assert "no pain-free day is recorded on 2026-06-01" in again.output


def test_no_spasm_is_refused_on_a_day_with_a_spasm(diary: str) -> None:
    _log("-n", "4", "--start", "08:00", "--end", "09:00")
    refused = run("no-spasm")
    assert refused.exit_code == 2
    assert "Error: --date: a spasm is logged on" in refused.output
    assert "so it was not a pain-free day" in refused.output
    bad = run("no-spasm", "--date", "yesterday")
    assert (bad.exit_code, bad.output) == (2, "Error: --date: must be a date such as 2026-05-01\n")


def test_the_flags_help_lists_every_value_of_each_vocabulary() -> None:
    from neckcheck.vocab import Activity, Movement, PainQuality, Region

    shown = " ".join(runner.invoke(app, ["log", "--help"]).output.split())
    for enum in (Region, Movement, PainQuality, Activity):
        for member in enum:
            assert member.value in shown, member
