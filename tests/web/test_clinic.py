"""Clinic mode: sign-in, consent-based sharing, the audit log, and an authorization matrix
generated from the app's route table (a new route that is not classified fails)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from fastapi.routing import APIRoute

from neckcheck.auth.passwords import hash_password
from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.storage import accounts
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from tests.databases import new_sqlite
from tests.factories import NOW, PASSWORD, patient_accounts, web_client
from tests.web.clinic_app import SECRET, Clinic, csrf, login
from tests.web.route_table import route_table, routes


def test_signed_out_pages_redirect_and_the_api_says_401(clinic: Clinic) -> None:
    client = clinic.client()
    page = client.get("/history")
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=/history")
    assert client.get("/api/v1/episodes").status_code == 401
    assert client.get("/learn").status_code == 200


def test_sign_in_out_and_cookie_flags(clinic: Clinic) -> None:
    client = clinic.client()
    wrong = login(client, "owner@example.org", "not the password")
    assert wrong.status_code == 401
    assert "do not match an active account" in wrong.text
    ok = login(client, "owner@example.org")
    assert (ok.status_code, ok.headers["location"]) == (303, "/")
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax")
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert client.get("/").status_code == 303


def test_the_session_cookie_is_secure_by_default(tmp_path: Path) -> None:
    url = new_sqlite(tmp_path / "c.db")
    patient_accounts(url, ["a@example.org"])
    with web_client(
        create_app(
            Settings(database_url=url, clinic_mode=True, secret_key=SECRET), clock=FixedClock(NOW)
        ),
        follow_redirects=False,
    ) as client:
        assert "Secure" in login(client, "a@example.org").headers["set-cookie"]


def test_sign_in_is_rate_limited(clinic: Clinic) -> None:
    client = clinic.client()
    for _ in range(5):
        assert login(client, "owner@example.org", "wrong password!").status_code == 401
    limited = login(client, "owner@example.org")  # even the right password now waits
    assert limited.status_code == 429
    assert "Too many attempts" in limited.text


def test_consent_flow_with_audit_and_revocation(clinic: Clinic) -> None:
    patient = clinic.client("other")
    code = re.search(
        r'class="code">([^<]+)<',
        patient.post("/sharing/invite", data={"csrf_token": csrf(patient, "/sharing")}).text,
    )
    assert code
    doctor = clinic.client("unshared")
    bad = doctor.post(
        "/clinician/redeem",
        data={"code": "AAAA-BBBB-CCCC", "csrf_token": csrf(doctor, "/clinician")},
    )
    assert bad.status_code == 422
    assert "this code is not valid" in bad.text
    redeemed = doctor.post(
        "/clinician/redeem", data={"code": code.group(1), "csrf_token": csrf(doctor, "/clinician")}
    )
    other_id = clinic.users["other"].patient_id
    assert redeemed.headers["location"] == f"/clinician/patients/{other_id}"
    assert doctor.get(f"/clinician/patients/{other_id}").status_code == 200
    assert "Other" in doctor.get("/clinician").text
    sharing = patient.get("/sharing").text
    assert "Unshared (unshared@example.org)" in sharing
    assert "Unshared viewed your diary, " in sharing
    assert "Unshared saw you on their list of patients, " in sharing
    patient.post(
        f"/sharing/revoke/{clinic.users['unshared'].id}",
        data={"csrf_token": csrf(patient, "/sharing")},
    )
    assert doctor.get(f"/clinician/patients/{other_id}").status_code == 404  # next request


def test_a_clinician_sees_a_shared_patients_insights_and_the_patient_sees_it(
    clinic: Clinic,
) -> None:
    owner = clinic.client("owner")
    for day in range(1, 4):
        started = (NOW - timedelta(days=day)).isoformat()
        body = {
            "started_at": started,
            "intensity": 4,
            "remedies": [{"remedy": "heat", "helped": "a_lot"}],
        }
        assert owner.post("/api/v1/episodes", json=body).status_code == 201
    patient_id = clinic.users["owner"].patient_id
    doctor = clinic.client("shared")
    diary = doctor.get(f"/clinician/patients/{patient_id}").text
    assert f'href="/clinician/patients/{patient_id}/insights?from=' in diary
    page = doctor.get(f"/clinician/patients/{patient_id}/insights?from=2020-01-01")
    assert page.status_code == 200
    assert "Owner: insights" in page.text
    assert "3 episodes from 01 Jan 2020" in page.text  # the period the clinician chose
    assert "Heat" in page.text  # tried 3 times: enough for the remedy statistics
    assert f'action="/clinician/patients/{patient_id}/insights"' in page.text
    assert f'href="/clinician/patients/{patient_id}/report.pdf?from=2020-01-01' in page.text
    assert "/export/" not in page.text  # the patient's own exports are not offered
    report = doctor.get(f"/clinician/patients/{patient_id}/report.pdf?from=2020-01-01")
    assert report.headers["content-type"] == "application/pdf"
    assert doctor.get(f"/clinician/patients/{patient_id}/report.pdf?from=x").status_code == 422
    sharing = owner.get("/sharing").text
    assert "Shared viewed your insights, " in sharing
    assert "Shared downloaded your report, " in sharing
    assert "/clinician/patients/" not in sharing  # said in words, not paths


# --- the authorization matrix ---------------------------------------------------------------

# Every route is one of these kinds; the matrix below says who may reach each kind.
PUBLIC = {"/learn", "/login", "/openapi.json", "/docs", "/api/v1/health", "/goodbye"}
PUBLIC |= {"/sw.js", "/manifest.webmanifest", "/favicon.ico", "/offline"}  # a phone's first
# Any signed-in account: signing out, finishing a sign-in, and one's own Account page.
SESSION = {"/logout", "/login/code", "/account", "/account/password", "/account/second-factor"}
SESSION |= {"/account/second-factor/off", "/account/recovery-codes", "/account/delete"}
SESSION |= {"/account/sessions/end-others", "/account/sessions/{session_id}/end"}
CLINICIAN = {"/clinician", "/clinician/redeem", "/clinician/invite"}
CLINICIAN |= {"/clinician/attention/{alert_id}/seen"}
ADMIN_PREFIX = "/accounts"
# No session: the link's token is the credential (a wrong one is 404 for everyone).
LINKS = {"/join/{token}", "/reset/{token}"}
CLINICIAN_PATIENT_PREFIX = "/clinician/patients/{patient_id}"
# No session: the secret address is the credential (a wrong one is 404 for everyone).
FEED = {"/calendar/{token}.ics"}


def kind_of(path: str) -> str:
    if path in PUBLIC:
        return "public"
    if path in SESSION:
        return "session"
    if path in CLINICIAN:
        return "clinician"
    if path in FEED:
        return "feed"
    if path in LINKS:
        return "link"
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        return "admin"
    if path.startswith(CLINICIAN_PATIENT_PREFIX):
        return "clinician_patient"
    own = (
        "/",
        "/log",
        "/log/describe",
        "/history",
        "/insights",
        "/sharing",
        "/sharing/invite",
        "/report.pdf",
        "/profile",
        "/profile/calendar",
        "/profile/calendar/time",
        "/profile/calendar/stop",
        "/no-spasm",
        "/no-spasm/undo",
        "/timer",
        "/check-in",
        "/check-in/activities",
    )
    by_id = ("/episodes/", "/api/v1/", "/export/", "/sharing/revoke/", "/sharing/withdraw/")
    if path in own or path.startswith(by_id):
        return "own_diary"
    raise AssertionError(f"route {path} is not classified for the authorization matrix")


# The owner goes last: the owner may delete the episode, and everyone else must be tried
# against an episode that exists.
WHO = ["anonymous", "other", "shared", "unshared", "revoked", "admin", "owner"]


def allowed(kind: str, who: str, path: str) -> bool:
    """May ``who`` use this route on the owner's data? A patient's own-diary routes without
    an id (lists, forms) serve that patient's own diary, so another patient may use them."""
    patients, clinicians = {"owner", "other"}, {"shared", "unshared", "revoked"}
    return {
        "public": True,
        "session": who != "anonymous",
        "clinician": who in clinicians,
        "clinician_patient": who == "shared",
        "feed": False,  # without the owner's address, nobody
        "link": False,  # without a link's token, nobody
        "admin": who == "admin",
        "own_diary": who == "owner" or (who in patients and "{episode_id}" not in path),
    }[kind]


