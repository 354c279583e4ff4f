"""What a diary gives back, kept in memory per diary version.

Every change of a diary gives it a new ``diary_version`` (see ``repo._diary_changed``), so
an answer computed from version *v* stays right for as long as the diary is at *v*. A
reader asks for the version first and then for the answer, so a kept answer is never older
than its key. Versions are random, never reused: an answer kept from inside a transaction
that rolled back is under a version no committed diary will have. Kept answers are shared
between requests: they are immutable models and tuples, and callers do not change them.

    >>> cache = DiaryCache(items=50_000)
    >>> cache.get_or_compute(("episodes", 1, 7, ...), lambda: load())

The bookkeeping is ``cachetools``' least-recently-used cache, sized by the episodes (or
other items) each answer holds rather than by the number of answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sized
from typing import Any, TypeVar

from cachetools import LRUCache

T = TypeVar("T")


def _weight(value: object) -> int:
    """Episodes (or spans, or statistics) an answer holds; 1 for a single value."""
    return max(len(value), 1) if isinstance(value, Sized) else 1


class DiaryCache:
    """A thread-safe least-recently-used map from (kind, patient, version, ...) keys that
    holds at most ``items`` episodes (or other items) in all: about 2 KB each, so the
    default keeps it near 100 MB at most."""

    def __init__(self, items: int = 50_000) -> None:
        self._kept: LRUCache[Hashable, Any] = LRUCache(maxsize=items, getsizeof=_weight)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            try:
                value: T = self._kept[key]
            except KeyError:
                self.misses += 1
            else:
                self.hits += 1
                return value
        value = compute()  # outside the lock: two readers may compute the same answer
        if _weight(value) <= self._kept.maxsize:  # a larger answer is returned, not kept
            with self._lock:
                self._kept[key] = value
        return value
