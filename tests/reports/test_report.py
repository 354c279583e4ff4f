"""The clinician report: its content, and the PDF's extracted text."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy.orm import Session

from neckcheck.cli import app
from neckcheck.clock import FixedClock
from neckcheck.domain import Episode, EpisodeCreate, Profile
from neckcheck.reports import build_report
from neckcheck.reports.pdf import render_pdf
from neckcheck.settings import Settings
from neckcheck.timeparse import DEFAULT_DAYS
from neckcheck.web.app import create_app
from tests.factories import NOW, cli_runner, local_diary, web_client

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
    assert "recurring" not in flags  # a course class: told with the course, not as a sign
    assert {f.rule: f.dates for f in data.course_rules} == {
        "recurring": [(NOW - timedelta(days=30)).date()]
    }
    assert data.flags[0].level.value == "emergency"
    assert data.recurring_findings[:2] == [("Neck pain", 4), ("Headache", 3)]
    assert data.triggers[0].trigger == "screen_time"
    assert data.remedies[0].tried == 2


def test_the_pdf_reads_as_a_report(episode: Make) -> None:
    first = NOW.date() - timedelta(days=60)
    pdf = render_pdf(
        build_report(
            _diary(episode),
            first=first,
            last=NOW.date(),
            now=NOW,
            patient="Alex",
            profile=Profile(birth_year=1984),
        )
    )
    assert pdf.startswith(b"%PDF")
    page_one, page_two = _text(pdf)
    for expected in (
        "Neck spasm diary: clinician report",
        "Patient: Alex",
        "Age 41 or 42 (born 1984)",
        f"Period: {first:%d %b %Y} to {NOW:%d %b %Y}",
        "4 episodes in 61 days",
        "Recurring: 3 episodes between",
        "met by 1 of 4 episodes, on " + f"{NOW - timedelta(days=30):%d %b %Y}",
        "Warning signs raised",
        "Emergency Signs that may suggest meningitis",
        f"1 episode: {NOW - timedelta(days=2):%d %b %Y}",
        "Same-day review Dizziness",
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
    assert "Recurring episodes" not in page_one  # the rule's title: the course says it
    assert "Episodes (4)" in page_two
    assert f"{NOW - timedelta(days=40):%d %b %Y}" in page_two
    assert "Emergency" in page_two  # the check of each episode, in clinical words
    assert "Long screen time" in page_two  # triggers by their labels, not their ids


def test_a_check_whose_screening_is_incomplete_is_marked(episode: Make) -> None:
    unasked = episode(3)
    emergency = episode(2, findings=["fever", "headache", "neck_stiffness"])
    data = build_report(
        [unasked, emergency],
        first=NOW.date() - timedelta(days=10),
        last=NOW.date(),
        now=NOW,
        patient="Alex",
    )
    assert (data.assessments[unasked.id].complete, data.assessments[emergency.id].complete) == (
        False,
        True,
    )
    lines = _text(render_pdf(data))[1].splitlines()
    assert "† Screening incomplete: not every warning sign was asked about" in " ".join(lines)
    assert "Self-care †" in lines  # never an all-clear
    assert "Emergency" in lines  # complete: no mark


def test_one_day_is_worded_as_one_day(episode: Make) -> None:
    day = NOW.date()
    diary = [episode(0.4 - hour / 24, hours=1) for hour in range(3)]
    data = build_report(diary, first=day, last=day, now=NOW, patient="Alex")
    assert data.course.evidence[0].text == f"3 episodes on {day:%d %b %Y}"
    [page_one, _] = _text(render_pdf(data))
    page_one = page_one.replace("\n", " ")
    assert f"Period: {day:%d %b %Y}  " in page_one.replace("·", " ")
    assert " to " not in page_one.split("Generated")[0]
    assert "between" not in page_one
    assert "3 episodes in 1 day" in page_one
    assert f"met by 1 of 3 episodes, on {day:%d %b %Y}" in page_one


def test_episodes_before_the_period_are_counted_and_said_to_be(episode: Make) -> None:
    diary = [episode(20), episode(10), episode(0.2)]  # the last two days alone hold one
    data = build_report(
        diary, first=NOW.date() - timedelta(days=1), last=NOW.date(), now=NOW, patient=None
    )
    assert data.course.evidence[0].text == (
        f"3 episodes within 30 days up to {NOW:%d %b %Y}, some before this period"
    )


def test_a_recurring_course_is_told_once_with_its_count(episode: Make) -> None:
    diary = [episode(days, hours=1) for days in range(46, 0, -1)]
    first = NOW.date() - timedelta(days=60)
    data = build_report(diary, first=first, last=NOW.date(), now=NOW, patient=None)
    page_one = _text(render_pdf(data))[0].replace("\n", " ")
    start, end = NOW - timedelta(days=44), NOW - timedelta(days=1)
    assert (
        f"Recurring: 30 episodes between {NOW - timedelta(days=30):%d %b %Y} and "
        f"{end:%d %b %Y}, within 30 days; met by 44 of 46 episodes, from {start:%d %b %Y} "
        f"to {end:%d %b %Y}"
    ) in page_one
    assert page_one.count("Recurring") == 2  # the course's label, and its one line
    assert "44x" not in page_one
    assert "Warning signs raised None in this period." in page_one
    assert "Patient:" not in page_one  # no name given: no name line


def test_the_table_header_starts_each_of_its_pages_and_nowhere_else(episode: Make) -> None:
    # Rows of one, two and three lines, so that pages hold different numbers of rows.
    findings = [[], ["headache", "twitching", "fatigue"], ["cramping_knot"]]
    diary = [
        episode(
            days / 2,
            hours=1,
            intensity=1 + days % 9,
            findings=findings[days % 3],
            triggers=["stress"] * (days % 2),
        )
        for days in range(360, 0, -1)
    ]
    data = build_report(
        diary, first=NOW.date() - timedelta(days=200), last=NOW.date(), now=NOW, patient="Alex"
    )
    pages = [page.replace("\n", " ") for page in _text(render_pdf(data))[1:]]
    assert len(pages) > 4
    for number, page in enumerate(pages, start=2):
        assert page.count("Started Lasted Pain Onset Side Findings Triggers Check") == 1, number
    listed = sum(page.count(" 2026 ") for page in pages)
    assert listed == len(data.episodes) == 360


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


def test_the_report_names_the_person_only_once_they_gave_a_name(session: Session) -> None:
    diary = local_diary(session)
    diary.log(EpisodeCreate(started_at=NOW - timedelta(days=3), intensity=4))
    unnamed = _text(diary.report(diary.default_period()))[0]
    assert "Patient:" not in unnamed  # local mode's "Me" names nobody
    assert "Me" not in unnamed.split("Period:")[0]
    assert "Age" not in unnamed
    diary.rename("Alex Morgan")
    diary.set_profile(Profile(birth_year=1984))
    named = _text(diary.report(diary.default_period()))[0]
    assert "Patient: Alex Morgan · Age 41 or 42 (born 1984) · Period:" in " ".join(named.split())


def test_the_web_the_cli_and_the_pages_show_the_same_default_period(
    env_db: str, tmp_path: Path
) -> None:
    last = NOW.astimezone().date()  # today for the person, in this computer's time zone
    first = last - timedelta(days=DEFAULT_DAYS - 1)
    assert DEFAULT_DAYS == 182  # 6 months
    out = tmp_path / "report.pdf"
    result = cli_runner().invoke(app, ["report", "--pdf", str(out)])
    assert f"Report for {first} to {last} written to" in result.output
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}")
    with web_client(create_app(settings, clock=FixedClock(NOW))) as client:
        web = client.get("/report.pdf")
        insights = client.get("/insights").text
    assert (
        f'filename="neckcheck-report-{first}-to-{last}.pdf"' in web.headers["content-disposition"]
    )
    period = f"Period: {first:%d %b %Y} to {last:%d %b %Y}"
    assert period in _text(web.content)[0]
    assert period in _text(out.read_bytes())[0]
    assert f'value="{first}"' in insights


def test_the_first_page_gives_the_outcome_measures_since_the_baseline(session: Session) -> None:
    from neckcheck.services.outcomes import Outcomes

    for weeks, pain in ((0, 8), (4, 5)):
        diary = local_diary(session, FixedClock(NOW - timedelta(weeks=4 - weeks)))
        Outcomes(diary).check_in({"nprs": {"pain": str(pain)}})
    diary = local_diary(session, FixedClock(NOW))
    page_one = _text(diary.report(diary.default_period()))[0].replace("\n", " ")
    assert "Outcomes NPRS 8 -> 5 (-3) since" in page_one
    assert "clinically important improvement; MCID 1.3 (Cleland 2008)" in page_one
    empty = render_pdf(build_report([], first=NOW.date(), last=NOW.date(), now=NOW, patient=None))
    assert "Outcomes no check-ins" in _text(empty)[0].replace("\n", " ")
