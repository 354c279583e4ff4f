"""Who the text is about: the writer, or someone the writer describes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from neckcheck.nlp.details.text import Span

# --- who the text is about ------------------------------------------------------------------

_REPORTER = (
    r"\s+(?:says|said|thinks|reckons|noticed|told me|tells me|"
    r"asked)\s+(?:that\s+)?(?:i|i'm|im|my|me)\b"
)


@dataclass(frozen=True)
class Subject:
    """Who the text describes: the writer (``third_person`` False) or someone else."""

    third_person: bool
    word: str | None = None  # "daughter", "Jake", "he"
    span: Span | None = None


def subject(text: str, lowered: str, relations: list[str], body_parts: list[str]) -> Subject:
    """Who the diary entry is about. Someone else when the text opens with them ("My boy
    (8) came home...", "Mum (78) fell...", "Jake, 16, did his neck...", "he came off his
    bike") before the writer speaks of themself; otherwise the writer."""
    first = re.search(
        r"\b(?:i|i'm|im|i've|ive|i'd|i'll|me)\b|\bmy\s+(?:own\s+)?(?:"
        + "|".join(body_parts)
        + r")\b",
        lowered,
    )
    limit = first.start() if first else len(lowered)
    relation = re.compile(r"\b(" + "|".join(sorted(relations, key=len, reverse=True)) + r")s?\b")
    for match in relation.finditer(lowered):
        if match.start() > limit:
            break
        opening = re.sub(
            r"^\W*(?:(?:hi|hello|hey|hiya|help|advice please|question|quick q|urgent|please)\W+)*"
            r"(?:(?:posting|writing|asking|here) (?:for|about|on behalf of)\s+)?",
            "",
            lowered[: match.start()],
        )
        aged = re.match(
            r"\s*(?:\(\s*\d|,\s*(?:aged\s+)?\d|\s+(?:is|aged)\s+\d|\s+\d)", lowered[match.end() :]
        )
        if len(opening.split()) > 4 and not aged:
            continue  # "family history of RA, my dad has lupus": not who the text is about
        after = lowered[match.end() : match.end() + 40]
        if re.match(_REPORTER, after):
            continue  # "hubby says I'm slurring": the writer is the one
        if re.match(r"\s+of\s+(?:a|an|two|three|\d)\b", after) and re.match(
            r"(?:mum|mom|mother|dad|father|parent)", match.group(1)
        ):
            continue  # "Mum of a 12 year old": the writer is the parent; the child follows
        if re.match(r"\s+(?:and|&)\s+(?:i|me)\b", after):
            continue
        return Subject(True, match.group(1), match.span())
    name = re.match(
        r"\W*(?:baby\s+|mr\.?\s+|mrs\.?\s+|ms\.?\s+)?([A-Z][a-z]+(?:\s[A-Z]\.?)?)"
        r"(?=\s*\(\s*\d|,\s*(?:aged\s+)?\d|\s+is\s+\d|,\s*aged|\s+\(\d)",
        text,
    )
    if name and name.group(1).lower() not in body_parts:
        return Subject(True, name.group(1), name.span(1))
    pronoun = re.match(r"\W*(he|she)\b", lowered)
    if (pronoun and first is None) or (pronoun and first and first.start() > 40):
        return Subject(True, pronoun.group(1), pronoun.span(1))
    return Subject(False)
