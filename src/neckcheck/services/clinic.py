"""A clinic: accounts, sign-in, consent-based sharing and a clinician's list of patients.

    >>> clinic = Clinic(session, clock, secret=settings.secret_key)
    >>> user = clinic.add_user(email="lee@example.org", name="Lee", password=..., role="clinician")
    >>> code = clinic.invite(patient_actor)
    >>> clinic.redeem(clinician_actor, code, address="203.0.113.9")

Who may see which diary is decided by :mod:`neckcheck.services.access`; this module holds the
use cases around it, each given the session, the clock and the server's secret, and what a
clinician's pages and a patient's Sharing page say, in the words each of them reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from neckcheck.clock import Clock
from neckcheck.errors import InputError, NotAllowed, NotFoundError
from neckcheck.levels import Level
from neckcheck.services.access import Action, Actor, decide, record_listing, require_role
from neckcheck.storage import accounts, alerts, attempts, dashboard, repo
from neckcheck.storage.attempts import INVITATION, SIGN_IN
from neckcheck.storage.dashboard import PageKey, PatientStatus

if TYPE_CHECKING:
    from neckcheck.auth.sessions import LoginSession
    from neckcheck.domain import Assessment, Episode
    from neckcheck.knowledge import KnowledgeBase
    from neckcheck.patterns import Course
    from neckcheck.services.diary import Diary
    from neckcheck.storage.db import Database
    from neckcheck.timeparse import Period

__all__ = [
    "AuditLine",
    "Clinic",
    "DashboardPage",
    "PageKey",
    "PatientPage",
    "Sharing",
    "audit_lines",
    "patient_page",
    "patient_status",
    "refresh_all_statuses",
]

# The advisory lock key of refresh_all_statuses (any constant, the same in every process).
_REFRESH_LOCK = 0x6E65636B

# The dashboard's "latest episode" is the newest of the last 90 days.
RECENT = timedelta(days=90)
# The Sharing page shows this many of the newest audit entries.
AUDIT_SHOWN = 100


@dataclass(frozen=True)
class DashboardPage:
    """One page of a clinician's patients: the page's number (counted from the first, as
    the links turning the pages say), of how many, and where the pages before and after it
    start: ``earlier`` is the first row's place when a page comes before (the link to it
    asks for the rows before that place), ``later`` the last row's when one comes after."""

    rows: list[dashboard.DashboardRow]
    total: int
    page: int
    pages: int
    attention: list[alerts.Alert] = field(default_factory=list)  # Needs attention, first
    earlier: PageKey | None = None
    later: PageKey | None = None


@dataclass(frozen=True)
class AuditLine:
    """One line of "who looked at your data", in words and in the patient's time zone:
    ``Dr Lee viewed your insights``, ``3 Dec 14:02``."""

    text: str
    when: str
    granted: bool

    def __str__(self) -> str:
        return f"{self.text}, {self.when}"


@dataclass(frozen=True)
class Sharing:
    """A patient's sharing page: who has access (since when, in the patient's time zone),
    who looked (or tried to), newest first, and the invitation codes not used yet (which
    the patient may withdraw)."""

    access: list[accounts.Access]
    audit: list[AuditLine]
    codes: list[accounts.Invitation] = field(default_factory=list)


def _who(entry: accounts.AuditEntry) -> str:
    if entry.kind == "command_line":
        return "The clinic's staff"
    if entry.kind == "removed" or not entry.name:
        return "Someone whose account was removed"
    return entry.name


def _same_line(newer: accounts.AuditEntry, older: accounts.AuditEntry, zone: tzinfo | None) -> bool:
    """Whether two entries in a row tell the same thing on the same day (a clinician who
    reloads their list of patients): they become one line, with how many times."""
    return (newer.kind, newer.name, newer.action, newer.granted) == (
        older.kind,
        older.name,
        older.action,
        older.granted,
    ) and newer.at.astimezone(zone).date() == older.at.astimezone(zone).date()


