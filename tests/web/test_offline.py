"""The diary on a phone: installable (manifest, icons), an app shell and an offline page kept by
a service worker, and a spasm logged offline that is kept on the phone, sent when it is back
online, and stored once however often it is sent. In Chromium at 390 x 844, under the app's
own Content-Security-Policy (no bypass)."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.web.app import SECURITY_HEADERS, create_app
from neckcheck.web.assets import asset_url
from neckcheck.web.routes.phone import SHELL
from neckcheck.web.server import serve_in_thread
from tests.databases import new_sqlite
from tests.factories import NOW
from tests.web.clinic_app import Clinic

# The moment the phone's clock shows while offline: half an hour before the server's NOW.
SAVED = NOW - timedelta(minutes=30)
PASSPHRASE = "blue kettle on the windowsill"


# --- what the server offers a phone ---------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_manifest_makes_it_installable(client: TestClient) -> None:
    page = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    answer = client.get("/manifest.webmanifest")
    assert answer.headers["content-type"] == "application/manifest+json"
    manifest = json.loads(answer.content)
    assert manifest["short_name"] == "neckcheck"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/",
        "/",
        "standalone",
    )
    assert manifest["theme_color"] in page  # the same colour as the page's theme-color
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.headers["content-type"] == "image/png"
        width, height = _png_size(image.content)
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add((width, icon["purpose"]))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes
    assert manifest["shortcuts"][0]["url"] == "/log"


def test_the_tab_and_home_screen_icons_exist(client: TestClient) -> None:
    page = client.get("/").text
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200
    assert favicon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    apple = client.get("/static/icons/apple-touch-icon.png")
    assert _png_size(apple.content) == (180, 180)
    icon = asset_url("icons/apple-touch-icon.png")
    assert f'<link rel="apple-touch-icon" href="{icon}">' in page


def test_the_service_worker_is_served_from_the_root(client: TestClient) -> None:
    worker = client.get("/sw.js")
    assert worker.headers["content-type"] == "text/javascript; charset=utf-8"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert worker.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    assert worker.headers["Cache-Control"] == "no-store"  # a new release is seen at once
    assert f"const SHELL = {json.dumps(list(SHELL))};" in worker.text
    assert '"__VERSION__"' not in worker.text
    for path in SHELL:  # everything it keeps is there to keep
        assert client.get(path).status_code == 200, path


def test_what_a_phone_fetches_first_needs_no_sign_in(clinic: Clinic) -> None:
    """The service worker installs before anyone signs in: its files are public and hold
    nothing of a diary."""
    stranger = clinic.client()
    for path in ["/sw.js", "/manifest.webmanifest", "/favicon.ico", *SHELL]:
        assert stranger.get(path).status_code == 200, path
    offline = stranger.get("/offline").text
    assert "You are offline" in offline
    assert "emergency number" in offline
    assert 'name="neckcheck-person"' not in offline  # nobody's page


def test_each_page_says_whose_diary_an_entry_kept_on_it_belongs_to(
    client: TestClient, clinic: Clinic
) -> None:
    """The outbox sends an entry only from a page of the diary it was written in, so that on
    a shared browser one person's kept entry never lands in another's diary."""
    marker = '<meta name="neckcheck-person" content="{}">'
    assert marker.format("local") in client.get("/log").text
    for who in ("owner", "other"):
        page = clinic.client(who).get("/log").text
        assert marker.format(f"account-{clinic.users[who].id}") in page
    assert "neckcheck-person" not in clinic.client().get("/login").text


# --- in Chromium ------------------------------------------------------------------------------


@pytest.fixture
def phone(browser: Any, live_server: str) -> Iterator[Any]:
    """A phone (390 x 844, in Berlin) whose clock says SAVED, with the service worker
    installed and in control; the app's Content-Security-Policy applies."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        base_url=live_server,
        timezone_id="Europe/Berlin",
        locale="en-GB",
    )
    page = context.new_page()
    page.clock.set_fixed_time(SAVED)
    page.goto("/")
    _controlled(page)
    yield page
    context.close()


def _controlled(page: Any) -> None:
    """Wait until the service worker is installed and in control of the page (not with
    wait_for_function: it evaluates strings, which the app's policy forbids)."""
    page.evaluate(
        """async () => {
            await navigator.serviceWorker.ready;
            if (!navigator.serviceWorker.controller) {
                await new Promise((done) => navigator.serviceWorker.addEventListener(
                    "controllerchange", done, {once: true}));
            }
        }"""
    )


