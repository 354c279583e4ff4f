"""A real clinic server in its own process, and the figures the load tests print."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neckcheck.web.server import free_port

_FIGURES: list[str] = []


def report(line: str) -> None:
    _FIGURES.append(line)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("reliability")
        for line in _FIGURES:
            terminalreporter.write_line(line)


class Server:
    """``python -m neckcheck serve --clinic`` on a free port, restartable, killable."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "NECKCHECK_DATABASE_URL": database_url,
            "NECKCHECK_SECRET_KEY": "k" * 40,
            "NECKCHECK_COOKIE_SECURE": "false",
        }
        self.log = folder / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "neckcheck", "serve", "--clinic", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/api/v1/health", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start:\n" + self.log.read_text()) from None
                time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Any]:
    servers: list[Server] = []

    def make(database_url: str) -> Server:
        server = Server(database_url, tmp_path)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
