"""The app's own files under ``/static/``: named in pages by their content, kept by browsers,
sent compressed.

A page names a file with ``asset_url("style.css")``, which gives
``/static/style.css?v=<digest of the file>``. Asked for with the digest it names, a file is
sent with a year's ``Cache-Control`` and ``immutable``: a new release changes the digest, so
the page asks for a new address and nothing stale is ever shown. Asked for without it (the
service worker's shell, an old page), a file is sent with ``no-cache``, to check its ETag
before use. Text files are gzipped for browsers that accept it; these files hold nothing of
a diary. Pages, which do, are not compressed: a page that holds a secret (the CSRF token, a
one-time link) beside words a visitor chose would let the compressed length tell the secret
(BREACH).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files
from urllib.parse import parse_qs

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

YEAR_SECONDS = 365 * 24 * 3600
KEPT = f"public, max-age={YEAR_SECONDS}, immutable"
CHECKED = "no-cache"


@cache
def digest(name: str) -> str:
    """The first 12 hex digits of the SHA-256 of ``static/<name>``."""
    data = files("neckcheck.web").joinpath("static", *name.split("/")).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The address of ``static/<name>`` that names its content: ``/static/<name>?v=<digest>``."""
    return f"/static/{name}?v={digest(name)}"


class _Files(StaticFiles):
    """StaticFiles that says how long a browser may keep what it sends."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [])
            current = asked == [digest(path)] if asked else False
            response.headers["Cache-Control"] = KEPT if current else CHECKED
        return response


def static_files() -> ASGIApp:
    """The ASGI app mounted at ``/static``."""
    return GZipMiddleware(_Files(packages=[("neckcheck.web", "static")]), minimum_size=500)
