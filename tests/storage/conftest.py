"""The storage suite runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import pytest


@pytest.fixture
def db_url(sqlite_or_postgres_url: str) -> str:
    return sqlite_or_postgres_url
