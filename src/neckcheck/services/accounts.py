"""A clinic's accounts over their life: joining by invitation, a new password by a reset
link or on the Account page, the second factor, a person's sessions, and leaving.

    >>> accounts = Accounts.configured(session, clock, settings)
    >>> invited = accounts.invite(admin, "ann@example.org", "patient")
    >>> invited.url
    'https://clinic.example.org/join/...'
    >>> started = accounts.use_link(token, name="Ann", password=..., again=..., address=ip)

Links work once and expire (an invitation after 7 days, a reset link after an hour); only
an HMAC of each is kept. The second factor is a TOTP authenticator (``auth.totp``) with ten
one-time recovery codes; clinicians and administrators must set one up at their first
sign-in unless the clinic relaxed it for a trial. Wrong codes and unknown links count
against limits kept in the database (``storage.attempts``), like wrong passwords.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from neckcheck.auth import sessions as login_sessions
from neckcheck.auth import totp
from neckcheck.auth.passwords import check_new_password, hash_password
from neckcheck.auth.sessions import CODE, FULL, SETUP, SessionInfo
from neckcheck.clock import Clock
from neckcheck.errors import ConfigError, InputError, LinkNotUsable, NotAllowed, NotFoundError
from neckcheck.services.access import Action, Actor, decide, require_role
from neckcheck.storage import accounts, attempts, factors, links
from neckcheck.storage.accounts import User
from neckcheck.text import format_moment

if TYPE_CHECKING:
    from neckcheck.services.mail import Mailer
    from neckcheck.settings import Settings

__all__ = ["AccountPage", "Accounts", "AccountsPage", "Invited", "LinkForm", "Setup", "Started"]

STAFF = ("clinician", "admin")
# How long a sign-in may wait for its second factor, and for one to be set up.
CODE_MINUTES = 10
SETUP_MINUTES = 30
ERASED_NAME = "Deleted account"


@dataclass(frozen=True)
class Invited:
    """A link made for someone: where it leads, until when, and whether it was emailed."""

    email: str
    role: str
    url: str
    expires_at: datetime
    sent: bool
    purpose: str = "join"


@dataclass(frozen=True)
class LinkForm:
    """What a link's page shows: whom it is for, the name to start from (a reset keeps the
    person's), and the clinician a joining patient may share with at once."""

    purpose: str
    email: str
    role: str
    name: str
    share_with: User | None
    expires_at: datetime


@dataclass(frozen=True)
class Started:
    """A sign-in begun: the session's token (for the cookie), whose, at which stage, and the
    page to go to."""

    token: str
    user: User
    stage: str
    target: str
    hours: float


@dataclass(frozen=True)
class Setup:
    """Setting up an authenticator: the secret typed (in groups of four) or scanned."""

    secret: str
    uri: str
    qr_svg: str


@dataclass(frozen=True)
class SecondFactor:
    confirmed: bool
    required: bool
    codes_left: int


@dataclass(frozen=True)
class AccountPage:
    user: User
    second_factor: SecondFactor
    sessions: list[SessionInfo]


@dataclass(frozen=True)
class AccountLine:
    user: User
    second_factor: bool


@dataclass(frozen=True)
class AccountsPage:
    accounts: list[AccountLine]
    invitations: list[links.Link]


def home_of(user: User) -> str:
    return {"clinician": "/clinician", "admin": "/accounts"}.get(user.role, "/")


