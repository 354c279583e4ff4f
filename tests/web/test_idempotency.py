"""Sending an episode again is safe: the JSON API's ``Idempotency-Key`` header and the Log
form's ``idempotency_key`` field (set by script, kept with an entry queued offline) make every
send after the first answer with the first one's episode and add nothing."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient

from tests.factories import NOW
from tests.web.clinic_app import Clinic, csrf

KEY = "9d3c1b7e-2a4f-4e8d-b6c5-1f0e9d8c7b6a"
START = (NOW - timedelta(hours=3)).isoformat()


def _send(client: Any, key: str = KEY, **fields: object) -> Any:
    body = {"started_at": START, "intensity": 5, **fields}
    return client.post("/api/v1/episodes", json=body, headers={"Idempotency-Key": key})


def test_the_api_answers_a_second_send_with_the_first_episode(client: TestClient) -> None:
    first = _send(client, intensity=6)
    assert first.status_code == 201
    again = _send(client, intensity=6)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert [e["id"] for e in client.get("/api/v1/episodes").json()] == [first.json()["id"]]
    # Another key is another episode.
    other = _send(client, key="another-key-123")
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]


def test_a_malformed_key_is_refused_naming_the_header(client: TestClient) -> None:
    refused = _send(client, key="no")
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["detail"]] == ["Idempotency-Key"]
    assert client.get("/api/v1/episodes").json() == []


def test_a_key_whose_episode_was_deleted_creates_nothing(client: TestClient) -> None:
    first = _send(client).json()
    assert client.delete(f"/api/v1/episodes/{first['id']}").status_code == 204
    late = _send(client)
    assert late.status_code == 404
    assert late.json() == {
        "detail": [
            {"field": "", "message": "the episode first sent with this key has been deleted"}
        ]
    }
    assert client.get("/api/v1/episodes").json() == []


def test_the_same_key_sent_at_once_stores_one_episode(live_server: str) -> None:
    """Eight sends with one key, released together against a real server."""
    ready = threading.Barrier(8, timeout=30)
    answers: list[tuple[int, int]] = []

    def send() -> None:
        body = {"started_at": START, "intensity": 5}
        with requests.Session() as browser:
            ready.wait()
            answer = browser.post(
                live_server + "/api/v1/episodes",
                json=body,
                headers={"Idempotency-Key": KEY},
                timeout=30,
            )
            answers.append((answer.status_code, answer.json()["id"]))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [200] * 7 + [201]
    assert len({episode for _, episode in answers}) == 1
    stored = requests.get(live_server + "/api/v1/episodes", timeout=30).json()
    assert [e["id"] for e in stored] == [answers[0][1]]


def test_patients_keys_are_their_own(clinic: Clinic) -> None:
    owner, other = clinic.client("owner"), clinic.client("other")
    mine, theirs = _send(owner, intensity=3), _send(other, intensity=8)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert _send(other).json() == theirs.json()  # the other's retry: their own episode
    assert [e["intensity"] for e in owner.get("/api/v1/episodes").json()] == [3]
    assert [e["intensity"] for e in other.get("/api/v1/episodes").json()] == [8]


# --- the Log form -------------------------------------------------------------------------


def _wall(moment: datetime) -> str:
    """A ``datetime-local`` value: the wall-clock time of the form's zone (here the server's,
    as the form leaves ``tz`` empty)."""
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M")


def _log(client: TestClient, **fields: str) -> Any:
    form = {"intensity": "4", "state": "ongoing", "started_at": _wall(NOW), **fields}
    form.setdefault("opened", form["started_at"])
    return client.post("/log", data={**form, "csrf_token": csrf(client, "/log")})


def test_the_log_form_sent_twice_with_its_key_stores_one_episode(client: TestClient) -> None:
    client.follow_redirects = False
    first = _log(client, idempotency_key=KEY)
    again = _log(client, idempotency_key=KEY, intensity="9")
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert [e["intensity"] for e in client.get("/api/v1/episodes").json()] == [4]
    # Without a key (no script) every send is a new episode, as before.
    _log(client)
    assert len(client.get("/api/v1/episodes").json()) == 2


def test_a_malformed_form_key_is_refused(client: TestClient) -> None:
    refused = _log(client, idempotency_key="x")
    assert refused.status_code == 422
    assert "must be 8 to 64 letters, digits, - or _" in refused.text
    assert client.get("/api/v1/episodes").json() == []


@pytest.mark.parametrize(
    ("saved", "ended"),
    [
        # Kept on the phone three hours ago: "about an hour" ended then, not on arrival.
        (NOW - timedelta(hours=3), NOW - timedelta(hours=3)),
        # A phone clock ahead of the server's is not believed past the server's now.
        (NOW + timedelta(hours=2), NOW),
    ],
)
def test_a_form_saved_earlier_is_read_as_of_when_it_was_saved(
    client: TestClient, saved: datetime, ended: datetime
) -> None:
    opened = _wall(saved - timedelta(minutes=5))
    sent = _log(client, state="hour", started_at=opened, saved_at=saved.isoformat())
    assert sent.status_code == 200  # the check page, after the redirect
    [stored] = client.get("/api/v1/episodes").json()
    assert datetime.fromisoformat(stored["ended_at"]) == ended
    assert datetime.fromisoformat(stored["started_at"]) == ended - timedelta(hours=1)
