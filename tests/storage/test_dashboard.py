"""The clinician dashboard keeps each patient's latest level and course between requests.
What it shows must always equal a fresh computation: after diary changes, as time passes
(an ongoing episode crossing a duration threshold, episodes leaving the 90-day window), and
when a request saves a status made from a diary that changed meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate, Level
from neckcheck.patterns import course
from neckcheck.patterns.history import DiaryHistory
from neckcheck.services.access import Actor
from neckcheck.services.clinic import RECENT, Clinic, patient_status
from neckcheck.services.diary import Diary
from neckcheck.storage import accounts, dashboard, repo
from neckcheck.storage.db import Database
from tests.factories import NOW as LATEST

Make = Callable[..., EpisodeCreate]
NOW = LATEST.replace(microsecond=0)
START = NOW - timedelta(days=200)
SECRET = "s" * 40


def _clinic(session: Session, patients: int) -> tuple[accounts.User, list[int]]:
    clinician = accounts.create_user(
        session=session,
        email="doctor@example.org",
        display_name="Doctor",
        password_hash="x",
        role="clinician",
        now=START,
    )
    ids = []
    for number in range(patients):
        patient_id = repo.create_patient(
            session=session, display_name=f"Patient {number:03}", now=START
        )
        code = accounts.create_invitation(
            session=session, patient_id=patient_id, now=NOW, secret=SECRET
        )
        accounts.redeem_invitation(
            session=session, code=code, clinician=clinician, now=NOW, secret=SECRET
        )
        ids.append(patient_id)
    return clinician, ids


def _fresh(session: Session, patient_ids: list[int], at: datetime) -> list[tuple[Any, ...]]:
    """The dashboard computed from scratch: (patient, level, course), most urgent first."""
    keyed = []
    for patient_id in patient_ids:
        known = list(
            repo.list_episodes(
                session=session, patient_id=patient_id, end=at + timedelta(microseconds=1)
            )
        )
        recent = [e for e in known if e.started_at >= at - RECENT]
        history = DiaryHistory([(e.started_at, e.ended_at) for e in known])
        classification = course(recent, now=at, history=history).classification
        if not recent:
            keyed.append(((len(Level), 0.0, patient_id), (patient_id, None, classification)))
            continue
        latest = recent[0]
        level = Diary(session, patient_id, FixedClock(at)).assess(latest).level
        key = (level.rank, -latest.started_at.timestamp(), patient_id)
        keyed.append((key, (patient_id, level, classification)))
    return [entry for _, entry in sorted(keyed)]


def _listing(session: Session, clinician: accounts.User, at: datetime, **page: Any) -> Any:
    return Clinic(session, FixedClock(at), secret=SECRET).dashboard(
        Actor.signed_in(clinician), target="/clinician", **page
    )


def _shown(session: Session, clinician: accounts.User, at: datetime) -> list[tuple[Any, ...]]:
    page = _listing(session, clinician, at, per_page=100)
    return [(row.id, row.level, row.course) for row in page.rows]


# A step: add an episode (hours before the current moment, how long, how bad, with a warning
# sign or not; None for still ongoing), or let hours pass.
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("log"),
            st.integers(0, 2),
            st.integers(0, 24 * 20),
            st.one_of(st.none(), st.integers(1, 24 * 10)),
            st.integers(0, 10),
            st.booleans(),
        ),
        st.tuples(st.just("wait"), st.integers(1, 24 * 60)),
    ),
    min_size=1,
    max_size=12,
)


# function_scoped_fixture: every example rolls its transaction back, so each starts from the
# same empty database; too_slow: each step writes to and reads from a real database.
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_kept_levels_always_equal_a_fresh_assessment(
    db: Database, make_episode: Make, steps: list[tuple[Any, ...]]
) -> None:
    with db.session() as session:
        clinician_id, patients = _clinic(session, 3)
        at = START
        for step in steps:
            if step[0] == "wait":
                at = min(at + timedelta(hours=step[1]), NOW)
            else:
                _, who, before, lasted, intensity, warning = step
                started = at - timedelta(hours=before)
                repo.create_episode(
                    session=session,
                    patient_id=patients[who],
                    data=make_episode(
                        started_at=started,
                        ended_at=None if lasted is None else started + timedelta(hours=lasted),
                        intensity=intensity,
                        findings=["dizziness"] if warning else [],
                    ),
                    now=NOW,
                )
            assert _shown(session, clinician_id, at) == _fresh(session, patients, at)
        session.rollback()


def test_an_ongoing_episode_moves_up_when_it_crosses_a_duration_threshold(
    db: Database, make_episode: Make
) -> None:
    started = NOW - timedelta(days=5)
    with db.session() as session:
        clinician_id, [patient] = _clinic(session, 1)
        repo.create_episode(
            session=session,
            patient_id=patient,
            data=make_episode(started_at=started, intensity=9),
            now=NOW,
        )
        before = _shown(session, clinician_id, started + timedelta(hours=47))
        after = _shown(session, clinician_id, started + timedelta(hours=48, seconds=2))
    assert before == [(patient, Level.self_care, "isolated")]
    assert after == [(patient, Level.soon, "isolated")]  # severe pain for 48 hours or more


def test_a_level_made_from_an_older_diary_is_not_used(db: Database, make_episode: Make) -> None:
    with db.session() as session:
        clinician_id, [patient] = _clinic(session, 1)
        repo.create_episode(
            session=session, patient_id=patient, data=make_episode(intensity=2), now=NOW
        )
        # A request reads the diary at this version...
        [(_, version)] = dashboard.patients_needing_status(
            session=session, clinician_id=clinician_id.id, now=NOW
        )
        old = patient_status(session=session, patient_id=patient, diary_version=version, now=NOW)
        # ...a warning sign is logged and committed meanwhile...
        repo.create_episode(
            session=session,
            patient_id=patient,
            data=make_episode(findings=["slurred_speech"]),
            now=NOW,
        )
        # ...and the first request saves what it computed, after the change.
        dashboard.save_statuses(session=session, statuses=[old])
        assert _shown(session, clinician_id, NOW) == [(patient, Level.emergency, "isolated")]


def test_pages_of_fifty_sorted_by_urgency(
    db: Database, make_episode: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kept levels are saved 1,000 to a statement (PostgreSQL's parameter limit); a smaller
    # chunk makes these 120 patients cross several statement boundaries.
    monkeypatch.setattr(dashboard, "_CHUNK", 7)
    with db.session() as session:
        clinician_id, patients = _clinic(session, 120)
        for number, patient in enumerate(patients[::3]):
            findings = ["slurred_speech"] if number % 10 == 0 else []
            repo.create_episode(
                session=session,
                patient_id=patient,
                data=make_episode(started_at=NOW - timedelta(hours=number + 1), findings=findings),
                now=NOW,
            )
        pages = [_listing(session, clinician_id, NOW, page=n) for n in (1, 2, 3, 4)]
        expected = _fresh(session, patients, NOW)
    assert [p.total for p in pages] == [120] * 4
    assert [p.pages for p in pages] == [3] * 4
    assert [len(p.rows) for p in pages] == [50, 50, 20, 0]
    assert [(r.id, r.level, r.course) for p in pages for r in p.rows] == expected
    assert pages[0].rows[0].level == Level.emergency


def test_the_course_changes_when_its_oldest_episode_leaves_the_window(
    db: Database, make_episode: Make
) -> None:
    first = NOW - timedelta(days=150)
    with db.session() as session:
        clinician_id, [patient] = _clinic(session, 1)
        for day in (0, 10, 20):  # three within 30 days: recurring
            started = first + timedelta(days=day)
            repo.create_episode(
                session=session,
                patient_id=patient,
                data=make_episode(started_at=started, ended_at=started + timedelta(hours=2)),
                now=NOW,
            )
        during = _shown(session, clinician_id, first + timedelta(days=30))
        # The first episode has left the 90-day window, but the latest (still in it) recurred
        # when it began, as its own check says: the course and the level agree.
        later = _shown(session, clinician_id, first + timedelta(days=91))
        after = _shown(session, clinician_id, first + timedelta(days=111))
    assert during == [(patient, Level.routine, "recurring")]
    assert later == [(patient, Level.routine, "recurring")]
    assert after == [(patient, None, "none")]  # the last episode has left the window too


def test_statuses_refreshed_ahead_leave_nothing_for_the_first_page(
    db: Database, make_episode: Make
) -> None:
    from neckcheck.services.clinic import refresh_all_statuses

    with db.session() as session:
        clinician, patients = _clinic(session, 23)
        for number, patient in enumerate(patients[::2]):
            repo.create_episode(
                session=session,
                patient_id=patient,
                data=make_episode(started_at=NOW - timedelta(hours=number + 1)),
                now=NOW,
            )
    assert refresh_all_statuses(db, FixedClock(NOW), batch=5) == 23
    assert refresh_all_statuses(db, FixedClock(NOW), batch=5) == 0
    with db.session() as session:
        assert (
            dashboard.patients_needing_status(session=session, clinician_id=clinician.id, now=NOW)
            == []
        )
        assert _shown(session, clinician, NOW) == _fresh(session, patients, NOW)
