"""Turn what a person writes into a findings document they can check.

    >>> result = extract("woke up and my neck locked, can't turn my head left, sharp pain "
    ...                  "down my right arm, no fever, bit dizzy")
    >>> result.document.findings
    ['cramping_knot', 'reduced_range_of_motion', 'pain_sharp', 'pain_radiates_arm', 'dizziness']
    >>> result.document.absent, result.limited_movements
    (['fever'], ['rotation_left'])

How it reads text:

* findings: medspaCy's TargetMatcher, with a rule for every synonym in the catalogue and in
  ``knowledge/data/nlp.yaml`` (misspellings and lay phrasings);
* negation, resolution ("the headache is gone now"), past ("last year"), worries ("in case")
  and hedges ("not sure if"): medspaCy's ConText with its default rules plus neckcheck's;
  a comma or "and" that starts a new clause ends a modifier's scope;
* numbers, duration, onset, age and limited movements: small rules on the text.

Safety first: a warning-sign finding that is hedged, or negated by a word far from it, comes
back as ``uncertain`` (to ask about), never dropped. The pipeline is built once, on the first
call, and reused.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from neckcheck.domain import Findings, Movement

MentionStatus = Literal["present", "absent", "historical", "hypothetical", "family", "uncertain"]
# A negation word further than this many tokens from a warning sign makes it uncertain.
FAR_NEGATION = 6


class Mention(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: str
    text: str
    start: int
    end: int
    status: MentionStatus


class Extraction(BaseModel):
    """What was understood: the findings document plus what needs a person's check."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Findings
    uncertain: list[str]
    limited_movements: list[Movement]
    mentions: list[Mention]
    numbers: dict[str, str]


@dataclass(frozen=True)
class _Pipeline:
    nlp: Any
    warning_ids: frozenset[str]
    onset: dict[str, re.Pattern[str]]
    number_words: dict[str, int]
    implies: dict[str, list[str]]
    history_findings: frozenset[str]


def _default_rules_path() -> str:
    """medspaCy's own English ConText rules (the file its ``rules="default"`` loads)."""
    from pathlib import Path

    import medspacy

    base = Path(medspacy.__file__).resolve().parents[1]
    return str(base / "resources" / "en" / "context_rules.json")


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(p.lower()) for p in phrases}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


@functools.cache
def _pipeline() -> _Pipeline:
    """Build the medspaCy pipeline once (about a second); later calls reuse it."""
    from loguru import logger

    logger.disable("PyRuSH")  # medspaCy's sentence splitter logs at debug level; unused here
    import medspacy
    from medspacy.context import ConTextRule
    from medspacy.ner import TargetRule

    from neckcheck.knowledge import load

    kb = load()
    nlp = medspacy.load(medspacy_enable=["medspacy_target_matcher"])
    nlp.add_pipe("sentencizer", first=True)  # rule-based and fast; enough for short notes
    # Modifiers inside a finding's own words are dropped ("can't breathe" is a finding, not a
    # negation).
    context = nlp.add_pipe(
        "medspacy_context", config={"rules": None, "prune_on_target_overlap": True}
    )
    phrases: dict[str, str] = {}
    for finding in kb.findings:
        for phrase in [*finding.synonyms, *kb.nlp.terms.get(finding.id, [])]:
            phrases.setdefault(phrase.lower(), finding.id)
    nlp.get_pipe("medspacy_target_matcher").add(
        [TargetRule(literal, category) for literal, category in phrases.items()]
        + [
            TargetRule(f"{finding} pattern", finding, pattern=pattern)
            for finding, patterns in kb.nlp.patterns.items()
            for pattern in patterns
        ]
    )
    ours = [ConTextRule(r.literal, r.category, direction=r.direction) for r in kb.nlp.context]
    replaced = {rule.literal.lower() for rule in ours}
    defaults = [
        r for r in ConTextRule.from_json(_default_rules_path()) if r.literal.lower() not in replaced
    ]
    rules = [*defaults, *ours]
    # A comma ends past, worry, family and hedge modifiers but not negation, so "no fever,
    # chills or rash" stays one list while "years ago, neck hurts today" is two clauses.
    for rule in rules:
        if rule.category in ("HISTORICAL", "HYPOTHETICAL", "FAMILY", "POSSIBLE_EXISTENCE"):
            rule.terminated_by.add("CLAUSE")
    rules.append(
        ConTextRule(",", "CLAUSE", direction="FORWARD", max_scope=1, allowed_types={"NO_TARGET"})
    )
    # "fever no, headache yes": a "no" before a comma looks back.
    rules.append(
        ConTextRule(
            "no ,",
            "NEGATED_EXISTENCE",
            direction="BACKWARD",
            pattern=[{"LOWER": "no"}, {"LOWER": ","}],
        )
    )
    starters = [s.lower() for s in kb.nlp.clause_starters]
    for joiner in (",", "and", "."):
        rules.append(
            ConTextRule(
                f"{joiner} + clause",
                "TERMINATE",
                direction="TERMINATE",
                pattern=[{"LOWER": joiner}, {"LOWER": {"IN": starters}}],
            )
        )
    context.add(rules)
    return _Pipeline(
        nlp=nlp,
        warning_ids=kb.red_flag_ids,
        onset={kind: _phrase_pattern(words) for kind, words in kb.nlp.onset.items()},
        number_words=dict(kb.nlp.number_words),
        implies=dict(kb.nlp.implies),
        history_findings=frozenset(kb.nlp.history_findings),
    )


