"""The main flows in a real Chromium, at desktop (1280 px) and phone (390 px) width."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import report

CHEST_PAIN = "Do you have pain, pressure or tightness in your chest?"
GROUPS = 6  # the screening groups of knowledge/data/screening.yaml


def _answer(page: Any, question: str, answer: str) -> None:
    page.get_by_role("radiogroup", name=question).get_by_text(answer, exact=True).click()


def _choose_intensity(page: Any, value: int) -> None:
    page.locator(f"label[for='intensity-{value}']").click()


def _still_going(page: Any, state: str = "ongoing") -> None:
    page.locator(f"label[for='state-{state}']").click()


def _tap_region(page: Any, label: str) -> None:
    page.locator("label.chip", has_text=label).click()


def _submit(page: Any, button: str) -> None:
    """Click a button that submits a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _save(page: Any) -> None:
    _submit(page, "Save")


def _profile(page: Any, year: str = "1985") -> None:
    page.goto("/profile")
    page.get_by_label("Year of birth").fill(year)
    _submit(page, "Save")


def _no_warning_signs(page: Any) -> None:
    for _ in range(GROUPS):
        _submit(page, "None of these")


def test_an_emergency_found_only_by_the_screening_leads_the_page(page: Any) -> None:
    _profile(page)
    page.goto("/")
    page.get_by_role("link", name="Log a spasm").click()
    _choose_intensity(page, 7)
    page.locator(".view").first.locator(".zone-upper_left").click()  # tap the diagram
    _still_going(page)
    _save(page)
    page.get_by_text("Yes, one or more of these").click()
    _answer(page, CHEST_PAIN, "Yes")
    _submit(page, "Continue")
    # The first thing in the page: the banner, its call link in view without scrolling.
    first = page.locator("main > :not(.visually-hidden)").first
    assert "level-emergency" in first.get_attribute("class")
    assert first.inner_text().startswith("Call emergency services now")
    call = page.locator("a[href^='tel:']")
    assert call.is_visible()
    assert call.bounding_box()["y"] + call.bounding_box()["height"] <= page.viewport_size["height"]
    assert "your local emergency number" in first.inner_text()
    assert page.locator(".level.large svg.icon").count() == 1
    assert page.locator(".reasons li").first.inner_text().startswith("Call emergency services now")
    first_ref = page.locator(".reasons .ref").first
    first_ref.click()
    assert page.locator(f"#{first_ref.get_attribute('href')[1:]}").is_visible()
    stored = json.loads(page.request.get("/api/v1/episodes").text())[0]
    assert stored["regions"] == ["upper_left"]
    assert stored["findings"] == ["chest_pain"]


def test_a_benign_check_takes_at_most_ten_taps_at_phone_width(
    browser: Any, live_server: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server)
    page = context.new_page()
    _profile(page)  # asked once, before
    taps = scrolled = 0

    def tap(locator: Any, navigates: bool = False) -> None:
        nonlocal taps, scrolled
        box = locator.bounding_box()  # where it is before the browser scrolls to it
        scrolled += max(0, box["y"] + box["height"] - page.viewport_size["height"])
        taps += 1
        if navigates:
            with page.expect_navigation():
                locator.click()
        else:
            locator.click()

    page.goto("/")
    tap(page.get_by_role("link", name="Log a spasm"), navigates=True)
    tap(page.locator("label[for='intensity-3']"))
    tap(page.locator("label[for='state-ongoing']"))
    tap(page.get_by_role("button", name="Save"), navigates=True)
    for _ in range(GROUPS):
        tap(page.get_by_role("button", name="None of these"), navigates=True)
    banner = page.locator(".level.large")
    assert banner.inner_text().startswith("Look after it at home")
    assert "pillow" in page.locator(".advice").inner_text()
    report(
        "taps", f"benign check at 390 x 844: {taps} taps, {scrolled:.0f} px scrolled to reach them"
    )
    assert taps <= 10
    assert scrolled == 0
    context.close()


def test_an_incomplete_check_never_shows_self_care_advice(page: Any) -> None:
    _profile(page)
    page.goto("/log")
    _choose_intensity(page, 3)
    _still_going(page, "hour")
    _save(page)
    _submit(page, "None of these")
    _submit(page, "Skip the remaining questions")
    banner = page.locator(".level.large")
    assert banner.inner_text().startswith("At least: Look after it at home")
    advice = page.locator(".advice").inner_text()
    assert "pillow" not in advice and "gently moving" not in advice
    assert "were not checked" in page.locator(".open-questions").inner_text()


def test_the_check_works_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server, java_script_enabled=False
    )
    page = context.new_page()
    _profile(page)
    page.goto("/log")
    _choose_intensity(page, 4)
    _still_going(page, "hours")
    _save(page)
    _submit(page, "None of these")
    page.get_by_text("Yes, one or more of these").click()  # a details element opens without JS
    questions = page.locator(".check-some [role=radiogroup]")
    for index in range(questions.count()):
        questions.nth(index).get_by_text("No", exact=True).click()
    _submit(page, "Continue")
    for _ in range(GROUPS - 2):
        _submit(page, "None of these")
    assert page.locator(".level.large").inner_text().startswith("Look after it at home")
    context.close()


