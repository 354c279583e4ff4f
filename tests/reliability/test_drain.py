"""A clinic server that is asked to stop (SIGTERM) drains: it refuses new connections at once,
answers a request that still arrives on a connection it has, with ``Connection: close``, and
then exits; it never closes an idle connection under a proxy's feet. The same with
``--workers 2``, whose supervising process must stop listening too."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import Server

# Server processes restarted under requests in flight: alone, so that a busy machine does not
# stretch the drain beyond its grace.
pytestmark = pytest.mark.serial


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def _wait_until_refused(port: int) -> None:
    deadline = time.monotonic() + 30
    while not _refused(port):
        assert time.monotonic() < deadline, "the stopping server still accepts connections"
        time.sleep(0.05)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stopping_server_answers_its_open_connections_and_closes_them(
    tmp_path: Path,
    make_server: Callable[..., Server],
    workers: int,
    request: pytest.FixtureRequest,
) -> None:
    server = make_server(f"sqlite:///{tmp_path / 'clinic.db'}", workers=workers, activated=False)
    server.start()
    kept = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    request.addfinalizer(kept.close)
    kept.request("GET", "/api/v1/health")
    first = kept.getresponse()
    first.read()
    assert first.status == 200
    assert first.getheader("connection") is None  # kept alive
    sock = kept.sock

    assert server.process is not None
    os.kill(server.process.pid, signal.SIGTERM)
    _wait_until_refused(server.port)  # new connections go elsewhere at once
    assert server.process.poll() is None  # ...while this one is still served

    kept.request("GET", "/api/v1/health")
    assert kept.sock is sock  # sent on the same connection, not on a new one
    answer = kept.getresponse()
    answer.read()
    assert answer.status == 200
    assert answer.getheader("connection") == "close"
    # Once drained, uvicorn exits 0 or by the signal it was sent: a clean stop for systemd.
    assert server.process.wait(30) in (0, -signal.SIGTERM)


def _holds_listener(pid: int, listener: socket.socket) -> bool:
    """Whether process ``pid`` (or one of its children) still has the listening socket."""
    wanted = f"socket:[{os.fstat(listener.fileno()).st_ino}]"
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    for each in pids:
        for fd in Path(f"/proc/{each}/fd").iterdir():
            try:
                if os.readlink(fd) == wanted:
                    return True
            except OSError:
                continue  # closed meanwhile
    return False


@pytest.mark.parametrize("workers", [1, 2])
def test_a_connection_made_during_a_restart_waits_for_the_next_server(
    tmp_path: Path,
    make_server: Callable[..., Server],
    workers: int,
    request: pytest.FixtureRequest,
) -> None:
    server = make_server(f"sqlite:///{tmp_path / 'clinic.db'}", workers=workers)
    server.start()
    assert server.process is not None and server.listener is not None
    os.kill(server.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _holds_listener(server.process.pid, server.listener):  # it accepts no more
        assert time.monotonic() < deadline, "the stopping server still accepts connections"
        time.sleep(0.05)

    # The socket outlives the process (as systemd keeps it): this connection waits in its
    # queue, neither refused nor reset, and the next server answers it.
    waiting = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    request.addfinalizer(waiting.close)
    waiting.request("GET", "/api/v1/health")
    assert server.process.wait(30) in (0, -signal.SIGTERM)
    server.start()
    answer = waiting.getresponse()
    answer.read()
    assert answer.status == 200
