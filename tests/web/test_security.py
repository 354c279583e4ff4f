"""Security headers, no CDN pages, and clinic mode refusing unsafe settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from neckcheck.cli import app
from neckcheck.errors import ConfigError
from neckcheck.settings import Settings
from neckcheck.web.app import SECURITY_HEADERS, create_app
from tests.factories import cli_runner


@pytest.mark.parametrize("path", ["/", "/log", "/api/v1/episodes", "/static/style.css", "/nowhere"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_no_page_loads_third_party_code(client: TestClient) -> None:
    # The API's interactive docs come from a package served here, within the same policy.
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    docs = client.get("/docs").text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs):
        assert client.get(asset).status_code == 200, asset
    for path in ("/", "/log", "/history", "/insights", "/learn", "/docs"):
        page = client.get(path).text
        assert "<script>" not in page  # no inline script, so the CSP needs no exception
        # Nothing is loaded from elsewhere (citations may show URLs as text).
        assert not re.search(r'<(script|link|img|iframe)\b[^>]*(src|href)="(https?:)?//', page)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"clinic_mode": True, "database_url": "postgresql+psycopg://h/db"},
            "clinic mode needs NECKCHECK_SECRET_KEY",
        ),
        (
            {
                "clinic_mode": True,
                "database_url": "postgresql+psycopg://h/db",
                "secret_key": "short",
            },
            "clinic mode needs NECKCHECK_SECRET_KEY",
        ),
        ({"clinic_mode": True, "secret_key": "x" * 40}, "clinic mode needs NECKCHECK_DATABASE_URL"),
    ],
)
def test_clinic_mode_refuses_unsafe_settings(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        create_app(Settings(**settings))  # type: ignore[arg-type]


def test_serve_refuses_clinic_mode_with_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NECKCHECK_CLINIC_MODE", "true")
    monkeypatch.setenv("NECKCHECK_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = cli_runner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: clinic mode needs NECKCHECK_SECRET_KEY")
