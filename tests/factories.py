"""Shared test data helpers."""

from __future__ import annotations

from datetime import UTC, datetime

# A fixed "now" (a Tuesday) for tests of patterns and reports.
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
