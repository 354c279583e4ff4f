"""The JSON API: CRUD, assessment, and 4xx answers that name the field."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.factories import NOW

START = NOW - timedelta(days=1)


def _create(client: TestClient, **fields: object) -> dict[str, object]:
    body = {"started_at": START.isoformat(), "intensity": 5, **fields}
    response = client.post("/api/v1/episodes", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_episode_crud(client: TestClient) -> None:
    created = _create(client, regions=["upper_left"], findings=["headache"], notes="first")
    episode_id = created["id"]
    assert client.get(f"/api/v1/episodes/{episode_id}").json() == created
    changed = client.patch(f"/api/v1/episodes/{episode_id}", json={"intensity": 8}).json()
    assert changed["intensity"] == 8
    assert changed["notes"] == "first"
    assert [e["id"] for e in client.get("/api/v1/episodes").json()] == [episode_id]
    assert client.delete(f"/api/v1/episodes/{episode_id}").status_code == 204
    missing = client.get(f"/api/v1/episodes/{episode_id}")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": [{"field": "", "message": f"episode {episode_id} not found"}]
    }


def test_list_filters_by_day(client: TestClient) -> None:
    # Days are the person's (here the server's local zone): episodes at local noon.
    for day in (1, 5):
        _create(client, started_at=datetime(2026, 3, day, 12).astimezone().isoformat())
    days = client.get("/api/v1/episodes", params={"from": "2026-03-02", "to": "2026-03-05"})
    assert [e["started_at"][:10] for e in days.json()] == ["2026-03-05"]


def test_episode_assessment_uses_history(client: TestClient) -> None:
    for day in (1, 5, 9):
        created = _create(
            client,
            started_at=f"2026-03-{day:02d}T10:00:00+00:00",
            ended_at=f"2026-03-{day:02d}T11:00:00+00:00",
        )
    result = client.get(f"/api/v1/episodes/{created['id']}/assessment").json()
    assert result["level"] == "routine"
    assert [flag["id"] for flag in result["matched_rules"]] == ["recurring"]


def test_assess_a_findings_document(client: TestClient) -> None:
    result = client.post("/api/v1/assess", json={"findings": ["thunderclap_headache"]}).json()
    assert result["level"] == "emergency"
    assert result["matched_rules"][0]["id"] == "thunderclap"


@pytest.mark.parametrize(
    ("method", "path", "body", "detail"),
    [
        (
            "post",
            "/api/v1/assess",
            {"findings": ["nek_pain"]},
            [
                {
                    "field": "findings.0",
                    "message": "unknown finding id 'nek_pain'; did you mean 'neck_pain'?",
                }
            ],
        ),
        (
            "post",
            "/api/v1/assess",
            {"findings": [], "intensity": 11},
            [{"field": "intensity", "message": "must be at most 10"}],
        ),
        ("post", "/api/v1/assess", {}, [{"field": "findings", "message": "is required"}]),
        ("post", "/api/v1/assess", [1], [{"field": "body", "message": "must be an object"}]),
        (
            "post",
            "/api/v1/episodes",
            {"started_at": "2026-03-01T10:00", "intensity": 3},
            [
                {
                    "field": "started_at",
                    "message": "must include a time zone (for example 2026-05-01T08:30+02:00)",
                }
            ],
        ),
        (
            "post",
            "/api/v1/episodes",
            {"started_at": "2026-03-01T10:00Z", "ended_at": "2026-03-01T09:00Z", "intensity": 3},
            [{"field": "ended_at", "message": "must not be before the start"}],
        ),
        (
            "get",
            "/api/v1/episodes?from=yesterday",
            None,
            [{"field": "from", "message": "must be a date such as 2026-05-01"}],
        ),
        (
            "get",
            "/api/v1/episodes/abc",
            None,
            [{"field": "episode_id", "message": "must be a whole number"}],
        ),
        # Found by schemathesis: each of these was a 500 or was accepted.
        (
            "get",
            "/api/v1/episodes/1443655634931846479872",
            None,
            [{"field": "episode_id", "message": f"must be at most {2**31 - 1}"}],
        ),
        (
            "get",
            "/api/v1/episodes?to=0",
            None,
            [{"field": "to", "message": "must be a date such as 2026-05-01"}],
        ),
        (
            "post",
            "/api/v1/episodes",
            {"started_at": 0, "intensity": 3},
            [
                {
                    "field": "started_at",
                    "message": "must be a date and time such as 2026-05-01T08:30+02:00",
                }
            ],
        ),
        (
            "post",
            "/api/v1/episodes",
            {"started_at": "0946-09-24T10:42:18-13:19", "intensity": 3},
            [{"field": "started_at", "message": "must be in 1900 or later"}],
        ),
        (
            "post",
            "/api/v1/episodes",
            {"started_at": "2026-03-01T10:00Z", "intensity": 3, "stress": False},
            [{"field": "stress", "message": "must be a number, not true or false"}],
        ),
        (
            "patch",
            "/api/v1/episodes/1",
            {"intensity": None},
            [
                {
                    "field": "intensity",
                    "message": "cannot be emptied; leave the field out to keep it",
                }
            ],
        ),
    ],
)
def test_bad_input_is_4xx_naming_the_field(
    client: TestClient, method: str, path: str, body: object, detail: list[dict[str, str]]
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


def test_an_episode_left_open_for_decades_is_still_assessed(client: TestClient) -> None:
    created = _create(client, started_at="1950-01-01T00:00:00Z")
    response = client.get(f"/api/v1/episodes/{created['id']}/assessment")
    assert response.status_code == 200
    assert response.json()["level"] != "self_care"  # a course this long is not self-care


def test_invalid_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/assess", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "body", "message": "is not valid JSON"}]}


def test_an_invalid_update_changes_nothing(client: TestClient) -> None:
    created = _create(client)
    response = client.patch(
        f"/api/v1/episodes/{created['id']}", json={"ended_at": "2000-01-01T00:00:00Z"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "ended_at"
    assert client.get(f"/api/v1/episodes/{created['id']}").json() == created


def test_openapi_is_published(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {
        "/api/v1/episodes",
        "/api/v1/episodes/{episode_id}",
        "/api/v1/assess",
        "/api/v1/episodes/{episode_id}/assessment",
    } <= set(schema["paths"])
    assert "/log" not in schema["paths"]


def test_every_refusal_has_the_one_error_body(client: TestClient) -> None:
    """Whatever refuses a request (the request guard, validation, a service, the router),
    the JSON API answers with the same body: a list of problems, each with its field."""
    from neckcheck.web.app import MAX_BODY
    from neckcheck.web.errors import ErrorBody

    as_json = {"content-type": "application/json"}

    episode = _create(client)
    cases = [
        (422, client.post("/api/v1/episodes", content=b"{not json", headers=as_json)),
        (403, client.post("/api/v1/episodes", json={}, headers={"Origin": "https://evil.test"})),
        (404, client.get("/api/v1/episodes/999999")),
        (404, client.get("/api/v1/no-such-thing")),
        (405, client.put(f"/api/v1/episodes/{episode['id']}", json={})),
        (413, client.post("/api/v1/episodes", content=b"x" * (MAX_BODY + 1))),
        (422, client.post("/api/v1/episodes", json={"intensity": 11})),
        (422, client.get("/api/v1/episodes/0")),
    ]
    for status, response in cases:
        assert response.status_code == status, (status, response.text)
        body = ErrorBody.model_validate(response.json())
        assert all(problem.message for problem in body.detail), response.text
    assert client.put(f"/api/v1/episodes/{episode['id']}", json={}).headers["allow"]
