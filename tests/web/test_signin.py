"""Signing in and redeeming codes under attack: limits kept in the database (shared by every
server process, kept across restarts, bounded), which slow a guesser without locking the owner
out, and refusals that take as long for an unknown account as for a known one."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import requests
from argon2 import PasswordHasher
from sqlalchemy import func, select

from neckcheck.auth import passwords
from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.storage import accounts, attempts
from neckcheck.storage.db import open_database
from neckcheck.storage.tables import FailedAttemptRow, SessionRow
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread
from tests.factories import NOW, PASSWORD, patient_accounts, web_client
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
        with web_client(
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
            attempts.claim(
                limit, session=session, subject=f"x{n}", address="a", now=NOW, secret=SECRET
            )
        kept = session.scalar(select(func.count()).select_from(FailedAttemptRow))
        assert kept == 2 * limit.per_address
        later = NOW + limit.window + timedelta(seconds=1)
        attempts.claim(limit, session=session, subject="y", address="b", now=later, secret=SECRET)
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
    patient_accounts(postgres_url, ["p@example.org"])
    settings = Settings(
        database_url=postgres_url, clinic_mode=True, secret_key=SECRET, cookie_secure=False
    )
    with web_client(create_app(settings, clock=FixedClock(NOW)), follow_redirects=False) as app:
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
    with web_client(create_app(settings, clock=later), follow_redirects=False) as app:
        assert login(app, "other@example.org").status_code == 303
    db = open_database(clinic.url)
    with db.session() as session:
        left = session.scalars(select(SessionRow.expires_at)).all()
    db.close()
    assert left == [later.now() + timedelta(hours=settings.session_hours)]


# --- guesses sent at the same moment (the second outside probe) -----------------------------

PASSPHRASE = "the passphrase of the diary"


def _browser(base: str, page: str, email: str | None = None) -> tuple[dict[str, str], str]:
    """The cookies of a browser on ``base`` (signed in as ``email`` if given) and the CSRF
    token of its form on ``page``."""
    with requests.Session() as browser:
        if email is not None:
            assert _sign_in(browser, base, email) == 303
        form = browser.get(base + page, timeout=60).text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        return browser.cookies.get_dict(), token


def _sign_in(browser: requests.Session, base: str, email: str) -> int:
    page = browser.get(base + "/login", timeout=60).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"email": email, "password": PASSWORD, "csrf_token": token}
    return browser.post(base + "/login", data=form, allow_redirects=False, timeout=60).status_code


def _posted_at_once(
    count: int, url: str, data: dict[str, str], cookies: dict[str, str]
) -> list[int]:
    """The status codes of ``count`` posts of ``data`` to ``url``, sent from as many threads
    released together, with the browser's ``cookies``."""
    start = threading.Barrier(count)
    codes: list[int] = []

    def post() -> None:
        with requests.Session() as browser:
            browser.cookies.update(cookies)
            start.wait(timeout=60)
            answer = browser.post(url, data=data, allow_redirects=False, timeout=120)
            codes.append(answer.status_code)

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


def _clinic(url: str) -> Settings:
    """A clinic in a trial: clinicians sign in with a password alone (the second factor's
    own limits are tested in test_second_factor.py)."""
    return Settings(
        database_url=url,
        clinic_mode=True,
        secret_key=SECRET,
        cookie_secure=False,
        totp_required=False,
    )


def test_forty_wrong_passphrases_sent_at_once_are_forty_attempts(
    sqlite_or_postgres_url: str,
) -> None:
    settings = Settings(
        database_url=sqlite_or_postgres_url, passphrase=PASSPHRASE, cookie_secure=False
    )
    with serve_in_thread(create_app(settings, clock=FixedClock(NOW)), settings=settings) as base:
        cookies, token = _browser(base, "/login")
        codes = _posted_at_once(
            40, base + "/login", {"password": WRONG, "csrf_token": token}, cookies
        )
    checked = attempts.SIGN_IN.per_subject  # one subject, the passphrase, from one address
    assert codes == [401] * checked + [429] * (40 - checked)


def test_thirty_wrong_passwords_for_one_account_at_once_are_thirty_attempts(
    sqlite_or_postgres_url: str,
) -> None:
    patient_accounts(sqlite_or_postgres_url, ["ann@example.org"])
    settings = _clinic(sqlite_or_postgres_url)
    with serve_in_thread(create_app(settings, clock=FixedClock(NOW)), settings=settings) as base:
        cookies, token = _browser(base, "/login")
        form = {"email": "ann@example.org", "password": WRONG, "csrf_token": token}
        codes = _posted_at_once(30, base + "/login", form, cookies)
        with requests.Session() as owner:  # the right password, from the guesser's address
            assert _sign_in(owner, base, "ann@example.org") == 429
    checked = attempts.SIGN_IN.per_subject
    assert codes == [401] * checked + [429] * (30 - checked)


def test_thirty_wrong_invitation_codes_at_once_are_thirty_attempts(
    sqlite_or_postgres_url: str,
) -> None:
    db = open_database(sqlite_or_postgres_url)
    with db.session() as session:
        accounts.create_user(
            session=session,
            email="lee@example.org",
            display_name="Dr Lee",
            password_hash=passwords.hash_password(PASSWORD),
            role="clinician",
            now=NOW,
        )
    db.close()
    settings = _clinic(sqlite_or_postgres_url)
    with serve_in_thread(create_app(settings, clock=FixedClock(NOW)), settings=settings) as base:
        cookies, token = _browser(base, "/clinician", "lee@example.org")
        form = {"code": "AAAA-BBBB-CCCC", "csrf_token": token}
        codes = _posted_at_once(30, base + "/clinician/redeem", form, cookies)
    checked = attempts.INVITATION.per_subject
    assert codes == [422] * checked + [429] * (30 - checked)
