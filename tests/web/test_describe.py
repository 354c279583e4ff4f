"""A description in the person's own words becomes the same episode on the Log page (the
form it fills in, saved as it is) and with ``neckcheck log --text``: one reading
(services/describe.py) for both."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from neckcheck.domain import Episode
from neckcheck.services.describe import describe
from tests.factories import NOW, cli_runner

# Said at NOW (noon UTC), each in a different way of telling when it started and stopped.
TEXTS = [
    "stiff neck on the right, can't turn my head right, 5/10, slept funny, heat helped a bit",
    "my neck has been in spasm for two hours and it's still going, 7/10, no fever",
    "neck cramp that lasted about an hour, it's gone now, 4/10",
    "a knot in my neck since 8 this morning, 6/10, stretching helped a lot",
    "sharp pain in the back of my neck for 3 hours, maybe a bit dizzy?, 5/10",
    "my neck seized up at 8 this morning, it lasted two hours and it is gone now, 5/10",
]
COMPARED = (
    "started_at",
    "ended_at",
    "intensity",
    "onset",
    "regions",
    "limited_movements",
    "pain_qualities",
    "findings",
    "absent",
    "triggers",
    "remedies",
)


class _LogForm(HTMLParser):
    """The Log form's values as a browser would send them: checked boxes and radios, every
    other input's value, each select's chosen option, each textarea's text."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action") == "/log":
            self._in_form = True
        if not self._in_form or "name" not in a:
            if tag == "option" and self._select and "selected" in a:
                self.values.append((self._select, a.get("value", "")))
            return
        if tag == "input":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button"):
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, text = self.values[-1]
            self.values[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/log").text)
    assert found
    return found[1]


def _on_the_page(client: TestClient, text: str) -> dict[str, Any]:
    token = _token(client)
    page = client.post("/log/describe", data={"describe": text, "csrf_token": token})
    assert page.status_code == 200, page.text
    form = _LogForm()
    form.feed(page.text)
    sent: dict[str, list[str]] = {"tz": ["0"], "birth_year": ["1985"]}  # a browser at UTC
    for name, value in form.values:
        if name not in ("tz", "birth_year", "describe"):
            sent.setdefault(name, []).append(value)
    # Where the text does not say whether it is over, the page asks; the terminal takes an
    # episode without an end as going on, and so answers the person here.
    sent.setdefault("state", ["ongoing"])
    saved = client.post("/log", data=sent, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    episode_id = int(saved.headers["location"].split("/")[2])
    stored: dict[str, Any] = client.get(f"/api/v1/episodes/{episode_id}").json()
    return stored


def _in_the_terminal(text: str) -> dict[str, Any]:
    from neckcheck.cli import app

    runner = cli_runner()
    saved = runner.invoke(app, ["log", "--text", text, "--yes"])
    assert saved.exit_code == 0, saved.output
    [stored] = json.loads(runner.invoke(app, ["history", "--json"]).output)
    return dict(stored)


def _same(stored: dict[str, Any]) -> dict[str, Any]:
    """The compared fields, times as moments (the page keeps whole minutes), and the findings
    as the check reads them: the form gives those a pain score, a pain quality or a limited
    movement imply by those fields, not as tick boxes of their own."""
    out = {key: stored[key] for key in COMPARED}
    out["findings"] = sorted(Episode.model_validate(stored).derived_findings())
    for key in ("started_at", "ended_at"):
        if out[key] is not None:
            out[key] = datetime.fromisoformat(out[key]).replace(second=0, microsecond=0)
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_the_page_and_the_terminal_make_the_same_episode_of_a_description(
    client: TestClient, env_db: str, text: str
) -> None:
    on_page = _on_the_page(client, text)
    in_terminal = _in_the_terminal(text)
    assert _same(on_page) == _same(in_terminal)
    assert on_page["notes"] == in_terminal["notes"] == text


def test_a_description_settles_no_warning_sign_as_absent() -> None:
    """TRIAGE.md v2: a denial or a hedge in the text pre-selects nothing."""
    from neckcheck.nlp import extract

    text = "neck spasm, no fever, no numbness, maybe a bit dizzy?"
    described = describe(extract(text, now=NOW), text=text, now=NOW)
    assert "absent" not in described.fields
    assert not {"fever", "numbness", "dizziness"} & set(described.fields["findings"])


@pytest.mark.parametrize(
    ("text", "hours_ago", "lasted"),
    [
        ("my neck has been in spasm for two hours and it's still going", 2, None),
        ("neck cramp that lasted about an hour, it's gone now", 1, 1),
    ],
)
def test_how_long_it_lasted_places_it_before_now(
    text: str, hours_ago: int, lasted: int | None
) -> None:
    from neckcheck.nlp import extract

    described = describe(extract(text, now=NOW), text=text, now=NOW)
    assert described.started_at == NOW - timedelta(hours=hours_ago)
    if lasted is None:
        assert described.ongoing is not False and described.ended_at is None
    else:
        assert described.ended_at == NOW
