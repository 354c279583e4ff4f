"""JSON and CSV exports, all-or-nothing imports, and online backups."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from neckcheck.cli import app
from neckcheck.domain import Episode, EpisodeCreate, PainFreeDay
from neckcheck.errors import ConfigError, InputError
from neckcheck.interop.plain import export_csv, export_json, import_json
from neckcheck.storage.db import backup_sqlite, open_database
from tests.databases import new_sqlite
from tests.factories import NOW, cli_runner, examples, local_diary
from tests.interop.strategies import episodes

Make = Callable[..., Episode]
NOW_TEXT = NOW.isoformat()
runner = cli_runner()


def _stored(diary: list[EpisodeCreate]) -> list[Episode]:
    return [
        Episode.model_validate(
            {
                **d.model_dump(),
                "id": i,
                "patient_id": 1,
                "created_at": d.started_at,
                "updated_at": d.started_at,
            }
        )
        for i, d in enumerate(diary, start=1)
    ]


# too_slow: each example is a whole diary of episodes across every field, built and
# validated in full.
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(episodes(), max_size=5))
def test_json_round_trip_is_lossless(diary: list[EpisodeCreate]) -> None:
    assert import_json(export_json(_stored(diary), now=NOW)).episodes == diary


@given(st.lists(st.dates(min_value=date(1900, 1, 1), max_value=NOW.date()), unique=True))
def test_pain_free_days_round_trip(days: list[date]) -> None:
    recorded = [PainFreeDay(day=d, recorded_at=NOW) for d in days]
    assert import_json(export_json([], now=NOW, pain_free_days=recorded)).pain_free_days == (
        recorded
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["episodes"][1].update(intensity=12),
            "episodes.1.intensity: must be at most 10",
        ),
        (
            lambda d: d["episodes"][0].update(regions=["neck"]),
            "episodes.0.regions.0: must be one of",
        ),
        (
            lambda d: d["episodes"][1].update(colour="red"),
            "episodes.1.colour: is not a known field",
        ),
        (lambda d: d.update(format="other"), "format: not a neckcheck export"),
        (lambda d: d.update(version=9), "version: version 9 is not supported"),
        (lambda d: d["episodes"].append(3), "episodes.2: must be an object"),
        (
            lambda d: d["pain_free_days"].append({"day": "2026-02-30", "recorded_at": NOW_TEXT}),
            "pain_free_days.0.day:",
        ),
        (lambda d: d.update(pain_free_days={}), "pain_free_days: must be a list"),
    ],
)
def test_a_bad_record_names_its_index_and_field(
    episode: Make, change: Callable[[dict[str, object]], None], message: str
) -> None:
    document = json.loads(export_json([episode(3), episode(2)], now=NOW))
    change(document)
    with pytest.raises(InputError) as caught:
        import_json(json.dumps(document))
    assert str(caught.value).startswith(message)


def test_csv_has_one_row_per_episode(episode: Make) -> None:
    text = export_csv(
        [
            episode(
                2,
                regions=["upper_left", "shoulder_left"],
                notes="a, b",
                remedies=[{"remedy": "heat", "helped": "a_lot"}],
            )
        ]
    )
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["regions"] == "upper_left;shoulder_left"
    assert row["remedies"] == "heat=a_lot"
    assert row["notes"] == "a, b"
    assert row["stress"] == ""


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_csv_cells_a_spreadsheet_would_run_are_plain_text(episode: Make, typed: str) -> None:
    # OWASP's CSV injection advice: a cell starting =, +, -, @ or a tab gets a leading quote.
    [row] = list(csv.DictReader(io.StringIO(export_csv([episode(2, notes=typed)]))))
    assert row["notes"] == "'" + typed


@given(st.text(max_size=20))
@settings(max_examples=examples(200))
def test_no_csv_cell_starts_as_a_formula(notes: str) -> None:
    fields = {"id": 1, "patient_id": 1, "started_at": NOW, "intensity": 3}
    try:
        stored = Episode.model_validate(
            {**fields, "notes": notes or None, "created_at": NOW, "updated_at": NOW}
        )
    except ValidationError:
        assume(False)  # notes the diary itself refuses never reach an export
    [row] = list(csv.DictReader(io.StringIO(export_csv([stored]), newline="")))
    kept = stored.notes or ""
    assert not row["notes"].startswith(("=", "+", "-", "@", "\t", "\r"))
    assert row["notes"] in (kept, "'" + kept)  # nothing else changes


_BROKEN_FILES: list[tuple[str, bytes, str]] = [
    ("deep", b"[" * 100_000 + b"]" * 100_000, "Error: file: is nested too deeply"),
    ("long-number", b'{"format": ' + b"9" * 5000 + b"}", "Error: file: cannot be read"),
    ("not-utf8", b'{"format": "\xff\xfe"}', "Error: "),
    (
        "far-future",
        b'{"format": "neckcheck.episodes", "version": 1, "episodes": [{"started_at": '
        b'"2026-01-01T08:00:00Z", "ended_at": "9999-12-31T23:59:59Z", "intensity": 4}]}',
        "Error: episodes.0.ended_at:",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "start"), _BROKEN_FILES, ids=[b[0] for b in _BROKEN_FILES]
)
def test_cli_import_of_a_broken_file_is_one_line_and_exit_2(
    env_db: str, tmp_path: Path, name: str, content: bytes, start: str
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(content)
    result = runner.invoke(app, ["import", "--json", str(path)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(start)
    assert result.output.count("\n") == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_export_and_import_all_or_nothing(env_db: str, tmp_path: Path) -> None:
    for hour in (7, 9):
        assert (
            runner.invoke(
                app, ["log", "-n", "4", "--start", f"2026-02-01T0{hour}:00+01:00"]
            ).exit_code
            == 0
        )
    exported = tmp_path / "diary.json"
    result = runner.invoke(app, ["export", "--json", str(exported)])
    assert result.output == f"Exported 2 episodes to {exported}.\n"
    for flag, name in (("--csv", "diary.csv"), ("--fhir", "diary.fhir.json")):
        assert runner.invoke(app, ["export", flag, str(tmp_path / name)]).exit_code == 0
    assert runner.invoke(app, ["import", "--json", str(exported)]).output == (
        f"Imported 2 episodes from {exported}.\n"
    )
    # The FHIR export's episodes are the diary's own: importing it adds none of them again.
    fhir_file = tmp_path / "diary.fhir.json"
    assert runner.invoke(app, ["import", "--fhir", str(fhir_file)]).output == (
        f"Imported 0 episodes from {fhir_file}; 2 already in the diary.\n"
    )
    assert len(json.loads(runner.invoke(app, ["history", "--json"]).output)) == 4

    document = json.loads(exported.read_text())
    document["episodes"][1]["intensity"] = 99
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    result = runner.invoke(app, ["import", "--json", str(broken)])
    assert (result.exit_code, result.output) == (
        2,
        "Error: episodes.1.intensity: must be at most 10\n",
    )
    assert len(json.loads(runner.invoke(app, ["history", "--json"]).output)) == 4
    both = runner.invoke(app, ["export", "--json", "a", "--csv", "b"])
    assert both.output == "Error: format: give exactly one of --json, --csv, --checkins, --fhir\n"


def test_backup_is_consistent_while_another_thread_writes(tmp_path: Path) -> None:
    url = new_sqlite(tmp_path / "live.db")
    db = open_database(url)
    with db.session() as session:
        local_diary(session)
    stop = threading.Event()
    start = NOW - timedelta(days=1)

    def write() -> None:
        while not stop.is_set():
            with db.session() as session:
                local_diary(session).log(EpisodeCreate(started_at=start, intensity=3))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        copies = [tmp_path / f"copy{i}.db" for i in range(3)]
        for copy in copies:
            assert backup_sqlite(url, copy) > 0
    finally:
        stop.set()
        writer.join()
        db.close()
    for copy in copies:
        connection = sqlite3.connect(copy)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM patients").fetchone() == (1,)
        connection.close()


def test_backup_refuses_other_databases(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="for PostgreSQL use pg_dump"):
        backup_sqlite("postgresql+psycopg://u@h/db", tmp_path / "x.db")
    with pytest.raises(ConfigError, match="no database at"):
        backup_sqlite(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "x.db")


def test_cli_backup(env_db: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["log", "-n", "4"]).exit_code == 0
    result = runner.invoke(app, ["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 0
    assert result.output.startswith("Backed up ")
    connection = sqlite3.connect(tmp_path / "copy.db")
    assert connection.execute("SELECT count(*) FROM episodes").fetchone() == (1,)
    connection.close()


def test_pain_free_days_move_with_the_json_export(env_db: str, tmp_path: Path) -> None:
    for day in ("2026-06-01", "2026-06-02", "2026-06-03"):
        assert runner.invoke(app, ["no-spasm", "--date", day]).exit_code == 0
    exported = tmp_path / "diary.json"
    assert runner.invoke(app, ["export", "--json", str(exported)]).exit_code == 0
    document = json.loads(exported.read_text())
    assert [d["day"] for d in document["pain_free_days"]] == [
        "2026-06-01",
        "2026-06-02",
        "2026-06-03",
    ]
    # Into a new diary where 2 June has a spasm logged: that day is left out (a day with a
    # spasm is not pain-free); the others keep the moment they were first recorded.
    other = tmp_path / "other.db"
    env = {"NECKCHECK_DATABASE_URL": f"sqlite:///{other}"}
    logged = runner.invoke(
        app,
        ["log", "-n", "3", "--start", "2026-06-02T10:00+00:00", "--end", "2026-06-02T11:00+00:00"],
        env=env,
    )
    assert logged.exit_code == 0, logged.output
    result = runner.invoke(app, ["import", "--json", str(exported)], env=env)
    assert result.output == f"Imported 0 episodes and 2 pain-free days from {exported}.\n"
    again = runner.invoke(app, ["export", "--json", str(tmp_path / "again.json")], env=env)
    assert again.exit_code == 0
    days = json.loads((tmp_path / "again.json").read_text())["pain_free_days"]
    assert days == [document["pain_free_days"][0], document["pain_free_days"][2]]


def test_an_import_with_a_pain_free_day_to_come_changes_nothing(
    env_db: str, tmp_path: Path
) -> None:
    path = tmp_path / "later.json"
    path.write_text(
        json.dumps(
            {
                "format": "neckcheck.episodes",
                "version": 1,
                "episodes": [{"started_at": "2026-06-01T08:00:00Z", "intensity": 4}],
                "pain_free_days": [{"day": "2026-07-09", "recorded_at": "2026-06-01T08:00:00Z"}],
            }
        )
    )
    result = runner.invoke(app, ["import", "--json", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: pain_free_days.0.day: must be between 1900-01-01")
    assert json.loads(runner.invoke(app, ["history", "--json"]).output) == []
