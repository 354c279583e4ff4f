"""Joining, the second factor and Needs attention as people click through them, in a real
Chromium at phone and desktop width: each page fits the screen and has no serious
accessibility violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from neckcheck.auth.passwords import hash_password
from neckcheck.settings import Settings
from neckcheck.storage import accounts
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread
from tests.factories import NOW, PASSWORD, MovingClock
from tests.ports import free_port
from tests.web.conftest import serious_violations

NEW_PASSWORD = "seven purple walruses dancing"


@pytest.fixture
def clinic_site(tmp_path: Path) -> Iterator[tuple[str, MovingClock]]:
    """A clinic that requires the second factor: an administrator, and a clinician who has
    not signed in yet."""
    url = f"sqlite:///{tmp_path / 'site.db'}"
    db = open_database(url)
    with db.session() as session:
        for email, role in (("admin@example.org", "admin"), ("lee@example.org", "clinician")):
            accounts.create_user(
                session=session,
                email=email,
                display_name="Dr Lee" if role == "clinician" else "Ada Admin",
                password_hash=hash_password(PASSWORD),
                role=role,  # type: ignore[arg-type]
                now=NOW,
            )
    db.close()
    clock = MovingClock()
    port = free_port()
    settings = Settings(
        database_url=url,
        clinic_mode=True,
        secret_key="b" * 40,
        cookie_secure=False,
        public_url=f"http://127.0.0.1:{port}",
    )
    with serve_in_thread(create_app(settings, clock=clock), port=port) as base:
        yield base, clock


def _tab(browser: Any, base: str, width: int) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 844}, base_url=base, bypass_csp=True
    )
    page = context.new_page()
    return page


def _check(page: Any, axe_script: str, width: int, problems: list[str]) -> None:
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    if wide > width:
        problems.append(f"{page.url} scrolls sideways: {wide} px")
    problems += [f"{page.url}: {v}" for v in serious_violations(page, axe_script)]


def _sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _code(page: Any, secret: str, clock: MovingClock) -> None:
    page.fill("#code", pyotp.TOTP(secret).at(clock.now()))
    with page.expect_navigation():
        page.click("main button[type=submit]")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_clinic_joins_sets_up_second_factors_and_sees_who_needs_attention(
    browser: Any, clinic_site: tuple[str, MovingClock], axe_script: str, width: int
) -> None:
    base, clock = clinic_site
    problems: list[str] = []
    # The clinician's first sign-in: the second factor is set up before anything else.
    lee = _tab(browser, base, width)
    _sign_in(lee, "lee@example.org")
    assert lee.url.endswith("/account/second-factor")
    assert lee.locator("svg.qr").is_visible()
    _check(lee, axe_script, width, problems)
    secret = lee.locator("#secret").inner_text().replace(" ", "")
    _code(lee, secret, clock)
    assert lee.locator("h1").inner_text() == "Your recovery codes"
    assert lee.locator(".recovery code").count() == 10
    with lee.expect_navigation():
        lee.click("text=Continue")
    assert lee.url.endswith("/clinician")
    # The clinician invites a patient; the patient joins and agrees to share.
    lee.click("summary:has-text('Invite a new patient')")
    lee.fill("#email", f"kim{width}@example.org")
    with lee.expect_navigation():
        lee.click("form[action='/clinician/invite'] button")
    link = lee.locator(".link-text a").get_attribute("href")
    assert link and "/join/" in link
    kim = _tab(browser, base, width)
    kim.goto(link)
    _check(kim, axe_script, width, problems)
    kim.fill("#name", "Kim Patel")
    kim.fill("#password", NEW_PASSWORD)
    kim.fill("#password_again", NEW_PASSWORD + "?")
    with kim.expect_navigation():
        kim.click("button[type=submit]")
    assert (
        kim.locator("#error-password_again").inner_text() == "is not the same as the first password"
    )
    assert kim.locator("#name").input_value() == "Kim Patel"
    kim.fill("#password", NEW_PASSWORD)
    kim.fill("#password_again", NEW_PASSWORD)
    kim.check("#share")
    with kim.expect_navigation():
        kim.click("button[type=submit]")
    assert kim.url == base + "/"
    # Kim logs an urgent episode through the diary's own API; the result page says so.
    started = (clock.now() - timedelta(hours=1)).isoformat()
    answer = kim.request.post(
        base + "/api/v1/episodes",
        data={"started_at": started, "intensity": 7, "findings": ["arm_weakness"]},
    )
    assert answer.status == 201
    kim.goto(f"/episodes/{answer.json()['id']}")
    assert "Dr Lee will see this episode" in kim.locator(".told").inner_text()
    # Dr Lee sees it at the top, opens it, and marks it seen.
    lee.goto("/clinician")
    needs = lee.locator("section.attention")
    assert "Kim Patel" in needs.inner_text()
    _check(lee, axe_script, width, problems)
    with lee.expect_navigation():
        needs.locator("button").first.click()
    assert lee.locator("section.attention").count() == 0
    assert "Marked as seen" in lee.locator("main").inner_text()
    # The next sign-in asks for a code computed from the secret at the clinic's clock.
    clock.advance(30)
    again = _tab(browser, base, width)
    _sign_in(again, "lee@example.org")
    assert again.url.endswith("/login/code")
    _check(again, axe_script, width, problems)
    again.fill("#code", pyotp.TOTP(secret).at(clock.now() - timedelta(seconds=30)))  # used
    with again.expect_navigation():
        again.click("main button[type=submit]")
    assert "was used already" in again.locator("#error-code").inner_text()
    _code(again, secret, clock)
    assert again.url.endswith("/clinician")
    again.goto("/account")
    assert again.locator(".sessions li").count() == 2
    _check(again, axe_script, width, problems)
    # The administrator sees everyone on Accounts.
    clock.advance(30)
    admin = _tab(browser, base, width)
    _sign_in(admin, "admin@example.org")
    admin_secret = admin.locator("#secret").inner_text().replace(" ", "")
    _code(admin, admin_secret, clock)
    admin.goto("/accounts")
    listed = admin.locator("main").inner_text()
    assert f"kim{width}@example.org" in listed and "second factor on" in listed
    _check(admin, axe_script, width, problems)
    assert problems == []


def test_an_expired_or_used_link_page_says_whom_to_ask(
    browser: Any, clinic_site: tuple[str, MovingClock], axe_script: str
) -> None:
    base, _clock = clinic_site
    page = _tab(browser, base, 390)
    page.goto("/join/no-such-link")
    assert page.locator("h1").inner_text() == "This link is not known"
    assert re.search(r"ask the clinic's staff for a new one", page.locator("main").inner_text())
    assert serious_violations(page, axe_script) == []
