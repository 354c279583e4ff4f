"""What a diary gives back, kept in memory per diary version.

Every change of a diary gives it a new ``diary_version`` (see ``repo._diary_changed``), so
an answer computed from version *v* stays right for as long as the diary is at *v*. A
reader asks for the version first and then for the answer, so a kept answer is never older
than its key. Versions are random, never reused: an answer kept from inside a transaction
that rolled back is under a version no committed diary will have. Kept answers are shared
between requests: they are immutable models and tuples, and callers do not change them.

    >>> cache = DiaryCache(items=50_000)
    >>> cache.get_or_compute(("episodes", 1, 7, ...), lambda: load())
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sized
from typing import TypeVar

T = TypeVar("T")


def _weight(value: object) -> int:
    """Episodes (or spans, or statistics) an answer holds; 1 for a single value."""
    return max(len(value), 1) if isinstance(value, Sized) else 1


class DiaryCache:
    """A thread-safe least-recently-used map from (kind, patient, version, ...) keys that
    holds at most ``items`` episodes (or other items) in all: about 2 KB each, so the
    default keeps it near 100 MB at most."""

    def __init__(self, items: int = 50_000) -> None:
        self._items = items
        self._held = 0
        self._kept: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                self.hits += 1
                return self._kept[key]  # type: ignore[return-value]
            self.misses += 1
        value = compute()  # outside the lock: two readers may compute the same answer
        weight = _weight(value)
        if weight > self._items:
            return value  # larger than the whole cache: not kept
        with self._lock:
            if key not in self._kept:
                self._kept[key] = value
                self._held += weight
            while self._held > self._items:
                _, dropped = self._kept.popitem(last=False)
                self._held -= _weight(dropped)
        return value
