"""Turn what a person writes into a findings document and a form they can check.

    >>> result = extract("woke up and my neck locked, can't turn my head left, sharp pain "
    ...                  "down my right arm, no fever, bit dizzy", now=now)
    >>> sorted(result.document.findings)
    ['cramping_knot', 'dizziness', 'neck_pain', 'pain_radiates_arm', 'pain_sharp',
     'reduced_range_of_motion']
    >>> result.document.absent, [m.value for m in result.limited_movements]
    (['fever'], ['rotation_left'])

How it reads text (see ``nlp/pipeline.py`` for the spaCy part and ``nlp/details.py`` for
the rest of the form):

* findings: medspaCy's TargetMatcher with the catalogue's synonyms and the lay lexicon of
  ``knowledge/data/nlp.yaml`` (phrases and patterns: "neck" near a pain word is neck pain),
  on normalised words (lemmas, abbreviations, spelling mistakes corrected against the
  lexicon's own words);
* what is said about each mention: medspaCy's ConText with neckcheck's rules. Negation
  stops at a new clause ("no headache, arm tingling"); "was feverish on Sunday, fine now"
  is a past mention; "slightly woozy?" is a hedge; "family history of..." is not the
  person's own, while a text about "my daughter (8)" is about her;
* a few findings are read from two things said together ("headache" and "in seconds" is a
  thunderclap headache; "stiff neck" with a fever or a headache asks the chin-to-chest
  question);
* the rest of the form (numbers, times, age, areas, movements, triggers, remedies) from
  small rules; what could not be placed is listed in ``not_understood``.

Safety first: a warning sign that is hedged, or negated by a word far from it, comes back
``uncertain`` (asked first), never dropped. The pipeline is built once, on the first call
(or by :func:`warm` in the background), and reused.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from neckcheck.domain import Findings, Movement
from neckcheck.nlp import details
from neckcheck.vocab import Helped, PainQuality, Region

MentionStatus = Literal["present", "absent", "historical", "hypothetical", "family", "uncertain"]
# A negation word further than this many tokens from a warning sign makes it uncertain.
FAR_NEGATION = 5
Precision = Literal["time", "day"]


class Mention(BaseModel):
    """One place in the text that speaks of a finding, and what it says about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: str
    text: str
    start: int
    end: int
    status: MentionStatus


