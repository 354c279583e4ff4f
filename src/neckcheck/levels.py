"""Triage levels, most urgent first (clinical/TRIAGE.md).

A module of its own, so that the domain models and the knowledge base can both use it
without importing each other.

    >>> Level.urgent.rank < Level.routine.rank
    True
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Level"]


class Level(StrEnum):
    """Triage levels, most urgent first (see clinical/TRIAGE.md)."""

    emergency = "emergency"
    urgent = "urgent"
    soon = "soon"
    routine = "routine"
    self_care = "self_care"

    @property
    def rank(self) -> int:
        """0 for the most urgent level; a smaller rank is more urgent."""
        return _LEVEL_ORDER.index(self)

    @property
    def is_warning(self) -> bool:
        """Whether a check at this level found warning signs: see a clinician within days,
        or sooner (History's "warning signs only" shows these)."""
        return self.rank <= Level.soon.rank


_LEVEL_ORDER = list(Level)
