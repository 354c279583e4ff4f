"""When it started, how long it has lasted, whether it is over, and how it began."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from neckcheck.nlp.details.numbers import number, number_words
from neckcheck.nlp.details.text import Span, clause_at, sentences

# --- times and durations --------------------------------------------------------------------

_UNITS = {
    "min": 1 / 60, "mins": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60, "hr": 1, "hrs": 1,
    "hour": 1, "hours": 1, "h": 1, "day": 24, "days": 24, "week": 168, "weeks": 168,
    "wk": 168, "wks": 168, "fortnight": 336, "fortnights": 336, "month": 730, "months": 730,
    "night": 24, "nights": 24,
}  # fmt: skip
_UNIT = r"(min|mins|minutes?|hrs?|hours?|days?|weeks?|wks?|fortnights?|months?|nights?)"
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
    amount = number_words().amount
    parts = list(sentences(lowered))
    skip = re.compile(r"\b(?:" + "|".join(exclude) + r")") if exclude else None

    def excluded(start: int) -> bool:
        """Whether a time at ``start`` belongs to something else (a medicine, an operation,
        an infection): those words just before it, in the same clause."""
        clause = clause_at(lowered, start)
        near = lowered[max(0, start - 45) : start]
        cut = max(near.rfind(","), near.rfind(" and "), near.rfind(" n "))
        near = near[cut + 1 :] if cut >= 0 else near
        return bool(skip and skip.search(near) and not re.search(r"\bsince\b", clause))

    # How long: "for 3 days", "3 days now", "lasted an hour", "for the past week".
    durations: list[tuple[float, Span, bool]] = []
    for match in re.finditer(
        rf"\b(?:for|lasted|lasting|over|about|around|been|it'?s been|since|from|going on|"
        rf"went away after|eased after|gone after)\s+"
        rf"(?:(?:the\s+)?(?:past|last)\s+|about\s+|around\s+|roughly\s+|"
        rf"nearly\s+|almost\s+|over\s+|a good\s+|at least\s+)*"
        rf"{amount}\s*{_UNIT}\b(?!\s+ago)",
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
        rf"\b{amount}\s*{_UNIT}\s+(?:now|of (?:neck|pain|this|"
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
    for match in re.finditer(rf"\b{amount}\s*{_UNIT}\s+ago\b", lowered):
        if excluded(match.start()):
            continue
        hours = _amount(match.group(1)) * _UNITS[match.group(2)]
        exact = hours < 24
        candidates.append((1, Moment(now - timedelta(hours=hours), exact=exact), match.span()))
    for match in re.finditer(r"\b(?:an|one|1)\s+hour\s+before\b", lowered):
        candidates.append((1, Moment(now - timedelta(hours=1), exact=True), match.span()))
    for sentence_start, sentence in parts:
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
            if re.match(rf"\s*{amount}\s*{_UNIT}\b", rest):
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
        clause = clause_at(lowered, match.start())
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
        clause = clause_at(lowered, match.start())
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
