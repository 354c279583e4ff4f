"""Accounts, consent-based sharing and the audit log (clinic mode), keyword-only.

These functions store and fetch the facts (accounts, shares, audit entries); who may do
what with them is decided in one place, :mod:`neckcheck.services.access`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal, cast

from sqlalchemy import (
    Engine,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from neckcheck.errors import InputError, NotFoundError
from neckcheck.storage import dashboard, repo
from neckcheck.storage.tables import (
    AuditRow,
    Base,
    InvitationRow,
    PatientRow,
    ShareRow,
    UserRow,
)

Role = Literal["patient", "clinician", "admin"]
ROLES: tuple[Role, ...] = ("patient", "clinician", "admin")
INVITATION_DAYS = 7


@dataclass(frozen=True)
class User:
    id: int
    email: str
    display_name: str
    role: Role
    patient_id: int | None
    disabled: bool


@dataclass(frozen=True)
class Access:
    clinician: User
    since: datetime


@dataclass(frozen=True)
class Invitation:
    """An invitation code not used yet (the code itself is not kept, only its hash)."""

    id: int
    created_at: datetime
    expires_at: datetime


# Who an audit entry names: an account, the command line (a clinic's staff, ``neckcheck
# --patient EMAIL ...``), or an account that no longer exists.
ActorKind = Literal["account", "command_line", "removed"]


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log: who (``kind``; ``name``, the account's display name, None
    unless ``kind`` is "account"; ``actor`` names them with their email, for logs), did what
    to which page or command (``action``, ``target``), when, from where, and whether it was
    granted. The patient reads it as a sentence (:func:`neckcheck.services.clinic.audit_lines`)."""

    at: datetime
    actor: str
    action: str
    target: str
    ip: str
    granted: bool
    kind: ActorKind = "account"
    name: str | None = None


def account_of(row: UserRow) -> User:
    """The account a ``users`` row holds (for a query that read it with something else)."""
    role: Role = row.role  # type: ignore[assignment]  # the column only holds ROLES
    return User(row.id, row.email, row.display_name, role, row.patient_id, row.disabled)


def normal_email(email: str) -> str:
    """An email address as accounts are keyed: checked by ``email-validator`` (syntax only,
    no network) and lower-cased."""
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InputError("is not an email address", field="email") from None
    return checked.normalized.lower()


