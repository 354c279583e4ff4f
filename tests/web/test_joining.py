"""Joining by invitation and setting a new password by a reset link: one-time, expiring links
kept only as a keyed hash; forms that keep what was typed and say what is wrong beside the
field; links emailed by a real SMTP server where one is configured."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from neckcheck.settings import Settings
from neckcheck.storage import links
from neckcheck.storage.db import open_database
from neckcheck.storage.tables import AccountLinkRow, SessionRow
from neckcheck.web.app import create_app
from tests.factories import NOW, PASSWORD, MovingClock
from tests.smtp import smtp_server, text_of
from tests.web.clinic_app import SECRET, Clinic, csrf, login

NEW_PASSWORD = "seven purple walruses dancing"


def invite(admin: TestClient, email: str, role: str = "patient") -> Any:
    return admin.post(
        "/accounts/invite",
        data={"email": email, "role": role, "csrf_token": csrf(admin, "/accounts")},
    )


def link_in(page: str) -> str:
    found = re.search(r'href="(http://[^"]+/(?:join|reset)/[^"]+)"', page)
    assert found, "no link on the page"
    return found.group(1)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def fill(browser: TestClient, url: str, **fields: str) -> Any:
    """Open the link's page and send its form: the hidden fields as they are, ``fields``
    for the rest (name, password, password_again, share)."""
    page = browser.get(path_of(url))
    assert page.status_code == 200, page.text
    form = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert form
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return browser.post(form.group(1), data={"csrf_token": token.group(1), **fields})


def test_an_invited_patient_joins_and_is_signed_in(clinic: Clinic) -> None:
    made = invite(clinic.client("admin"), "new@example.org")
    assert made.status_code == 200
    url = link_in(made.text)
    assert url.startswith("http://127.0.0.1:8000/join/")  # no NECKCHECK_PUBLIC_URL: host:port
    page = clinic.client().get(path_of(url)).text
    assert len(re.findall(r'<form method="post"', page)) == 1
    assert len(re.findall(r'type="password"', page)) == 2
    assert 'type="hidden" name="csrf_token"' in page
    assert 'type="text" id="name" name="name"' in page
    browser = clinic.client()
    joined = fill(browser, url, name="Nia New", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert (joined.status_code, joined.headers["location"]) == (303, "/")
    assert browser.get("/").status_code == 200
    again = browser.get(path_of(url))
    assert again.status_code == 410
    assert "was used already" in again.text
    assert "ask Admin (admin@example.org) for a new one" in again.text
    assert login(clinic.client(), "new@example.org", NEW_PASSWORD).status_code == 303


def test_links_are_kept_only_as_a_keyed_hash(clinic: Clinic) -> None:
    url = link_in(invite(clinic.client("admin"), "hash@example.org").text)
    token = url.rsplit("/", 1)[1]
    db = open_database(clinic.url)
    with db.session() as session:
        stored = session.scalars(select(AccountLinkRow.token_hash)).all()
    db.close()
    assert stored == [links.token_hash(token, SECRET)]
    assert token not in stored[0]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"name": "Nia", "password": "password123", "password_again": "password123"},
            "password",
            "is too easy to guess. This is a very common password.",
        ),
        (
            {"name": "Nia", "password": "short", "password_again": "short"},
            "password",
            "must be at least 10 characters",
        ),
        (
            {"name": "Nia", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"},
            "password_again",
            "is not the same as the first password",
        ),
        (
            {"name": "  ", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
            "name",
            "enter your name (1 to 200 characters)",
        ),
    ],
)
def test_a_bad_form_comes_back_with_the_error_beside_the_field_and_changes_nothing(
    clinic: Clinic, fields: dict[str, str], field: str, message: str
) -> None:
    url = link_in(invite(clinic.client("admin"), "nia@example.org").text)
    browser = clinic.client()
    refused = fill(browser, url, **fields)
    assert refused.status_code == 422
    beside = re.search(
        rf'<p class="error" id="error-{field}" role="alert">([^<]+)</p>', refused.text
    )
    assert beside and beside.group(1).replace("&#39;", "'").startswith(message)
    assert f'value="{fields["name"]}"' in refused.text or not fields["name"].strip()
    assert NEW_PASSWORD not in refused.text  # passwords are never sent back
    assert login(clinic.client(), "nia@example.org", NEW_PASSWORD).status_code == 401
    ok = fill(browser, url, name="Nia", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert ok.status_code == 303  # the link still works


def test_an_expired_link_says_so_and_an_unknown_one_too(clinic: Clinic, tmp_path: Path) -> None:
    url = link_in(invite(clinic.client("admin"), "late@example.org").text)
    later = MovingClock(NOW + links.JOIN_LIFETIME + timedelta(seconds=1))
    settings = Settings(
        database_url=clinic.url, clinic_mode=True, secret_key=SECRET, cookie_secure=False
    )
    with TestClient(create_app(settings, clock=later), follow_redirects=False) as browser:
        expired = browser.get(path_of(url))
        assert expired.status_code == 410
        assert "This invitation expired on Tue 07 Jul 2026" in expired.text
        assert "Ask Admin (admin@example.org) for a new one" in expired.text
        unknown = browser.get("/join/not-a-token-of-this-clinic")
        assert unknown.status_code == 404
        assert "is not known here" in unknown.text
        posted = browser.post(
            path_of(url),
            data={
                "csrf_token": csrf(browser),
                "name": "L",
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
        )
        assert posted.status_code == 410
    assert login(clinic.client(), "late@example.org", NEW_PASSWORD).status_code == 401


def test_unknown_links_are_limited_per_address(clinic: Clinic) -> None:
    guesser = clinic.client(address="198.51.100.20")
    for n in range(10):
        assert guesser.get(f"/join/guess-{n}").status_code == 404
    assert guesser.get("/join/guess-again").status_code == 429
    assert clinic.client(address="192.0.2.20").get("/join/guess-x").status_code == 404


def test_an_email_that_has_an_account_is_refused_beside_the_field(clinic: Clinic) -> None:
    admin = clinic.client("admin")
    refused = invite(admin, "Owner@Example.org")
    assert refused.status_code == 422
    assert (
        '<p class="error" id="error-email" role="alert">an account for owner@example.org '
        "exists already</p>" in refused.text
    )
    assert 'value="Owner@Example.org"' in refused.text
    db = open_database(clinic.url)
    with db.session() as session:
        assert session.scalars(select(AccountLinkRow)).all() == []
    db.close()


def test_only_administrators_and_clinicians_invite(clinic: Clinic) -> None:
    patient = clinic.client("owner")
    refused = patient.post(
        "/clinician/invite", data={"email": "x@example.org", "csrf_token": csrf(patient, "/")}
    )
    assert refused.status_code == 403
    doctor = clinic.client("shared")
    token = csrf(doctor, "/clinician")
    assert (
        doctor.post(
            "/accounts/invite",
            data={"email": "x@example.org", "role": "admin", "csrf_token": token},
        ).status_code
        == 403
    )


def test_a_clinicians_invitation_shares_the_new_diary_only_if_the_patient_agrees(
    clinic: Clinic,
) -> None:
    doctor = clinic.client("shared")
    for email, agree in (("yes@example.org", "yes"), ("no@example.org", "")):
        made = doctor.post(
            "/clinician/invite", data={"email": email, "csrf_token": csrf(doctor, "/clinician")}
        )
        assert made.status_code == 200
        url = link_in(made.text)
        form = clinic.client().get(path_of(url)).text
        assert "Share my diary with Shared (shared@example.org), who invited me" in form
        assert 'name="share" value="yes">' in form  # not ticked for them
        joined = fill(
            clinic.client(),
            url,
            name=email.split("@")[0].title(),
            password=NEW_PASSWORD,
            password_again=NEW_PASSWORD,
            share=agree,
        )
        assert joined.status_code == 303
    patients = doctor.get("/clinician").text
    assert "<strong>Yes</strong>" in patients
    assert "<strong>No</strong>" not in patients


def test_a_reset_link_sets_a_new_password_and_ends_every_other_session(clinic: Clinic) -> None:
    elsewhere = clinic.client("owner")
    assert elsewhere.get("/").status_code == 200
    admin = clinic.client("admin")
    made = admin.post(
        f"/accounts/{clinic.users['owner'].id}/reset", data={"csrf_token": csrf(admin, "/accounts")}
    )
    url = link_in(made.text)
    assert "/reset/" in url
    page = clinic.client().get(path_of(url)).text
    assert 'value="Owner"' in page  # the name stays as it was unless changed
    browser = clinic.client()
    done = fill(browser, url, name="Owner", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert (done.status_code, done.headers["location"]) == (303, "/")
    assert browser.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 303  # signed out
    assert login(clinic.client(), "owner@example.org", PASSWORD).status_code == 401
    assert login(clinic.client(), "owner@example.org", NEW_PASSWORD).status_code == 303
    assert browser.get(path_of(url)).status_code == 410


def test_a_reset_link_lasts_an_hour(clinic: Clinic) -> None:
    admin = clinic.client("admin")
    made = admin.post(
        f"/accounts/{clinic.users['other'].id}/reset", data={"csrf_token": csrf(admin, "/accounts")}
    )
    url = link_in(made.text)
    settings = Settings(
        database_url=clinic.url, clinic_mode=True, secret_key=SECRET, cookie_secure=False
    )
    for minutes, status in ((59, 200), (61, 410)):
        clock = MovingClock(NOW + timedelta(minutes=minutes))
        with TestClient(create_app(settings, clock=clock), follow_redirects=False) as browser:
            assert browser.get(path_of(url)).status_code == status


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    clinic: Clinic,
) -> None:
    elsewhere = clinic.client("other")
    browser = clinic.client("other")
    form = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    wrong = browser.post(
        "/account/password",
        data={**form, "current_password": "not it at all", "csrf_token": csrf(browser, "/account")},
    )
    assert wrong.status_code == 422
    assert 'id="error-current_password" role="alert">is not your current password<' in wrong.text
    assert elsewhere.get("/").status_code == 200  # nothing changed
    done = browser.post(
        "/account/password",
        data={**form, "current_password": PASSWORD, "csrf_token": csrf(browser, "/account")},
    )
    assert (done.status_code, done.headers["location"]) == (303, "/account?done=password")
    assert browser.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 303
    assert login(clinic.client(), "other@example.org", NEW_PASSWORD).status_code == 303


def test_links_are_emailed_through_a_real_smtp_server(clinic: Clinic) -> None:
    with smtp_server() as (inbox, smtp_url):
        settings = Settings(
            database_url=clinic.url,
            clinic_mode=True,
            secret_key=SECRET,
            cookie_secure=False,
            totp_required=False,
            smtp_url=smtp_url,
            public_url="https://clinic.example.org/",
            mail_from="desk@clinic.example.org",
        )
        with TestClient(create_app(settings, clock=MovingClock()), follow_redirects=False) as admin:
            login(admin, "admin@example.org")
            made = invite(admin, "mail@example.org")
            assert "Sent by email" in made.text
            assert "/join/" not in made.text  # the link goes to the person only
            message = inbox.wait(1)[0]
        assert inbox.recipients[0] == ["mail@example.org"]
        assert (message["From"], message["Subject"]) == (
            "desk@clinic.example.org",
            "Your invitation to neckcheck",
        )
        url = re.search(r"https://clinic\.example\.org/join/\S+", text_of(message))
        assert url
        joined = fill(
            clinic.client(),
            url.group(0),
            name="Mai",
            password=NEW_PASSWORD,
            password_again=NEW_PASSWORD,
        )
        assert joined.status_code == 303


def test_a_link_is_not_made_when_its_email_cannot_be_sent(clinic: Clinic) -> None:
    from tests.ports import free_port

    settings = Settings(
        database_url=clinic.url,
        clinic_mode=True,
        secret_key=SECRET,
        cookie_secure=False,
        totp_required=False,
        smtp_url=f"smtp://127.0.0.1:{free_port()}",  # nothing listens there
    )
    with TestClient(create_app(settings, clock=MovingClock()), follow_redirects=False) as admin:
        login(admin, "admin@example.org")
        refused = invite(admin, "nomail@example.org")
    assert refused.status_code == 503
    assert "could not be sent" in refused.text
    db = open_database(clinic.url)
    with db.session() as session:
        assert session.scalars(select(AccountLinkRow)).all() == []
        assert session.scalars(select(SessionRow.user_id)).all()  # the admin stays signed in
    db.close()


def test_a_second_invitation_of_an_email_that_joined_meanwhile_says_so(clinic: Clinic) -> None:
    admin = clinic.client("admin")
    first = link_in(invite(admin, "twice@example.org").text)
    second = link_in(invite(admin, "twice@example.org").text)
    form = {"name": "Tw", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert fill(clinic.client(), first, **form).status_code == 303
    refused = fill(clinic.client(), second, **form)
    assert refused.status_code == 422
    assert (
        '<p class="error" role="alert" id="error-email">an account for twice@example.org exists '
        "already: sign in with it</p>" in refused.text
    )
