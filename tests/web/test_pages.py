"""Pages through the test client: forms, validation that keeps values, and navigation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from neckcheck.knowledge import load
from neckcheck.storage.db import open_database
from tests.factories import NOW

# The app's clock says NOW (tests/factories.py); form times are wall-clock times.
YESTERDAY = (NOW - timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")


def _post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Post a form as a browser would: with the CSRF token its page carried."""
    if "neckcheck_csrf" not in client.cookies:
        client.get("/learn")  # any page sets the CSRF cookie
    return client.post(
        url, data={**(data or {}), "csrf_token": client.cookies["neckcheck_csrf"]}, **kwargs
    )


def _log(client: TestClient, **fields: Any) -> str:
    """Save the Log form; returns the episode's page (the form leads to its check first)."""
    data = {"started_at": YESTERDAY, "intensity": "4", **fields}
    data.setdefault("state", "" if "ended_at" in fields else "ongoing")
    response = _post(client, "/log", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert location.endswith("/check")
    return location.removesuffix("/check")


def test_home_page_on_an_empty_diary_migrates_and_invites(
    client: TestClient, settings: Any
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Log a spasm" in page.text
    assert "Welcome" in page.text
    db = open_database(settings.effective_database_url(), migrate=False)
    from tests.databases import table_names

    assert {"episodes", "patients"} <= set(table_names(db.engine))
    db.close()


def test_logging_stores_what_the_form_said(client: TestClient) -> None:
    location = _log(
        client,
        onset="sudden",
        region=["upper_left", "shoulder_left"],
        movement=["rotation_left"],
        quality=["sharp"],
        symptom=["cramping_knot"],
        flag_fever="no",
        flag_recent_trauma="no",
        trigger=["sleep_position"],
        remedy_heat="a_lot",
        activity=["driving"],
        stress="6",
        notes="woke up with it",
    )
    episode_id = location.rsplit("/", 1)[1]
    stored = client.get(f"/api/v1/episodes/{episode_id}").json()
    assert stored["regions"] == ["upper_left", "shoulder_left"]
    assert stored["findings"] == ["cramping_knot"]
    assert stored["absent"] == ["fever", "recent_trauma"]
    assert stored["remedies"] == [{"remedy": "heat", "helped": "a_lot"}]
    assert stored["ended_at"] is None
    page = client.get(location)
    assert "Look after it at home" in page.text
    # Most warning signs were not asked about: no home-care advice yet.
    assert "have not been asked about yet" in page.text
    assert "electrolyte" not in page.text


def test_an_unanswered_question_stays_unanswered(client: TestClient) -> None:
    episode_id = _log(client).rsplit("/", 1)[1]
    stored = client.get(f"/api/v1/episodes/{episode_id}").json()
    assert stored["findings"] == []
    assert stored["absent"] == []


def test_a_red_flag_answer_yes_leads_with_the_emergency(client: TestClient) -> None:
    page = client.get(_log(client, flag_chest_pain="yes"))
    assert 'class="level level-emergency large"' in page.text
    main = page.text[page.text.index("<main") :]
    # The action first, and once: the reason under "Why" leaves it out.
    assert main.index("Call emergency services now") < main.index('<h2 id="why">Why</h2>')
    assert main.count("Call emergency services now") == 1
    assert "Neck, jaw or arm discomfort with chest pain" in main


def test_a_failed_form_keeps_every_value_and_marks_the_field(client: TestClient) -> None:
    data = {
        "started_at": "not a time",
        "intensity": "",
        "state": "over",
        "lasted": "hour",
        "region": ["lower_right", "jaw_left"],
        "confirm": ["fever"],
        "notes": "my notes <b>",
        "remedy_cold": "some",
        "stress": "3",
        "symptom": ["twitching"],
        "movement": ["flexion"],
    }
    page = _post(client, "/log", data=data)
    assert page.status_code == 422
    text = page.text
    assert 'id="error-started_at">must be a date and time such as 2026-05-01 08:30' in text
    assert 'id="error-intensity">choose how bad the pain is, 0 to 10' in text
    assert 'value="not a time"' in text
    assert re.search(r'id="region-lower_right"[^>]*checked', text)
    assert re.search(r'id="region-jaw_left"[^>]*checked', text)
    assert re.search(r'id="state-over"[^>]*checked', text)
    assert re.search(r'id="lasted-hour"[^>]*checked', text)
    assert re.search(r'id="confirm-fever"[^>]*checked', text)
    assert re.search(r'id="symptom-twitching"[^>]*checked', text)
    assert re.search(r'id="movement-flexion"[^>]*checked', text)
    assert '<option value="some" selected>Helped some</option>' in text
    assert "my notes &lt;b&gt;</textarea>" in text
    assert client.get("/api/v1/episodes").json() == []


def _stored(client: TestClient, location: str) -> dict[str, Any]:
    data: dict[str, Any] = client.get(f"/api/v1/episodes/{location.rsplit('/', 1)[1]}").json()
    return data


def _hours(episode: dict[str, Any]) -> float | None:
    from datetime import datetime

    if episode["ended_at"] is None:
        return None
    span = datetime.fromisoformat(episode["ended_at"]) - datetime.fromisoformat(
        episode["started_at"]
    )
    return span.total_seconds() / 3600


def test_a_quick_log_is_over_after_a_few_minutes_unless_said_otherwise(
    client: TestClient,
) -> None:
    form = client.get("/log").text
    assert re.search(r'id="state-over"[^>]*checked', form)
    assert re.search(r'id="lasted-minutes"[^>]*checked', form)
    assert not re.search(r'id="state-ongoing"[^>]*checked', form)
    opened = re.search(r'name="opened" value="([^"]+)"', form)
    assert opened is not None
    # What the browser sends when only the pain was tapped: the form's own defaults.
    fields = {"opened": opened.group(1), "started_at": opened.group(1), "intensity": "5"}
    location = _log(client, **fields, state="over", lasted="minutes")
    stored = _stored(client, location)
    assert _hours(stored) == 0.25
    # It ended when the form was opened (to the minute), whatever the computer's time zone.
    assert abs(datetime.fromisoformat(stored["ended_at"]) - NOW) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("fields", "hours"),
    [
        ({"state": "over", "lasted": "hour"}, 1),
        ({"state": "over", "lasted": "hours"}, 3),
        ({"state": "over", "lasted": "day"}, 8),
        ({"state": "", "lasted": "hours"}, 3),  # a duration alone says it is over
        ({"state": "hour"}, 1),  # the single question of earlier forms
        ({"state": "ongoing", "lasted": "minutes"}, None),  # still going on: no end
        ({"state": "over", "lasted": "day", "ended_at": "2026-06-29T13:30"}, 0.5),  # exact wins
    ],
)
def test_how_long_it_lasted(client: TestClient, fields: dict[str, str], hours: float) -> None:
    stored = _stored(client, _log(client, started_at="2026-06-29T13:00", **fields))
    assert _hours(stored) == hours


def test_over_without_how_long_asks_beside_the_question(client: TestClient) -> None:
    page = _post(client, "/log", data={"intensity": "4", "state": "over"})
    assert page.status_code == 422
    assert 'id="error-lasted">say about how long it lasted, or when it stopped' in page.text
    assert re.search(r'id="state-over"[^>]*checked', page.text)
    assert '<a href="#field-lasted">How long it lasted: say about' in page.text


def test_an_end_before_the_start_is_shown_beside_the_end(client: TestClient) -> None:
    page = _post(
        client,
        "/log",
        data={"started_at": "2026-03-01T10:00", "ended_at": "2026-03-01T09:00", "intensity": "3"},
    )
    assert page.status_code == 422
    assert 'id="error-ended_at">must not be before the start' in page.text


def test_it_stopped_records_the_end(client: TestClient) -> None:
    episode_id = _log(client, ongoing="on").rsplit("/", 1)[1]
    assert "Going on now" in client.get("/").text
    response = _post(client, f"/episodes/{episode_id}/end", follow_redirects=False)
    assert response.status_code == 303
    assert client.get(f"/api/v1/episodes/{episode_id}").json()["ended_at"] is not None
    assert "Going on now" not in client.get("/").text


def test_edit_shows_the_episode_and_saves_changes(client: TestClient) -> None:
    episode_id = _log(client, region=["upper_right"], flag_fever="no", notes="keep").rsplit("/", 1)[
        1
    ]
    form = client.get(f"/episodes/{episode_id}/edit").text
    assert re.search(r'id="region-upper_right"[^>]*checked', form)
    assert re.search(r'id="flag-fever-no"[^>]*checked', form)
    assert re.search(r'id="intensity-4"[^>]*checked', form)
    response = _post(
        client,
        f"/episodes/{episode_id}/edit",
        data={
            "started_at": YESTERDAY,
            "intensity": "7",
            "state": "ongoing",
            "region": ["upper_right"],
            "notes": "keep",
            "flag_fever": "no",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    stored = client.get(f"/api/v1/episodes/{episode_id}").json()
    assert stored["intensity"] == 7
    assert stored["absent"] == ["fever"]


def test_delete_asks_then_deletes(client: TestClient) -> None:
    episode_id = _log(client).rsplit("/", 1)[1]
    confirm = client.get(f"/episodes/{episode_id}/delete")
    assert "Delete this episode?" in confirm.text
    assert client.get(f"/api/v1/episodes/{episode_id}").status_code == 200
    response = _post(client, f"/episodes/{episode_id}/delete", follow_redirects=False)
    assert response.headers["location"] == "/history"
    assert client.get(f"/api/v1/episodes/{episode_id}").status_code == 404


def test_history_lists_charts_and_filters(client: TestClient) -> None:
    _log(client, started_at="2026-03-02T08:00", ended_at="2026-03-02T09:30")
    _log(client, started_at="2026-03-20T08:00", ended_at="2026-03-20T08:30")
    page = client.get("/history", params={"from": "2026-03-01", "to": "2026-03-10"})
    assert "1 episode from 01 Mar 2026 to 10 Mar 2026" in page.text
    # The calendar: a day's number, a link to its episodes in the list below (a tap, not
    # a hover), named in words.
    assert (
        '<a class="day pain-2" href="#day-2026-03-02" '
        'aria-label="Mon 2 Mar 2026: worst 4/10, 1 episode">2</a>'
    ) in page.text
    assert 'id="day-2026-03-02"' in page.text
    assert page.text.count('class="chart timeline') == 2  # laid out for a phone and wider
    assert "lasted 1.5 h" in page.text
    bad = client.get("/history", params={"from": "March"})
    assert bad.status_code == 422  # the form comes back with the error beside the field
    assert 'id="error-from">must be a date such as 2026-05-01' in bad.text


def test_history_shows_each_level_and_filters_warning_signs(client: TestClient) -> None:
    _log(client, started_at="2026-03-02T08:00", ended_at="2026-03-02T09:30")
    _log(client, started_at="2026-03-05T08:00", ended_at="2026-03-05T09:30", flag_chest_pain="yes")
    period = {"from": "2026-03-01", "to": "2026-03-31"}
    page = client.get("/history", params=period).text
    assert page.count('class="level-inline level-') == 2
    assert "Call emergency services now</span>" in page
    assert "At least: Look after it at home</span>" in page
    signs = client.get("/history", params={**period, "signs": "1"}).text
    assert "1 episode with warning signs from 01 Mar 2026" in signs
    assert 'id="signs" name="signs" value="1" checked' in signs
    assert "Thu 05 Mar 2026" in signs and "Mon 02 Mar 2026" not in signs


def test_an_unknown_episode_page_is_404(client: TestClient) -> None:
    page = client.get("/episodes/999")
    assert page.status_code == 404
    assert "episode 999 not found" in page.text


def test_learn_cites_a_source_for_every_fact_and_rule(client: TestClient) -> None:
    text = client.get("/learn").text
    for fact in load().facts:
        assert fact.text.split()[0] in text
    for key in {k for f in load().facts for k in f.sources} | {
        k for r in load().rules for k in r.sources
    }:
        assert f'id="src-{key}"' in text
    assert "electrolyte" in text
    assert "physiatrist" in text


def test_the_error_summary_names_fields_in_words(client: TestClient) -> None:
    page = _post(client, "/log", data={"started_at": "", "intensity": ""})
    assert '<a href="#field-intensity">Worst pain: choose how bad the pain is, 0 to 10</a>' in (
        page.text
    )
    assert '<a href="#field-started_at">Start: is required</a>' in page.text


def _recurring_diary(client: TestClient) -> None:
    for day in (3, 8, 13):
        start = (NOW - timedelta(days=day)).astimezone().strftime("%Y-%m-%dT%H:%M")
        end = (NOW - timedelta(days=day, hours=-2)).astimezone().strftime("%Y-%m-%dT%H:%M")
        _log(client, started_at=start, ended_at=end, trigger=["screen_time"], remedy_heat="some")


def test_insights_show_the_course_and_uncertainty(client: TestClient) -> None:
    _recurring_diary(client)
    page = client.get("/insights").text
    assert "In this period: <strong>Recurring</strong>, 3 episodes between" in page
    assert "physiatrist" in page
    assert 'aria-label="Long screen time: 100%, 95% interval 44% to 100%"' in page
    assert "Long screen time came before 3 of your 3 spasms. Too few yet to tell" in page
    assert "Heat pack or warm shower helped 3 of the 3 times you tried it." in page
    assert "Too few spasms to compare the last 4 weeks" in page
    # The period's downloads, beside it.
    assert 'href="/export/csv?from=' in page


def _day(days_ago: int, hour: int = 8) -> str:
    moment = (NOW - timedelta(days=days_ago)).astimezone().replace(hour=hour, minute=0)
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_insights_speak_plain_words_and_fold_the_statistics(client: TestClient) -> None:
    pains = [(True, 7), (True, 8), (True, 9), (True, 8), (True, 7), (True, 9)]
    pains += [(False, 3), (False, 4), (False, 2), (False, 3), (False, 4), (False, 2)]
    for index, (drive, pain) in enumerate(pains):
        days = 5 + index * 7
        _log(
            client,
            started_at=_day(days),
            ended_at=_day(days, 10),
            intensity=str(pain),
            trigger=["long_drive"] if drive else [],
        )
    page = client.get("/insights").text
    assert (
        "Long drive came before 6 of your 12 spasms; after it the pain was 5.0 points worse "
        "on average. That is a pattern in your diary, not proof that it causes spasms."
    ) in page
    first_fold = page.index("<summary>Details")
    assert "95% interval" not in page[:first_fold]  # the statistics only under "Details"
    folded = page[first_fold : page.index("</details>", first_fold)]
    assert "Worst pain after it minus after the others: +5.0 points (95% interval" in folded
    assert "adjusted for comparing every trigger at once" in folded
    # Both intervals are drawn on an axis with its scale written on it.
    assert folded.count('class="chart interval"') == 2
    assert ">0%</text>" in folded and ">100%</text>" in folded and ">0</text>" in folded


def test_a_chronic_course_that_has_gone_quiet_is_dated_not_contradicted(
    client: TestClient,
) -> None:
    for days in range(13 + 6 * 16, 12, -6):  # every 6 days for 16 weeks, the last 13 days ago
        _log(client, started_at=_day(days), ended_at=_day(days, 11))
    page = client.get("/insights").text
    assert "Course:" not in page
    course = re.search(r"In this period: <strong>([^<]+)</strong>, ([^.]+)\.", page)
    assert course is not None
    assert course.group(1) == load().labels.course.labels["chronic"]  # the one label
    assert course.group(2).startswith("symptoms in each of ")
    assert course.group(2).endswith(f"to {(NOW - timedelta(days=13)).astimezone():%d %b %Y}")
    assert "the last symptoms 13 days ago" in page


def test_exports_hold_the_period_shown(client: TestClient) -> None:
    _log(client, started_at="2026-03-02T08:00", ended_at="2026-03-02T09:30")
    _log(client, started_at="2026-04-20T08:00", ended_at="2026-04-20T08:30")
    period = {"from": "2026-04-01", "to": "2026-04-30"}
    exported = client.get("/export/json", params=period)
    assert [e["started_at"][:10] for e in exported.json()["episodes"]] == ["2026-04-20"]
    assert exported.headers["content-disposition"] == (
        'attachment; filename="neckcheck-diary-2026-04-01-to-2026-04-30.json"'
    )
    assert len(client.get("/export/csv", params=period).text.strip().splitlines()) == 2
    assert len(client.get("/export/json").json()["episodes"]) == 2  # no period: everything
    assert client.get("/export/csv", params={"from": "April"}).status_code == 422


def test_a_result_says_each_thing_once(client: TestClient) -> None:
    from neckcheck.web import forms

    _recurring_diary(client)
    answered = {f"flag_{f.id}": "no" for f in forms.question_findings()}
    location = _log(client, started_at=_day(1), ended_at=_day(1, 10), birth_year="1985", **answered)
    page = client.get(location).text
    main = page[page.index("<main") : page.index("</main>")]
    assert "At least" not in main  # every warning sign was answered
    # The action: the level's title, then the action in full, once each.
    assert main.count("Book a visit") == 2
    assert main.index("Book a visit to find the cause") < main.index("who can usually find")
    assert main.index("who can usually find") < main.index('<h2 id="why">Why</h2>')
    # The reason, without the action it leads with; then the rest of the advice.
    assert '<li class="reason reason-routine">Spasms that keep coming back' in main
    assert main.index('<h2 id="why">Why</h2>') < main.index("What else to do")
    assert "pillow" in main


def test_report_and_exports_download(client: TestClient) -> None:
    _recurring_diary(client)
    report = client.get("/report.pdf")
    assert report.headers["content-type"] == "application/pdf"
    assert report.headers["content-disposition"].startswith('attachment; filename="neckcheck-')
    from io import BytesIO

    from pypdf import PdfReader

    assert "Recurring" in PdfReader(BytesIO(report.content)).pages[0].extract_text()
    exported = client.get("/export/json").json()
    assert len(exported["episodes"]) == 3
    fhir = client.get("/export/fhir")
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    assert (fhir.json()["resourceType"], fhir.json()["type"]) == ("Bundle", "transaction")
    assert client.get("/export/csv").text.startswith("id,started_at,")
    assert client.get("/export/xml").status_code == 404
    bad = client.get("/report.pdf", params={"from": "soon"})
    assert bad.status_code == 422
    assert "must be a date such as 2026-05-01" in bad.text


def test_describe_it_fills_in_the_form_and_saves_nothing(client: TestClient) -> None:
    page = _post(
        client,
        "/log/describe",
        data={
            "describe": "neck locked, can't turn my head "
            "left, 6/10, no fever, not sure if seeing double"
        },
    )
    assert page.status_code == 200
    text = page.text
    assert "Please check what was understood" in text
    assert re.search(r'id="symptom-cramping_knot"[^>]*checked', text)
    assert re.search(r'id="movement-rotation_left"[^>]*checked', text)
    assert re.search(r'id="intensity-6"[^>]*checked', text)
    # Free text proposes, the person decides: a denial or a hedge ticks nothing; both are
    # asked again in the check, with the person's words beside the question.
    assert not re.search(r'id="confirm-(fever|double_vision)"', text)
    assert "asked again next, with your words beside the question" in text
    assert client.get("/api/v1/episodes").json() == []
    empty = _post(client, "/log/describe", data={"describe": " "})
    assert empty.status_code == 422
    assert 'id="error-describe">write a few words about the spasm first' in empty.text


@pytest.mark.parametrize(
    "path", ["/log", "/log/describe", "/episodes/1/end", "/episodes/1/edit", "/episodes/1/delete"]
)
def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient, path: str) -> None:
    _log(client)
    refused = client.post(
        path, data={"started_at": YESTERDAY, "intensity": "3", "describe": "neck pain"}
    )
    assert refused.status_code == 403
    assert "did not come from neckcheck" in refused.text
    forged = client.post(path, data={"intensity": "3", "csrf_token": "guess"})
    assert forged.status_code == 403
    assert len(client.get("/api/v1/episodes").json()) == 1
