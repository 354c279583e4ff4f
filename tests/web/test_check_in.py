"""The weekly check-in in the browser's forms: Today offers it when due, the activities are
named once (suggested from the diary), a refused form comes back with its values and the
error beside the field, and Insights shows the change since the first check-in."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from neckcheck.clock import FixedClock
from neckcheck.settings import Settings
from neckcheck.web.app import create_app
from tests.factories import NOW, web_client
from tests.web.test_pages import _post

ACTIVITIES = {
    "activity_1": "Reversing the car",
    "activity_2": "Lifting my son",
    "activity_3": "Reading",
}


def _activity_fields(page: str) -> list[str]:
    return re.findall(r'name="(psfs\.\d+)"', page)


def _named(client: TestClient) -> list[str]:
    saved = _post(client, "/check-in/activities", data=ACTIVITIES, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/check-in"
    return list(dict.fromkeys(_activity_fields(client.get("/check-in").text)))


def test_today_offers_the_check_in_until_one_is_saved(client: TestClient) -> None:
    assert 'href="/check-in"' in client.get("/").text
    fields = _named(client)
    data: dict[str, Any] = {"nprs.pain": "6", **dict.fromkeys(fields, "3")}
    saved = _post(client, "/check-in", data=data, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/check-in?saved=1"
    done = client.get("/check-in?saved=1").text
    assert "Usual neck pain: 6 out of 10" in done
    assert "Weekly check-in" not in client.get("/").text.split("<main", 1)[-1]


def test_the_first_visit_names_the_activities_from_the_diary(client: TestClient) -> None:
    page = client.get("/check-in").text
    assert 'action="/check-in/activities"' in page
    refused = _post(client, "/check-in/activities", data={"activity_1": "Driving"})
    assert refused.status_code == 422
    assert "name 3 to 5 activities" in refused.text
    assert 'value="Driving"' in refused.text  # what was typed comes back
    assert len(_named(client)) == 3


def test_a_refused_check_in_keeps_the_answers_and_says_which_is_missing(
    client: TestClient,
) -> None:
    first, second, third = _named(client)
    data = {"nprs.pain": "4", first: "5", second: "6"}
    refused = _post(client, "/check-in", data=data)
    assert refused.status_code == 422
    key = third.replace(".", "-")
    assert f'href="#field-{key}"' in refused.text
    assert "rate this one too, or none of them" in refused.text
    assert re.search(rf'id="{first.replace(".", "-")}-5"[^>]*checked', refused.text)
    assert re.search(r'id="nprs-pain-4"[^>]*checked', refused.text)


def test_insights_shows_the_change_since_the_first_check_in(
    client: TestClient, settings: Settings
) -> None:
    fields = _named(client)
    _post(client, "/check-in", data={"nprs.pain": "7", **dict.fromkeys(fields, "2")})
    assert "No check-ins yet" not in client.get("/insights").text
    two_weeks_on = FixedClock(NOW + timedelta(days=14))
    with web_client(create_app(settings, clock=two_weeks_on)) as later:
        assert 'href="/check-in"' in later.get("/").text  # due again
        _post(later, "/check-in", data={"nprs.pain": "4", **dict.fromkeys(fields, "5")})
        page = later.get("/insights").text
    assert "Your usual pain is 3 points lower than on" in page
    assert "Your chosen activities are 3 points easier than on" in page
    assert page.count("a change that matters.") == 2


def test_the_check_ins_download_from_insights_once_there_are_any(client: TestClient) -> None:
    assert 'href="/export/checkins"' not in client.get("/insights").text
    fields = _named(client)
    _post(client, "/check-in", data={"nprs.pain": "6", **dict.fromkeys(fields, "4")})
    assert 'href="/export/checkins"' in client.get("/insights").text
    download = client.get("/export/checkins")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="neckcheck-check-ins.csv"' in download.headers["content-disposition"]
    header, row = download.text.splitlines()
    assert header.split(",")[3:] == [f"psfs: {name}" for name in ACTIVITIES.values()]
    assert row.split(",")[1:] == ["6", "4", "4", "4", "4"]
