"""A clinic on its own SQLite file for a test: six accounts (two patients, three clinicians of
whom one was shared with and one revoked, an admin), and signing in as any of them.

Its clock stands still (NOW), and a second factor's code works once per 30-second step, so
this clinic does not require one (the trial setting); tests of the second factor make their
own, with a clock they move on (tests/web/test_second_factor.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from neckcheck.auth.passwords import hash_password
from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.storage import accounts
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from tests.databases import new_sqlite
from tests.factories import NOW, PASSWORD, web_client

SECRET = "s" * 40


@dataclass
class Clinic:
    url: str
    app: Any
    users: dict[str, accounts.User]

    def client(self, who: str | None = None, *, address: str = "203.0.113.1") -> TestClient:
        """A browser at ``address``, signed in as ``who`` (a key of ``users``) if given."""
        client = web_client(self.app, follow_redirects=False, client=(address, 50000))
        if who is not None:
            login(client, self.users[who].email)
        return client


def csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf(client)}
    )


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Clinic]:
    url = new_sqlite(tmp_path / "clinic.db")
    db = open_database(url)
    now = NOW
    users = {}
    with db.session() as session:
        for key, role in (
            ("owner", "patient"),
            ("other", "patient"),
            ("shared", "clinician"),
            ("unshared", "clinician"),
            ("revoked", "clinician"),
            ("admin", "admin"),
        ):
            users[key] = accounts.create_user(
                session=session,
                email=f"{key}@example.org",
                display_name=key.title(),
                password_hash=hash_password(PASSWORD),
                role=role,
                now=now,
            )  # type: ignore[arg-type]
        owner = users["owner"].patient_id
        assert owner is not None
        for key in ("shared", "revoked"):
            code = accounts.create_invitation(
                session=session, patient_id=owner, now=now, secret=SECRET
            )
            accounts.redeem_invitation(
                session=session, code=code, clinician=users[key], now=now, secret=SECRET
            )
        accounts.revoke_access(
            session=session, patient_id=owner, clinician_id=users["revoked"].id, now=now
        )
    db.close()
    app = create_app(
        Settings(
            database_url=url,
            clinic_mode=True,
            secret_key=SECRET,
            cookie_secure=False,
            totp_required=False,
        ),
        clock=FixedClock(NOW),
    )
    with web_client(app):  # run the lifespan (database) for the clients below
        yield Clinic(url, app, users)