def audit_lines(
    entries: list[accounts.AuditEntry],
    *,
    zone: tzinfo | None,
    now: datetime,
    knowledge: KnowledgeBase | None = None,
) -> list[AuditLine]:
    """The audit log's entries (newest first) as sentences a patient reads, at times in their
    time zone: "Dr Lee viewed your insights, 3 Dec 14:02"; "Dr Park tried to view your
    insights and was refused"; "The clinic's staff changed your diary from the command
    line". Entries in a row that say the same on the same day are one line ("... 3 times,
    3 Dec 13:40 to 14:02")."""
    from neckcheck.knowledge import load
    from neckcheck.knowledge.models import AuditWords
    from neckcheck.text import count, format_short_moment

    words = (knowledge or load()).labels.audit
    this_year = now.astimezone(zone).year
    runs: list[list[accounts.AuditEntry]] = []
    for entry in entries:
        if runs and _same_line(runs[-1][-1], entry, zone):
            runs[-1].append(entry)
        else:
            runs.append([entry])
    lines = []
    for run in runs:
        entry = run[0]
        said = words.get(entry.action) or AuditWords(
            done="looked at your diary", tried="look at your diary"
        )
        where = " from the command line" if entry.kind == "command_line" else ""
        times = f" {count(len(run), 'time', 'times')}" if len(run) > 1 else ""
        text = (
            f"{_who(entry)} {said.done}{where}{times}"
            if entry.granted
            else f"{_who(entry)} tried to {said.tried}{where}{times} and was refused"
        )
        latest, earliest = entry.at.astimezone(zone), run[-1].at.astimezone(zone)
        when = format_short_moment(latest, this_year=this_year)
        if f"{earliest:%H:%M}" != f"{latest:%H:%M}":
            when = f"{format_short_moment(earliest, this_year=this_year)} to {latest:%H:%M}"
        lines.append(AuditLine(text, when, entry.granted))
    return lines


@dataclass(frozen=True)
class PatientPage:
    """What a clinician's page about one patient shows: who (name, and age when the diary
    gives a year of birth), the course over ``period``, and its episodes, newest first, each
    with its check (``checks``, by episode id: its level, and whether every warning sign
    was asked about)."""

    name: str
    age: str | None
    period: Period
    episodes: list[Episode]
    checks: dict[int, Assessment]
    course: Course


def patient_page(diary: Diary, period: Period) -> PatientPage:
    """A shared diary as its clinician's page shows it (the diary opened to read)."""
    from neckcheck.text import format_age

    checked = diary.checks(period)
    episodes = [episode for episode, _ in checked]
    profile = diary.profile()
    ages = profile.ages(diary.today_date())
    return PatientPage(
        name=diary.name(),
        age=format_age(ages, profile.birth_year)
        if ages is not None and profile.birth_year is not None
        else None,
        period=period,
        episodes=episodes,
        checks={episode.id: result for episode, result in checked},
        course=diary.course(period, episodes[::-1]),
    )


def patient_status(
    *, session: Session, patient_id: int, diary_version: int, now: datetime
) -> PatientStatus:
    """A patient's latest level and 90-day course at ``now``, and until when they hold if
    the diary does not change.

    Time alone changes them only when an episode leaves the 90-day window, or while an
    episode is ongoing: its duration reaches a threshold a rule compares with, or its days
    add up. So the status is good until the oldest episode in the window turns 90 days old,
    and, with an episode ongoing, for at most an hour.
    """
    from neckcheck.engine import check
    from neckcheck.knowledge import load
    from neckcheck.patterns import course
    from neckcheck.services.diary import diary_history

    recent = repo.list_episodes(
        session=session, patient_id=patient_id, start=now - RECENT, keep=False
    )
    history = diary_history(session, patient_id)
    classification = course(recent, now=now, history=history).classification
    if not recent:
        return PatientStatus(
            patient_id, None, len(Level), None, None, classification, diary_version, now, None
        )
    latest = recent[0]
    profile = repo.get_profile(session=session, patient_id=patient_id)
    result = check(latest, history=history.at(latest.started_at), profile=profile, now=now)
    level = result.level
    stale_after = recent[-1].started_at + RECENT
    if any(episode.ongoing for episode in recent):
        stale_after = min(stale_after, now + timedelta(hours=1))
    if latest.ongoing:
        hours = latest.duration_hours(now)
        ahead = [t for t in load().thresholds("duration_hours") if t >= hours]
        if ahead:
            # A second past the threshold, so that ">" and ">=" rules have both turned.
            crossing = latest.started_at + timedelta(hours=ahead[0], seconds=1)
            stale_after = min(stale_after, crossing)
    return PatientStatus(
        patient_id,
        level.value,
        level.rank,
        latest.started_at,
        latest.intensity,
        classification,
        diary_version,
        now,
        stale_after,
        result.complete,
    )


