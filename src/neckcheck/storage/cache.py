"""What a diary gives back, kept in memory per diary version, within a size in bytes.

Every change of a diary gives it a new ``diary_version`` (see ``repo._diary_changed``), so
an answer computed from version *v* stays right for as long as the diary is at *v*. A
reader asks for the version first and then for the answer, so a kept answer is never older
than its key. Versions are random, never reused: an answer kept from inside a transaction
that rolled back is under a version no committed diary will have. Kept answers are shared
between requests: they are immutable models and tuples, and callers do not change them.

    >>> cache = DiaryCache(max_bytes=64 * 2**20)
    >>> cache.get_or_compute(("episodes", 1, 7), lambda: load())

What is kept is the whole diary at a version (its episodes, the spans of its history, its
pain-free days), once, and a period's answer is cut from it (see ``repo.list_episodes``):
60 periods of one diary cost what one does. The bookkeeping is ``cachetools``' least
recently used cache, sized by an estimate of the bytes each answer keeps alive
(:func:`footprint`), so the cache stays within ``max_bytes`` however large the notes are.
A server process opens one database, so that is what the process keeps; each worker
process has its own.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable, Sized
from datetime import date
from typing import Any, TypeVar

from cachetools import LRUCache

from neckcheck.domain import Episode

T = TypeVar("T")

# What a server process keeps at most (one database per process).
DEFAULT_BYTES = 64 * 2**20
# An Episode as repo reads it, without its notes (measured: 4.3 KB with ordinary lists).
EPISODE_BYTES = 4400
# Per item of another answer that holds many (a history's spans): a few datetimes.
ITEM_BYTES = 64
# Any other object (a trigger's statistics): a dataclass of a dozen numbers and words.
OBJECT_BYTES = 2500


def footprint(value: object) -> int:
    """About how many bytes ``value`` keeps alive: an episode's fixed part and its notes
    (a note of 5,000 characters of 4 bytes is 20 KB, and 20 KB more once it has been sent
    as UTF-8), containers with what they hold,
    others by the items they hold. An estimate, cheap enough to take on every miss."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bytes | int | float | date):
        return sys.getsizeof(value)
    if isinstance(value, Episode):
        return EPISODE_BYTES + _text(value.notes)
    if isinstance(value, tuple | list):
        return sys.getsizeof(value) + sum(footprint(item) for item in value)
    if isinstance(value, Sized):
        return OBJECT_BYTES + ITEM_BYTES * len(value)
    return OBJECT_BYTES


def _text(value: str) -> int:
    """A string's bytes, and those of the UTF-8 copy CPython keeps with a string that is not
    ASCII once it has been encoded (for a JSON answer, a database row): up to 4 a character."""
    return sys.getsizeof(value) + (0 if value.isascii() else 4 * len(value))


class DiaryCache:
    """A thread-safe least-recently-used map from (kind, patient, version, ...) keys whose
    answers keep at most ``max_bytes`` alive in all (by :func:`footprint`). An answer larger
    than that is returned, not kept, and its key is remembered as too large
    (:meth:`too_large`), so that a caller can ask the database for less instead."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self._kept: LRUCache[Hashable, Any] = LRUCache(maxsize=max_bytes, getsizeof=footprint)
        self._large: LRUCache[Hashable, bool] = LRUCache(maxsize=1024)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def bytes(self) -> int:
        """What the kept answers weigh now (by :func:`footprint`)."""
        return int(self._kept.currsize)

    def too_large(self, key: Hashable) -> bool:
        """Whether the answer under ``key`` was found too large to keep."""
        with self._lock:
            return key in self._large

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
        with self._lock:
            try:
                self._kept[key] = value
            except ValueError:  # cachetools: larger than the whole cache
                self._large[key] = True
        return value
