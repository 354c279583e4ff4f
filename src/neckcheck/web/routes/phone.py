"""What makes the diary an app on a phone: the web app manifest, the icon at the path
browsers ask for, the service worker and the page it shows offline.

All public: none holds anything of a diary, and the service worker must be able to fetch
them before anyone signs in. Their files are in ``static/`` (the icons are drawn by
``scripts/icons.py``).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from neckcheck import __version__
from neckcheck.web.routes.pages import render

router = APIRouter(include_in_schema=False)

# What the service worker keeps when it is installed: the app shell and the offline page.
SHELL = (
    "/offline",
    "/static/style.css",
    "/static/app.js",
    "/static/offline.js",
    "/manifest.webmanifest",
    "/favicon.ico",
    "/static/icons/icon-192.png",
)


def _static(*path: str) -> bytes:
    return files("neckcheck.web").joinpath("static", *path).read_bytes()


@cache
def service_worker() -> bytes:
    """``static/sw.js`` with the shell's file list and a version that changes whenever
    anything it keeps changes (so a new release replaces what phones kept)."""
    source = _static("sw.js").decode("utf-8")
    digest = hashlib.sha256(source.encode() + __version__.encode())
    for name in ("style.css", "app.js", "offline.js", "manifest.webmanifest"):
        digest.update(_static(name))
    for template in ("base.html", "offline.html"):
        digest.update(files("neckcheck.web").joinpath("templates", template).read_bytes())
    for icon in ("favicon.ico", "icon-192.png"):
        digest.update(_static("icons", icon))
    version = digest.hexdigest()[:16]
    worker = source.replace('"__VERSION__"', json.dumps(version))
    return worker.replace("__SHELL__", json.dumps(list(SHELL))).encode("utf-8")


@router.get("/sw.js")
def sw() -> Response:
    # At the root, so that its scope is the whole site; never kept by the browser's HTTP
    # cache (the app sends no-store), so a new version is seen at the next visit.
    return Response(
        service_worker(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/"},
    )


@router.get("/manifest.webmanifest")
def manifest() -> Response:
    return Response(_static("manifest.webmanifest"), media_type="application/manifest+json")


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(_static("icons", "favicon.ico"), media_type="image/x-icon")


@router.get("/offline", response_class=HTMLResponse)
def offline(request: Request) -> HTMLResponse:
    """The page the service worker shows when a page cannot be reached."""
    return render(request, "offline.html")
