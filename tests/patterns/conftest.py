from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from neckcheck.domain import Episode

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


@pytest.fixture
def episode() -> Callable[..., Episode]:
    """A stored-looking Episode: ``episode(days_ago, hours=2, **fields)``."""
    ids = count(1)

    def make(days_ago: float, hours: float | None = 2, **fields: Any) -> Episode:
        start = NOW - timedelta(days=days_ago)
        data: dict[str, Any] = {
            "id": next(ids),
            "patient_id": 1,
            "started_at": start,
            "intensity": 5,
            "ended_at": start + timedelta(hours=hours) if hours is not None else None,
            "created_at": start,
            "updated_at": start,
        }
        data.update(fields)
        return Episode.model_validate(data)

    return make
