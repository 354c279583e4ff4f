"""Web fixtures: an app per test on its own SQLite file; a real Chromium for browser tests.

In CI (CI=true) a missing Chromium or npm is a failure; locally those tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from filelock import FileLock

from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread
from tests.databases import new_sqlite
from tests.factories import CHROMIUM, CHROMIUM_ARGS, web_client
from tests.web.clinic_app import clinic  # noqa: F401  (a fixture for every web test)

AXE_CACHE = Path(__file__).resolve().parents[2] / ".cache" / "npm"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=new_sqlite(tmp_path / "web.db"))


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    with web_client(create_app(settings, clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def live_server(settings: Settings, clock: FixedClock) -> Iterator[str]:
    with serve_in_thread(create_app(settings, clock=clock)) as base_url:
        yield base_url


# How long Playwright waits for a page, an element or an expectation. The browser tests say
# what the pages do, not how fast (bench/ measures that): on a busy computer a page can take
# many seconds to load, and a page that never does still fails, after this.
BROWSER_TIMEOUT_MS = 60_000


class _Browser:
    """Chromium whose every new context waits up to BROWSER_TIMEOUT_MS."""

    def __init__(self, chromium: Any) -> None:
        self._chromium = chromium

    def new_context(self, **options: Any) -> Any:
        context = self._chromium.new_context(**options)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chromium, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield _Browser(chromium)
        chromium.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser page at desktop and at phone width, with ``page.base`` set."""
    # bypass_csp lets the accessibility test inject axe-core; the app's own pages need no
    # exception (test_security_headers checks the policy itself).
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], base_url=live_server, bypass_csp=True
    )
    tab = context.new_page()
    yield tab
    context.close()


def serious_violations(page: Any, axe_script: str) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    page.add_script_tag(content=axe_script)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's source, installed from npm into .cache/ (not committed) on first use."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        # One process installs it; others started at once (pytest-xdist) wait, then find it.
        with FileLock(AXE_CACHE.with_name("npm.lock"), timeout=660):
            if not script.exists():
                _install_axe(script)
    return script.read_text("utf-8")


def _install_axe(script: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        _missing("npm is not installed, so axe-core cannot be fetched")
    done = subprocess.run(
        [
            str(npm),
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(AXE_CACHE),
            "axe-core@4",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not script.exists():
        _missing(f"npm could not install axe-core: {done.stderr.strip()[-300:]}")
