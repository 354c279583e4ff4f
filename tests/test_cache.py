"""The diary cache keeps answers by key, least recently used first out, within its size."""

from __future__ import annotations

import threading

from neckcheck.storage.cache import DiaryCache


def test_answers_are_kept_by_key_and_computed_once() -> None:
    cache = DiaryCache(items=100)
    calls: list[str] = []

    def load(name: str) -> list[str]:
        calls.append(name)
        return [name] * 3

    assert cache.get_or_compute(("a", 1), lambda: load("a")) == ["a"] * 3
    assert cache.get_or_compute(("a", 1), lambda: load("a")) == ["a"] * 3
    assert cache.get_or_compute(("a", 2), lambda: load("b")) == ["b"] * 3
    assert calls == ["a", "b"]
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_least_recently_used_answers_go_first_when_too_many_items_are_held() -> None:
    cache = DiaryCache(items=10)
    for key in "abc":
        cache.get_or_compute(key, lambda: [0] * 4)  # 12 items asked for, 10 allowed
    cache.get_or_compute("b", lambda: [1] * 4)  # still kept: "a" went first
    assert cache.hits == 1
    cache.get_or_compute("a", lambda: [2] * 4)
    assert cache.misses == 4
    too_big = cache.get_or_compute("huge", lambda: [3] * 11)
    assert too_big == [3] * 11
    cache.get_or_compute("huge", lambda: [3] * 11)
    assert cache.misses == 6  # never kept: larger than the whole cache


def test_many_threads_get_the_same_answers() -> None:
    cache = DiaryCache(items=60)  # room for 12 of the 20 answers: threads evict each other
    results: list[tuple[int, list[int]]] = []

    def reader(n: int) -> None:
        for i in range(200):
            key = (i * (n + 1)) % 20
            results.append((key, cache.get_or_compute(key, lambda key=key: [key] * 5)))

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1600
    # Every answer is the one computed for its own key, never another key's.
    assert all(answer == [key] * 5 for key, answer in results)
    assert cache.hits + cache.misses == 1600
    assert cache.hits and cache.misses
