"""Who may do what to whose diary: one decision, and the audit entry it leaves.

    >>> actor = Actor.signed_in(user, ip="203.0.113.9")
    >>> decide(session, actor, Action.insights, patient_id=7, target="/insights")
    True

Every route and command that touches a diary goes through :func:`decide` (directly, or
through :meth:`neckcheck.services.diary.Diary.open`). The rules:

* the person of local mode, and a patient account, may do anything to their own diary;
* a clinician may read, see the insights and the report of, and list, a patient who shared
  their diary with them and has not revoked it (consent), and name the activities that
  patient rates at each check-in, and nothing else;
* an administrator manages accounts and sees no diary (they may delete a patient's account
  and diary at the patient's request);
* a disabled account may do nothing.

Every access to a diary by someone other than its owner is written to the append-only audit
log, the refused attempts included, so the patient can see who looked and who tried. A diary
that may not be seen is reported as not found: one that is not shared is indistinguishable
from one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from neckcheck.errors import InputError, NotAllowed
from neckcheck.storage import accounts, repo

__all__ = ["Action", "Actor", "decide", "local_person", "record_listing", "require_role"]


class Action(StrEnum):
    read = "read"  # the diary's episodes and their checks
    insights = "insights"  # the course, triggers and remedies
    report = "report"  # the clinician report (PDF)
    export = "export"  # the whole diary as a file
    write = "write"  # log, edit, end, delete, import
    list = "list"  # shown on a clinician's list of patients
    seen = "seen"  # a clinician marked an alert of the patient's (Needs attention) seen
    activities = "activities"  # named the activities a patient rates at each check-in
    erase = "account_deleted"  # the account and its diary deleted (by the patient or an admin)


# What a clinician may do with a diary shared with them.
_CONSENTED = frozenset(
    {Action.read, Action.insights, Action.report, Action.list, Action.seen, Action.activities}
)


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where (for the audit log).

    ``user`` is None for the person of local mode (who owns ``patient_id``).
    """

    user: accounts.User | None
    patient_id: int | None
    ip: str = ""

    @classmethod
    def signed_in(cls, user: accounts.User, *, ip: str = "") -> Actor:
        return cls(user, user.patient_id, ip)

    @property
    def role(self) -> str:
        return self.user.role if self.user is not None else "person"


def local_person(session: Session, *, now: datetime) -> Actor:
    """The one person of local mode (no accounts), with their diary created on first use
    (the web app creates it when it starts)."""
    return Actor(None, repo.ensure_local_patient(session=session, now=now))


def command_line_person(
    session: Session, *, patient: str | None, action: Action, now: datetime, target: str
) -> Actor:
    """Who a command works for. On a local diary, its one person; on a clinic database (one
    with accounts), the patient named by ``--patient EMAIL``, which is required there, and
    the access is written to the audit log as "the command line"."""
    if not accounts.has_accounts(session=session):
        if patient is not None:
            raise InputError("this database has no accounts; leave --patient out", field="patient")
        return local_person(session, now=now)
    if patient is None:
        raise InputError(
            "this is a clinic database: say whose diary with --patient EMAIL "
            "(before the command, e.g. neckcheck --patient a@example.org history)",
            field="patient",
        )
    user = accounts.patient_account(session=session, email=patient)
    accounts.record_accesses(
        session=session,
        actor=None,
        patient_ids=[user.patient_id] if user.patient_id is not None else [],
        action=action.value,
        target=target,
        ip="",
    )
    return Actor(None, user.patient_id)


def _allowed(session: Session, actor: Actor, action: Action, patient_id: int) -> bool:
    user = actor.user
    if user is None:
        return actor.patient_id == patient_id
    if user.disabled:
        return False
    if user.role == "patient":
        return user.patient_id == patient_id
    if user.role == "clinician" and action in _CONSENTED:
        return accounts.has_share(session=session, clinician_id=user.id, patient_id=patient_id)
    return user.role == "admin" and action is Action.erase


def decide(
    session: Session,
    actor: Actor,
    action: Action,
    patient_id: int,
    *,
    target: str,
) -> bool:
    """Whether ``actor`` may do ``action`` to the diary of ``patient_id``; an access by anyone
    but the diary's owner is written to the audit log, granted or not, at the database's
    time."""
    granted = _allowed(session, actor, action, patient_id)
    if actor.user is not None and actor.patient_id != patient_id:
        # A refusal usually fails the request and rolls its transaction back: its entry is
        # written again after the rollback (see accounts.record_accesses).
        accounts.record_accesses(
            session=session,
            actor=actor.user,
            patient_ids=[patient_id],
            action=action.value,
            target=target,
            ip=actor.ip,
            granted=granted,
        )
    return granted


def require_role(actor: Actor, role: str) -> accounts.User:
    """The actor's account when it has ``role`` and is active; NotAllowed otherwise."""
    user = actor.user
    if user is None or user.role != role or user.disabled:
        raise NotAllowed(f"this page is for {role}s")
    return user


def record_listing(session: Session, actor: Actor, patient_ids: list[int], *, target: str) -> None:
    """Audit a page that shows several patients at once (a clinician's list), whose consent
    the listing query itself required."""
    if actor.user is not None:
        accounts.record_accesses(
            session=session,
            actor=actor.user,
            patient_ids=[p for p in patient_ids if p != actor.patient_id],
            action=Action.list.value,
            target=target,
            ip=actor.ip,
        )
