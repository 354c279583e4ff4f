"""Pages through the test client: forms, validation that keeps values, and navigation."""

from __future__ import annotations

import re
from datetime import timedelta
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
    from neckcheck.storage.db import table_names

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
    assert "Call emergency services now" in page.text
    assert page.text.index("Call emergency services now") < page.text.index("What to do")


def test_a_failed_form_keeps_every_value_and_marks_the_field(client: TestClient) -> None:
    data = {
        "started_at": "not a time",
        "intensity": "",
        "state": "hour",
        "region": ["lower_right"],
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
    assert re.search(r'id="state-hour"[^>]*checked', text)
    assert re.search(r'id="confirm-fever"[^>]*checked', text)
    assert re.search(r'id="symptom-twitching"[^>]*checked', text)
    assert re.search(r'id="movement-flexion"[^>]*checked', text)
    assert '<option value="some" selected>Helped some</option>' in text
    assert "my notes &lt;b&gt;</textarea>" in text
    assert client.get("/api/v1/episodes").json() == []


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
    assert "Mon 02 Mar 2026: worst 4/10, 1 episode" in page.text
    assert 'class="chart timeline"' in page.text
    assert "lasted 1.5 h" in page.text
    bad = client.get("/history", params={"from": "March"})
    assert bad.status_code == 422  # the form comes back with the error beside the field
    assert 'id="error-from">must be a date such as 2026-05-01' in bad.text


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
    assert "Course: Recurring" in page
    assert "3 episodes between" in page
    assert "physiatrist" in page
    assert 'aria-label="Long screen time: 100%, 95% interval 44% to 100%"' in page
    assert "Too little data to compare" in page
    assert "Heat pack or warm shower: helped 3 of 3 times" in page
    assert "Too few episodes to compare the last 4 weeks" in page


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
