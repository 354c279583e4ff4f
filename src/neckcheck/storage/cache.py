"""What a diary gives back, kept in memory per diary version.

Every change of a diary gives it a new ``diary_version`` (see ``repo._diary_changed``), so
an answer computed from version *v* stays right for as long as the diary is at *v*. A
reader asks for the version first and then for the answer, so a kept answer is never older
than its key. Versions are random, never reused: an answer kept from inside a transaction
that rolled back is under a version no committed diary will have. Kept answers are shared
between requests: they are immutable models and tuples, and callers do not change them.

    >>> cache = DiaryCache(entries=256)
    >>> cache.get_or_compute(("episodes", 1, 7, ...), lambda: load())
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class DiaryCache:
    """A thread-safe least-recently-used map from (kind, patient, version, ...) keys."""

    def __init__(self, entries: int = 256) -> None:
        self._entries = entries
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
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self._entries:
                self._kept.popitem(last=False)
        return value
