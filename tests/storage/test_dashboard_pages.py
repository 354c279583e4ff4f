"""The clinician dashboard's pages and what it computes, without reading every share:

- pages are found by their place in the dashboard's order (keyset pagination): turning the
  pages forward or back lists every patient once, in order; while statuses change between
  page loads, every patient whose status did not change is still listed exactly once, and
  the walk never goes back in the order;
- the statuses to compute are kept in a queue as diaries change and are shared: a change
  queues a shared diary, computing clears it, and a change made while a status was being
  computed stays queued (what the dashboard then shows equals a fresh assessment);
- a page costs a fixed handful of statements, the audit entry one INSERT."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate, Level
from neckcheck.errors import InputError
from neckcheck.services.access import Actor
from neckcheck.services.clinic import Clinic, DashboardPage, patient_status
from neckcheck.storage import accounts, dashboard, repo
from neckcheck.storage.dashboard import PageKey
from neckcheck.storage.db import Database
from neckcheck.storage.tables import StatusQueueRow
from tests.storage.test_dashboard import NOW, SECRET, _clinic, _fresh, _shown

Make = Callable[..., EpisodeCreate]
SLOW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What a patient's diary holds: nothing, a mild episode, an episode with a warning sign (an
# emergency), or one still going on; ``hours`` before NOW it started.
kinds = st.lists(
    st.tuples(st.sampled_from(["none", "mild", "warning", "ongoing"]), st.integers(1, 6)),
    max_size=30,
)


def _log(session: Session, make: Make, patient: int, kind: str, hours: int) -> None:
    if kind == "none":
        return
    started = NOW - timedelta(hours=hours)
    episode = make_kind(make, kind, started)
    repo.create_episode(session=session, patient_id=patient, data=episode, now=NOW)


def make_kind(make: Make, kind: str, started: Any) -> EpisodeCreate:
    ended = None if kind == "ongoing" else started + timedelta(minutes=30)
    findings = ["slurred_speech"] if kind == "warning" else []
    return make(started_at=started, ended_at=ended, intensity=3, findings=findings)


def _page(session: Session, clinician: accounts.User, per_page: int, **where: Any) -> Any:
    return Clinic(session, FixedClock(NOW), secret=SECRET).dashboard(
        Actor.signed_in(clinician), per_page=per_page, target="/clinician", **where
    )


def _place(row: dashboard.DashboardRow) -> tuple[int, int, int]:
    assert row.key is not None
    return (row.key.rank, row.key.recency, row.key.patient_id)


def _forward(
    session: Session,
    clinician: accounts.User,
    per_page: int,
    between: Callable[[int], None] = lambda _: None,
) -> list[DashboardPage]:
    """Every page from the first, following the Next links (``between(n)`` after page n)."""
    pages = [_page(session, clinician, per_page)]
    while pages[-1].later is not None:
        between(len(pages))
        pages.append(
            _page(session, clinician, per_page, page=pages[-1].page + 1, after=pages[-1].later)
        )
    return pages


@SLOW
@given(diaries=kinds, per_page=st.integers(1, 7))
def test_turning_the_pages_forward_and_back_lists_every_patient_once_in_order(
    db: Database, make_episode: Make, diaries: list[tuple[str, int]], per_page: int
) -> None:
    with db.session() as session:
        clinician, patients = _clinic(session, len(diaries))
        for patient, (kind, hours) in zip(patients, diaries, strict=True):
            _log(session, make_episode, patient, kind, hours)  # equal hours: a tie, by id
        forward = _forward(session, clinician, per_page)
        expected = [patient for patient, _, _ in _fresh(session, patients, NOW)]
        assert [row.id for page in forward for row in page.rows] == expected
        assert [page.page for page in forward] == list(range(1, len(forward) + 1))
        assert {page.pages for page in forward} == {len(forward)}
        assert forward[0].earlier is None
        # Back from the last page, following the Previous links: the same pages.
        backward = [forward[-1]]
        while backward[-1].earlier is not None:
            backward.append(
                _page(
                    session,
                    clinician,
                    per_page,
                    page=backward[-1].page - 1,
                    before=backward[-1].earlier,
                )
            )
        assert [(p.page, p.rows) for p in backward] == [(p.page, p.rows) for p in forward[::-1]]
        # A link made before pages had places: page n counted from the first.
        for number, page in enumerate(forward, 1):
            assert _page(session, clinician, per_page, page=number).rows == page.rows
        session.rollback()


@SLOW
@given(
    diaries=kinds.filter(lambda d: len(d) >= 2),
    per_page=st.integers(1, 5),
    changes=st.lists(
        st.tuples(st.integers(0, 29), st.sampled_from(["mild", "warning", "ongoing", "clear"])),
        max_size=8,
    ),
)
def test_while_statuses_change_the_unchanged_are_each_listed_once(
    db: Database,
    make_episode: Make,
    diaries: list[tuple[str, int]],
    per_page: int,
    changes: list[tuple[int, str]],
) -> None:
    with db.session() as session:
        clinician, patients = _clinic(session, len(diaries))
        for patient, (kind, hours) in zip(patients, diaries, strict=True):
            _log(session, make_episode, patient, kind, hours)
        changed: Counter[int] = Counter()  # how many times each patient's diary changed

        def change(number: int) -> None:
            if number > len(changes):
                return
            which, kind = changes[number - 1]
            patient = patients[which % len(patients)]
            changed[patient] += 1
            if kind == "clear":  # every episode deleted: no recent episode, last in the list
                for episode in repo.list_episodes(session=session, patient_id=patient):
                    repo.delete_episode(session=session, patient_id=patient, episode_id=episode.id)
            else:
                _log(session, make_episode, patient, kind, 1 + number % 3)

        pages = _forward(session, clinician, per_page, between=change)
        listed = [row.id for page in pages for row in page.rows]
        assert all(listed.count(p) == 1 for p in patients if p not in changed)
        # Each change can move a patient ahead of the page being read: listed once more.
        assert all(listed.count(p) <= 1 + times for p, times in changed.items())
        places = [_place(row) for page in pages for row in page.rows]
        assert places == sorted(places)  # each page starts where the one before ended
        assert len(set(places)) == len(places)
        session.rollback()


# Steps on three patients shared with one clinician: log an episode, revoke the share,
# share again, or load the clinician's first page (which computes what is queued).
queue_steps = st.lists(
    st.tuples(st.sampled_from(["log", "revoke", "share", "page"]), st.integers(0, 2)),
    min_size=1,
    max_size=14,
)


def _queued(session: Session) -> set[int]:
    return set(session.scalars(select(StatusQueueRow.patient_id)))


def _share(session: Session, clinician: accounts.User, patient: int) -> None:
    code = accounts.create_invitation(session=session, patient_id=patient, now=NOW, secret=SECRET)
    accounts.redeem_invitation(
        session=session, code=code, clinician=clinician, now=NOW, secret=SECRET
    )


@SLOW
@given(steps=queue_steps)
def test_a_change_or_a_share_queues_a_status_and_computing_it_clears_it(
    db: Database, make_episode: Make, steps: list[tuple[str, int]]
) -> None:
    with db.session() as session:
        clinician, patients = _clinic(session, 3)
        shared = set(patients)
        expected = set(patients)  # each has just shared: queued
        assert _queued(session) == expected
        for number, (what, which) in enumerate(steps):
            patient = patients[which]
            if what == "log":
                _log(session, make_episode, patient, "mild", 1 + number)
                if patient in shared:
                    expected.add(patient)  # a diary nobody shares is on no dashboard
            elif what == "revoke" and patient in shared:
                accounts.revoke_access(
                    session=session, patient_id=patient, clinician_id=clinician.id, now=NOW
                )
                shared.discard(patient)
            elif what == "share" and patient not in shared:
                _share(session, clinician, patient)
                shared.add(patient)
                expected.add(patient)  # its status may be missing or from before changes
            elif what == "page":
                assert _shown(session, clinician, NOW) == _fresh(session, sorted(shared), NOW)
                expected -= shared
            assert _queued(session) == expected
            needing = dashboard.patients_needing_status(
                session=session, clinician_id=clinician.id, now=NOW
            )
            assert [p for p, _ in needing] == sorted(expected & shared)
        assert _shown(session, clinician, NOW) == _fresh(session, sorted(shared), NOW)
        session.rollback()


def _computed_then_changed(session: Session, make_episode: Make) -> tuple[Any, int, int, Any]:
    """A clinician's one patient whose status was computed (at the diary's version then),
    after which the diary changed: (clinician, patient, that version, the status)."""
    clinician, [patient] = _clinic(session, 1)
    _log(session, make_episode, patient, "mild", 2)
    [(_, version)] = dashboard.patients_needing_status(
        session=session, clinician_id=clinician.id, now=NOW
    )
    computed = patient_status(session=session, patient_id=patient, diary_version=version, now=NOW)
    _log(session, make_episode, patient, "warning", 1)  # meanwhile
    return clinician, patient, version, computed


def test_a_change_made_while_a_status_is_computed_stays_queued(
    db: Database, make_episode: Make
) -> None:
    with db.session() as session:
        clinician, patient, version, computed = _computed_then_changed(session, make_episode)
        dashboard.save_statuses(session=session, statuses=[computed])
        [(queued, newer)] = dashboard.patients_needing_status(
            session=session, clinician_id=clinician.id, now=NOW
        )
        assert (queued, newer != version) == (patient, True)
        assert _shown(session, clinician, NOW) == [(patient, Level.emergency, "isolated")]
        assert _queued(session) == set()


def test_a_status_saved_late_from_an_older_diary_does_not_replace_a_newer_one(
    db: Database, make_episode: Make
) -> None:
    with db.session() as session:
        clinician, patient, _, slow = _computed_then_changed(session, make_episode)
        # Another request computes and saves the newer status (and clears the queue)...
        assert _shown(session, clinician, NOW) == [(patient, Level.emergency, "isolated")]
        # ...then the slow one saves what it made of the older diary.
        dashboard.save_statuses(session=session, statuses=[slow])
        assert (
            dashboard.patients_needing_status(session=session, clinician_id=clinician.id, now=NOW)
            == []
        )
        assert _shown(session, clinician, NOW) == [(patient, Level.emergency, "isolated")]


def test_a_page_is_a_fixed_handful_of_statements_and_one_audit_insert(
    db: Database, make_episode: Make
) -> None:
    with db.session() as session:
        clinician, patients = _clinic(session, 12)
        for number, patient in enumerate(patients):
            _log(session, make_episode, patient, "mild", 1 + number)
        first = _page(session, clinician, 5)  # computes the twelve statuses
        expected = [patient for patient, _, _ in _fresh(session, patients, NOW)]
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.session() as session:
            second = _page(session, clinician, 5, page=2, after=first.later)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert [row.id for row in second.rows] == expected[5:10]
    # What needs computing, the page (with the count kept on the clinician's account),
    # Needs attention, and the audit entries: one INSERT for the five patients listed, which
    # reads nothing.
    assert len(statements) == 4, statements
    [insert] = [s for s in statements if not s.startswith("SELECT")]
    assert insert.startswith("INSERT INTO AUDIT_LOG")
    with db.session() as session:
        entries = accounts.audit_for_patient(session=session, patient_id=second.rows[0].id)
    assert [(e.action, e.target, e.name, e.granted) for e in entries] == [
        ("list", "/clinician", "Doctor", True)
    ]


@pytest.mark.parametrize(
    "text", ["", "2.3", "2.3.4.5", "a.b.c", "9.0.1", "1.0.0", "1.0.-4", "1.99999999999999999999.1"]
)
def test_a_page_key_is_read_back_from_its_link_and_from_nothing_else(text: str) -> None:
    key = PageKey(2, -1732012345678901, 42)
    assert str(key) == "2.-1732012345678901.42"
    assert PageKey.parse(str(key), field="after") == key
    with pytest.raises(InputError, match=r"^after: is not a place in the list of patients$"):
        PageKey.parse(text, field="after")


# Steps on four patients and two clinicians: a patient shares with a clinician (again: a
# second share of the same patient is still one patient), revokes it, or is erased.
count_steps = st.lists(
    st.tuples(st.sampled_from(["share", "revoke", "erase"]), st.integers(0, 3), st.booleans()),
    max_size=12,
)


@SLOW
@given(steps=count_steps)
def test_the_number_of_sharing_patients_is_kept_as_shares_change(
    db: Database, steps: list[tuple[str, int, bool]]
) -> None:
    with db.session() as session:
        doctors = [
            accounts.create_user(
                session=session,
                email=f"doctor{n}@example.org",
                display_name=f"Doctor {n}",
                password_hash="x",
                role="clinician",
                now=NOW,
            )
            for n in (1, 2)
        ]
        people = [
            accounts.create_user(
                session=session,
                email=f"patient{n}@example.org",
                display_name=f"Patient {n}",
                password_hash="x",
                role="patient",
                now=NOW,
            )
            for n in range(4)
        ]
        erased: set[int] = set()
        for what, which, second in steps:
            person, doctor = people[which], doctors[int(second)]
            assert person.patient_id is not None
            if person.id in erased:
                continue
            if what == "share":
                _share(session, doctor, person.patient_id)
            elif what == "revoke" and accounts.has_share(
                session=session, clinician_id=doctor.id, patient_id=person.patient_id
            ):
                accounts.revoke_access(
                    session=session, patient_id=person.patient_id, clinician_id=doctor.id, now=NOW
                )
            elif what == "erase":
                accounts.erase_account(session=session, user_id=person.id, now=NOW, name="Someone")
                erased.add(person.id)
            for each in doctors:
                counted = dashboard.count_patients(session=session, clinician_id=each.id)
                assert accounts.shared_patients(session=session, clinician_id=each.id) == counted
        for each in doctors:
            assert _page(session, each, 50).total == dashboard.count_patients(
                session=session, clinician_id=each.id
            )
        session.rollback()
