"""A clinic: accounts, sign-in, consent-based sharing and a clinician's list of patients.

    >>> clinic = Clinic(session, clock, secret=settings.secret_key)
    >>> user = clinic.add_user(email="lee@example.org", name="Lee", password=..., role="clinician")
    >>> code = clinic.invite(patient_actor)
    >>> clinic.redeem(clinician_actor, code, address="203.0.113.9")

Who may see which diary is decided by :mod:`neckcheck.services.access`; this module holds the
use cases around it, each given the session, the clock and the server's secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from neckcheck.clock import Clock
from neckcheck.errors import InputError, NotAllowed, TooManyAttempts
from neckcheck.levels import Level
from neckcheck.services.access import Actor, record_listing, require_role
from neckcheck.storage import accounts, attempts, dashboard, repo
from neckcheck.storage.attempts import INVITATION, SIGN_IN
from neckcheck.storage.dashboard import PatientStatus

if TYPE_CHECKING:
    from neckcheck.auth.sessions import LoginSession
    from neckcheck.storage.db import Database

__all__ = ["Clinic", "DashboardPage", "Sharing", "patient_status", "refresh_all_statuses"]

_WAIT = "Too many attempts from here. Wait 15 minutes and try again."

# The advisory lock key of refresh_all_statuses (any constant, the same in every process).
_REFRESH_LOCK = 0x6E65636B

# The dashboard's "latest episode" is the newest of the last 90 days.
RECENT = timedelta(days=90)


@dataclass(frozen=True)
class DashboardPage:
    rows: list[dashboard.DashboardRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Sharing:
    """A patient's sharing page: who has access, and who looked (or tried to)."""

    access: list[accounts.Access]
    audit: list[accounts.AuditEntry]


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

    recent = repo.list_episodes(
        session=session, patient_id=patient_id, start=now - RECENT, keep=False
    )
    history = repo.diary_history(session=session, patient_id=patient_id)
    classification = course(recent, now=now, history=history).classification
    if not recent:
        return PatientStatus(
            patient_id, None, len(Level), None, None, classification, diary_version, now, None
        )
    latest = recent[0]
    profile = repo.get_profile(session=session, patient_id=patient_id)
    level = check(latest, history=history.at(latest.started_at), profile=profile, now=now).level
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
        limit = {"subject": email, "address": address, "secret": self.secret}
        if attempts.too_many(SIGN_IN, session=self.session, now=self.clock.now(), **limit):
            raise TooManyAttempts(_WAIT)
        user = self.check_password(email, password)
        if user is None:
            attempts.record_failure(SIGN_IN, session=self.session, now=self.clock.now(), **limit)
        else:
            attempts.forget_failures(SIGN_IN, session=self.session, **limit)
        return user

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
        patient_id = self._own_diary(actor)
        return Sharing(
            accounts.who_has_access(session=self.session, patient_id=patient_id),
            accounts.audit_for_patient(session=self.session, patient_id=patient_id)[:100],
        )

    def revoke(self, actor: Actor, clinician_id: int) -> None:
        accounts.revoke_access(
            session=self.session,
            patient_id=self._own_diary(actor),
            clinician_id=clinician_id,
            now=self.clock.now(),
        )

    def redeem(self, actor: Actor, code: str, *, address: str) -> int:
        """The clinician accepts an invitation; returns the patient now shared with them.

        Wrong codes count like wrong passwords (attempts.INVITATION), per clinician and address.
        """
        clinician = require_role(actor, "clinician")
        now = self.clock.now()
        limit = {"subject": str(clinician.id), "address": address, "secret": self.secret}
        if attempts.too_many(INVITATION, session=self.session, now=now, **limit):
            raise TooManyAttempts(_WAIT)
        try:
            return accounts.redeem_invitation(
                session=self.session, code=code, clinician=clinician, now=now, secret=self.secret
            )
        except InputError:
            attempts.record_failure(INVITATION, session=self.session, now=now, **limit)
            raise

    # --- a clinician's patients -------------------------------------------------------------

    def dashboard(
        self, actor: Actor, *, page: int = 1, per_page: int = 50, target: str
    ) -> DashboardPage:
        """One page of the clinician's patients, most urgent latest level first.

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
        total, rows = dashboard.dashboard_page(
            session=self.session,
            clinician_id=clinician.id,
            offset=(page - 1) * per_page,
            limit=per_page,
        )
        record_listing(self.session, actor, [row.id for row in rows], now=now, target=target)
        return DashboardPage(rows, total, page, max(1, -(-total // per_page)))


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
