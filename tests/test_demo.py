"""The demo generator: valid, repeatable, and shaped like a real diary."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from neckcheck.cli import app
from neckcheck.demo import demo_episodes
from neckcheck.patterns import course, trigger_stats
from tests.factories import cli_runner

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def test_the_same_seed_gives_the_same_diary() -> None:
    assert demo_episodes(years=1, seed=4, until=NOW) == demo_episodes(years=1, seed=4, until=NOW)
    assert demo_episodes(years=1, seed=4, until=NOW) != demo_episodes(years=1, seed=5, until=NOW)


def test_a_diary_looks_real() -> None:
    diary = demo_episodes(years=2, seed=11, until=NOW)
    assert 40 < len(diary) < 2 * 365
    assert all(e.started_at <= NOW for e in diary)
    assert {e.intensity for e in diary} >= {3, 4, 5, 6}
    triggers = {t for e in diary for t in e.triggers}
    assert 1 <= len(triggers) <= 3  # each person has a few favourite triggers
    stored = [
        e.model_dump() | {"id": i, "patient_id": 1, "created_at": NOW, "updated_at": NOW}
        for i, e in enumerate(diary)
    ]
    from neckcheck.domain import Episode

    episodes = [Episode.model_validate(e) for e in stored]
    assert course(episodes, now=NOW).classification != "none"
    assert trigger_stats(episodes)


def test_daily_gives_one_episode_a_day() -> None:
    assert len(demo_episodes(years=1, seed=1, until=NOW, daily=True)) == 365


def test_cli_demo_fills_an_empty_diary_only(env_db: str) -> None:
    runner = cli_runner()
    result = runner.invoke(app, ["demo", "--patients", "2", "--years", "0.5"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Added ")
    assert json.loads(runner.invoke(app, ["history", "--json"]).output)
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 2
    assert "demo data goes into an empty database" in again.output
