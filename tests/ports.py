"""Ports for the servers the tests start (nginx, PostgreSQL's TCP tests, server processes, an
SMTP server), which bind them themselves a moment after the port is chosen.

A port the system hands out for ``bind(("127.0.0.1", 0))`` comes from the range it also uses
for the local end of outgoing connections (``net.ipv4.ip_local_port_range``, 32768-60999 by
default), so in that moment a connection made by any test could take it, and the server
would fail to start. These ports lie below that range, where the system never hands one out
by itself, and each test process (pytest-xdist's ``gw0``, ``gw1``...) has a block of its own,
so two test processes never choose the same one. A port is checked free before it is given.

    >>> port = free_port()
    >>> 20_000 <= port < 32_768
    True
"""

from __future__ import annotations

import itertools
import os
import socket

FIRST = 20_000
BLOCK = 1_500  # ports per test process: 8 processes fit below 32,768

_offsets = itertools.count()


def _block() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) % 8 if worker.startswith("gw") else 0


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, for a server about to bind it."""
    start = FIRST + _block() * BLOCK
    for _ in range(BLOCK):
        port = start + next(_offsets) % BLOCK
        if _free(port):
            return port
    raise RuntimeError(f"no free port in {start}-{start + BLOCK - 1}")
