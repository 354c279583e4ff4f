"""DiaryHistory gives the same answers as the plain definition, for any diary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from neckcheck.domain import MAX_EPISODES_30_DAYS, MAX_WEEKS
from neckcheck.patterns.history import DiaryHistory
from tests.factories import examples

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def plain(spans: list[tuple[datetime, datetime | None]], at: datetime) -> tuple[int, int]:
    known = [(s, e or at) for s, e in spans if s <= at]
    recent = sum(1 for s, _ in known if at - timedelta(days=30) < s <= at)
    weeks, window_end = 0, at
    while any(s <= window_end and e > window_end - timedelta(days=7) for s, e in known):
        weeks += 1
        window_end -= timedelta(days=7)
    return recent, weeks


spans = st.lists(
    st.tuples(st.integers(0, 400 * 24), st.one_of(st.none(), st.integers(0, 30 * 24))).map(
        lambda t: (
            BASE + timedelta(hours=t[0]),
            None if t[1] is None else BASE + timedelta(hours=t[0] + t[1]),
        )
    ),
    max_size=60,
)


@settings(max_examples=examples(300))
@given(spans, st.integers(0, 420 * 24))
def test_matches_the_plain_definition(
    diary: list[tuple[datetime, datetime | None]], hours: int
) -> None:
    at = BASE + timedelta(hours=hours)
    history = DiaryHistory(diary).at(at)
    assert (history.episodes_last_30_days, history.weeks_with_symptoms) == plain(diary, at)


def test_figures_past_the_findings_limits_are_capped_not_refused() -> None:
    at = BASE + timedelta(days=30)
    many = [(at - timedelta(minutes=m), at - timedelta(minutes=m)) for m in range(1500)]
    decades = [(datetime(1900, 1, 1, tzinfo=UTC), None)]  # 6,500 weeks
    assert DiaryHistory(many).at(at).episodes_last_30_days == MAX_EPISODES_30_DAYS
    assert DiaryHistory(decades).at(at).weeks_with_symptoms == MAX_WEEKS
