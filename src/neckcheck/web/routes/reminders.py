"""The calendar feed of reminders (no sign-in: its secret address is the credential), and
setting it up on the profile page. See :mod:`neckcheck.services.reminders`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neckcheck.errors import InputError
from neckcheck.services.diary import Diary
from neckcheck.services.reminders import CalendarLink, Reminders, feed_key
from neckcheck.web import forms
from neckcheck.web.deps import ClockDep, CsrfDep, SessionDep, WriteDiary

router = APIRouter(include_in_schema=False)

FEED_TYPE = "text/calendar; charset=utf-8"


def _secret(request: Request) -> str:
    """The key of calendar addresses (see ``services.reminders.feed_key``), found once."""
    state = request.app.state
    secret: str | None = getattr(state, "feed_secret", None)
    if secret is None:
        secret = state.feed_secret = feed_key(state.settings)
    return secret


@router.api_route("/calendar/{token}.ics", methods=["GET", "HEAD"], name="calendar_feed")
def calendar_feed(token: str, request: Request, session: SessionDep, clock: ClockDep) -> Response:
    """The person's reminders as iCalendar; an unknown or reset address is 404."""
    reminders = Reminders.for_token(session, token, clock=clock, secret=_secret(request))
    body = reminders.feed(str(request.url_for("home")))
    return Response(
        body,
        media_type=FEED_TYPE,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'inline; filename="neckcheck-reminders.ics"',
        },
    )


@dataclass(frozen=True)
class CalendarSection:
    """The profile page's calendar section: the feed's addresses once it is set up, and the
    check-in form's value and error."""

    link: CalendarLink | None
    https: str = ""
    webcal: str = ""
    checkin: str = "20:00"
    errors: dict[str, str] = field(default_factory=dict)


def calendar_section(
    request: Request, diary: Diary, *, checkin: str | None = None, errors: Any = None
) -> CalendarSection:
    link = Reminders(diary, secret=_secret(request)).link()
    if link is None:
        return CalendarSection(None, errors=errors or {})
    https = str(request.url_for("calendar_feed", token=link.token))
    webcal = "webcal://" + https.split("://", 1)[1]
    shown = checkin if checkin is not None else link.checkin.strftime("%H:%M")
    return CalendarSection(link, https, webcal, shown, errors or {})


def _to_calendar() -> RedirectResponse:
    return RedirectResponse("/profile#calendar", status_code=303)


@router.post("/profile/calendar")
def calendar_reset(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    """Set the feed up, or reset its address (the old one stops working)."""
    Reminders(diary, secret=_secret(request)).reset()
    return _to_calendar()


@router.post("/profile/calendar/time", response_class=HTMLResponse)
async def calendar_time(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    raw = str((await request.form()).get("checkin", ""))
    try:
        Reminders(diary, secret=_secret(request)).set_checkin(raw)
    except InputError as exc:
        from neckcheck.web.routes.pages import profile_response

        section = calendar_section(request, diary, checkin=raw, errors=forms.errors_by_field(exc))
        return profile_response(request, diary, calendar=section, status_code=422)
    return _to_calendar()


@router.post("/profile/calendar/stop")
def calendar_stop(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    Reminders(diary, secret=_secret(request)).stop()
    return _to_calendar()
