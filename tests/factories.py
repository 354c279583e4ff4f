"""Shared test helpers: a fixed "now", clinic accounts, signing in to a real server, and
how Debian's Chromium is launched (browser tests and ``scripts/screenshots.py``)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import urlencode

# A fixed "now" (a Tuesday) for tests of patterns and reports.
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
# Noon of NOW's day on this computer's own clock, whatever its time zone: commands given a
# time of day ("--start 08:00") read it on that day, where it is earlier everywhere.
LOCAL_NOON = NOW.replace(tzinfo=None, hour=12).astimezone()

# Debian's Chromium, driven by Playwright (its own browser download is not used).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The password of every account the tests and benchmarks create.
PASSWORD = "a long enough password"


def patient_accounts(url: str, emails: list[str]) -> None:
    """Patient accounts signing in with PASSWORD, in the database at ``url``."""
    from neckcheck.auth.passwords import hash_password
    from neckcheck.storage import accounts
    from neckcheck.storage.db import open_database

    db = open_database(url)
    password_hash = hash_password(PASSWORD)  # one hash for all: Argon2 is slow on purpose
    with db.session() as session:
        for email in emails:
            accounts.create_user(
                session=session,
                email=email,
                display_name=email,
                password_hash=password_hash,
                role="patient",
                now=NOW,
            )
    db.close()


class _StayPut(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any) -> None:
        return None  # the page after sign-in is not loaded: only the session cookie matters


def sign_in(
    base: str,
    email: str,
    headers: dict[str, str] | None = None,
    handlers: tuple[urllib.request.BaseHandler, ...] = (),
) -> Any:
    """A urllib opener with a signed-in session cookie for the server at ``base``; it sends
    ``headers`` (e.g. an ``X-Forwarded-For`` through a proxy) with every request, sign-in
    included, and has the extra ``handlers`` (e.g. HTTPS that trusts a test certificate)."""
    jar = urllib.request.HTTPCookieProcessor(CookieJar())
    opener = urllib.request.build_opener(jar, *handlers)
    opener.addheaders += list((headers or {}).items())
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError(f"no CSRF field on {base}/login")
    form = urlencode({"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    status = 200
    try:
        poster = urllib.request.build_opener(jar, _StayPut(), *handlers)
        poster.addheaders = opener.addheaders
        poster.open(base + "/login", form.encode())
    except urllib.error.HTTPError as answer:
        status = answer.code
    if status != 303:
        raise RuntimeError(f"sign-in as {email} failed ({status})")
    return opener


def web_client(app: Any, **options: Any) -> Any:
    """A TestClient that asks as a browser on this computer does: the Host ``localhost``
    (the app answers only to the names it is meant to have) from 127.0.0.1 (a diary without
    a passphrase answers only to this computer). ``options`` go to TestClient: another
    ``base_url`` or ``client`` (address, port) among them."""
    from fastapi.testclient import TestClient

    options.setdefault("base_url", "http://localhost")
    options.setdefault("client", ("127.0.0.1", 50000))
    return TestClient(app, **options)


def local_diary(session: Any, clock: Any = None) -> Any:
    """The local person's diary in ``session``, with a fixed clock at NOW by default."""
    from neckcheck.clock import FixedClock
    from neckcheck.services.access import Action, local_person
    from neckcheck.services.diary import Diary

    clock = clock or FixedClock(NOW)
    actor = local_person(session, now=clock.now())
    return Diary.open(session, actor, None, Action.write, clock=clock, target="test")


def cli_runner(now: datetime = NOW) -> Any:
    """Typer's test runner whose commands read the time from a fixed clock at ``now``."""
    from typer.testing import CliRunner

    from neckcheck.clock import FixedClock

    class FixedClockRunner(CliRunner):
        def invoke(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("obj", FixedClock(now))
            return super().invoke(*args, **kwargs)

    return FixedClockRunner()


def example_diary(url: str, clock: Any = None) -> dict[str, int]:
    """A diary of some 15 weeks in the database at ``url`` (the local person's), for
    screenshots and the browser tests: ordinary spasms every 5 or 7 days with every warning
    sign answered no, one emergency two days ago and one going on now. Returns episode ids by
    kind: ``self_care`` (the latest ordinary one), ``emergency`` and ``ongoing``."""
    from datetime import timedelta

    from neckcheck.clock import FixedClock
    from neckcheck.domain import EpisodeCreate, Profile
    from neckcheck.knowledge import load
    from neckcheck.storage.db import open_database

    clock = clock or FixedClock(NOW)
    db = open_database(url)
    now = clock.now()
    ids: dict[str, int] = {}
    with db.session() as session:
        diary = local_diary(session, clock)
        diary.set_profile(Profile(birth_year=1984))
        screened = list(load().screening.findings)  # ordinary spasms: every sign answered no
        for day in range(110, 2, -1):
            if day % 5 and day % 7:
                continue
            start = (now - timedelta(days=day)).replace(hour=7 + day % 12, minute=15)
            episode = diary.log(
                EpisodeCreate(
                    started_at=start,
                    ended_at=start + timedelta(hours=1 + day % 9),
                    intensity=min(10, 2 + (day * 7) % 8 + (0 if day % 2 else 2)),
                    onset="sudden" if day % 2 else "gradual",
                    regions=["upper_left", "shoulder_left"] if day % 3 else ["lower_right"],
                    limited_movements=["rotation_left"],
                    findings=["cramping_knot"],
                    absent=screened,
                    triggers=["screen_time"] if day % 2 else ["sleep_position", "long_drive"],
                    remedies=[
                        {"remedy": "heat", "helped": "some" if day % 3 else "a_lot"},
                        *([{"remedy": "massage", "helped": "none"}] if day % 4 == 0 else []),
                    ],
                )
            )
            ids["self_care"] = episode.id
        emergency = diary.log(
            EpisodeCreate(
                started_at=now - timedelta(days=2, hours=3),
                ended_at=now - timedelta(days=2),
                intensity=8,
                onset="sudden",
                findings=["headache", "fever", "neck_stiffness"],
                absent=["rash"],
                regions=["upper_centre"],
                limited_movements=["flexion"],
            )
        )
        ongoing = diary.log(
            EpisodeCreate(
                started_at=now - timedelta(hours=2),
                intensity=5,
                onset="sudden",
                regions=["upper_right", "shoulder_right"],
                limited_movements=["rotation_right"],
                findings=["cramping_knot", "twitching"],
                absent=["fever", "dizziness"],
                triggers=["sleep_position"],
            )
        )
        ids.update(emergency=emergency.id, ongoing=ongoing.id)
    db.close()
    return ids


class MovingClock:
    """A clock a test moves on by hand (a second factor's code works once per 30-second
    step, so signing in twice needs time to pass): starts at ``at``, NOW by default."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.at += timedelta(seconds=seconds)


def examples(wanted: int) -> int:
    """``max_examples`` for a property: ``wanted``, or the few of the ``clock`` profile when
    scripts/clock-runs runs the suite again under faketime (tests/conftest.py)."""
    from hypothesis import settings

    if settings.get_current_profile_name() == "clock":
        return min(wanted, settings.get_profile("clock").max_examples)
    return wanted
