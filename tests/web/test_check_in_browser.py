"""The weekly check-in in a real Chromium at phone width (390 x 844): from Today, a check-in
of three activities takes six taps, its page passes axe-core, and a refused one keeps the
ratings given."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.conftest import report
from tests.web.conftest import serious_violations
from tests.web.test_browser import Taps, _phone

NAMES = ["Reversing the car", "Lifting my son", "Reading in bed"]


def _named(page: Any) -> list[int]:
    answer = page.request.put("/api/v1/activities", data={"names": NAMES})
    assert answer.status == 200, answer.text()
    return [a["id"] for a in json.loads(answer.text())]


def test_a_weekly_check_in_of_three_activities_takes_six_taps_at_phone_width(
    browser: Any, live_server: str, axe_script: str
) -> None:
    page = _phone(browser, live_server, bypass_csp=True)  # to let axe-core in
    ids = _named(page)  # named once, before the first check-in
    page.goto("/")
    tap = Taps(page)
    tap(page.get_by_role("link", name="Check in"), navigates=True)
    assert serious_violations(page, axe_script) == []
    tap(page.locator("label[for='nprs-pain-4']"))
    for item, rating in zip(ids, (3, 5, 7), strict=True):
        tap(page.locator(f"label[for='psfs-{item}-{rating}']"))
    tap(page.get_by_role("button", name="Save check-in"), navigates=True)
    expect(page.get_by_role("status")).to_have_text("Saved.")
    report(
        "taps-check-in",
        f"weekly check-in of 3 activities at 390 x 844: {tap.count} taps, "
        f"{tap.scrolled:.0f} px scrolled to reach them",
    )
    assert tap.count <= 6
    [made] = json.loads(page.request.get("/api/v1/checkins").text())
    rated = {str(item): rating for item, rating in zip(ids, (3, 5, 7), strict=True)}
    assert made["answers"] == {"nprs": {"pain": 4}, "psfs": rated}
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    page.context.close()


def test_a_refused_check_in_keeps_the_ratings_given_at_phone_width(
    browser: Any, live_server: str
) -> None:
    page = _phone(browser, live_server)
    first, second, _third = _named(page)
    page.goto("/check-in")
    page.locator("label[for='nprs-pain-6']").click()
    page.locator(f"label[for='psfs-{first}-2']").click()
    page.locator(f"label[for='psfs-{second}-8']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("alert")).to_contain_text("rate this one too, or none of them")
    expect(page.locator("#nprs-pain-6")).to_be_checked()
    expect(page.locator(f"#psfs-{first}-2")).to_be_checked()
    expect(page.locator(f"#psfs-{second}-8")).to_be_checked()
    assert json.loads(page.request.get("/api/v1/checkins").text()) == []
    page.context.close()
