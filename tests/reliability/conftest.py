"""A real clinic server in its own process, and the figures the load tests print."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from neckcheck.web import GRACEFUL_SECONDS
from tests.conftest import report as figure
from tests.factories import NOW
from tests.ports import free_port


def report(line: str) -> None:
    """A reliability figure, printed at the end of the run under its own heading."""
    figure(line, line, section="reliability")


def post_episode(opener: Any, base: str, label: str) -> int:
    """Log an episode (an hour before NOW) through the JSON API; its id once acknowledged."""
    body = json.dumps(
        {
            "started_at": (NOW - timedelta(hours=1)).isoformat(),
            "intensity": random.randint(0, 10),
            "notes": label,
        }
    ).encode()
    request = urllib.request.Request(
        base + "/api/v1/episodes", body, {"Content-Type": "application/json"}
    )
    with opener.open(request, timeout=30) as response:
        assert response.status == 201
        episode_id: int = json.loads(response.read())["id"]
        return episode_id


def stored_ids(opener: Any, base: str) -> set[int]:
    """The ids of the signed-in patient's episodes, as the JSON API lists them."""
    with opener.open(base + "/api/v1/episodes", timeout=30) as response:
        return {e["id"] for e in json.loads(response.read())}


# How long each load test runs: a minute, unless NECKCHECK_LOAD_SECONDS says otherwise.
LOAD_SECONDS = float(os.environ.get("NECKCHECK_LOAD_SECONDS", "60"))


@dataclass
class LoadRun:
    """What users did for a while: each one's acknowledged writes, every request's latency
    (seconds), the errors, and how long it took."""

    acknowledged: list[set[int]]
    latencies: list[float]
    errors: list[str]
    wall: float

    def summary(self) -> str:
        ordered = sorted(self.latencies)
        return (
            f"{len(ordered)} requests in {self.wall:.0f} s by {len(self.acknowledged)} users = "
            f"{len(ordered) / self.wall:.0f} req/s; "
            f"p50 {statistics.median(ordered) * 1000:.0f} ms, "
            f"p99 {ordered[int(0.99 * (len(ordered) - 1))] * 1000:.0f} ms"
        )


def run_users(openers: list[Any], base: str, seconds: float = LOAD_SECONDS) -> LoadRun:
    """One thread per signed-in opener for ``seconds``, each alternating a new episode (a
    write) and the list of its episodes (a read) against the server at ``base``."""
    acknowledged: list[set[int]] = [set() for _ in openers]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(index: int) -> None:
        opener, n = openers[index], 0
        while time.monotonic() < deadline:
            n += 1
            try:
                start = time.perf_counter()
                if n % 2:
                    acknowledged[index].add(post_episode(opener, base, f"{index}-{n}"))
                else:
                    stored_ids(opener, base)
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
            except Exception as exc:
                with lock:
                    errors.append(f"user {index}, {'write' if n % 2 else 'read'}: {exc!r}")

    threads = [threading.Thread(target=user, args=(i,)) for i in range(len(openers))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadRun(acknowledged, latencies, errors, time.perf_counter() - started)


class Server:
    """``python -m neckcheck serve --clinic`` on a free port, restartable, killable; with
    ``workers`` processes sharing the port, and ``env`` added to the environment.

    As systemd runs the shipped unit (socket activation), the listening socket is made here
    and handed to each server process started (``--fd``): it outlives a restart, so that a
    connection made while one process stops and the next starts waits for the next. With
    ``activated`` false the server binds the port itself (``--port``)."""

    def __init__(
        self,
        database_url: str,
        folder: Path,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        activated: bool = True,
    ) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=1024) if activated else None
        self.port = self.listener.getsockname()[1] if self.listener else free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **os.environ,
            "NECKCHECK_DATABASE_URL": database_url,
            "NECKCHECK_SECRET_KEY": "k" * 40,
            "NECKCHECK_COOKIE_SECURE": "false",
            **(env or {}),
        }
        self.log = folder / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "neckcheck", "serve", "--clinic"]
        command += ["--workers", str(self.workers)]
        inherited: tuple[int, ...] = ()
        if self.listener is not None:
            inherited = (self.listener.fileno(),)
            command += ["--fd", str(self.listener.fileno())]
        else:
            command += ["--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=log, pass_fds=inherited
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/api/v1/health", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("server did not start:\n" + self.log.read_text()) from None
                time.sleep(0.1)

    def children(self) -> list[int]:
        """The ids of the server's child processes (with ``workers`` > 1: its workers)."""
        assert self.process is not None
        pid = self.process.pid
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in listed.split()]

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, and wait until the server has exited: a clinic server first drains (see
        neckcheck.web.server), for at most its graceful shutdown time."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(GRACEFUL_SECONDS + 15)

    def close(self) -> None:
        """Stop the server, and close the listening socket for good."""
        self.stop()
        if self.listener is not None:
            self.listener.close()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``make_server(database_url, workers=1, env=None, activated=True)``: a Server, not yet
    started; stopped and its socket closed when the test ends."""
    servers: list[Server] = []

    def make(
        database_url: str,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        activated: bool = True,
    ) -> Server:
        server = Server(database_url, tmp_path, workers=workers, env=env, activated=activated)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()
