"""Numbers in the text: number words, temperatures, the pain score and the age."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from neckcheck.nlp.details.text import Span, prepare


@dataclass(frozen=True)
class NumberWords:
    """Numbers written as words (``nlp.yaml``: ``number_words``, ``amount_words``): "seven
    out of ten", "I'm seventy-two" (a ten and a unit), "for a couple of days"."""

    cardinals: dict[str, int]
    amounts: dict[str, float]

    @functools.cached_property
    def _tens(self) -> dict[str, int]:
        return {w: v for w, v in self.cardinals.items() if v >= 20 and v % 10 == 0}

    @functools.cached_property
    def _units(self) -> dict[str, int]:
        return {w: v for w, v in self.cardinals.items() if 1 <= v <= 9}

    @functools.cached_property
    def word_number(self) -> str:
        """A pattern for a number in words, "seventy-two" included."""
        tens, units = _alternatives(self._tens), _alternatives(self._units)
        rest = _alternatives(w for w in self.cardinals if w not in self._tens)
        return rf"(?:(?:{tens})(?:[- ](?:{units}))?|{rest})"

    @functools.cached_property
    def score_word(self) -> str:
        """A pattern for a pain score in words (zero to ten)."""
        return rf"(?:{_alternatives(w for w, v in self.cardinals.items() if v <= 10)})"

    @functools.cached_property
    def amount(self) -> str:
        """A pattern (one group) for how many of a unit of time: a number or an amount."""
        return rf"(\d+(?:\.\d+)?|{self.word_number}|{_alternatives(self.amounts)})"

    def value(self, text: str) -> float | None:
        """``"7"``, ``"seven"``, ``"seventy-two"``, ``"39,1"``, ``"a couple of"`` as a number."""
        text = " ".join(text.strip().lower().replace(",", ".").split())
        try:
            return float(text)
        except ValueError:
            pass
        if text in self.amounts:
            return float(self.amounts[text])
        if text in self.cardinals:
            return float(self.cardinals[text])
        parts = re.split(r"[- ]", text)
        if len(parts) == 2 and parts[0] in self._tens and parts[1] in self._units:
            return float(self._tens[parts[0]] + self._units[parts[1]])
        return None


def _alternatives(words: Iterable[str]) -> str:
    """Words as regex alternatives, longest first (a space matches any run of spaces)."""
    items = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items)


@functools.cache
def number_words() -> NumberWords:
    """The number words of ``nlp.yaml``, read once."""
    from neckcheck.knowledge import load

    data = load().nlp
    return NumberWords(dict(data.number_words), dict(data.amount_words))


def number(text: str) -> float | None:
    """``"7"``, ``"seven"``, ``"seventy-two"``, ``"39,1"`` as a number, else None."""
    return number_words().value(text)


# --- temperature -------------------------------------------------------------------------

_TEMP_WORDS = r"(?:temp|temps|temperature|temperatures|fever|thermometer|running|ran|was|of|at)"
_READING = re.compile(
    r"(?<![\w.,/])(\d{2,3})(?:[.,](\d))?(?:\s*(°\s*[cf]?|degrees?(?:\s*[cf]\b)?|[cf]\b))?"
    r"(?![\w/]|[.,]\d|\s*(?:/|out of|outta|of 10|from 10|mph|km|kg|%|kilos?|years?|yrs?|yo\b))"
)


def temperature_readings(text: str) -> list[tuple[int, int, float]]:
    """Body temperatures stated in the text: (start, end, degrees Celsius).

    A number is a reading when it has a decimal or a unit and lies in a body's range, or
    when a word such as "temp" or "fever" stands just before or after it: "38.9",
    "39,1", "101.5F", "100.8°F", "a temp of 40", "a 101 temp". Fahrenheit is converted."""
    lowered = prepare(text)
    found = []
    for match in _READING.finditer(lowered):
        whole, tenth, unit = match.group(1), match.group(2), match.group(3)
        value = float(whole + ("." + tenth if tenth else ""))
        before = lowered[max(0, match.start() - 30) : match.start()]
        after = lowered[match.end() : match.end() + 25]
        near_word = bool(
            re.search(rf"\b{_TEMP_WORDS}\W*(?:\w+\W+){{0,2}}$", before)
            and re.search(r"\b(?:temp\w*|fever\w*|thermometer|running|ran)\b", before)
        ) or bool(re.match(r"\W*(?:temp\w*|fever|on the (?:ear )?thermometer)\b", after))
        fahrenheit = (unit or "").strip().endswith("f") or 94 <= value <= 108
        celsius = 34 <= value <= 43.5
        if not (fahrenheit or celsius):
            continue
        if not (tenth or unit or near_word):
            continue
        if fahrenheit and not celsius:
            value = round((value - 32) * 5 / 9, 1)
            if not 34 <= value <= 43.5:
                continue
        found.append((match.start(), match.end(), value))
    return found


