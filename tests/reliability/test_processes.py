"""A clinic on more than one process: two servers on one PostgreSQL database behind Debian's
nginx with the site file neckcheck ships, and one server with ``--workers 2``.

50 simulated users, each from an address of its own (nginx passes it on in
``X-Forwarded-For``), sign in and log and read through nginx: no errors, both servers serve a
fair share, every acknowledged write is listed afterwards, and every session works on each
server directly; the same while one of the servers is stopped (SIGTERM) and started again in
the middle, as a clinic restarts its servers one at a time. Wrong passwords spread over the
processes count together: after five, the sixth attempt, even with the right password, is
refused by every process, while the owner signing in from elsewhere is not locked out.
"""

from __future__ import annotations

import http.client
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest

from tests.factories import PASSWORD, patient_accounts, sign_in
from tests.reliability.conftest import (
    LOAD_SECONDS,
    LoadRun,
    Server,
    report,
    run_users,
    stored_ids,
)

if TYPE_CHECKING:
    from tests.nginx import Proxy

# Servers, nginx and simulated users for a fixed time: alone, so that nothing else shares
# the cores.
pytestmark = pytest.mark.serial

USERS = 50
WRONG = "not the password at all"


@dataclass
class Balanced:
    """Two server processes on one database, and nginx in front of them."""

    database_url: str
    servers: list[Server]
    proxy: Proxy

    @property
    def base(self) -> str:
        return self.proxy.base

    def upstream(self, server: Server) -> str:
        """How nginx's ``X-Upstream`` names ``server``."""
        return f"127.0.0.1:{server.port}"


@pytest.fixture
def balanced(
    postgres_url: str,
    make_server: Callable[..., Server],
    nginx: Callable[[list[int]], Proxy],
) -> Balanced:
    # Both servers believe nginx (and only a process on this machine) about the client.
    servers = [
        make_server(postgres_url, env={"NECKCHECK_TRUSTED_PROXIES": "127.0.0.1"}) for _ in range(2)
    ]
    servers[0].start()  # the first one migrates the empty database
    servers[1].start()
    return Balanced(postgres_url, servers, nginx([s.port for s in servers]))


def _signed_in_users(balanced: Balanced) -> tuple[list[Any], list[_Upstreams]]:
    """USERS patients signed in through nginx, each from an address of its own, and the
    counter of which backend answered each one."""
    emails = [f"user{n}@example.org" for n in range(USERS)]
    patient_accounts(balanced.database_url, emails)
    openers = [
        sign_in(balanced.base, email, {"X-Forwarded-For": _address(n)}, (balanced.proxy.handler(),))
        for n, email in enumerate(emails)
    ]
    upstreams = [_Upstreams() for _ in emails]
    for opener, counter in zip(openers, upstreams, strict=True):
        opener.add_handler(counter)
    return openers, upstreams


def _found_on_each_server(balanced: Balanced, openers: list[Any], run: LoadRun) -> list[int]:
    """How many of the acknowledged writes each server lists, asked directly (each session,
    made through nginx on one of them, works on both)."""
    found = {server.port: 0 for server in balanced.servers}
    for index, opener in enumerate(openers):
        for server in balanced.servers:
            found[server.port] += len(run.acknowledged[index] & stored_ids(opener, server.base))
    return list(found.values())


