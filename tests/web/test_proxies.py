"""Forwarded headers are believed only from configured proxies: by default the address in the
audit log is the connecting one, whatever X-Forwarded-For says."""

from __future__ import annotations

import pytest
import requests

from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.storage import accounts
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread
from tests.factories import NOW, PASSWORD
from tests.web.clinic_app import SECRET, Clinic


@pytest.mark.parametrize(
    ("trusted", "recorded"), [("", "127.0.0.1"), ("127.0.0.1", "198.51.100.66")]
)
def test_the_audit_log_records_the_address_of_whoever_is_trusted(
    clinic: Clinic, trusted: str, recorded: str
) -> None:
    settings = Settings(
        database_url=clinic.url,
        clinic_mode=True,
        secret_key=SECRET,
        cookie_secure=False,
        trusted_proxies=trusted,
        totp_required=False,  # the clinician signs in with a password alone (a trial)
    )
    owner = clinic.users["owner"].patient_id
    app = create_app(settings, clock=FixedClock(NOW))
    with serve_in_thread(app, settings=settings) as base, requests.Session() as browser:
        page = browser.get(f"{base}/login", timeout=30).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"email": "shared@example.org", "password": PASSWORD, "csrf_token": token}
        signed_in = browser.post(f"{base}/login", data=form, allow_redirects=False, timeout=30)
        assert signed_in.status_code == 303
        forged = {"x-forwarded-for": "198.51.100.66"}
        answer = browser.get(f"{base}/clinician/patients/{owner}", headers=forged, timeout=30)
        assert answer.status_code == 200
    db = open_database(clinic.url)
    with db.session() as session:
        [entry] = [
            e for e in accounts.audit_for_patient(session=session, patient_id=owner) if e.granted
        ][:1]
    db.close()
    assert entry.ip == recorded
