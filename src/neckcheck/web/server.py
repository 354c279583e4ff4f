"""Serving the app: uvicorn's options, a shutdown that drops nothing behind a proxy, and the
app on a real socket in a background thread (browser tests, screenshots, benches).

>>> with serve_in_thread(create_app(settings)) as base_url:
...     httpx.get(base_url + "/")

Behind a reverse proxy that keeps idle connections open to the server (nginx's upstream
``keepalive``), only the proxy may close an idle connection: if the server closed it, the proxy
could be sending a request on it at that very moment, and would answer that request with a
502 (a POST is not retried, since it may have been acted on). So the server keeps connections
open longer than the proxy does (``KEEP_ALIVE_SECONDS``; the shipped nginx closes its idle
ones after 4 s), and when a clinic server stops (SIGTERM, as systemd restarts it) it
*drains*: it stops accepting connections at once, finishes the requests in progress,
answers any further request on a connection it already has with ``Connection: close``, and
waits for the proxy to close its idle connections, for at most the graceful shutdown time.

A connection the proxy makes meanwhile must not be reset either. Where the server listens on
a socket of its own (``--port``), it is refused, and the proxy sends its request to another
server. The shipped deployment goes further (``--fd``, systemd's socket activation): the
listening socket is systemd's and outlives the process, so no connection that the kernel
has queued is reset when the process closes its copy; the next server process accepts it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from neckcheck.settings import Settings
from neckcheck.web import GRACEFUL_SECONDS, KEEP_ALIVE_SECONDS

# Set in the server's shared state (the ASGI scope's ``state``) once it is stopping.
_DRAINING = "neckcheck.draining"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class DrainingH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 connection, which at shutdown leaves an idle connection for the
    client (the proxy) to close instead of closing it under the client's feet; requests
    still arriving on it are answered with ``Connection: close`` (see ``CloseWhenDraining``)."""

    def shutdown(self) -> None:
        self.app_state[_DRAINING] = True
        # A response in progress completes as usual. An idle connection stays open: its next
        # request is answered and the connection closed after it, or the proxy closes it
        # after its own keep-alive, or the process ends after the graceful shutdown time.


class CloseWhenDraining:
    """ASGI middleware: once the server drains, every response says ``Connection: close``,
    so the client closes the connection after it and sends nothing more on it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope.get("state", {}).get(_DRAINING):
            await self.app(scope, receive, send)
            return

        async def closing(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing)


def uvicorn_options(
    settings: Settings,
    *,
    keep_alive: int = KEEP_ALIVE_SECONDS,
    graceful: int = GRACEFUL_SECONDS,
) -> dict[str, Any]:
    """Uvicorn settings every neckcheck server uses: forwarded headers are believed only from
    the configured proxies (uvicorn's own default trusts 127.0.0.1, so a local client could
    choose the address written into the audit log), and logs without feed tokens. A clinic
    server, which runs behind a proxy, drains when it stops (see the module's docstring);
    a local one closes its idle connections at once, so that it stops when asked."""
    from neckcheck.web.logs import log_config

    trusted = settings.trusted_proxies.strip()
    options: dict[str, Any] = {
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "server_header": False,
        "log_config": log_config(),  # the access log never shows a calendar feed's token
        "timeout_keep_alive": keep_alive,
        "timeout_graceful_shutdown": graceful,
    }
    if settings.clinic_mode:
        options["http"] = DrainingH11Protocol
    return options


def run_workers(config: uvicorn.Config) -> None:
    """Serve ``config`` with ``config.workers`` processes on one listening socket, as
    ``uvicorn.run`` does, except that when asked to stop the supervising process closes its
    copy of the socket before it stops the workers: the socket stops listening once the
    workers have closed theirs, so that no connection waits in its queue for a process that
    will never accept it (a proxy would have sent a request on it, and answer that with a
    502); a proxy's new connections are refused instead, and go to another server."""
    from uvicorn.supervisors.multiprocess import Multiprocess

    class Supervisor(Multiprocess):
        def terminate_all(self) -> None:
            for sock in self.sockets:
                sock.close()
            super().terminate_all()

    Supervisor(config, sockets=[config.bind_socket()]).run()


@contextmanager
def serve_in_thread(
    app: Any,
    host: str = "127.0.0.1",
    port: int | None = None,
    settings: Settings | None = None,
    log_level: str = "warning",
) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields the base URL once it accepts requests.

    Without a ``port`` the socket is bound here, to a port the system chooses, and handed to
    uvicorn: no other server started meanwhile can take the port between choosing and
    binding it.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds its own
    try:
        sock.bind((host, port or 0))
    except OSError:
        sock.close()
        raise
    port = sock.getsockname()[1]
    options = uvicorn_options(settings or Settings())
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