def create_user(
    *,
    session: Session,
    email: str,
    display_name: str,
    password_hash: str,
    role: Role,
    now: datetime,
) -> User:
    """A new account; a patient account gets its own diary."""
    if role not in ROLES:
        raise InputError(f"must be one of: {', '.join(ROLES)}", field="role")
    email = normal_email(email)
    if session.scalar(select(UserRow.id).where(UserRow.email == email)) is not None:
        raise InputError(f"an account for {email} exists already", field="email")
    patient_id = None
    if role == "patient":
        patient_id = repo.create_patient(session=session, display_name=display_name, now=now)
    row = UserRow(
        email=email,
        display_name=display_name,
        password_hash=password_hash,
        role=role,
        patient_id=patient_id,
        disabled=False,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return account_of(row)


def get_user(*, session: Session, user_id: int) -> User | None:
    row = session.get(UserRow, user_id)
    return account_of(row) if row is not None else None


def password_hash_for(*, session: Session, email: str) -> tuple[User, str] | None:
    """The account and its stored hash for a login attempt, or None."""
    row = session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
    return (account_of(row), row.password_hash) if row is not None else None


def has_accounts(*, session: Session) -> bool:
    """Whether this is a clinic database (it has accounts) rather than a local diary."""
    return session.scalar(select(UserRow.id).limit(1)) is not None


def patient_account(*, session: Session, email: str) -> User:
    """The patient account ``email`` names, or an InputError that says what is wrong."""
    row = session.scalar(select(UserRow).where(UserRow.email == normal_email(email)))
    if row is None or row.role != "patient" or row.patient_id is None:
        raise InputError(f"no patient account {email.strip()!r} here", field="patient")
    return account_of(row)


def list_users(*, session: Session) -> list[User]:
    """Every account but the deleted ones, by email."""
    query = select(UserRow).where(UserRow.erased_at.is_(None)).order_by(UserRow.email)
    return [account_of(row) for row in session.scalars(query)]


def account_for(*, session: Session, email: str) -> User | None:
    """The account of ``email`` (already normalised by :func:`normal_email`), if any."""
    row = session.scalar(select(UserRow).where(UserRow.email == email))
    return account_of(row) if row is not None else None


def is_erased(*, session: Session, user_id: int) -> bool:
    return session.scalar(select(UserRow.erased_at).where(UserRow.id == user_id)) is not None


def set_password(
    *, session: Session, user_id: int, password_hash: str, name: str | None = None
) -> User:
    row = session.get(UserRow, user_id)
    if row is None or row.erased_at is not None:
        raise NotFoundError("no such account")
    row.password_hash = password_hash
    if name is not None:
        row.display_name = name
        if row.patient_id is not None:
            repo.set_patient_name(session=session, patient_id=row.patient_id, name=name)
    session.flush()
    return account_of(row)


def add_share(*, session: Session, patient_id: int, clinician_id: int, now: datetime) -> None:
    """The patient shares their diary with the clinician (consent, until revoked)."""
    _lock_counts(session, [clinician_id])
    session.add(ShareRow(patient_id=patient_id, clinician_id=clinician_id, created_at=now))
    session.flush()
    _count_shares(session, [clinician_id])
    dashboard.queue_new_share(session=session, patient_id=patient_id)


def _lock_counts(session: Session, clinician_ids: list[int]) -> None:
    """Lock the clinicians' accounts before their shares change: a change of another share
    of theirs at the same moment waits, and then counts this one (see _count_shares)."""
    session.execute(
        select(UserRow.id)
        .where(UserRow.id.in_(sorted(clinician_ids)))
        .order_by(UserRow.id)
        .with_for_update()
    )


def _count_shares(session: Session, clinician_ids: list[int]) -> None:
    """Keep ``users.shared_patients`` of the clinicians whose shares just changed: counted
    again from their shares (rare events; a count made again cannot drift as one kept by
    adding and subtracting could, e.g. for a patient who shared twice)."""
    active = (
        select(func.count(ShareRow.patient_id.distinct()))
        .where(ShareRow.clinician_id == UserRow.id, ShareRow.revoked_at.is_(None))
        .scalar_subquery()
    )
    session.execute(
        update(UserRow)
        .where(UserRow.id.in_(clinician_ids))
        .values(shared_patients=active)
        .execution_options(synchronize_session=False)
    )


def shared_patients(*, session: Session, clinician_id: int) -> int:
    """How many patients share their diary with the clinician now (kept, not counted)."""
    found = session.scalar(select(UserRow.shared_patients).where(UserRow.id == clinician_id))
    return found or 0


def erase_account(*, session: Session, user_id: int, now: datetime, name: str) -> None:
    """Delete an account and everything of its diary. What stays is a tombstone: the account
    and patient rows, emptied (no email, name, password or profile) and marked deleted, so
    that their ids, which audit entries name, never pass to someone else; and the audit log,
    which holds no health data. Every row that belongs to the diary (episodes, days, shares,
    alerts, calendar feed...) or to the account (sessions, links, second factor) is deleted,
    found from the tables' foreign keys so that a table added later is not forgotten."""
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFoundError("no such account")
    patient_id = row.patient_id
    # The clinicians whose count of sharing patients the deletion changes (this one's own,
    # if a clinician is erased: their shares go too).
    counted = [user_id]
    if patient_id is not None:
        counted += list(
            session.scalars(
                select(ShareRow.clinician_id)
                .where(ShareRow.patient_id == patient_id, ShareRow.revoked_at.is_(None))
                .distinct()
            )
        )
    _lock_counts(session, counted)
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in ("users", "patients", "audit_log"):
            continue
        for key in table.foreign_keys:
            target = key.column.table.name
            if target == "patients" and patient_id is not None:
                session.execute(table.delete().where(key.parent == patient_id))
            elif target == "users" and key.ondelete == "CASCADE":
                session.execute(table.delete().where(key.parent == user_id))
            elif target == "users":
                session.execute(
                    table.update().where(key.parent == user_id).values({key.parent.name: None})
                )
    row.email = f"erased-{row.id}"
    row.display_name = name
    row.password_hash = ""  # nosec B105: no password matches an empty hash
    row.disabled = True
    row.erased_at = now
    if patient_id is not None:
        session.execute(
            update(PatientRow)
            .where(PatientRow.id == patient_id)
            .values(
                display_name=name,
                birth_year=None,
                time_zone=None,
                emergency_number=None,
                erased_at=now,
                diary_version=secrets.randbits(62),
            )
        )
    session.flush()
    _count_shares(session, counted)


def set_disabled(*, session: Session, email: str, disabled: bool) -> User:
    row = session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
    if row is None:
        raise NotFoundError(f"no account for {email}")
    row.disabled = disabled
    session.flush()
    return account_of(row)


def _code_hash(code: str, secret: str) -> str:
    """Codes are short enough to guess offline from a plain hash, so they are kept as an
    HMAC under the server's secret key: a copy of the database alone does not reveal them."""
    normal = code.replace("-", "").strip().upper().encode()
    return hmac.new(secret.encode(), normal, hashlib.sha256).hexdigest()


def create_invitation(*, session: Session, patient_id: int, now: datetime, secret: str) -> str:
    """A one-time code the patient gives a clinician; it expires after a week."""
    raw = secrets.token_hex(6).upper()
    session.add(
        InvitationRow(
            code_hash=_code_hash(raw, secret),
            patient_id=patient_id,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
    )
    session.flush()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def outstanding_invitations(
    *, session: Session, patient_id: int, now: datetime
) -> list[Invitation]:
    """The patient's codes that are neither used nor expired, oldest first."""
    rows = session.scalars(
        select(InvitationRow)
        .where(
            InvitationRow.patient_id == patient_id,
            InvitationRow.used_at.is_(None),
            InvitationRow.expires_at > now,
        )
        .order_by(InvitationRow.created_at, InvitationRow.id)
    )
    return [Invitation(row.id, row.created_at, row.expires_at) for row in rows]


def withdraw_invitations(
    *, session: Session, patient_id: int, invitation_id: int | None = None
) -> int:
    """Withdraw the patient's unused codes (only ``invitation_id``, if given): they no
    longer work. Returns how many were withdrawn."""
    query = delete(InvitationRow).where(
        InvitationRow.patient_id == patient_id, InvitationRow.used_at.is_(None)
    )
    if invitation_id is not None:
        query = query.where(InvitationRow.id == invitation_id)
    result: CursorResult[Any] = session.execute(query)  # type: ignore[assignment]
    return int(result.rowcount or 0)


def redeem_invitation(
    *, session: Session, code: str, clinician: User, now: datetime, secret: str
) -> int:
    """The clinician accepts an invitation; returns the patient id now shared with them."""
    if clinician.role != "clinician":
        raise InputError("only a clinician can accept an invitation", field="code")
    row = session.scalar(
        select(InvitationRow).where(InvitationRow.code_hash == _code_hash(code, secret))
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InputError(
            "this code is not valid: it may be mistyped, used, withdrawn or expired",
            field="code",
        )
    row.used_at = now
    add_share(session=session, patient_id=row.patient_id, clinician_id=clinician.id, now=now)
    return row.patient_id


def _active_shares(
    session: Session, *, patient_id: int | None = None, clinician_id: int | None = None
) -> list[ShareRow]:
    query = select(ShareRow).where(ShareRow.revoked_at.is_(None))
    if patient_id is not None:
        query = query.where(ShareRow.patient_id == patient_id)
    if clinician_id is not None:
        query = query.where(ShareRow.clinician_id == clinician_id)
    return list(session.scalars(query.order_by(ShareRow.created_at)))


def who_has_access(*, session: Session, patient_id: int) -> list[Access]:
    result = []
    for share in _active_shares(session, patient_id=patient_id):
        clinician = get_user(session=session, user_id=share.clinician_id)
        if clinician is not None:
            result.append(Access(clinician, share.created_at))
    return result


def revoke_access(*, session: Session, patient_id: int, clinician_id: int, now: datetime) -> None:
    _lock_counts(session, [clinician_id])
    shares = _active_shares(session, patient_id=patient_id, clinician_id=clinician_id)
    if not shares:
        raise NotFoundError("that clinician has no access to this diary")
    for share in shares:
        share.revoked_at = now
    session.flush()
    _count_shares(session, [clinician_id])


def has_share(*, session: Session, clinician_id: int, patient_id: int) -> bool:
    """Whether the patient has shared their diary with the clinician and not revoked it."""
    return bool(_active_shares(session, patient_id=patient_id, clinician_id=clinician_id))


# Refused attempts written in a session, kept to be written again if it rolls back.
_REFUSED = "neckcheck_refused_accesses"


def record_accesses(
    *,
    session: Session,
    actor: User | None,
    patient_ids: list[int],
    action: str,
    target: str,
    ip: str,
    granted: bool = True,
) -> None:
    """Write audit entries: ``actor`` (None for the command line) did ``action`` to each
    patient's data, or tried to and was refused (``granted`` false). The actor's name and
    role are written as they are now; the time is the database's. A refused attempt is
    kept even when the transaction it was written in rolls back (the refusal usually fails
    the request): it is written again, in a transaction of its own, after the rollback."""
    if not patient_ids:
        return
    entry = {
        "actor_id": actor.id if actor is not None else None,
        "actor_name": actor.display_name[:200] if actor is not None else None,
        "actor_role": actor.role if actor is not None else None,
        "action": action[:32],
        "target": target[:300],
        "ip": ip[:64],
        "granted": granted,
    }
    # One statement however many patients (a clinician's page lists 50): what every entry
    # shares is sent once, and the patients as one list, unnested by the database; nothing
    # is read. (An INSERT of many rows of values costs the database a parse of all their
    # parameters, and one statement a row a round trip each or a pipeline.)
    postgresql = session.get_bind().dialect.name == "postgresql"
    ids: Any = patient_ids if postgresql else json.dumps(patient_ids)
    session.execute(_entries(postgresql), {**entry, "patient_ids": ids})
    if not granted:
        rows = [{**entry, "patient_id": patient_id} for patient_id in patient_ids]
        session.info.setdefault(_REFUSED, []).extend(rows)


_ENTRY = ("actor_id", "actor_name", "actor_role", "action", "target", "ip", "granted")


@cache
def _entries(postgresql: bool) -> Any:
    """INSERT ... SELECT of one audit entry (its values as parameters) for each patient of
    the parameter ``patient_ids``: a list on PostgreSQL, a JSON array on SQLite (whose JSON
    functions unnest it). Built once: every page a clinician opens writes entries."""
    if postgresql:
        ids = bindparam("patient_ids", type_=ARRAY(Integer))
        patients = func.unnest(ids).table_valued("value").render_derived()
    else:
        patients = func.json_each(bindparam("patient_ids", type_=String())).table_valued("value")
    columns = AuditRow.__table__.c
    values = [bindparam(name, type_=columns[name].type) for name in _ENTRY]
    table = cast(Table, AuditRow.__table__)  # Core: the values are parameters, not ORM rows
    return insert(table).from_select([*_ENTRY, "patient_id"], select(*values, patients.c.value))


def _refused_written(session: Session) -> None:
    session.info.pop(_REFUSED, None)


def _refused_rolled_back(session: Session) -> None:
    rows = session.info.pop(_REFUSED, None)
    if rows:
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with engine.begin() as connection:
            connection.execute(insert(AuditRow), rows)


def keep_refused_accesses(sessions: Any) -> None:
    """Make sessions of ``sessions`` (a sessionmaker) write refused attempts again after a
    rollback."""
    event.listen(sessions, "after_commit", _refused_written)
    event.listen(sessions, "after_rollback", _refused_rolled_back)


def audit_for_patient(
    *, session: Session, patient_id: int, limit: int | None = None
) -> list[AuditEntry]:
    """Who looked at or changed this patient's data, newest first (the ``limit`` newest),
    named as they were when they did (the email, for logs, is the account's now)."""
    rows = session.execute(
        select(AuditRow, UserRow.email)
        .join(UserRow, UserRow.id == AuditRow.actor_id, isouter=True)
        .where(AuditRow.patient_id == patient_id)
        .order_by(AuditRow.at.desc(), AuditRow.id.desc())
        .limit(limit)
    ).all()
    entries = []
    for row, email in rows:
        name = row.actor_name
        kind: ActorKind = (
            "command_line" if row.actor_id is None else ("account" if name else "removed")
        )
        actor = {
            "account": f"{name} <{email}>" if email else f"{name} (account {row.actor_id})",
            "command_line": "the command line",
            "removed": "a removed account",
        }[kind]
        entries.append(
            AuditEntry(
                row.at,
                actor,
                row.action,
                row.target,
                row.ip,
                row.granted,
                kind,
                name if kind == "account" else None,
            )
        )
    return entries
