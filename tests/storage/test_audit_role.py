"""The audit log cannot be rewritten by the server: on PostgreSQL the server connects as a role
that owns nothing and may only add to and read the audit log (``neckcheck db grant``), and a
statement trigger refuses TRUNCATE even to the owner. Tested by connecting as that role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from neckcheck.cli import app
from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.storage.db import make_engine
from neckcheck.web.app import create_app
from tests.factories import NOW, cli_runner, patient_accounts, web_client
from tests.web.clinic_app import SECRET, csrf, login

runner = cli_runner()


@pytest.fixture
def app_role(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The URL of a fresh login role, granted by `neckcheck db grant` after the owner migrated."""
    role = f"app_{uuid.uuid4().hex[:10]}"
    owner = make_engine(postgres_url)
    with owner.begin() as connection:
        connection.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
    monkeypatch.setenv("NECKCHECK_DATABASE_URL", postgres_url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    granted = runner.invoke(app, ["db", "grant", role])
    assert granted.exit_code == 0, granted.output
    yield make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    with owner.begin() as connection:
        connection.execute(sa.text(f"DROP OWNED BY {role}"))
    owner.dispose()


def _refused(url: str, statement: str) -> str:
    engine = make_engine(url)
    try:
        with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()
    return str(caught.value.orig)


def test_the_server_role_can_run_the_clinic(app_role: str, postgres_url: str) -> None:
    patient_accounts(postgres_url, ["p@example.org"])
    settings = Settings(
        database_url=app_role, clinic_mode=True, secret_key=SECRET, cookie_secure=False
    )
    with web_client(create_app(settings, clock=FixedClock(NOW)), follow_redirects=False) as web:
        assert login(web, "p@example.org", "wrong password, surely").status_code == 401
        assert login(web, "p@example.org").status_code == 303
        body = {"started_at": "2026-06-29T08:00:00Z", "intensity": 4}
        assert web.post("/api/v1/episodes", json=body).status_code == 201
        page = web.post("/sharing/invite", data={"csrf_token": csrf(web, "/sharing")})
        assert page.status_code == 200
    engine = make_engine(app_role)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO audit_log (at, actor_id, patient_id, action, target, ip, "
                "granted) VALUES (now(), NULL, NULL, 'read', '/x', '', true)"
            )
        )
        assert connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() == 1
    engine.dispose()


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("UPDATE audit_log SET target = 'x'", "permission denied"),
        ("DELETE FROM audit_log", "permission denied"),
        ("TRUNCATE audit_log", "permission denied"),
        ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", "must be owner"),
        ("DROP TRIGGER audit_log_append_only ON audit_log", "must be owner"),
        ("DROP TABLE audit_log", "must be owner"),
        ("UPDATE alembic_version SET version_num = '0001'", "permission denied"),
        ("CREATE TABLE mine (id int)", "permission denied"),
    ],
)
def test_the_server_role_cannot_rewrite_the_audit_log(
    app_role: str, statement: str, reason: str
) -> None:
    assert reason in _refused(app_role, statement)


def test_truncate_is_refused_even_to_the_owner(postgres_url: str) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"], env={"NECKCHECK_DATABASE_URL": postgres_url})
    assert upgraded.exit_code == 0
    assert "audit_log is append-only" in _refused(postgres_url, "TRUNCATE audit_log")


def test_an_upgrade_by_the_server_role_says_who_must_run_it(app_role: str) -> None:
    engine = make_engine(app_role)
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0006'"))
    engine.dispose()
    owner = make_url(app_role).set(username="postgres").render_as_string(hide_password=False)
    owner_engine = make_engine(owner)
    with owner_engine.begin() as connection:  # the owner steps the version back
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0006'"))
    owner_engine.dispose()
    result = runner.invoke(app, ["history"], env={"NECKCHECK_DATABASE_URL": app_role})
    assert result.exit_code == 2
    assert "run `neckcheck db upgrade` as the database's owner" in result.output


def test_grant_names_what_is_wrong(postgres_url: str, tmp_path: Path) -> None:
    env = {"NECKCHECK_DATABASE_URL": postgres_url}
    missing = runner.invoke(app, ["db", "grant", "nobody_here"], env=env)
    assert missing.exit_code == 2
    assert "no role 'nobody_here'" in missing.output
    quoted = runner.invoke(app, ["db", "grant", "x; DROP TABLE users"], env=env)
    assert "is not a plain role name" in quoted.output
    on_sqlite = runner.invoke(
        app,
        ["db", "grant", "app"],
        env={"NECKCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"},
    )
    assert "PostgreSQL feature" in on_sqlite.output


def _audit_now(url: str, statement: str) -> tuple[bool, str]:
    """Run ``statement`` (an insert dated in 2000) as the role of ``url``; whether the entry
    it made is dated by the database's clock (within the last minute, by the database)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement))
            fresh, at = connection.execute(
                sa.text(
                    "SELECT at > clock_timestamp() - interval '1 minute', at::text "
                    "FROM audit_log ORDER BY id DESC LIMIT 1"
                )
            ).one()
    finally:
        engine.dispose()
    return bool(fresh), str(at)


def test_the_server_role_cannot_date_an_entry_in_the_past(app_role: str) -> None:
    backdated = (
        "INSERT INTO audit_log (at, actor_id, patient_id, action, target, ip, granted) "
        "VALUES ('2000-01-01T00:00:00Z', NULL, 1, 'read', '/x', '', true)"
    )
    fresh, at = _audit_now(app_role, backdated)
    assert fresh, at
    assert not at.startswith("2000")


def test_renaming_an_account_does_not_change_what_the_audit_log_says(
    app_role: str, postgres_url: str
) -> None:
    patient_accounts(postgres_url, ["p@example.org"])
    owner = make_engine(postgres_url)
    with owner.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (email, display_name, password_hash, role, disabled, "
                "created_at) SELECT 'lee@example.org', 'Dr Lee', password_hash, 'clinician', "
                "false, created_at FROM users WHERE email = 'p@example.org'"
            )
        )
    owner.dispose()
    settings = Settings(  # a trial: the clinician signs in with a password alone
        database_url=app_role,
        clinic_mode=True,
        secret_key=SECRET,
        cookie_secure=False,
        totp_required=False,
    )
    app = create_app(settings, clock=FixedClock(NOW))
    with web_client(app, follow_redirects=False) as patient:
        assert login(patient, "p@example.org").status_code == 303
        page = patient.post("/sharing/invite", data={"csrf_token": csrf(patient, "/sharing")})
        code = page.text.split('class="code">', 1)[1].split("<", 1)[0]
        doctor = web_client(app, follow_redirects=False)  # the app is running already
        assert login(doctor, "lee@example.org").status_code == 303
        form = {"code": code, "csrf_token": csrf(doctor, "/clinician")}
        shared = doctor.post("/clinician/redeem", data=form)
        assert shared.status_code == 303
        assert doctor.get(shared.headers["location"] + "/insights").status_code == 200
        as_server = make_engine(app_role)  # what a compromised server could do
        with as_server.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE users SET display_name = 'Nobody', role = 'admin' "
                    "WHERE email = 'lee@example.org'"
                )
            )
        as_server.dispose()
        sharing = patient.get("/sharing").text
    assert "Dr Lee viewed your insights" in sharing
    assert "Nobody" not in sharing.split('id="audit-h"', 1)[1]
