"""Triggers and remedies in a patient's diary, with honest statistics.

What a diary can and cannot show: it records triggers on days with a spasm, not on days
without one, so it cannot say how much a trigger raises the chance of a spasm. What it can
show, per trigger:

* how often it was recorded before an episode (share of episodes, with a 95% Wilson interval);
* whether episodes after it were worse than the others (difference in mean worst pain, Welch's
  t-test with its 95% interval), with the p-values of all triggers corrected together
  (Benjamini-Hochberg), and only when there are at least ``MIN_EACH`` episodes with and
  without it.

And per remedy: how often it helped ("some" or "a lot") when tried, with a 95% Wilson
interval, once it was tried at least ``MIN_TRIES`` times. No statement says a trigger
*causes* spasms.

    >>> [s.trigger for s in trigger_stats(episodes)]
    ['screen_time', 'stress', ...]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from neckcheck.domain import Episode, Helped
from neckcheck.text import count

MIN_EACH = 5
MIN_TRIES = 3
ALPHA = 0.05


@dataclass(frozen=True)
class TriggerStat:
    trigger: str
    label: str
    with_count: int
    without_count: int
    share: float
    share_low: float
    share_high: float
    mean_with: float | None = None
    mean_without: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None

    @property
    def enough_data(self) -> bool:
        return self.with_count >= MIN_EACH and self.without_count >= MIN_EACH

    @property
    def difference(self) -> float | None:
        if self.mean_with is None or self.mean_without is None:
            return None
        return self.mean_with - self.mean_without

    @property
    def clear(self) -> bool:
        """A difference that survives the correction for testing many triggers."""
        return self.p_adjusted is not None and self.p_adjusted < ALPHA

    def summary(self) -> str:
        total = self.with_count + self.without_count
        text = (
            f"{self.label}: recorded before {self.with_count} of {total} episodes "
            f"({self.share:.0%}, 95% CI {self.share_low:.0%} to {self.share_high:.0%})."
        )
        if not self.enough_data:
            return (
                f"{text} Too little data to compare: needs at least {MIN_EACH} episodes "
                f"with it and {MIN_EACH} without."
            )
        if self.difference is None:  # set whenever there is enough data (above)
            raise RuntimeError("a comparison without a difference")
        interval = f"95% CI {self.difference_low:+.1f} to {self.difference_high:+.1f}"
        if self.clear:
            direction = "worse" if self.difference > 0 else "milder"
            return (
                f"{text} Episodes after it were {direction} by {abs(self.difference):.1f} "
                f"points on average ({interval}; adjusted p = {self.p_adjusted:.3f}). "
                "A pattern in this diary, not proof that it causes spasms."
            )
        return (
            f"{text} No clear difference in worst pain "
            f"({self.difference:+.1f} points, {interval}; adjusted p = "
            f"{self.p_adjusted:.2f})."
        )

    def plain(self) -> str:
        """What the diary shows, in words for the person who keeps it; the numbers behind
        it are in :meth:`details`."""
        total = self.with_count + self.without_count
        text = (
            f"{self.label} came before {self.with_count} of your {count(total, 'spasm', 'spasms')}"
        )
        if not self.enough_data:
            return f"{text}. Too few yet to tell whether the pain is worse after it."
        if self.difference is None:  # set whenever there is enough data (above)
            raise RuntimeError("a comparison without a difference")
        if self.clear and self.difference > 0:
            return (
                f"{text}; after it the pain was {self.difference:.1f} points worse on average. "
                "That is a pattern in your diary, not proof that it causes spasms."
            )
        if self.clear:
            return (
                f"{text}; after it the pain was {-self.difference:.1f} points milder on average. "
                "That is a pattern in your diary, not proof that it makes spasms milder."
            )
        return f"{text}. The pain after it was not clearly worse or milder than after the others."

    def share_words(self) -> str:
        """How often it was noted, with its 95% interval."""
        return (
            f"Share of spasms: {self.share:.0%} (95% interval {self.share_low:.0%} to "
            f"{self.share_high:.0%})."
        )

    def difference_words(self) -> str:
        """The difference in worst pain with its interval and adjusted p-value, or what it
        takes to compare."""
        if not self.enough_data or self.difference is None:
            return (
                f"The pain is compared once there are at least {MIN_EACH} spasms with it and "
                f"{MIN_EACH} without."
            )
        return (
            f"Worst pain after it minus after the others: {self.difference:+.1f} points "
            f"(95% interval {self.difference_low:+.1f} to {self.difference_high:+.1f}; Welch's "
            f"t-test, p = {self.p_adjusted:.2f} adjusted for comparing every trigger at once, "
            "Benjamini-Hochberg)."
        )

    def details(self) -> str:
        """The numbers behind :meth:`plain`: the share with its 95% interval and, with
        enough data, the difference in worst pain with its interval and adjusted p-value."""
        return f"{self.share_words()} {self.difference_words()}"


@dataclass(frozen=True)
class RemedyStat:
    remedy: str
    label: str
    tried: int
    helped: int
    helped_a_lot: int
    share: float
    share_low: float
    share_high: float

    @property
    def enough_data(self) -> bool:
        return self.tried >= MIN_TRIES

    def summary(self) -> str:
        text = f"{self.label}: helped {self.helped} of {self.tried} times"
        if not self.enough_data:
            return f"{text}. Too little data: try it at least {MIN_TRIES} times to tell."
        return (
            f"{text} ({self.share:.0%}, 95% CI {self.share_low:.0%} to "
            f"{self.share_high:.0%}; a lot: {self.helped_a_lot})."
        )

    def plain(self) -> str:
        """How often it helped, in words; the numbers behind it are in :meth:`details`."""
        times = count(self.tried, "time", "times")
        text = f"{self.label} helped {self.helped} of the {times} you tried it"
        if self.helped_a_lot:
            text += f" ({self.helped_a_lot} a lot)"
        if not self.enough_data:
            return f"{text}. Try it a few more times to tell."
        return f"{text}."

    def details(self) -> str:
        text = (
            f"Helped {self.share:.0%} of the times tried (95% interval {self.share_low:.0%} "
            f"to {self.share_high:.0%})."
        )
        if not self.enough_data:
            return f"{text} Tried fewer than {MIN_TRIES} times: too few to tell."
        return text


def _wilson(successes: int, trials: int) -> tuple[float, float]:
    from scipy.stats import binomtest

    interval = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


def trigger_stats(episodes: list[Episode]) -> list[TriggerStat]:
    """One entry per trigger recorded at least once, most often recorded first."""
    from scipy.stats import false_discovery_control, ttest_ind

    from neckcheck.knowledge import load

    labels = {term.id: term.label for term in load().diary.triggers}
    seen = sorted(
        {t for e in episodes for t in e.triggers},
        key=lambda t: (-sum(t in e.triggers for e in episodes), t),
    )
    stats: list[TriggerStat] = []
    tests: list[tuple[int, float]] = []
    for trigger in seen:
        with_it = [e.intensity for e in episodes if trigger in e.triggers]
        without = [e.intensity for e in episodes if trigger not in e.triggers]
        low, high = _wilson(len(with_it), len(episodes))
        stat = TriggerStat(
            trigger,
            labels[trigger],
            len(with_it),
            len(without),
            len(with_it) / len(episodes),
            low,
            high,
        )
        if stat.enough_data:
            mean_with = sum(with_it) / len(with_it)
            mean_without = sum(without) / len(without)
            if len(set(with_it) | set(without)) == 1:  # no variation at all: no difference
                p_value, d_low, d_high = 1.0, 0.0, 0.0
            else:
                result = ttest_ind(with_it, without, equal_var=False)
                interval = result.confidence_interval(0.95)
                p_value = float(result.pvalue)
                d_low, d_high = float(interval.low), float(interval.high)
            stat = replace(
                stat,
                mean_with=mean_with,
                mean_without=mean_without,
                difference_low=d_low,
                difference_high=d_high,
                p_value=p_value,
            )
            tests.append((len(stats), p_value))
        stats.append(stat)
    if tests:
        adjusted = false_discovery_control([p for _, p in tests], method="bh")
        for (index, _), p_adj in zip(tests, adjusted, strict=True):
            stats[index] = replace(stats[index], p_adjusted=float(p_adj))
    return stats


def remedy_stats(episodes: list[Episode]) -> list[RemedyStat]:
    """One entry per remedy tried at least once, most often tried first."""
    from neckcheck.knowledge import load

    labels = {term.id: term.label for term in load().diary.remedies}
    uses: dict[str, list[Helped]] = {}
    for episode in episodes:
        for use in episode.remedies:
            uses.setdefault(use.remedy, []).append(use.helped)
    stats = []
    for remedy, helped in sorted(uses.items(), key=lambda item: (-len(item[1]), item[0])):
        good = sum(h is not Helped.none for h in helped)
        low, high = _wilson(good, len(helped))
        stats.append(
            RemedyStat(
                remedy,
                labels[remedy],
                len(helped),
                good,
                sum(h is Helped.a_lot for h in helped),
                good / len(helped),
                low,
                high,
            )
        )
    return stats
