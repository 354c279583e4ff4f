"""The check a person gets on the pages: quick log, the warning signs asked in groups, the
follow-ups, then the result; never reassurance before every warning sign was asked
(clinical/TRIAGE.md v2, "The interview")."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from neckcheck.knowledge import load
from tests.factories import NOW

GROUPS = load().screening.groups
NOW_LOCAL = (NOW - timedelta(minutes=30)).astimezone().strftime("%Y-%m-%dT%H:%M")


def _token(client: TestClient) -> str:
    if "neckcheck_csrf" not in client.cookies:
        client.get("/learn")
    return str(client.cookies["neckcheck_csrf"])


def _post(client: TestClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post(url, data={**data, "csrf_token": _token(client)}, **kwargs)


def _quick_log(client: TestClient, **fields: Any) -> str:
    """The quick log: how bad, still going on; returns the episode's path."""
    data = {"started_at": NOW_LOCAL, "intensity": "3", "state": "ongoing", **fields}
    saved = _post(client, "/log", data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    location: str = saved.headers["location"]
    assert location.endswith("/check")
    return location.removesuffix("/check")


def _none_of_these(client: TestClient, episode: str, times: int) -> Any:
    page = None
    for _ in range(times):
        page = _post(client, f"{episode}/check", {"none": "yes"})
    return page


def test_a_benign_spasm_asks_every_group_then_gives_home_care(client: TestClient) -> None:
    episode = _quick_log(client, birth_year="1985")
    seen = []
    for _group in GROUPS:
        step = client.get(f"{episode}/check")
        assert step.status_code == 200
        seen.append(re.search(r"<h1>([^<]+)\?</h1>", step.text)[1])  # type: ignore[index]
        assert "None of these" in step.text
        _post(client, f"{episode}/check", {"none": "yes"})
    assert seen == [group.title for group in GROUPS]
    done = client.get(f"{episode}/check", follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, episode)
    result = client.get(episode).text
    assert "Look after it at home" in result and "At least" not in result
    assert "low, firm pillow" in result
    stored = client.get(f"/api/v1/{episode.strip('/')}").json()
    # At 41, jaw pain on chewing and a tender scalp (giant cell arteritis, from 50) are not
    # asked: their answer could not change the level.
    from_fifty = {"jaw_pain_chewing", "scalp_tenderness"}
    assert set(stored["absent"]) == set(load().screening.findings) - from_fifty
    assessment = client.get(f"/api/v1/{episode.strip('/')}/assessment").json()
    assert assessment["complete"] is True


def test_an_unchecked_episode_is_never_shown_as_reassurance(client: TestClient) -> None:
    episode = _quick_log(client, birth_year="1985")
    _none_of_these(client, episode, 2)
    result = client.get(episode).text
    assert "At least: Look after it at home" in result
    assert "this is not an all-clear" in result
    assert "so they have not been checked" in result
    assert f'href="{episode}/check"' in result
    assert "pillow" not in result and "gently moving" not in result
    home = client.get("/").text
    assert "At least: Look after it at home" in home
    assert "Answer the remaining questions" in home


def test_declining_names_what_was_not_checked(client: TestClient) -> None:
    episode = _quick_log(client, birth_year="1985")
    _none_of_these(client, episode, 3)
    declined = _post(client, f"{episode}/check", {"decline": "1"}, follow_redirects=False)
    assert declined.headers["location"] == episode
    result = client.get(episode).text
    assert "You chose not to answer the questions about:" in result
    for group in GROUPS[3:]:
        assert group.title.lower() in result
    assert "Those warning signs were not checked." in result
    assert "pillow" not in result


def test_chest_pain_found_only_through_the_screening_is_an_emergency(
    client: TestClient,
) -> None:
    episode = _quick_log(client, birth_year="1985")
    step = client.get(f"{episode}/check").text
    assert "Chest, jaw or upper back pain, or trouble breathing?" in step
    _post(
        client,
        f"{episode}/check",
        {"answer_chest_pain": "yes", "answer_breathing_difficulty": "no"},
    )
    page = client.get(episode, headers={"accept-language": "en-GB,en;q=0.8"}).text
    body = page[page.index("<main") :]
    assert body.index("Call emergency services now") < body.index("This episode")
    assert body.index('href="tel:999"') < body.index("Why")
    assert "your local emergency number" in body
    assert "It stopped" in body[body.index("This episode") :]
    # The person's own number wins over the browser's region.
    _post(client, "/profile", {"birth_year": "1985", "emergency_number": "000"})
    assert 'href="tel:000"' in client.get(episode).text


def test_the_emergency_number_follows_the_browsers_region(client: TestClient) -> None:
    episode = _quick_log(client, birth_year="1985")
    _post(client, f"{episode}/check", {"answer_chest_pain": "yes"})
    for language, number in (
        ("en-US", "911"),
        ("fr-CA", "911"),
        ("en-AU", "000"),
        ("de-DE", "112"),
    ):
        page = client.get(episode, headers={"accept-language": language}).text
        assert f'href="tel:{number}"' in page, language


def test_a_yes_in_a_group_brings_its_follow_ups(client: TestClient) -> None:
    episode = _quick_log(client, birth_year="1985")
    _none_of_these(client, episode, 4)  # up to fever and infection risk
    assert "Fever, a rash, infection risk, cancer or a new medicine?" in (
        client.get(f"{episode}/check").text
    )
    _post(
        client,
        f"{episode}/check",
        {"answer_fever": "yes", **{f"answer_{f}": "no" for f in GROUPS[4].findings[1:]}},
    )
    # A fever makes it urgent; an injury could still make it an emergency, so that group is
    # asked, then the follow-ups of meningitis.
    assert "An injury, a wound, an operation or a neck manipulation?" in (
        client.get(f"{episode}/check").text
    )
    _none_of_these(client, episode, 1)
    follow_up = client.get(f"{episode}/check").text
    assert "A few more questions" in follow_up
    assert "Do you have a headache?" in follow_up
    assert "Does bright light hurt your eyes?" in follow_up
    # (the chin-to-chest question was screened with the headaches)
    assert "cannot bend your chin down to your chest" not in follow_up
    _post(client, f"{episode}/check", {"answer_headache": "yes", "answer_photophobia": "yes"})
    assessment = client.get(f"/api/v1/{episode.strip('/')}/assessment").json()
    assert assessment["level"] in ("emergency", "urgent")


def test_the_year_of_birth_is_asked_once_and_reaches_every_check(client: TestClient) -> None:
    form = client.get("/log").text
    assert 'name="birth_year"' in form
    assert "keep this diary for a child" in form
    episode = _quick_log(client, birth_year=str(NOW.year - 8))
    assert 'name="birth_year"' not in client.get("/log").text
    # A child's age makes the child rule partly met: the check asks about a recent infection.
    _none_of_these(client, episode, len(GROUPS))
    follow_up = client.get(f"{episode}/check").text
    assert "throat or ear infection" in follow_up
    _post(client, f"{episode}/check", {"answer_recent_throat_or_ear_infection": "yes"})
    result = client.get(episode).text
    assert "See a doctor today" in result
    assert "Have a doctor see the child today" in result


def test_an_older_person_is_asked_about_jaw_pain_and_a_tender_scalp(client: TestClient) -> None:
    """Giant cell arteritis is asked about from 50, among the headache questions, at no
    extra tap; a yes is a same-day check (TRIAGE v3)."""
    episode = _quick_log(client, birth_year=str(NOW.year - 72))
    _none_of_these(client, episode, 1)
    step = client.get(f"{episode}/check").text
    assert "A sudden, very bad headache, or trouble seeing?" in step
    assert 'id="q-jaw_pain_chewing"' in step and 'id="q-scalp_tenderness"' in step
    others = [f for f in GROUPS[1].findings if f != "jaw_pain_chewing"]
    _post(
        client,
        f"{episode}/check",
        {"answer_jaw_pain_chewing": "yes", **{f"answer_{f}": "no" for f in others}},
    )
    assessment = client.get(f"/api/v1/{episode.strip('/')}/assessment").json()
    assert assessment["level"] == "urgent"
    assert "gca" in [flag["id"] for flag in assessment["matched_rules"]]


def test_a_bad_year_of_birth_is_shown_beside_the_field(client: TestClient) -> None:
    page = _post(client, "/log", {"intensity": "3", "state": "ongoing", "birth_year": "2090"})
    assert page.status_code == 422
    assert 'id="error-birth_year">must be at most' in page.text or "is in the future" in page.text
    assert client.get("/api/v1/episodes").json() == []


def test_the_profile_page_keeps_what_was_typed_when_it_is_wrong(client: TestClient) -> None:
    page = _post(client, "/profile", {"birth_year": "1985", "time_zone": "Mars/Olympus"})
    assert page.status_code == 422
    assert 'id="error-time_zone">is not a time zone name such as Europe/Berlin' in page.text
    assert 'value="Mars/Olympus"' in page.text
    saved = _post(
        client,
        "/profile",
        {"birth_year": "1985", "time_zone": "Europe/Berlin"},
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/profile?saved=1"
    assert 'value="Europe/Berlin"' in client.get("/profile").text


def test_the_api_serves_an_episodes_check_and_takes_answers(client: TestClient) -> None:
    start = (NOW - timedelta(hours=1)).isoformat()
    created = client.post("/api/v1/episodes", json={"started_at": start, "intensity": 3}).json()
    path = f"/api/v1/episodes/{created['id']}"
    first = client.get(f"{path}/assessment").json()
    assert first["complete"] is False
    assert first["unanswered"][:2] == ["age_years", "chest_pain"]  # the age once per person
    answered = client.patch(path, json={"absent": load().screening.findings})
    assert answered.status_code == 200
    assert client.get(f"{path}/assessment").json()["unanswered"][0] == "age_years"
    _post(client, "/profile", {"birth_year": "1985"})
    assert client.get(f"{path}/assessment").json()["complete"] is True


def _described(client: TestClient, text: str) -> str:
    """Describe it in words, then save the form as it was filled in (the person confirms)."""
    page = _post(client, "/log/describe", {"describe": text})
    assert page.status_code == 200
    confirmed = re.findall(r'name="confirm" value="([a-z_]+)" checked', page.text)
    return _quick_log(client, birth_year="1985", notes=text, confirm=confirmed)


def test_a_hedge_is_asked_first_with_the_persons_words(client: TestClient) -> None:
    episode = _described(client, "neck locked since this morning, slightly woozy?")
    step = client.get(f"{episode}/check").text
    assert "<h1>About what you wrote</h1>" in step
    question = re.search(r'<div class="question"[^>]*>.*?</div>', step, re.S)
    assert question is not None
    assert 'id="q-dizziness"' in question[0]
    assert "You wrote: “woozy”" in question[0]


def test_a_stiff_neck_with_a_fever_asks_chin_to_chest_first(client: TestClient) -> None:
    episode = _described(client, "stiff neck with a fever since last night")
    step = client.get(f"{episode}/check").text
    assert "<h1>About what you wrote</h1>" in step
    first = re.search(r'id="q-([a-z_]+)"', step)
    assert first is not None and first[1] == "neck_stiffness"
    assert "You wrote: “stiff neck”" in step
    answered = _post(client, f"{episode}/check", {"answer_neck_stiffness": "yes"})
    assert answered.status_code == 200
    assessment = client.get(f"/api/v1/{episode.strip('/')}/assessment").json()
    assert assessment["level"] in ("emergency", "urgent")
