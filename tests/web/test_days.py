"""Today's day-to-day parts through the test client: the timer of a spasm going on and "It
stopped", "Spasm now", "No spasm today", and pain-free days wherever they are shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.factories import NOW
from tests.web.clinic_app import Clinic, csrf

TODAY = "2026-06-30"  # NOW in Europe/Berlin, the profile's zone below


def _post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    if "neckcheck_csrf" not in client.cookies:
        client.get("/learn")
    token = client.cookies["neckcheck_csrf"]
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def _in_berlin(client: TestClient) -> None:
    assert _post(client, "/profile", {"time_zone": "Europe/Berlin"}).status_code == 200


def _episode(client: TestClient, *, hours_ago: float, lasted: float | None = 1) -> int:
    start = NOW - timedelta(hours=hours_ago)
    body: dict[str, Any] = {"started_at": start.isoformat(), "intensity": 5}
    if lasted is not None:
        body["ended_at"] = (start + timedelta(hours=lasted)).isoformat()
    response = client.post("/api/v1/episodes", json=body)
    assert response.status_code == 201, response.text
    episode_id: int = response.json()["id"]
    return episode_id


def _pdf_text(content: bytes) -> str:
    return " ".join((PdfReader(BytesIO(content)).pages[0].extract_text() or "").split())


# --- No spasm today ---------------------------------------------------------------------------


def test_no_spasm_today_in_one_tap_and_undo(client: TestClient) -> None:
    _in_berlin(client)
    page = client.get("/").text
    assert ">No spasm today</button>" in page
    assert f'name="day" value="{TODAY}"' in page
    done = _post(client, "/no-spasm", {"day": TODAY}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/")
    page = client.get("/").text
    assert "Recorded: no spasm today." in page
    assert ">No spasm today</button>" not in page
    assert "Last 4 weeks: 1 pain-free day recorded." in page
    assert client.get("/api/v1/pain-free-days").json()[0]["day"] == TODAY
    _post(client, "/no-spasm/undo", {"day": TODAY})
    assert ">No spasm today</button>" in client.get("/").text
    assert client.get("/api/v1/pain-free-days").json() == []


def test_a_day_with_a_spasm_is_not_offered_and_refused(client: TestClient) -> None:
    _in_berlin(client)
    _episode(client, hours_ago=3)
    page = client.get("/").text
    assert ">No spasm today</button>" not in page
    refused = _post(client, "/no-spasm", {"day": TODAY})
    assert refused.status_code == 422
    assert re.search(
        r'id="error-day">a spasm is logged on Tue 30 Jun 2026 \(it started Tue 30 Jun 2026, '
        r"09:00\), so it was not a pain-free day<",
        refused.text,
    )
    tomorrow = _post(client, "/no-spasm", {"day": "2026-07-01"})
    assert tomorrow.status_code == 422
    assert "is in the future" in tomorrow.text
    assert _post(client, "/no-spasm", {"day": "30/06/2026"}).status_code == 422


KEY = "7b1e4f2a-9c3d-4e5f-8a6b-0c1d2e3f4a5b"


def _log_by_api_with_a_key(client: TestClient) -> None:
    start = NOW - timedelta(hours=1)
    body = {
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=30)).isoformat(),
    }
    sent = client.post(
        "/api/v1/episodes", json={**body, "intensity": 5}, headers={"Idempotency-Key": KEY}
    )
    assert sent.status_code == 201, sent.text


def _log_by_the_form_with_a_key(client: TestClient) -> None:
    """As the Log page's script sends it: with an idempotency key and the moment of Save."""
    started = (NOW - timedelta(hours=1)).astimezone(ZoneInfo("Europe/Berlin"))
    form = {
        "intensity": "5",
        "state": "over",
        "started_at": started.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (started + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "tz": "Europe/Berlin",
        "idempotency_key": KEY,
        "saved_at": NOW.isoformat(),
    }
    sent = _post(client, "/log", form, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert re.fullmatch(r"/episodes/\d+/check", sent.headers["location"])


@pytest.mark.parametrize(
    "log",
    [
        lambda client: _episode(client, hours_ago=1, lasted=0.5),
        _log_by_api_with_a_key,
        _log_by_the_form_with_a_key,
    ],
    ids=["api", "api with a key", "form with a key"],
)
def test_logging_a_spasm_on_a_pain_free_day_removes_the_mark(
    client: TestClient, log: Callable[[TestClient], object]
) -> None:
    _in_berlin(client)
    _post(client, "/no-spasm", {"day": TODAY})
    assert client.get("/api/v1/pain-free-days").json()[0]["day"] == TODAY
    log(client)
    assert len(client.get("/api/v1/episodes").json()) == 1
    assert client.get("/api/v1/pain-free-days").json() == []
    page = client.get("/").text
    assert "Recorded: no spasm today." not in page
    assert "Last 4 weeks: No pain-free days recorded." in page


def test_a_repeated_keyed_send_leaves_a_pain_free_day_recorded_since(client: TestClient) -> None:
    """A send again with a used key adds nothing, so it unmarks nothing either."""
    _in_berlin(client)
    _log_by_api_with_a_key(client)
    yesterday = "2026-06-29"
    assert client.put(f"/api/v1/pain-free-days/{yesterday}").status_code == 200
    start = datetime.fromisoformat(f"{yesterday}T10:00:00+02:00")
    again = client.post(
        "/api/v1/episodes",
        json={"started_at": start.isoformat(), "intensity": 5},
        headers={"Idempotency-Key": KEY},
    )
    assert again.status_code == 200
    assert [d["day"] for d in client.get("/api/v1/pain-free-days").json()] == [yesterday]


# --- pain-free days wherever they are shown ------------------------------------------------


def test_a_patient_who_joined_today_is_never_shown_estimated_days(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    patient_id = clinic.users["owner"].patient_id
    doctor = clinic.client("shared")
    pages = [
        owner.get("/insights").text,
        owner.get("/").text,
        doctor.get(f"/clinician/patients/{patient_id}").text,
        doctor.get(f"/clinician/patients/{patient_id}/insights").text,
        _pdf_text(owner.get("/report.pdf").content),
        _pdf_text(doctor.get(f"/clinician/patients/{patient_id}/report.pdf").content),
    ]
    for text in pages:
        assert "No pain-free days recorded." in text
        assert "181" not in text and "182 pain-free" not in text
    course = owner.get("/api/v1/course").json()
    assert course["pain_free_days"] == {
        "recorded": 0,
        "estimated": 0,
        "estimated_since": None,
        "text": "No pain-free days recorded.",
    }


def test_estimates_are_labelled_as_estimates_everywhere(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    patient_id = clinic.users["owner"].patient_id
    _post_profile = owner.post(
        "/profile", data={"time_zone": "UTC", "csrf_token": csrf(owner, "/profile")}
    )
    assert _post_profile.status_code == 303
    # The diary holds an episode 40 days ago (imported, say): it began then.
    _episode(owner, hours_ago=40 * 24)
    assert owner.put("/api/v1/pain-free-days/2026-06-28").status_code == 200
    expected = (
        "1 pain-free day recorded; about 38 more days estimated from days with nothing logged "
        "since the diary began on 21 May 2026."
    )
    doctor = clinic.client("shared")
    pages = [
        owner.get("/insights").text,
        doctor.get(f"/clinician/patients/{patient_id}").text,
        doctor.get(f"/clinician/patients/{patient_id}/insights").text,
        _pdf_text(owner.get("/report.pdf").content),
    ]
    for text in pages:
        assert expected in " ".join(text.split())
    course = owner.get("/api/v1/course").json()["pain_free_days"]
    assert (course["recorded"], course["estimated"]) == (1, 38)
    assert course["estimated_since"] == "2026-05-21"


# --- the timer -------------------------------------------------------------------------------


def test_the_timer_shows_how_long_it_has_lasted_and_it_stopped_says_so(client: TestClient) -> None:
    episode_id = _episode(client, hours_ago=2 + 14 / 60, lasted=None)
    page = client.get("/").text
    assert "Going on now" in page
    assert '<span role="timer" data-elapsed="8040"><time datetime="PT2H14M">2 h 14 min</time>' in (
        page
    )
    assert "Spasm right now? Start a timer" not in page  # one timer at a time
    # Shown once: its timer, then its check (not a second time as the latest episode).
    assert len(re.findall(r"worst \d+/10", page)) == 1
    assert "Its check so far" in page and "Latest episode" not in page
    stopped = _post(client, f"/episodes/{episode_id}/end", follow_redirects=False)
    assert stopped.headers["location"] == f"/?stopped={episode_id}"
    page = client.get(stopped.headers["location"]).text
    assert "It stopped: it lasted 2 h 14 min." in page
    assert f'href="/episodes/{episode_id}/edit">Change the times' in page
    assert "Going on now" not in page
    assert "Latest episode" in page and "Its check so far" not in page
    assert "It stopped:" not in client.get("/?stopped=99999").text


def test_spasm_now_starts_a_timer_with_one_tap(client: TestClient) -> None:
    page = client.get("/").text
    assert "Spasm right now? Start a timer" in page
    assert page.count('name="intensity" value=') == 11
    started = _post(client, "/timer", {"intensity": "6"}, follow_redirects=False)
    assert started.status_code == 303
    assert started.headers["location"].endswith("/check")  # the warning signs come next
    [episode] = client.get("/api/v1/episodes").json()
    assert (episode["intensity"], episode["ended_at"]) == (6, None)
    assert episode["started_at"].startswith(NOW.isoformat()[:16])
    assert "under a minute" in client.get("/").text


def test_spasm_now_needs_a_pain_score(client: TestClient) -> None:
    for sent, message in (("", "choose how bad the pain is, 0 to 10"), ("11", "at most 10")):
        page = _post(client, "/timer", {"intensity": sent})
        assert page.status_code == 422
        assert re.search(rf'id="error-intensity">[^<]*{message}', page.text)
        assert '<details class="fold start-timer" open>' in page.text
    assert client.get("/api/v1/episodes").json() == []


# --- the API ---------------------------------------------------------------------------------


def test_pain_free_days_through_the_api(client: TestClient) -> None:
    _in_berlin(client)
    recorded = client.put("/api/v1/pain-free-days/2026-06-29")
    assert recorded.status_code == 200
    assert recorded.json()["day"] == "2026-06-29"
    again = client.put("/api/v1/pain-free-days/2026-06-29")
    assert again.json() == recorded.json()  # a retried send changes nothing
    assert [d["day"] for d in client.get("/api/v1/pain-free-days").json()] == ["2026-06-29"]
    assert client.get("/api/v1/pain-free-days?from=2026-06-30").json() == []
    _episode(client, hours_ago=1)
    refused = client.put(f"/api/v1/pain-free-days/{TODAY}")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "day"
    assert "so it was not a pain-free day" in refused.json()["detail"][0]["message"]
    future = client.put("/api/v1/pain-free-days/2026-07-01").json()["detail"]
    assert future == [
        {"field": "day", "message": "is in the future: record a day once it has begun"}
    ]
    assert client.put("/api/v1/pain-free-days/2026-13-01").status_code == 422
    assert client.delete("/api/v1/pain-free-days/2026-06-29").status_code == 204
    gone = client.delete("/api/v1/pain-free-days/2026-06-29")
    assert gone.status_code == 404
    assert gone.json() == {
        "detail": [{"field": "", "message": "no pain-free day is recorded on 2026-06-29"}]
    }


def test_it_stopped_through_the_api(client: TestClient) -> None:
    episode_id = _episode(client, hours_ago=1, lasted=None)
    ended = client.post(f"/api/v1/episodes/{episode_id}/end")
    assert ended.status_code == 200
    assert ended.json()["ended_at"].startswith(NOW.isoformat()[:16])
    assert client.post("/api/v1/episodes/99999/end").status_code == 404
