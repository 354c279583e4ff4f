"""Accounts, consent-based sharing, sessions and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from neckcheck.auth.passwords import hash_password, verify_password
from neckcheck.auth.sessions import current_session, end_all_sessions, end_session, start_session
from neckcheck.errors import InputError, NotFoundError
from neckcheck.services import access
from neckcheck.services.access import Action, Actor
from neckcheck.storage import accounts
from neckcheck.storage.db import Database
from tests.factories import NOW

SECRET = "s" * 40
HASH = hash_password("correct horse battery")


def _people(db: Database) -> tuple[accounts.User, accounts.User, accounts.User]:
    with db.session() as session:
        alex = accounts.create_user(
            session=session,
            email="Alex@Example.org",
            display_name="Alex",
            password_hash=HASH,
            role="patient",
            now=NOW,
        )
        sam = accounts.create_user(
            session=session,
            email="sam@example.org",
            display_name="Sam",
            password_hash=HASH,
            role="patient",
            now=NOW,
        )
        lee = accounts.create_user(
            session=session,
            email="dr.lee@example.org",
            display_name="Dr Lee",
            password_hash=HASH,
            role="clinician",
            now=NOW,
        )
    return alex, sam, lee


def test_passwords_are_argon2id_and_verified() -> None:
    assert HASH.startswith("$argon2id$")
    assert verify_password(HASH, "correct horse battery")
    assert not verify_password(HASH, "wrong horse battery")
    assert not verify_password("not a hash", "x")
    with pytest.raises(InputError, match="password: must be at least 10 characters"):
        hash_password("short")


def test_accounts(db: Database) -> None:
    alex, _sam, lee = _people(db)
    assert alex.email == "alex@example.org"
    assert alex.patient_id is not None
    assert lee.patient_id is None
    with db.session() as session:
        with pytest.raises(InputError, match="exists already"):
            accounts.create_user(
                session=session,
                email="ALEX@example.org ",
                display_name="x",
                password_hash=HASH,
                role="patient",
                now=NOW,
            )
        with pytest.raises(InputError, match="email: is not an email address"):
            accounts.create_user(
                session=session,
                email="alex",
                display_name="x",
                password_hash=HASH,
                role="patient",
                now=NOW,
            )
        assert [u.email for u in accounts.list_users(session=session)] == [
            "alex@example.org",
            "dr.lee@example.org",
            "sam@example.org",
        ]
        found = accounts.password_hash_for(session=session, email=" ALEX@example.org")
        assert found is not None
        assert found[0] == alex
        assert accounts.set_disabled(
            session=session, email="alex@example.org", disabled=True
        ).disabled


def _may_read(session: Session, user: accounts.User, patient_id: int) -> bool:
    return access.decide(session, Actor.signed_in(user), Action.read, patient_id, target="test")


def test_sharing_by_invitation_and_revocation(db: Database) -> None:
    alex, sam, lee = _people(db)
    assert alex.patient_id is not None
    with db.session() as session:
        assert not _may_read(session, lee, alex.patient_id)
        assert _may_read(session, alex, alex.patient_id)
        assert not _may_read(session, sam, alex.patient_id)
        code = accounts.create_invitation(
            session=session, patient_id=alex.patient_id, now=NOW, secret=SECRET
        )
        with pytest.raises(InputError, match="only a clinician"):
            accounts.redeem_invitation(
                session=session, code=code, clinician=sam, now=NOW, secret=SECRET
            )
        shared = accounts.redeem_invitation(
            session=session,
            code=code.lower(),
            clinician=lee,
            now=NOW + timedelta(days=1),
            secret=SECRET,
        )
        assert shared == alex.patient_id
        assert _may_read(session, lee, alex.patient_id)
        assert [
            a.clinician.email
            for a in accounts.who_has_access(session=session, patient_id=alex.patient_id)
        ] == ["dr.lee@example.org"]
        assert accounts.has_share(session=session, clinician_id=lee.id, patient_id=alex.patient_id)
        with pytest.raises(InputError, match="not valid"):  # a code works once
            accounts.redeem_invitation(
                session=session, code=code, clinician=lee, now=NOW, secret=SECRET
            )
        accounts.revoke_access(
            session=session,
            patient_id=alex.patient_id,
            clinician_id=lee.id,
            now=NOW + timedelta(days=2),
        )
        assert not _may_read(session, lee, alex.patient_id)
        with pytest.raises(NotFoundError):
            accounts.revoke_access(
                session=session, patient_id=alex.patient_id, clinician_id=lee.id, now=NOW
            )


def test_an_invitation_expires_after_a_week(db: Database) -> None:
    alex, _sam, lee = _people(db)
    assert alex.patient_id is not None
    with db.session() as session:
        code = accounts.create_invitation(
            session=session, patient_id=alex.patient_id, now=NOW, secret=SECRET
        )
        with pytest.raises(InputError, match="expired"):
            accounts.redeem_invitation(
                session=session,
                code=code,
                clinician=lee,
                now=NOW + timedelta(days=7, seconds=1),
                secret=SECRET,
            )


def test_sessions_expire_end_and_die_with_a_disabled_account(db: Database) -> None:
    alex, _sam, _lee = _people(db)
    with db.session() as session:
        token = start_session(session=session, user_id=alex.id, now=NOW, hours=12)
        live = current_session(session=session, token=token, now=NOW + timedelta(hours=1))
        assert live is not None
        assert live.user.id == alex.id
        assert len(live.csrf_token) >= 32
        assert current_session(session=session, token=token + "x", now=NOW) is None
        assert current_session(session=session, token=token, now=NOW + timedelta(hours=12)) is None
        token = start_session(session=session, user_id=alex.id, now=NOW, hours=12)
        end_session(session=session, token=token)
        assert current_session(session=session, token=token, now=NOW) is None
        token = start_session(session=session, user_id=alex.id, now=NOW, hours=12)
        accounts.set_disabled(session=session, email=alex.email, disabled=True)
        assert current_session(session=session, token=token, now=NOW) is None
        token = start_session(session=session, user_id=alex.id, now=NOW, hours=12)
        end_all_sessions(session=session, user_id=alex.id)
        assert current_session(session=session, token=token, now=NOW) is None


def test_the_audit_log_records_others_and_is_append_only(db: Database) -> None:
    alex, _sam, lee = _people(db)
    assert alex.patient_id is not None
    with db.session() as session:
        # The owner's own reads leave no entry; a clinician's leave one each, refused
        # (no consent yet) or not.
        for actor, action in ((alex, Action.read), (lee, Action.read), (lee, Action.report)):
            access.decide(
                session,
                Actor.signed_in(actor, ip="127.0.0.1"),
                action,
                alex.patient_id,
                target="/history",
            )
        entries = accounts.audit_for_patient(session=session, patient_id=alex.patient_id)
    assert [(e.actor, e.action, e.granted) for e in entries] == [
        ("Dr Lee <dr.lee@example.org>", "report", False),
        ("Dr Lee <dr.lee@example.org>", "read", False),
    ]
    for statement in ("UPDATE audit_log SET action = 'nothing'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), db.session() as session:
            session.execute(text(statement))
    with db.session() as session:
        assert len(accounts.audit_for_patient(session=session, patient_id=alex.patient_id)) == 2


def test_a_signed_in_request_reads_its_session_and_account_in_one_query(db: Database) -> None:
    from sqlalchemy import event

    _alex, _sam, lee = _people(db)
    with db.session() as session:
        token = start_session(session=session, user_id=lee.id, now=NOW, hours=1)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.session() as session:
            login = current_session(session=session, token=token, now=NOW + timedelta(minutes=1))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert login is not None
    assert login.user == lee
    assert len(statements) == 1
    with db.session() as session:  # expired: gone
        assert current_session(session=session, token=token, now=NOW + timedelta(hours=2)) is None
        assert current_session(session=session, token=token, now=NOW) is None
