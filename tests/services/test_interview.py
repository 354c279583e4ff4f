"""The interview of a check, one for the pages and the command line: answers read as the
person gives them, "None of these" answering warning signs only, and the same answers giving
the same episode whether they come from the pages or the terminal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from neckcheck.cli import app as cli
from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate, Profile
from neckcheck.errors import InputError
from neckcheck.services.diary import Step
from neckcheck.services.interview import NOT_WARNING_SIGNS, Interview
from neckcheck.settings import Settings
from neckcheck.storage.db import open_database
from neckcheck.web.app import create_app
from tests.databases import new_sqlite
from tests.factories import NOW, cli_runner, local_diary, web_client


def _logged(session: Session) -> Interview:
    diary = local_diary(session)
    diary.set_profile(Profile(birth_year=1985))
    episode = diary.log(EpisodeCreate(started_at=NOW - timedelta(minutes=30), intensity=3))
    return Interview(diary, episode.id)


def test_answers_are_read_as_given_and_the_next_step_follows(session: Session) -> None:
    interview = _logged(session)
    first = interview.step()
    assert first is not None and first.kind == "group"
    one, *others = first.questions
    raw = {one: " No ", **dict.fromkeys(others, "maybe")}  # "maybe" is not an answer
    after = interview.answer(raw)
    episode = interview.episode()
    assert one in episode.absent and not set(others) & set(episode.absent)
    assert after is not None and after.questions == others  # what is left is asked again


def test_a_step_without_an_answer_is_refused_and_nothing_changes(session: Session) -> None:
    interview = _logged(session)
    step = interview.step()
    assert step is not None
    before = interview.episode()
    with pytest.raises(InputError):
        interview.answer(dict.fromkeys(step.questions, "perhaps"))
    assert interview.episode() == before


def test_none_of_these_answers_warning_signs_only(session: Session) -> None:
    interview = _logged(session)
    step = interview.step()
    assert step is not None
    interview.answer({}, none_of_these=True)
    assert set(interview.episode().absent) == set(step.questions) - NOT_WARNING_SIGNS
    assert interview.episode().onset is None


@pytest.mark.parametrize(("given", "kept"), [("40", True), ("300", False), ("forty", False)])
def test_an_age_is_a_whole_number_within_the_bounds(given: str, kept: bool) -> None:
    from neckcheck.services.interview import _read

    assert (_read("age_years", given) is not None) is kept
    assert _read("onset", "Sudden") == "sudden" and _read("onset", "soon") is None


# --- the pages and the command line agree -----------------------------------------------------


def _answer(step: Step, turn: int) -> tuple[str, dict[str, str]]:
    """The answers given at each turn: "no" to each question of the first step, "None of
    these" to the second (a group), then "yes" to the first question and "no" to the rest."""
    if step.kind == "group" and turn == 1:
        return "none", {}
    raw = {}
    for number, name in enumerate(step.questions):
        if name == "onset":
            raw[name] = "gradual"
        elif name == "age_years":
            raw[name] = "41"
        else:
            raw[name] = "yes" if turn == 2 and number == 0 else "no"
    return "answers", raw


def _cli_input(steps: list[tuple[Step, str, dict[str, str]]]) -> str:
    lines = []
    for step, how, raw in steps:
        if step.kind == "group":
            lines.append("n" if how == "none" else "y")
        if how == "answers":
            lines += [{"yes": "y", "no": "n"}.get(value, value) for value in raw.values()]
    return "\n".join(lines) + "\n"


def test_the_same_answers_give_the_same_episode_on_the_pages_and_in_the_terminal(
    migrated_env_db: str, tmp_path: Path
) -> None:
    pages_url = new_sqlite(tmp_path / "pages.db")
    ids = {}
    for url in (migrated_env_db, pages_url):
        db = open_database(url)
        with db.session() as session:
            ids[url] = _logged(session).episode_id
        db.close()
    # The pages, a step at a time, each answer noted.
    steps: list[tuple[Step, str, dict[str, str]]] = []
    db = open_database(pages_url)
    app = create_app(Settings(database_url=pages_url), clock=FixedClock(NOW))
    with web_client(app) as browser:
        browser.get("/learn")
        token = browser.cookies["neckcheck_csrf"]
        path = f"/episodes/{ids[pages_url]}/check"
        for turn in range(3):
            with db.session() as session:
                step = Interview(local_diary(session), ids[pages_url]).step()
            if step is None:
                break
            how, raw = _answer(step, turn)
            steps.append((step, how, raw))
            form: dict[str, Any] = (
                {"none": "yes"}
                if how == "none"
                else {f"answer_{name}": value for name, value in raw.items()}
            )
            sent = browser.post(path, data={**form, "csrf_token": token}, follow_redirects=False)
            assert sent.status_code == 303 and "error" not in sent.headers["location"]
        with db.session() as session:  # the "yes" ended it: nothing left to ask
            assert Interview(local_diary(session), ids[pages_url]).step() is None
    # The terminal, the same answers typed.
    typed = cli_runner().invoke(cli, ["check", str(ids[migrated_env_db])], input=_cli_input(steps))
    assert typed.exit_code == 0, typed.output
    episodes = {}
    for url in (migrated_env_db, pages_url):
        with open_database(url).session() as session:
            episode = local_diary(session).episode(ids[url])
            episodes[url] = (sorted(episode.findings), sorted(episode.absent), episode.declined)
    assert [how for _, how, _ in steps] == ["answers", "none", "answers"]
    assert episodes[migrated_env_db] == episodes[pages_url]
    assert episodes[pages_url][0]  # the "yes" was kept
    db.close()
