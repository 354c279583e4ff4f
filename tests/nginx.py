"""Debian's nginx as a load balancer in front of server processes, started by the test suite.

It runs as the current user with a configuration of its own in a temporary folder (pid file,
error log, temp paths), listens on 127.0.0.1 on a free port and passes requests round-robin
to the given backend ports, as a clinic's reverse proxy would: with ``X-Forwarded-For`` and
``X-Forwarded-Proto``. Each answer says which backend served it (``X-Upstream``), so that
tests can see the load was shared; a failed request is not retried on the other backend, so
that the tests see every error. As root, the worker processes run as root too (nginx's
default, ``nobody``, could not write the temporary folder).

    >>> with running_nginx(NGINX, [8001, 8002]) as base:
    ...     urllib.request.urlopen(base + "/api/v1/health")
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from neckcheck.web.server import free_port

NGINX = Path("/usr/sbin/nginx")

# Answered by nginx itself, to know it is up before any backend is.
READY_PATH = "/nginx-ready"

_CONFIG = """\
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

    upstream neckcheck {{
{servers}
        keepalive 32;
        # Idle connections to a server are closed here well before the server closes them
        # (uvicorn, after 5 s): else nginx could send a request on a connection the server
        # is closing at that moment, and answer 502.
        keepalive_timeout 2s;
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;

        location = {ready} {{
            return 204;
        }}

        location / {{
            proxy_pass http://neckcheck;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
            proxy_next_upstream off;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def find_nginx() -> Path | None:
    return NGINX if os.access(NGINX, os.X_OK) else None


def config(folder: Path, port: int, backends: list[int]) -> str:
    """The nginx.conf for a balancer on ``port`` in front of ``backends`` (ports on
    127.0.0.1); everything nginx writes goes into ``folder``."""
    user = ""
    if os.geteuid() == 0:  # the `user` directive only means something to a root master
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    servers = "\n".join(f"        server 127.0.0.1:{backend};" for backend in backends)
    return _CONFIG.format(user=user, folder=folder, port=port, servers=servers, ready=READY_PATH)


@contextmanager
def running_nginx(binary: Path, backends: list[int]) -> Iterator[str]:
    """nginx balancing over ``backends`` until the block ends; yields its base URL once it
    answers."""
    folder = Path(tempfile.mkdtemp(prefix="neckcheck-nginx-"))
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(config(folder, port, backends))
    output = folder / "nginx.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "-p", str(folder), "-c", str(conf)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, folder)
        yield base
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(base + READY_PATH, timeout=2) as answer:
                if answer.status == 204:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            logs = [
                p.read_text() for p in (folder / "nginx.out", folder / "error.log") if p.exists()
            ]
            raise RuntimeError("nginx did not start:\n" + "\n".join(logs))
        time.sleep(0.05)
