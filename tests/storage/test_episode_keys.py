"""Idempotency keys: an episode sent again with the key of an earlier send (a phone retrying
what it kept offline) is stored once, on SQLite and on PostgreSQL, also when the two sends
arrive at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from neckcheck.clock import FixedClock
from neckcheck.domain import Episode, EpisodeCreate
from neckcheck.errors import InputError, NotFoundError
from neckcheck.services.diary import Diary, Logged
from neckcheck.storage import repo
from neckcheck.storage.db import Database
from neckcheck.storage.tables import EpisodeKeyRow, EpisodeRow
from tests.factories import NOW

Make = Callable[..., EpisodeCreate]
KEY = "0b6f2c1e-5d4a-4f3b-8e9d-7a6b5c4d3e2f"


def _diary(db: Database, name: str = "Ann") -> int:
    with db.session() as session:
        return repo.create_patient(session=session, display_name=name, now=NOW)


def _log_once(db: Database, patient_id: int, data: EpisodeCreate, key: str = KEY) -> Logged:
    with db.session() as session:
        return Diary(session, patient_id, FixedClock(NOW)).log_once(data, key)


def _episodes(db: Database) -> list[tuple[int, int]]:
    with db.session() as session:
        rows = session.execute(select(EpisodeRow.id, EpisodeRow.patient_id)).all()
    return [(row.id, row.patient_id) for row in rows]


def test_a_second_send_with_the_same_key_returns_the_first_episode(
    db: Database, make_episode: Make
) -> None:
    patient = _diary(db)
    first = _log_once(db, patient, make_episode(intensity=6))
    # The retry may carry other values (a form read again later): the key decides.
    again = _log_once(db, patient, make_episode(intensity=2))
    assert first.created and not again.created
    assert again.episode == first.episode
    assert again.episode.intensity == 6
    assert _episodes(db) == [(first.episode.id, patient)]


def test_keys_are_per_patient(db: Database, make_episode: Make) -> None:
    ann, bob = _diary(db, "Ann"), _diary(db, "Bob")
    for_ann = _log_once(db, ann, make_episode(intensity=3))
    for_bob = _log_once(db, bob, make_episode(intensity=8))
    assert for_ann.created and for_bob.created
    assert for_bob.episode.patient_id == bob and for_bob.episode.intensity == 8
    assert sorted(_episodes(db)) == [(for_ann.episode.id, ann), (for_bob.episode.id, bob)]
    with db.session() as session:  # Bob's key never shows him Ann's episode
        assert Diary(session, bob, FixedClock(NOW)).sent_with(KEY) == for_bob.episode


def test_a_key_whose_episode_was_deleted_creates_nothing(db: Database, make_episode: Make) -> None:
    patient = _diary(db)
    first = _log_once(db, patient, make_episode())
    with db.session() as session:
        Diary(session, patient, FixedClock(NOW)).delete(first.episode.id)
    with pytest.raises(NotFoundError, match="first sent with this key has been deleted"):
        _log_once(db, patient, make_episode())
    assert _episodes(db) == []


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space in it", "ünïcode-key-1234", ""])
def test_a_malformed_key_is_refused_naming_the_field(
    db: Database, make_episode: Make, key: str
) -> None:
    patient = _diary(db)
    with pytest.raises(InputError) as refused:
        _log_once(db, patient, make_episode(), key)
    assert refused.value.problems[0].as_dict() == {
        "field": "idempotency_key",
        "message": "must be 8 to 64 letters, digits, - or _ (a UUID fits)",
    }
    assert _episodes(db) == []


def test_sends_at_the_same_moment_store_one_episode(
    db: Database, make_episode: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both sends look the key up before either stores it (a barrier holds each after its
    look-up), so both go on to claim it: one wins, the other returns the winner's episode."""
    patient = _diary(db)
    looked_up = threading.Barrier(2, timeout=20)
    first_look = threading.local()
    real_lookup = repo.sent_with_key

    def lookup(**kwargs: Any) -> Episode | None:
        found = real_lookup(**kwargs)
        if not getattr(first_look, "done", False):
            first_look.done = True
            looked_up.wait()
        return found

    monkeypatch.setattr(repo, "sent_with_key", lookup)
    results: list[Logged] = []
    errors: list[BaseException] = []

    def send(intensity: int) -> None:
        try:
            results.append(_log_once(db, patient, make_episode(intensity=intensity)))
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in (4, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(logged.created for logged in results) == [False, True]
    assert results[0].episode == results[1].episode
    assert len(_episodes(db)) == 1
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(EpisodeKeyRow)) == 1