class RemedyTried(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    remedy: str
    helped: Helped | None = None  # None: the text does not say


class Extraction(BaseModel):
    """What was understood: the findings document plus the rest of the form, and what
    needs a person's check (hedges, past mentions, what could not be placed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Findings
    uncertain: list[str]
    past: list[str] = Field(default_factory=list)
    limited_movements: list[Movement]
    mentions: list[Mention]
    numbers: dict[str, str]
    regions: list[Region] = Field(default_factory=list)
    other_areas: list[str] = Field(
        default_factory=list,
        description="Areas around the neck, kept apart from its zones: head, jaw_left/right, "
        "upper_back, arm_left/right (`areas` gives both as diagram regions).",
    )
    pain_qualities: list[PainQuality] = Field(default_factory=list)
    triggers: list[str] = Field(default_factory=list)
    remedies: list[RemedyTried] = Field(default_factory=list)
    started_at: datetime | None = Field(
        None, description="When it started; with started_precision 'day' only the day is known."
    )
    started_precision: Precision | None = None
    ended_at: datetime | None = None
    ongoing: bool | None = None
    temperature_c: float | None = None
    about: str | None = Field(None, description="Who the text is about, when not the writer.")
    not_understood: list[str] = Field(default_factory=list)

    @property
    def areas(self) -> list[Region]:
        """Every area named that the neck diagram has: the neck's zones, then the areas
        around it (head, jaw, upper back, arms)."""
        around = [Region(a) for a in self.other_areas if a in Region.__members__]
        return list(dict.fromkeys([*self.regions, *around]))


@dataclass(frozen=True)
class _Reader:
    pipeline: Any
    warning_ids: frozenset[str]
    implies: dict[str, list[str]]
    history_findings: frozenset[str]
    recent_findings: frozenset[str]
    combine: list[Any]
    sudden: re.Pattern[str]
    gradual: re.Pattern[str]
    qualities: dict[str, re.Pattern[str]]
    triggers: dict[str, re.Pattern[str]]
    remedies: dict[str, re.Pattern[str]]
    helped: dict[str, re.Pattern[str]]
    not_tried: re.Pattern[str]
    relations: list[str]
    people: str
    body_parts: list[str]
    time_exclude: list[str]


_LOCK = threading.Lock()


@functools.cache
def _pipeline() -> _Reader:
    """Build the pipeline once (a second or two); later calls reuse it."""
    from neckcheck.knowledge import load
    from neckcheck.nlp.pipeline import build

    kb = load()
    data = kb.nlp
    extra = data.details
    pattern = details.phrases_pattern
    relations = [word for words in extra.people.values() for word in words]
    return _Reader(
        pipeline=build(kb),
        warning_ids=_warning_ids(kb),
        implies=dict(data.implies),
        history_findings=frozenset(data.history_findings),
        recent_findings=frozenset(data.recent_findings),
        combine=list(data.combine),
        sudden=pattern(data.onset["sudden"]),
        gradual=pattern(data.onset["gradual"]),
        qualities={q: pattern(words) for q, words in extra.qualities.items()},
        triggers={t: pattern(words) for t, words in extra.triggers.items()},
        remedies={r: pattern(words) for r, words in extra.remedies.items()},
        helped={h: pattern(words) for h, words in extra.helped.items()},
        not_tried=re.compile(
            r"(?:"
            + "|".join(w.replace(" ", r"\s+") for w in extra.not_tried)
            + r")\W*(?:\w+\W+){0,3}$"
        ),
        relations=relations,
        people=details.any_of(relations),
        body_parts=list(extra.body_parts.get("neck_and_body", [])),
        time_exclude=list(extra.body_parts.get("not_the_episode", [])),
    )


def _warning_ids(kb: Any) -> frozenset[str]:
    """Findings the triage acts on at urgent or emergency level, alone or with others."""
    from neckcheck.knowledge.models import finding_ids_in

    ids = {fid for rule in kb.rules if rule.level.rank <= 1 for fid in finding_ids_in(rule.when)}
    return frozenset(ids | set(kb.warning_sign_ids))


def warm() -> None:
    """Build the pipeline now (the web app calls this in a background thread at start, so
    the first description a person sends is read at full speed)."""
    with _LOCK:
        _pipeline()
    extract("warm up: neck pain", now=datetime(2026, 1, 1))


def _reader() -> _Reader:
    with _LOCK:
        return _pipeline()


# --- statuses --------------------------------------------------------------------------------


def _distance(span: Any, modifier: Any) -> int:
    start, end = modifier.modifier_span
    gap: int = span.start - end if end <= span.start else max(start - span.end, 0)
    return gap


@dataclass
class _Said:
    """The ConText categories that reach a mention, each with its nearest distance."""

    nearest: dict[str, int]
    cues: dict[str, str]

    def has(self, category: str) -> bool:
        return category in self.nearest


def _said(span: Any, about: details.Subject, history: bool, recent: bool) -> _Said:
    nearest: dict[str, int] = {}
    cues: dict[str, str] = {}
    for modifier in span._.modifiers:
        category = modifier.category
        start, end = modifier.modifier_span
        cue = span.doc[start:end].text.lower()
        if category == "FAMILY" and about.third_person and about.word and about.word.lower() in cue:
            continue  # "Mum (78) ... mum has": the person described is the one the diary is about
        if category in ("HISTORICAL", "PAST_TIME", "INDICATION") and history:
            continue  # "had cancer years ago", "treatment for lung cancer": still a history
        if category == "PAST_TIME" and recent:
            continue  # "an ear infection last week" is a recent infection
        distance = _distance(span, modifier)
        if category not in nearest or distance < nearest[category]:
            nearest[category] = distance
            cues[category] = cue
    return _Said(nearest, cues)


def _status(
    said: _Said, *, warning: bool, base: MentionStatus = "present", past_day: bool = False
) -> MentionStatus:
    if said.has("FAMILY"):
        return "family"
    if said.has("HYPOTHETICAL") or said.has("INDICATION"):
        return "hypothetical"
    if said.has("HISTORICAL"):
        return "historical"
    if said.has("RESOLVED"):
        return "historical" if said.has("PAST_TIME") or past_day else "absent"
    negated = said.nearest.get("NEGATED_EXISTENCE")
    hedged = said.nearest.get("POSSIBLE_EXISTENCE")
    if hedged is not None and (negated is None or hedged <= negated):
        return "uncertain"
    if negated is not None:
        if base == "absent":
            return "absent"
        if warning and negated > FAR_NEGATION:
            return "uncertain"
        return "absent"
    return base


def _reading_status(value: float) -> MentionStatus:
    if value >= 38.0:
        return "present"
    if value < 37.5:
        return "absent"
    return "uncertain"


# --- the whole extraction --------------------------------------------------------------------


@dataclass
class _Found:
    label: str
    span: Any
    status: MentionStatus
    value: float | None = None  # a temperature reading's, in degrees Celsius
    past_time: bool = False  # a day in the past is said of it ("on Sunday")


# A run of marks ("??????", ",,,,", "!!!!!!!!"): the first three say all it says.
_MARKS = re.compile(r"[^\w\s]{4,}")


def _calm(text: str) -> str:
    """``text`` with every run of more than three marks cut to its first three, the rest
    blanked (so the text keeps its length and offsets). Each mark is a token, and many a
    terminator or a hedge of the text's reading (ConText): a run adds nothing a few do not
    say, and bounds how many a text of any length can hold."""
    return _MARKS.sub(lambda run: run[0][:3] + " " * (len(run[0]) - 3), text)


def extract(text: str, *, now: datetime) -> Extraction:
    """Read ``text`` (what a person wrote about one episode) into an :class:`Extraction`.

    ``now`` is when it was written: "2 hours ago" and "since Monday" are read against it."""
    from neckcheck.nlp.pipeline import (
        AUX_GROUP,
        CUE,
        DENIAL,
        EXCLUDE,
        PAIN_WORD,
        READING,
        SPAN_GROUP,
    )

    reader = _reader()
    # Same length as the text, so mention offsets point into what the person wrote.
    clean = _calm(text.replace("\u2019", "'").replace("\u2018", "'"))
    lowered = clean.lower()
    doc = reader.pipeline.nlp(clean)
    about = details.subject(clean, lowered, reader.relations, reader.body_parts)
    spans = [*doc.spans[SPAN_GROUP], *doc.spans[AUX_GROUP]]
    excluded = [s for s in spans if s.label_.startswith(EXCLUDE)]
    denials = [s for s in spans if s.label_.startswith(DENIAL)]
    readings = {(start, end): value for start, end, value in details.temperature_readings(clean)}

    past_days = _sentences_with_past_day(doc)
    found: list[_Found] = []
    cues: list[Any] = []
    for span in spans:
        label = span.label_
        if label.startswith(EXCLUDE):
            continue
        if label.startswith(CUE):
            cues.append(span)
            continue
        finding = label[len(DENIAL) :] if label.startswith(DENIAL) else label
        if label == READING:
            finding = "fever"
        if any(
            e.label_ == EXCLUDE + finding and e.start <= span.start and span.end <= e.end
            for e in excluded
        ):
            continue
        if not label.startswith(DENIAL) and any(
            d.label_ == DENIAL + finding and d.start <= span.start and span.end <= d.end
            for d in denials
        ):
            continue  # "temperature's normal": the word inside a denial is not a mention
        said = _said(
            span,
            about,
            history=finding in reader.history_findings,
            recent=finding in reader.recent_findings,
        )
        warning = finding in reader.warning_ids
        past_day = span.sent.start in past_days and finding not in reader.recent_findings
        value: float | None = None
        if label == READING:
            value = next(
                (v for (s, e), v in readings.items() if s < span.end_char and span.start_char < e),
                None,
            )
            if value is None:
                continue
            base = _reading_status(value)
            status = _status(said, warning=True, base=base, past_day=past_day)
            if status == "absent" and base != "absent":
                status = base  # "no temp now, 38.2": the reading speaks
        elif label.startswith(DENIAL):
            status = _status(said, warning=warning, base="absent", past_day=past_day)
        else:
            status = _status(said, warning=warning, past_day=past_day)
        found.append(
            _Found(
                finding,
                span,
                status,
                value=value if label == READING else None,
                past_time=said.has("PAST_TIME"),
            )
        )

    found = _pain_words(found, doc, PAIN_WORD)
    found = _readings_replace_words(found)
    found += _combined(found, cues, reader)
    found = _drop_replaced(found, reader)
    found += _stiff_neck_with_fever(found)
    _resolution_in_next_sentence(found, doc)
    started = details.times(lowered, now, reader.time_exclude)
    if started.over:
        _episode_over(found, lowered, reader)
    _past_when_now_denied(found)

    mentions = [
        Mention(
            finding=f.label,
            text=f.span.text,
            start=f.span.start_char,
            end=f.span.end_char,
            status=f.status,
        )
        for f in sorted(found, key=lambda f: (f.span.start_char, f.label))
    ]
    statuses: dict[str, list[MentionStatus]] = {}
    for mention in mentions:
        statuses.setdefault(mention.finding, []).append(mention.status)
    present = [f for f, s in statuses.items() if "present" in s]
    uncertain = [f for f, s in statuses.items() if "present" not in s and "uncertain" in s]
    absent = [
        f for f, s in statuses.items() if "absent" in s and f not in present and f not in uncertain
    ]
    past = [
        f
        for f, s in statuses.items()
        if "historical" in s and f not in present and f not in uncertain and f not in absent
    ]

    used: list[details.Span] = [
        (s.start_char, s.end_char) for s in spans if not s.label_.startswith(EXCLUDE)
    ]
    moves, limited, move_spans = details.movements(lowered)
    used += move_spans
    present_set = set(present)
    if (
        limited
        and "reduced_range_of_motion" not in present_set
        and "reduced_range_of_motion" not in absent
    ):
        present.append("reduced_range_of_motion")
        present_set.add("reduced_range_of_motion")
    for finding in list(present):
        for implied in reader.implies.get(finding, []):
            if implied not in present_set:
                present.append(implied)
                present_set.add(implied)
    absent = [f for f in absent if f not in present_set]
    uncertain = [f for f in uncertain if f not in present_set]

    numbers: dict[str, Any] = {}
    number_spans: dict[str, str] = {}
    score = details.intensity(lowered)
    if score:
        numbers["intensity"], number_spans["intensity"] = score[0], clean[slice(*score[1])]
        used.append(score[1])
    if score and score[0] > 0 and "neck_pain" not in present_set and "neck_pain" not in absent:
        neck_findings = present_set & {
            "cramping_knot",
            "reduced_range_of_motion",
            "head_pulled_to_side",
        }
        if neck_findings or any(t.norm_ in _NECK_WORDS for t in doc):
            # A pain score for a neck that is locked, stiff or twisted: the neck hurts.
            present.append("neck_pain")
            present_set.add("neck_pain")
            uncertain = [f for f in uncertain if f != "neck_pain"]
            start, end = score[1]
            mentions.append(
                Mention(
                    finding="neck_pain",
                    text=clean[start:end],
                    start=start,
                    end=end,
                    status="present",
                )
            )
    used += started.spans
    if started.duration_hours is not None:
        numbers["duration_hours"] = min(started.duration_hours, 24 * 366)
        number_spans["duration_hours"] = clean[slice(*started.spans[0])] if started.spans else ""
    years = details.age(lowered, reader.people, about.third_person)
    if years:
        numbers["age_years"], number_spans["age_years"] = years[0], clean[slice(*years[1])]
        used.append(years[1])
    how = details.onset(lowered, reader.sudden, reader.gradual)
    if how:
        numbers["onset"] = how[0]
        number_spans["onset"] = clean[slice(*how[1])]
        used.append(how[1])
    temperature = _temperature(found)
    if temperature is not None:
        number_spans["temperature_c"] = f"{temperature}"

    zones, other_areas, region_spans = details.regions(lowered)
    used += region_spans
    qualities = _qualities(present, lowered, reader, used)
    tried, remedy_spans = details.remedies(
        lowered, reader.remedies, reader.helped, reader.not_tried
    )
    used += remedy_spans
    trigger_terms = [
        (name, span)
        for name, span in details.find_terms(lowered, reader.triggers)
        if not any(span[0] < end and start < span[1] for start, end in remedy_spans)
    ]
    triggers = [name for name, _span in trigger_terms]
    used += [span for _name, span in trigger_terms]
    if about.span:
        used.append(about.span)
    for mod_span in _modifier_spans(doc):
        used.append(mod_span)

    document = Findings.model_validate({"findings": present, "absent": absent, **numbers})
    started_at = started.started.at if started.started else None
    ended_at = None
    if started.over and started_at is not None and started.duration_hours is not None:
        ended_at = started_at + timedelta(hours=started.duration_hours)
    return Extraction(
        document=document,
        uncertain=uncertain,
        past=past,
        limited_movements=[Movement(m) for m in moves],
        mentions=mentions,
        numbers=number_spans,
        regions=[Region(z) for z in zones],
        other_areas=other_areas,
        pain_qualities=[PainQuality(q) for q in qualities],
        triggers=list(dict.fromkeys(triggers)),
        remedies=[RemedyTried(remedy=r, helped=Helped(h) if h else None) for r, h in tried],
        started_at=started_at,
        started_precision=(
            None if started.started is None else ("time" if started.started.exact else "day")
        ),
        ended_at=ended_at,
        ongoing=started.ongoing,
        temperature_c=temperature,
        about=about.word if about.third_person else None,
        not_understood=details.not_understood(clean, used),
    )


def _sentences_with_past_day(doc: Any) -> set[int]:
    """Starts of the sentences that name a day in the past ("on Sunday", "yesterday")."""
    graph = getattr(doc._, "context_graph", None)
    if graph is None:
        return set()
    return {
        doc[modifier.modifier_span[0]].sent.start
        for modifier in graph.modifiers
        if modifier.category == "PAST_TIME"
    }


_NECK_WORDS = frozenset({"neck", "nape", "nek", "necks", "skull", "shoulder", "shoulders", "blade"})
_HEAD_MOVES = frozenset({"turn", "turning", "tilt", "tilting", "nod", "nodding", "rotate"})
_OTHER_PARTS = frozenset(
    {"arm", "leg", "knee", "back", "chest", "hip", "foot", "ankle", "wrist", "hand", "elbow"}
)


def _pain_words(found: list[_Found], doc: Any, label: str) -> list[_Found]:
    """A pain word in a sentence about the neck ("the pain's back worse", "neck stiff, it
    hurts") is neck pain, unless it belongs to another finding ("chest pain")."""
    kept: list[_Found] = []
    words = [f for f in found if f.label == label]
    others = [f for f in found if f.label != label]
    text_has_neck = bool(words) and any(t.norm_ in _NECK_WORDS for t in doc)
    for word in words:
        span = word.span
        inside = any(
            o.span.start <= span.start and span.end <= o.span.end and o.label != "neck_pain"
            for o in others
        )
        sent = span.sent
        norms = {t.norm_ for t in sent}
        neck = bool(norms & _NECK_WORDS) or (
            # "Sore turning left." in a text about the neck: a neck movement hurts.
            text_has_neck and bool(norms & _HEAD_MOVES) and not norms & _OTHER_PARTS
        )
        if not inside and neck:
            kept.append(_Found("neck_pain", span, word.status, past_time=word.past_time))
    return others + kept


def _readings_replace_words(found: list[_Found]) -> list[_Found]:
    """ "temp 38.9": the reading decides, not the word "temp" next to it."""
    readings = [f for f in found if f.label == "fever" and _is_reading(f)]
    if not readings:
        return found
    kept = []
    for f in found:
        if f.label == "fever" and not _is_reading(f):
            near = any(
                abs(r.span.start - f.span.end) <= 4 or abs(f.span.start - r.span.end) <= 4
                for r in readings
            )
            if near:
                continue
        kept.append(f)
    return kept


def _is_reading(found: _Found) -> bool:
    from neckcheck.nlp.pipeline import READING

    return bool(found.span.label_ == READING)


def _temperature(found: list[_Found]) -> float | None:
    values = [f.value for f in found if f.value is not None]
    return max(values) if values else None


def _scope_of(span: Any, within: str) -> tuple[int, int]:
    doc = span.doc
    if within == "text":
        return 0, len(doc)
    sent = span.sent
    if within == "sentence":
        return sent.start, sent.end
    from neckcheck.nlp.pipeline import clause_breaks

    breaks = clause_breaks(doc)
    start, end = sent.start, sent.end
    for i in range(span.start - 1, sent.start - 1, -1):
        if i in breaks:
            start = i + 1
            break
    for i in range(span.end, sent.end):
        if i in breaks:
            end = i
            break
    return start, end


def _combined(found: list[_Found], cues: list[Any], reader: _Reader) -> list[_Found]:
    """Findings read from a mention and a cue in the same clause, sentence or text."""
    from neckcheck.nlp.pipeline import CUE

    added: list[_Found] = []
    for rule in reader.combine:
        rule_cues = [c for c in cues if c.label_[len(CUE) :] in rule.cues]
        if not rule_cues:
            continue
        bases = [f for f in [*found, *added] if f.label in rule.needs]
        bases += [
            _Found(c.label_[len(CUE) :], c, "present")
            for c in cues
            if c.label_[len(CUE) :] in rule.needs
        ]
        for base in bases:
            start, end = _scope_of(base.span, rule.within)
            cue = next((c for c in rule_cues if start <= c.start and c.end <= end), None)
            if cue is None:
                continue
            span = base.span if base.span.label_.startswith(CUE) is False else cue
            if any(a.label == rule.finding and a.span.start == span.start for a in added):
                continue
            added.append(_Found(rule.finding, span, base.status))
    return added


def _drop_replaced(found: list[_Found], reader: _Reader) -> list[_Found]:
    """A rule with ``replaces`` drops the mention it was built from ("fell without
    warning" is a drop attack, not an injury)."""
    replacing = {rule.finding: set(rule.needs) for rule in reader.combine if rule.replaces}
    if not replacing:
        return found
    drop = set()
    for f in found:
        needs = replacing.get(f.label)
        if needs:
            for other in found:
                if other.label in needs and other.span.start == f.span.start:
                    drop.add(id(other))
    return [f for f in found if id(f) not in drop]


def _stiff_neck_with_fever(found: list[_Found]) -> list[_Found]:
    """ "Stiff neck" alongside a fever or a headache asks the chin-to-chest question first
    (TRIAGE.md, "The interview"), unless the text already answers it."""
    if any(f.label == "neck_stiffness" for f in found):
        return []
    stiff = [f for f in found if f.label == "reduced_range_of_motion" and f.status == "present"]
    if not stiff:
        return []
    fever = any(f.label == "fever" and f.status in ("present", "uncertain") for f in found)
    headache = any(
        f.label in ("headache", "thunderclap_headache") and f.status in ("present", "uncertain")
        for f in found
    )
    if fever or headache:
        return [_Found("neck_stiffness", stiff[0].span, "uncertain")]
    return []


_NEXT_RESOLVES = re.compile(
    r"^\W*(?:(?:but\s+)?(?:(?:she|he|i)(?:'s| is| am|'m| has been| have been)\s+)?"
    r"(?:fine|ok|okay|all good|normal|better|gone|settled|cleared|right as rain)"
    r"(?:\s+(?:today|now|since|again))?"
    r"|(?:that|it)(?:'s| is| has)\s+(?:gone|passed|cleared|settled)"
    r"(?:\s+now)?|(?:it has )?not happened again|none since)\W*$"
)


def _resolution_in_next_sentence(found: list[_Found], doc: Any) -> None:
    """ "Had a headache yesterday. Fine today.": the short sentence after a mention says it
    is over."""
    sentences = list(doc.sents)
    for index, sent in enumerate(sentences[:-1]):
        following = sentences[index + 1]
        if not _NEXT_RESOLVES.match(following.text.lower()):
            continue
        if any(following.start <= f.span.start < following.end for f in found):
            continue
        for f in found:
            if sent.start <= f.span.start < sent.end and f.status == "present":
                past_time = any(m.category == "PAST_TIME" for m in f.span._.modifiers)
                f.status = "historical" if past_time else "absent"


_OVER_AT = re.compile(
    r"\b(?:lasted|went away|all went away|has gone completely|gone completely|has gone now|"
    r"it'?s gone|has passed|has stopped)\b"
)


def _episode_over(found: list[_Found], lowered: str, reader: _Reader) -> None:
    """ "It lasted about an hour and has gone": what was present before is over (absent now;
    a past mention when a day in the past is named)."""
    match = _OVER_AT.search(lowered)
    if match is None:
        return
    for f in found:
        if f.span.start_char >= match.start() or f.status != "present":
            continue
        if f.label in reader.recent_findings or f.label in reader.history_findings:
            continue
        if f.label == "fatigue":
            continue
        f.status = "historical" if f.past_time else "absent"


_NOW_WORDS = frozenset({"now", "today", "since", "again", "back", "anymore"})


def _past_when_now_denied(found: list[_Found]) -> None:
    """ "Last week I had a high fever ... now no fever", "became confused ... back to his
    usual self now": what was said before is a past mention."""
    denied = {f.label for f in found if f.status == "absent"}
    says_now: dict[int, bool] = {}  # by sentence start: each sentence is read once

    def now_said(span: Any) -> bool:
        sentence = span.sent
        if sentence.start not in says_now:
            says_now[sentence.start] = any(t.lower_ in _NOW_WORDS for t in sentence)
        return says_now[sentence.start]

    for label in denied:
        present = [f for f in found if f.label == label and f.status == "present"]
        later_now = [
            f for f in found if f.label == label and f.status == "absent" and now_said(f.span)
        ]
        earlier = bool(later_now) and all(
            p.span.sent.end <= later_now[0].span.sent.start for p in present
        )
        if present and (all(f.past_time for f in present) or earlier):
            for f in present:
                f.status = "historical"


def _qualities(present: list[str], lowered: str, reader: _Reader, used: list[Any]) -> list[str]:
    qualities = [q for q in ("throbbing", "dull", "sharp", "burning") if f"pain_{q}" in present]
    constant = reader.qualities.get("constant")
    if constant is not None:
        match = constant.search(lowered)
        if match:
            qualities.insert(0, "constant")
            used.append(match.span())
    order = [q.value for q in PainQuality]
    return sorted(dict.fromkeys(qualities), key=order.index)


def _modifier_spans(doc: Any) -> list[tuple[int, int]]:
    """The words of the ConText cues that said something about a finding (a cue that
    modified nothing is not counted as understood)."""
    graph = getattr(doc._, "context_graph", None)
    if graph is None:
        return []
    result = []
    for _target, modifier in graph.edges:
        start, end = modifier.modifier_span
        span = doc[start:end]
        if span.text.strip() and any(t.is_alpha for t in span):
            result.append((span.start_char, span.end_char))
    return result
