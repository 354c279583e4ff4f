"""Today's timer, "Spasm now", "No spasm today" and the calendar feed in a real Chromium, at
desktop and phone (390 x 844) width, with and without JavaScript."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from neckcheck.text import format_elapsed
from tests.factories import NOW
from tests.web.conftest import serious_violations


def _submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _ongoing(page: Any, minutes: int) -> None:
    """An episode going on since ``minutes`` before the server's clock (NOW)."""
    start = (NOW - timedelta(minutes=minutes)).isoformat()
    response = page.request.post("/api/v1/episodes", data={"started_at": start, "intensity": 6})
    assert response.status == 201, response.text()


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def test_the_timer_ticks_and_it_stopped_ends_it(page: Any) -> None:
    page.clock.install()  # the page's timers and performance.now() run on Playwright's clock
    _ongoing(page, 2 * 60 + 14)
    page.goto("/")
    timer = page.get_by_role("timer")
    expect(timer).to_have_text("2 h 14 min")
    page.clock.run_for(60_000)  # a minute later, without reloading
    expect(timer).to_have_text("2 h 15 min")
    assert timer.locator("time").get_attribute("datetime") == "PT2H15M"
    stop = page.get_by_role("button", name="It stopped")
    assert stop.bounding_box()["height"] >= 44
    _no_sideways_scroll(page)
    _submit(page, "It stopped")
    # The server's clock still says NOW: it lasted what the page first showed.
    expect(page.get_by_role("status").first).to_contain_text("It stopped: it lasted 2 h 14 min.")
    expect(page.get_by_role("heading", name="Going on now")).to_have_count(0)
    stored = json.loads(page.request.get("/api/v1/episodes").text())[0]
    assert stored["ended_at"] is not None


@pytest.mark.parametrize(
    "seconds", [1, 59, 60, 45 * 60 + 1, 3600, 2 * 3600 + 5 * 60 + 1, 47 * 3600 + 1, 50 * 3600 + 1]
)
def test_the_ticking_timer_words_durations_as_the_server_does(
    browser: Any, live_server: str, seconds: int
) -> None:
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    _ongoing(page, 5)
    page.goto("/")
    shown = page.evaluate(
        """(seconds) => {
             const timer = document.querySelector("[data-elapsed]");
             timer.setAttribute("data-elapsed", String(seconds));
             document.dispatchEvent(new Event("visibilitychange"));
             return timer.textContent;
           }""",
        seconds,
    )
    assert shown == format_elapsed(seconds)
    context.close()


def test_the_timer_shows_the_time_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    _ongoing(page, 50)
    page.goto("/")
    expect(page.get_by_role("timer")).to_have_text("50 min")
    _submit(page, "It stopped")
    expect(page.get_by_role("status").first).to_contain_text("it lasted 50 min")
    context.close()


def test_spasm_now_in_two_taps(page: Any) -> None:
    page.goto("/")
    page.get_by_text("Spasm right now? Start a timer").click()
    six = page.get_by_role("button", name="6", exact=True)
    assert six.bounding_box()["height"] >= 44
    _submit(page, "6")
    assert page.url.endswith("/check")  # the warning signs come next
    page.goto("/")
    expect(page.get_by_role("timer")).to_have_text("under a minute")


def test_no_spasm_today_in_one_tap(page: Any) -> None:
    page.goto("/")
    _no_sideways_scroll(page)
    _submit(page, "No spasm today")
    expect(page.get_by_role("status").first).to_contain_text("Recorded: no spasm today.")
    expect(page.get_by_text("Last 4 weeks: 1 pain-free day recorded.")).to_be_visible()
    _submit(page, "Undo")
    expect(page.get_by_role("button", name="No spasm today")).to_be_visible()


def test_the_calendar_feed_holds_the_reminders(page: Any) -> None:
    _ongoing(page, 30)
    page.goto("/profile")
    _submit(page, "Set up calendar reminders")
    add = page.get_by_role("link", name="Add to your calendar")
    assert add.get_attribute("href").startswith("webcal://")
    address = page.get_by_label("Or copy this address").input_value()
    _no_sideways_scroll(page)
    feed = page.request.get(address)
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == [
        "Neck diary: any spasm today?",
        "Neck diary: did the spasm stop?",
        "Neck diary: weekly check-in",
    ]
    page.get_by_label("Daily check-in at").fill("08:15")
    _submit(page, "Save the time")
    [daily] = [
        e
        for e in Calendar.from_ical(page.request.get(address).body()).walk("VEVENT")
        if str(e["SUMMARY"]) == "Neck diary: any spasm today?"
    ]
    assert daily.decoded("DTSTART").strftime("%H:%M") == "08:15"
    _submit(page, "Reset the link")
    assert page.request.get(address).status == 404


@pytest.mark.parametrize("state", ["timer", "no-spasm", "recorded", "calendar"])
def test_the_new_parts_have_no_serious_accessibility_violations(
    page: Any, axe_script: str, state: str
) -> None:
    if state == "timer":
        _ongoing(page, 20)
    page.goto("/profile" if state == "calendar" else "/")
    if state == "recorded":
        _submit(page, "No spasm today")
    elif state == "no-spasm":
        page.get_by_text("Spasm right now? Start a timer").click()
    elif state == "calendar":
        _submit(page, "Set up calendar reminders")
    assert serious_violations(page, axe_script) == []
