"""Phrases of a table found in the text: triggers, remedies and how much they helped, and
what was not understood."""

from __future__ import annotations

import re
from collections.abc import Iterable

from neckcheck.nlp.details.text import Span, sentences

# --- qualities, triggers, remedies -----------------------------------------------------------


def phrases_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One pattern for a list of phrases (each a small regular expression, matched as whole
    words; a space matches any run of white space)."""
    items = sorted({p.lower().strip() for p in phrases}, key=len, reverse=True)
    body = "|".join(item.replace(" ", r"\s+") for item in items)
    return re.compile(rf"(?<![\w'-])(?:{body})(?![\w-])")


def find_terms(lowered: str, table: dict[str, re.Pattern[str]]) -> list[tuple[str, Span]]:
    found = []
    for name, pattern in table.items():
        for match in pattern.finditer(lowered):
            found.append((name, match.span()))
    found.sort(key=lambda item: item[1][0])
    return found


def remedies(
    lowered: str,
    table: dict[str, re.Pattern[str]],
    helped: dict[str, re.Pattern[str]],
    not_tried: re.Pattern[str],
) -> tuple[list[tuple[str, str | None]], list[Span]]:
    """What was tried and how much it helped: the next "how much" phrase after a group of
    remedies in the same sentence applies to that group ("Heat pack and rest helped")."""
    result: dict[str, str | None] = {}
    spans: list[Span] = []
    for start, sentence in sentences(lowered):
        if sentence.rstrip().endswith("?") and not re.search(
            r"\b(?:took|tried|used|had|did|gave|helped|helps)\b", sentence
        ):
            continue
        events: list[tuple[int, str, str]] = []  # (position, kind, value)
        for name, span in find_terms(sentence, table):
            before = sentence[max(0, span[0] - 30) : span[0]]
            if not_tried.search(before) or re.match(r"\s*(?:is |was )?booked", sentence[span[1] :]):
                continue
            events.append((span[0], "remedy", name))
            spans.append((start + span[0], start + span[1]))
        if not events:
            continue
        for level, pattern in helped.items():
            for match in pattern.finditer(sentence):
                events.append((match.start(), "helped", level))
                spans.append((start + match.start(), start + match.end()))
        events.sort()
        group: list[str] = []
        for _position, kind, value in events:
            if kind == "remedy":
                if value not in group:
                    group.append(value)
                result.setdefault(value, None)
            elif group:
                for name in group:
                    if result.get(name) is None:
                        result[name] = value
                group = []
    return list(result.items()), spans


# --- what was not understood ---------------------------------------------------------------

_FILLER = re.compile(
    r"^(?:hi|hello|hey|hiya|help|lol|tbh|ngl|ok|okay|so|yeah|thanks|thank you|please|ugh|wtf|"
    r"omg|idk|all|everyone|folks|anyone|again|advice please|quick q|sorry|hmm|right|well)$"
)
_STOP = {
    "a", "an", "the", "and", "or", "but", "so", "to", "of", "in", "on", "at", "it", "is", "was",
    "i", "i'm", "im", "my", "me", "for", "with", "this", "that", "be", "been", "just", "very",
    "bit", "really", "too", "he", "she", "his", "her", "we", "our", "you", "they", "them", "am",
    "are", "do", "did", "have", "has", "had", "n", "not", "no", "all", "up", "out", "now",
}  # fmt: skip


def not_understood(text: str, used: list[Span]) -> list[str]:
    """Fragments of the text (clauses) in which nothing was placed."""
    covered = bytearray(len(text) + 1)
    for start, end in used:
        for i in range(max(start, 0), min(end, len(text))):
            covered[i] = 1
    fragments = []
    for match in re.finditer(r"[^.!?;,\n()]+", text):
        fragment = match.group(0).strip(" -\u2013\u2014:'\"")
        if not fragment:
            continue
        if any(covered[match.start() : match.end()]):
            continue
        words = re.findall(r"[a-z']+", fragment.lower())
        content = [w for w in words if w not in _STOP and not _FILLER.match(w)]
        if len(content) < 2:
            continue
        fragments.append(fragment)
    return fragments