# --- numbers, durations, onset, age, movements -----------------------------------------------

_NUM = (
    r"(\d+(?:\.\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|an?|a couple of|couple of|a few|few|several)"
)
_INTENSITY = re.compile(
    r"\b(10|[0-9]|zero|one|two|three|four|five|six|seven|eight|nine|ten)\s*"
    r"(?:/|out of|outta|on a scale of(?: 0| zero| 1| one)? to)\s*(?:10|ten)\b"
)
_UNITS = {"min": 1 / 60, "minute": 1 / 60, "hr": 1, "hour": 1, "day": 24, "week": 168, "month": 730}
_FOR = re.compile(
    rf"\b(?:for|lasted|lasting|over)\s+(?:the\s+(?:past|last)\s+)?{_NUM}\s*"
    r"(min|minute|hr|hour|day|week|month)s?\b"
)
_LAST_UNIT = re.compile(r"\b(?:for\s+)?the\s+(?:past|last)\s+(day|week|month)\b")
_AGO = re.compile(rf"\b{_NUM}\s*(min|minute|hr|hour|day|week|month)s?\s+ago\b")
_SINCE = re.compile(
    r"\bsince\s+(this morning|this afternoon|this evening|last night|"
    r"yesterday(?: morning| afternoon| evening)?|the weekend|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?)\b"
)
_AGE = re.compile(
    r"\b(?:i'?m|i am|aged?)\s+(\d{1,3})\b|\b(\d{1,3})[- ]?(?:years?|yrs?|yo)"
    r"(?:[- ]old)?\b"
)
_CANT = (
    r"(?:can'?t|cannot|can not|unable to|hard to|hurts to|painful to|difficult to|"
    r"struggl\w* to|not able to|won'?t)"
)
_MOVES: list[tuple[re.Pattern[str], str | None]] = [
    (
        re.compile(
            rf"{_CANT}\s+(?:turn|rotate|look)\b(?:\s+\w+){{0,4}}?\s+(?:to\s+)?(?:the\s+)?"
            r"(left|right)\b"
        ),
        "rotation_{}",
    ),
    (
        re.compile(
            r"\bturning\s+(?:my\s+)?(?:head|neck)?\s*(?:to\s+)?(?:the\s+)?(left|right)\s+"
            r"(?:hurts|is painful|kills|is agony)"
        ),
        "rotation_{}",
    ),
    (
        re.compile(
            rf"{_CANT}\s+(?:tilt|lean|bend)\b(?:\s+\w+){{0,4}}?\s+(?:to\s+)?(?:the\s+)?"
            r"(left|right)\b"
        ),
        "side_bending_{}",
    ),
    (re.compile(rf"{_CANT}\s+(?:look\s+up|tilt\s+(?:my\s+)?head\s+back)"), "extension"),
    (
        re.compile(
            rf"{_CANT}\s+(?:look\s+down|bend\s+(?:my\s+)?(?:head|neck)\s+forward|"
            r"(?:touch|bend|put)\s+my\s+chin)"
        ),
        "flexion",
    ),
    (re.compile(rf"{_CANT}\s+(?:turn|move|rotate)\s+(?:my\s+)?(?:head|neck)\b"), None),
]
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _amount(word: str, words: dict[str, int]) -> float:
    word = word.strip()
    if word in words:
        return float(words[word])
    return float(word)


