"""Security headers, no CDN pages, and clinic mode refusing unsafe settings."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from neckcheck.cli import app
from neckcheck.errors import ConfigError
from neckcheck.settings import Settings
from neckcheck.web.app import SECURITY_HEADERS, create_app
from tests.factories import NOW, cli_runner


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


# Classic cross-site scripting payloads (after the OWASP XSS filter evasion cheat sheet):
# tags, event handlers, javascript: URLs, breaking out of attributes, text areas and titles.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '" onmouseover="alert(1)',
    "' autofocus onfocus='alert(1)",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<body onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</script>",
    "<details open ontoggle=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}${7*7}",
]


_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}


def injected(page: str) -> list[str]:
    """What in ``page`` could run script, as a browser's HTML5 parser (html5lib) reads it:
    inline or foreign scripts, event handlers, javascript: URLs, frames and plugins. The
    app's own pages have none of these."""
    import html5lib

    found = []
    for element in html5lib.parse(page, namespaceHTMLElements=False).iter():
        if not isinstance(element.tag, str):
            continue  # comments
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("iframe", "object", "embed", "frame", "base"):
            found.append(tag)
        if tag == "script" and not element.get("src", "").startswith("/static/"):
            found.append("script without a /static/ source")
        for name, value in element.attrib.items():
            name = name.rsplit("}", 1)[-1]
            if name.startswith("on"):
                found.append(f"{tag} {name}=")
            if name in _URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                found.append(f"{tag} {name}=javascript:")
    return found


def test_no_payload_can_inject_markup_anywhere_it_is_shown(client: TestClient) -> None:
    client.get("/learn")  # the CSRF cookie
    token = client.cookies["neckcheck_csrf"]
    yesterday = (NOW - timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    pages: list[str] = []
    for payload in XSS_PAYLOADS:
        saved = client.post(
            "/log",
            data={
                "started_at": yesterday,
                "intensity": "3",
                "state": "ongoing",
                "notes": payload,
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303
        episode = saved.headers["location"].removesuffix("/check")
        pages += [client.get(episode).text, client.get(episode + "/edit").text]
        pages.append(
            client.post("/log/describe", data={"describe": payload, "csrf_token": token}).text
        )
        pages.append(client.get("/history", params={"from": payload, "to": payload}).text)
        pages.append(
            client.post(  # a failed form comes back with what was typed
                "/log", data={"started_at": payload, "notes": payload, "csrf_token": token}
            ).text
        )
    pages += [client.get(path).text for path in ("/", "/history", "/insights")]
    for page in pages:
        assert injected(page) == []
    # The payloads are shown as text, not dropped.
    assert any("&lt;svg/onload=alert(1)&gt;" in page for page in pages)


def test_the_markup_check_finds_injections() -> None:
    """Unescaped, in text or inside a quoted attribute, every payload injects something the
    check sees, but four: a javascript: URL and a template expression as plain text, the
    MathML one, which injects only when a page's markup is parsed and written out again, and
    the nested tag, which becomes a script only once a filter strips its inner tag."""
    indirect = {XSS_PAYLOADS[11], XSS_PAYLOADS[12], "javascript:alert(1)", "{{7*7}}${7*7}"}
    for payload in [p for p in XSS_PAYLOADS if p not in indirect]:
        contexts = (f"<p>{payload}</p>", f'<input value="{payload}">', f"<input value='{payload}'>")
        assert any(injected(page) for page in contexts), payload
