"""The app's own files: named in pages by their content, kept a year by browsers when asked
for by that name, checked otherwise, gzipped; pages themselves never compressed."""

from __future__ import annotations

import gzip
import hashlib
import re
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from neckcheck.web.assets import KEPT, asset_url

GZIP = {"accept-encoding": "gzip"}


def _static(name: str) -> bytes:
    return files("neckcheck.web").joinpath("static", *name.split("/")).read_bytes()


@pytest.mark.parametrize("path", ["/", "/log", "/history", "/docs"])
def test_pages_name_the_files_by_their_content(client: TestClient, path: str) -> None:
    page = client.get(path).text
    named = re.findall(r'(?:src|href)="/static/((?!swagger-ui/)[^"?]+)\?v=([0-9a-f]+)"', page)
    assert named, path
    for name, version in named:
        assert version == hashlib.sha256(_static(name)).hexdigest()[:12], name
    # No file of the app's own is named without its content's digest.
    bare = re.findall(r'(?:src|href)="(/static/(?!swagger-ui/)[^"?]+)"', page)
    assert bare == [], path


def test_a_file_asked_for_by_its_content_is_kept_and_compressed(client: TestClient) -> None:
    response = client.get(asset_url("style.css"), headers=GZIP)
    assert response.status_code == 200
    assert response.headers["cache-control"] == KEPT
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.content == _static("style.css")  # the client has undone the gzip
    assert int(response.headers["content-length"]) < len(gzip.compress(_static("style.css"))) + 64


@pytest.mark.parametrize("query", ["", "?v=0123456789ab", "?v=one&v=two"])
def test_a_file_asked_for_otherwise_is_checked_before_use(client: TestClient, query: str) -> None:
    response = client.get("/static/offline.js" + query)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"]
    again = client.get(asset_url("offline.js"), headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == KEPT


def test_an_image_is_not_gzipped(client: TestClient) -> None:
    response = client.get(asset_url("icons/icon-192.png"), headers=GZIP)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.headers["cache-control"] == KEPT


@pytest.mark.parametrize("path", ["/", "/history", "/api/v1/episodes", "/offline"])
def test_personal_answers_are_never_compressed(client: TestClient, path: str) -> None:
    # A page holds secrets (the CSRF token) beside what a visitor chose: compressed, its
    # length would tell them apart (BREACH).
    response = client.get(path, headers=GZIP)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.headers["cache-control"] == "no-store"


def test_an_unknown_file_is_404(client: TestClient) -> None:
    response = client.get("/static/nothing.css?v=0123456789ab", headers=GZIP)
    assert response.status_code == 404
