"""The diary cache keeps answers by key, least recently used first out, within a size in
bytes; a diary is kept once per version, whatever periods are asked of it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neckcheck.domain import Episode, EpisodeCreate
from neckcheck.services.diary import diary_history
from neckcheck.storage import repo
from neckcheck.storage.cache import EPISODE_BYTES, DiaryCache, footprint
from neckcheck.storage.db import Database, open_database
from tests.factories import NOW, local_diary

# A note at the 5,000-character limit, in characters of 4 bytes: 20 KB in memory.
HEAVY = "\N{GRINNING FACE}" * 5000


def test_answers_are_kept_by_key_and_computed_once() -> None:
    cache = DiaryCache(max_bytes=10_000)
    calls: list[str] = []

    def load(name: str) -> list[str]:
        calls.append(name)
        return [name] * 3

    assert cache.get_or_compute(("a", 1), lambda: load("a")) == ["a"] * 3
    assert cache.get_or_compute(("a", 1), lambda: load("a")) == ["a"] * 3
    assert cache.get_or_compute(("a", 2), lambda: load("b")) == ["b"] * 3
    assert calls == ["a", "b"]
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_least_recently_used_answers_go_first_when_too_many_bytes_are_held() -> None:
    text = "x" * 1000
    one = footprint([text])
    cache = DiaryCache(max_bytes=2 * one + one // 2)  # room for two answers of this size
    for key in "abc":
        cache.get_or_compute(key, lambda: [text])
    assert cache.bytes == 2 * one
    cache.get_or_compute("b", lambda: [text])  # still kept: "a" went first
    assert cache.hits == 1
    cache.get_or_compute("a", lambda: [text])
    assert cache.misses == 4


def test_an_answer_larger_than_the_cache_is_returned_not_kept_and_known_as_too_large() -> None:
    cache = DiaryCache(max_bytes=5_000)
    huge = ["y" * 10_000]
    assert cache.get_or_compute("huge", lambda: huge) is huge
    assert cache.get_or_compute("huge", lambda: huge) is huge
    assert (cache.misses, cache.bytes) == (2, 0)
    assert cache.too_large("huge") and not cache.too_large("small")


def test_an_episode_weighs_its_notes_in_bytes(episode: Callable[..., Episode]) -> None:
    light = episode(1)
    heavy = episode(1, notes=HEAVY)
    assert footprint(light) >= EPISODE_BYTES
    # 4 bytes a character, and as many again for the UTF-8 copy once it has been sent
    assert footprint(heavy) - footprint(light) >= 2 * 4 * 5000
    assert footprint((light, heavy)) > footprint(light) + footprint(heavy)


def test_many_threads_get_the_same_answers() -> None:
    one = footprint([0] * 5)
    cache = DiaryCache(max_bytes=12 * one)  # room for 12 of the 20 answers: threads evict
    results: list[tuple[int, list[int]]] = []

    def reader(n: int) -> None:
        for i in range(200):
            key = (i * (n + 1)) % 20
            results.append((key, cache.get_or_compute(key, lambda key=key: [key] * 5)))

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1600
    # Every answer is the one computed for its own key, never another key's.
    assert all(answer == [key] * 5 for key, answer in results)
    assert cache.hits + cache.misses == 1600
    assert cache.hits and cache.misses


# --- a diary with heavy notes, asked for many periods (the second outside probe) ------------


def _heavy_diary(tmp_path: Path, episodes: int, **options: int) -> tuple[Database, int]:
    db = open_database(f"sqlite:///{tmp_path / 'heavy.db'}", **options)
    with db.session() as session:
        diary = local_diary(session)
        items = [
            EpisodeCreate(started_at=NOW - timedelta(days=day, hours=2), intensity=4, notes=HEAVY)
            for day in range(episodes, 0, -1)
        ]
        repo.add_episodes(session=session, patient_id=diary.patient_id, items=items, now=NOW)
        return db, diary.patient_id


def test_sixty_periods_of_one_diary_are_kept_once(tmp_path: Path) -> None:
    db, patient = _heavy_diary(tmp_path, 100)
    cache: DiaryCache = db.sessions.kw["info"]["diary_cache"]  # type: ignore[index]
    with db.session() as session:
        for day in range(60):
            start = NOW - timedelta(days=100 - day, hours=3)
            found = repo.list_episodes(session=session, patient_id=patient, start=start)
            assert len(found) == 100 - day
        one = footprint(repo.get_episode(session=session, patient_id=patient, episode_id=1))
    assert cache.misses == 1  # the whole diary, read once
    assert 100 * one <= cache.bytes < 1.1 * 100 * one  # one copy, not sixty
    db.close()


def test_a_diary_larger_than_the_cache_is_read_by_period_and_not_kept(tmp_path: Path) -> None:
    db, patient = _heavy_diary(tmp_path, 50, cache_bytes=200_000)  # 50 x 24 KB do not fit
    cache: DiaryCache = db.sessions.kw["info"]["diary_cache"]  # type: ignore[index]
    with db.session() as session:
        for day in range(10):
            start = NOW - timedelta(days=50 - day, hours=3)
            found = repo.list_episodes(session=session, patient_id=patient, start=start)
            assert len(found) == 50 - day
        latest = repo.list_episodes(session=session, patient_id=patient, limit=3)
    assert [e.started_at for e in latest] == [NOW - timedelta(days=d, hours=2) for d in (1, 2, 3)]
    assert cache.bytes == 0
    assert cache.misses == 1  # the whole diary was tried once, then periods were asked for
    db.close()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.integers(-5, 40),
    days=st.integers(0, 45),
    limit=st.none() | st.integers(1, 12),
    newest_first=st.booleans(),
)
def test_a_period_cut_from_the_kept_diary_is_what_the_database_gives(
    tmp_path_factory: object, first: int, days: int, limit: int | None, newest_first: bool
) -> None:
    folder = tmp_path_factory.mktemp("cut")
    db = open_database(f"sqlite:///{folder / 'd.db'}")
    with db.session() as session:
        diary = local_diary(session)
        items = [  # two episodes a day some days, at the same moment: ordered by id
            EpisodeCreate(started_at=NOW - timedelta(days=d // 2, hours=1), intensity=d % 11)
            for d in range(0, 70)
        ]
        repo.add_episodes(session=session, patient_id=diary.patient_id, items=items, now=NOW)
    start = NOW - timedelta(days=first)
    end = start + timedelta(days=days)
    with db.session() as session:
        asked = {
            "session": session,
            "patient_id": diary.patient_id,
            "start": start,
            "end": end,
            "limit": limit,
            "newest_first": newest_first,
        }
        cut = repo.list_episodes(**asked)
        direct = repo.list_episodes(**asked, keep=False)
    db.close()
    assert [e.id for e in cut] == [e.id for e in direct]


def test_a_diary_version_is_read_once_per_transaction_and_set_by_a_change(
    tmp_path: Path,
) -> None:
    from sqlalchemy import event

    db, patient = _heavy_diary(tmp_path, 3)
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "diary_version" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    with db.session() as session:
        for _ in range(3):
            assert len(repo.list_episodes(session=session, patient_id=patient)) == 3
            diary_history(session, patient)
            repo.pain_free_days(session=session, patient_id=patient)
    assert len(reads) == 1
    with db.session() as session:  # a change sets the version it reads next
        repo.add_episodes(
            session=session,
            patient_id=patient,
            items=[EpisodeCreate(started_at=NOW - timedelta(hours=1), intensity=3)],
            now=NOW,
        )
        before = len(reads)
        assert len(repo.list_episodes(session=session, patient_id=patient)) == 4
        assert len(reads) == before
    with db.session() as other:  # another transaction reads it again, and sees the change
        assert len(repo.list_episodes(session=other, patient_id=patient)) == 4
    assert len(reads) == before + 1
    db.close()
