"""The nginx site neckcheck ships, run by Debian's nginx in front of a clinic server: HTTPS
with HTTP/2 on offer, plain HTTP sent to HTTPS, and a body too large refused by nginx before
it reaches the server; pages never compressed, the app's files passed on gzipped."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from neckcheck.web.assets import KEPT, asset_url
from tests.reliability.conftest import Server

if TYPE_CHECKING:
    from tests.nginx import Proxy


@pytest.fixture
def proxy(
    tmp_path: Path, make_server: Callable[..., Server], nginx: Callable[[list[int]], Proxy]
) -> Proxy:
    server = make_server(f"sqlite:///{tmp_path / 'clinic.db'}")
    server.start()
    return nginx([server.port])


class _StayPut(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any) -> None:
        return None


def test_https_reaches_the_server_and_offers_http2(proxy: Proxy) -> None:
    with proxy.open(proxy.base + "/api/v1/health") as answer:
        assert answer.status == 200
    address = urlsplit(proxy.base)
    proxy.tls.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection((address.hostname, address.port), timeout=10) as raw,
        proxy.tls.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"


def test_plain_http_is_sent_to_https(proxy: Proxy) -> None:
    opener = urllib.request.build_opener(_StayPut())
    with pytest.raises(urllib.error.HTTPError) as moved:
        opener.open(proxy.http_base + "/login?next=%2F", timeout=10)
    moved.value.close()
    assert moved.value.code == 301
    assert moved.value.headers["Location"] == "https://127.0.0.1/login?next=%2F"


def test_a_body_over_the_limit_is_refused_by_nginx(proxy: Proxy) -> None:
    body = b"x" * (2 * 1024 * 1024)
    request = urllib.request.Request(
        proxy.base + "/api/v1/episodes", body, {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener(proxy.handler()).open(request, timeout=30)
    refused.value.close()
    assert refused.value.code == 413
    assert refused.value.headers.get("X-Upstream") in (None, "")  # never reached a server


def test_pages_are_not_compressed_and_the_apps_files_are(proxy: Proxy) -> None:
    opener = urllib.request.build_opener(proxy.handler(), _StayPut())
    gzip = {"Accept-Encoding": "gzip"}
    with opener.open(urllib.request.Request(proxy.base + "/login", headers=gzip)) as page:
        assert page.status == 200
        assert page.headers.get("Content-Encoding") is None
        assert b"csrf_token" in page.read()
    style = urllib.request.Request(proxy.base + asset_url("style.css"), headers=gzip)
    with opener.open(style) as answer:
        assert answer.headers["Content-Encoding"] == "gzip"
        assert answer.headers["Cache-Control"] == KEPT
