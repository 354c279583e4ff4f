"""50 simulated users log and read for a minute against a real server, on SQLite and on
PostgreSQL: no errors, and every acknowledged write is there afterwards. A server killed
with SIGKILL in the middle of writes loses no acknowledged episode and starts again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from tests.factories import patient_accounts, sign_in
from tests.reliability.conftest import Server, post_episode, report, run_users, stored_ids

# Load on real servers for a fixed time: alone, so that nothing else shares the cores.
pytestmark = pytest.mark.serial

USERS = 50


@pytest.fixture
def database_url(sqlite_or_postgres_url: str) -> str:
    return sqlite_or_postgres_url


def _accounts(url: str, count: int) -> list[str]:
    emails = [f"user{n}@example.org" for n in range(count)]
    patient_accounts(url, emails)
    return emails


def test_fifty_users_for_a_minute(
    database_url: str, make_server: Callable[[str], Server], request: pytest.FixtureRequest
) -> None:
    emails = _accounts(database_url, USERS)
    server = make_server(database_url)
    server.start()
    openers = [sign_in(server.base, email) for email in emails]
    run = run_users(openers, server.base)
    lost = sum(len(run.acknowledged[i] - stored_ids(openers[i], server.base)) for i in range(USERS))
    written = sum(map(len, run.acknowledged))
    backend = request.node.callspec.params["sqlite_or_postgres_url"]
    report(
        f"{backend}: {run.summary()}; {written} writes acknowledged, {lost} lost, "
        f"{len(run.errors)} errors"
    )
    assert run.errors == []
    assert lost == 0
    assert written > USERS


def test_sigkill_loses_no_acknowledged_episode(
    database_url: str, make_server: Callable[[str], Server]
) -> None:
    [email] = _accounts(database_url, 1)
    server = make_server(database_url)
    server.start()
    opener = sign_in(server.base, email)
    acknowledged: set[int] = set()
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                acknowledged.add(post_episode(opener, server.base, f"kill-{n}"))
            except Exception:
                time.sleep(0.01)

    writers = [threading.Thread(target=write) for _ in range(8)]
    for writer in writers:
        writer.start()
    time.sleep(3)
    server.kill()
    stop.set()
    for writer in writers:
        writer.join()
    server.start()  # starts again cleanly on the same database
    stored = stored_ids(sign_in(server.base, email), server.base)
    assert acknowledged
    assert acknowledged <= stored
