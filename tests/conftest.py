"""Shared fixtures: each test gets its own database (a SQLite file, or a PostgreSQL database),
never a shared one; figures the suite measured are printed at the end of the run."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from functools import cache
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import settings
from sqlalchemy.orm import Session

from neckcheck.auth import passwords
from neckcheck.clock import FixedClock
from neckcheck.domain import Episode, EpisodeCreate
from neckcheck.storage.db import Database, open_database
from tests.databases import drop_postgres, migrate_postgres_template, new_postgres, new_sqlite
from tests.factories import NOW

if TYPE_CHECKING:
    from neckcheck.nlp.extract import Extraction
    from tests.nginx import Proxy

# No time limit per example: how fast code runs is measured in bench/, not asserted in tests,
# and a busy machine must not fail a property that holds.
settings.register_profile("neckcheck", deadline=None)
settings.load_profile("neckcheck")
# scripts/clock-runs runs the modules that read dates again under faketime, to show that no
# code reads the computer's clock or zone: each property needs examples enough to reach that
# code, not the hundred that vary its inputs in the main run (`--hypothesis-profile clock`).
settings.register_profile("clock", parent=settings.get_profile("neckcheck"), max_examples=10)

# --- figures -------------------------------------------------------------------------------
# A test reports a figure in its own process; with pytest-xdist that is a worker, so each
# figure travels to the process that prints the summary with the test's report.

_FIGURES: dict[str, dict[str, str]] = {}
_UNSENT: list[tuple[str, str, str]] = []
_FIGURE = "neckcheck-figure"


def report(name: str, line: str, *, section: str = "figures") -> None:
    """A figure the suite measured (vignette accuracy, taps of a check...), printed at the
    end of the run under ``section``; a later figure of the same name replaces it."""
    _UNSENT.append((section, name, line))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    test_report = yield
    while _UNSENT:
        test_report.user_properties.append((_FIGURE, _UNSENT.pop(0)))
    return test_report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key == _FIGURE:
            section, name, line = value
            _FIGURES.setdefault(section, {})[name] = line


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for section in sorted(_FIGURES, key=lambda name: name == "figures"):  # figures last
        terminalreporter.section(section)
        for line in _FIGURES[section].values():
            terminalreporter.write_line(line)


# --- Argon2 ---------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2() -> Iterator[None]:
    """Passwords are hashed with argon2-cffi's cheapest parameters (its profile for tests):
    still Argon2id, but without the tenth of a second and 64 MiB each hash costs on purpose.
    A stored hash carries its parameters, so checking one costs what making it did. The
    real parameters are checked in tests/test_passwords.py, in a fresh interpreter."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
        passwords._dummy_hash.cache_clear()
        yield
    passwords._dummy_hash.cache_clear()


# --- the NLP corpora -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def read_corpus_text() -> Callable[[str], Extraction]:
    """The extractor's reading of a corpus text (at the corpus's fixed now), each text read
    once per test process: the development corpus's scores (tests/nlp) and the simulated
    interview from its sentences (tests/engine/test_safety.py) read the same 764 texts.
    Tests that take it share the xdist group ``corpus``, so they run in one process."""
    from neckcheck.nlp.evaluate import read_text

    return cache(read_text)


# --- databases ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the session (fails in CI, skips elsewhere, when missing): the
    URL of its ``postgres`` database. It holds a template migrated to the newest schema."""
    from tests.postgres import find_bin, running_server

    bin_dir = find_bin()
    if bin_dir is None:
        message = "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must install it")
        pytest.skip(message)
    with running_server(bin_dir) as url:
        migrate_postgres_template(url)
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
    url = new_postgres(postgres_server, migrated=False)
    try:
        yield url
    finally:
        drop_postgres(url)


@pytest.fixture
def migrated_postgres_url(postgres_server: str) -> Iterator[str]:
    """A new PostgreSQL database at the newest schema (a copy of the session's template) for
    one test, dropped afterwards."""
    url = new_postgres(postgres_server, migrated=True)
    try:
        yield url
    finally:
        drop_postgres(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def sqlite_or_postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database at the newest schema on each backend in turn: a SQLite file, then
    PostgreSQL."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("migrated_postgres_url")
        return url
    return new_sqlite(tmp_path / "diary.db")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_sqlite_or_postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database on each backend in turn (no schema: for the migrations)."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'diary.db'}"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A new SQLite file at the newest schema."""
    return new_sqlite(tmp_path / "diary.db")


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
def migrated_env_db(env_db: str, tmp_path: Path) -> str:
    """As ``env_db``, with the file there already at the newest schema."""
    url = new_sqlite(tmp_path / "data" / "neckcheck.db")
    assert url == env_db
    return url


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
