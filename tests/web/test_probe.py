"""An outside probe, replayed: each request once broke the server (a 500, minutes of CPU,
megabytes of reply, or data stored garbled). Each must now be a plain 4xx, or a small answer.

Clinic-mode items (sign-in limits, the audit log's role) are in test_signin.py and
tests/storage/test_audit_role.py.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.web.app import MAX_BODY, create_app
from tests.databases import new_sqlite
from tests.factories import NOW, web_client

START = (NOW - timedelta(days=1)).isoformat()


def _detail(response: object) -> str:
    """The messages of a JSON error, one line each."""
    problems = response.json()["detail"]  # type: ignore[attr-defined]
    return "\n".join(problem["message"] for problem in problems)


@pytest.mark.parametrize(
    "ended_at",
    ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00", (NOW + timedelta(days=2)).isoformat()],
)
def test_an_end_in_the_future_is_refused(client: TestClient, ended_at: str) -> None:
    response = client.post(
        "/api/v1/episodes", json={"started_at": START, "ended_at": ended_at, "intensity": 5}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "ended_at"
    assert client.get("/api/v1/episodes").json() == []


def test_the_form_refuses_an_end_past_the_calendar(client: TestClient) -> None:
    page = client.get("/log").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/log",
        data={
            "csrf_token": token,
            "started_at": "2026-06-29T08:00",
            "ended_at": "9999-12-31T23:59",
            "tz": "-960",
            "intensity": "5",
        },
    )
    assert response.status_code == 422
    assert "9999-12-31T23:59" in response.text  # the value comes back beside its error
    assert client.get("/api/v1/episodes").json() == []


@pytest.mark.parametrize("path", ["/api/v1/episodes", "/history", "/insights", "/report.pdf"])
@pytest.mark.parametrize("query", [{"to": "9999-12-31"}, {"from": "1000-01-01"}])
def test_periods_past_the_calendar_or_too_long_are_4xx(
    client: TestClient, path: str, query: dict[str, str]
) -> None:
    response = client.get(path, params=query)
    assert 400 <= response.status_code < 500, (path, query, response.status_code)
    assert len(response.content) < 100_000  # was 45 MB for from=1000-01-01


@pytest.mark.parametrize("row_id", [2**31, 2**63 - 1, 2**63, 10**30])
def test_ids_beyond_the_columns_are_404_or_422(client: TestClient, row_id: int) -> None:
    for path in (f"/api/v1/episodes/{row_id}", f"/episodes/{row_id}"):
        response = client.get(path)
        assert response.status_code in (404, 422), (path, response.status_code)


def test_ids_beyond_postgresql_columns_are_404(postgres_url: str, clock: object) -> None:
    app = create_app(Settings(database_url=postgres_url), clock=clock)  # type: ignore[arg-type]
    with web_client(app) as on_postgres:
        for row_id in (2**31, 2**63 - 1):
            response = on_postgres.get(f"/api/v1/episodes/{row_id}")
            assert response.status_code in (404, 422), response.text
            page = on_postgres.get(f"/episodes/{row_id}/edit")
            assert page.status_code in (404, 422)


def test_a_document_of_50000_unknown_ids_is_refused_quickly(client: TestClient) -> None:
    findings = [f"unknown_{n}" for n in range(50_000)]
    response = client.post("/api/v1/assess", json={"findings": findings})
    assert response.status_code in (413, 422)
    assert len(response.content) < 2_000  # was a 3.5 MB reply after 4.4 s of CPU


def test_a_list_longer_than_any_diary_needs_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/assess", json={"findings": ["headache"] * 101})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "findings"


def test_a_body_over_the_limit_is_413_before_it_is_parsed(client: TestClient) -> None:
    big = b'{"findings": [' + b'"x",' * (MAX_BODY // 4) + b'"x"]}'
    response = client.post(
        "/api/v1/assess", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "KiB" in _detail(response)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_form_that_is_not_utf8_is_refused_not_stored_garbled(client: TestClient) -> None:
    page = client.get("/log").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    body = f"csrf_token={token}&started_at=2026-06-29T08:00&intensity=5&notes=%FF%FE%C3"
    response = client.post(
        "/log",
        content=body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.text
    assert client.get("/api/v1/episodes").json() == []


def test_parallel_first_writes_are_all_kept(client: TestClient) -> None:
    # A new diary: every request below is among the first it sees.
    results: list[int] = []

    def write(n: int) -> None:
        response = client.post(
            "/api/v1/episodes", json={"started_at": START, "intensity": 1 + n % 10}
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201] * 8
    assert len(client.get("/api/v1/episodes").json()) == 8


def test_api_writes_from_another_site_are_refused(client: TestClient) -> None:
    body = {"started_at": START, "intensity": 5}
    foreign = client.post("/api/v1/episodes", json=body, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    cross = client.post("/api/v1/episodes", json=body, headers={"sec-fetch-site": "cross-site"})
    assert cross.status_code == 403
    same = client.post("/api/v1/episodes", json=body, headers={"origin": "http://localhost"})
    assert same.status_code == 201
    assert len(client.get("/api/v1/episodes").json()) == 1


@pytest.mark.parametrize("path", ["/", "/history", "/api/v1/episodes", "/export/csv"])
def test_personal_answers_are_not_cached(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # local mode is plain HTTP


def test_static_files_may_be_cached(client: TestClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers.get("cache-control") != "no-store"


def test_a_clinic_with_secure_cookies_sends_hsts(tmp_path: Path) -> None:
    settings = Settings(
        database_url=new_sqlite(tmp_path / "c.db"), clinic_mode=True, secret_key="k" * 40
    )
    with web_client(create_app(settings, clock=FixedClock(NOW))) as clinic:
        answer = clinic.get("/login")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
    assert answer.headers["cache-control"] == "no-store"


def test_an_unexpected_fault_is_a_500_with_the_security_headers(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neckcheck.services.diary import Diary

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Diary, "episodes", broken)
    for path in ("/api/v1/episodes", "/history"):
        answer = client.get(path)
        assert answer.status_code == 500
        assert "a bug" not in answer.text  # no internals shown
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" in answer.headers