class _Upstreams(urllib.request.BaseHandler):
    """Counts which backend answered each request (nginx's ``X-Upstream``)."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def http_response(self, _request: Any, response: Any) -> Any:
        self.seen[response.headers.get("X-Upstream", "none")] += 1
        return response

    https_response = http_response  # nginx speaks HTTPS


def _address(index: int) -> str:
    return f"198.51.100.{index + 1}"  # TEST-NET-2: one address per simulated user


def test_fifty_users_on_two_servers_behind_nginx(balanced: Balanced) -> None:
    openers, upstreams = _signed_in_users(balanced)
    run = run_users(openers, balanced.base)
    served = sum((counter.seen for counter in upstreams), Counter[str]())
    found = _found_on_each_server(balanced, openers, run)
    written = sum(map(len, run.acknowledged))
    shares = ", ".join(
        f"{served[balanced.upstream(s)] / len(run.latencies):.0%}" for s in balanced.servers
    )
    report(
        f"postgresql, 2 servers behind nginx: {run.summary()} ({shares} per server); "
        f"{written} writes acknowledged, {' and '.join(map(str, found))} found on "
        f"each server; {len(run.errors)} errors"
    )
    assert run.errors == [], balanced.proxy.errors()
    assert written > USERS
    assert found == [written, written]
    assert set(served) == {balanced.upstream(s) for s in balanced.servers}
    assert min(served.values()) >= 0.4 * len(run.latencies)  # round-robin: about half each


def test_a_server_restarted_under_load_drops_nothing(balanced: Balanced) -> None:
    openers, upstreams = _signed_in_users(balanced)
    restarted = balanced.servers[0]
    done: list[str] = []

    def restart() -> None:  # in the middle of the run, as `systemctl restart` would
        time.sleep(LOAD_SECONDS / 3)
        restarted.stop()  # SIGTERM, and wait until it has drained and exited
        done.append("stopped")
        restarted.start()
        done.append("started")

    restarter = threading.Thread(target=restart)
    restarter.start()
    run = run_users(openers, balanced.base, LOAD_SECONDS)
    restarter.join()
    served = sum((counter.seen for counter in upstreams), Counter[str]())
    found = _found_on_each_server(balanced, openers, run)
    written = sum(map(len, run.acknowledged))
    # nginx names every server it tried: "a, b" when the first refused the connection.
    passed_on = sum(n for upstream, n in served.items() if ", " in upstream)
    report(
        f"postgresql, 2 servers behind nginx, one restarted: {run.summary()}; "
        f"{passed_on} passed on to the other server; {written} writes acknowledged, "
        f"{' and '.join(map(str, found))} found on each server; {len(run.errors)} errors"
    )
    assert done == ["stopped", "started"]
    assert run.errors == [], balanced.proxy.errors()
    assert written > USERS
    assert found == [written, written]
    tried = {name for upstream in served for name in upstream.split(", ")}
    assert tried == {balanced.upstream(s) for s in balanced.servers}


def _login_page(opener: Any, base: str) -> str:
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


class _StayPut(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any) -> None:
        return None


def _attempt(
    jar: Any, base: str, token: str, password: str, address: str, *handlers: Any
) -> tuple[int, str]:
    """POST /login from ``address`` (as nginx would forward it): the status and the backend
    that answered (through nginx) or ``base`` itself."""
    opener = urllib.request.build_opener(jar, _StayPut(), *handlers)
    opener.addheaders = [("X-Forwarded-For", address)]
    form = urlencode({"email": "owner@example.org", "password": password, "csrf_token": token})
    try:
        with opener.open(base + "/login", form.encode(), timeout=30) as answer:
            status, headers = answer.status, answer.headers
    except urllib.error.HTTPError as refused:
        status, headers = refused.code, refused.headers
    return status, headers.get("X-Upstream", base)


def test_the_sign_in_limit_holds_across_servers(balanced: Balanced) -> None:
    patient_accounts(balanced.database_url, ["owner@example.org"])
    jar = urllib.request.HTTPCookieProcessor()
    tls = balanced.proxy.handler()
    token = _login_page(urllib.request.build_opener(jar, tls), balanced.base)
    guesser, owner = "203.0.113.7", "203.0.113.8"

    wrong = [_attempt(jar, balanced.base, token, WRONG, guesser, tls) for _ in range(5)]
    assert [status for status, _ in wrong] == [401] * 5
    assert {upstream for _, upstream in wrong} == {
        balanced.upstream(s) for s in balanced.servers
    }  # nginx spread them over both servers

    # The sixth attempt, even with the right password, is refused by each server...
    for server in balanced.servers:
        assert _attempt(jar, server.base, token, PASSWORD, guesser)[0] == 429
    assert _attempt(jar, balanced.base, token, PASSWORD, guesser, tls)[0] == 429
    # ...but not the owner's from another address.
    assert _attempt(jar, balanced.base, token, PASSWORD, owner, tls)[0] == 303


# --- one server, two worker processes ----------------------------------------------------


def _server_side_inode(server_port: int, client_port: int) -> str | None:
    """The socket inode of the server's end of the TCP connection from ``client_port``."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and (
            int(remote.split(":")[1], 16) == client_port
        ):
            return fields[9]
    return None


def _owner(pids: list[int], inode: str) -> int | None:
    """Which of ``pids`` holds the socket ``inode``."""
    for pid in pids:
        folder = Path(f"/proc/{pid}/fd")
        for fd in folder.iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue  # closed meanwhile
    return None


class Pinned:
    """A kept-alive connection to a ``--workers`` server, served by one known worker."""

    def __init__(self, port: int, workers: list[int]) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.socket: Any = None
        self.request("GET", "/api/v1/health")  # now a worker has accepted it
        self.socket = self.connection.sock
        inode = _server_side_inode(port, self.socket.getsockname()[1])
        self.worker = _owner(workers, inode) if inode else None

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """The status and body of a request on this connection, keeping cookies."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body, headers)
        answer = self.connection.getresponse()
        text = answer.read().decode()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if self.socket is not None:  # never silently reconnected (perhaps to the other worker)
            assert self.connection.sock is self.socket
        return answer.status, text


@contextmanager
def _one_connection_per_worker(server: Server) -> Iterator[list[Pinned]]:
    """Connections to ``server`` until each of its two workers serves one; closed after."""
    workers = server.children()
    pinned: dict[int, Pinned] = {}
    deadline = time.monotonic() + 30
    try:
        while len(pinned) < 2 and time.monotonic() < deadline:
            connection = Pinned(server.port, workers)
            if connection.worker is not None and connection.worker not in pinned:
                pinned[connection.worker] = connection
            else:
                connection.connection.close()
        assert len(pinned) == 2, f"connections reached only workers {list(pinned)} of {workers}"
        yield list(pinned.values())
    finally:
        for connection in pinned.values():
            connection.connection.close()


def test_two_workers_share_sessions_and_the_sign_in_limit(
    postgres_url: str, make_server: Callable[..., Server]
) -> None:
    patient_accounts(postgres_url, ["owner@example.org", "other@example.org"])
    server = make_server(postgres_url, workers=2)
    server.start()
    with _one_connection_per_worker(server) as (first, second):
        second.cookies = first.cookies  # one browser

        # A session made by one worker is valid on the other.
        token = re.search(r'name="csrf_token" value="([^"]+)"', first.request("GET", "/login")[1])
        assert token is not None
        form = {"email": "other@example.org", "password": PASSWORD, "csrf_token": token.group(1)}
        assert first.request("POST", "/login", form)[0] == 303
        assert second.request("GET", "/api/v1/episodes")[0] == 200

        # Five wrong passwords, alternately on each worker: the sixth attempt is refused by both.
        form = {"email": "owner@example.org", "password": WRONG, "csrf_token": token.group(1)}
        statuses = [(first, second)[n % 2].request("POST", "/login", form)[0] for n in range(5)]
        assert statuses == [401] * 5
        right = {**form, "password": PASSWORD}
        assert first.request("POST", "/login", right)[0] == 429
        assert second.request("POST", "/login", right)[0] == 429
