"""Repository round trips on a real SQLite file."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from neckcheck.domain import EpisodeCreate, EpisodeUpdate, Imported, Origin
from neckcheck.errors import InputError, NotFoundError
from neckcheck.patterns.history import DiaryHistory
from neckcheck.services.diary import diary_history
from neckcheck.storage import repo
from neckcheck.storage.db import BUSY_SECONDS, Database, open_database
from neckcheck.storage.tables import PatientRow
from tests.factories import NOW, local_diary

Make = Callable[..., EpisodeCreate]
CET = timezone(timedelta(hours=1))


def _patient(session: Session) -> int:
    return repo.ensure_local_patient(session=session, now=NOW)


def test_round_trip_keeps_every_field_and_the_given_offset(
    db: Database, make_episode: Make
) -> None:
    data = make_episode(
        started_at=datetime(2026, 3, 1, 23, 30, tzinfo=CET),
        ended_at=datetime(2026, 3, 2, 1, 15, tzinfo=CET),
        onset="gradual",
        intensity=7,
        pain_qualities=["burning", "throbbing"],
        regions=["upper_right", "shoulder_right"],
        limited_movements=["rotation_right"],
        findings=["headache", "fatigue"],
        absent=["fever"],
        triggers=["screen_time", "stress"],
        remedies=[{"remedy": "heat", "helped": "a_lot"}, {"remedy": "rest", "helped": "none"}],
        activities_affected=["sleep", "work"],
        stress=8,
        notes="Deadline week. Ünïcode ok.",
    )
    with db.session() as session:
        patient_id = _patient(session)
        created = repo.create_episode(session=session, patient_id=patient_id, data=data, now=NOW)
    # A new session reads what is on disk, not what the first one cached.
    with db.session() as session:
        stored = repo.get_episode(session=session, patient_id=patient_id, episode_id=created.id)
    assert stored.model_dump(include=set(EpisodeCreate.model_fields)) == data.model_dump()
    assert stored.started_at.utcoffset() == timedelta(hours=1)
    assert stored.started_at.hour == 23
    assert stored.created_at.tzinfo is not None


def test_the_instant_is_stored_in_utc(db: Database, make_episode: Make) -> None:
    with db.session() as session:
        repo.create_episode(
            session=session,
            patient_id=_patient(session),
            data=make_episode(started_at=datetime(2026, 3, 1, 23, 30, tzinfo=CET)),
            now=NOW,
        )
        raw = session.execute(text("SELECT started_at, started_offset_min FROM episodes")).one()
    assert str(raw[0]).startswith("2026-03-01 22:30")
    assert raw[1] == 60


def test_several_episodes_a_day_newest_first(db: Database, make_episode: Make) -> None:
    day = datetime(2026, 4, 2, tzinfo=UTC)
    with db.session() as session:
        patient_id = _patient(session)
        for hour in (7, 12, 18):
            repo.create_episode(
                session=session,
                patient_id=patient_id,
                data=make_episode(started_at=day + timedelta(hours=hour)),
                now=NOW,
            )
        episodes = repo.list_episodes(session=session, patient_id=patient_id)
    assert [e.started_at.hour for e in episodes] == [18, 12, 7]


def test_list_filters_by_date_range_and_limit(db: Database, make_episode: Make) -> None:
    base = datetime(2026, 1, 1, 9, tzinfo=UTC)
    with db.session() as session:
        patient_id = _patient(session)
        for day in range(10):
            repo.create_episode(
                session=session,
                patient_id=patient_id,
                data=make_episode(started_at=base + timedelta(days=day)),
                now=NOW,
            )
        window = repo.list_episodes(
            session=session,
            patient_id=patient_id,
            start=base + timedelta(days=3),
            end=base + timedelta(days=6),
            newest_first=False,
        )
        assert [e.started_at.day for e in window] == [4, 5, 6]
        assert len(repo.list_episodes(session=session, patient_id=patient_id, limit=4)) == 4
        assert repo.count_episodes(session=session, patient_id=patient_id) == 10


def test_update_changes_only_the_given_fields(db: Database, make_episode: Make) -> None:
    with db.session() as session:
        patient_id = _patient(session)
        episode = repo.create_episode(
            session=session,
            patient_id=patient_id,
            data=make_episode(intensity=4, notes="before"),
            now=NOW,
        )
    end = episode.started_at + timedelta(hours=1)
    with db.session() as session:
        updated = local_diary(session).edit(episode.id, EpisodeUpdate(intensity=6, ended_at=end))
    assert (updated.intensity, updated.ended_at, updated.notes) == (6, end, "before")
    assert updated.updated_at >= episode.updated_at


def test_an_invalid_update_writes_nothing(db: Database, make_episode: Make) -> None:
    with db.session() as session:
        patient_id = _patient(session)
        episode = repo.create_episode(
            session=session, patient_id=patient_id, data=make_episode(), now=NOW
        )
    with (
        pytest.raises(InputError, match="ended_at: must not be before the start"),
        db.session() as session,
    ):
        local_diary(session).edit(
            episode.id, EpisodeUpdate(ended_at=episode.started_at - timedelta(hours=1))
        )
    with db.session() as session:
        again = repo.get_episode(session=session, patient_id=patient_id, episode_id=episode.id)
    assert again.ended_at is None


def test_delete_removes_the_episode(db: Database, make_episode: Make) -> None:
    with db.session() as session:
        patient_id = _patient(session)
        episode = repo.create_episode(
            session=session, patient_id=patient_id, data=make_episode(), now=NOW
        )
        repo.delete_episode(session=session, patient_id=patient_id, episode_id=episode.id)
        with pytest.raises(NotFoundError, match=f"episode {episode.id} not found"):
            repo.get_episode(session=session, patient_id=patient_id, episode_id=episode.id)


def test_another_patients_episode_is_not_found(db: Database, make_episode: Make) -> None:
    with db.session() as session:
        mine = _patient(session)
        other = PatientRow(display_name="Other", created_at=NOW)
        session.add(other)
        session.flush()
        theirs = repo.create_episode(
            session=session, patient_id=other.id, data=make_episode(), now=NOW
        )
        for call in (repo.get_episode, repo.delete_episode):
            with pytest.raises(NotFoundError):
                call(session=session, patient_id=mine, episode_id=theirs.id)
        assert repo.list_episodes(session=session, patient_id=mine) == []


def test_imported_episodes_keep_their_source_and_recording_time(
    db: Database, make_episode: Make
) -> None:
    recorded = datetime(2025, 1, 2, 3, 4, 5, tzinfo=CET)
    with db.session() as session:
        patient_id = _patient(session)
        logged = repo.create_episode(
            session=session, patient_id=patient_id, data=make_episode(), now=NOW
        )
        added = repo.add_episodes(
            session=session,
            patient_id=patient_id,
            items=[
                Imported(make_episode(), "http://example.org/pain|1", recorded),
                Imported(make_episode(), "http://example.org/pain|2"),
            ],
            now=NOW + timedelta(hours=1),
        )
    assert added == 2
    with db.session() as session:
        origins = repo.episode_origins(session=session, patient_id=patient_id)
    assert origins.pop(logged.id) == Origin(None, NOW)
    assert sorted(origins.values(), key=lambda o: str(o.source_id)) == [
        Origin("http://example.org/pain|1", recorded),
        Origin("http://example.org/pain|2", NOW + timedelta(hours=1)),
    ]


def test_a_source_is_imported_once_per_patient(db: Database, make_episode: Make) -> None:
    item = Imported(make_episode(), "urn:ietf:rfc:3986|urn:uuid:1")
    with db.session() as session:
        mine = _patient(session)
        other = PatientRow(display_name="Other", created_at=NOW)
        session.add(other)
        session.flush()
        for patient_id in (mine, other.id):  # another diary may hold the same record
            repo.add_episodes(session=session, patient_id=patient_id, items=[item], now=NOW)
    with pytest.raises(IntegrityError), db.session() as session:
        repo.add_episodes(session=session, patient_id=mine, items=[item], now=NOW)


def test_deleting_a_patient_cascades_through_the_foreign_key(
    db: Database, make_episode: Make
) -> None:
    with db.session() as session:
        patient_id = _patient(session)
        repo.create_episode(session=session, patient_id=patient_id, data=make_episode(), now=NOW)
    with db.session() as session:
        session.execute(text("DELETE FROM patients"))
        assert session.execute(text("SELECT count(*) FROM episodes")).scalar() == 0


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'wal.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.close()


@pytest.mark.serial  # it measures how long a writer waits
@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_sqlite_writers_queue_and_every_ending_frees_the_turn(
    tmp_path: Path, make_episode: Make, ending: str
) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'queue.db'}")
    with database.session() as session:
        patient_id = _patient(session)
    first = database.sessions()
    repo.create_episode(session=first, patient_id=patient_id, data=make_episode(), now=NOW)
    waited: list[float] = []

    def second_writer() -> None:
        start = time.perf_counter()
        with database.session() as session:
            repo.create_episode(
                session=session, patient_id=patient_id, data=make_episode(), now=NOW
            )
        waited.append(time.perf_counter() - start)

    writer = threading.Thread(target=second_writer)
    writer.start()
    writer.join(0.5)
    assert writer.is_alive()  # the first transaction still holds the write turn
    getattr(first, ending)()
    writer.join(BUSY_SECONDS)
    assert not writer.is_alive()
    # Well inside the busy timeout: the waiting writer starts when the turn is free.
    assert waited[0] < 0.5 + BUSY_SECONDS / 2
    with database.session() as session:
        stored = len(repo.list_episodes(session=session, patient_id=patient_id))
    assert stored == (2 if ending == "commit" else 1)
    first.close()
    database.close()


def test_the_local_patient_is_created_once(db: Database) -> None:
    with db.session() as session:
        first = _patient(session)
    with db.session() as session:
        assert _patient(session) == first


def test_history_counts_recent_episodes_and_weeks(db: Database, make_episode: Make) -> None:
    at = datetime(2026, 6, 30, 12, tzinfo=UTC)
    starts = [at - timedelta(days=d) for d in (0, 3, 10, 29, 31, 45, 52, 60)]
    with db.session() as session:
        patient_id = _patient(session)
        for start in starts:
            repo.create_episode(
                session=session,
                patient_id=patient_id,
                data=make_episode(started_at=start, ended_at=start + timedelta(hours=2)),
                now=NOW,
            )
        history = diary_history(session, patient_id).at(at)
    # Days 0, 3, 10, 29 are within 30 days; 31 is not.
    assert history.episodes_last_30_days == 4
    # Weeks back from `at`: [0-7) has 0 and 3; [7-14) has 10; [14-21) has none -> 2 weeks.
    assert history.weeks_with_symptoms == 2


@pytest.mark.parametrize(
    ("spans_days", "weeks"),
    [
        ([], 0),
        ([(1, 1.1)], 1),
        ([(1, 1.1), (8, 8.1), (15, 15.1)], 3),
        ([(1, 1.1), (15, 15.1)], 1),  # the week in between had nothing
        ([(0, 100)], 15),  # one long episode touches every week it spans
    ],
)
def test_weeks_with_symptoms(spans_days: list[tuple[float, float]], weeks: int) -> None:
    at = datetime(2026, 6, 30, tzinfo=UTC)
    spans = [(at - timedelta(days=b), at - timedelta(days=a)) for a, b in spans_days]
    assert DiaryHistory(spans).weeks_at(at) == weeks


def test_open_database_creates_the_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("fresh") / "nested" / "dir"
    database = open_database(f"sqlite:///{folder / 'x.db'}")
    database.close()
    assert (folder / "x.db").is_file()


def test_kept_lists_follow_every_change_and_forget_rolled_back_ones(
    db: Database, make_episode: Make
) -> None:
    with db.session() as session:
        patient_id = _patient(session)

    def notes() -> list[str]:
        with db.session() as session:
            return [e.notes for e in repo.list_episodes(session=session, patient_id=patient_id)]

    assert notes() == []
    assert notes() == []  # kept: the second read comes from the cache
    hits = db.sessions.kw["info"]["diary_cache"].hits
    assert hits >= 1
    # A transaction writes and reads its own change, then rolls back...
    session = db.sessions()
    repo.create_episode(
        session=session, patient_id=patient_id, data=make_episode(notes="gone"), now=NOW
    )
    assert [e.notes for e in repo.list_episodes(session=session, patient_id=patient_id)] == ["gone"]
    session.rollback()
    session.close()
    # ...and a committed change afterwards is what every reader sees.
    with db.session() as session:
        repo.create_episode(
            session=session, patient_id=patient_id, data=make_episode(notes="kept"), now=NOW
        )
    assert notes() == ["kept"]
    with db.session() as session:
        history = diary_history(session, patient_id).at(NOW)
    assert history.episodes_last_30_days == 1