def _since(match: re.Match[str], now: datetime) -> datetime | None:
    phrase = match.group(1)
    today = now.replace(minute=0, second=0, microsecond=0)
    anchors = {
        "this morning": today.replace(hour=7),
        "this afternoon": today.replace(hour=13),
        "this evening": today.replace(hour=18),
        "last night": today.replace(hour=22) - timedelta(days=1),
        "yesterday": today.replace(hour=12) - timedelta(days=1),
        "yesterday morning": today.replace(hour=7) - timedelta(days=1),
        "yesterday afternoon": today.replace(hour=13) - timedelta(days=1),
        "yesterday evening": today.replace(hour=18) - timedelta(days=1),
    }
    if phrase in anchors:
        return anchors[phrase]
    if phrase == "the weekend":
        return today.replace(hour=12) - timedelta(days=(now.weekday() - 5) % 7 or 7)
    if phrase in _WEEKDAYS:
        back = (now.weekday() - _WEEKDAYS.index(phrase)) % 7 or 7
        return today.replace(hour=12) - timedelta(days=back)
    hour, minute, half = match.group(2), match.group(3), match.group(4)
    if hour is None or (minute is None and half is None):
        return None  # "since 3" alone is too vague
    clock = int(hour) % 12 + (12 if half == "pm" else 0) if half else int(hour)
    if clock > 23 or int(minute or 0) > 59:
        return None
    moment = now.replace(hour=clock, minute=int(minute or 0), second=0, microsecond=0)
    return moment if moment <= now else moment - timedelta(days=1)


def _numbers(
    text: str, now: datetime, words: dict[str, int]
) -> tuple[dict[str, Any], dict[str, str]]:
    found: dict[str, Any] = {}
    spans: dict[str, str] = {}
    intensities = [(m, _amount(m.group(1), words)) for m in _INTENSITY.finditer(text)]
    if intensities:
        match, value = max(intensities, key=lambda pair: pair[1])
        found["intensity"], spans["intensity"] = int(value), match.group(0)
    hours: list[tuple[re.Match[str], float]] = []
    for pattern in (_FOR, _AGO):
        for match in pattern.finditer(text):
            hours.append((match, _amount(match.group(1), words) * _UNITS[match.group(2)]))
    for match in _LAST_UNIT.finditer(text):
        hours.append((match, _UNITS[match.group(1)]))
    for match in _SINCE.finditer(text):
        since = _since(match, now)
        if since is not None:
            hours.append((match, max((now - since).total_seconds() / 3600, 0.0)))
    if hours:
        match, value = max(hours, key=lambda pair: pair[1])
        found["duration_hours"], spans["duration_hours"] = round(value, 2), match.group(0)
    for match in _AGE.finditer(text):
        age = int(match.group(1) or match.group(2))
        if 0 < age <= 110:
            found["age_years"], spans["age_years"] = age, match.group(0)
            break
    return found, spans


def _movements(text: str) -> tuple[list[str], bool]:
    moves: list[str] = []
    limited = False
    for pattern, template in _MOVES:
        for match in pattern.finditer(text):
            limited = True
            if template is not None:
                move = template.format(*match.groups()) if "{}" in template else template
                if move not in moves:
                    moves.append(move)
    return moves, limited


