"""A second outside probe, replayed (local mode, a passphrase, a clinic): each request once
read or changed what it must not, or cost seconds of CPU or hundreds of megabytes. Each must
now be refused by its status code, or answered at an ordinary cost.

The sign-in limits under parallel guesses are in test_signin.py, the audit log's role in
tests/storage/test_audit_role.py, the text extractor's cost in tests/nlp/test_extract.py and
the FHIR import's numbers in tests/interop/test_fhir.py.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from sqlalchemy import text

from neckcheck.clock import FixedClock
from neckcheck.errors import ConfigError
from neckcheck.settings import Settings
from neckcheck.storage import attempts
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread
from tests.factories import NOW, web_client
from tests.nginx import Proxy
from tests.web.clinic_app import SECRET, Clinic, csrf

PASSPHRASE = "a passphrase for the phone"
EPISODE = {"started_at": "2026-06-29T08:00:00Z", "intensity": 5}
REBOUND = "rebind.attacker.example:8000"


def _settings(tmp_path: Path, mode: str, **fields: Any) -> Settings:
    url = f"sqlite:///{tmp_path / f'{mode}.db'}"
    if mode == "clinic":
        fields.update(clinic_mode=True, secret_key=SECRET)
    elif mode == "passphrase":
        fields.update(passphrase=PASSPHRASE)
    return Settings(database_url=url, cookie_secure=False, **fields)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Serve an app in ``mode`` on a real socket: ``served(mode, **settings)`` gives its URL."""
    from contextlib import ExitStack

    with ExitStack() as stack:

        def start(mode: str = "local", **fields: Any) -> str:
            settings = _settings(tmp_path, mode, **fields)
            app = create_app(settings, clock=FixedClock(NOW))
            return stack.enter_context(serve_in_thread(app, settings=settings))

        yield start


# --- 1. DNS rebinding: only this computer's names, and the configured public ones ----------


@pytest.mark.parametrize("mode", ["local", "passphrase", "clinic"])
def test_a_request_naming_another_host_is_refused_in_every_mode(
    served: Callable[..., str], mode: str
) -> None:
    base = served(mode)
    read = requests.get(f"{base}/api/v1/episodes", headers={"Host": REBOUND}, timeout=30)
    assert read.status_code == 400
    assert read.headers["x-content-type-options"] == "nosniff"
    write = requests.post(
        f"{base}/api/v1/episodes",
        json=EPISODE,
        headers={"Host": REBOUND, "Origin": f"http://{REBOUND}"},
        timeout=30,
    )
    assert write.status_code == 400
    page = requests.get(f"{base}/", headers={"Host": REBOUND}, timeout=30)
    assert page.status_code == 400


def test_the_diary_a_rebound_page_tried_to_change_is_unchanged(served: Callable[..., str]) -> None:
    base = served("local")
    headers = {"Host": REBOUND, "Origin": f"http://{REBOUND}"}
    requests.post(f"{base}/api/v1/episodes", json=EPISODE, headers=headers, timeout=30)
    assert requests.get(f"{base}/api/v1/episodes", timeout=30).json() == []


def test_the_test_transports_own_names_are_answered_only_inside_the_process(
    tmp_path: Path, served: Callable[..., str]
) -> None:
    """Starlette's TestClient, as it comes (server "testserver", client "testclient"), reads a
    diary without a passphrase; over a socket the same names are refused like any other."""
    app = create_app(_settings(tmp_path, "local"), clock=FixedClock(NOW))
    with TestClient(app) as in_process:
        assert in_process.get("/api/v1/episodes").status_code == 200
    with TestClient(app, client=("192.0.2.5", 40000)) as elsewhere:
        assert elsewhere.get("/api/v1/episodes").status_code == 400
    base = served("local")
    for host in ("testserver", "testclient"):
        over_a_socket = requests.get(f"{base}/api/v1/episodes", headers={"Host": host}, timeout=30)
        assert over_a_socket.status_code == 400, host


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:1234", "[::1]:8000", "LOCALHOST"])
def test_this_computers_own_names_are_answered_on_any_port(client: TestClient, host: str) -> None:
    assert client.get("/api/v1/episodes", headers={"Host": host}).status_code == 200


def test_a_configured_public_name_is_answered_and_no_other(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "passphrase", allowed_hosts="diary.example.org, *.clinic.test")
    with web_client(create_app(settings, clock=FixedClock(NOW))) as phone:
        for host in ("diary.example.org", "DIARY.example.org:443", "a.clinic.test"):
            assert phone.get("/login", headers={"Host": host}).status_code == 200, host
        for host in ("example.org", "diary.example.org.evil.test", "clinic.test.evil"):
            assert phone.get("/login", headers={"Host": host}).status_code == 400, host


