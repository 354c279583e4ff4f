"""New databases at the newest schema for tests, without running the migrations each time.

Running the Alembic migrations on an empty database takes most of a second; a test only needs
the schema they make. So each test process migrates one SQLite file and one PostgreSQL
database once, and every test gets a copy: the file copied with SQLite's backup API, the
PostgreSQL database made with ``CREATE DATABASE ... TEMPLATE``. A copy is exactly what
``open_database`` would have made of an empty database. The migrations themselves (from
empty, back to base, and the schema they make against the models) are tested on empty
databases in ``tests/storage/test_migrations.py``.

    url = new_sqlite(tmp_path / "diary.db")   # sqlite:///..., at the head revision
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
import uuid
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from neckcheck.storage.db import open_database

POSTGRES_TEMPLATE = "neckcheck_template"


@cache
def _sqlite_template() -> Path:
    """A SQLite file migrated to the newest schema, made once per test process (each
    pytest-xdist worker has its own) and removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="neckcheck-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.db"
    open_database(f"sqlite:///{path}").close()
    return path


def new_sqlite(path: Path) -> str:
    """A new SQLite file at ``path`` with the newest schema (its folder is made); its URL."""
    if path.exists():
        raise FileExistsError(f"{path} exists: a new database goes to a new file")
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{_sqlite_template()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    return f"sqlite:///{path}"


def database_url(server: str, name: str) -> str:
    """The URL of database ``name`` on the PostgreSQL server whose base URL is ``server``."""
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def migrate_postgres_template(server: str) -> None:
    """Make the template database on ``server`` and migrate it to the newest schema."""
    _as_admin(server, f'CREATE DATABASE "{POSTGRES_TEMPLATE}"')
    # Disposed when closed: no connection may stay open on a template being copied.
    open_database(database_url(server, POSTGRES_TEMPLATE)).close()


def new_postgres(server: str, *, migrated: bool) -> str:
    """A new database on ``server``: a copy of the migrated template, or empty; its URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    template = f' TEMPLATE "{POSTGRES_TEMPLATE}"' if migrated else ""
    _as_admin(server, f'CREATE DATABASE "{name}"{template}')
    return database_url(server, name)


def drop_postgres(url: str) -> None:
    name = make_url(url).database
    _as_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_admin(server: str, statement: str) -> None:
    """Run ``statement`` outside a transaction in the ``postgres`` database of ``server``
    (CREATE and DROP DATABASE cannot run inside one)."""
    admin = create_engine(database_url(server, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def table_names(engine: Engine) -> list[str]:
    """The database's tables, sorted."""
    return sorted(inspect(engine).get_table_names())