class Clinic:
    """The clinic's use cases, in the caller's transaction."""

    def __init__(self, session: Session, clock: Clock, *, secret: str) -> None:
        self.session = session
        self.clock = clock
        self.secret = secret

    # --- accounts ---------------------------------------------------------------------------

    def add_user(self, *, email: str, name: str, password: str, role: str) -> accounts.User:
        """A new account; a patient account gets its own diary."""
        from neckcheck.auth.passwords import hash_password

        if role not in accounts.ROLES:
            raise InputError(f"must be one of: {', '.join(accounts.ROLES)}", field="role")
        return accounts.create_user(
            session=self.session,
            email=email,
            display_name=name or email,
            password_hash=hash_password(password),
            role=role,  # checked against ROLES above
            now=self.clock.now(),
        )

    def users(self) -> list[accounts.User]:
        return accounts.list_users(session=self.session)

    def disable(self, email: str) -> accounts.User:
        """Disable an account and end its sessions at once."""
        from neckcheck.auth.sessions import end_all_sessions

        user = accounts.set_disabled(session=self.session, email=email, disabled=True)
        end_all_sessions(session=self.session, user_id=user.id)
        return user

    # --- signing in -------------------------------------------------------------------------

    def check_password(self, email: str, password: str) -> accounts.User | None:
        """The active account ``email`` names when ``password`` is its password.

        An unknown or disabled account costs the same Argon2 work as a wrong password.
        """
        from neckcheck.auth.passwords import verify_nothing, verify_password

        found = accounts.password_hash_for(session=self.session, email=email)
        if found is None:
            verify_nothing(password)
            return None
        user, stored = found
        matches = verify_password(stored, password)
        return user if matches and not user.disabled else None

    def sign_in(self, email: str, password: str, *, address: str) -> accounts.User | None:
        """Check a sign-in from ``address``: the account, or None for a wrong email or password.

        Raises InputError for what is not an email address, and TooManyAttempts when this
        account from this address (or this address) failed too often lately (attempts.SIGN_IN).
        """
        email = accounts.normal_email(email)
        attempt = self._attempt(SIGN_IN, email, address)
        attempt.claim()  # counted before the slow check: guesses sent at once all count
        user = self.check_password(email, password)
        if user is not None:
            attempt.succeeded()
        return user

    def _attempt(self, limit: attempts.Limit, subject: str, address: str) -> attempts.Attempt:
        return attempts.Attempt(
            limit,
            session=self.session,
            subject=subject,
            address=address,
            now=self.clock.now(),
            secret=self.secret,
        )

    def start_session(self, user: accounts.User, *, hours: int) -> str:
        """A new login session; returns the token for the cookie."""
        from neckcheck.auth.sessions import start_session

        return start_session(
            session=self.session, user_id=user.id, now=self.clock.now(), hours=hours
        )

    def current_session(self, token: str) -> LoginSession | None:
        from neckcheck.auth.sessions import current_session

        return current_session(session=self.session, token=token, now=self.clock.now())

    def end_session(self, token: str) -> None:
        from neckcheck.auth.sessions import end_session

        end_session(session=self.session, token=token)

    # --- sharing ----------------------------------------------------------------------------

    def _own_diary(self, actor: Actor) -> int:
        user = require_role(actor, "patient")
        if user.patient_id is None:
            raise NotAllowed("this account has no diary of its own")
        return user.patient_id

    def invite(self, actor: Actor) -> str:
        """A one-time code the patient gives a clinician; it expires after a week."""
        return accounts.create_invitation(
            session=self.session,
            patient_id=self._own_diary(actor),
            now=self.clock.now(),
            secret=self.secret,
        )

    def sharing(self, actor: Actor) -> Sharing:
        """Who has access to the patient's diary, and who looked at it, in the patient's
        words and time zone (their profile's; the computer's when it has none)."""
        patient_id = self._own_diary(actor)
        zone = _zone(repo.get_profile(session=self.session, patient_id=patient_id).time_zone)
        access = accounts.who_has_access(session=self.session, patient_id=patient_id)
        entries = accounts.audit_for_patient(
            session=self.session, patient_id=patient_id, limit=AUDIT_SHOWN
        )
        codes = accounts.outstanding_invitations(
            session=self.session, patient_id=patient_id, now=self.clock.now()
        )
        return Sharing(
            [replace(a, since=a.since.astimezone(zone)) for a in access],
            audit_lines(entries, zone=zone, now=self.clock.now()),
            [
                replace(
                    c,
                    created_at=c.created_at.astimezone(zone),
                    expires_at=c.expires_at.astimezone(zone),
                )
                for c in codes
            ],
        )

    def withdraw(self, actor: Actor, invitation_id: int) -> None:
        """Withdraw one of the patient's codes not used yet: it no longer works."""
        withdrawn = accounts.withdraw_invitations(
            session=self.session, patient_id=self._own_diary(actor), invitation_id=invitation_id
        )
        if not withdrawn:
            raise NotFoundError("no such invitation code waits to be used")

    def revoke(self, actor: Actor, clinician_id: int) -> None:
        """Stop sharing with a clinician, and withdraw every code not used yet (one given to
        them must not let them back in)."""
        patient_id = self._own_diary(actor)
        accounts.revoke_access(
            session=self.session,
            patient_id=patient_id,
            clinician_id=clinician_id,
            now=self.clock.now(),
        )
        accounts.withdraw_invitations(session=self.session, patient_id=patient_id)

    def redeem(self, actor: Actor, code: str, *, address: str) -> int:
        """The clinician accepts an invitation; returns the patient now shared with them.

        Wrong codes count like wrong passwords (attempts.INVITATION), per clinician and address.
        """
        clinician = require_role(actor, "clinician")
        now = self.clock.now()
        attempt = self._attempt(INVITATION, str(clinician.id), address)
        attempt.claim()  # counted until the code is found good: codes sent at once all count
        patient_id = accounts.redeem_invitation(
            session=self.session, code=code, clinician=clinician, now=now, secret=self.secret
        )
        attempt.succeeded()
        return patient_id

    # --- a clinician's patients -------------------------------------------------------------

    def dashboard(
        self,
        actor: Actor,
        *,
        page: int = 1,
        per_page: int = 50,
        after: PageKey | None = None,
        before: PageKey | None = None,
        target: str,
    ) -> DashboardPage:
        """One page of the clinician's patients, most urgent latest level first: the rows
        after the place ``after`` or before ``before`` (from a link of another page: see
        :class:`DashboardPage`), or else page ``page`` counted from the first (a link made
        before pages had places; every page but the first costs a read of the rows before
        it). With a place, ``page`` is only the number the page is shown with.

        Each patient's level and course are kept and computed again only for diaries that
        changed or whose status time may have changed (see :func:`patient_status`), so a page
        is one query however many patients there are. The listing is audited.
        """
        clinician = require_role(actor, "clinician")
        now = self.clock.now()
        _keep_statuses(
            self.session,
            dashboard.patients_needing_status(
                session=self.session, clinician_id=clinician.id, now=now
            ),
            now,
        )
        keyed = after is not None or before is not None
        window = dashboard.dashboard_page(
            session=self.session,
            clinician_id=clinician.id,
            limit=per_page,
            after=after,
            before=before,
            offset=0 if keyed else (page - 1) * per_page,
        )
        total = window.total
        if total is None:  # no rows to read it with
            total = accounts.shared_patients(session=self.session, clinician_id=clinician.id)
        pages = max(1, -(-total // per_page))
        rows = window.rows
        if window.first:
            page = 1
        elif keyed:
            page = max(2, min(page, pages))
        attention = alerts.waiting(session=self.session, clinician_id=clinician.id, now=now)
        shown = sorted({row.id for row in rows} | {alert.patient_id for alert in attention})
        record_listing(self.session, actor, shown, target=target)
        return DashboardPage(
            rows,
            total,
            page,
            pages,
            attention,
            earlier=rows[0].key if rows and not window.first else None,
            later=rows[-1].key if rows and window.more else None,
        )

    def mark_seen(self, actor: Actor, alert_id: int, *, target: str) -> None:
        """The clinician has seen an alert of Needs attention (audited: the patient's Sharing
        page says so)."""
        clinician = require_role(actor, "clinician")
        now = self.clock.now()
        patient_id = alerts.mark_seen(
            session=self.session, clinician_id=clinician.id, alert_id=alert_id, now=now
        )
        if patient_id is None or not decide(
            self.session, actor, Action.seen, patient_id, target=target
        ):
            raise NotFoundError("that alert is not waiting for you")


def _zone(name: str | None) -> tzinfo | None:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name) if name else None


def _keep_statuses(session: Session, needing: list[tuple[int, int]], now: datetime) -> None:
    dashboard.save_statuses(
        session=session,
        statuses=[
            patient_status(session=session, patient_id=pid, diary_version=v, now=now)
            for pid, v in needing
        ],
    )


def refresh_all_statuses(database: Database, clock: Clock, *, batch: int = 500) -> int:
    """Bring every kept dashboard status that is missing or out of date up to date, for every
    clinician's patients, a transaction per ``batch``; returns how many were computed.

    ``neckcheck db refresh-statuses`` and a clinic server at start call it, so that a
    clinician's first page after a large import or an upgrade does not compute thousands of
    statuses itself. On PostgreSQL one process at a time does it: another that finds it under
    way leaves it (an advisory lock held for each batch's transaction)."""
    done = 0
    while True:
        with database.session() as session:
            if session.get_bind().dialect.name == "postgresql" and not session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _REFRESH_LOCK}
            ):
                return done
            now = clock.now()
            needing = dashboard.patients_needing_status(
                session=session, clinician_id=None, now=now, limit=batch
            )
            _keep_statuses(session, needing, now)
            computed = len(needing)
        done += computed
        if computed < batch:
            return done
