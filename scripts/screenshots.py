"""Screenshots of every page at 1280 px and 390 px wide, into docs/screenshots/.

Starts the app on a temporary SQLite file with a few weeks of example episodes and drives
Debian's Chromium with Playwright.

    python -m scripts.screenshots [OUTPUT_DIR]     (from the repository root)
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from tests.factories import CHROMIUM, CHROMIUM_ARGS, NOW, local_diary

from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate
from neckcheck.settings import Settings
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread

# A fixed clock, so that the screenshots show the same dates on every run.
CLOCK = FixedClock(NOW.astimezone())


def seed(url: str) -> dict[str, int]:
    """Example episodes: a spread of ordinary spasms, one emergency and one ongoing."""
    db = open_database(url)
    now = CLOCK.now()
    ids: dict[str, int] = {}
    with db.session() as session:
        diary = local_diary(session, CLOCK)
        for day in range(110, 2, -1):
            if day % 5 and day % 7:
                continue
            start = (now - timedelta(days=day)).replace(hour=7 + day % 12, minute=15)
            episode = diary.log(
                EpisodeCreate(
                    started_at=start,
                    ended_at=start + timedelta(hours=1 + day % 9),
                    intensity=2 + (day * 7) % 8,
                    onset="sudden" if day % 2 else "gradual",
                    regions=["upper_left", "shoulder_left"] if day % 3 else ["lower_right"],
                    limited_movements=["rotation_left"],
                    findings=["cramping_knot"],
                    triggers=["screen_time"] if day % 2 else ["sleep_position"],
                    remedies=[{"remedy": "heat", "helped": "some"}],
                )
            )
            ids["self_care"] = episode.id
        emergency = diary.log(
            EpisodeCreate(
                started_at=now - timedelta(days=2, hours=3),
                ended_at=now - timedelta(days=2),
                intensity=8,
                onset="sudden",
                findings=["headache", "fever", "neck_stiffness"],
                absent=["rash"],
                regions=["upper_centre"],
                limited_movements=["flexion"],
            )
        )
        ongoing = diary.log(
            EpisodeCreate(
                started_at=now - timedelta(hours=2),
                intensity=5,
                onset="sudden",
                regions=["upper_right", "shoulder_right"],
                limited_movements=["rotation_right"],
                findings=["cramping_knot", "twitching"],
                absent=["fever", "dizziness"],
                triggers=["sleep_position"],
            )
        )
        ids.update(emergency=emergency.id, ongoing=ongoing.id)
    db.close()
    return ids


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/screens.db"
        ids = seed(url)
        pages = {
            "home": "/",
            "log": "/log",
            "assessment-emergency": f"/episodes/{ids['emergency']}",
            "assessment-ongoing": f"/episodes/{ids['ongoing']}",
            "history": "/history",
            "learn": "/learn",
            "insights": "/insights",
            "edit": f"/episodes/{ids['ongoing']}/edit",
            "delete": f"/episodes/{ids['self_care']}/delete",
        }
        with (
            serve_in_thread(create_app(Settings(database_url=url), clock=CLOCK)) as base,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                for name, path in pages.items():
                    page.goto(base + path)
                    page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
                page.goto(base + "/log")
                page.click("text=Save and check")
                page.screenshot(path=str(out / f"log-error-{width}.png"), full_page=True)
                page.close()
            browser.close()
    print(f"screenshots written to {out}/")


if __name__ == "__main__":
    main()
