"""50 simulated users log and read for a minute against a real server, on SQLite and on
PostgreSQL: no errors, and every acknowledged write is there afterwards. A server killed
with SIGKILL in the middle of writes loses no acknowledged episode and starts again."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable

import pytest

from tests.factories import patient_accounts, sign_in
from tests.reliability.conftest import Server, post_episode, report, stored_ids

USERS = 50
SECONDS = float(os.environ.get("NECKCHECK_LOAD_SECONDS", "60"))


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
    acknowledged: list[set[int]] = [set() for _ in emails]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def user(index: int) -> None:
        opener = openers[index]
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                start = time.perf_counter()
                if n % 2:
                    acknowledged[index].add(post_episode(opener, server.base, f"{index}-{n}"))
                else:
                    stored_ids(opener, server.base)
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
            except Exception as exc:
                with lock:
                    errors.append(f"user {index}: {exc!r}")

    threads = [threading.Thread(target=user, args=(i,)) for i in range(USERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    lost = sum(len(acknowledged[i] - stored_ids(openers[i], server.base)) for i in range(USERS))
    ordered = sorted(latencies)
    backend = request.node.callspec.params["sqlite_or_postgres_url"]
    report(
        f"{backend}: {len(latencies)} requests in {wall:.0f} s by {USERS} users = "
        f"{len(latencies) / wall:.0f} req/s; p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p99 {ordered[int(0.99 * (len(ordered) - 1))] * 1000:.0f} ms; "
        f"{sum(map(len, acknowledged))} writes acknowledged, {lost} lost, "
        f"{len(errors)} errors"
    )
    assert errors == []
    assert lost == 0
    assert sum(map(len, acknowledged)) > USERS


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
