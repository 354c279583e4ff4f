"""Trigger and remedy statistics on constructed diaries."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from neckcheck.domain import Episode
from neckcheck.patterns import remedy_stats, trigger_stats

Make = Callable[..., Episode]


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval, written out from its formula, as an independent check."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_a_trigger_before_worse_episodes_is_a_clear_pattern(episode: Make) -> None:
    episodes = [episode(i, intensity=7 + i % 3, triggers=["screen_time"]) for i in range(10)]
    episodes += [episode(20 + i, intensity=2 + i % 3) for i in range(10)]
    [stat] = trigger_stats(episodes)
    assert (stat.with_count, stat.without_count) == (10, 10)
    assert stat.share == 0.5
    assert (stat.share_low, stat.share_high) == pytest.approx(wilson(10, 20), abs=1e-9)
    assert stat.difference == pytest.approx(5.0)
    assert stat.difference_low < 5 < stat.difference_high
    assert stat.clear
    text = stat.summary()
    assert "worse by 5.0 points" in text
    assert "not proof that it causes spasms" in text
    assert " causes spasms" not in text.replace("not proof that it causes spasms", "")


def test_too_little_data_says_so(episode: Make) -> None:
    episodes = [episode(i, intensity=9, triggers=["stress"]) for i in range(4)]
    episodes += [episode(10 + i, intensity=2) for i in range(10)]
    [stat] = trigger_stats(episodes)
    assert not stat.enough_data
    assert stat.p_value is None
    assert stat.p_adjusted is None
    assert "Too little data to compare: needs at least 5 episodes with it and 5 without." in (
        stat.summary()
    )


def test_no_difference_is_not_claimed(episode: Make) -> None:
    # Both groups have the same intensities: 3, 4, 5, 6 three times each.
    episodes = [
        episode(i, intensity=3 + (i // 2) % 4, triggers=["exercise"] if i % 2 else [])
        for i in range(24)
    ]
    [stat] = trigger_stats(episodes)
    assert stat.enough_data
    assert stat.difference == 0
    assert not stat.clear
    assert "No clear difference" in stat.summary()


def test_many_triggers_are_corrected_together(episode: Make) -> None:
    triggers = ["stress", "screen_time", "poor_sleep", "long_drive"]
    episodes = [
        episode(
            i,
            intensity=1 + (i * 7) % 10,
            triggers=[t for j, t in enumerate(triggers) if (i >> j) & 1],
        )
        for i in range(40)
    ]
    stats = trigger_stats(episodes)
    tested = [s for s in stats if s.p_value is not None]
    assert len(tested) == 4
    # Benjamini-Hochberg from its definition: p_(i) * m / i, made monotone from the top.
    ordered = sorted(tested, key=lambda s: s.p_value)  # type: ignore[arg-type, return-value]
    m, running = len(ordered), 1.0
    for rank in range(m, 0, -1):
        stat = ordered[rank - 1]
        assert stat.p_value is not None
        running = min(running, stat.p_value * m / rank)
        assert stat.p_adjusted == pytest.approx(min(running, 1.0))
        assert stat.p_adjusted >= stat.p_value


def test_remedies_count_how_often_they_helped(episode: Make) -> None:
    helped = ["a_lot", "some", "some", "none"]
    episodes = [
        episode(i, remedies=[{"remedy": "heat", "helped": h}]) for i, h in enumerate(helped)
    ]
    episodes.append(episode(9, remedies=[{"remedy": "cold", "helped": "none"}]))
    heat, cold = remedy_stats(episodes)
    assert (heat.remedy, heat.tried, heat.helped, heat.helped_a_lot) == ("heat", 4, 3, 1)
    assert (heat.share_low, heat.share_high) == pytest.approx(wilson(3, 4), abs=1e-9)
    assert "helped 3 of 4 times (75%" in heat.summary()
    assert (cold.tried, cold.enough_data) == (1, False)
    assert "Too little data: try it at least 3 times to tell." in cold.summary()


@pytest.mark.parametrize(
    ("with_pain", "without_pain", "said"),
    [
        (
            lambda i: 7 + i % 3,
            lambda i: 2 + i % 3,
            "Long screen time came before 10 of your 20 spasms; after it the pain was 5.0 "
            "points worse on average. That is a pattern in your diary, not proof that it "
            "causes spasms.",
        ),
        (
            lambda i: 2 + i % 3,
            lambda i: 7 + i % 3,
            "Long screen time came before 10 of your 20 spasms; after it the pain was 5.0 "
            "points milder on average. That is a pattern in your diary, not proof that it "
            "makes spasms milder.",
        ),
        (
            lambda i: 3 + i % 4,
            lambda i: 3 + (i + 1) % 4,
            "Long screen time came before 10 of your 20 spasms. The pain after it was not "
            "clearly worse or milder than after the others.",
        ),
    ],
)
def test_plain_words_first_and_the_numbers_apart(
    episode: Make, with_pain: Callable[[int], int], without_pain: Callable[[int], int], said: str
) -> None:
    episodes = [episode(i, intensity=with_pain(i), triggers=["screen_time"]) for i in range(10)]
    episodes += [episode(20 + i, intensity=without_pain(i)) for i in range(10)]
    [stat] = trigger_stats(episodes)
    assert stat.plain() == said
    assert "95%" not in stat.plain() and "p =" not in stat.plain()
    assert stat.details().startswith("Share of spasms: 50% (95% interval 30% to 70%).")
    assert "Welch's t-test, p = " in stat.details()


def test_plain_words_with_too_little_data(episode: Make) -> None:
    episodes = [episode(i, intensity=5, triggers=["stress"]) for i in range(2)]
    episodes += [episode(10 + i, intensity=4, remedies=[]) for i in range(3)]
    [stat] = trigger_stats(episodes)
    assert stat.plain() == (
        "Stress came before 2 of your 5 spasms. Too few yet to tell whether the pain is worse "
        "after it."
    )
    assert stat.difference_words() == (
        "The pain is compared once there are at least 5 spasms with it and 5 without."
    )
