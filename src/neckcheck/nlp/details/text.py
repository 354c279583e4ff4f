"""What the readers of the form share: the text as they see it, its sentences and clauses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

Span = tuple[int, int]


def prepare(text: str) -> str:
    """The text as the readers see it: lower case, one kind of apostrophe, same length."""
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


def sentences(lowered: str) -> Iterator[tuple[int, str]]:
    start = 0
    for match in re.finditer(r"[.!?\n]+(?:\s+|$)|;\s*", lowered):
        yield start, lowered[start : match.end()]
        start = match.end()
    if start < len(lowered):
        yield start, lowered[start:]


def clause_at(lowered: str, at: int) -> str:
    """The clause around position ``at`` (between punctuation or clause words)."""
    boundary = re.compile(r"[.!?;,()\n]|\s-\s|\bbut\b|\band now\b|\bn now\b")
    start = 0
    for match in boundary.finditer(lowered, 0, at):
        start = match.end()
    end_match = boundary.search(lowered, at)
    end = end_match.start() if end_match else len(lowered)
    return lowered[start:end]


def any_of(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
