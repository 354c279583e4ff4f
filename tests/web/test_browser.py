"""The main flows in a real Chromium, at desktop (1280 px) and phone (390 px) width."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import report
from tests.factories import example_diary
from tests.web.conftest import serious_violations

CHEST_PAIN = "Do you have pain, pressure or tightness in your chest?"
GROUPS = 6  # the screening groups of knowledge/data/screening.yaml (TRIAGE v3 kept six)


def _answer(page: Any, question: str, answer: str) -> None:
    page.get_by_role("radiogroup", name=question).get_by_text(answer, exact=True).click()


def _choose_intensity(page: Any, value: int) -> None:
    page.locator(f"label[for='intensity-{value}']").click()


def _still_going(page: Any, state: str = "ongoing") -> None:
    """Answer "Is it still going on?": ``ongoing``, or how long it lasted (``minutes``,
    ``hour``, ``hours``, ``day``)."""
    if state == "ongoing":
        page.locator("label[for='state-ongoing']").click()
    else:
        page.locator("label[for='state-over']").click()
        page.locator(f"label[for='lasted-{state}']").click()


def _tap_region(page: Any, label: str) -> None:
    page.locator("label.chip", has_text=label).click()


def _submit(page: Any, button: str) -> None:
    """Click a button that submits a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _save(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()


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
    # Said once: the reason under "Why" leaves out the action the banner gives.
    assert page.locator(".reasons li").first.inner_text().startswith("Neck, jaw or arm discomfort")
    assert page.locator("main").inner_text().count("Call emergency services now") == 1
    first_ref = page.locator(".reasons .ref").first
    first_ref.click()
    assert page.locator(f"#{first_ref.get_attribute('href')[1:]}").is_visible()
    stored = json.loads(page.request.get("/api/v1/episodes").text())[0]
    assert stored["regions"] == ["upper_left"]
    assert stored["findings"] == ["chest_pain"]


class Taps:
    """Taps on a phone, and how far the person would have had to scroll to reach each."""

    def __init__(self, page: Any) -> None:
        self.page, self.count, self.scrolled = page, 0, 0.0

    def __call__(self, locator: Any, navigates: bool = False) -> None:
        box = locator.bounding_box()  # where it is before the browser scrolls to it
        self.scrolled += max(0, box["y"] + box["height"] - self.page.viewport_size["height"])
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()


def _phone(browser: Any, live_server: str, **options: Any) -> Any:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server, **options
    )
    return context.new_page()


def test_a_simple_spasm_is_saved_in_three_taps_at_phone_width(
    browser: Any, live_server: str
) -> None:
    page = _phone(browser, live_server)
    _profile(page)  # asked once, before
    page.goto("/")
    tap = Taps(page)
    tap(page.get_by_role("link", name="Log a spasm"), navigates=True)
    tap(page.locator("label[for='intensity-6']"))
    save = page.get_by_role("button", name="Save", exact=True)
    # Save stays in view wherever the form is scrolled.
    for y in (0, 400, 1200):
        page.evaluate(f"window.scrollTo(0, {y})")
        box = save.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, y
    page.evaluate("window.scrollTo(0, 0)")
    tap(save, navigates=True)
    assert page.url.endswith("/check")
    report(
        "log-taps",
        f"simple spasm at 390 x 844: {tap.count} taps, {tap.scrolled:.0f} px scrolled to "
        "reach them",
    )
    assert (tap.count, tap.scrolled) == (3, 0)
    stored = json.loads(page.request.get("/api/v1/episodes").text())[0]
    assert stored["intensity"] == 6
    assert stored["ended_at"] is not None  # over after a few minutes: never open for ever
    page.context.close()


