"""Lighthouse 12.2.3 (installed from npm into ``.cache/``) on Debian's Chromium, from Python.

A run scores one page, some ten seconds: mobile form factor (Lighthouse's default), the
categories performance, accessibility, best practices and SEO. Pages that share a colour
scheme are scored in one call, one after another in one browser (``lighthouse-runs.mjs``
beside this file: Lighthouse's Node API as its command line uses it, so Node, Lighthouse and
Chromium start once, not once per page; a newly started Chromium's first page, slower than any
after it, is run once more first and not scored)::

    [report] = run_lighthouse_pages(["http://127.0.0.1:8000/"])
    report.scores["accessibility"]  # 0-100
    report.failing                  # {"image-alt": "Image elements do not have `[alt]` ..."}

Lighthouse has no setting of its own for the page's colour scheme: it emulates a device's
screen, user agent and throttling, never ``prefers-color-scheme``. ``dark=True`` therefore
starts Chromium with ``--force-dark-mode``, which Lighthouse leaves in place, so the page
sees ``prefers-color-scheme: dark`` during the whole run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.factories import CHROMIUM, CHROMIUM_ARGS
from tests.npm import missing, npm_install

LIGHTHOUSE = "lighthouse@12.2.3"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Audits no score depends on (weight 0 in every category) whose gathering costs a run
# seconds: the back/forward cache check navigates away from the page and back.
SKIPPED_AUDITS = ("bf-cache",)
CHROME_FLAGS = ["--headless=new", *CHROMIUM_ARGS]
DARK_FLAGS = ["--force-dark-mode"]
# Lighthouse's report shows an audit as passed from this score up (its PASS_THRESHOLD).
PASS_THRESHOLD = 0.9
# Audits that are not pass or fail: shown for information, to check by hand, or not relevant.
UNSCORED = {"informative", "manual", "notApplicable", "error"}
TIMEOUT_SECONDS = 180


class LighthouseError(RuntimeError):
    """Lighthouse failed or gave no score; the message carries its own words."""


@dataclass(frozen=True)
class LighthouseReport:
    url: str
    dark: bool
    scores: dict[str, int]  # category id -> 0..100
    failing: dict[str, str]  # audit id -> title, for each audit scored below PASS_THRESHOLD


def lighthouse_cli() -> Path:
    """Lighthouse's command-line entry point, installed on first use."""
    folder = npm_install("lighthouse", [LIGHTHOUSE])
    return folder / "node_modules" / "lighthouse" / "cli" / "index.js"


RUNNER = Path(__file__).with_name("lighthouse-runs.mjs")


def run_lighthouse(url: str, *, dark: bool = False) -> LighthouseReport:
    """Run Lighthouse once against ``url``; ``dark`` emulates a dark colour scheme."""
    [report] = run_lighthouse_pages([url], dark=dark)
    return report


def run_lighthouse_pages(urls: list[str], *, dark: bool = False) -> list[LighthouseReport]:
    """Run Lighthouse on each of ``urls`` in turn, in one browser; a report per URL, in
    order. ``dark`` emulates a dark colour scheme for all of them."""
    node = shutil.which("node")
    if node is None:
        missing("Node.js is not installed, so Lighthouse cannot run")
    if not Path(CHROMIUM).exists():
        missing(f"Chromium is not installed at {CHROMIUM}")
    root = lighthouse_cli().parents[2]  # node_modules
    flags = CHROME_FLAGS + (DARK_FLAGS if dark else [])
    timeout = TIMEOUT_SECONDS * len(urls)
    with tempfile.TemporaryDirectory(prefix="neckcheck-lighthouse-") as folder:
        outputs = [Path(folder) / f"report-{n}.json" for n in range(len(urls))]
        job = {
            "root": str(root),
            "chromePath": CHROMIUM,
            "chromeFlags": flags,
            "categories": list(CATEGORIES),
            "skipAudits": list(SKIPPED_AUDITS),
            "runs": [{"url": u, "output": str(o)} for u, o in zip(urls, outputs, strict=True)],
        }
        try:
            done = subprocess.run(
                [node, str(RUNNER), json.dumps(job)],
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise LighthouseError(f"Lighthouse took over {timeout} s on {urls}") from error
        if done.returncode != 0 or not all(output.exists() for output in outputs):
            raise LighthouseError(
                f"Lighthouse exited with status {done.returncode} on {urls}:\n"
                f"{done.stderr.strip()[-2000:]}"
            )
        results = [json.loads(output.read_text("utf-8")) for output in outputs]
    return [_report(url, dark, result) for url, result in zip(urls, results, strict=True)]


def _report(url: str, dark: bool, result: dict[str, Any]) -> LighthouseReport:
    scores = {name: category["score"] for name, category in result["categories"].items()}
    if set(scores) != set(CATEGORIES) or any(score is None for score in scores.values()):
        raise LighthouseError(
            f"Lighthouse gave no score for some categories on {url}: {scores}; "
            f"runtime error {result.get('runtimeError')}, warnings {result.get('runWarnings')}"
        )
    failing = {
        name: audit["title"]
        for name, audit in result["audits"].items()
        if audit["scoreDisplayMode"] not in UNSCORED
        and audit["score"] is not None
        and audit["score"] < PASS_THRESHOLD
    }
    return LighthouseReport(
        url=url,
        dark=dark,
        scores={name: round(score * 100) for name, score in scores.items()},
        failing=failing,
    )