# --- the whole extraction ------------------------------------------------------------------


# When modifiers of different kinds reach a finding, the nearest decides; on a tie the
# earlier kind here wins, so a hedge beats a negation (asking is safer than dropping).
_CATEGORY_STATUS: dict[str, MentionStatus] = {
    "FAMILY": "family",
    "HYPOTHETICAL": "hypothetical",
    "HISTORICAL": "historical",
    "POSSIBLE_EXISTENCE": "uncertain",
    "NEGATED_EXISTENCE": "absent",
}
_TIE_ORDER = list(_CATEGORY_STATUS)


def _distance(ent: Any, modifier: Any) -> int:
    start, end = modifier.modifier_span
    gap: int = ent.start - end if end <= ent.start else max(start - ent.end, 0)
    return gap


def _status(ent: Any, modifiers: list[Any]) -> MentionStatus:
    ranked = [m for m in modifiers if m.category in _CATEGORY_STATUS]
    if not ranked:
        return "present"
    nearest = min(ranked, key=lambda m: (_distance(ent, m), _TIE_ORDER.index(m.category)))
    return _CATEGORY_STATUS[nearest.category]


def _far_negation(ent: Any, modifiers: list[Any]) -> bool:
    negations = [_distance(ent, m) for m in modifiers if m.category == "NEGATED_EXISTENCE"]
    return bool(negations) and min(negations) > FAR_NEGATION


def extract(text: str, *, now: datetime) -> Extraction:
    """Read ``text`` (what a person wrote about one episode) into an :class:`Extraction`."""
    pipe = _pipeline()
    # Same length as the text, so mention offsets point into what the person wrote; matching
    # is case-insensitive throughout.
    clean = text.replace("\u2019", "'")
    lowered = clean.lower()
    doc = pipe.nlp(clean)
    mentions: list[Mention] = []
    present: dict[str, None] = {}
    absent: dict[str, None] = {}
    uncertain: dict[str, None] = {}
    for ent in doc.ents:
        finding = ent.label_
        modifiers = list(ent._.modifiers)
        if finding in pipe.history_findings:  # "had cancer years ago" is still a history
            modifiers = [m for m in modifiers if m.category != "HISTORICAL"]
        status = _status(ent, modifiers)
        if status == "absent" and finding in pipe.warning_ids and _far_negation(ent, modifiers):
            status = "uncertain"
        if status == "uncertain" and finding not in pipe.warning_ids:
            status = "present"  # a hedged ordinary symptom is still worth recording
        mentions.append(
            Mention(
                finding=finding,
                text=ent.text,
                start=ent.start_char,
                end=ent.end_char,
                status=status,
            )
        )
        {"present": present, "absent": absent, "uncertain": uncertain}.get(status, {}).setdefault(
            finding
        )
    for finding, implied in pipe.implies.items():
        if finding in present:
            for other in implied:
                present.setdefault(other)
    moves, limited = _movements(lowered)
    if limited:
        present.setdefault("reduced_range_of_motion")
    numbers, spans = _numbers(lowered, now, pipe.number_words)
    onset = None
    if pipe.onset["sudden"].search(lowered):
        onset = "sudden"  # when both appear, sudden: the safer reading for triage
    elif pipe.onset["gradual"].search(lowered):
        onset = "gradual"
    if onset:
        numbers["onset"] = onset
    # Present anywhere wins over absent; a warning sign present or uncertain is never absent.
    absent_ids = [f for f in absent if f not in present and f not in uncertain]
    uncertain_ids = [f for f in uncertain if f not in present]
    document = Findings.model_validate({"findings": list(present), "absent": absent_ids, **numbers})
    return Extraction(
        document=document,
        uncertain=uncertain_ids,
        limited_movements=[Movement(m) for m in moves],
        mentions=mentions,
        numbers=spans,
    )
