"""Hypothesis strategies for whole episodes, over every field and its range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from neckcheck.domain import Activity, EpisodeCreate, Helped, Movement, PainQuality, Region
from neckcheck.knowledge import load

KB = load()
FINDINGS = sorted(KB.finding_ids)


def _subset(values: list[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(values), unique=True, max_size=len(values))


@st.composite
def episodes(draw: st.DrawFn) -> EpisodeCreate:
    offset = timezone(timedelta(minutes=15 * draw(st.integers(-48, 56))))
    start = (
        datetime(2026, 1, 1, tzinfo=UTC)
        - timedelta(
            seconds=draw(st.integers(0, 3 * 365 * 86400)), microseconds=draw(st.integers(0, 999999))
        )
    ).astimezone(offset)
    chosen = draw(_subset(FINDINGS))
    split = draw(st.integers(0, len(chosen)))
    remedies = draw(_subset([r.id for r in KB.diary.remedies]))
    data: dict[str, Any] = {
        "started_at": start,
        "ended_at": draw(
            st.none() | st.integers(0, 30 * 86400).map(lambda s: start + timedelta(seconds=s))
        ),
        "onset": draw(st.none() | st.sampled_from(["sudden", "gradual"])),
        "intensity": draw(st.integers(0, 10)),
        "pain_qualities": draw(_subset(list(PainQuality))),
        "regions": draw(_subset(list(Region))),
        "limited_movements": draw(_subset(list(Movement))),
        "findings": chosen[:split],
        "absent": chosen[split:],
        "triggers": draw(_subset([t.id for t in KB.diary.triggers])),
        "remedies": [
            {"remedy": r, "helped": draw(st.sampled_from(list(Helped)))} for r in remedies
        ],
        "activities_affected": draw(_subset(list(Activity))),
        "stress": draw(st.none() | st.integers(0, 10)),
        "notes": draw(st.text(max_size=200)),
        "declined": draw(st.booleans()),
    }
    return EpisodeCreate.model_validate(data)
