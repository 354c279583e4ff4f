"""The clinician's pages and the patient's Sharing page in a real Chromium, at phone and
desktop width: no serious accessibility violation, and nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from neckcheck.web.server import serve_in_thread
from tests.factories import NOW, PASSWORD
from tests.web.clinic_app import Clinic
from tests.web.conftest import serious_violations


@pytest.fixture
def clinic_server(clinic: Clinic) -> Iterator[str]:
    owner = clinic.client("owner")
    for days, fields in ((12, {}), (9, {}), (5, {"notes": "after a long drive"}), (1, {})):
        start = NOW - timedelta(days=days)
        body = {"started_at": start.isoformat(), "intensity": 4 + days % 5, **fields}
        assert owner.post("/api/v1/episodes", json=body).status_code == 201
    urgent = {"started_at": (NOW - timedelta(hours=3)).isoformat(), "intensity": 7}
    answer = owner.post("/api/v1/episodes", json={**urgent, "findings": ["arm_weakness"]})
    assert answer.status_code == 201
    with serve_in_thread(clinic.app) as base:
        yield base


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.mark.parametrize("width", [390, 1280])
def test_clinic_pages_are_accessible_and_fit_the_screen(
    browser: Any, clinic: Clinic, clinic_server: str, axe_script: str, width: int
) -> None:
    patient = clinic.users["owner"].patient_id
    pages: list[tuple[str, str]] = [
        ("shared@example.org", "/clinician"),
        ("shared@example.org", f"/clinician/patients/{patient}"),
        ("shared@example.org", "episode"),
        ("owner@example.org", "/sharing"),
    ]
    problems = []
    for email, path in pages:
        context = browser.new_context(
            viewport={"width": width, "height": 844}, base_url=clinic_server, bypass_csp=True
        )
        page = context.new_page()
        _sign_in(page, email)
        if path == "episode":
            page.goto(f"/clinician/patients/{patient}")
            with page.expect_navigation():
                page.locator("a[href*='/episodes/']").first.click()
            assert page.locator("h1").inner_text().startswith("Owner: episode of")
        else:
            page.goto(path)
        wide = page.evaluate("document.scrollingElement.scrollWidth")
        if wide > width:
            problems.append(f"{path} scrolls sideways: {wide} px")
        problems += [f"{path}: {v}" for v in serious_violations(page, axe_script)]
        context.close()
    assert problems == []
