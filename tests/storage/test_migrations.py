"""Migrations: from an empty database to the newest schema, which matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from neckcheck.storage.db import current_revision, head_revision, make_engine, upgrade
from neckcheck.storage.tables import Base, UTCDateTime
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
        "status_queue",
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


def test_the_status_queue_migration_keeps_statuses_and_queues_the_stale(db_url: str) -> None:
    """0016: kept statuses get their place in the dashboard's order from their latest
    episode; a shared patient whose status is missing or made from another diary version is
    queued (what the dashboard used to find by reading every share), the others are not; a
    clinician's account keeps how many patients share with them."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from neckcheck.storage.dashboard import recency

    engine = make_engine(db_url)
    upgrade(engine, "0015")
    started = datetime(2026, 6, 1, 8, 30, 15, 123456, tzinfo=UTC)
    status = {"rank": 3, "course": "isolated", "computed_at": "2026-06-02 00:00:00"}
    with engine.begin() as connection:
        for pid, version in ((1, 10), (2, 20), (3, 30), (4, 40)):
            connection.execute(
                sa.text(
                    "INSERT INTO patients (id, display_name, created_at, diary_version) "
                    "VALUES (:id, 'P', '2026-01-01 00:00:00', :version)"
                ),
                {"id": pid, "version": version},
            )
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, display_name, password_hash, role, disabled, "
                "created_at) VALUES (9, 'd@example.org', 'D', 'x', 'clinician', false, "
                "'2026-01-01 00:00:00')"
            )
        )
        for pid, revoked in ((1, None), (2, None), (3, None), (4, "2026-05-01 00:00:00")):
            connection.execute(
                sa.text(
                    "INSERT INTO shares (patient_id, clinician_id, created_at, revoked_at) "
                    "VALUES (:pid, 9, '2026-01-01 00:00:00', :revoked)"
                ),
                {"pid": pid, "revoked": revoked},
            )
        # 1: current; 2: from another version; 3: none kept; 4: not shared any more.
        for pid, version, latest in ((1, 10, started), (2, 19, None), (4, 1, None)):
            connection.execute(
                sa.text(
                    "INSERT INTO patient_status (patient_id, level, rank, latest_started_at, "
                    "course, diary_version, computed_at) VALUES (:pid, 'routine', :rank, "
                    ":latest, :course, :version, :computed_at)"
                ).bindparams(sa.bindparam("latest", type_=UTCDateTime())),
                {"pid": pid, "version": version, "latest": latest, **status},
            )
    upgrade(engine)
    with engine.connect() as connection:
        kept = dict(
            connection.execute(sa.text("SELECT patient_id, recency FROM patient_status")).all()
        )
        queued = dict(
            connection.execute(sa.text("SELECT patient_id, diary_version FROM status_queue")).all()
        )
        counted = connection.execute(sa.text("SELECT shared_patients FROM users")).scalar()
    engine.dispose()
    assert kept == {1: recency(started), 2: 0, 4: 0}
    assert recency(started) == -1780302615123456
    assert queued == {2: 20, 3: 30}
    assert counted == 3  # patients 1 to 3 share with the clinician; 4 no longer does
