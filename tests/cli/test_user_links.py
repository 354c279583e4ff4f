"""`neckcheck user invite` and `neckcheck user reset`: a one-time link under
NECKCHECK_PUBLIC_URL, printed (and emailed where SMTP is set up); bad input is one line."""

from __future__ import annotations

import re

import pytest

from neckcheck.cli import app
from neckcheck.storage import links
from neckcheck.storage.db import open_database
from tests.factories import NOW, cli_runner, patient_accounts
from tests.ports import free_port
from tests.smtp import smtp_server, text_of

runner = cli_runner()
SECRET = "k" * 40


@pytest.fixture
def clinic_db(env_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    patient_accounts(env_db, ["ann@example.org"])
    monkeypatch.setenv("NECKCHECK_SECRET_KEY", SECRET)
    monkeypatch.setenv("NECKCHECK_PUBLIC_URL", "https://clinic.example.org")
    return env_db


def _token(output: str, kind: str) -> str:
    found = re.search(rf"^https://clinic\.example\.org/{kind}/(\S+)$", output, re.M)
    assert found, output
    return found.group(1)


def test_invite_prints_a_link_under_the_public_address(clinic_db: str) -> None:
    result = runner.invoke(app, ["user", "invite", "New@Example.org", "--role", "clinician"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Invitation for new@example.org (clinician), until Tue 07 Jul 2026, "
    )
    token = _token(result.output, "join")
    db = open_database(clinic_db)
    with db.session() as session:
        link = links.find_link(session=session, token=token, secret=SECRET)
    db.close()
    assert link is not None and (link.role, link.made_by) == ("clinician", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["user", "invite", "ann@example.org"],
            "Error: email: an account for ann@example.org exists already\n",
        ),
        (["user", "invite", "not an email"], "Error: email: is not an email address\n"),
        (
            ["user", "invite", "b@example.org", "--role", "boss"],
            "Error: role: must be one of: patient, clinician, admin\n",
        ),
        (["user", "reset", "nobody@example.org"], "Error: no account for nobody@example.org\n"),
    ],
)
def test_bad_input_is_one_line_and_makes_no_link(
    clinic_db: str, args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert (result.exit_code, result.output) == (2, message)
    db = open_database(clinic_db)
    with db.session() as session:
        assert links.open_invitations(session=session, now=NOW) == []
    db.close()


def test_links_need_the_servers_secret_key(clinic_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NECKCHECK_SECRET_KEY")
    result = runner.invoke(app, ["user", "invite", "b@example.org"])
    assert result.exit_code == 2
    assert "NECKCHECK_SECRET_KEY" in result.output


def test_reset_prints_a_link_and_emails_it(clinic_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The address goes into the environment before the server's thread starts: a process
    # that changes its environment while another thread reads it can crash (glibc's setenv
    # is not thread-safe, and under faketime every clock call may read the environment).
    port = free_port()
    monkeypatch.setenv("NECKCHECK_SMTP_URL", f"smtp://127.0.0.1:{port}")
    with smtp_server(port) as (inbox, _):
        result = runner.invoke(app, ["user", "reset", "ann@example.org"])
        assert result.exit_code == 0, result.output
        token = _token(result.output, "reset")
        assert "Also sent by email to ann@example.org." in result.output
        message = inbox.wait(1)[0]
    assert message["From"] == "neckcheck@clinic.example.org"
    assert f"https://clinic.example.org/reset/{token}" in text_of(message)
