"""SQLAlchemy table definitions. The schema itself is created by Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as UTC and gives it back aware, on SQLite and PostgreSQL.

    SQLite has no time zone type; without this, an aware value would come back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Changes with every change of the diary (see repo._diary_changed); what is kept about a
    # diary (the dashboard's status, the diary cache) holds only for the version it came from.
    diary_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The person's profile: asked once, used for every check of their episodes.
    birth_year: Mapped[int | None]
    time_zone: Mapped[str | None] = mapped_column(String(64))
    emergency_number: Mapped[str | None] = mapped_column(String(16))
    # When the person deleted their account and diary: the row stays, emptied, so that its
    # id (which audit entries name) is never given to someone else.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EpisodeRow(Base):
    __tablename__ = "episodes"
    __table_args__ = (
        Index("ix_episodes_patient_started", "patient_id", "started_at"),
        # One episode per record imported: importing the same record again adds nothing.
        Index("ix_episodes_patient_source", "patient_id", "source_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    # Instants are stored in UTC; the offsets keep the wall-clock time the person gave.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_offset_min: Mapped[int]
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_offset_min: Mapped[int | None]
    onset: Mapped[str | None] = mapped_column(String(16))
    intensity: Mapped[int]
    pain_qualities: Mapped[list[str]] = mapped_column(JSON)
    regions: Mapped[list[str]] = mapped_column(JSON)
    limited_movements: Mapped[list[str]] = mapped_column(JSON)
    findings: Mapped[list[str]] = mapped_column(JSON)
    absent: Mapped[list[str]] = mapped_column(JSON)
    triggers: Mapped[list[str]] = mapped_column(JSON)
    remedies: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    activities_affected: Mapped[list[str]] = mapped_column(JSON)
    stress: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text)
    # The person chose not to answer the remaining warning-sign questions.
    declined: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # An imported episode's origin: the identifier of the record it was made from (such as a
    # FHIR ``system|value``) and when that record was first made. None for one logged here,
    # whose recording time is ``created_at``.
    source_id: Mapped[str | None] = mapped_column(String(512))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PatientStatusRow(Base):
    """A patient's latest assessment level and course over 90 days, kept for the clinician
    dashboard so that it can sort thousands of patients by urgency in one query. It holds
    until the diary changes (which puts the patient in :class:`StatusQueueRow`) and until
    ``stale_after`` (the moment time alone could change it); then it is computed again when
    next needed."""

    __tablename__ = "patient_status"
    __table_args__ = (
        # The dashboard's order, every column ascending, so that a page after (or before) a
        # row's place is one range of this index: most urgent first, then the most recent
        # latest episode (``recency``), then the patient.
        Index("ix_patient_status_order", "rank", "recency", "patient_id"),
        # The statuses time has made stale: the few past their ``stale_after``.
        Index("ix_patient_status_stale_after", "stale_after"),
    )

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str | None] = mapped_column(String(16))
    rank: Mapped[int]  # the level's rank; one past the last for no recent episode
    latest_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Minus the latest episode's start in microseconds since 1970 (0 without one): ascending,
    # the most recent first (see storage.dashboard.recency).
    recency: Mapped[int] = mapped_column(BigInteger, server_default="0")
    latest_intensity: Mapped[int | None]
    course: Mapped[str] = mapped_column(String(16))
    # The diary's version the status was made from (the token of the queue entry it cleared).
    diary_version: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stale_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # False when the latest episode's warning-sign screening was left unanswered, so that
    # its level is the least the answers call for, never an all-clear.
    complete: Mapped[bool] = mapped_column(default=True, server_default=true())


class StatusQueueRow(Base):
    """A patient shared with a clinician whose kept dashboard status must be computed again:
    their diary changed (``repo._diary_changed``) or they shared it (``accounts``). The
    entry is cleared when a status is saved for the same ``diary_version`` (the diary's
    version when the entry was made or last renewed), so that a change made while a status
    was being computed leaves the entry in place. Statuses that only time makes stale are
    found by ``PatientStatusRow.stale_after``."""

    __tablename__ = "status_queue"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    diary_version: Mapped[int] = mapped_column(BigInteger)


class UserRow(Base):
    """An account in clinic mode. A patient account owns one patients row."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="SET NULL"), unique=True
    )
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A clinician's: how many patients share their diary with them now, kept as shares are
    # made, revoked and erased (storage.accounts), so that their dashboard need not count.
    shared_patients: Mapped[int] = mapped_column(default=0, server_default="0")
    # A deleted account: emptied (no email, name or password) and kept, so that its id,
    # which audit entries name, is never given to someone else.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SessionRow(Base):
    """A server-side login session; the cookie holds a token whose hash is the id.

    ``stage`` is "full" for a signed-in person; "code" after the password while the second
    factor is still to be given, and "setup" while a clinician or administrator sets one up
    (such a session reaches only that page)."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    stage: Mapped[str] = mapped_column(String(8), default="full", server_default="full")
    # For the person's list of their sessions: the browser, from where, and when last used
    # (written at most every few minutes).
    user_agent: Mapped[str] = mapped_column(String(300), default="", server_default="")
    address: Mapped[str] = mapped_column(String(64), default="", server_default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InvitationRow(Base):
    """A patient's one-time code that lets a clinician see their diary."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ShareRow(Base):
    """Consent: a clinician may see a patient's data until it is revoked."""

    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_clinician_patient", "clinician_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditRow(Base):
    """Who read or changed whose data, when and from where. Append-only: database triggers
    refuse UPDATE and DELETE. Plain ids, not foreign keys, so entries outlive accounts; the
    actor's name and role are copied in as they were, so that changing an account later
    does not change what an entry says. ``at`` is the database's time (the server does not
    give it; on PostgreSQL a trigger sets it on every insert: migration 0014)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_patient_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.current_timestamp())
    actor_id: Mapped[int | None]
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    patient_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(300))
    ip: Mapped[str] = mapped_column(String(64))
    # False for an attempt that was refused (someone without consent trying a diary).
    granted: Mapped[bool] = mapped_column(Boolean, server_default=true())


class FailedAttemptRow(Base):
    """One failed sign-in or invitation attempt, under a keyed hash of what it counts against
    (an account and an address, or an address alone); pruned once out of every window."""

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class InstallationRow(Base):
    """Facts about this installation, by key (e.g. the namespace of exported identifiers)."""

    __tablename__ = "installation"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class PainFreeDayRow(Base):
    """A day the person said had no spasm ("No spasm today"), on their own calendar. A day
    with a logged episode is never one: logging it removes the mark (services.diary)."""

    __tablename__ = "pain_free_days"
    __table_args__ = (UniqueConstraint("patient_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarFeedRow(Base):
    """A person's private calendar feed of reminders. Its address is ``lookup`` (random) and
    an HMAC of it under the server's secret key, which is never stored: a copy of the
    database alone does not give the address. A new ``lookup`` is a new address."""

    __tablename__ = "calendar_feeds"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    checkin_minute: Mapped[int]  # the daily check-in, minutes after midnight (local time)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EpisodeKeyRow(Base):
    """An idempotency key a client sent with a new episode (a phone that logged it offline
    and sends it again until it hears back): the first send creates the episode, and every
    later send with the same key gets that episode back. Keys are per patient. When the
    episode is deleted the key stays, without it, so a late retry creates nothing."""

    __tablename__ = "episode_keys"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LocalSessionRow(Base):
    """A sign-in of the one person of local mode with the passphrase (a server reached from
    a phone); the cookie holds a token whose hash is the id, as for clinic sessions."""

    __tablename__ = "local_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AccountLinkRow(Base):
    """A one-time link that lets someone join the clinic (``purpose`` "join": an account for
    ``email`` with ``role``) or set a new password (``purpose`` "reset", for ``user_id``).
    Only an HMAC of its token under the server's secret is kept."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(8))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Who made it (None: the command line), to say whom to ask for a new one.
    made_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A clinician's invitation of a patient: the clinician the patient may share with at once.
    share_with: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SecondFactorRow(Base):
    """An account's authenticator (TOTP, RFC 6238): its secret, encrypted under a key derived
    from the server's secret; confirmed once a code from the app was typed; and the last time
    step a code was accepted for, so that no code is accepted twice."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCodeRow(Base):
    """A one-time recovery code for signing in without the authenticator (an HMAC of it)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertRow(Base):
    """An episode of a sharing patient that needs a clinician's attention (urgent or an
    emergency, or its warning-sign screening left open), shown from ``due_at`` at the top of
    the clinician's Patients page until ``seen_at``; ``emailed_at`` once an email told them."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("clinician_id", "episode_id"),
        Index("ix_alerts_clinician_seen", "clinician_id", "seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))
    complete: Mapped[bool] = mapped_column(Boolean)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ActivityRow(Base):
    """An activity the person finds hard, named once and rated at every check-in (an item of
    a patient-specific measure, ``measure``); one removed keeps its past ratings."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_patient_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    measure: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    # Who named it: a clinician's account, or None for the person themselves.
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CheckInRow(Base):
    """One check-in: the answers to the outcome measures at ``at``, as
    ``{measure id: {item id: rating}}`` (a personal item's id is its activity's id)."""

    __tablename__ = "check_ins"
    __table_args__ = (Index("ix_check_ins_patient_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    answers: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON)