def may_see_owner(kind: str, who: str) -> bool:
    return who == "owner" or (who == "shared" and kind == "clinician_patient")


def test_every_route_is_classified(clinic: Clinic) -> None:
    table = route_table(clinic.app)
    assert len(table) > 25
    for _method, path in table:
        kind_of(path)
    assert any(isinstance(r, APIRoute) for r in routes(clinic.app.routes))


def test_no_one_reaches_the_owners_data_without_consent(clinic: Clinic) -> None:
    owner = clinic.users["owner"]
    assert owner.patient_id is not None
    owner_client = clinic.client("owner")
    start = (NOW - timedelta(hours=2)).isoformat()
    episode = owner_client.post(
        "/api/v1/episodes",
        json={"started_at": start, "intensity": 4, "notes": "owner's private note"},
    ).json()
    values = {
        "episode_id": str(episode["id"]),
        "patient_id": str(owner.patient_id),
        "clinician_id": str(clinic.users["shared"].id),
        "invitation_id": "1",
        "kind": "json",
        "day": "2026-06-29",
        "token": "not-the-owners-token",
        "alert_id": "1",
        "check_in_id": "1",
        "session_id": "0" * 64,
        # The admin acts on the other patient, whose turn comes before the admin's.
        "user_id": str(clinic.users["other"].id),
    }
    cases = 0
    for who in WHO:
        if who == "owner":  # nobody else changed or deleted it
            stored = owner_client.get(f"/api/v1/episodes/{episode['id']}").json()
            assert stored["notes"] == "owner's private note"
        client = clinic.client(None if who == "anonymous" else who)
        for method, path in route_table(clinic.app):
            kind = kind_of(path)
            if kind == "public" or (method == "POST" and path in ("/login", "/logout")):
                continue
            url = path.format(**values)
            home = (
                "/clinician"
                if clinic.users.get(who) and clinic.users[who].role == ("clinician")
                else "/"
            )
            token = csrf(client, home) if who != "anonymous" else ""
            if method == "GET":
                response = client.get(url)
            else:
                response = client.request(method, url, data={"csrf_token": token})
            cases += 1
            if not may_see_owner(kind, who):
                assert "owner's private note" not in response.text, (who, method, path)
            if allowed(kind, who, path):
                assert response.status_code < 500, (who, method, path, response.status_code)
            else:
                # 429: unknown links from one address are limited, whoever sends them.
                assert response.status_code in (303, 401, 403, 404, 405, 422, 429), (
                    who,
                    method,
                    path,
                    response.status_code,
                )
    assert cases >= 6 * 50


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_stored_xss_comes_back_escaped(clinic: Clinic, tmp_path: Path) -> None:
    db = open_database(clinic.url)
    with db.session() as session:
        evil = accounts.create_user(
            session=session,
            email="evil@example.org",
            display_name=XSS,
            password_hash=hash_password(PASSWORD),
            role="patient",
            now=NOW,
        )
        assert evil.patient_id is not None
        code = accounts.create_invitation(
            session=session, patient_id=evil.patient_id, now=NOW, secret=SECRET
        )
        accounts.redeem_invitation(
            session=session, code=code, clinician=clinic.users["shared"], now=NOW, secret=SECRET
        )
    db.close()
    patient = clinic.client()
    login(patient, "evil@example.org")
    token = csrf(patient, "/")
    yesterday = (NOW - timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    saved = patient.post(
        "/log",
        data={
            "started_at": yesterday,
            "intensity": "3",
            "state": "hour",
            "notes": XSS,
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    described = patient.post("/log/describe", data={"describe": XSS, "csrf_token": token})
    doctor = clinic.client("shared")
    pages = [
        (patient, "/history"),
        (patient, saved.headers["location"].removesuffix("/check")),
        (patient, saved.headers["location"].replace("/check", "/edit")),
        (patient, saved.headers["location"]),
        (patient, "/sharing"),
        (doctor, "/clinician"),
        (doctor, f"/clinician/patients/{evil.patient_id}"),
    ]
    bodies = [described.text] + [client.get(path).text for client, path in pages]
    for body in bodies:
        assert "<script>alert" not in body
        assert "<img src=x" not in body
    assert any("&lt;script&gt;alert(" in body for body in bodies)
    api = patient.get("/api/v1/episodes").json()
    assert api[0]["notes"] == XSS  # stored as typed; escaped only where shown as HTML


def test_navigation_fits_the_role(clinic: Clinic) -> None:
    doctor = clinic.client("shared").get("/clinician").text
    assert 'href="/clinician"' in doctor
    assert 'href="/log"' not in doctor
    patient = clinic.client("owner").get("/").text
    assert 'href="/sharing"' in patient
    assert 'href="/clinician"' not in patient
    assert "Sign out" in patient


def test_a_clinicians_refused_attempt_is_audited_and_shown_to_the_patient(
    clinic: Clinic,
) -> None:
    owner = clinic.users["owner"].patient_id
    stranger = clinic.client("unshared")
    assert stranger.get(f"/clinician/patients/{owner}/insights").status_code == 404
    assert clinic.client("shared").get(f"/clinician/patients/{owner}").status_code == 200
    sharing = clinic.client("owner").get("/sharing").text
    assert '<li class="refused">Unshared tried to view your insights and was refused, ' in sharing
    assert "<li>Shared viewed your diary, " in sharing