def test_a_public_name_without_a_passphrase_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs NECKCHECK_PASSPHRASE"):
        _settings(tmp_path, "local", allowed_hosts="diary.example.org").check()
    _settings(tmp_path, "local", allowed_hosts="localhost").check()


@pytest.mark.parametrize("name", ["https://diary.example.org", "diary.example.org:443", "a b"])
def test_an_allowed_host_that_is_not_a_name_is_refused_at_start(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="is not a host name"):
        _settings(tmp_path, "clinic", allowed_hosts=name).check()


# --- 7. Without a passphrase, a proxy in front is refused by how requests arrive ------------


def test_a_plain_proxy_pass_in_front_of_a_diary_without_passphrase_is_refused(
    served: Callable[..., str], nginx: Callable[..., Proxy]
) -> None:
    base = served("local")
    proxy = nginx([int(base.rsplit(":", 1)[1])], plain=True).base
    assert requests.get(f"{base}/api/v1/episodes", timeout=30).status_code == 200
    through = requests.get(f"{proxy}/api/v1/episodes", timeout=30)
    assert through.status_code == 403
    assert "set NECKCHECK_PASSPHRASE to reach it through a proxy" in through.text
    assert requests.get(f"{proxy}/history", timeout=30).status_code == 403


def _http_1_0(base: str, path: str) -> int:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n".encode())
        reply = connection.makefile("rb").readline().decode()
    return int(reply.split()[1])


def test_http_1_0_reaches_a_diary_without_passphrase_only_through_a_proxy_so_is_refused(
    served: Callable[..., str],
) -> None:
    assert _http_1_0(served("local"), "/api/v1/episodes") == 403


def test_http_1_0_is_answered_when_the_diary_has_a_passphrase(
    served: Callable[..., str],
) -> None:
    assert _http_1_0(served("passphrase"), "/login") == 200


def test_a_request_from_another_address_is_refused_without_passphrase(
    client: TestClient,
) -> None:
    elsewhere = web_client(client.app, client=("192.0.2.5", 40000))
    assert elsewhere.get("/api/v1/episodes").status_code == 403
    assert web_client(client.app, client=("::ffff:127.0.0.1", 1)).get("/").status_code == 200


def test_a_proxy_that_says_so_with_via_is_refused_without_passphrase(client: TestClient) -> None:
    assert client.get("/history", headers={"Via": "1.1 caddy"}).status_code == 403


# --- 4. The audit log says who acted as they were then, at the database's time -------------


def test_renaming_a_clinician_later_does_not_change_who_the_patient_reads(
    clinic: Clinic,
) -> None:
    patient = clinic.users["owner"].patient_id
    doctor = clinic.client("shared")
    assert doctor.get(f"/clinician/patients/{patient}/insights").status_code == 200
    db = open_database(clinic.url)
    with db.session() as session:
        session.execute(
            text("UPDATE users SET display_name = 'Nobody' WHERE email = 'shared@example.org'")
        )
    with db.session() as session:
        stamped = session.execute(
            text(
                "SELECT at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 minute') "
                "FROM audit_log ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
    db.close()
    audit = clinic.client("owner").get("/sharing").text.split('id="audit-h"', 1)[1]
    assert "Shared viewed your insights" in audit
    assert "Nobody" not in audit
    assert stamped == 1  # the database's time, not the server's clock (2026-06-30 here)


# --- 5. POST /api/v1/assess: signed in where there is a sign-in, and its own limit ----------

DOCUMENT = {"findings": ["neck_pain"], "intensity": 4}


def test_assess_asks_for_the_passphrase_first(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "passphrase")
    with web_client(create_app(settings, clock=FixedClock(NOW))) as phone:
        assert phone.post("/api/v1/assess", json=DOCUMENT).status_code == 401
        page = phone.get("/login").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"password": PASSPHRASE, "csrf_token": token}
        assert phone.post("/login", data=form, follow_redirects=False).status_code == 303
        assert phone.post("/api/v1/assess", json=DOCUMENT).json()["level"] == "self_care"


def test_assess_asks_for_a_clinic_account_first(clinic: Clinic) -> None:
    assert clinic.client().post("/api/v1/assess", json=DOCUMENT).status_code == 401
    answer = clinic.client("owner").post("/api/v1/assess", json=DOCUMENT)
    assert answer.status_code == 200
    assert answer.json()["level"] == "self_care"


def test_assess_answers_sixty_a_minute_then_429(client: TestClient) -> None:
    limit = attempts.ASSESS.per_subject
    codes = [client.post("/api/v1/assess", json=DOCUMENT).status_code for _ in range(limit)]
    assert codes == [200] * limit
    held = client.post("/api/v1/assess", json=DOCUMENT)
    assert held.status_code == 429
    assert held.json()["detail"] == [
        {"field": "", "message": "Too many attempts from here. Wait 1 minute and try again."}
    ]
    assert client.get("/api/v1/episodes").status_code == 200  # the rest of the API answers


# --- 9. Time zones are validated as zones ---------------------------------------------------


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path).text
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("zone", ["Europe", "America/Argentina", "x" * 300, "Europe/../UTC"])
def test_a_profile_zone_that_is_not_a_zone_is_refused_beside_the_field(
    client: TestClient, zone: str
) -> None:
    form = {"csrf_token": _csrf(client, "/profile"), "time_zone": zone, "birth_year": "1984"}
    answer = client.post("/profile", data=form)
    assert answer.status_code == 422
    assert 'id="error-time_zone"' in answer.text
    assert 'value="1984"' in answer.text  # what was typed comes back


