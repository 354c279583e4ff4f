"""The Lighthouse harness scores a page, sees an accessibility fault, and emulates dark mode.

Each Lighthouse run takes some ten seconds, so the module makes two: the clean page with the
light colour scheme, and the faulty page (an image without alt text) with the dark one. Both
pages share one stylesheet whose dark scheme has too little contrast; the clean page passing
the contrast audit in light is what shows that the faulty page's contrast failure comes from
the dark emulation.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.web.lighthouse import (
    CATEGORIES,
    SKIPPED_AUDITS,
    LighthouseReport,
    lighthouse_cli,
    run_lighthouse,
)

# Not marked serial: these runs check the harness (scores in range, a fault seen, dark mode
# emulated), not how fast a page is, so they may share the cores with other tests; the pages'
# own scores (test_lighthouse_pages.py) run alone. One process runs them all, so that each of
# the two Lighthouse runs is made once.
pytestmark = pytest.mark.xdist_group("lighthouse-harness")

STYLE = """
body { font: 16px/1.5 sans-serif; color: #111; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #444; background: #333; } }
"""
PIXEL = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='40' height='40'%3E"
    "%3Crect width='40' height='40' fill='%23c33'/%3E%3C/svg%3E"
)


def page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name="description" content="A small page for the Lighthouse harness tests.">
<link rel="icon" href="data:,">
<style>{STYLE}</style>
</head>
<body><main><h1>{title}</h1>{body}</main></body>
</html>
"""


PAGES = {
    "clean.html": page("Neck diary", "<p>Readable text on a plain background.</p>"),
    "faulty.html": page(
        "Neck diary",
        f'<p>A chart that says nothing to a screen reader.</p><img src="{PIXEL}" '
        'width="40" height="40">',
    ),
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The pages served from a temporary folder by Python's http.server on a free port."""
    folder: Path = tmp_path_factory.mktemp("site")
    for name, html in PAGES.items():
        (folder / name).write_text(html, "utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def clean(site: str) -> LighthouseReport:
    return run_lighthouse(f"{site}/clean.html")


@pytest.fixture(scope="module")
def faulty_in_dark(site: str) -> LighthouseReport:
    return run_lighthouse(f"{site}/faulty.html", dark=True)


def test_four_scores_from_0_to_100(clean: LighthouseReport) -> None:
    assert set(clean.scores) == set(CATEGORIES)
    assert all(0 <= score <= 100 for score in clean.scores.values())


def test_a_clean_page_scores_100_in_accessibility(clean: LighthouseReport) -> None:
    assert clean.scores["accessibility"] == 100
    assert "image-alt" not in clean.failing


def test_an_image_without_alt_text_scores_below_100(faulty_in_dark: LighthouseReport) -> None:
    assert faulty_in_dark.scores["accessibility"] < 100
    assert faulty_in_dark.failing["image-alt"].startswith("Image elements do not have `[alt]`")


def test_the_dark_colour_scheme_is_emulated(
    clean: LighthouseReport, faulty_in_dark: LighthouseReport
) -> None:
    assert "color-contrast" not in clean.failing
    assert faulty_in_dark.failing["color-contrast"] == (
        "Background and foreground colors do not have a sufficient contrast ratio."
    )


def test_the_audits_left_out_weigh_nothing_in_any_score() -> None:
    """An audit the runs skip (SKIPPED_AUDITS) has weight 0 wherever Lighthouse's default
    configuration lists it, so that no score is computed without it."""
    config = lighthouse_cli().parents[1] / "core" / "config" / "default-config.js"
    script = (
        f"const {{default: c}} = await import({json.dumps(config.as_uri())});"
        "console.log(JSON.stringify(Object.values(c.categories).flatMap("
        "(k) => k.auditRefs.map((r) => [r.id, r.weight]))));"
    )
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    weights = json.loads(done.stdout)
    assert {audit for audit, _ in weights} >= set(SKIPPED_AUDITS)
    assert {w for audit, w in weights if audit in SKIPPED_AUDITS} == {0}