def test_end_an_ongoing_episode_from_the_home_page(page: Any) -> None:
    page.goto("/log")
    _choose_intensity(page, 5)
    _still_going(page)
    _save(page)
    page.get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", name="Going on now")).to_be_visible()
    _submit(page, "It stopped")
    expect(page.get_by_role("heading", name="Going on now")).to_have_count(0)
    stored = json.loads(page.request.get("/api/v1/episodes").text())[0]
    assert stored["ended_at"] is not None


def test_edit_an_episode(page: Any) -> None:
    page.goto("/log")
    _choose_intensity(page, 4)
    _tap_region(page, "Upper neck, right")
    _still_going(page, "minutes")
    _save(page)
    page.goto("/history")
    page.get_by_role("link", name="Edit the episode").click()
    assert page.locator("#intensity-4").is_checked()
    assert page.locator("#region-upper_right").is_checked()
    _choose_intensity(page, 8)
    page.get_by_label("Notes").fill("worse after the drive")
    _submit(page, "Save changes")
    expect(page.get_by_text("worst 8/10")).to_be_visible()
    stored = json.loads(page.request.get("/api/v1/episodes").text())[0]
    assert stored["intensity"] == 8
    assert stored["notes"] == "worse after the drive"
    assert stored["regions"] == ["upper_right"]
    assert stored["ended_at"] is not None


def test_delete_an_episode_after_confirming(page: Any) -> None:
    page.goto("/log")
    _choose_intensity(page, 2)
    _still_going(page)
    _save(page)
    page.goto("/history")
    page.get_by_role("link", name="Delete the episode").click()
    page.get_by_role("link", name="Keep it").click()
    expect(page.locator(".episode")).to_have_count(1)
    page.get_by_role("link", name="Delete the episode").click()
    _submit(page, "Delete episode")
    expect(page.get_by_text("No episodes in this period")).to_be_visible()


def test_a_validation_error_keeps_what_was_typed(page: Any) -> None:
    page.goto("/log")
    _tap_region(page, "Upper neck, middle")
    _still_going(page, "hour")
    page.get_by_text("More details (optional)").click()
    page.get_by_label("Notes").fill("typed while in pain")
    page.get_by_label("Stress level today (0-10)").select_option("7")
    _save(page)  # no intensity chosen
    error = page.locator("#error-intensity")
    assert error.inner_text() == "choose how bad the pain is, 0 to 10"
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.locator("#region-upper_centre").is_checked()
    assert page.locator("#state-hour").is_checked()
    assert page.get_by_label("Notes").input_value() == "typed while in pain"
    assert page.get_by_label("Stress level today (0-10)").input_value() == "7"
    _choose_intensity(page, 6)
    _save(page)
    expect(page.get_by_role("heading", name="Chest pain or trouble breathing?")).to_be_visible()


def test_the_form_works_from_the_keyboard(page: Any) -> None:
    page.goto("/log")
    page.locator("#intensity-0").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#intensity-2").is_checked()
    page.locator("#region-upper_left").focus()
    page.keyboard.press("Space")
    assert page.locator("#region-upper_left").is_checked()


@pytest.mark.parametrize(
    "path",
    ["/", "/log", "/history", "/insights", "/learn", "/profile", "log-error", "episode", "check"],
)
def test_pages_have_no_serious_accessibility_violations(
    page: Any, axe_script: str, path: str
) -> None:
    if path == "log-error":
        page.goto("/log")
        _save(page)
    elif path in ("episode", "check"):
        page.goto("/log")
        _choose_intensity(page, 5)
        _still_going(page)
        _save(page)
        if path == "episode":
            page.get_by_text("Yes, one or more of these").click()
            _answer(page, CHEST_PAIN, "Yes")
            _submit(page, "Continue")
    else:
        page.goto(path)
    page.add_script_tag(content=axe_script)
    result = page.evaluate("async () => await axe.run(document)")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_describe_it_then_check_and_save(page: Any) -> None:
    page.goto("/log")
    page.get_by_text("Describe it in your own words instead").click()
    page.get_by_label("What is happening?").fill(
        "sudden neck spasm, can't turn my head right, 7/10, chest feels tight"
    )
    _submit(page, "Fill in the form from this")
    expect(page.get_by_role("heading", name="Please check what was understood")).to_be_visible()
    assert page.locator("#intensity-7").is_checked()
    assert page.locator("#confirm-chest_pain").is_checked()  # proposed, for the person to confirm
    _still_going(page)
    _save(page)
    assert page.locator(".level.large").inner_text().startswith("Call emergency services now")


def test_no_page_scrolls_sideways_at_360_px(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server)
    page = context.new_page()
    for path in ["/", "/log", "/history", "/insights", "/learn", "/profile"]:
        page.goto(path)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 360, (path, width)
    context.close()
