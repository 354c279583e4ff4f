"""Screenshots of every page at 1280 px and 390 px wide, into docs/screenshots/.

Starts the app on a temporary SQLite file with a few weeks of example episodes and drives
Debian's Chromium with Playwright, in the light colour scheme, the dark one, or both.

    python -m scripts.screenshots [OUTPUT_DIR] [--scheme light|dark|both] [--only log,history]
                                  [--width 390]      (from the repository root)

A dark screenshot is named ``PAGE-WIDTH-dark.png``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from tests.factories import CHROMIUM, CHROMIUM_ARGS, NOW, example_diary

from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread

# A fixed clock, so that the screenshots show the same dates on every run.
CLOCK = FixedClock(NOW.astimezone())
# Pages taken a second time with every folded section open.
FOLDED = {"insights", "log"}
OPEN_FOLDS = "document.querySelectorAll('main details').forEach(d => { d.open = true; })"


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshots of every page.")
    parser.add_argument("out", nargs="?", default="docs/screenshots", help="output folder")
    parser.add_argument(
        "--scheme", choices=["light", "dark", "both"], default="both", help="colour scheme"
    )
    parser.add_argument("--only", default="", help="comma-separated page names to take")
    parser.add_argument(
        "--width", type=int, action="append", help="viewport width (default 1280 and 390)"
    )
    args = parser.parse_args()
    widths = args.width or [1280, 390]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    schemes = ["light", "dark"] if args.scheme == "both" else [args.scheme]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/screens.db"
        ids = example_diary(url, CLOCK)
        pages = {
            "home": "/",
            "log": "/log",
            "check": f"/episodes/{ids['ongoing']}/check",
            "assessment-emergency": f"/episodes/{ids['emergency']}",
            "assessment-ongoing": f"/episodes/{ids['ongoing']}",
            "assessment-recurring": f"/episodes/{ids['self_care']}",
            "history": "/history",
            "learn": "/learn",
            "insights": "/insights",
            "profile": "/profile",
            "check-in": "/check-in",
            "edit": f"/episodes/{ids['ongoing']}/edit",
            "delete": f"/episodes/{ids['self_care']}/delete",
        }
        if args.only:
            pages = {name: path for name, path in pages.items() if name in args.only.split(",")}
        with (
            serve_in_thread(create_app(Settings(database_url=url), clock=CLOCK)) as base,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for scheme in schemes:
                suffix = "-dark" if scheme == "dark" else ""
                for width in widths:
                    page = browser.new_page(
                        viewport={"width": width, "height": 900}, color_scheme=scheme
                    )
                    for name, path in pages.items():
                        page.goto(base + path)
                        shot = out / f"{name}-{width}{suffix}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        if name in FOLDED:  # again with the folded sections open
                            page.evaluate(OPEN_FOLDS)
                            shot = out / f"{name}-open-{width}{suffix}.png"
                            page.screenshot(path=str(shot), full_page=True)
                    if args.only and "log-error" not in args.only.split(","):
                        page.close()
                        continue
                    page.goto(base + "/log")
                    page.get_by_role("button", name="Save", exact=True).click()
                    page.wait_for_selector("#error-summary")
                    page.screenshot(
                        path=str(out / f"log-error-{width}{suffix}.png"), full_page=True
                    )
                    page.close()
            browser.close()
    print(f"screenshots written to {out}/")


if __name__ == "__main__":
    main()
