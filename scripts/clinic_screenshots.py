"""Screenshots of the clinic pages at 1280 px and 390 px wide, into docs/screenshots/clinic/.

Starts a clinic server on a temporary SQLite file: a clinician (Dr Lee) with four patients
who shared their diaries (months of example episodes, one urgent episode, one with none),
and who looked at one of them, so that the patient's Sharing page has something to show;
Sam's urgent episode waits under Needs attention. Dr Lee and the administrator sign in with
a second factor whose codes the script computes at the server's clock, which it moves on.
The account pages (Accounts, Account, joining, the second factor's set-up, Needs attention)
are taken in the light and the dark colour scheme. Drives Debian's Chromium with Playwright.

    python -m scripts.clinic_screenshots [OUTPUT_DIR]     (from the repository root)
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pyotp
from playwright.sync_api import Page, sync_playwright
from tests.factories import CHROMIUM, CHROMIUM_ARGS, NOW, PASSWORD, MovingClock

from neckcheck.auth import totp
from neckcheck.auth.passwords import hash_password
from neckcheck.demo import demo_episodes
from neckcheck.domain import EpisodeCreate, Profile
from neckcheck.levels import Level
from neckcheck.services.access import Actor
from neckcheck.services.accounts import Accounts
from neckcheck.settings import Settings
from neckcheck.storage import accounts, alerts, factors, repo
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread

CLOCK = MovingClock(NOW)
# The second factors of Dr Lee and the administrator (screenshots only).
SECRETS = {
    "lee@example.org": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "ada@example.org": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
}
SECRET = "screenshots-only-" + "s" * 32
PATIENTS = {  # email: (name, birth year, years of example diary)
    "alex@example.org": ("Alex Morgan", 1984, 1.0),
    "sam@example.org": ("Sam Rivera", 1961, 0.3),
    "jo@example.org": ("Jo Chen", 1997, 0.1),
    "kim@example.org": ("Kim Patel", None, 0.0),
}


def seed(url: str) -> dict[str, int]:
    """The accounts, the diaries and their sharing; returns patient ids by email."""
    db = open_database(url)
    now = CLOCK.now()
    ids: dict[str, int] = {}
    password = hash_password(PASSWORD)
    with db.session() as session:
        lee = accounts.create_user(
            session=session,
            email="lee@example.org",
            display_name="Dr Lee",
            password_hash=password,
            role="clinician",
            now=now - timedelta(days=400),
        )
        ada = accounts.create_user(
            session=session,
            email="ada@example.org",
            display_name="Ada Admin",
            password_hash=password,
            role="admin",
            now=now - timedelta(days=400),
        )
        for user in (lee, ada):
            factors.start_factor(
                session=session,
                user_id=user.id,
                sealed=totp.seal(SECRETS[user.email], SECRET),
                now=now,
            )
            factors.confirm_factor(
                session=session,
                user_id=user.id,
                step=0,
                now=now,
                codes=[totp.recovery_hash(c, SECRET) for c in totp.new_recovery_codes()],
            )
        accounts.create_user(
            session=session,
            email="park@example.org",
            display_name="Dr Park",
            password_hash=password,
            role="clinician",
            now=now - timedelta(days=400),
        )
        for number, (email, (name, born, years)) in enumerate(PATIENTS.items()):
            user = accounts.create_user(
                session=session,
                email=email,
                display_name=name,
                password_hash=password,
                role="patient",
                now=now - timedelta(days=400),
            )
            assert user.patient_id is not None
            ids[email] = user.patient_id
            repo.set_profile(
                session=session,
                patient_id=user.patient_id,
                profile=Profile(birth_year=born, time_zone="Europe/London"),
            )
            if years:
                items = demo_episodes(years=years, seed=number + 3, until=now - timedelta(days=1))
                repo.add_episodes(session=session, patient_id=user.patient_id, items=items, now=now)
            code = accounts.create_invitation(
                session=session, patient_id=user.patient_id, now=now, secret=SECRET
            )
            accounts.redeem_invitation(
                session=session, code=code, clinician=lee, now=now, secret=SECRET
            )
        urgent = EpisodeCreate(
            started_at=now - timedelta(hours=5),
            ended_at=now - timedelta(hours=3),
            intensity=7,
            onset="sudden",
            findings=["arm_weakness", "cramping_knot"],
            regions=["lower_left"],
        )
        repo.add_episodes(
            session=session, patient_id=ids["sam@example.org"], items=[urgent], now=now
        )
        sam_urgent = repo.list_episodes(
            session=session, patient_id=ids["sam@example.org"], limit=1
        )[0]
        alerts.add(
            session=session,
            clinician_id=lee.id,
            patient_id=ids["sam@example.org"],
            episode_id=sam_urgent.id,
            level=Level.urgent,
            complete=False,
            now=now,
            due_at=now,
        )
        people = Accounts(session, CLOCK, secret=SECRET, base_url="http://127.0.0.1")
        people.invite(Actor.signed_in(ada), "jamie@example.org", "patient")
        accounts.record_accesses(  # a change made with "neckcheck --patient ... log"
            session=session,
            actor=None,
            patient_ids=[ids["alex@example.org"]],
            action="write",
            target="neckcheck log",
            ip="",
        )
    db.close()
    return ids


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if email in SECRETS:  # the second factor: this step's code, at the server's clock
        CLOCK.advance(30)
        page.fill("#code", pyotp.TOTP(SECRETS[email]).at(CLOCK.now()))
        with page.expect_navigation():
            page.click("main button[type=submit]")


def account_pages(browser: object, base: str, out: Path, width: int, scheme: str) -> None:
    """Accounts, Account, joining, the second factor's set-up and Needs attention."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)

    def tab() -> Page:
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        return context.new_page()

    suffix = f"{width}-{scheme}"
    admin = tab()
    sign_in(admin, base, "ada@example.org")
    admin.goto(base + "/accounts")
    admin.screenshot(path=str(out / f"accounts-{suffix}.png"), full_page=True)
    admin.fill("#email", f"new-{suffix}@example.org")
    admin.click("form[action='/accounts/invite'] button")
    admin.wait_for_selector(".link-text a")
    admin.screenshot(path=str(out / f"accounts-invited-{suffix}.png"), full_page=True)
    link = admin.locator(".link-text a").get_attribute("href") or ""
    joining = tab()
    joining.goto(link)
    joining.fill("#name", "Jamie Doe")
    joining.fill("#password", "password123")
    joining.fill("#password_again", "password123")
    joining.click("button[type=submit]")
    joining.wait_for_selector("#error-password")
    joining.screenshot(path=str(out / f"joining-{suffix}.png"), full_page=True)
    joining.fill("#password", "seven purple walruses dancing")
    joining.fill("#password_again", "seven purple walruses dancing")
    with joining.expect_navigation():
        joining.click("button[type=submit]")
    joining.goto(base + "/account/second-factor")
    joining.screenshot(path=str(out / f"second-factor-{suffix}.png"), full_page=True)
    joining.goto(link)
    joining.screenshot(path=str(out / f"joining-used-{suffix}.png"), full_page=True)
    lee = tab()
    sign_in(lee, base, "lee@example.org")
    lee.goto(base + "/clinician")
    lee.screenshot(path=str(out / f"needs-attention-{suffix}.png"))
    lee.goto(base + "/account")
    lee.screenshot(path=str(out / f"account-{suffix}.png"), full_page=True)
    for page in (admin, joining, lee):
        page.context.close()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/clinic")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/clinic.db"
        ids = seed(url)
        alex = ids["alex@example.org"]
        from neckcheck.web.server import free_port

        port = free_port()
        settings = Settings(
            database_url=url,
            clinic_mode=True,
            secret_key=SECRET,
            cookie_secure=False,
            public_url=f"http://127.0.0.1:{port}",
            alert_hours="on weekdays from 8:00 to 18:00",
        )
        with (
            serve_in_thread(create_app(settings, clock=CLOCK), port=port) as base,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width in (1280, 390):
                for scheme in ("light", "dark"):
                    account_pages(browser, base, out, width, scheme)
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                sign_in(page, base, "lee@example.org")
                for name, path in (
                    ("patients", "/clinician"),
                    ("patient", f"/clinician/patients/{alex}"),
                    ("urgent-patient", f"/clinician/patients/{ids['sam@example.org']}"),
                    ("insights", f"/clinician/patients/{alex}/insights"),
                ):
                    page.goto(base + path)
                    page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
                page.goto(base + f"/clinician/patients/{ids['sam@example.org']}")
                episodes = page.locator("a[href*='/episodes/']")
                if episodes.count():  # the clinician's view of the latest episode
                    episodes.first.click()
                    page.screenshot(path=str(out / f"episode-{width}.png"), full_page=True)
                context.close()
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                sign_in(page, base, "park@example.org")  # not shared with: refused
                page.goto(base + f"/clinician/patients/{alex}/insights")
                context.close()
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                sign_in(page, base, "alex@example.org")
                page.goto(base + "/sharing")
                page.screenshot(path=str(out / f"sharing-{width}.png"), full_page=True)
                context.close()
            browser.close()
    print(f"screenshots written to {out}/")


if __name__ == "__main__":
    main()
