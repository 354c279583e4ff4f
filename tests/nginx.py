"""Debian's nginx running the site file neckcheck ships (``deploy/nginx/neckcheck.conf``), as a
clinic would, in front of server processes started by the test suite.

The site file is used as it is, with only what differs on a test machine substituted: the
backends' ports, the listening ports (loopback, free ports), the certificate (made for the
test by ``trustme``) and the log files. Every substituted text must appear in the shipped file
exactly as expected, so the file and the tests cannot drift apart silently. Around it, a main
``nginx.conf`` of the test's own runs nginx as the current user in a temporary folder, and:

- believes the test's clients about their address (``X-Forwarded-For``, as when nginx sits
  behind a clinic's own load balancer), so that simulated users each have one;
- names the backend that served each answer (``X-Upstream``), so that tests see the load
  shared.

    >>> with running_nginx(NGINX, [8001, 8002]) as proxy:
    ...     proxy.open(proxy.base + "/api/v1/health")

With ``plain``, nginx runs instead the shortest proxy there is, a bare ``proxy_pass`` to the
first backend over plain HTTP: it then speaks HTTP/1.0 to the server, with the server's own
address as the Host and no forwarded headers (what a diary without a passphrase must refuse).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme

from tests.ports import free_port

NGINX = Path("/usr/sbin/nginx")
SITE = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "neckcheck.conf"

_MAIN = """\
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    add_header X-Upstream $upstream_addr always;
    # As Debian's /etc/nginx/nginx.conf: the site must say what is not to be compressed.
    gzip on;

    include {site};
}}
"""

_PLAIN_SITE = """\
server {{
    listen 127.0.0.1:{port};
    access_log {folder}/access.log;
    error_log {folder}/site-error.log;
    location / {{
        proxy_pass http://127.0.0.1:{backend};
    }}
}}
"""


@dataclass(frozen=True)
class Proxy:
    """nginx as started: its HTTPS address, its plain HTTP one, and the TLS context that
    trusts its certificate."""

    base: str
    http_base: str
    tls: ssl.SSLContext
    folder: Path

    def errors(self) -> str:
        """What nginx logged about the site's requests so far (why a 502, say)."""
        log = self.folder / "site-error.log"
        return log.read_text() if log.exists() else ""

    def handler(self) -> urllib.request.HTTPSHandler:
        """For ``urllib.request.build_opener``: HTTPS that trusts this nginx."""
        return urllib.request.HTTPSHandler(context=self.tls)

    def open(self, url: str, timeout: float = 30) -> Any:
        return urllib.request.build_opener(self.handler()).open(url, timeout=timeout)


def find_nginx() -> Path | None:
    return NGINX if os.access(NGINX, os.X_OK) else None


def _substitute(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"{SITE} no longer holds {old!r} exactly once")
    return text.replace(old, new)


def site(folder: Path, https: int, http: int, backends: list[int], cert: Path, key: Path) -> str:
    """The shipped site file with this machine's ports, certificate and log paths."""
    text = SITE.read_text("utf-8")
    servers = "\n    ".join(f"server 127.0.0.1:{backend};" for backend in backends)
    for old, new in [
        ("server 127.0.0.1:8001;\n    server 127.0.0.1:8002;", servers),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/letsencrypt/live/clinic.example.org/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/clinic.example.org/privkey.pem", str(key)),
        ("/var/log/nginx/neckcheck.access.log", str(folder / "access.log")),
        ("/var/log/nginx/neckcheck.error.log", str(folder / "site-error.log")),
    ]:
        text = _substitute(text, old, new)
    return text


def config(folder: Path, site_file: Path) -> str:
    """The main nginx.conf around ``site_file``; everything nginx writes goes into ``folder``."""
    user = ""
    if os.geteuid() == 0:  # the `user` directive only means something to a root master
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    return _MAIN.format(user=user, folder=folder, site=site_file)


@contextmanager
def running_nginx(binary: Path, backends: list[int], *, plain: bool = False) -> Iterator[Proxy]:
    """nginx with the shipped site, balancing over ``backends`` (or with ``plain`` a bare
    ``proxy_pass`` to the first, over HTTP only), until the block ends; yields it once it
    listens."""
    folder = Path(tempfile.mkdtemp(prefix="neckcheck-nginx-"))
    authority = trustme.CA()
    https, http = free_port(), free_port()
    site_file = folder / "neckcheck.conf"
    if plain:
        https = http
        site_file.write_text(_PLAIN_SITE.format(port=http, folder=folder, backend=backends[0]))
    else:
        issued = authority.issue_cert("127.0.0.1", "localhost", "clinic.example.org")
        cert, key = folder / "cert.pem", folder / "key.pem"
        issued.private_key_and_cert_chain_pem.write_to_path(str(cert))
        issued.private_key_pem.write_to_path(str(key))
        site_file.write_text(site(folder, https, http, backends, cert, key))
    conf = folder / "nginx.conf"
    conf.write_text(config(folder, site_file))
    output = folder / "nginx.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "-p", str(folder), "-c", str(conf)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    tls = ssl.create_default_context()
    authority.configure_trust(tls)
    try:
        _wait_until_up([https, http], process, folder)
        scheme = "http" if plain else "https"
        yield Proxy(f"{scheme}://127.0.0.1:{https}", f"http://127.0.0.1:{http}", tls, folder)
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _wait_until_up(ports: list[int], process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 20
    while not all(_listening(port) for port in ports):
        if process.poll() is not None or time.monotonic() > deadline:
            logs = [
                p.read_text() for p in (folder / "nginx.out", folder / "error.log") if p.exists()
            ]
            raise RuntimeError("nginx did not start:\n" + "\n".join(logs))
        time.sleep(0.05)
