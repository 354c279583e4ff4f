"""The JSON API of the outcome measures: the activities, check-ins (201, or 200 when the same
check-in is sent again), their refusals (422 naming the field, nothing stored) and the
change since the first check-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.web.app import create_app
from tests.factories import NOW, web_client

NAMES = ["Reversing the car", "Lifting my son", "Reading in bed"]


def _named(client: TestClient) -> list[str]:
    answer = client.put("/api/v1/activities", json={"names": NAMES})
    assert answer.status_code == 200, answer.text
    assert [a["name"] for a in answer.json()] == NAMES
    return [str(a["id"]) for a in answer.json()]


def _check_in(client: TestClient, body: dict[str, Any], code: int = 201) -> dict[str, Any]:
    answer = client.post("/api/v1/checkins", json=body)
    assert answer.status_code == code, answer.text
    made: dict[str, Any] = answer.json()
    return made


def test_a_check_in_is_recorded_listed_scored_and_deleted(client: TestClient) -> None:
    items = _named(client)
    made = _check_in(
        client, {"answers": {"nprs": {"pain": 6}, "psfs": dict(zip(items, [2, 3, 7], strict=True))}}
    )
    assert made["scores"] == {"nprs": 6, "psfs": 4}
    assert made["at"].startswith(NOW.astimezone().isoformat()[:16]) or made["at"]
    assert client.get("/api/v1/checkins").json() == [made]
    assert client.delete(f"/api/v1/checkins/{made['id']}").status_code == 204
    assert client.get("/api/v1/checkins").json() == []
    missing = client.delete(f"/api/v1/checkins/{made['id']}")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": [{"field": "", "message": f"check-in {made['id']} not found"}]
    }


def test_a_check_in_sent_again_adds_nothing(client: TestClient) -> None:
    at = (NOW - timedelta(hours=3)).isoformat()
    body = {"at": at, "answers": {"nprs": {"pain": 5}}}
    first = _check_in(client, body)
    assert _check_in(client, body, code=200) == first
    changed = client.post("/api/v1/checkins", json={**body, "answers": {"nprs": {"pain": 4}}})
    assert changed.status_code == 422
    assert changed.json()["detail"] == [
        {"field": "at", "message": "another check-in is recorded at this moment"}
    ]
    assert len(client.get("/api/v1/checkins").json()) == 1


def test_refused_check_ins_name_the_field_and_store_nothing(client: TestClient) -> None:
    first, second, third = _named(client)
    ratings = {first: 2, second: 3, third: 4}
    for body, field, said in (
        ({"answers": {"nprs": {"pain": 11}}}, "nprs.pain", "must be a whole number 0 to 10"),
        ({"answers": {"nprs": {"pain": -1}}}, "nprs.pain", "must be a whole number 0 to 10"),
        ({"answers": {"psfs": {first: 2, second: 3}}}, f"psfs.{third}", "rate this one too"),
        ({"answers": {"psfs": {**ratings, "999": 1}}}, "psfs.999", "is not asked now"),
        ({"answers": {"ndi": {"q1": 1}}}, "ndi", "is not a measure here"),
        ({"answers": {}}, "", "answer at least one question"),
        (
            {"at": (NOW + timedelta(days=1)).isoformat(), "answers": {"nprs": {"pain": 3}}},
            "at",
            "is in the future",
        ),
    ):
        refused = client.post("/api/v1/checkins", json=body)
        assert refused.status_code == 422, body
        problems = {p["field"]: p["message"] for p in refused.json()["detail"]}
        assert said in problems[field], (body, problems)
    typed = client.post("/api/v1/checkins", json={"answers": {"nprs": {"pain": "a lot"}}})
    assert typed.status_code == 422  # not a number: refused by the schema
    naive = client.post("/api/v1/checkins", json={"at": "2026-06-30T10:00", "answers": {}})
    assert naive.status_code == 422
    assert client.get("/api/v1/checkins").json() == []


def test_refused_activities_keep_the_ones_named(client: TestClient) -> None:
    _named(client)
    for names, said in (
        (["Driving"], "name 3 to 5 activities"),
        (["Driving", "driving", "Typing"], "names the same activity twice"),
        ([*NAMES, "a", "b", "c"], "name 3 to 5 activities"),
    ):
        refused = client.put("/api/v1/activities", json={"names": names})
        assert refused.status_code == 422
        assert said in refused.text
    assert [a["name"] for a in client.get("/api/v1/activities").json()] == NAMES


def test_progress_says_the_change_since_the_first_check_in(
    client: TestClient, settings: Settings
) -> None:
    items = _named(client)
    first = _check_in(client, {"answers": {"nprs": {"pain": 7}, "psfs": dict.fromkeys(items, 2)}})
    later = FixedClock(NOW + timedelta(days=14))
    with web_client(create_app(settings, clock=later)) as then:
        _check_in(then, {"answers": {"nprs": {"pain": 4}, "psfs": dict.fromkeys(items, 6)}})
        found = {p["measure"]: p for p in then.get("/api/v1/progress").json()}
        assert then.get("/api/v1/progress?baseline=0").status_code == 422
    assert found["nprs"]["baseline_id"] == first["id"]
    assert (found["nprs"]["change"], found["nprs"]["important"]) == (3, True)
    assert (found["psfs"]["change"], found["psfs"]["important"]) == (4, True)
    assert found["nprs"]["text"].startswith("Your usual pain is 3 points lower than on")
    assert "MCID 1.3 (Cleland 2008)" in found["nprs"]["clinical"]
