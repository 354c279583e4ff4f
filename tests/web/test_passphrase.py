"""Reaching a local diary from a phone: serving beyond this computer needs a passphrase, and
with one every page and the API ask for a sign-in first (limited like clinic sign-ins). On
this computer only and without a passphrase, nothing changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from neckcheck.auth.passwords import verify_password
from neckcheck.cli import app as cli
from neckcheck.clock import FixedClock
from neckcheck.errors import ConfigError
from neckcheck.settings import Settings
from neckcheck.storage import attempts
from neckcheck.web.app import create_app
from tests.databases import new_sqlite
from tests.factories import NOW, cli_runner, web_client

PASSPHRASE = "blue kettle on the windowsill"
WRONG = "not the passphrase at all"


def _settings(tmp_path: Path, **changes: Any) -> Settings:
    """The settings of a local diary behind the passphrase, on the test's one database."""
    path = tmp_path / "phone.db"
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{path}" if path.exists() else new_sqlite(path),
        "passphrase": PASSPHRASE,
        "cookie_secure": False,
        **changes,
    }
    return Settings(**values)


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[TestClient]:
    """A local diary served with a passphrase, seen from a phone on the local network."""
    app = create_app(_settings(tmp_path), clock=FixedClock(NOW))
    with web_client(app, follow_redirects=False, client=("192.168.1.20", 50000)) as client:
        yield client


def _token(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found[1]


def _sign_in(client: TestClient, passphrase: str = PASSPHRASE, next_url: str = "/") -> Any:
    form = {"password": passphrase, "next": next_url, "csrf_token": _token(client)}
    return client.post("/login", data=form)


# --- starting the server ----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_this_computer_alone_needs_no_passphrase(host: str) -> None:
    Settings(host=host).check()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"host": "0.0.0.0"}, "serving beyond this computer (host 0.0.0.0) needs NECKCHECK_PASS"),
        ({"host": "192.168.1.5"}, "serving beyond this computer (host 192.168.1.5) needs"),
        ({"host": "diary.example.org"}, "serving beyond this computer (host diary.example.org)"),
        ({"passphrase": "too short"}, "NECKCHECK_PASSPHRASE must be at least 10 characters"),
        (
            {"passphrase": PASSPHRASE, "clinic_mode": True, "secret_key": "s" * 40},
            "NECKCHECK_PASSPHRASE is for a local diary",
        ),
    ],
)
def test_unsafe_settings_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Settings(database_url="postgresql+psycopg://h/db", **changes).check()


def test_serve_beyond_this_computer_refuses_to_start_without_a_passphrase(
    env_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    monkeypatch.delenv("NECKCHECK_PASSPHRASE", raising=False)
    refused = cli_runner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert refused.exit_code == 2
    assert refused.output.startswith("Error: serving beyond this computer (host 0.0.0.0)")
    monkeypatch.setenv("NECKCHECK_HOST", "192.168.1.5")
    assert cli_runner().invoke(cli, ["serve"]).exit_code == 2
    assert started == []
    monkeypatch.setenv("NECKCHECK_PASSPHRASE", PASSPHRASE)
    served = cli_runner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert served.exit_code == 0, served.output
    assert [(options["host"], options["port"]) for options in started] == [("0.0.0.0", 8123)]


def test_hash_passphrase_prints_a_hash_the_setting_accepts(tmp_path: Path) -> None:
    made = cli_runner().invoke(cli, ["hash-passphrase", "--stdin"], input=PASSPHRASE + "\n")
    assert made.exit_code == 0, made.output
    stored = made.output.strip()
    assert stored.startswith("$argon2id$") and verify_password(stored, PASSPHRASE)
    short = cli_runner().invoke(cli, ["hash-passphrase", "--stdin"], input="short\n")
    assert short.exit_code == 2
    assert "passphrase: must be at least 10 characters" in short.output
    app = create_app(_settings(tmp_path, passphrase=stored), clock=FixedClock(NOW))
    with web_client(app, follow_redirects=False) as client:
        assert _sign_in(client, WRONG).status_code == 401
        assert _sign_in(client).status_code == 303


# --- signing in -------------------------------------------------------------------------------


def test_everything_asks_for_the_passphrase_first(phone: TestClient) -> None:
    for path in ("/", "/log", "/history", "/insights", "/profile", "/export/json"):
        answer = phone.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, f"/login?next={path}")
    assert phone.get("/api/v1/episodes").status_code == 401
    assert phone.post("/api/v1/episodes", json={}).status_code == 401
    assert phone.get("/learn").status_code == 200  # the public pages stay public
    form = phone.get("/login?next=/history").text
    assert "Passphrase" in form and 'name="email"' not in form
    assert 'name="next" value="/history"' in form