@pytest.mark.parametrize("born", ["1985", "1954"], ids=["aged 41", "aged 72"])
def test_a_benign_check_takes_at_most_nine_taps_at_phone_width(
    browser: Any, live_server: str, born: str
) -> None:
    """The warning signs TRIAGE v3 added are asked inside the six groups, and only where
    their answer could raise the level (jaw pain on chewing and a tender scalp from 50), so
    an ordinary spasm's check is the quick log's three taps and one per group at any adult
    age."""
    page = _phone(browser, live_server)
    _profile(page, born)  # asked once, before
    tap = Taps(page)
    page.goto("/")
    tap(page.get_by_role("link", name="Log a spasm"), navigates=True)
    tap(page.locator("label[for='intensity-3']"))
    tap(page.get_by_role("button", name="Save", exact=True), navigates=True)
    for _ in range(GROUPS):
        tap(page.get_by_role("button", name="None of these"), navigates=True)
    banner = page.locator(".level.large")
    assert banner.inner_text().startswith("Look after it at home")
    assert "pillow" in page.locator(".advice").inner_text()
    report(
        f"taps-{born}",
        f"benign check at 390 x 844, born {born}: {tap.count} taps, {tap.scrolled:.0f} px "
        "scrolled to reach them",
    )
    assert tap.count <= 9
    assert tap.scrolled == 0
    page.context.close()


def test_still_going_on_hides_how_long_it_lasted(page: Any) -> None:
    page.goto("/log")
    lasted = page.locator("#field-lasted")
    expect(lasted).to_be_visible()
    assert page.locator("#lasted-minutes").is_checked()
    _still_going(page)
    expect(lasted).to_be_hidden()
    _choose_intensity(page, 4)
    _save(page)
    stored = json.loads(page.request.get("/api/v1/episodes").text())[0]
    assert stored["ended_at"] is None


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
    assert page.locator("#lasted-hour").is_checked()
    assert page.get_by_label("Notes").input_value() == "typed while in pain"
    assert page.get_by_label("Stress level today (0-10)").input_value() == "7"
    _choose_intensity(page, 6)
    _save(page)
    expect(
        page.get_by_role("heading", name="Chest, jaw or upper back pain, or trouble breathing?")
    ).to_be_visible()


def test_the_form_works_from_the_keyboard(page: Any) -> None:
    page.goto("/log")
    page.locator("#intensity-0").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#intensity-2").is_checked()
    page.locator("#region-upper_left").focus()
    page.keyboard.press("Space")
    assert page.locator("#region-upper_left").is_checked()


def _open_folds(page: Any) -> None:
    """Open every folded section of the page, so that what it holds is checked too."""
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")


