"""Migrations: from an empty database to the newest schema, which matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from neckcheck.storage.db import current_revision, head_revision, make_engine, upgrade
from neckcheck.storage.tables import Base
from tests.databases import table_names


@pytest.fixture
def db_url(empty_sqlite_or_postgres_url: str) -> str:
    """An empty database on each backend: the other tests start from a copy of one migrated
    once (tests/databases.py); these run the migrations themselves."""
    return empty_sqlite_or_postgres_url


def test_upgrade_from_empty_creates_the_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    assert table_names(engine) == []
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert table_names(engine) == [
        "account_links",
        "activities",
        "alembic_version",
        "alerts",
        "audit_log",
        "calendar_feeds",
        "check_ins",
        "episode_keys",
        "episodes",
        "failed_attempts",
        "installation",
        "invitations",
        "local_sessions",
        "pain_free_days",
        "patient_status",
        "patients",
        "recovery_codes",
        "second_factors",
        "sessions",
        "shares",
        "users",
    ]
    upgrade(engine)  # a second run changes nothing
    assert current_revision(engine) == head_revision()
    engine.dispose()


# The dashboard's order index has an expression (DESC NULLS LAST) that Alembic can compare on
# PostgreSQL only, where it is made; elsewhere it says so and skips it.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
def test_the_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_removes_everything(db_url: str) -> None:
    from alembic import command

    from neckcheck.storage.db import _alembic_config

    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "base")
    assert table_names(engine) == ["alembic_version"]
    engine.dispose()


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
def test_a_test_database_is_a_migrated_one(sqlite_or_postgres_url: str) -> None:
    """The copies the other tests start from (tests/databases.py) are at the newest revision,
    with the schema the migrations make."""
    engine = make_engine(sqlite_or_postgres_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []
