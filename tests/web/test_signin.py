"""Signing in and redeeming codes under attack: limits kept in the database (shared by every
server process, kept across restarts, bounded), which slow a guesser without locking the owner
out, and refusals that take as long for an unknown account as for a known one."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from neckcheck.auth import passwords
from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.storage import accounts, attempts
from neckcheck.storage.db import open_database
from neckcheck.storage.tables import FailedAttemptRow, SessionRow
from neckcheck.web.app import create_app
from tests.factories import NOW, PASSWORD
from tests.web.clinic_app import SECRET, Clinic, csrf, login

WRONG = "not the password at all"


def test_five_failures_hold_back_that_account_from_that_address_only(clinic: Clinic) -> None:
    guesser = clinic.client(address="198.51.100.7")
    for _ in range(attempts.SIGN_IN.per_subject):
        assert login(guesser, "owner@example.org", WRONG).status_code == 401
    held = login(guesser, "owner@example.org")  # the right password waits too, from there
    assert held.status_code == 429
    assert "Wait 15 minutes" in held.text
    assert 'value="owner@example.org"' in held.text  # what was typed comes back
    # The owner, elsewhere, is not locked out; other accounts from the guesser's address
    # are not either.
    assert login(clinic.client(address="192.0.2.44"), "owner@example.org").status_code == 303
    assert login(guesser, "other@example.org").status_code == 303


def test_one_address_trying_many_accounts_is_capped(clinic: Clinic) -> None:
    guesser = clinic.client(address="198.51.100.8")
    token = csrf(guesser)
    for n in range(attempts.SIGN_IN.per_address):
        form = {"email": f"nobody{n}@example.org", "password": WRONG, "csrf_token": token}
        assert guesser.post("/login", data=form).status_code == 401
    assert login(guesser, "owner@example.org").status_code == 429
    assert login(clinic.client(address="192.0.2.45"), "owner@example.org").status_code == 303


def test_the_limit_is_shared_by_processes_and_kept_across_restarts(clinic: Clinic) -> None:
    settings = Settings(
        database_url=clinic.url, clinic_mode=True, secret_key=SECRET, cookie_secure=False
    )
    address = "198.51.100.9"
    for _ in range(attempts.SIGN_IN.per_subject):  # spread over fresh apps on one database
        with TestClient(
            create_app(settings, clock=FixedClock(NOW)),
            follow_redirects=False,
            client=(address, 1),
        ) as fresh:
            assert login(fresh, "owner@example.org", WRONG).status_code == 401
    assert login(clinic.client(address=address), "owner@example.org").status_code == 429


def test_a_success_forgets_the_owners_earlier_typos(clinic: Clinic) -> None:
    browser = clinic.client()
    for _ in range(attempts.SIGN_IN.per_subject - 1):
        login(browser, "owner@example.org", WRONG)
    assert login(browser, "owner@example.org").status_code == 303
    for _ in range(attempts.SIGN_IN.per_subject - 1):
        assert login(clinic.client(), "owner@example.org", WRONG).status_code == 401
    assert login(clinic.client(), "owner@example.org").status_code == 303


def test_the_attempts_table_stays_bounded_and_is_pruned(db_url: str) -> None:
    db = open_database(db_url)
    limit = attempts.SIGN_IN
    with db.session() as session:
        for n in range(500):  # one address hammering many accounts
            attempts.record_failure(
                limit, session=session, subject=f"x{n}", address="a", now=NOW, secret=SECRET
            )
        kept = session.scalar(select(func.count()).select_from(FailedAttemptRow))
        assert kept == 2 * limit.per_address
        later = NOW + limit.window + timedelta(seconds=1)
        attempts.record_failure(
            limit, session=session, subject="y", address="b", now=later, secret=SECRET
        )
        assert session.scalar(select(func.count()).select_from(FailedAttemptRow)) == 2
        keys = session.scalars(select(FailedAttemptRow.key)).all()
        assert not any("y" in key or key == "b" for key in keys)  # keyed hashes only
    db.close()


@pytest.mark.parametrize("email", ["nobody@example.org", "disabled@example.org"])
def test_unknown_and_disabled_accounts_cost_one_argon2_check(
    clinic: Clinic, email: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(clinic.url)
    with db.session() as session:
        accounts.create_user(
            session=session,
            email="disabled@example.org",
            display_name="D",
            password_hash=passwords.hash_password(PASSWORD),
            role="patient",
            now=NOW,
        )
        accounts.set_disabled(session=session, email="disabled@example.org", disabled=True)
    db.close()
    checks: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, stored: Any, password: Any) -> bool:
            checks.append(stored)
            return super().verify(stored, password)

    monkeypatch.setattr(passwords, "_HASHER", Counting())
    browser = clinic.client()
    assert login(browser, "owner@example.org", WRONG).status_code == 401
    known = len(checks)
    assert login(browser, email, PASSWORD).status_code == 401
    assert (known, len(checks) - known) == (1, 1)  # the same work as a wrong password


@pytest.mark.parametrize(
    "email", ["owner@example.org\x00", "a" * 300 + "@example.org", "x\x00@example.org"]
)
def test_an_email_that_is_not_one_is_422_not_500(clinic: Clinic, email: str) -> None:
    response = login(clinic.client(), email, WRONG)
    assert response.status_code == 422
    assert "is not an email address" in response.text


def test_a_nul_in_the_email_is_422_on_postgresql(postgres_url: str) -> None:
    from tests.factories import patient_accounts

    patient_accounts(postgres_url, ["p@example.org"])
    settings = Settings(
        database_url=postgres_url, clinic_mode=True, secret_key=SECRET, cookie_secure=False
    )
    with TestClient(create_app(settings, clock=FixedClock(NOW)), follow_redirects=False) as app:
        assert login(app, "p@example.org\x00", WRONG).status_code == 422
        assert login(app, "p@example.org").status_code == 303


@pytest.mark.serial  # the health check is given ten seconds to answer
def test_signing_in_does_not_hold_up_other_requests(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Argon2 is held until the health check has answered: were sign-in run on the event
    # loop, the health check could not answer and the test would time out.
    release, answered = threading.Event(), threading.Event()
    real = passwords.verify_password

    def slow(stored: str, password: str) -> bool:
        release.wait(timeout=20)
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify_password", slow)
    browser = clinic.client()
    token = csrf(browser)
    signing_in = threading.Thread(
        target=browser.post,
        args=("/login",),
        kwargs={"data": {"email": "owner@example.org", "password": WRONG, "csrf_token": token}},
    )
    signing_in.start()

    def health() -> None:
        if clinic.client().get("/api/v1/health").status_code == 200:
            answered.set()

    checking = threading.Thread(target=health)
    checking.start()
    answered.wait(timeout=10)
    was_answered = answered.is_set()
    release.set()
    signing_in.join()
    checking.join()
    assert was_answered


def test_wrong_invitation_codes_are_limited_per_clinician(clinic: Clinic) -> None:
    guesser = clinic.client("unshared")
    for n in range(attempts.INVITATION.per_subject):
        form = {"code": f"AAAA-BBBB-{n:04d}", "csrf_token": csrf(guesser, "/clinician")}
        assert guesser.post("/clinician/redeem", data=form).status_code == 422
    owner = clinic.client("owner")
    page = owner.post("/sharing/invite", data={"csrf_token": csrf(owner, "/sharing")}).text
    code = page.split('class="code">', 1)[1].split("<", 1)[0]
    held = guesser.post(
        "/clinician/redeem", data={"code": code, "csrf_token": csrf(guesser, "/clinician")}
    )
    assert held.status_code == 429
    other = clinic.client("revoked")
    accepted = other.post(
        "/clinician/redeem", data={"code": code, "csrf_token": csrf(other, "/clinician")}
    )
    assert accepted.status_code == 303


def test_expired_sessions_are_deleted_when_someone_signs_in(clinic: Clinic) -> None:
    login(clinic.client(), "owner@example.org")
    settings = Settings(
        database_url=clinic.url, clinic_mode=True, secret_key=SECRET, cookie_secure=False
    )
    later = FixedClock(NOW + timedelta(hours=settings.session_hours, minutes=1))
    with TestClient(create_app(settings, clock=later), follow_redirects=False) as app:
        assert login(app, "other@example.org").status_code == 303
    db = open_database(clinic.url)
    with db.session() as session:
        left = session.scalars(select(SessionRow.expires_at)).all()
    db.close()
    assert left == [later.now() + timedelta(hours=settings.session_hours)]
