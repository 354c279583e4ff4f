"""The rest of the form, read from the same text: numbers, times, age, who it is about,
where it hurts, which movements are stuck, triggers and remedies.

Small rules on the lower-cased text (regular expressions over words from ``nlp.yaml``).
Every reader returns what it found and the character spans it used, so that the
extraction can list what it could not place ("not understood").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

Span = tuple[int, int]

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_WORD_NUMBER = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four"
    r"|five|six|seven|eight|nine))?|zero|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)
_SCORE_WORD = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten)"


def number(text: str) -> float | None:
    """``"7"``, ``"seven"``, ``"seventy-two"``, ``"39,1"`` as a number, else None."""
    text = text.strip().lower().replace(",", ".")
    try:
        return float(text)
    except ValueError:
        pass
    if text in _SMALL:
        return float(_SMALL[text])
    parts = re.split(r"[- ]", text)
    if parts[0] in _TENS:
        unit = _SMALL.get(parts[1], -1) if len(parts) == 2 else 0
        if 0 <= unit <= 9:
            return float(_TENS[parts[0]] + unit)
    return None


def prepare(text: str) -> str:
    """The text as the readers see it: lower case, one kind of apostrophe, same length."""
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


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

_SCORE = rf"(10|[0-9]|{_SCORE_WORD})"
_NOT_A_SCORE_AFTER = (
    r"(?!\s*(?:[-/]?\s*(?:years?|yrs?|yo\b|y/o|year-old|yr-old|min|mins|minutes?|hours?|hrs?"
    r"|h\b|days?|weeks?|wks?|months?|k\b|km|miles?|mph|kg|kilos?|stone|am\b|pm\b|o'clock"
    r"|times|x\b|%|people|kids|children|sons?|daughters?|of them|of us|stairs|steps|cups?"
    r"|tablets?|paracetamol|ibuprofen|pills?|nights?|hour|more)|[.:,]\d|\d))"
)
_INTENSITY_PATTERNS = [
    re.compile(
        rf"\b{_SCORE}\s*(?:/|out of|outta|of|from|over|on a scale of)\s*(?:10|"
        rf"ten)\b(?!\s*(?:min|hour|day))"
    ),
    re.compile(
        rf"\bon a scale of (?:(?:0|1|one|zero) to )?(?:10|ten),?\s*(?:it'?s|"
        rf"its)?\s*(?:an?\s+)?{_SCORE}\b"
    ),
    re.compile(
        r"\b(?:like|about|around|roughly|maybe|probably|perhaps|approx\w*|say|says|said|rates?|"
        r"rated|rating|it'?s|its|it is|it was|only|solid|sharp|good|down to|up to|jumps? to|"
        r"goes up to|at worst|worst|now|still)"
        rf"\s+(?:it\s+)?(?:at\s+)?(?:an?\s+)?{_SCORE}\b{_NOT_A_SCORE_AFTER}"
    ),
    re.compile(
        r"\b(?:pain|neck|ache|score|level|intensity|sore|hurting|throbbing|sharp|spasm)'?s?"
        r"(?:\s+(?:is|was|about|around|at|of|maybe|is about|was about|today|now))*"
        rf"\s+(?:an?\s+)?{_SCORE}\b{_NOT_A_SCORE_AFTER}"
    ),
    re.compile(rf"\(\s*(?:[a-z]+,\s*)?{_SCORE}\s*\)"),
    re.compile(rf"\bputs? (?:the pain|it) at (?:an?\s+)?{_SCORE}\b"),
]


def intensity(lowered: str) -> tuple[int, Span] | None:
    """The worst pain score given: "6/10", "6 out of 10", "a 6", "around a 4", "seven"."""
    best: tuple[int, Span] | None = None
    for pattern in _INTENSITY_PATTERNS:
        for match in pattern.finditer(lowered):
            word = match.group(1)
            value = number(word)
            if value is None or not 0 <= value <= 10:
                continue
            if pattern is _INTENSITY_PATTERNS[4] and _age_context(lowered, match.start()):
                continue  # "My boy (8)"
            if best is None or value > best[0]:
                best = (int(value), match.span())
    return best


# --- age ---------------------------------------------------------------------------------

_AGE_NUMBER = rf"(\d{{1,3}}|{_WORD_NUMBER})"
_YEARS_OLD = (
    r"(?:\s*|-)(?:years?|yrs?|yr)(?:\s*|-)old\b|\s*(?:yo|y/o|y\.o\.)\b|-year-old\b|-yr-old\b"
)
_FIRST_PERSON_AGE = [
    re.compile(
        rf"\b(?:i'?m|i am|im)\s+(?:a\s+|now\s+|only\s+|nearly\s+|almost\s+)?{_AGE_NUMBER}"
        r"(?!\s*(?:weeks|days|hours|mins|minutes|%|kg|stone|cm|"
        r"miles|times|months|/|out|and a half weeks))"
        r"(?=\s*(?:years?|yrs?|yo\b|y/o|-year|,|\.|;|!|\)|$|and\b|"
        r"now\b|m\b|f\b|male|female|woman|man|"
        r"lady|guy|so\b|but\b|with\b|&|\s+(?:i|my|had|have|a|an|and|retired|on|in)\b))"
    ),
    re.compile(rf"\baged?\s*:?\s*{_AGE_NUMBER}\b"),
    re.compile(rf"(?:^|[.!?(]\s*|,\s*)(?:at\s+){_AGE_NUMBER}\s*,?\s*(?=i\b|my\b)"),
    re.compile(r"(?<![\w.])(\d{1,2})\s?([mf])\b(?![\w'])"),
    re.compile(rf"\b{_AGE_NUMBER}(?:{_YEARS_OLD})"),
    re.compile(
        rf"\b(?:man|woman|male|female|lady|gentleman|guy)\s+{_AGE_NUMBER}\s*(?:years?|yrs?)\b"
    ),
    re.compile(rf"\b{_AGE_NUMBER}\s+years?\s+(?:of age|woman|man|lady)\b"),
]


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
    theirs = [
        re.compile(rf"\b{person}'?s?\s*\(\s*{_AGE_NUMBER}\s*(?:years?|yrs?|yo)?\s*\)"),
        re.compile(rf"\b{person},\s*(?:aged\s+)?{_AGE_NUMBER}\s*(?:years?\s*old)?\s*[,.)]"),
        re.compile(
            rf"\b{person}(?:\s+(?:he|she|who))?\s*(?:is|'s|was|have|has|he is|she is)\s+(?:now\s+)?"
            rf"{_AGE_NUMBER}\b(?!\s*(?:weeks|days|hours|months|minutes|kg|/))"
        ),
        re.compile(rf"\b{person}\s+(?:aged\s+)?{_AGE_NUMBER}\s*(?:years?|yrs?|yo\b|y/o|\)|,|\.)"),
        re.compile(
            rf"\b(?:my|our|a|an)\s+{_AGE_NUMBER}(?:{_YEARS_OLD}|\s*yo\b|\s*-?\s*years?-old)"
        ),
        re.compile(
            rf"\b(?:my|our)\s+(?:little\s+)?{person}\s+(?:is\s+)?{_AGE_NUMBER}\b"
            r"(?!\s*(?:weeks|days|hours|months|minutes|kg|/|out))"
        ),
    ]
    names = re.compile(
        rf"(?:^|[.!?]\s+)(?:baby\s+|mr\.?\s+|mrs\.?\s+|ms\.?\s+)?[a-z]+(?:\s[a-z]\.?)?"
        rf"(?:\s*\(\s*{_AGE_NUMBER}\s*\)|,\s*(?:aged\s+)?{_AGE_NUMBER}\b|\s+is\s+{_AGE_NUMBER}\b)"
    )
    return theirs, names


def age(lowered: str, people: str, third_person: bool) -> tuple[int, Span] | None:
    """The age of the person the diary is about: "63M", "aged 9", "I'm seventy",
    "my boy (8)", "Our daughter, 14,", "a 63-year-old"."""
    theirs, names = _age_patterns(people)
    order = [*theirs, names, *_FIRST_PERSON_AGE] if third_person else [*_FIRST_PERSON_AGE, *theirs]
    if third_person:
        order.append(names)
    for pattern in order:
        for match in pattern.finditer(lowered):
            word = next((g for g in match.groups() if g), None)
            value = number(word) if word else None
            if value is None or not 0 <= value <= 110 or value != int(value):
                continue
            if pattern is _FIRST_PERSON_AGE[3] and value < 12:
                continue  # "5 f" is not an age; "34F" is
            return int(value), match.span()
    return None


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


# --- times and durations --------------------------------------------------------------------

_UNITS = {
    "min": 1 / 60, "mins": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60, "hr": 1, "hrs": 1,
    "hour": 1, "hours": 1, "h": 1, "day": 24, "days": 24, "week": 168, "weeks": 168,
    "wk": 168, "wks": 168, "fortnight": 336, "fortnights": 336, "month": 730, "months": 730,
    "night": 24, "nights": 24,
}  # fmt: skip
_UNIT = r"(min|mins|minutes?|hrs?|hours?|days?|weeks?|wks?|fortnights?|months?|nights?)"
_AMOUNT = (
    r"(\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fifteen|twenty|thirty|forty|a couple of|couple of|a few|few|several|half an?|an? half)"
)
_AMOUNTS = {
    "a": 1, "an": 1, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 3,
    "half a": 0.5, "half an": 0.5, "a half": 0.5, "an half": 0.5,
}  # fmt: skip
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY = (
    r"(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_DAY_PART = r"(morning|morn|afternoon|evening|night|nite|lunchtime|lunch|teatime|bedtime)"
_DAY_REF = re.compile(
    r"\b(?:"
    rf"(this|yesterday|yday|yest|last|tonight|today|earlier today|early this)\s*{_DAY_PART}?"
    rf"|(?:on\s+|last\s+|since\s+)?{_WEEKDAY}(?:'s)?\s*{_DAY_PART}?"
    r"|(the weekend|the wknd|the wkend)"
    r")\b"
)
_PART_HOUR = {
    "morning": 7, "morn": 7, "afternoon": 13, "evening": 18, "night": 22, "nite": 22,
    "lunchtime": 12, "lunch": 12, "teatime": 17, "bedtime": 22,
}  # fmt: skip
_CLOCK = re.compile(
    r"\b(?:at|since|around|about|from|by|till|until)\s+(?:about\s+|around\s+)?(\d{1,2})"
    r"(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'clock)?(?=\W|$)"
)


@dataclass
class Moment:
    at: datetime
    exact: bool  # a time of day, not only the day


@dataclass
class Times:
    started: Moment | None = None
    duration_hours: float | None = None
    ongoing: bool | None = None
    over: bool = False
    spans: list[Span] = field(default_factory=list)


def _amount(word: str) -> float:
    word = word.strip()
    if word in _AMOUNTS:
        return float(_AMOUNTS[word])
    value = number(word)
    return value if value is not None else 1.0


def _day(match: re.Match[str], now: datetime) -> Moment | None:
    """The moment a day reference names (the hour of its part of the day, if any)."""
    today = now.replace(minute=0, second=0, microsecond=0)
    which, part, weekday, part2, weekend = match.groups()
    part = part or part2
    if weekend:
        back = (now.weekday() - 5) % 7 or 7
        return Moment(today.replace(hour=12) - timedelta(days=back), exact=False)
    if weekday:
        index = next(i for i, name in enumerate(_WEEKDAYS) if name.startswith(weekday[:3]))
        back = (now.weekday() - index) % 7 or 7
        day = today - timedelta(days=back)
        if part == "night" or part == "nite":
            return Moment(day.replace(hour=22), exact=False)
        return Moment(day.replace(hour=_PART_HOUR.get(part or "", 12)), exact=False)
    if which in ("yesterday", "yday", "yest"):
        day = today - timedelta(days=1)
        return Moment(day.replace(hour=_PART_HOUR.get(part or "", 12)), exact=False)
    if which == "last":
        if part in ("night", "nite"):
            return Moment((today - timedelta(days=1)).replace(hour=22), exact=False)
        return None
    if which in ("this", "early this", "today", "earlier today", "tonight"):
        hour = _PART_HOUR.get(part or "", 7 if which != "tonight" else 19)
        moment = today.replace(hour=hour)
        if which == "this" and part is None:
            return None
        return Moment(min(moment, today), exact=False)
    return None


def _clock(match: re.Match[str], now: datetime, *, timed: bool = False) -> Moment | None:
    hour, minute, half = match.group(1), match.group(2), match.group(3)
    if half is None and minute is None and not timed:
        before = match.group(0)
        if not re.match(r"\s*(?:at|since)\b", before):
            return None
    value = int(hour)
    if half and half.startswith("p"):
        value = value % 12 + 12
    elif half and half.startswith("a"):
        value %= 12
    if value > 23 or int(minute or 0) > 59:
        return None
    moment = now.replace(hour=value, minute=int(minute or 0), second=0, microsecond=0)
    if moment > now and half is None and value < 12:
        moment = moment.replace(hour=value + 12) if value + 12 <= now.hour else moment
    if moment > now:
        moment -= timedelta(days=1)
    return Moment(moment, exact=True)


_START = (
    r"(?:started|start|starts|began|begun|begin|came on|come on|"
    r"kicked in|woke|wake|woken|waking|hit me|happened|went|did|developed|struck|"
    r"hurt|since)"
)
_OVER_SUBJECT = re.compile(
    r"\b(?:it|it all|the (?:pain|spasm|cramp|ache|episode|attack|neck pain)|this)\s+"
    r"(?:has\s+|had\s+|is\s+|all\s+)?(?:lasted|went away|gone|"
    r"passed|stopped|settled|cleared|eased off)"
)
_PRESENT_TENSE = re.compile(
    r"\b(?:is|are|'s|has been|have been|hurts|aches|keeps|feels|i have|he has|she has|won'?t)\b"
)
_ONGOING = re.compile(
    r"\b(?:since|still|ongoing|right now|rn|at the moment|ever since|"
    r"won'?t (?:shift|go away|budge|settle)"
    r"|all the time|been going on|keeps?|is now|now)\b"
)


def times(lowered: str, now: datetime, exclude: list[str]) -> Times:
    """When it started, how long it has lasted, whether it is still going on.

    "since Monday" (a day: the hour is unknown), "2 hours ago" (a time), "for three days",
    "lasted about an hour" (over), "since this morning", "started suddenly at 10"."""
    result = Times()
    sentences = list(_sentences(lowered))
    skip = re.compile(r"\b(?:" + "|".join(exclude) + r")") if exclude else None

    def excluded(start: int) -> bool:
        """Whether a time at ``start`` belongs to something else (a medicine, an operation,
        an infection): those words just before it, in the same clause."""
        clause = _clause_at(lowered, start)
        near = lowered[max(0, start - 45) : start]
        cut = max(near.rfind(","), near.rfind(" and "), near.rfind(" n "))
        near = near[cut + 1 :] if cut >= 0 else near
        return bool(skip and skip.search(near) and not re.search(r"\bsince\b", clause))

    # How long: "for 3 days", "3 days now", "lasted an hour", "for the past week".
    durations: list[tuple[float, Span, bool]] = []
    for match in re.finditer(
        rf"\b(?:for|lasted|lasting|over|about|around|been|it'?s been|since|from|going on|"
        rf"went away after|eased after|gone after)\s+"
        rf"(?:the\s+(?:past|last)\s+|about\s+|around\s+|roughly\s+|"
        rf"nearly\s+|almost\s+|over\s+|a good\s+|at least\s+)*"
        rf"{_AMOUNT}\s*{_UNIT}\b(?!\s+ago)",
        lowered,
    ):
        word = match.group(0).split()[0]
        if word in ("went", "eased", "gone"):
            word = "lasted"
        if (
            word in ("about", "around")
            and not re.search(r"\b(?:lasted|for|been)\s*$", lowered[: match.start()])
            and (
                word != "over"
                or not re.search(
                    r"\b(?:for|lasted)\b", lowered[max(0, match.start() - 15) : match.start()]
                )
            )
        ):
            continue
        if word == "from" and not re.search(r"\d|one|two|three|four|five", match.group(1)):
            continue
        hours = _amount(match.group(1)) * _UNITS[match.group(2)]
        if excluded(match.start()):
            continue
        durations.append((hours, match.span(), word in ("lasted", "lasting")))
    for match in re.finditer(
        rf"\b{_AMOUNT}\s*{_UNIT}\s+(?:now|of (?:neck|pain|this|"
        rf"it|terrible|bad|sore)|in a row|straight)\b",
        lowered,
    ):
        if not excluded(match.start()):
            durations.append(
                (_amount(match.group(1)) * _UNITS[match.group(2)], match.span(), False)
            )
    for match in re.finditer(
        r"\b(?:for|over|during)\s+(?:the\s+)?(?:past|last)\s+(hour|day|week|month|fortnight)\b",
        lowered,
    ):
        if not excluded(match.start()):
            durations.append((_UNITS[match.group(1)], match.span(), False))
    for match in re.finditer(r"\bfor\s+(?:a|one)\s+(hour|day|week|month|fortnight)\b", lowered):
        if not excluded(match.start()):
            durations.append((_UNITS[match.group(1)], match.span(), False))
    for match in re.finditer(
        r"\bfor (?:about |around )?(?:a |an )?(fortnight|half an hour|half hour)\b", lowered
    ):
        if not excluded(match.start()):
            durations.append((336.0 if "fortnight" in match.group(1) else 0.5, match.span(), False))
    if durations:
        lasted = [d for d in durations if d[2]]
        hours, span, was_lasted = lasted[0] if lasted else max(durations, key=lambda d: d[0])
        result.duration_hours = round(hours, 2)
        result.spans.append(span)
        if was_lasted:
            result.over = True

    # When it started.
    candidates: list[tuple[int, Moment, Span]] = []  # (priority, moment, span)
    moment: Moment | None
    for match in re.finditer(rf"\b{_AMOUNT}\s*{_UNIT}\s+ago\b", lowered):
        if excluded(match.start()):
            continue
        hours = _amount(match.group(1)) * _UNITS[match.group(2)]
        exact = hours < 24
        candidates.append((1, Moment(now - timedelta(hours=hours), exact=exact), match.span()))
    for match in re.finditer(r"\b(?:an|one|1)\s+hour\s+before\b", lowered):
        candidates.append((1, Moment(now - timedelta(hours=1), exact=True), match.span()))
    for sentence_start, sentence in sentences:
        for match in re.finditer(r"\bsince\b", sentence):
            at = sentence_start + match.start()
            rest = sentence[match.end() :]
            ref = _DAY_REF.search(rest[:120])
            clock = _CLOCK.search(sentence[match.start() :][:40])
            if re.match(
                r"\s*(?:i|he|she|we)\s+(?:got up|woke|woke up)|\s*waking|\s*(?:this )?morning\b",
                rest,
            ):
                candidates.append(
                    (
                        0,
                        Moment(now.replace(hour=7, minute=0, second=0, microsecond=0), False),
                        (at, at + 12),
                    )
                )
                continue
            if (
                clock
                and clock.start() == 0
                and not re.match(r"\s*/", sentence[match.start() + clock.end() :])
            ):
                moment = _clock(clock, now)
                if moment:
                    candidates.append((0, moment, (at, at + clock.end())))
                    continue
            amount = re.match(rf"\s*{_AMOUNT}\s*{_UNIT}\b", rest)
            if amount:
                continue  # "since three days" is a duration (read above)
            if ref and not re.search(r"[.;]", rest[: ref.start()]):
                moment = _day(ref, now)
                if moment:
                    candidates.append((0, moment, (at, sentence_start + match.end() + ref.end())))
                    continue
            # "neck been sore since", "since then": the day named before it.
            earlier = list(_DAY_REF.finditer(lowered[:at]))
            if (earlier and re.match(r"\s*(?:then|$|[.,;]|\w+\s*$)", rest)) or (
                earlier and not ref
            ):
                moment = _day(earlier[-1], now)
                if moment:
                    candidates.append((0, moment, (at, match.end() + sentence_start)))
    for match in re.finditer(rf"\b{_START}\b[^.;,]{{0,30}}?", lowered):
        ref = _DAY_REF.search(lowered, match.end(), match.end() + 30)
        if ref and ref.start() - match.end() < 25 and not excluded(ref.start()):
            clock = _CLOCK.search(lowered, match.start(), ref.end() + 25)
            moment = _clock(clock, now, timed=True) if clock else None
            if moment is None:
                moment = _day(ref, now)
            if moment:
                candidates.append((0, moment, ref.span()))
    nth = re.search(r"\b(\d+)(?:st|nd|rd|th) day\b", lowered)
    if nth and 1 <= int(nth.group(1)) <= 60:
        noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
        candidates.append(
            (1, Moment(noon - timedelta(days=int(nth.group(1)) - 1), False), nth.span())
        )
    for match in re.finditer(
        r"\b(?:from|since)\s+(?:the\s+)?morning\b|\b(?:at|since)\s+breakfast\b", lowered
    ):
        candidates.append(
            (1, Moment(now.replace(hour=7, minute=0, second=0, microsecond=0), False), match.span())
        )
    woke = re.search(r"\bwoke(?:n)?(?:\s+up)?\b", lowered)
    if woke and not _DAY_REF.search(lowered, woke.end(), woke.end() + 40):
        candidates.append(
            (3, Moment(now.replace(hour=7, minute=0, second=0, microsecond=0), False), woke.span())
        )
    for match in _CLOCK.finditer(lowered):
        if match.group(0).startswith("since"):
            continue
        clause = _clause_at(lowered, match.start())
        timed = match.group(3) or re.search(r"\b(?:morning|afternoon|evening|today)\b", clause)
        if (re.search(rf"\b{_START}", clause) or timed) and not excluded(match.start()):
            moment = _clock(match, now, timed=bool(timed))
            if moment:
                day = _DAY_REF.search(clause)
                if day and day.group(1) in ("yesterday", "yday", "yest"):
                    moment = Moment(
                        moment.at - timedelta(days=1)
                        if moment.at.date() == now.date()
                        else moment.at,
                        True,
                    )
                candidates.append((1, moment, match.span()))
    for match in _DAY_REF.finditer(lowered):
        if lowered[max(0, match.start() - 6) : match.start()].strip().endswith("since"):
            continue
        if match.group(1) == "last" and match.group(2) not in ("night", "nite"):
            continue
        clause = _clause_at(lowered, match.start())
        if excluded(match.start()) or re.search(
            r"\b(?:last (?:year|month|summer|winter)|years? ago|ago|used to)\b", clause
        ):
            continue
        moment = _day(match, now)
        if moment is None:
            continue
        relevant = re.search(
            rf"\b(?:{_START}|neck|pain|sore|ache|hurt|hurts|hurting|spasm|stiff|locked|crick|knot|"
            r"fell|fall|crash|crashed|tackle|tackled|thrown|threw|dived|hit|slipped|tripped|rear|"
            r"went over|came off|drive|drove|slept|gym|lifting|reached|pulled|strained|weak|numb|"
            r"tingl|dizzy|sick|fever|temperature|temp|headache|developed|vision|eye|swallow)",
            clause,
        )
        if relevant:
            candidates.append((2, moment, match.span()))
    if candidates:
        candidates.sort(key=lambda c: (c[0], c[2][0]))
        _priority, moment, span = candidates[0]
        result.started = moment
        result.spans.append(span)
    elif result.duration_hours is not None and not result.over:
        exact = result.duration_hours < 24
        result.started = Moment(now - timedelta(hours=result.duration_hours), exact=exact)

    if _OVER_SUBJECT.search(lowered) or result.over:
        result.ongoing = False
        result.over = True
    elif (
        _ONGOING.search(lowered)
        or result.started is not None
        or result.duration_hours is not None
        or _PRESENT_TENSE.search(lowered)
    ):
        result.ongoing = True
    if result.started is not None and result.duration_hours is None and result.ongoing:
        result.duration_hours = round(max((now - result.started.at).total_seconds() / 3600, 0.0), 2)
    return result


def _sentences(lowered: str) -> Iterator[tuple[int, str]]:
    start = 0
    for match in re.finditer(r"[.!?\n]+(?:\s+|$)|;\s*", lowered):
        yield start, lowered[start : match.end()]
        start = match.end()
    if start < len(lowered):
        yield start, lowered[start:]


def _clause_at(lowered: str, at: int) -> str:
    """The clause around position ``at`` (between punctuation or clause words)."""
    boundary = re.compile(r"[.!?;,()\n]|\s-\s|\bbut\b|\band now\b|\bn now\b")
    start = 0
    for match in boundary.finditer(lowered, 0, at):
        start = match.end()
    end_match = boundary.search(lowered, at)
    end = end_match.start() if end_match else len(lowered)
    return lowered[start:end]


# --- onset -------------------------------------------------------------------------------


def onset(
    lowered: str, sudden: re.Pattern[str], gradual: re.Pattern[str]
) -> tuple[str, Span] | None:
    """ "all at once", "out of nowhere" are sudden; "crept up", "bit by bit" gradual. When
    both appear, sudden (the safer reading). Already there on waking is neither."""
    match = sudden.search(lowered)
    if match:
        return "sudden", match.span()
    match = gradual.search(lowered)
    if match:
        return "gradual", match.span()
    return None


# --- where it hurts ----------------------------------------------------------------------

_SIDE = r"(left|right)"
_MOVE_BEFORE = re.compile(
    r"(?:turn|turns|turning|turned|look|looks|looking|tilt|tilts|tilting|tip|tipped|tipping|bend"
    r"|bending|lean|leaning|rotate|rotating|twist\w*|pull\w*|drift\w*|go|goes|keeps?|jerk\w*|to"
    r"|over (?:my|his|her|your)|tipped over|towards|toward|both|or)\s+(?:\w+\s+){0,2}$"
)
_OTHER_PART = re.compile(
    r"^[\s-]*(?:hand(?:ed)?\s+side\s+of\s+(?:my|his|her|the)\s+)?(?:side\s+of\s+(?:my|"
    r"his|her|the)\s+|)"
    r"(?:arm|arms|hand|hands|finger|fingers|thumb|eye|eyes|"
    r"eyelid|lid|pupil|cheek|face|leg|legs|knee"
    r"|foot|feet|ankle|hip|ear|temple|body|half|shoulder|shoulders|jaw|chest|side of (?:my|his|her)"
    r" (?:face|body)|wrist|elbow|toe|toes|breast|ribs?|lung|kidney|back)\b"
)


def regions(lowered: str) -> tuple[list[str], list[str], list[Span]]:
    """Neck zones (ids of :class:`neckcheck.vocab.Region`) and other areas (head, jaw,
    upper back, arms) named in the text, with the spans used."""
    zones: list[str] = []
    other: list[str] = []
    spans: list[Span] = []

    def add(target: list[str], *names: str) -> None:
        for name in names:
            if name not in target:
                target.append(name)

    text_has_neck = bool(
        re.search(r"\b(?:neck|nek|nape|skull|torticollis|crick|whiplash)\b", lowered)
    )
    for start, sentence in _sentences(lowered):
        for match in re.finditer(
            r"\bbetween (?:my |his |her |the )?shoulder[- ]?blades?|\bupper back\b", sentence
        ):
            add(other, "upper_back")
            spans.append((start + match.start(), start + match.end()))
        for match in re.finditer(
            r"\b(?:back|base|bottom) of (?:my |his |her |the )?(?:head|"
            r"skull)\b|\bback of the head\b|\bin back of head\b",
            sentence,
        ):
            add(other, "head")
            spans.append((start + match.start(), start + match.end()))
        level = None
        if re.search(
            r"\b(?:(?:just )?(?:under|below) (?:my |his |her |"
            r"the )?(?:skull|jaw)|top of (?:my |his |her |the )?neck|"
            r"upper neck|top of my neck|neck at the top|near the head|"
            r"at the top)\b",
            sentence,
        ):
            level = "upper"
        if re.search(
            r"\b(?:base of (?:my |his |her |the )?neck|lower neck|"
            r"bottom of (?:my |his |her |the )?neck|low down|lower part of (?:my |"
            r"his |her |the )?neck|at the base)\b",
            sentence,
        ):
            level = "lower" if level is None else "both"
        back = re.search(r"\bback of (?:my |his |her |the )?neck\b", sentence)
        sides: list[str] = []
        for match in re.finditer(
            rf"\b{_SIDE}(?:[- ]hand(?=[- ]side))?(?:[- ]sided?)?\b|\bboth sides\b|\beither side\b",
            sentence,
        ):
            before = sentence[max(0, match.start() - 30) : match.start()]
            after = sentence[match.end() : match.end() + 30]
            if _MOVE_BEFORE.search(before):
                continue
            if match.group(0).startswith(("both", "either")):
                if re.match(
                    r"\s+of (?:my|his|her|the) (?:neck|head)", after
                ) or not _OTHER_PART.match(after):
                    sides += ["left", "right"]
                    spans.append((start + match.start(), start + match.end()))
                continue
            if _OTHER_PART.match(after) or re.match(
                r"\s+of (?:my|his|her|the) (?:face|body)", after
            ):
                continue
            if text_has_neck and (
                re.match(r"^\s*(?:side\s+)?(?:of|on)\s+(?:my|his|her|the)\s+(?:neck|nek)", after)
                or re.search(
                    r"\b(?:neck|nek|nape|skull|spasm|knot|locked|stiff|"
                    r"sore|pain|ache|aching|hurts?|hurting|burning|"
                    r"throbbing|twitch\w*)\b",
                    sentence,
                )
                or not re.search(
                    r"\b(?:arm|hand|eye|face|leg|cheek|shoulder|jaw|finger)s?\b", sentence
                )
            ):
                sides.append(match.group(1))
                spans.append((start + match.start(), start + match.end()))
        neck_here = re.search(r"\b(?:neck|nek|nape)\b", sentence)
        sides = list(dict.fromkeys(sides))
        if sides and (neck_here or text_has_neck):
            for side in sides:
                levels = ["upper", "lower"] if level in (None, "both") else [level]
                for lvl in levels:
                    add(zones, f"{lvl}_{side}")
        elif back:
            add(zones, "upper_centre", "lower_centre")
            spans.append((start + back.start(), start + back.end()))
        elif level and neck_here:
            add(zones, f"{level}_centre" if level != "both" else "upper_centre")
            if level == "both":
                add(zones, "lower_centre")
        elif level == "upper" and re.search(
            r"\b(?:under|below) (?:my |his |her |the )?skull\b", sentence
        ):
            add(zones, "upper_centre")
        # Shoulders.
        for match in re.finditer(rf"\b(?:{_SIDE} shoulder|shoulder,? {_SIDE})\b", sentence):
            before = sentence[max(0, match.start() - 14) : match.start()]
            if re.search(r"over (?:my|his|her|your)\s*$|look\w*\s*$", before):
                continue
            add(zones, f"shoulder_{match.group(1) or match.group(2)}")
            spans.append((start + match.start(), start + match.end()))
        for match in re.finditer(
            r"\b(?:both (?:my |his |her )?shoulders|shoulders)\b(?!\s*blades?)", sentence
        ):
            before = sentence[max(0, match.start() - 14) : match.start()]
            if re.search(r"over (?:my|his|her|your)\s*$", before):
                continue
            add(zones, "shoulder_left", "shoulder_right")
            spans.append((start + match.start(), start + match.end()))
        # Jaw, with a side said in the same sentence.
        if re.search(r"\bjaw\b", sentence):
            jaw_side = re.search(
                rf"\b{_SIDE}\b(?:[- ]hand)?(?: side)?(?! (?:arm|hand|eye|leg|shoulder|cheek))",
                sentence,
            )
            if jaw_side and not re.search(r"\b(?:under|below) (?:the|my|his|her) jaw\b", sentence):
                add(other, f"jaw_{jaw_side.group(1)}")
        # Arms, when pain goes into them.
        for match in re.finditer(
            rf"\b(?:down|into|in|to|up)\s+(?:both\s+(?:of\s+)?(?:my|"
            rf"his|her)?\s*arms|(?:my|his|her|the)?\s*{_SIDE}\s+arm|"
            rf"both arms)\b",
            sentence,
        ):
            clause = _clause_at(lowered, start + match.start())
            if re.search(
                r"\b(?:pain|ache|aching|sore|hurt\w*|shoot\w*|burn\w*|"
                r"stab\w*|shock|goes|going|goin|go|radiat\w*|spread\w*|"
                r"running)\b",
                clause,
            ):
                side = match.group(1)
                if side:
                    add(other, f"arm_{side}")
                else:
                    add(other, "arm_left", "arm_right")
                spans.append((start + match.start(), start + match.end()))
        for match in re.finditer(rf"\b{_SIDE} arm (?:aching|aches|hurts|is sore|pain)\b", sentence):
            add(other, f"arm_{match.group(1)}")
    return zones, other, spans


# --- movements ---------------------------------------------------------------------------

_CANT_MOVE = (
    r"(?:can'?t|cant|cannot|can not|could ?n'?t|unable to|not able to|hard to|difficult to|"
    r"struggl\w* to|struggl\w*|won'?t|wont|will not|impossible to|barely|hardly|stiff|stiffly|"
    r"stuck|locked|definite no|no go|doesn'?t want to|don'?t want)"
)
_HURTS = (
    r"(?:hurts?|hurting|painful|pain|sore|worse|agony|stabbing|sharp|twinges?|burns?|kills|"
    r"uncomfortable|aches?|aching)"
)
_LIMIT = rf"(?:{_CANT_MOVE}|{_HURTS})"
_ABLE = re.compile(
    r"\b(?:can|could|able to)\s+(?:still\s+|now\s+)?(?:turn|"
    r"move|look|tilt|bend|nod|put|touch|get)\b"
    r"(?!\s*(?:but|though))"
)


def movements(lowered: str) -> tuple[list[str], bool, list[Span]]:
    """Movements that are stuck or painful (ids of :class:`neckcheck.vocab.Movement`),
    whether any limit was said, and the spans used."""
    found: list[str] = []
    spans: list[Span] = []
    limited = False

    def add(*names: str) -> None:
        for name in names:
            if name not in found:
                found.append(name)

    for start, sentence in _sentences(lowered):
        for clause_match in re.finditer(r"[^,;()]+", sentence):
            clause = clause_match.group(0)
            offset = start + clause_match.start()
            limit = re.search(_LIMIT, clause)
            cannot = re.search(_CANT_MOVE, clause)
            able = _ABLE.search(clause)
            if able and not re.search(
                r"\b(?:can'?t|cant|cannot|can not|couldn'?t|won'?t|unable)\b", clause
            ):
                # "he can turn both ways, it just hurts looking up": only what hurts counts
                limit_after = re.search(_LIMIT, clause[able.end() :])
                if not limit_after:
                    continue
            if not limit:
                continue
            head = r"(?:(?:my|his|her|the|your)\s+)?(?:head|neck|it)?\s*"
            before = len(found)
            for match in re.finditer(
                rf"\b(?:turn|turns|turning|turned|rotate|rotating|look|looking|looks)\s+{head}"
                rf"(?:to\s+(?:the\s+)?|towards\s+(?:the\s+)?)?{_SIDE}\b(?:\s+(?:side|shoulder))?",
                clause,
            ):
                add(f"rotation_{match.group(1)}")
                spans.append((offset + match.start(), offset + match.end()))
            for match in re.finditer(
                rf"\blook\w*\s+over\s+(?:my|his|her|your)\s+{_SIDE}\s+shoulder", clause
            ):
                add(f"rotation_{match.group(1)}")
                spans.append((offset + match.start(), offset + match.end()))
            for match in re.finditer(
                rf"\b(?:tilt|tilting|tilts|tip|tipping|lean|leaning|bend|bending|bends)\s+{head}"
                rf"(?:over\s+)?(?:to\s+(?:the\s+)?)?{_SIDE}\b",
                clause,
            ):
                add(f"side_bending_{match.group(1)}")
                spans.append((offset + match.start(), offset + match.end()))
            for match in re.finditer(
                r"\b(?:turn|turning|turns|move|moving|rotate)\w*\s+(?:(?:my|"
                r"his|her|the)\s+)?(?:head|neck|it)?\s*"
                r"(?:in\s+)?(?:both ways|either way|either direction|"
                r"left or right|left and right|both directions|side to side)",
                clause,
            ):
                add("rotation_left", "rotation_right")
                spans.append((offset + match.start(), offset + match.end()))
            if re.search(r"\b(?:every|all|any) directions?\b", clause) and re.search(
                r"\b(?:move|turn)\w*", clause
            ):
                add(
                    "flexion",
                    "extension",
                    "rotation_left",
                    "rotation_right",
                    "side_bending_left",
                    "side_bending_right",
                )
            for match in re.finditer(
                r"\b(?:look|looks|looking|looked|glanc\w*)\s+up\b|"
                r"\bup at the (?:ceiling|top shelf|sky)\b|\b(?:tilt|"
                r"tip)\w*\s+(?:my|his|her)?\s*head\s+back\b",
                clause,
            ):
                add("extension")
                spans.append((offset + match.start(), offset + match.end()))
            for match in re.finditer(
                r"\b(?:look|looks|looking|looked)\s+down\b|\bbend\w*\s+(?:it|"
                r"(?:my|his|her)?\s*(?:head|neck|chin))\s+(?:forward|"
                r"down)\b"
                r"|\bnod\w*\b|\b(?:chin|head)\s+(?:down\s+)?(?:to|"
                r"on|onto|near|towards?)\s+(?:my|his|her|the)?\s*chest\b"
                r"|\bchest with (?:my|his|her|the)? ?chin\b",
                clause,
            ):
                if "chest" in match.group(0) and not re.search(
                    r"\b(?:can'?t|cant|cannot|can not|couldn'?t|won'?t|"
                    r"unable|not able|anywhere near)\b",
                    clause,
                ):
                    continue
                add("flexion")
                spans.append((offset + match.start(), offset + match.end()))
            if cannot and len(found) > before:
                limited = True
            if re.search(
                rf"{_CANT_MOVE}\s+(?:to\s+)?(?:turn|move|rotate)\s+(?:(?:my|"
                rf"his|her|the)\s+)?(?:head|neck|it)\b",
                clause,
            ) or re.search(
                r"\b(?:won'?t|wont|can'?t|cant|cannot|can not|unable to|"
                r"doesn'?t want to|don'?t want) (?:turn|move)\b",
                clause,
            ):
                limited = True
    return found, limited, spans


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
    for start, sentence in _sentences(lowered):
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


def any_of(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
