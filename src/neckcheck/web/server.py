"""Run the app on a real socket in a background thread (browser tests, screenshots, benches).

>>> with serve_in_thread(create_app(settings)) as base_url:
...     httpx.get(base_url + "/")
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from neckcheck.settings import Settings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Uvicorn settings every neckcheck server uses: forwarded headers are believed only from
    the configured proxies (uvicorn's own default trusts 127.0.0.1, so a local client could
    choose the address written into the audit log), and logs without feed tokens."""
    from neckcheck.web.logs import log_config

    trusted = settings.trusted_proxies.strip()
    return {
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "server_header": False,
        "log_config": log_config(),  # the access log never shows a calendar feed's token
    }


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