# --- pain score ---------------------------------------------------------------------------

_NOT_A_SCORE_AFTER = (
    r"(?!\s*(?:[-/]?\s*(?:years?|yrs?|yo\b|y/o|year-old|yr-old|min|mins|minutes?|hours?|hrs?"
    r"|h\b|days?|weeks?|wks?|months?|k\b|km|miles?|mph|kg|kilos?|stone|am\b|pm\b|o'clock"
    r"|times|x\b|%|people|kids|children|sons?|daughters?|of them|of us|stairs|steps|cups?"
    r"|tablets?|paracetamol|ibuprofen|pills?|nights?|hour|more)|[.:,]\d|\d))"
)


@functools.cache
def _intensity_patterns() -> list[re.Pattern[str]]:
    score = rf"(10|[0-9]|{number_words().score_word})"
    return [
        re.compile(
            rf"\b{score}\s*(?:/|out of|outta|of|from|over|on a scale of)\s*(?:10|"
            rf"ten)\b(?!\s*(?:min|hour|day))"
        ),
        re.compile(
            rf"\bon a scale of (?:(?:0|1|one|zero) to )?(?:10|ten),?\s*(?:it'?s|"
            rf"its)?\s*(?:an?\s+)?{score}\b"
        ),
        re.compile(
            r"\b(?:like|about|around|roughly|maybe|probably|perhaps|approx\w*|say|says|said|rates?|"
            r"rated|rating|it'?s|its|it is|it was|only|solid|sharp|good|down to|up to|jumps? to|"
            r"goes up to|at worst|worst|now|still)"
            rf"\s+(?:it\s+)?(?:at\s+)?(?:an?\s+)?{score}\b{_NOT_A_SCORE_AFTER}"
        ),
        re.compile(
            r"\b(?:pain|neck|ache|score|level|intensity|sore|hurting|throbbing|sharp|spasm)'?s?"
            r"(?:\s+(?:is|was|about|around|at|of|maybe|is about|was about|today|now))*"
            rf"\s+(?:an?\s+)?{score}\b{_NOT_A_SCORE_AFTER}"
        ),
        re.compile(rf"\(\s*(?:[a-z]+,\s*)?{score}\s*\)"),
        re.compile(rf"\bputs? (?:the pain|it) at (?:an?\s+)?{score}\b"),
    ]


def intensity(lowered: str) -> tuple[int, Span] | None:
    """The worst pain score given: "6/10", "6 out of 10", "a 6", "around a 4", "seven"."""
    best: tuple[int, Span] | None = None
    patterns = _intensity_patterns()
    for pattern in patterns:
        for match in pattern.finditer(lowered):
            word = match.group(1)
            value = number(word)
            if value is None or not 0 <= value <= 10:
                continue
            if pattern is patterns[4] and _age_context(lowered, match.start()):
                continue  # "My boy (8)"
            if best is None or value > best[0]:
                best = (int(value), match.span())
    return best


# --- age ---------------------------------------------------------------------------------

_YEARS_OLD = (
    r"(?:\s*|-)(?:years?|yrs?|yr)(?:\s*|-)olds?\b|\s*(?:yo|y/o|y\.o\.)\b|-year-olds?\b|-yr-old\b"
)