class Accounts:
    """The use cases of accounts, in the caller's transaction."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        *,
        secret: str,
        base_url: str,
        mailer: Mailer | None = None,
        second_factor_required: bool = True,
        session_hours: float = 12,
    ) -> None:
        self.session = session
        self.clock = clock
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.mailer = mailer
        self.second_factor_required = second_factor_required
        self.session_hours = session_hours

    @classmethod
    def configured(cls, session: Session, clock: Clock, settings: Settings) -> Accounts:
        from neckcheck.services.mail import mailer_for

        return cls(
            session,
            clock,
            secret=settings.secret_key,
            base_url=settings.base_url(),
            mailer=mailer_for(settings.smtp_url.get_secret_value(), settings.sender()),
            second_factor_required=settings.totp_required,
            session_hours=settings.session_hours,
        )

    def _attempt(self, limit: attempts.Limit, subject: str, address: str) -> attempts.Attempt:
        return attempts.Attempt(
            limit,
            session=self.session,
            subject=subject,
            address=address,
            now=self.clock.now(),
            secret=self.secret,
        )

    def _refuse_default_secret(self) -> None:
        from neckcheck.settings import DEFAULT_SECRET

        if self.secret == DEFAULT_SECRET or len(self.secret) < 32:
            raise ConfigError(
                "links need the server's NECKCHECK_SECRET_KEY (32+ characters): the server "
                "checks them with it"
            )

    # --- invitations and reset links --------------------------------------------------------

    def invite(self, actor: Actor | None, email: str, role: str) -> Invited:
        """A one-time link for ``email`` to join with ``role``: ``actor`` is an administrator
        (any role), a clinician (a patient, who may then share with them at once), or None
        for the clinic's staff at the command line. Emailed where email is configured."""
        self._refuse_default_secret()
        if role not in accounts.ROLES:
            raise InputError(f"must be one of: {', '.join(accounts.ROLES)}", field="role")
        made_by, share_with = None, None
        if actor is not None:
            user = actor.user
            if user is not None and user.role == "clinician" and not user.disabled:
                if role != "patient":
                    raise NotAllowed("a clinician can invite patients only")
                share_with = user.id
            else:
                user = require_role(actor, "admin")
            made_by = user.id
        email = accounts.normal_email(email)
        if accounts.account_for(session=self.session, email=email) is not None:
            raise InputError(f"an account for {email} exists already", field="email")
        now = self.clock.now()
        # A savepoint: if the email cannot be sent, the link is not kept (nor anything else).
        with self.session.begin_nested():
            return self._made_invitation(email, role, now, made_by, share_with)

    def _made_invitation(
        self, email: str, role: str, now: datetime, made_by: int | None, share_with: int | None
    ) -> Invited:
        token = links.create_link(
            session=self.session,
            purpose="join",
            email=email,
            role=role,
            now=now,
            lifetime=links.JOIN_LIFETIME,
            secret=self.secret,
            made_by=made_by,
            share_with=share_with,
        )
        url = f"{self.base_url}/join/{token}"
        expires = now + links.JOIN_LIFETIME
        sent = self._send(email, "Your invitation to neckcheck", _invitation_text(url, expires))
        return Invited(email, role, url, expires, sent)

    def reset(
        self, actor: Actor | None, *, email: str | None = None, user_id: int | None = None
    ) -> Invited:
        """A one-time link (an hour) to set a new password for the account of ``email`` or
        ``user_id``; made by an administrator, or the staff at the command line (None)."""
        self._refuse_default_secret()
        if actor is not None:
            require_role(actor, "admin")
        user = (
            accounts.account_for(session=self.session, email=accounts.normal_email(email))
            if email is not None
            else accounts.get_user(session=self.session, user_id=user_id or 0)
        )
        if user is None or accounts.is_erased(session=self.session, user_id=user.id):
            raise NotFoundError(f"no account for {email or user_id}")
        if user.disabled:
            raise InputError(
                f"{user.email} is disabled; a new password would not let them in", field="email"
            )
        now = self.clock.now()
        with self.session.begin_nested():  # as for an invitation: no email, no new link
            return self._made_reset(actor, user, now)

    def _made_reset(self, actor: Actor | None, user: User, now: datetime) -> Invited:
        token = links.create_link(
            session=self.session,
            purpose="reset",
            email=user.email,
            role=user.role,
            user_id=user.id,
            now=now,
            lifetime=links.RESET_LIFETIME,
            secret=self.secret,
            made_by=actor.user.id if actor is not None and actor.user is not None else None,
        )
        url = f"{self.base_url}/reset/{token}"
        expires = now + links.RESET_LIFETIME
        sent = self._send(user.email, "A new password for neckcheck", _reset_text(url))
        return Invited(user.email, user.role, url, expires, sent, purpose="reset")

    def _send(self, to: str, subject: str, text: str) -> bool:
        """Email the link where email is configured (a failure raises MailNotSent, and the
        request's transaction, the link with it, is rolled back)."""
        if self.mailer is None:
            return False
        from neckcheck.services.mail import Mail

        self.mailer.send(Mail(to, subject, text))
        return True

    def _usable(self, token: str, purpose: str, address: str) -> links.Link:
        """The link of ``token`` if it can be used now; LinkNotUsable saying why and whom to
        ask otherwise. Unknown links count against the address's limit."""
        link = links.find_link(session=self.session, token=token, secret=self.secret)
        what = "invitation" if purpose == "join" else "link to set a new password"
        if link is None or link.purpose != purpose:
            # Counted (TooManyAttempts at the limit); the lookup is a keyed hash, not a slow
            # check, and a link is too long to guess, so a known one is not counted.
            self._attempt(attempts.LINK, "link", address).claim()
            raise LinkNotUsable(
                f"This {what} is not known here. Check that the whole link was copied from "
                "the email or message; if it was, ask the clinic's staff for a new one",
                reason="unknown",
            )
        ask = _whom_to_ask(link)
        if link.used_at is not None:
            raise LinkNotUsable(
                f"This {what} was used already, on {format_moment(link.used_at)}. A link works "
                f"once. If it was not you who used it, or you need another, {ask}",
                reason="used",
            )
        now = self.clock.now()
        if link.expires_at <= now:
            raise LinkNotUsable(
                f"This {what} expired on {format_moment(link.expires_at)}. "
                f"{ask[0].upper()}{ask[1:]}",
                reason="expired",
            )
        return link

    def link_form(self, token: str, *, purpose: str, address: str) -> LinkForm:
        """What the page of a join (``purpose`` "join") or reset link shows."""
        link = self._usable(token, purpose, address)
        name = ""
        if link.user_id is not None:
            user = accounts.get_user(session=self.session, user_id=link.user_id)
            name = user.display_name if user is not None else ""
        return LinkForm(link.purpose, link.email, link.role, name, link.share_with, link.expires_at)

    def use_link(
        self,
        token: str,
        *,
        purpose: str,
        name: str,
        password: str,
        again: str,
        share: bool = False,
        address: str = "",
        user_agent: str = "",
    ) -> Started:
        """Join (a new account named ``name``, shared with the inviting clinician when
        ``share``) or set a new password (every session of the account ends); either way the
        person is then signed in, or asked for their second factor."""
        link = self._usable(token, purpose, address)
        name = " ".join(name.split())
        if not name or len(name) > 200:
            raise InputError("enter your name (1 to 200 characters)", field="name")
        check_new_password(password, again, email=link.email, name=name)
        if link.purpose == "join" and accounts.account_for(session=self.session, email=link.email):
            # Another invitation of the same email was used first; this one stays unused.
            raise InputError(
                f"an account for {link.email} exists already: sign in with it", field="email"
            )
        now = self.clock.now()
        if not links.use_link(session=self.session, link_id=link.id, now=now):
            raise LinkNotUsable("This link was used a moment ago", reason="used")
        if link.purpose == "join":
            user = accounts.create_user(
                session=self.session,
                email=link.email,
                display_name=name,
                password_hash=hash_password(password),
                role=link.role,  # type: ignore[arg-type]  # made from ROLES
                now=now,
            )
            if share and link.share_with is not None and user.patient_id is not None:
                accounts.add_share(
                    session=self.session,
                    patient_id=user.patient_id,
                    clinician_id=link.share_with.id,
                    now=now,
                )
        else:
            if link.user_id is None:
                raise LinkNotUsable("This link is not for an account", reason="unknown")
            user = accounts.set_password(
                session=self.session,
                user_id=link.user_id,
                password_hash=hash_password(password),
                name=name,
            )
            login_sessions.end_other_sessions(session=self.session, user_id=user.id, keep=None)
        return self.start(user, address=address, user_agent=user_agent)

    # --- signing in ---------------------------------------------------------------------------

    def start(self, user: User, *, address: str, user_agent: str, next_url: str = "") -> Started:
        """A session for ``user`` after their password: signed in, or waiting for the second
        factor (given, or set up first by a clinician or administrator)."""
        factor = factors.get_factor(session=self.session, user_id=user.id)
        if factor is not None and factor.confirmed:
            stage, hours, target = CODE, CODE_MINUTES / 60, "/login/code"
        elif user.role in STAFF and self.second_factor_required:
            stage, hours, target = SETUP, SETUP_MINUTES / 60, "/account/second-factor"
        else:
            stage, hours, target = FULL, self.session_hours, next_url or home_of(user)
        token = login_sessions.start_session(
            session=self.session,
            user_id=user.id,
            now=self.clock.now(),
            hours=hours,
            stage=stage,
            user_agent=user_agent,
            address=address,
        )
        return Started(token, user, stage, target, hours)

    def _check_code(self, user: User, code: str, address: str) -> None:
        """Accept the account's TOTP code or one of its recovery codes, once; InputError (on
        ``code``) for a wrong or replayed one, which counts against the limits."""
        limits = [
            self._attempt(attempts.SECOND_FACTOR, str(user.id), address),
            self._attempt(attempts.SECOND_FACTOR_ANYWHERE, str(user.id), f"account {user.id}"),
        ]
        for attempt in limits:
            attempt.claim()  # counted before the check: codes sent at once all count
        problem = self._code_problem(user, code)
        if problem:
            raise InputError(problem, field="code")
        limits[1].released()
        limits[0].succeeded()

    def _code_problem(self, user: User, code: str) -> str:
        factor = factors.get_factor(session=self.session, user_id=user.id)
        if factor is None or not factor.confirmed:
            return "this account has no second factor"
        now = self.clock.now()
        if totp.looks_like_recovery_code(code):
            spent = factors.use_recovery_code(
                session=self.session,
                user_id=user.id,
                code_hash=totp.recovery_hash(code, self.secret),
                now=now,
            )
            return "" if spent else "is not one of your unused recovery codes"
        secret = totp.unseal(factor.sealed, self.secret)
        if secret is None:
            return "cannot be checked: the server's secret key changed; ask the clinic's staff"
        found = totp.match(secret, code, now=now, last_step=factor.last_step)
        if found is None:
            return "is not the code your authenticator app shows now"
        if found.replayed or not factors.use_step(
            session=self.session, user_id=user.id, step=found.step
        ):
            return "was used already; wait for the next code (a new one every 30 seconds)"
        return ""

    def give_code(self, token: str, code: str, *, address: str, next_url: str = "") -> Started:
        """The second factor of a sign-in waiting for it: the session is then signed in."""
        login = login_sessions.current_session(
            session=self.session, token=token, now=self.clock.now()
        )
        if login is None or login.stage != CODE:
            raise InputError("this sign-in has expired; sign in again", field="code")
        self._check_code(login.user, code, address)
        login_sessions.promote(
            session=self.session, token=token, now=self.clock.now(), hours=self.session_hours
        )
        return Started(token, login.user, FULL, next_url or home_of(login.user), self.session_hours)

    # --- the second factor ------------------------------------------------------------------

    def setup(self, user: User) -> Setup:
        """The authenticator to set up: a new secret, or the one waiting for its first code
        (so a reload shows the same QR code)."""
        factor = factors.get_factor(session=self.session, user_id=user.id)
        if factor is not None and factor.confirmed:
            raise InputError("a second factor is set up already", field="code")
        secret = totp.unseal(factor.sealed, self.secret) if factor is not None else None
        if secret is None:
            secret = totp.new_secret()
            factors.start_factor(
                session=self.session,
                user_id=user.id,
                sealed=totp.seal(secret, self.secret),
                now=self.clock.now(),
            )
        uri = totp.provisioning_uri(secret, account=user.email)
        return Setup(totp.grouped(secret), uri, totp.qr_svg(uri))

    def confirm(self, user: User, token: str, code: str, *, address: str) -> list[str]:
        """The first code from the app confirms the authenticator; returns the ten recovery
        codes (shown once). A sign-in that was waiting for the set-up is then signed in."""
        limit = self._attempt(attempts.SECOND_FACTOR, str(user.id), address)
        limit.claim()
        factor = factors.get_factor(session=self.session, user_id=user.id)
        if factor is None or factor.confirmed:
            raise InputError("start again: open the set-up page", field="code")
        secret = totp.unseal(factor.sealed, self.secret)
        now = self.clock.now()
        found = totp.match(secret, code, now=now, last_step=None) if secret else None
        if found is None:
            raise InputError(
                "is not the code your authenticator app shows now; check the app's time and "
                "that it was set up from this page",
                field="code",
            )
        limit.succeeded()
        codes = totp.new_recovery_codes()
        factors.confirm_factor(
            session=self.session,
            user_id=user.id,
            step=found.step,
            now=now,
            codes=[totp.recovery_hash(c, self.secret) for c in codes],
        )
        login = login_sessions.current_session(session=self.session, token=token, now=now)
        if login is not None and login.stage == SETUP:
            login_sessions.promote(
                session=self.session, token=token, now=now, hours=self.session_hours
            )
        return codes

    def new_recovery_codes(self, user: User, password: str, *, address: str) -> list[str]:
        """Ten new recovery codes in place of the old ones (the password confirms it)."""
        self._confirm_password(user, password, address)
        factor = factors.get_factor(session=self.session, user_id=user.id)
        if factor is None or not factor.confirmed:
            raise InputError("set up a second factor first", field="password")
        codes = totp.new_recovery_codes()
        factors.replace_recovery_codes(
            session=self.session,
            user_id=user.id,
            codes=[totp.recovery_hash(c, self.secret) for c in codes],
        )
        return codes

    def remove_second_factor(self, user: User, password: str, *, address: str) -> None:
        """Turn the second factor off, where the clinic does not require one for this role."""
        if user.role in STAFF and self.second_factor_required:
            raise NotAllowed(
                "the clinic requires a second factor for clinicians and administrators"
            )
        self._confirm_password(user, password, address)
        factors.remove_factor(session=self.session, user_id=user.id)

    # --- the Account page -------------------------------------------------------------------

    def _confirm_password(self, user: User, password: str, address: str) -> None:
        from neckcheck.auth.passwords import verify_password

        attempt = self._attempt(attempts.SIGN_IN, user.email, address)
        attempt.claim()
        found = accounts.password_hash_for(session=self.session, email=user.email)
        if found is None or not verify_password(found[1], password):
            raise InputError("is not your current password", field="current_password")
        attempt.succeeded()

    def account_page(self, user: User, token: str) -> AccountPage:
        factor = factors.get_factor(session=self.session, user_id=user.id)
        confirmed = factor is not None and factor.confirmed
        return AccountPage(
            user,
            SecondFactor(
                confirmed,
                user.role in STAFF and self.second_factor_required,
                factors.recovery_codes_left(session=self.session, user_id=user.id)
                if confirmed
                else 0,
            ),
            login_sessions.list_sessions(
                session=self.session, user_id=user.id, now=self.clock.now(), current=token
            ),
        )

    def change_password(
        self, user: User, token: str, *, current: str, password: str, again: str, address: str
    ) -> None:
        """A new password, given the current one; every other session of the account ends."""
        self._confirm_password(user, current, address)
        check_new_password(password, again, email=user.email, name=user.display_name)
        accounts.set_password(
            session=self.session, user_id=user.id, password_hash=hash_password(password)
        )
        login_sessions.end_other_sessions(session=self.session, user_id=user.id, keep=token)

    def end_session(self, user: User, session_id: str) -> None:
        if not login_sessions.end_session_by_id(
            session=self.session, user_id=user.id, session_id=session_id
        ):
            raise NotFoundError("that session has ended already")

    def end_other_sessions(self, user: User, token: str) -> None:
        login_sessions.end_other_sessions(session=self.session, user_id=user.id, keep=token)

    # --- administrators ---------------------------------------------------------------------

    def accounts_page(self, actor: Actor) -> AccountsPage:
        require_role(actor, "admin")
        users = accounts.list_users(session=self.session)
        confirmed = factors.confirmed_users(session=self.session, user_ids=[u.id for u in users])
        return AccountsPage(
            [AccountLine(u, u.id in confirmed) for u in users],
            links.open_invitations(session=self.session, now=self.clock.now()),
        )

    def disable(self, actor: Actor, user_id: int) -> User:
        """Disable an account (its sessions end at once); not one's own."""
        admin = require_role(actor, "admin")
        user = accounts.get_user(session=self.session, user_id=user_id)
        if user is None or accounts.is_erased(session=self.session, user_id=user_id):
            raise NotFoundError("no such account")
        if user.id == admin.id:
            raise InputError("you cannot disable your own account", field="account")
        disabled = accounts.set_disabled(session=self.session, email=user.email, disabled=True)
        login_sessions.end_other_sessions(session=self.session, user_id=user.id, keep=None)
        return disabled

    # --- leaving ------------------------------------------------------------------------------

    def delete_own(self, actor: Actor, *, password: str, code: str, address: str) -> None:
        """A patient deletes their account and diary, confirmed by their password (and their
        second factor's code, if they have one)."""
        user = require_role(actor, "patient")
        self._confirm_password(user, password, address)
        factor = factors.get_factor(session=self.session, user_id=user.id)
        if factor is not None and factor.confirmed:
            self._check_code(user, code, address)
        self._erase(actor, user, target="account deleted")

    def delete_for(
        self, actor: Actor, user_id: int, *, password: str, code: str, address: str
    ) -> User:
        """An administrator deletes a patient's account and diary at their request, confirmed
        by the administrator's own password and code; the audit log names the administrator."""
        admin = require_role(actor, "admin")
        self._confirm_password(admin, password, address)
        factor = factors.get_factor(session=self.session, user_id=admin.id)
        if factor is not None and factor.confirmed:
            self._check_code(admin, code, address)
        user = accounts.get_user(session=self.session, user_id=user_id)
        if (
            user is None
            or user.role != "patient"
            or accounts.is_erased(session=self.session, user_id=user_id)
        ):
            raise NotFoundError("no such patient account")
        self._erase(actor, user, target="account deleted at the patient's request")
        return user

    def _erase(self, actor: Actor, user: User, *, target: str) -> None:
        now = self.clock.now()
        if user.patient_id is not None:
            if not decide(self.session, actor, Action.erase, user.patient_id, target=target):
                raise NotFoundError("no such patient account")
            if actor.patient_id == user.patient_id:  # decide audits only others' access
                accounts.record_accesses(  # the entry names the tombstone, not the person
                    session=self.session,
                    actor=replace(user, display_name=ERASED_NAME),
                    patient_ids=[user.patient_id],
                    action=Action.erase.value,
                    target=target,
                    ip=actor.ip,
                )
        accounts.erase_account(session=self.session, user_id=user.id, now=now, name=ERASED_NAME)


def _whom_to_ask(link: links.Link) -> str:
    who = link.made_by
    if who is not None and not who.disabled:
        return f"ask {who.display_name} ({who.email}) for a new one"
    return "ask the clinic's staff for a new one"


def _invitation_text(url: str, expires: datetime) -> str:
    return (
        "You are invited to keep your neck-spasm diary with neckcheck, at your clinic.\n\n"
        f"Open this link to choose your name and password (it works once, until "
        f"{format_moment(expires)}):\n{url}\n\n"
        "If you did not expect this email, you can ignore it.\n"
    )


def _reset_text(url: str) -> str:
    return (
        "A new password was asked for your neckcheck account.\n\n"
        f"Open this link within an hour to choose it (it works once):\n{url}\n\n"
        "Every other sign-in of the account ends when you do. If you did not ask for it, "
        "ignore this email: your password stays as it is.\n"
    )