def test_the_right_passphrase_signs_in_and_signing_out_ends_it(phone: TestClient) -> None:
    wrong = _sign_in(phone, WRONG, next_url="/history")
    assert wrong.status_code == 401
    assert "That is not the passphrase." in wrong.text
    assert 'name="next" value="/history"' in wrong.text  # where to go after is kept
    signed_in = _sign_in(phone, next_url="/history")
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/history")
    assert phone.get("/").status_code == 200
    assert phone.get("/api/v1/episodes").json() == []
    page = phone.get("/").text
    assert ">Sign out</button>" in page
    token = phone.cookies["neckcheck_session"]
    # Forms carry the sign-in's own CSRF token, not the browser cookie's.
    session_csrf = _token(phone, "/log")
    assert session_csrf != phone.cookies["neckcheck_csrf"]
    out = phone.post("/logout", data={"csrf_token": session_csrf})
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    phone.cookies.set("neckcheck_session", token)  # a copy of the old cookie no longer works
    assert phone.get("/").status_code == 303


def test_wrong_guesses_hold_back_that_address_only(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path), clock=FixedClock(NOW))
    with web_client(app, follow_redirects=False, client=("198.51.100.7", 1)) as guesser:
        for _ in range(attempts.SIGN_IN.per_subject):
            assert _sign_in(guesser, WRONG).status_code == 401
        held = _sign_in(guesser)  # the right passphrase waits too, from there
        assert held.status_code == 429
        assert "Wait 15 minutes" in held.text
    with web_client(app, follow_redirects=False, client=("192.168.1.20", 1)) as owner:
        assert _sign_in(owner).status_code == 303


def test_a_new_passphrase_signs_out_whoever_knew_the_old_one(tmp_path: Path) -> None:
    with web_client(
        create_app(_settings(tmp_path), clock=FixedClock(NOW)), follow_redirects=False
    ) as before:
        assert _sign_in(before).status_code == 303
        token = before.cookies["neckcheck_session"]
    for passphrase, still_signed_in in ((PASSPHRASE, True), ("a brand new passphrase", False)):
        app = create_app(_settings(tmp_path, passphrase=passphrase), clock=FixedClock(NOW))
        with web_client(app, follow_redirects=False, cookies={"neckcheck_session": token}) as c:
            assert (c.get("/").status_code == 200) is still_signed_in


def test_a_signed_in_server_sends_hsts_and_secure_cookies(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, cookie_secure=True), clock=FixedClock(NOW))
    with web_client(app, base_url="https://localhost", follow_redirects=False) as client:
        page = client.get("/login")
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "secure" in page.headers["set-cookie"].lower()
        signed_in = _sign_in(client)
        assert "secure" in signed_in.headers["set-cookie"].lower()


# --- without a passphrase -----------------------------------------------------------------


def test_without_a_passphrase_there_is_no_sign_in(client: TestClient) -> None:
    client.follow_redirects = False
    assert client.get("/").status_code == 200
    assert (client.get("/login").status_code, client.get("/login").headers["location"]) == (
        303,
        "/",
    )
    assert "Sign out" not in client.get("/").text
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_without_a_passphrase_a_proxy_in_front_is_refused(client: TestClient) -> None:
    for header in ("X-Forwarded-For", "Forwarded", "X-Forwarded-Host", "X-Real-IP"):
        refused = client.get("/history", headers={header: "for=203.0.113.9"})
        assert refused.status_code == 403
        assert "set NECKCHECK_PASSPHRASE to reach it through a proxy" in refused.text
    assert client.get("/api/v1/episodes", headers={"X-Forwarded-For": "x"}).status_code == 403
    assert client.get("/learn", headers={"X-Forwarded-For": "x"}).status_code == 200
