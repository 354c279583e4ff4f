"""The web app factory: serves on a migrated database of its own."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from neckcheck.settings import Settings
from neckcheck.web.app import create_app


def test_home_page_serves_and_migrates_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with TestClient(create_app(Settings(database_url=url))) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert "neckcheck" in page.text
        assert "Not a diagnosis" in page.text
        assert "<strong>0</strong> episode" in page.text
        assert client.get("/api/v1/health").json()["status"] == "ok"
    engine = create_engine(url)
    assert {"episodes", "patients"} <= set(inspect(engine).get_table_names())
    engine.dispose()
