"""The calendar feed of reminders: set up on the profile, fetched without a session at its
secret address, parsed with icalendar, reset and stopped; one person's address never shows
another's episodes, and the address never reaches a log or the audit log."""

from __future__ import annotations

import re
import stat
import threading
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from fastapi.testclient import TestClient
from icalendar import Calendar

from neckcheck.settings import Settings
from neckcheck.storage import accounts
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread
from tests.databases import new_sqlite
from tests.factories import NOW, web_client
from tests.web.clinic_app import Clinic, csrf

FEED = re.compile(r'value="(https?://[^"]+/calendar/([A-Za-z0-9_-]+)\.ics)"')


def _post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    if "neckcheck_csrf" not in client.cookies:
        client.get("/learn")
    token = client.cookies["neckcheck_csrf"]
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def _set_up(client: TestClient) -> str:
    """Set the feed up from the profile page; returns its token."""
    assert "Set up calendar reminders" in client.get("/profile").text
    done = _post(client, "/profile/calendar", follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/profile#calendar")
    return _token(client.get("/profile").text)


def _token(profile: str) -> str:
    found = FEED.search(profile)
    assert found, "no feed address on the profile page"
    assert f'href="webcal://{found.group(1).split("://", 1)[1]}"' in profile
    return found.group(2)


def _feed(app_client: TestClient, token: str) -> Calendar:
    """The feed as a calendar app fetches it: no cookies, no session."""
    stranger = web_client(app_client.app)
    response = stranger.get(f"/calendar/{token}.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    calendar: Calendar = Calendar.from_ical(response.content)
    return calendar


def _events(calendar: Calendar) -> dict[str, Any]:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def _episode(client: TestClient, start: datetime, *, ongoing: bool = True) -> int:
    body: dict[str, Any] = {"started_at": start.isoformat(), "intensity": 5}
    if not ongoing:
        body["ended_at"] = (start + timedelta(minutes=30)).isoformat()
    response = client.post("/api/v1/episodes", json=body)
    assert response.status_code == 201, response.text
    episode_id: int = response.json()["id"]
    return episode_id


def _alarm(event: Any) -> Any:
    [alarm] = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(0)
    assert str(alarm["DESCRIPTION"])
    return alarm


def test_a_daily_check_in_at_20_00_in_the_persons_time_zone(client: TestClient) -> None:
    _post(client, "/profile", {"time_zone": "Europe/Berlin"})
    token = _set_up(client)
    calendar = _feed(client, token)
    assert calendar["VERSION"] == "2.0"
    [checkin, weekly] = calendar.walk("VEVENT")
    start = checkin.decoded("DTSTART")
    assert (start.date().isoformat(), start.time()) == ("2026-06-30", time(20, 0))
    assert start.tzinfo == ZoneInfo("Europe/Berlin")
    assert checkin["RRULE"] == {"FREQ": ["DAILY"]}
    assert checkin.decoded("DURATION") == timedelta(minutes=10)
    assert str(checkin["TRANSP"]) == "TRANSPARENT"
    assert str(checkin["SUMMARY"]) == "Neck diary: any spasm today?"
    assert str(checkin["URL"]).endswith("/")
    # The weekly check-in: due today (none yet), then a week after the one just made.
    assert weekly.decoded("DTSTART").date().isoformat() == "2026-06-30"
    assert str(weekly["URL"]).endswith("/check-in")
    _post(client, "/check-in", {"nprs.pain": "4"})
    [_, weekly] = _feed(client, token).walk("VEVENT")
    assert weekly.decoded("DTSTART").date().isoformat() == "2026-07-07"
    assert weekly["RRULE"] == {"FREQ": ["DAILY"], "INTERVAL": [7]}
    _alarm(checkin)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    # Across the change to winter time the check-in stays at 20:00 in Berlin.
    winter = checkin.decoded("DTSTART").replace(month=11, day=2)
    assert winter.utcoffset() == timedelta(hours=1)
    assert calendar.get_missing_tzids() == set()


def test_without_a_time_zone_the_check_in_floats(client: TestClient) -> None:
    token = _set_up(client)
    [checkin, _weekly] = _feed(client, token).walk("VEVENT")
    assert checkin.decoded("DTSTART").tzinfo is None  # 20:00 wherever the phone is
    assert "In your calendar's time zone" in client.get("/profile").text


def test_the_check_in_time_is_the_persons_choice(client: TestClient) -> None:
    _post(client, "/profile", {"time_zone": "America/New_York"})
    token = _set_up(client)
    assert _post(client, "/profile/calendar/time", {"checkin": "07:30"}).status_code == 200
    page = client.get("/profile").text
    assert 'id="checkin" name="checkin" value="07:30"' in page
    assert _token(page) == token  # the address stays
    [checkin, _weekly] = _feed(client, token).walk("VEVENT")
    assert checkin.decoded("DTSTART").time() == time(7, 30)
    assert checkin.decoded("DTSTART").tzinfo == ZoneInfo("America/New_York")
    refused = _post(client, "/profile/calendar/time", {"checkin": "25:00"})
    assert refused.status_code == 422
    assert 'value="25:00"' in refused.text
    assert 'id="error-checkin">must be a time such as 20:00<' in refused.text


def test_did_it_stop_for_each_episode_still_going_on(client: TestClient) -> None:
    token = _set_up(client)
    earlier = _episode(client, NOW - timedelta(hours=1))
    # Logged (at NOW) 5 hours after it began: asked an hour after it was logged.
    late = _episode(client, NOW - timedelta(hours=5))
    _episode(client, NOW - timedelta(days=1), ongoing=False)
    stops = [e for e in _feed(client, token).walk("VEVENT") if "stop" in str(e["SUMMARY"])]
    due = sorted(e.decoded("DTSTART") for e in stops)
    assert due == [NOW + timedelta(hours=1), NOW + timedelta(hours=2)]
    for event in stops:
        assert str(event["SUMMARY"]) == "Neck diary: did the spasm stop?"
        assert "RRULE" not in event
        _alarm(event)
    assert {str(e["UID"]).split("-")[1] for e in stops} == {str(earlier), str(late)}
    _post(client, f"/episodes/{earlier}/end")
    _post(client, f"/episodes/{late}/end")
    assert [str(e["SUMMARY"]) for e in _feed(client, token).walk("VEVENT")] == [
        "Neck diary: any spasm today?",
        "Neck diary: weekly check-in",
    ]


def test_resetting_the_link_ends_the_old_address(client: TestClient) -> None:
    old = _set_up(client)
    page = client.get("/profile").text
    assert ">Reset the link</button>" in page
    _post(client, "/profile/calendar")
    new = _token(client.get("/profile").text)
    assert new != old
    stranger = web_client(client.app)
    assert stranger.get(f"/calendar/{old}.ics").status_code == 404
    assert stranger.get(f"/calendar/{new}.ics").status_code == 200
    _post(client, "/profile/calendar/stop")
    assert stranger.get(f"/calendar/{new}.ics").status_code == 404
    assert "Set up calendar reminders" in client.get("/profile").text


@pytest.mark.parametrize(
    "token", ["x", "A" * 59, "A" * 200, "..%2f..%2fetc", "%00" * 5, "ünïcode" * 9]
)
def test_an_unknown_address_is_404(client: TestClient, token: str) -> None:
    _set_up(client)
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_secret_part_must_match(client: TestClient) -> None:
    token = _set_up(client)
    forged = token[:16] + ("A" if token[16] != "A" else "B") + token[17:]
    assert client.get(f"/calendar/{forged}.ics").status_code == 404
    # Another server secret gives other addresses: the stored part alone opens nothing.
    other = create_app(
        client.app.state.settings.model_copy(update={"secret_key": "t" * 40}),
        clock=client.app.state.clock,
    )
    with web_client(other) as elsewhere:
        assert elsewhere.get(f"/calendar/{token}.ics").status_code == 404


def test_a_copy_of_a_local_database_does_not_give_the_address(
    client: TestClient, settings: Settings
) -> None:
    from neckcheck.services.reminders import _mac
    from neckcheck.settings import DEFAULT_SECRET

    token = _set_up(client)
    lookup, mac = token[:16], token[16:]
    # The built-in placeholder, which anyone with the database could try, is not the key.
    assert _mac(DEFAULT_SECRET, lookup) != mac
    key_file = settings.key_file()
    assert key_file is not None and key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert _mac(key, lookup) == mac
    database = Path(str(settings.database_url).removeprefix("sqlite:///"))
    assert key_file.parent == database.parent  # beside the database, not in it
    assert key.encode() not in database.read_bytes()
    # The key is kept: a server started again on the same diary has the same address.
    with web_client(create_app(settings, clock=client.app.state.clock)) as again:
        assert again.get(f"/calendar/{token}.ics").status_code == 200


def test_processes_making_the_key_at_once_agree_on_it(tmp_path: Path) -> None:
    from neckcheck.storage.keyfile import kept_key

    path = tmp_path / "folder" / "diary.db.key"
    start = threading.Barrier(8)
    keys: list[str] = []

    def make() -> None:
        start.wait(timeout=30)
        keys.append(kept_key(path))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
    assert sorted(p.name for p in path.parent.iterdir()) == ["diary.db.key"]


# --- clinic mode ---------------------------------------------------------------------------


def test_each_patient_has_an_address_that_shows_only_their_episodes(clinic: Clinic) -> None:
    owner, other = clinic.client("owner"), clinic.client("other")
    tokens = {}
    for who, client in (("owner", owner), ("other", other)):
        client.post("/profile/calendar", data={"csrf_token": csrf(client, "/profile")})
        tokens[who] = _token(client.get("/profile").text)
    assert tokens["owner"] != tokens["other"]
    owners = _episode(owner, NOW - timedelta(hours=2))
    others = _episode(other, NOW - timedelta(minutes=30))
    anonymous = clinic.client()
    for who, mine, theirs in (("owner", owners, others), ("other", others, owners)):
        body = anonymous.get(f"/calendar/{tokens[who]}.ics")
        assert body.status_code == 200
        uids = {str(e["UID"]) for e in Calendar.from_ical(body.content).walk("VEVENT")}
        assert any(uid.startswith(f"stopped-{mine}-") for uid in uids)
        assert not any(uid.startswith(f"stopped-{theirs}-") for uid in uids)
    # One's stored part with the other's secret part opens neither.
    mixed = tokens["owner"][:16] + tokens["other"][16:]
    assert anonymous.get(f"/calendar/{mixed}.ics").status_code == 404
    # The address never reaches the audit log.
    db = open_database(clinic.url)
    with db.session() as session:
        for who in ("owner", "other"):
            patient = clinic.users[who].patient_id
            assert patient is not None
            for entry in accounts.audit_for_patient(session=session, patient_id=patient):
                assert tokens["owner"] not in entry.target
                assert tokens["other"] not in entry.target
        accounts.set_disabled(session=session, email="owner@example.org", disabled=True)
    db.close()
    # A disabled account's reminders stop.
    assert anonymous.get(f"/calendar/{tokens['owner']}.ics").status_code == 404
    assert anonymous.get(f"/calendar/{tokens['other']}.ics").status_code == 200


def test_a_clinician_has_no_calendar(clinic: Clinic) -> None:
    doctor = clinic.client("shared")
    token = csrf(doctor, "/clinician")
    assert doctor.post("/profile/calendar", data={"csrf_token": token}).status_code == 403


# --- logs ----------------------------------------------------------------------------------


def test_the_address_never_reaches_the_access_log(
    tmp_path: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    from neckcheck.clock import FixedClock

    settings = Settings(database_url=new_sqlite(tmp_path / "log.db"))
    app = create_app(settings, clock=FixedClock(NOW))
    with serve_in_thread(app, settings=settings, log_level="info") as base:
        browser = requests.Session()
        page = browser.get(base + "/profile", timeout=10).text
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf_token
        browser.post(base + "/profile/calendar", data={"csrf_token": csrf_token[1]}, timeout=10)
        token = _token(browser.get(base + "/profile", timeout=10).text)
        assert requests.get(f"{base}/calendar/{token}.ics", timeout=10).ok
        assert requests.get(f"{base}/calendar/{token}x.ics", timeout=10).status_code == 404
    logged = "".join(capfd.readouterr())
    assert '"GET /calendar/[token].ics HTTP/1.1" 200' in logged
    assert '"GET /calendar/[token].ics HTTP/1.1" 404' in logged
    assert token not in logged


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        ('"GET /calendar/AbC-_9.ics HTTP/1.1" 200', '"GET /calendar/[token].ics HTTP/1.1" 200'),
        ("GET /calendar/AbC?x=1", "GET /calendar/[token]?x=1"),
        ("/calendar/a.ics and /calendar/b.ics", "/calendar/[token].ics and /calendar/[token].ics"),
        ("GET /profile/calendar/time", "GET /profile/calendar/time"),
        ("https://diary.example/calendar/Ab1.ics", "https://diary.example/calendar/[token].ics"),
    ],
)
def test_redaction(line: str, logged: str) -> None:
    from neckcheck.web.logs import redact

    assert redact(line) == logged
