"""Links, second factors, sessions, alerts and deleted accounts in storage, on SQLite and
PostgreSQL: one-time uses are single conditional updates, and a deleted account leaves a
tombstone whose ids are never given to someone else."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from neckcheck.auth import sessions
from neckcheck.auth.passwords import hash_password
from neckcheck.domain import EpisodeCreate
from neckcheck.levels import Level
from neckcheck.storage import accounts, alerts, factors, links, repo
from neckcheck.storage.db import Database
from neckcheck.storage.tables import AuditRow, EpisodeRow, SessionRow
from tests.factories import NOW

SECRET = "s" * 40
HASH = hash_password("correct horse battery")


def _user(db: Database, email: str, role: str = "patient") -> accounts.User:
    with db.session() as session:
        return accounts.create_user(
            session=session,
            email=email,
            display_name=email,
            password_hash=HASH,
            role=role,
            now=NOW,  # type: ignore[arg-type]
        )


def test_a_link_is_found_by_its_token_and_used_once(db: Database) -> None:
    with db.session() as session:
        token = links.create_link(
            session=session,
            purpose="join",
            email="a@example.org",
            role="patient",
            now=NOW,
            lifetime=links.JOIN_LIFETIME,
            secret=SECRET,
        )
    with db.session() as session:
        found = links.find_link(session=session, token=token, secret=SECRET)
        assert found is not None
        assert (found.email, found.expires_at) == ("a@example.org", NOW + timedelta(days=7))
        assert links.find_link(session=session, token=token, secret="t" * 40) is None
        assert links.find_link(session=session, token=token + "x", secret=SECRET) is None
        assert links.use_link(session=session, link_id=found.id, now=NOW)
        assert not links.use_link(session=session, link_id=found.id, now=NOW)
        assert links.open_invitations(session=session, now=NOW) == []


def test_a_new_reset_link_replaces_the_unused_one(db: Database) -> None:
    user = _user(db, "r@example.org")
    with db.session() as session:
        made = [
            links.create_link(
                session=session,
                purpose="reset",
                email=user.email,
                role=user.role,
                user_id=user.id,
                now=NOW,
                lifetime=links.RESET_LIFETIME,
                secret=SECRET,
            )
            for _ in range(2)
        ]
        assert links.find_link(session=session, token=made[0], secret=SECRET) is None
        assert links.find_link(session=session, token=made[1], secret=SECRET) is not None


def test_a_time_step_and_a_recovery_code_are_accepted_once(db: Database) -> None:
    user = _user(db, "f@example.org", "clinician")
    with db.session() as session:
        factors.start_factor(session=session, user_id=user.id, sealed="sealed", now=NOW)
        assert not factors.use_step(session=session, user_id=user.id, step=5)  # unconfirmed
        factors.confirm_factor(
            session=session, user_id=user.id, step=5, now=NOW, codes=["h1", "h2"]
        )
        assert not factors.use_step(session=session, user_id=user.id, step=5)
        assert factors.use_step(session=session, user_id=user.id, step=6)
        assert not factors.use_step(session=session, user_id=user.id, step=4)
        assert factors.use_recovery_code(session=session, user_id=user.id, code_hash="h1", now=NOW)
        assert not factors.use_recovery_code(
            session=session, user_id=user.id, code_hash="h1", now=NOW
        )
        assert factors.recovery_codes_left(session=session, user_id=user.id) == 1
        assert factors.confirmed_users(session=session, user_ids=[user.id, 999]) == {user.id}


def test_sessions_list_what_the_account_page_shows(db: Database) -> None:
    user = _user(db, "s@example.org")
    with db.session() as session:
        mine = sessions.start_session(
            session=session, user_id=user.id, now=NOW, hours=1, user_agent="x", address="192.0.2.1"
        )
        sessions.start_session(
            session=session,
            user_id=user.id,
            now=NOW - timedelta(minutes=1),
            hours=1,
            stage=sessions.CODE,
        )
        later = NOW + timedelta(minutes=10)
        assert sessions.current_session(session=session, token=mine, now=later) is not None
        listed = sessions.list_sessions(session=session, user_id=user.id, now=later, current=mine)
        assert [(s.current, s.address, s.last_seen_at) for s in listed] == [
            (True, "192.0.2.1", later)
        ]  # a sign-in still waiting for its code is not listed
        sessions.end_other_sessions(session=session, user_id=user.id, keep=mine)
        assert session.scalar(select(func.count()).select_from(SessionRow)) == 1


def test_alerts_wait_while_shared_and_are_claimed_for_email_once(db: Database) -> None:
    patient, doctor = _user(db, "p@example.org"), _user(db, "d@example.org", "clinician")
    assert patient.patient_id is not None
    with db.session() as session:
        accounts.add_share(
            session=session, patient_id=patient.patient_id, clinician_id=doctor.id, now=NOW
        )
        episode = repo.create_episode(
            session=session,
            patient_id=patient.patient_id,
            data=EpisodeCreate(started_at=NOW - timedelta(hours=1), intensity=5),
            now=NOW,
        )
        assert alerts.sharing_clinicians(session=session, patient_id=patient.patient_id) == [
            doctor.id
        ]
        alerts.add(
            session=session,
            clinician_id=doctor.id,
            patient_id=patient.patient_id,
            episode_id=episode.id,
            level=Level.urgent,
            complete=True,
            now=NOW,
            due_at=NOW,
        )
        assert [
            a.level for a in alerts.waiting(session=session, clinician_id=doctor.id, now=NOW)
        ] == [Level.urgent]
        assert alerts.clinicians_to_email(session=session, now=NOW) == [(doctor.id, doctor.email)]
        assert alerts.claim_for_email(session=session, clinician_id=doctor.id, now=NOW) == 1
        assert alerts.claim_for_email(session=session, clinician_id=doctor.id, now=NOW) == 0
        accounts.revoke_access(
            session=session, patient_id=patient.patient_id, clinician_id=doctor.id, now=NOW
        )
        assert alerts.waiting(session=session, clinician_id=doctor.id, now=NOW) == []


def test_erasing_an_account_leaves_only_a_tombstone(db: Database) -> None:
    patient, doctor = _user(db, "e@example.org"), _user(db, "doc@example.org", "clinician")
    assert patient.patient_id is not None
    pid = patient.patient_id
    with db.session() as session:
        accounts.add_share(session=session, patient_id=pid, clinician_id=doctor.id, now=NOW)
        repo.create_episode(
            session=session,
            patient_id=pid,
            data=EpisodeCreate(started_at=NOW - timedelta(hours=1), intensity=5, notes="private"),
            now=NOW,
        )
        repo.mark_pain_free(
            session=session, patient_id=pid, day=NOW.date() - timedelta(days=3), now=NOW
        )
        sessions.start_session(session=session, user_id=patient.id, now=NOW, hours=1)
        accounts.record_accesses(
            session=session,
            actor=doctor,
            patient_ids=[pid],
            action="read",
            target="/x",
            ip="",
        )
        accounts.erase_account(session=session, user_id=patient.id, now=NOW, name="Deleted account")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(EpisodeRow)) == 0
        assert session.scalar(select(func.count()).select_from(SessionRow)) == 0
        assert not accounts.has_share(session=session, clinician_id=doctor.id, patient_id=pid)
        assert (
            repo.pain_free_days(
                session=session,
                patient_id=pid,
                first=NOW.date() - timedelta(days=9),
                last=NOW.date(),
            )
            == []
        )
        assert accounts.password_hash_for(session=session, email="e@example.org") is None
        assert [u.email for u in accounts.list_users(session=session)] == ["doc@example.org"]
        assert session.scalar(select(func.count()).select_from(AuditRow)) == 1  # kept
        newcomer = accounts.create_user(
            session=session,
            email="e@example.org",
            display_name="New",
            password_hash=HASH,
            role="patient",
            now=NOW,
        )
        assert (newcomer.id, newcomer.patient_id) != (patient.id, pid)  # ids never reused
        assert (
            accounts.audit_for_patient(session=session, patient_id=newcomer.patient_id or 0) == []
        )
