"""The CLI and the web app on PostgreSQL, selected by NECKCHECK_DATABASE_URL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from neckcheck.cli import app
from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.storage.db import head_revision
from neckcheck.web.app import create_app
from tests.factories import NOW, cli_runner, web_client


def test_cli_on_postgresql(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NECKCHECK_DATABASE_URL", postgres_url)
    runner = cli_runner()
    assert (
        f"Database is at revision {head_revision()}."
        in runner.invoke(app, ["db", "upgrade"]).output
    )
    logged = runner.invoke(
        app, ["log", "-n", "6", "-f", "dizziness", "--start", "2026-03-01T09:30+01:00"]
    )
    assert "SEE A DOCTOR TODAY (urgent)" in logged.output
    [episode] = json.loads(runner.invoke(app, ["history", "--json"]).output)
    assert episode["started_at"] == "2026-03-01T09:30:00+01:00"
    bad = runner.invoke(app, ["log", "-n", "11"])
    assert bad.exit_code == 2
    assert len(json.loads(runner.invoke(app, ["history", "--json"]).output)) == 1


def test_web_app_on_postgresql(postgres_url: str) -> None:
    app = create_app(Settings(database_url=postgres_url), clock=FixedClock(NOW))
    with web_client(app) as client:
        assert client.get("/").status_code == 200
        start = (NOW - timedelta(hours=3)).isoformat()
        created = client.post("/api/v1/episodes", json={"started_at": start, "intensity": 4})
        assert created.status_code == 201
        assert client.get("/api/v1/episodes").json()[0]["id"] == created.json()["id"]
        assert client.get("/history").status_code == 200
        assert client.get("/report.pdf").headers["content-type"] == "application/pdf"
