"""What a clinician reads about a patient who shared their diary: the list of patients in
clinical words, the patient's page with each episode's level, a link to it and a chart, a
read-only episode page (consent checked and audited), and what the patient is told about it."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from neckcheck.domain import Profile
from neckcheck.knowledge import load
from neckcheck.storage import accounts, repo
from neckcheck.storage.db import open_database
from neckcheck.text import format_short_moment
from tests.factories import NOW
from tests.web.clinic_app import Clinic, csrf


def _log(client: TestClient, *, days: float, **fields: object) -> int:
    start = NOW - timedelta(days=days)
    body = {"started_at": start.isoformat(), "ended_at": (start + timedelta(hours=2)).isoformat()}
    answer = client.post("/api/v1/episodes", json={"intensity": 5, **body, **fields})
    assert answer.status_code == 201, answer.text
    episode_id: int = answer.json()["id"]
    return episode_id


def _profile(clinic: Clinic, who: str, profile: Profile) -> None:
    db = open_database(clinic.url)
    with db.session() as session:
        patient_id = clinic.users[who].patient_id
        assert patient_id is not None
        repo.set_profile(session=session, patient_id=patient_id, profile=profile)
    db.close()


def _owners_diary(clinic: Clinic) -> dict[str, int]:
    """Four episodes in twelve days (a recurring course from the third on), the latest with
    arm weakness."""
    owner = clinic.client("owner")
    ids = {
        "first": _log(owner, days=12, intensity=3, notes="after a long drive"),
        "second": _log(owner, days=9, intensity=4),
        "third": _log(owner, days=5, intensity=4),
        "latest": _log(owner, days=1, intensity=7, findings=["arm_weakness"]),
    }
    _profile(clinic, "owner", Profile(birth_year=1984, time_zone="Asia/Tokyo"))
    return ids


def test_the_patients_list_speaks_clinically(clinic: Clinic) -> None:
    _owners_diary(clinic)
    page = clinic.client("shared").get("/clinician").text
    assert "Same-day review" in page
    assert "See a doctor today" not in page  # the patient's words for the same level
    assert "Course: Recurring" in page
    assert not re.search(r"[Cc]ourse: [a-z]", page)  # a label, never a class id


def test_the_patients_list_says_when_the_screening_is_incomplete(clinic: Clinic) -> None:
    owner, shared = clinic.client("owner"), clinic.client("shared")
    _profile(clinic, "owner", Profile(birth_year=1984))
    _log(owner, days=2, intensity=3, absent=load().screening.findings)
    listing = shared.get("/clinician").text
    assert "Self-care</span>" in listing
    assert "screening incomplete" not in listing
    # A newer episode logged without the warning-sign questions: never shown as an all-clear.
    _log(owner, days=1, intensity=3)
    listing = shared.get("/clinician").text
    assert 'Self-care<span class="screening">, screening incomplete</span>' in listing


def test_the_patient_page_shows_each_episode_with_its_level_link_and_a_chart(
    clinic: Clinic,
) -> None:
    ids = _owners_diary(clinic)
    patient = clinic.users["owner"].patient_id
    page = clinic.client("shared").get(f"/clinician/patients/{patient}").text
    assert "Age 41 or 42 (born 1984)" in page
    assert '<h2 id="course-h">Course: Recurring</h2>' in page
    assert '<svg class="chart timeline timeline-narrow"' in page
    assert "Episodes (4), newest first" in page
    links = re.findall(rf'href="/clinician/patients/{patient}/episodes/(\d+)"', page)
    assert links == [str(ids[key]) for key in ("latest", "third", "second", "first")]
    levels = re.findall(r'<p class="level-inline level-(\w+)">', page)
    assert levels == ["urgent", "routine", "self_care", "self_care"]
    # Logged without the warning-sign questions: never shown as an all-clear.
    assert page.count('Self-care<span class="screening">, screening incomplete</span>') == 2
    assert page.count("Same-day review") == 1
    assert "Routine review" in page
    assert "Self-care" in page
    assert "Notes: after a long drive" in page
    narrow = clinic.client("shared").get(
        f"/clinician/patients/{patient}",
        params={"from": (NOW - timedelta(days=3)).date().isoformat()},
    )
    assert "Episodes (1), newest first" in narrow.text  # the period asked for


def test_a_clinician_reads_one_episode_and_the_patient_is_told(clinic: Clinic) -> None:
    ids = _owners_diary(clinic)
    patient = clinic.users["owner"].patient_id
    path = f"/clinician/patients/{patient}/episodes/{ids['latest']}"
    page = clinic.client("shared").get(path)
    assert page.status_code == 200
    for expected in (
        "Owner: episode of",
        "Same-day review",
        "The patient was told: “See a doctor today”.",
        "<strong>Arm weakness</strong> · Same-day review",
        "<strong>Recurring</strong> · Routine review",  # the course class's one label
        "<dt>Worst pain</dt><dd>7/10</dd>",
        "Weakness in an arm or hand",
    ):
        assert expected in page.text, expected
    assert "Recurring episodes" not in page.text
    assert "<form" not in page.text.split("<main", 1)[1].split("</main>")[0]  # read-only
    stranger = clinic.client("unshared")
    assert stranger.get(path).status_code == 404
    other = clinic.client("other")
    others_episode = _log(other, days=2)
    wrong_diary = f"/clinician/patients/{patient}/episodes/{others_episode}"
    assert clinic.client("shared").get(wrong_diary).status_code == 404
    sharing = clinic.client("owner").get("/sharing").text
    assert "<li>Shared viewed your diary, " in sharing
    assert '<li class="refused">Unshared tried to view your diary and was refused, ' in sharing


def test_who_looked_is_told_in_words_at_the_patients_time(clinic: Clinic) -> None:
    _owners_diary(clinic)
    patient = clinic.users["owner"].patient_id
    assert patient is not None
    doctor = clinic.client("shared")
    for path in ("/clinician", "insights", "report.pdf"):
        url = path if path.startswith("/") else f"/clinician/patients/{patient}/{path}"
        assert doctor.get(url).status_code == 200
    db = open_database(clinic.url)
    with db.session() as session:  # a change made with "neckcheck --patient ... log"
        accounts.record_accesses(
            session=session,
            actor=None,
            patient_ids=[patient],
            action="write",
            target="neckcheck log",
            ip="",
        )
    with db.session() as session:
        entries = accounts.audit_for_patient(session=session, patient_id=patient)
    db.close()
    sharing = clinic.client("owner").get("/sharing").text
    audit = sharing.split('id="audit-h"', 1)[1]
    lines = [
        re.sub(r"<[^>]+>", "", line).replace("&#39;", "'")
        for line in re.findall(r"<li[^>]*>(.*?)</li>", audit)
    ]
    # Each entry at the database's time, told in Tokyo's, the patient's time zone.
    tokyo = ZoneInfo("Asia/Tokyo")
    when = [format_short_moment(e.at.astimezone(tokyo), this_year=NOW.year) for e in entries]
    assert lines[:4] == [
        f"The clinic's staff changed your diary from the command line, {when[0]}",
        f"Shared downloaded your report, {when[1]}",
        f"Shared viewed your insights, {when[2]}",
        f"Shared saw you on their list of patients, {when[3]}",
    ]
    assert "since Tue 30 Jun 2026, 21:00" in sharing  # when access was given, the same way


def test_the_clinician_reads_the_outcome_measures_in_clinical_words(clinic: Clinic) -> None:
    from neckcheck.clock import FixedClock
    from neckcheck.services.diary import Diary
    from neckcheck.services.outcomes import Outcomes

    patient = clinic.users["owner"].patient_id
    assert patient is not None
    db = open_database(clinic.url)
    for weeks, pain in ((0, 7), (3, 4)):
        with db.session() as session:
            clock = FixedClock(NOW - timedelta(weeks=3 - weeks))
            Outcomes(Diary(session, patient, clock)).check_in({"nprs": {"pain": str(pain)}})
    db.close()
    page = clinic.client("shared").get(f"/clinician/patients/{patient}/insights").text
    assert "NPRS 7 \u2192 4 (\u22123) since" in page
    assert "clinically important improvement; MCID 1.3 (Cleland 2008)" in page
    assert "Your usual pain" not in page  # the patient's words are the patient's
    assert 'href="/check-in"' not in page
    patient_page = clinic.client("shared").get(f"/clinician/patients/{patient}").text
    assert "NPRS 7 \u2192 4 (\u22123) since" in patient_page


def test_a_clinician_names_a_shared_patients_activities_and_the_patient_is_told(
    clinic: Clinic,
) -> None:
    patient = clinic.users["owner"].patient_id
    assert patient is not None
    path = f"/clinician/patients/{patient}/activities"
    doctor = clinic.client("shared")
    assert 'href="' + path + '"' in doctor.get(f"/clinician/patients/{patient}").text
    form = {"csrf_token": csrf(doctor, path), "activity_1": "Driving", "activity_2": "Typing"}
    refused = doctor.post(path, data=form)
    assert refused.status_code == 422
    assert "name 3 to 5 activities" in refused.text
    assert 'value="Typing"' in refused.text  # what was typed comes back
    saved = doctor.post(path, data={**form, "activity_3": "Turning to reverse"})
    assert saved.status_code == 303
    assert (
        "PSFS activities: Driving; Typing; Turning to reverse."
        in doctor.get(f"/clinician/patients/{patient}").text
    )
    # The patient's check-in asks about them, and the patient is told who named them.
    owner = clinic.client("owner")
    assert re.findall(r"<legend>([^<]+) <span", owner.get("/check-in").text)[1:] == [
        "Driving",
        "Typing",
        "Turning to reverse",
    ]
    sharing = owner.get("/sharing").text
    assert "Shared changed the activities your check-ins ask about" in sharing


def test_a_clinician_without_consent_cannot_name_activities(clinic: Clinic) -> None:
    patient = clinic.users["owner"].patient_id
    path = f"/clinician/patients/{patient}/activities"
    for who in ("unshared", "revoked"):
        doctor = clinic.client(who)
        assert doctor.get(path).status_code == 404
        token = csrf(doctor, "/clinician")
        posted = doctor.post(path, data={"csrf_token": token, "activity_1": "Driving"})
        assert posted.status_code == 404
    owner = clinic.client("owner")
    assert 'action="/check-in/activities"' in owner.get("/check-in").text  # none named yet
