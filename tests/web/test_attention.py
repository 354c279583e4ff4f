"""Needs attention: a sharing patient's urgent or emergency episode, or one whose screening
stays open, at the top of the clinician's Patients page until marked seen (audited), with an
email that carries no health data; the patient told so on the result page, after the advice.
And leaving: a patient deletes their account and diary, or an admin does it on request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from neckcheck.knowledge import load
from neckcheck.services.alerts import ALERT_SUBJECT, GRACE, alert_text
from neckcheck.settings import Settings
from neckcheck.storage.db import open_database
from neckcheck.storage.tables import (
    AlertRow,
    AuditRow,
    EpisodeRow,
    PatientRow,
    ShareRow,
    UserRow,
)
from neckcheck.web.app import create_app
from tests.factories import NOW, PASSWORD, MovingClock
from tests.smtp import smtp_server, text_of
from tests.web.clinic_app import SECRET, Clinic, csrf, login

SCREENED = list(load().screening.findings)


def log(client: TestClient, **fields: Any) -> int:
    body = {"started_at": (NOW - timedelta(hours=1)).isoformat(), "intensity": 6, **fields}
    answer = client.post("/api/v1/episodes", json=body)
    assert answer.status_code == 201, answer.text
    episode_id: int = answer.json()["id"]
    return episode_id


def born(client: TestClient) -> None:
    """The patient's year of birth, which a complete screening needs (asked once)."""
    saved = client.post(
        "/profile",
        data={"name": "Owner", "birth_year": "1980", "csrf_token": csrf(client, "/profile")},
    )
    assert saved.status_code == 303


def attention(page: str) -> str:
    """The Needs attention section of a Patients page ("" when there is none)."""
    if 'id="attention"' not in page:
        return ""
    return page.split('id="attention"', 1)[1].split("</section>", 1)[0]


def test_an_urgent_episode_waits_for_the_clinician_until_marked_seen(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    episode = log(owner, findings=["arm_weakness"], absent=SCREENED[:0])
    doctor = clinic.client("shared")
    waiting = attention(doctor.get("/clinician").text)
    assert "<strong>Owner</strong>" in waiting
    assert f"/clinician/patients/{clinic.users['owner'].patient_id}/episodes/{episode}" in waiting
    assert "Same-day review" in waiting
    for stranger in ("unshared", "revoked"):
        assert attention(clinic.client(stranger).get("/clinician").text) == ""
    page = doctor.get("/clinician").text
    assert page.index('id="attention"') < page.index('id="field-code"')  # at the top
    seen = doctor.post(
        "/clinician/attention/1/seen", data={"csrf_token": csrf(doctor, "/clinician")}
    )
    assert seen.headers["location"] == "/clinician?seen=1#attention"
    assert attention(doctor.get("/clinician").text) == ""
    sharing = owner.get("/sharing").text
    assert "Shared read the alert of an episode that needed attention, " in sharing
    # Another clinician cannot mark it (nor learn it exists): 404.
    other = clinic.client("unshared")
    assert (
        other.post(
            "/clinician/attention/1/seen", data={"csrf_token": csrf(other, "/clinician")}
        ).status_code
        == 404
    )


def test_what_does_not_need_attention_raises_nothing(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    born(owner)
    log(owner, findings=["cramping_knot"], absent=SCREENED, onset="gradual")
    assert attention(clinic.client("shared").get("/clinician").text) == ""
    db = open_database(clinic.url)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AlertRow)) == 0
    db.close()


