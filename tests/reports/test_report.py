"""The clinician report: its content, and the PDF's extracted text."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader

from neckcheck.cli import app
from neckcheck.domain import Episode
from neckcheck.reports import build_report
from neckcheck.reports.pdf import render_pdf
from tests.factories import NOW, cli_runner

Make = Callable[..., Episode]


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _diary(episode: Make) -> list[Episode]:
    return [
        episode(200, intensity=3),  # before the period: history only
        episode(40, intensity=4, triggers=["screen_time"], findings=["headache"]),
        episode(
            35,
            intensity=6,
            findings=["headache", "dizziness"],
            triggers=["screen_time"],
            remedies=[{"remedy": "heat", "helped": "some"}],
        ),
        episode(
            30,
            intensity=5,
            findings=["cramping_knot"],
            remedies=[{"remedy": "heat", "helped": "none"}],
        ),
        episode(2, intensity=8, findings=["fever", "headache", "neck_stiffness"]),
    ]


def test_report_content(episode: Make) -> None:
    data = build_report(
        _diary(episode),
        first=NOW.date() - timedelta(days=60),
        last=NOW.date(),
        now=NOW,
        patient="Alex",
    )
    assert len(data.episodes) == 4
    assert data.course.classification == "recurring"
    flags = {f.rule: f.dates for f in data.flags}
    assert flags["meningitis"] == [(NOW - timedelta(days=2)).date()]
    assert flags["dizziness"] == [(NOW - timedelta(days=35)).date()]
    assert flags["recurring"] == [(NOW - timedelta(days=30)).date()]
    assert data.flags[0].level.value == "emergency"
    assert data.recurring_findings[:2] == [("Neck pain", 4), ("Headache", 3)]
    assert data.triggers[0].trigger == "screen_time"
    assert data.remedies[0].tried == 2


def test_the_pdf_reads_as_a_report(episode: Make) -> None:
    first = NOW.date() - timedelta(days=60)
    pdf = render_pdf(
        build_report(_diary(episode), first=first, last=NOW.date(), now=NOW, patient="Alex")
    )
    assert pdf.startswith(b"%PDF")
    page_one, page_two = _text(pdf)
    for expected in (
        "Neck spasm diary: clinician report",
        "Patient: Alex",
        f"Period: {first:%d %b %Y} to {NOW:%d %b %Y}",
        "4 episodes in 61 days",
        "Recurring: 3 episodes between",
        "Warning signs raised",
        "Signs that may suggest meningitis",
        f"1x: {NOW - timedelta(days=2):%d %b %Y}",
        "Dizziness",
        "Long screen time: recorded before 2 of 4 episodes",
        "Too little data to compare",
        "Heat pack or warm shower: helped 1 of 2 times",
        "Neck pain (4), Headache (3)",
        "physiatrist",
        "Page 1",
        "not a diagnosis",
    ):
        assert expected in page_one.replace("\n", " "), expected
    assert "Episodes (4)" in page_two
    assert f"{NOW - timedelta(days=40):%d %b %Y}" in page_two
    assert "emergency" in page_two


def test_an_empty_period_still_renders(episode: Make) -> None:
    pdf = render_pdf(
        build_report([], first=date(2026, 1, 1), last=date(2026, 1, 31), now=NOW, patient="Alex")
    )
    [page] = _text(pdf)
    assert "0 episodes in 31 days" in page
    assert "None in this period." in page


def test_cli_report(env_db: str, tmp_path: Path) -> None:
    runner = cli_runner()
    for day in ("2026-02-01", "2026-02-10"):
        assert (
            runner.invoke(
                app,
                ["log", "-n", "5", "--start", f"{day}T08:00+00:00", "--end", f"{day}T09:00+00:00"],
            ).exit_code
            == 0
        )
    out = tmp_path / "report.pdf"
    result = runner.invoke(
        app, ["report", "--pdf", str(out), "--from", "2026-01-15", "--to", "2026-02-28"]
    )
    assert result.exit_code == 0, result.output
    assert "Report for 2026-01-15 to 2026-02-28 written to" in result.output
    assert "2 episodes in 45 days" in _text(out.read_bytes())[0]
    bad = runner.invoke(
        app, ["report", "--pdf", str(out), "--from", "2026-03-01", "--to", "2026-02-01"]
    )
    assert (bad.exit_code, bad.output) == (2, "Error: --from: must not be after the end date\n")
    bad = runner.invoke(app, ["report", "--pdf", str(out), "--from", "March"])
    assert bad.output == "Error: --from: must be a date such as 2026-05-01\n"
    assert json.loads(runner.invoke(app, ["history", "--json"]).output)