@pytest.mark.parametrize("zone", ["Europe", "America/Argentina", "x" * 300, "99999999999"])
def test_a_log_form_zone_that_is_not_a_zone_is_refused_and_nothing_is_saved(
    client: TestClient, zone: str
) -> None:
    form = {
        "csrf_token": _csrf(client, "/log"),
        "started_at": "2026-06-29T08:00",
        "state": "over",
        "lasted": "hour",
        "intensity": "5",
        "tz": zone,
    }
    answer = client.post("/log", data=form)
    assert answer.status_code == 422
    assert 'id="error-tz"' in answer.text
    assert 'name="tz" value=""' in answer.text  # the browser's zone is asked for again
    assert 'value="2026-06-29T08:00"' in answer.text
    assert client.get("/api/v1/episodes").json() == []


def test_a_zone_name_or_an_offset_is_read(client: TestClient) -> None:
    for zone in ("Asia/Tokyo", "-300", "UTC"):
        form = {
            "csrf_token": _csrf(client, "/log"),
            "started_at": "2026-06-29T08:00",
            "state": "ongoing",
            "intensity": "5",
            "tz": zone,
        }
        assert client.post("/log", data=form, follow_redirects=False).status_code == 303
    starts = {
        datetime.fromisoformat(e["started_at"]).astimezone(UTC)
        for e in client.get("/api/v1/episodes").json()
    }
    assert starts == {
        datetime(2026, 6, 28, 23, tzinfo=UTC),  # 08:00 in Tokyo
        datetime(2026, 6, 29, 13, tzinfo=UTC),  # 08:00 five hours behind UTC
        datetime(2026, 6, 29, 8, tzinfo=UTC),
    }


# --- 13. Invitation codes not used yet can be withdrawn -------------------------------------


def _invite(patient: TestClient) -> str:
    page = patient.post("/sharing/invite", data={"csrf_token": csrf(patient, "/sharing")}).text
    return page.split('class="code">', 1)[1].split("<", 1)[0]


def _redeem(doctor: TestClient, code: str) -> int:
    form = {"code": code, "csrf_token": csrf(doctor, "/clinician")}
    return doctor.post("/clinician/redeem", data=form).status_code


def _codes(patient: TestClient) -> list[int]:

    return [
        int(n)
        for n in re.findall(r'action="/sharing/withdraw/(\d+)"', patient.get("/sharing").text)
    ]


def test_an_unused_code_is_listed_and_can_be_withdrawn(clinic: Clinic) -> None:
    patient = clinic.client("other")
    kept, withdrawn = _invite(patient), _invite(patient)
    listed = _codes(patient)
    assert len(listed) == 2
    page = patient.get("/sharing").text
    assert page.count("A code made ") == 2 and page.count(", which works until ") == 2
    gone = patient.post(
        f"/sharing/withdraw/{listed[1]}", data={"csrf_token": csrf(patient, "/sharing")}
    )
    assert gone.status_code == 303
    assert _codes(patient) == listed[:1]
    doctor = clinic.client("unshared")
    assert _redeem(doctor, withdrawn) == 422  # the newer code was withdrawn
    assert _redeem(doctor, kept) == 303
    assert _codes(patient) == []  # a used code is no longer listed


def test_a_patient_cannot_withdraw_anothers_code_or_a_used_one(clinic: Clinic) -> None:
    owner, other = clinic.client("owner"), clinic.client("other")
    _invite(other)
    [theirs] = _codes(other)
    form = {"csrf_token": csrf(owner, "/sharing")}
    assert owner.post(f"/sharing/withdraw/{theirs}", data=form).status_code == 404
    assert _codes(other) == [theirs]


def test_stop_sharing_withdraws_the_codes_not_used_yet(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    outstanding = _invite(owner)  # given to Dr Shared too, say, but not used
    form = {"csrf_token": csrf(owner, "/sharing")}
    stopped = owner.post(f"/sharing/revoke/{clinic.users['shared'].id}", data=form)
    assert stopped.status_code == 303
    assert _codes(owner) == []
    doctor = clinic.client("shared")
    assert _redeem(doctor, outstanding) == 422  # no way back in with it
    patient = clinic.users["owner"].patient_id
    assert doctor.get(f"/clinician/patients/{patient}").status_code == 404