def _example(settings: Any) -> dict[str, int]:
    """The example diary (tests/factories.py) in the live server's database."""
    return example_diary(settings.effective_database_url())


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/log",
        "/history",
        "/insights",
        "/learn",
        "/profile",
        "log-error",
        "episode",
        "check",
        "example:/",
        "example:/history",
        "example:/insights",
        "example:emergency",
        "example:ongoing",
    ],
)
def test_pages_have_no_serious_accessibility_violations(
    page: Any, axe_script: str, settings: Any, path: str, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    if path.startswith("example:"):
        ids = _example(settings)
        shown = path.removeprefix("example:")
        page.goto(f"/episodes/{ids[shown]}" if shown in ids else shown)
        _open_folds(page)
    elif path == "log-error":
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
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    assert serious_violations(page, axe_script) == []


def test_dark_mode_follows_the_device(browser: Any, live_server: str) -> None:
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(base_url=live_server, color_scheme=scheme)
        page = context.new_page()
        page.goto("/log")
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        context.close()
    assert backgrounds == {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 20, 23)"}


def _pages(ids: dict[str, int]) -> list[str]:
    return [
        "/",
        "/log",
        "/history",
        "/history?signs=1",
        "/insights",
        "/learn",
        "/profile",
        f"/episodes/{ids['emergency']}",
        f"/episodes/{ids['ongoing']}",
        f"/episodes/{ids['ongoing']}/check",
        f"/episodes/{ids['ongoing']}/edit",
        f"/episodes/{ids['self_care']}/delete",
    ]


@pytest.mark.parametrize("width", [390, 360])
def test_no_page_scrolls_sideways_on_a_phone_nor_logs_an_error(
    browser: Any, live_server: str, settings: Any, width: int
) -> None:
    ids = _example(settings)
    context = browser.new_context(viewport={"width": width, "height": 800}, base_url=live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.text} ({message.location.get('url')})")
            if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    wide = {}
    for path in _pages(ids):
        page.goto(path)
        _open_folds(page)
        wide[path] = page.evaluate("document.scrollingElement.scrollWidth")
    logged = list(errors)
    page.goto("/log")
    _save(page)  # the form with its errors (a 422, which Chromium logs as a failed load)
    wide["log-error"] = page.evaluate("document.scrollingElement.scrollWidth")
    context.close()
    assert {path: w for path, w in wide.items() if w > width} == {}
    assert logged == []  # the missing /favicon.ico aside


def test_chart_words_are_12_px_or_more_at_phone_width(
    browser: Any, live_server: str, settings: Any
) -> None:
    _example(settings)
    page = _phone(browser, live_server)
    smallest = {}
    for path in ("/history", "/insights"):
        page.goto(path)
        _open_folds(page)
        smallest[path] = page.evaluate(
            """() => {
              const sizes = [];
              for (const svg of document.querySelectorAll('svg.chart')) {
                const box = svg.getBoundingClientRect();
                if (!box.width) continue;  // the layout for the other width
                const scale = box.width / svg.viewBox.baseVal.width;
                for (const text of svg.querySelectorAll('text'))
                  sizes.push(parseFloat(getComputedStyle(text).fontSize) * scale);
              }
              for (const day of document.querySelectorAll('.calendar .day, .calendar caption'))
                sizes.push(parseFloat(getComputedStyle(day).fontSize));
              return [Math.min(...sizes), sizes.length];
            }"""
        )
    page.context.close()
    for path, (size, texts) in smallest.items():
        assert texts > 20, path
        assert size >= 12, (path, size)


def test_a_tap_on_a_calendar_day_shows_its_episodes(
    browser: Any, live_server: str, settings: Any
) -> None:
    _example(settings)
    page = _phone(browser, live_server, has_touch=True)
    page.goto("/history")
    day = page.locator(".calendar a.day").first
    label = day.get_attribute("aria-label")
    day.tap()
    anchor = page.url.rsplit("#", 1)[1]
    target = page.locator(f"#{anchor}")
    expect(target).to_be_in_viewport()
    shown = date.fromisoformat(anchor.removeprefix("day-"))
    assert label.startswith(f"{shown:%a} {shown.day} {shown:%b %Y}: worst ")
    assert f"{shown:%a %d %b %Y}" in target.inner_text()  # the list's own date
    assert target.locator(".level-inline").count() == 1  # with the level of its check
    page.context.close()


def test_the_neck_map_at_phone_width(browser: Any, live_server: str) -> None:
    page = _phone(browser, live_server)
    page.goto("/log")
    sizes = {}
    for view in ("back", "front"):
        page.locator(f"label[for='neck-view-{view}']").click()
        shown = page.locator(f".view-{view}")
        expect(shown).to_be_visible()
        expect(page.locator(".view-back" if view == "front" else ".view-front")).to_be_hidden()
        for zone in shown.locator(".zone").all():
            box = zone.bounding_box()
            sizes[(view, zone.get_attribute("for"))] = (box["width"], box["height"])
    assert {name for _, name in sizes} == {f"region-{r}" for r, _ in _regions()}
    small = {key: size for key, size in sizes.items() if min(size) < 44}
    assert small == {}
    # A tap on the drawing ticks the named box; the colour is not the emergency red.
    page.locator(".view-front .zone-jaw_left").click()
    assert page.locator("#region-jaw_left").is_checked()
    chosen = page.evaluate(
        "getComputedStyle(document.querySelector('.view-front .zone-jaw_left')).backgroundColor"
    )
    assert chosen != "rgb(165, 29, 18)"  # the emergency red
    assert chosen == "rgb(11, 92, 173)"
    page.context.close()


def _regions() -> list[tuple[str, str]]:
    from neckcheck.web import forms

    return forms.options("regions")


def test_folded_sections_look_like_controls(page: Any) -> None:
    page.goto("/log")
    for name in ("Describe it in your own words instead", "More details (optional)"):
        summary = page.locator("summary", has_text=name)
        style = summary.evaluate(
            "s => { const c = getComputedStyle(s); return [c.borderTopWidth, c.cursor, "
            "c.display, s.getBoundingClientRect().height]; }"
        )
        assert style[0] != "0px" and style[1] == "pointer" and style[2] == "flex", name
        assert style[3] >= 44, name


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
