"""Diary commands on a clinic database work on the patient named by --patient (required
there) and leave an audit entry; a local diary needs no name."""

from __future__ import annotations

import json

import pytest

from neckcheck.cli import app
from neckcheck.storage import accounts
from neckcheck.storage.db import open_database
from tests.factories import LOCAL_NOON, NOW, cli_runner, patient_accounts

runner = cli_runner(LOCAL_NOON)  # "--start 08:00" is then earlier that day


@pytest.fixture
def clinic_db(migrated_env_db: str) -> str:
    patient_accounts(migrated_env_db, ["ann@example.org", "bo@example.org"])
    return migrated_env_db


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_clinic_database_needs_a_patient_named(clinic_db: str) -> None:
    code, output = _run("history")
    assert code == 2
    assert output.startswith("Error: patient: this is a clinic database: say whose diary")
    assert _run("--patient", "nobody@example.org", "history") == (
        2,
        "Error: patient: no patient account 'nobody@example.org' here\n",
    )


def test_commands_act_on_the_named_diary_and_are_audited(clinic_db: str) -> None:
    code, output = _run("--patient", "bo@example.org", "log", "-n", "4", "--start", "08:00")
    assert code == 0, output
    assert json.loads(_run("--patient", "ann@example.org", "history", "--json")[1]) == []
    assert len(json.loads(_run("--patient", "BO@example.org", "history", "--json")[1])) == 1
    db = open_database(clinic_db)
    with db.session() as session:
        bo = accounts.patient_account(session=session, email="bo@example.org").patient_id
        assert bo is not None
        entries = accounts.audit_for_patient(session=session, patient_id=bo)
    db.close()
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("the command line", "read", "neckcheck history"),
        ("the command line", "write", "neckcheck log"),
    ]


def test_a_local_diary_refuses_a_patient_name(env_db: str) -> None:
    assert _run("log", "-n", "3", "--start", "08:00")[0] == 0
    assert _run("--patient", "ann@example.org", "history") == (
        2,
        "Error: patient: this database has no accounts; leave --patient out\n",
    )


def test_refresh_statuses_computes_each_shared_diary_once(clinic_db: str) -> None:
    db = open_database(clinic_db)
    with db.session() as session:
        clinician = accounts.create_user(
            session=session,
            email="dr@example.org",
            display_name="Dr",
            password_hash="x",
            role="clinician",
            now=NOW,
        )
        for email in ("ann@example.org", "bo@example.org"):
            patient = accounts.patient_account(session=session, email=email).patient_id
            assert patient is not None
            code = accounts.create_invitation(
                session=session, patient_id=patient, now=NOW, secret="k"
            )
            accounts.redeem_invitation(
                session=session, code=code, clinician=clinician, now=NOW, secret="k"
            )
    db.close()
    assert _run("db", "refresh-statuses") == (0, "Computed 2 statuses; all are current.\n")
    assert _run("db", "refresh-statuses") == (0, "Computed 0 statuses; all are current.\n")
