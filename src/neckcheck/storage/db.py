"""Database engines, sessions and migrations.

    >>> from neckcheck.storage.db import open_database
    >>> db = open_database("sqlite:///:memory:")   # migrated to the newest schema
    >>> with db.session() as session: ...

SQLite connections get foreign keys on, WAL journaling and a busy timeout; any other URL
(``postgresql+psycopg://...``) is used as given.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from neckcheck.errors import ConfigError
from neckcheck.storage.cache import DEFAULT_BYTES, DiaryCache

HEAD = "head"
BUSY_SECONDS = 5
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, connections: int | None = None) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created when missing.

    ``connections`` sizes the pool (a server passes how many requests it runs at once; a
    few more are allowed for short side transactions); by default SQLAlchemy's pool size is
    used.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with a terse text
        raise ConfigError(f"database URL is not valid: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        in_memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(parsed, **({} if in_memory else _pool(connections)))
        event.listen(engine, "connect", _sqlite_pragmas)
        _queue_writers(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **_pool(connections))


def _queue_writers(engine: Engine) -> None:
    """Writers in this process take turns on a lock instead of polling SQLite's.

    SQLite has one writer at a time. A writer that finds the database locked sleeps and
    retries (up to 100 ms apart, and not in order), so under many concurrent writers some
    wait out the busy timeout. Here a transaction takes the engine's lock before its first
    write and gives it back when it commits or rolls back: waiting writers queue and start
    the moment the lock is free. Other processes still meet SQLite's own locking. If the lock
    is not free within the busy timeout, the write goes ahead and SQLite decides.
    """
    lock = threading.Lock()

    def before_execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        writes = statement.lstrip()[:7].upper().startswith(_WRITES)
        if writes and "write_lock" not in conn.info and lock.acquire(timeout=BUSY_SECONDS):
            conn.info["write_lock"] = lock

    def give_back(info: dict[Any, Any]) -> None:
        held = info.pop("write_lock", None)
        if held is not None:
            held.release()

    def on_end(conn: Any) -> None:
        give_back(conn.info)

    def on_reset(_dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
        give_back(record.info)

    def on_close(_dbapi_connection: Any, record: Any) -> None:
        give_back(record.info)

    def on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        give_back(record.info)

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", on_end)
    event.listen(engine, "rollback", on_end)
    event.listen(engine.pool, "reset", on_reset)
    event.listen(engine.pool, "close", on_close)
    event.listen(engine.pool, "invalidate", on_invalidate)


# Connections beyond a server's one per request, for the short transactions a request opens
# beside its own (an attempt's claim, a refused access written again after a rollback): they
# never wait for a connection that a request holds.
SIDE_CONNECTIONS = 8


def _pool(connections: int | None) -> dict[str, int]:
    if connections is None:
        return {}
    return {"pool_size": connections, "max_overflow": SIDE_CONNECTIONS}


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "neckcheck.storage:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = HEAD) -> None:
    """Apply migrations up to ``revision`` (the newest by default)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


# What the server's own role may do (``neckcheck db grant``): everything it needs on every
# table, except that the audit log can only be added to and read, and the schema's version
# only read. The role owns nothing, so it cannot alter, disable triggers on, or drop a table.
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_GRANTS = (
    "GRANT CONNECT ON DATABASE {database} TO {role}",
    "GRANT USAGE ON SCHEMA public TO {role}",
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "REVOKE UPDATE, DELETE ON audit_log FROM {role}",
    "REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
)
APP_ROLE_KEY = "app_role"


def grant_app_role(engine: Engine, role: str) -> None:
    """Give the PostgreSQL ``role`` the server connects as exactly what it needs, and remember
    it so that ``upgrade_and_grant`` gives new tables to it too. Run as the tables' owner."""
    if engine.dialect.name != "postgresql":
        raise ConfigError("a separate role for the server is a PostgreSQL feature")
    if not _ROLE_NAME.fullmatch(role):
        raise ConfigError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).first()
        if exists is None:
            raise ConfigError(f"PostgreSQL has no role {role!r}; create it first (CREATE ROLE)")
        owner = connection.execute(
            text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'")
        ).scalar()
        if owner is None:
            raise ConfigError("the database has no tables yet: run `neckcheck db upgrade` first")
        if owner == role:
            raise ConfigError(f"{role!r} owns the tables; the server needs a role of its own")
        database = connection.execute(text("SELECT current_database()")).scalar_one()
        for statement in _GRANTS:
            connection.execute(text(statement.format(database=quote(database), role=quote(role))))
        connection.execute(
            text(
                "INSERT INTO installation (key, value) VALUES (:key, :role) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            ),
            {"key": APP_ROLE_KEY, "role": role},
        )


def upgrade_and_grant(engine: Engine) -> str | None:
    """Migrate to the newest schema, then renew the server role's grants (new tables); returns
    that role, if ``grant_app_role`` named one."""
    upgrade(engine)
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        role = connection.execute(
            text("SELECT value FROM installation WHERE key = :key"), {"key": APP_ROLE_KEY}
        ).scalar()
    if role is not None:
        grant_app_role(engine, role)
    return role


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        revision: str | None = MigrationContext.configure(connection).get_current_revision()
        return revision


@cache
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    with make_engine("sqlite://").connect() as connection:
        script = ScriptDirectory.from_config(_alembic_config(connection))
    return str(script.get_current_head())


def backup_sqlite(url: str, target: Path) -> int:
    """Copy a SQLite database to ``target`` with SQLite's online backup; returns its pages.

    The copy is consistent even while a server writes to the database.
    """
    import sqlite3

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ConfigError("backup copies a SQLite database; for PostgreSQL use pg_dump")
    source_path = Path(parsed.database).expanduser()
    if not source_path.is_file():
        raise ConfigError(f"no database at {source_path}")
    if target.resolve() == source_path.resolve():
        raise ConfigError("the backup must not overwrite the database itself")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
            pages: int = destination.execute("PRAGMA page_count").fetchone()[0]
        finally:
            destination.close()
    finally:
        source.close()
    return pages


@dataclass(frozen=True)
class Database:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    url: str,
    *,
    migrate: bool = True,
    connections: int | None = None,
    cache_bytes: int = DEFAULT_BYTES,
) -> Database:
    """Open the database at ``url``; with ``migrate`` bring its schema up to date first.
    Its sessions keep what diaries give back in one cache of at most ``cache_bytes``."""
    engine = make_engine(url, connections=connections)
    if migrate and current_revision(engine) != head_revision():
        try:
            upgrade(engine)
        except ProgrammingError as exc:  # e.g. the server's own role may not create tables
            engine.dispose()
            raise ConfigError(
                "the database schema is not the newest and this connection may not change it: "
                "run `neckcheck db upgrade` as the database's owner"
            ) from exc
    from neckcheck.storage.accounts import keep_refused_accesses
    from neckcheck.storage.repo import forget_versions_at_transaction_end

    # Sessions share one DiaryCache: answers kept per diary version, across requests.
    cache = DiaryCache(max_bytes=cache_bytes)
    sessions = sessionmaker(engine, expire_on_commit=False, info={"diary_cache": cache})
    keep_refused_accesses(sessions)
    forget_versions_at_transaction_end(sessions)
    return Database(engine, sessions)
