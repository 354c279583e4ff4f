"""Screenshots of the clinic pages at 1280 px and 390 px wide, into docs/screenshots/clinic/.

Starts a clinic server on a temporary SQLite file: a clinician (Dr Lee) with four patients
who shared their diaries (months of example episodes, one urgent episode, one with none),
and who looked at one of them, so that the patient's Sharing page has something to show.
Drives Debian's Chromium with Playwright.

    python -m scripts.clinic_screenshots [OUTPUT_DIR]     (from the repository root)
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from tests.factories import CHROMIUM, CHROMIUM_ARGS, NOW, PASSWORD

from neckcheck.auth.passwords import hash_password
from neckcheck.clock import FixedClock
from neckcheck.demo import demo_episodes
from neckcheck.domain import EpisodeCreate, Profile
from neckcheck.settings import Settings
from neckcheck.storage import accounts, repo
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread

CLOCK = FixedClock(NOW)
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
        accounts.record_accesses(  # a change made with "neckcheck --patient ... log"
            session=session,
            actor_id=None,
            patient_ids=[ids["alex@example.org"]],
            action="write",
            target="neckcheck log",
            ip="",
            now=now - timedelta(days=3, hours=2),
        )
    db.close()
    return ids


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/clinic")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/clinic.db"
        ids = seed(url)
        alex = ids["alex@example.org"]
        settings = Settings(
            database_url=url, clinic_mode=True, secret_key=SECRET, cookie_secure=False
        )
        with (
            serve_in_thread(create_app(settings, clock=CLOCK)) as base,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width in (1280, 390):
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
