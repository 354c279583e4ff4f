"""Shared fixtures: each test gets its own SQLite file, never a shared database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings
from sqlalchemy.orm import Session

from neckcheck.clock import FixedClock
from neckcheck.domain import Episode, EpisodeCreate
from neckcheck.storage.db import Database, open_database
from tests.factories import NOW

if TYPE_CHECKING:
    from tests.nginx import Proxy

# No time limit per example: how fast code runs is measured in bench/, not asserted in tests,
# and a busy machine must not fail a property that holds.
settings.register_profile("neckcheck", deadline=None)
settings.load_profile("neckcheck")

_FIGURES: dict[str, str] = {}


def report(name: str, line: str) -> None:
    """A figure the suite measured (vignette accuracy, taps of a check...), printed at the
    end of the run."""
    _FIGURES[name] = line


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("figures")
        for line in _FIGURES.values():
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the session (fails in CI, skips elsewhere, when missing)."""
    from tests.postgres import find_bin, running_server

    bin_dir = find_bin()
    if bin_dir is None:
        message = "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must install it")
        pytest.skip(message)
    with running_server(bin_dir) as url:
        yield url


@pytest.fixture(scope="session")
def nginx_binary() -> Path:
    """Debian's nginx (fails in CI, skips elsewhere, when missing)."""
    from tests.nginx import NGINX, find_nginx

    binary = find_nginx()
    if binary is None:
        message = f"nginx is not installed ({NGINX})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must install it")
        pytest.skip(message)
    return binary


@pytest.fixture
def nginx(nginx_binary: Path) -> Iterator[Callable[[list[int]], Proxy]]:
    """Start nginx with the shipped site (deploy/nginx/neckcheck.conf) as the load balancer in
    front of the given backend ports: ``nginx([port1, port2])`` gives the running Proxy
    (``nginx([port], plain=True)``: a bare ``proxy_pass`` instead); every nginx started so is
    stopped when the test ends."""
    from tests.nginx import running_nginx

    with ExitStack() as stack:

        def start(backends: list[int], *, plain: bool = False) -> Proxy:
            return stack.enter_context(running_nginx(nginx_binary, backends, plain=plain))

        yield start


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres_server}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sqlite_or_postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database on each backend in turn: a SQLite file, then PostgreSQL."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'diary.db'}"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'diary.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    """The fixed "now" every test reads the time from (NOW)."""
    return FixedClock(NOW)


@pytest.fixture
def make_episode() -> Callable[..., EpisodeCreate]:
    """An EpisodeCreate with sensible defaults (two hours before NOW); keyword arguments
    override fields."""

    def make(**fields: Any) -> EpisodeCreate:
        data: dict[str, Any] = {"started_at": NOW - timedelta(hours=2), "intensity": 5}
        data.update(fields)
        return EpisodeCreate.model_validate(data)

    return make


@pytest.fixture
def env_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI and settings at a fresh SQLite file through the environment."""
    monkeypatch.delenv("NECKCHECK_DATABASE_URL", raising=False)
    monkeypatch.setenv("NECKCHECK_DATA_DIR", str(tmp_path / "data"))
    return f"sqlite:///{tmp_path / 'data' / 'neckcheck.db'}"


@pytest.fixture
def episode() -> Callable[..., Episode]:
    """A stored-looking Episode ``days_ago`` days before NOW: ``episode(3, hours=2, **fields)``."""
    ids = count(1)

    def make(days_ago: float, hours: float | None = 2, **fields: Any) -> Episode:
        start = NOW - timedelta(days=days_ago)
        data: dict[str, Any] = {
            "id": next(ids),
            "patient_id": 1,
            "started_at": start,
            "intensity": 5,
            "ended_at": start + timedelta(hours=hours) if hours is not None else None,
            "created_at": start,
            "updated_at": start,
        }
        data.update(fields)
        return Episode.model_validate(data)

    return make