def test_a_screening_left_open_shows_once_its_grace_has_passed(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    born(owner)
    open_one = log(owner, findings=["cramping_knot"])  # no warning sign asked about
    answered = log(owner, findings=["cramping_knot"])
    assert attention(clinic.client("shared").get("/clinician").text) == ""  # the check follows
    owner.patch(f"/api/v1/episodes/{answered}", json={"absent": SCREENED, "onset": "gradual"})
    settings = Settings(
        database_url=clinic.url,
        clinic_mode=True,
        secret_key=SECRET,
        cookie_secure=False,
        totp_required=False,
    )
    later = MovingClock(NOW + GRACE + timedelta(seconds=1))
    with TestClient(create_app(settings, clock=later), follow_redirects=False) as doctor:
        login(doctor, "shared@example.org")
        waiting = attention(doctor.get("/clinician").text)
    assert waiting.count('class="episode"') == 1
    assert "screening incomplete" in waiting
    assert f"/episodes/{open_one}" in waiting


def test_declining_the_questions_shows_at_once(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    episode = log(owner, findings=["cramping_knot"])
    owner.post(
        f"/episodes/{episode}/check",
        data={"decline": "1", "csrf_token": csrf(owner, f"/episodes/{episode}/check")},
    )
    assert f"/episodes/{episode}" in attention(clinic.client("shared").get("/clinician").text)


def test_a_seen_alert_comes_back_only_when_the_episode_gets_worse(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    episode = log(owner, findings=["arm_weakness"])
    doctor = clinic.client("shared")
    doctor.post("/clinician/attention/1/seen", data={"csrf_token": csrf(doctor, "/clinician")})
    owner.patch(f"/api/v1/episodes/{episode}", json={"notes": "still weak"})
    assert attention(doctor.get("/clinician").text) == ""
    owner.patch(f"/api/v1/episodes/{episode}", json={"findings": ["arm_weakness", "chest_pain"]})
    assert "Emergency" in attention(doctor.get("/clinician").text)


def test_revoking_the_share_takes_the_alert_away(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    log(owner, findings=["arm_weakness"])
    owner.post(
        f"/sharing/revoke/{clinic.users['shared'].id}",
        data={"csrf_token": csrf(owner, "/sharing")},
    )
    assert attention(clinic.client("shared").get("/clinician").text) == ""


def test_the_result_page_says_the_clinician_will_see_it_after_the_advice(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    episode = log(owner, findings=["chest_pain"])
    page = owner.get(f"/episodes/{episode}").text
    assert 'Shared will see this episode under "Needs attention"' in page
    assert "The clinic does not watch these at every hour." in page
    assert page.index("level-emergency") < page.index("Your clinician will see this")
    born(owner)
    calm = log(owner, findings=["cramping_knot"], absent=SCREENED, onset="gradual")
    assert "Your clinician will see this" not in owner.get(f"/episodes/{calm}").text
    alone = clinic.client("other")  # shares with nobody
    lone = log(alone, findings=["chest_pain"])
    assert "Your clinician will see this" not in alone.get(f"/episodes/{lone}").text


def test_the_clinic_says_when_it_reads_them(clinic: Clinic) -> None:
    settings = Settings(
        database_url=clinic.url,
        clinic_mode=True,
        secret_key=SECRET,
        cookie_secure=False,
        alert_hours="on weekdays from 8:00 to 18:00",
    )
    with TestClient(create_app(settings, clock=MovingClock()), follow_redirects=False) as owner:
        login(owner, "owner@example.org")
        page = owner.get(f"/episodes/{log(owner, findings=['arm_weakness'])}").text
    assert "The clinic reads these on weekdays from 8:00 to 18:00." in page


def test_the_clinician_gets_an_email_without_health_data(clinic: Clinic) -> None:
    with smtp_server() as (inbox, smtp_url):
        settings = Settings(
            database_url=clinic.url,
            clinic_mode=True,
            secret_key=SECRET,
            cookie_secure=False,
            smtp_url=smtp_url,
            public_url="https://clinic.example.org",
        )
        with TestClient(create_app(settings, clock=MovingClock()), follow_redirects=False) as owner:
            login(owner, "owner@example.org")
            log(owner, findings=["arm_weakness"], notes="my private words")
            message = inbox.wait(1)[0]
            log(owner, findings=["chest_pain"])
            inbox.wait(2)
    assert inbox.recipients[0] == ["shared@example.org"]
    assert message["Subject"] == ALERT_SUBJECT
    body = text_of(message).replace("\r\n", "\n")
    assert body.strip() == alert_text("https://clinic.example.org").strip()
    for private in ("Owner", "owner@", "arm", "weak", "urgent", "private"):
        assert private.lower() not in (body + message["Subject"]).lower()


# --- leaving ----------------------------------------------------------------------------------


def _counts(url: str, patient_id: int) -> dict[str, Any]:
    db = open_database(url)
    with db.session() as session:
        found = {
            "episodes": session.scalar(
                select(func.count())
                .select_from(EpisodeRow)
                .where(EpisodeRow.patient_id == patient_id)
            ),
            "shares": session.scalar(
                select(func.count()).select_from(ShareRow).where(ShareRow.patient_id == patient_id)
            ),
            "audit": session.execute(
                select(AuditRow.action, AuditRow.actor_id, AuditRow.target).where(
                    AuditRow.patient_id == patient_id, AuditRow.action == "account_deleted"
                )
            ).all(),
            "patient": session.get(PatientRow, patient_id),
            "users": session.scalars(select(UserRow.email)).all(),
        }
    db.close()
    return found


def test_a_patient_downloads_then_deletes_their_account_and_diary(clinic: Clinic) -> None:
    owner = clinic.client("owner")
    log(owner, findings=["arm_weakness"], notes="a private note")
    page = owner.get("/account/delete").text
    assert 'href="/export/json"' in page and 'href="/export/fhir"' in page
    assert owner.get("/export/json").status_code == 200
    patient_id = clinic.users["owner"].patient_id
    assert patient_id is not None
    wrong = owner.post(
        "/account/delete",
        data={"current_password": "not my password", "csrf_token": csrf(owner, "/account/delete")},
    )
    assert wrong.status_code == 422
    assert 'id="error-current_password" role="alert">is not your current password<' in wrong.text
    assert _counts(clinic.url, patient_id)["episodes"] == 1  # nothing changed
    gone = owner.post(
        "/account/delete",
        data={"current_password": PASSWORD, "csrf_token": csrf(owner, "/account/delete")},
    )
    assert gone.headers["location"] == "/goodbye"
    after = _counts(clinic.url, patient_id)
    assert (after["episodes"], after["shares"]) == (0, 0)
    assert after["audit"] == [("account_deleted", clinic.users["owner"].id, "account deleted")]
    assert after["patient"].display_name == "Deleted account"
    assert after["patient"].erased_at is not None
    assert "owner@example.org" not in after["users"]
    assert owner.get("/").status_code == 303
    assert login(clinic.client(), "owner@example.org").status_code == 401
    doctor = clinic.client("shared")
    assert f"/clinician/patients/{patient_id}" not in doctor.get("/clinician").text
    assert doctor.get(f"/clinician/patients/{patient_id}").status_code == 404
    assert "owner@example.org" not in clinic.client("admin").get("/accounts").text


def test_an_admin_deletes_an_account_on_request_and_the_audit_names_them(clinic: Clinic) -> None:
    admin = clinic.client("admin")
    patient_id = clinic.users["other"].patient_id
    assert patient_id is not None
    user_id = clinic.users["other"].id
    assert "Delete Other's account?" in admin.get(f"/accounts/{user_id}/delete").text
    done = admin.post(
        f"/accounts/{user_id}/delete",
        data={"current_password": PASSWORD, "csrf_token": csrf(admin, "/accounts")},
    )
    assert done.headers["location"] == "/accounts?done=deleted"
    after = _counts(clinic.url, patient_id)
    assert after["audit"] == [
        ("account_deleted", clinic.users["admin"].id, "account deleted at the patient's request")
    ]
    # Nobody else may: a clinician, or a patient for another patient.
    for who in ("shared", "owner"):
        client = clinic.client(who)
        assert (
            client.post(
                f"/accounts/{clinic.users['owner'].id}/delete",
                data={"current_password": PASSWORD, "csrf_token": csrf(client, "/account")},
            ).status_code
            == 403
        )
    assert _counts(clinic.url, clinic.users["owner"].patient_id or 0)["audit"] == []