def _log(page: Any, intensity: int, state: str) -> None:
    """Pain, then ``ongoing`` or how long it lasted (``minutes``, ``hour``, ...), then Save."""
    page.locator(f"label[for='intensity-{intensity}']").click()
    if state == "ongoing":
        page.locator("label[for='state-ongoing']").click()
    else:
        page.locator("label[for='state-over']").click()
        page.locator(f"label[for='lasted-{state}']").click()
    page.get_by_role("button", name="Save").click()


def _episodes(page: Any) -> list[dict[str, Any]]:
    episodes: list[dict[str, Any]] = page.request.get("/api/v1/episodes").json()
    return episodes


def _outbox(page: Any) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = page.evaluate(
        "JSON.parse(localStorage.getItem('neckcheck-outbox') || '[]')"
    )
    return kept


def test_a_send_that_fails_while_the_browser_says_online_is_tried_again(phone: Any) -> None:
    """The browser says it is online but the server cannot be reached (the network drops the
    request): the entry is kept and tried again while the page is open, with no online event
    to wait for."""
    page = phone
    page.goto("/log")
    failures = [1]

    def drop_the_first_save(route: Any) -> None:
        if route.request.method == "POST" and failures:
            failures.pop()
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/log", drop_the_first_save)
    _log(page, 4, "hour")
    notice = page.locator("#outbox")
    expect(notice).to_contain_text("Saved on this phone, not sent yet")
    expect(notice).to_contain_text("sent at")
    assert failures == []  # the first try was dropped
    [stored] = _episodes(page)
    assert stored["intensity"] == 4


def test_a_spasm_logged_offline_is_sent_once_back_online(phone: Any) -> None:
    page = phone
    assert [w.url.rsplit("/", 1)[1] for w in page.context.service_workers] == ["sw.js"]
    page.goto("/log")  # seen once online: kept for offline use
    page.context.set_offline(True)
    _log(page, 6, "hour")
    notice = page.locator("#outbox")
    expect(notice).to_contain_text("Saved on this phone, not sent yet")
    expect(notice).to_contain_text("Pain 6/10, saved at 13:30.")  # Berlin's wall clock
    expect(notice).to_contain_text("sent when this phone is back online")
    expect(notice).to_contain_text("call your local emergency number")
    expect(page.locator("#intensity-6")).not_to_be_checked()  # the form is ready for another
    [entry] = _outbox(page)
    assert entry["state"] == "waiting"

    page.goto("/history")  # never seen: the offline page, which also shows what is kept
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.locator("#outbox")).to_contain_text("One spasm logged on this phone is waiting")
    page.get_by_role("link", name="Log a spasm").click()  # the Log page as last seen
    expect(page.get_by_role("heading", name="Log a spasm")).to_be_visible()

    page.context.set_offline(False)  # the online event sends it
    expect(notice).to_contain_text("sent at")
    expect(notice.get_by_role("link", name="See its check")).to_be_visible()
    [stored] = _episodes(page)
    assert stored["intensity"] == 6
    # "About an hour", answered offline: it ended when Save was pressed, not on arrival.
    assert datetime.fromisoformat(stored["ended_at"]) == SAVED
    assert datetime.fromisoformat(stored["started_at"]) == SAVED - timedelta(hours=1)

    # What it said is in the diary now, no longer on the phone.
    assert [e["body"] for e in _outbox(page)] == ["intensity=6"]
    # Sending it again (a retry whose first answer never came) stores nothing new.
    replayed = page.evaluate(
        """async (entry) => {
            const body = new URLSearchParams(entry.body);
            body.set("csrf_token", document.querySelector("input[name=csrf_token]").value);
            const answer = await fetch("/log", {method: "POST", body: body});
            return new URL(answer.url).pathname;
        }""",
        entry,
    )
    assert replayed == f"/episodes/{stored['id']}/check"
    assert [e["id"] for e in _episodes(page)] == [stored["id"]]
    notice.get_by_role("button", name="OK").click()
    expect(notice).to_have_count(0)
    assert _outbox(page) == []


