"""The nginx site neckcheck ships, run by Debian's nginx in front of a clinic server: HTTPS
with HTTP/2 on offer, plain HTTP sent to HTTPS, and a body too large refused by nginx before
it reaches the server."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

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
