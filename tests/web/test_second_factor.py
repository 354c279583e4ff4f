"""The second factor: required of clinicians and administrators from their first sign-in,
codes computed by the test from the secret at the app's clock (never the wall clock), no
code accepted twice, wrong codes limited in the database, recovery codes that work once; and
a person's list of sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from neckcheck.auth.passwords import hash_password
from neckcheck.settings import Settings
from neckcheck.storage import accounts, attempts
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from tests.factories import NOW, PASSWORD, MovingClock, web_client
from tests.web.clinic_app import SECRET, csrf, login

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
PHONE += "Chrome/126.0.0.0 Mobile Safari/537.36"


@dataclass
class Staff:
    app: Any
    clock: MovingClock
    url: str

    def browser(self, address: str = "203.0.113.5", agent: str = "testclient") -> TestClient:
        return web_client(
            self.app, follow_redirects=False, client=(address, 1), headers={"user-agent": agent}
        )


@pytest.fixture
def staff(tmp_path: Path) -> Iterator[Staff]:
    """A clinic that requires the second factor, with a clinician and a patient."""
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    db = open_database(url)
    with db.session() as session:
        for email, role in (("dr@example.org", "clinician"), ("pat@example.org", "patient")):
            accounts.create_user(
                session=session,
                email=email,
                display_name=email.split("@")[0].title(),
                password_hash=hash_password(PASSWORD),
                role=role,
                now=NOW,
            )  # type: ignore[arg-type]
    db.close()
    clock = MovingClock()
    settings = Settings(database_url=url, clinic_mode=True, secret_key=SECRET, cookie_secure=False)
    app = create_app(settings, clock=clock)
    with web_client(app):
        yield Staff(app, clock, url)


def secret_of(page: str) -> str:
    found = re.search(r'<p class="secret" id="secret">([A-Z2-7 ]+)</p>', page)
    assert found, "no secret on the page"
    return found.group(1).replace(" ", "")


def code_at(secret: str, clock: MovingClock) -> str:
    return pyotp.TOTP(secret).at(clock.now())


def set_up(staff: Staff, browser: TestClient) -> tuple[str, list[str]]:
    """Sign in as the clinician for the first time and set up the authenticator; returns the
    secret and the recovery codes."""
    first = login(browser, "dr@example.org")
    assert first.headers["location"] == "/account/second-factor"
    assert browser.get("/clinician").headers["location"] == "/account/second-factor"
    page = browser.get("/account/second-factor").text
    assert 'class="qr"' in page
    secret = secret_of(page)
    done = browser.post(
        "/account/second-factor",
        data={
            "code": code_at(secret, staff.clock),
            "csrf_token": csrf(browser, "/account/second-factor"),
        },
    )
    assert done.status_code == 200, done.text
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.text)
    return secret, codes


def give(browser: TestClient, code: str) -> Any:
    return browser.post(
        "/login/code", data={"code": code, "csrf_token": csrf(browser, "/login/code")}
    )


def test_a_clinician_sets_it_up_at_the_first_sign_in_before_anything_else(staff: Staff) -> None:
    browser = staff.browser()
    login(browser, "dr@example.org")
    for path in ("/clinician", "/account", "/learn"):
        response = browser.get(path)
        if path == "/learn":
            assert response.status_code == 200  # public pages stay public
        else:
            assert response.headers["location"] == "/account/second-factor"
    assert browser.get("/api/v1/episodes").status_code == 401
    secret, codes = set_up(staff, browser)
    assert len(codes) == len(set(codes)) == 10
    assert browser.get("/clinician").status_code == 200  # signed in now
    # Next time: the password, then the code the app shows then.
    staff.clock.advance(30)
    later = staff.browser()
    assert login(later, "dr@example.org").headers["location"] == "/login/code"
    assert later.get("/clinician").headers["location"] == "/login/code"
    signed = give(later, code_at(secret, staff.clock))
    assert (signed.status_code, signed.headers["location"]) == (303, "/clinician")
    assert later.get("/clinician").status_code == 200


def test_the_setting_relaxes_it_for_a_trial(staff: Staff) -> None:
    settings = Settings(
        database_url=staff.url,
        clinic_mode=True,
        secret_key=SECRET,
        cookie_secure=False,
        totp_required=False,
    )
    with web_client(create_app(settings, clock=staff.clock), follow_redirects=False) as browser:
        assert login(browser, "dr@example.org").headers["location"] == "/clinician"


def test_a_code_is_never_accepted_twice(staff: Staff) -> None:
    secret, _ = set_up(staff, staff.browser())  # the set-up used this step's code
    browser = staff.browser()
    login(browser, "dr@example.org")
    replay = give(browser, code_at(secret, staff.clock))
    assert replay.status_code == 422
    assert "was used already; wait for the next code" in replay.text
    staff.clock.advance(30)
    assert give(browser, code_at(secret, staff.clock)).status_code == 303
    other = staff.browser(address="192.0.2.9")
    login(other, "dr@example.org")
    assert give(other, code_at(secret, staff.clock)).status_code == 422  # same step again
    # A code of the step before is taken (an app's clock a little behind), once.
    staff.clock.advance(60)
    behind = pyotp.TOTP(secret).at(staff.clock.now(), counter_offset=-1)
    assert give(other, behind).status_code == 303


def test_wrong_codes_are_limited_in_the_database(staff: Staff) -> None:
    secret, _ = set_up(staff, staff.browser())
    staff.clock.advance(30)
    guesser = staff.browser(address="198.51.100.30")
    login(guesser, "dr@example.org")
    for _ in range(attempts.SECOND_FACTOR.per_subject):
        wrong = give(guesser, "000000" if code_at(secret, staff.clock) != "000000" else "111111")
        assert wrong.status_code == 422
        assert "is not the code your authenticator app shows now" in wrong.text
    held = give(guesser, code_at(secret, staff.clock))
    assert held.status_code == 429
    # A fresh app on the same database (another server process) holds it back too.
    settings = Settings(
        database_url=staff.url, clinic_mode=True, secret_key=SECRET, cookie_secure=False
    )
    with web_client(
        create_app(settings, clock=staff.clock), follow_redirects=False, client=("198.51.100.30", 2)
    ) as fresh:
        login(fresh, "dr@example.org")
        assert give(fresh, code_at(secret, staff.clock)).status_code == 429


def test_a_recovery_code_works_once(staff: Staff) -> None:
    _, codes = set_up(staff, staff.browser())
    browser = staff.browser()
    login(browser, "dr@example.org")
    assert give(browser, codes[0].upper()).status_code == 303
    again = staff.browser()
    login(again, "dr@example.org")
    refused = give(again, codes[0])
    assert refused.status_code == 422
    assert "is not one of your unused recovery codes" in refused.text
    assert "9 recovery codes left" in browser.get("/account").text


def test_a_patient_may_turn_it_on_and_off(staff: Staff) -> None:
    browser = staff.browser()
    assert login(browser, "pat@example.org").headers["location"] == "/"
    assert "Set up a second factor" in browser.get("/account").text
    secret = secret_of(browser.get("/account/second-factor").text)
    token = csrf(browser, "/account/second-factor")
    wrong = browser.post("/account/second-factor", data={"code": "12345", "csrf_token": token})
    assert wrong.status_code == 422
    assert secret_of(wrong.text) == secret  # the same secret, to try again
    browser.post(
        "/account/second-factor", data={"code": code_at(secret, staff.clock), "csrf_token": token}
    )
    staff.clock.advance(30)
    later = staff.browser()
    assert login(later, "pat@example.org").headers["location"] == "/login/code"
    assert give(later, code_at(secret, staff.clock)).status_code == 303
    off = later.post(
        "/account/second-factor/off",
        data={"current_password": PASSWORD, "csrf_token": csrf(later, "/account")},
    )
    assert off.headers["location"] == "/account?done=off#second-factor"
    assert login(staff.browser(), "pat@example.org").headers["location"] == "/"


def test_the_account_page_lists_sessions_and_ends_one_or_all(staff: Staff) -> None:
    phone = staff.browser(address="198.51.100.77", agent=PHONE)
    desk = staff.browser(
        address="192.0.2.12",
        agent="Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    )
    third = staff.browser(address="192.0.2.13")
    for browser in (phone, desk, third):
        assert login(browser, "pat@example.org").status_code == 303
    page = desk.get("/account").text
    assert "<strong>Chrome Mobile on Android (Pixel 8)</strong>" in page
    assert "198.51.100.77" in page
    assert '<strong>Firefox on Ubuntu</strong> <span class="muted">(this browser)</span>' in page
    assert "last seen Tue 30 Jun 2026, " in page
    ends = re.findall(r'action="(/account/sessions/[0-9a-f]{64}/end)"', page)
    assert len(ends) == 2  # not this browser's own
    phone_end = [e for e in ends if e in page.split("Chrome Mobile", 1)[1].split("</li>", 1)[0]]
    assert desk.post(phone_end[0], data={"csrf_token": csrf(desk, "/account")}).status_code == 303
    assert phone.get("/").status_code == 303  # signed out
    assert third.get("/").status_code == 200
    desk.post("/account/sessions/end-others", data={"csrf_token": csrf(desk, "/account")})
    assert third.get("/").status_code == 303
    assert desk.get("/").status_code == 200
    # Another person's session cannot be ended from here.
    assert desk.post(ends[0], data={"csrf_token": csrf(desk, "/account")}).status_code == 404