def test_a_send_whose_answer_was_lost_is_stored_once(phone: Any) -> None:
    """The server takes the entry but its answer never reaches the phone, which keeps the
    entry and sends it again later with the same key."""
    page = phone
    page.goto("/log")

    def lose_the_answer(route: Any) -> None:
        if route.request.method == "POST":
            route.fetch()  # the server stores it...
            route.abort("internetdisconnected")  # ...and the phone hears nothing
        else:
            route.continue_()

    page.context.route("**/log", lose_the_answer)
    _log(page, 4, "ongoing")
    expect(page.locator("#outbox")).to_contain_text("Saved on this phone, not sent yet")
    [taken] = _episodes(page)
    page.context.unroute("**/log")
    page.goto("/")  # the next page sends what is kept
    expect(page.locator("#outbox")).to_contain_text("sent at")
    assert [e["id"] for e in _episodes(page)] == [taken["id"]]
    assert taken["intensity"] == 4 and taken["ended_at"] is None


def test_an_entry_the_server_refuses_goes_back_to_the_form(browser: Any, live_server: str) -> None:
    """A phone whose clock is a day ahead: the spasm it kept "started" in the future, which
    the server refuses; the person opens it in the form, with what was wrong beside it."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server)
    page = context.new_page()
    page.clock.set_fixed_time(NOW + timedelta(days=1))
    page.goto("/log")
    context.set_offline(True)
    _log(page, 7, "ongoing")
    context.set_offline(False)
    notice = page.locator("#outbox")
    expect(notice).to_contain_text("was not accepted: something in it needs correcting")
    with page.expect_navigation():
        notice.get_by_role("button", name="Open it to correct").click()
    expect(page.locator("#error-summary")).to_contain_text("is in the future")
    expect(page.locator("#intensity-7")).to_be_checked()  # what was typed comes back
    assert _episodes(page) == []
    assert _outbox(page) == []
    context.close()


def test_logging_online_goes_to_the_check_as_before(phone: Any) -> None:
    page = phone
    page.goto("/log")
    _log(page, 3, "minutes")
    expect(
        page.get_by_role("heading", name="Chest, jaw or upper back pain, or trouble breathing?")
    ).to_be_visible()
    assert page.url.endswith("/check")
    assert len(_episodes(page)) == 1
    assert _outbox(page) == []


def test_an_entry_kept_while_signed_out_is_sent_after_signing_in(
    browser: Any, tmp_path: Any
) -> None:
    """A diary behind a passphrase: the sign-in ended while the entry waited on the phone, so
    it waits for the next sign-in, and is sent to the diary it was written in."""
    settings = Settings(
        database_url=new_sqlite(tmp_path / "phone.db"),
        passphrase=PASSPHRASE,
        cookie_secure=False,
    )
    with serve_in_thread(create_app(settings, clock=FixedClock(NOW))) as base:
        context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base)
        page = context.new_page()
        page.clock.set_fixed_time(SAVED)
        page.goto("/log")
        _sign_in(page)
        expect(page.get_by_role("heading", name="Log a spasm")).to_be_visible()
        _controlled(page)
        page.reload()  # seen signed in: kept (when installed, it could only see the sign-in)
        page.evaluate(  # the copy is stored a moment after the page is shown
            """async () => {
                for (let i = 0; i < 200 && !(await caches.match("/log")); i++) {
                    await new Promise((done) => setTimeout(done, 25));
                }
            }"""
        )
        context.set_offline(True)
        page.goto("/log")
        expect(page.get_by_role("heading", name="Log a spasm")).to_be_visible()
        _log(page, 5, "ongoing")
        expect(page.locator("#outbox")).to_contain_text("Saved on this phone, not sent yet")
        context.clear_cookies()  # the sign-in ends (it expired, say) while offline
        context.set_offline(False)
        notice = page.locator("#outbox")
        expect(notice).to_contain_text("It will be sent once you sign in again.")
        notice.get_by_role("link", name="Sign in").click()
        expect(page.locator("#outbox")).to_contain_text("It will be sent once you sign in.")
        _sign_in(page)
        expect(page.locator("#outbox")).to_contain_text("sent at")
        [stored] = page.request.get("/api/v1/episodes").json()
        assert stored["intensity"] == 5
        context.close()


def _sign_in(page: Any) -> None:
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