@functools.cache
def _first_person_age() -> list[re.Pattern[str]]:
    age_number = _age_number()
    return [
        re.compile(
            rf"\b(?:i'?m|i am|im)\s+(?:a\s+|now\s+|only\s+|nearly\s+|almost\s+)?{age_number}"
            r"(?!\s*(?:weeks|days|hours|mins|minutes|%|kg|stone|cm|"
            r"miles|times|months|/|out|and a half weeks))"
            r"(?=\s*(?:years?|yrs?|yo\b|y/o|-year|,|\.|;|!|\)|$|and\b|"
            r"now\b|m\b|f\b|male|female|woman|man|"
            r"lady|guy|so\b|but\b|with\b|&|\s+(?:i|my|had|have|a|an|and|retired|on|in)\b))"
        ),
        re.compile(rf"\baged?\s*:?\s*{age_number}\b"),
        re.compile(rf"(?:^|[.!?(]\s*|,\s*)(?:at\s+){age_number}\s*,?\s*(?=i\b|my\b)"),
        re.compile(r"(?<![\w.])(\d{1,2})\s?([mf])\b(?![\w'])"),
        re.compile(rf"\b{age_number}(?:{_YEARS_OLD})"),
        re.compile(
            rf"\b(?:man|woman|male|female|lady|gentleman|guy)\s+{age_number}\s*(?:years?|yrs?)\b"
        ),
        re.compile(rf"\b{age_number}\s+years?\s+(?:of age|woman|man|lady)\b"),
    ]


def _age_number() -> str:
    return rf"(\d{{1,3}}|{number_words().word_number})"


def _age_context(lowered: str, at: int) -> bool:
    """Whether a number in brackets at ``at`` follows a person ("my boy (8)")."""
    before = lowered[max(0, at - 25) : at]
    return bool(
        re.search(
            r"(?:son|daughter|boy|girl|lad|kid|child|toddler|baby|husband|wife|partner|hubby|mum|"
            r"mom|mother|dad|father|gran|granny|grandma|nan|grandad|grandpa|grandfather|"
            r"grandmother|brother|sister|aunt|uncle|nephew|niece|friend|[a-z]{2,})\s*$",
            before,
        )
    ) and not re.search(r"(?:pain|neck|hurting|ache|sore|throbbing|sharp|spasm)\w*,?\s*$", before)


@functools.lru_cache(maxsize=4)
def _age_patterns(people: str) -> tuple[list[re.Pattern[str]], re.Pattern[str]]:
    person = rf"(?:{people})"
    age_number = _age_number()
    theirs = [
        re.compile(rf"\b{person}'?s?\s*\(\s*{age_number}\s*(?:years?|yrs?|yo)?\s*\)"),
        re.compile(rf"\b{person},\s*(?:aged\s+)?{age_number}\s*(?:years?\s*old)?\s*[,.)]"),
        re.compile(
            rf"\b{person}(?:\s+(?:he|she|who))?\s*(?:is|'s|was|have|has|he is|she is)\s+(?:now\s+)?"
            rf"{age_number}\b(?!\s*(?:weeks|days|hours|months|minutes|kg|/))"
        ),
        re.compile(rf"\b{person}\s+(?:aged\s+)?{age_number}\s*(?:years?|yrs?|yo\b|y/o|\)|,|\.)"),
        re.compile(rf"\b(?:my|our|a|an)\s+{age_number}(?:{_YEARS_OLD}|\s*yo\b|\s*-?\s*years?-old)"),
        re.compile(
            rf"\b(?:my|our)\s+(?:little\s+)?{person}\s+(?:is\s+)?{age_number}\b"
            r"(?!\s*(?:weeks|days|hours|months|minutes|kg|/|out))"
        ),
    ]
    names = re.compile(
        rf"(?:^|[.!?]\s+)(?:baby\s+|mr\.?\s+|mrs\.?\s+|ms\.?\s+)?[a-z]+(?:\s[a-z]\.?)?"
        rf"(?:\s*\(\s*{age_number}\s*\)|,\s*(?:aged\s+)?{age_number}\b|\s+is\s+{age_number}\b)"
    )
    return theirs, names


def age(lowered: str, people: str, third_person: bool) -> tuple[int, Span] | None:
    """The age of the person the diary is about: "63M", "aged 9", "I'm seventy",
    "my boy (8)", "Our daughter, 14,", "a 63-year-old"."""
    theirs, names = _age_patterns(people)
    first = _first_person_age()
    order = [*theirs, names, *first] if third_person else [*first, *theirs]
    if third_person:
        order.append(names)
    for pattern in order:
        for match in pattern.finditer(lowered):
            word = next((g for g in match.groups() if g), None)
            value = number(word) if word else None
            if value is None or not 0 <= value <= 110 or value != int(value):
                continue
            if pattern is first[3] and value < 12:
                continue  # "5 f" is not an age; "34F" is
            return int(value), match.span()
    return None
