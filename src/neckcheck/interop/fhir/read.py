"""Episodes and check-ins from a FHIR Bundle: neckcheck's own, and pain scores from other apps.

    >>> read = import_bundle(text, zone=ZoneInfo("Europe/Berlin"))
    >>> read.episodes, read.activities, read.check_ins   # Imported, plain records

What is read, from a Bundle of any type (a transaction or collection neckcheck exported, a
searchset read back from a server, another app's Bundle):

* each QuestionnaireResponse to neckcheck's episode Questionnaire (any version) becomes the
  episode it records, every field of it;
* each QuestionnaireResponse to neckcheck's check-in Questionnaire becomes a check-in with
  its ratings, and the activities it names become activities (known by their names): those
  rated in the latest check-in that rated any are current, the others removed then;
* each Observation of a pain score (LOINC 72514-3) with ``valueInteger`` or a whole
  ``valueQuantity`` from 0 to 10 becomes an episode with that worst pain and its time,
  unless it was derived from a QuestionnaireResponse the Bundle also holds (neckcheck's own
  pain scores are), which already makes that episode, or it is a check-in's score (coded as
  one of neckcheck's measures), which is read from the check-in's QuestionnaireResponse.

Each episode keeps the identifier of the record it came from (:func:`ids.source_id`: the
resource's identifier, else its ``fullUrl``, else a hash of its content) and its original
recording time (``authored``, ``issued``), so a diary can tell what it already holds. Every
record is checked first: InputError names the entry and field of each problem, and a Bundle
with nothing to import is an error that says what it holds instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from neckcheck.domain import EpisodeCreate, Imported
from neckcheck.errors import FieldProblem, InputError
from neckcheck.interop.fhir import codes, ids
from neckcheck.interop.plain import ActivityRecord, CheckInRecord, read_json
from neckcheck.knowledge.models import Measure
from neckcheck.text import count

__all__ = ["FhirImport", "import_bundle"]

LEGACY_IDENTIFIER = "urn:neckcheck:episode"  # version 1 exports: local ids, not unique
LEGACY_SYSTEM = "urn:neckcheck:code:"  # version 1 exports: one system per kind of answer
SKIPPED_STATUSES = frozenset({"entered-in-error", "cancelled"})
# The longest name of an activity: the bound of the JSON export's records.
NAME_LENGTH = int(ActivityRecord.model_json_schema()["properties"]["name"]["maxLength"])


@dataclass(frozen=True)
class FhirImport:
    """What a Bundle holds to import: episodes, each with its source, and the activities and
    check-ins of the weekly check-ins, as a JSON export holds them (a check-in rates an
    activity by the ``id`` of its record here)."""

    episodes: list[Imported]
    activities: list[ActivityRecord]
    check_ins: list[CheckInRecord]


@dataclass
class _Entry:
    index: int
    full_url: str | None
    resource: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType"))

    @property
    def where(self) -> str:
        return f"entry.{self.index} ({self.type})"


class _Unreadable(Exception):
    """A value in a resource neckcheck cannot use; the message names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _entries(text: str) -> list[_Entry]:
    data = read_json(text, field="bundle")
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        kind = data.get("resourceType") if isinstance(data, dict) else None
        raise InputError(
            f"not a FHIR Bundle (resourceType is {kind!r})" if kind else "not a FHIR Bundle",
            field="bundle",
        )
    raw = data.get("entry", [])
    if not isinstance(raw, list):
        raise InputError("must be a list", field="bundle.entry")
    entries = []
    for index, entry in enumerate(raw):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise InputError("has no resource with a resourceType", field=f"bundle.entry.{index}")
        full_url = entry.get("fullUrl")
        entries.append(_Entry(index, full_url if isinstance(full_url, str) else None, resource))
    return entries


def _model(entry: _Entry) -> Any:
    """The resource as a fhir.resources model; ``meta`` is left out (servers add their own
    elements to it, and nothing in it is read)."""
    from fhir.resources.R4B import get_fhir_model_class

    content = {k: v for k, v in entry.resource.items() if k != "meta"}
    try:
        return get_fhir_model_class(entry.type).model_validate(content)
    except ValidationError as exc:
        raise InputError.from_pydantic(exc, prefix=entry.where) from None


def _moment(value: Any, zone: tzinfo | None, field: str) -> datetime:
    """A FHIR date or dateTime as an aware datetime: a day alone is its start in ``zone``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value
        return value.replace(tzinfo=zone) if zone is not None else value.astimezone()
    raise _Unreadable(field, f"must name a day, not only {value!r}")


def _a_score(value: Decimal | int) -> bool:
    """Whether ``value`` is a whole number from 0 to 10. The range first: making a whole
    number of ``1E+999999`` (to compare it with itself) would take minutes."""
    if isinstance(value, Decimal) and not value.is_finite():
        return False
    return 0 <= value <= 10 and value == int(value)


def _answers_to(resource: dict[str, Any], url: str) -> bool:
    canonical = resource.get("questionnaire")
    return isinstance(canonical, str) and canonical.split("|")[0] == url


def _is_questionnaire(resource: dict[str, Any]) -> bool:
    return _answers_to(resource, codes.QUESTIONNAIRE_URL)


def _is_check_in(resource: dict[str, Any]) -> bool:
    return _answers_to(resource, codes.CHECK_IN_URL)


def _codes(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Each (system, code) of a resource's ``code``, read before it is validated."""
    code = resource.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict):
            yield str(coding.get("system")), str(coding.get("code"))


def _is_check_in_score(resource: dict[str, Any]) -> bool:
    """Whether an Observation is the score of one of neckcheck's measures (a check-in's)."""
    return any(
        system == codes.CODE_SYSTEM and code.startswith("measure.")
        for system, code in _codes(resource)
    )


def _is_pain_score(resource: dict[str, Any]) -> bool:
    return (codes.LOINC, codes.PAIN_SEVERITY) in set(_codes(resource))


def _uri(value: str | None) -> bool:
    return bool(value) and ":" in str(value) and " " not in str(value)


def _source(entry: _Entry, model: Any, *, legacy: bool) -> str:
    """Where an episode came from: the resource's identifier, else its fullUrl (a URI that
    names it), else a hash of its content."""
    named = model.identifier
    for identifier in named if isinstance(named, list) else [named]:
        if (
            identifier is not None
            and identifier.system
            and identifier.value
            and identifier.system != LEGACY_IDENTIFIER
        ):
            return ids.source_id(identifier.system, identifier.value)
    # A version 1 export named its resources after local ids, the same in every diary.
    if entry.full_url and _uri(entry.full_url) and not legacy:
        return ids.source_id(ids.RFC3986, entry.full_url)
    return ids.content_source(entry.resource)


def _code(coding: Any, kind: str) -> str:
    """A neckcheck answer code of ``kind``, without its prefix."""
    system, code = coding.system or "", coding.code or ""
    if system == codes.CODE_SYSTEM and code.startswith(f"{kind}."):
        return code.removeprefix(f"{kind}.")
    if system.startswith(LEGACY_SYSTEM):
        return code
    raise ValueError(f"{system}|{code} is not a neckcheck {kind} code")


def _answers(item: Any) -> list[Any]:
    return list(item.answer or [])


def _episode_payload(response: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for item in response.item or []:
        link = item.linkId
        answers = _answers(item)
        if link in ("started_at", "ended_at"):
            payload[link] = answers[0].valueDateTime if answers else None
        elif link in ("intensity", "stress"):
            payload[link] = answers[0].valueInteger if answers else None
        elif link == "notes":
            payload[link] = answers[0].valueString if answers else ""
        elif link == "declined":
            payload[link] = bool(answers and answers[0].valueBoolean)
        elif link == "onset":
            payload[link] = _code(answers[0].valueCoding, "onset") if answers else None
        elif link in codes.CHOICES:
            payload[link] = [_code(a.valueCoding, codes.CHOICES[link]) for a in answers]
        elif link == "remedies":
            parts = {sub.linkId: _answers(sub) for sub in item.item or []}
            payload.setdefault("remedies", []).append(
                {
                    "remedy": _code(parts["remedies.remedy"][0].valueCoding, "remedy"),
                    "helped": _code(parts["remedies.helped"][0].valueCoding, "helped"),
                }
            )
        else:
            raise ValueError(f"unknown question {link!r}")
    return payload


def _rating(answers: list[Any], measure: Measure, field: str) -> int:
    """The one whole-number answer of a rating, on the measure's scale."""
    if not answers or answers[0].valueInteger is None:
        raise _Unreadable(field, "has no rating (valueInteger)")
    value = int(answers[0].valueInteger)
    low, high = measure.scale.min, measure.scale.max
    if not low <= value <= high:
        raise _Unreadable(field, f"must be a whole number from {low} to {high}, not {value}")
    return value


def _check_in_ratings(response: Any, measures: dict[str, Measure]) -> dict[str, dict[str, int]]:
    """A check-in's ratings by measure, then item: a fixed item by its id, an activity the
    person named by its name (its spaces made single, as when it was named)."""
    ratings: dict[str, dict[str, int]] = {}
    repeated: dict[str, int] = {}  # measure id -> activities read so far
    for item in response.item or []:
        measure = measures.get(item.linkId)
        if measure is None:
            raise _Unreadable(str(item.linkId), "is not a measure of neckcheck's check-in")
        parts = {sub.linkId: _answers(sub) for sub in item.item or []}
        rated = ratings.setdefault(measure.id, {})
        if measure.personal is None:
            for sub in parts:
                name = sub.removeprefix(f"{measure.id}.")
                if name not in {i.id for i in measure.items}:
                    raise _Unreadable(sub, f"is not an item of {measure.short}")
                rated[name] = _rating(parts[sub], measure, sub)
            continue
        n = repeated[measure.id] = repeated.get(measure.id, -1) + 1
        where = f"{measure.id}.{n}"
        named = parts.get(f"{measure.id}.activity") or []
        activity = " ".join(str(named[0].valueString or "").split()) if named else ""
        if not activity:
            raise _Unreadable(f"{where}.activity", "must name the activity (valueString)")
        if len(activity) > NAME_LENGTH:
            raise _Unreadable(f"{where}.activity", f"must be at most {NAME_LENGTH} characters")
        if activity.casefold() in {a.casefold() for a in rated}:
            raise _Unreadable(f"{where}.activity", f"names {activity!r} twice")
        rated[activity] = _rating(parts.get(f"{measure.id}.rating", []), measure, f"{where}.rating")
    answered = {measure_id: items for measure_id, items in ratings.items() if items}
    if not answered:
        raise _Unreadable("item", "rates nothing")
    return answered


def _person(resource: dict[str, Any]) -> tuple[set[tuple[str, str]], str]:
    """A Patient's identifiers (system, value) and a way to name it: its name, else its
    first identifier."""
    raw = resource.get("identifier")
    identifiers = {
        (str(i.get("system")), str(i.get("value")))
        for i in (raw if isinstance(raw, list) else [])
        if isinstance(i, dict) and i.get("system") and i.get("value")
    }
    names = resource.get("name")
    name = names[0] if isinstance(names, list) and names and isinstance(names[0], dict) else {}
    given = name.get("given")
    parts = [str(g) for g in given] if isinstance(given, list) else []
    told = name.get("text") or " ".join([*parts, str(name.get("family") or "")])
    first = min(identifiers, default=("", ""))
    return identifiers, str(told).strip() or f"identifier {first[0]}|{first[1]}"


class _Reader:
    def __init__(self, entries: list[_Entry], zone: tzinfo | None) -> None:
        self.entries = entries
        self.zone = zone
        self.by_reference: dict[str, _Entry] = {}
        for entry in entries:
            if entry.full_url:
                self.by_reference[entry.full_url] = entry
            if isinstance(entry.resource.get("id"), str):
                self.by_reference[f"{entry.type}/{entry.resource['id']}"] = entry
        self.items: list[Imported] = []
        self.subjects: dict[str, str] = {}  # subject -> where first seen
        self.problems: list[FieldProblem] = []
        self.response_sources: dict[int, str] = {}  # entry index -> source of its episode
        # Check-ins: (time, ratings by measure then item, an activity by its name).
        self.check_ins: list[tuple[datetime, dict[str, dict[str, int]]]] = []
        self.check_in_entries: set[int] = set()  # entry indexes of check-in responses
        self.check_in_identifiers: set[str] = set()  # their identifiers, as sources
        # Each Patient of the Bundle: its identifiers (system, value) and how it is named.
        self.patients: list[tuple[set[tuple[str, str]], str]] = [
            _person(entry.resource) for entry in entries if entry.type == "Patient"
        ]

    def resolve(self, reference: str | None) -> _Entry | None:
        if not reference:
            return None
        if reference in self.by_reference:
            return self.by_reference[reference]
        parts = reference.rstrip("/").split("/")
        if len(parts) >= 2 and "_history" not in parts:
            return self.by_reference.get("/".join(parts[-2:]))
        if len(parts) >= 4 and parts[-2] == "_history":
            return self.by_reference.get("/".join(parts[-4:-2]))
        return None

    def subject(self, entry: _Entry, model: Any) -> None:
        reference = model.subject.reference if model.subject is not None else None
        if not reference:
            return
        target = self.resolve(reference)
        name = (target.full_url or reference) if target is not None else reference
        self.subjects.setdefault(str(name), entry.where)

    def add(self, entry: _Entry, read: Callable[[_Entry], Imported | None]) -> None:
        try:
            imported = read(entry)
        except InputError as exc:
            self.problems += exc.problems
        except ValidationError as exc:
            self.problems += InputError.from_pydantic(exc, prefix=entry.where).problems
        except _Unreadable as exc:
            self.problems.append(FieldProblem(f"{entry.where}.{exc.field}", str(exc)))
        except (ValueError, KeyError, IndexError, AttributeError) as exc:
            self.problems.append(FieldProblem(entry.where, f"cannot read it: {exc}"))
        else:
            if imported is not None:
                self.items.append(imported)

    # --- neckcheck's QuestionnaireResponses ------------------------------------------------

    def responses(self) -> None:
        for entry in self.entries:
            if entry.type != "QuestionnaireResponse" or not _is_questionnaire(entry.resource):
                continue
            if entry.resource.get("status") not in SKIPPED_STATUSES:
                self.add(entry, self.response)

    def response(self, entry: _Entry) -> Imported:
        model = _model(entry)
        self.subject(entry, model)
        legacy = str(model.questionnaire).partition("|")[2] == "1"
        source = _source(entry, model, legacy=legacy)
        self.response_sources[entry.index] = source
        data = EpisodeCreate.model_validate(_episode_payload(model))
        authored = _moment(model.authored, self.zone, "authored") if model.authored else None
        return Imported(data, source, authored)

    # --- neckcheck's check-ins ------------------------------------------------------------

    def check_in_responses(self) -> None:
        from neckcheck.knowledge import load

        measures = {measure.id: measure for measure in load().measures.measures}
        for entry in self.entries:
            if entry.type != "QuestionnaireResponse" or not _is_check_in(entry.resource):
                continue
            # Known even when it is not read: a score derived from it is not an episode.
            self.check_in_entries.add(entry.index)
            if entry.resource.get("status") not in SKIPPED_STATUSES:
                self.add(entry, lambda e: self.check_in(e, measures))

    def check_in(self, entry: _Entry, measures: dict[str, Measure]) -> None:
        model = _model(entry)
        self.subject(entry, model)
        if model.identifier is not None and model.identifier.system and model.identifier.value:
            self.check_in_identifiers.add(
                ids.source_id(model.identifier.system, model.identifier.value)
            )
        if model.authored is None:
            raise _Unreadable("authored", "is required: when the check-in was made")
        at = _moment(model.authored, self.zone, "authored")
        self.check_ins.append((at, _check_in_ratings(model, measures)))

    def check_in_records(self) -> tuple[list[ActivityRecord], list[CheckInRecord]]:
        """The check-ins read, oldest first and one per moment, and the activities they
        rate, known by their names (letter case aside): each made when it was first rated,
        and removed at the latest check-in that rated activities unless rated there."""
        from neckcheck.knowledge import load

        personal = {m.id for m in load().measures.measures if m.personal is not None}
        by_moment: dict[datetime, dict[str, dict[str, int]]] = {}
        for at, ratings in sorted(self.check_ins, key=lambda c: c[0]):
            by_moment.setdefault(at, ratings)
        records: dict[tuple[str, str], ActivityRecord] = {}
        latest: dict[str, tuple[datetime, set[str]]] = {}  # measure -> last rating of any
        check_ins: list[CheckInRecord] = []
        for at, ratings in by_moment.items():
            answers: dict[str, dict[str, int]] = {}
            for measure_id, items in ratings.items():
                if measure_id not in personal:
                    answers[measure_id] = dict(items)
                    continue
                answers[measure_id] = {}
                for name, rating in items.items():
                    key = (measure_id, name.casefold())
                    if key not in records:
                        records[key] = ActivityRecord(
                            id=len(records) + 1, measure=measure_id, name=name, created_at=at
                        )
                    answers[measure_id][str(records[key].id)] = rating
                latest[measure_id] = (at, {name.casefold() for name in items})
            check_ins.append(CheckInRecord(at=at, answers=answers))
        activities = [
            record
            if name in latest[measure_id][1]
            else record.model_copy(update={"removed_at": latest[measure_id][0]})
            for (measure_id, name), record in records.items()
        ]
        return activities, check_ins

    # --- pain scores -----------------------------------------------------------------------

    def pain_scores(self) -> None:
        for entry in self.entries:
            if entry.type != "Observation" or not _is_pain_score(entry.resource):
                continue
            if _is_check_in_score(entry.resource):
                continue  # a check-in's usual pain: its QuestionnaireResponse is read
            if entry.resource.get("status") not in SKIPPED_STATUSES:
                self.add(entry, self.pain_score)

    def of_a_check_in(self, model: Any) -> bool:
        """Whether an Observation was derived from a check-in's QuestionnaireResponse of the
        Bundle."""
        for reference in model.derivedFrom or []:
            target = self.resolve(reference.reference)
            if target is not None and target.index in self.check_in_entries:
                return True
            identifier = reference.identifier
            if (
                identifier is not None
                and identifier.system
                and identifier.value
                and ids.source_id(identifier.system, identifier.value) in self.check_in_identifiers
            ):
                return True
        return False

    def derived_from(self, model: Any) -> Iterator[str]:
        """Sources of the QuestionnaireResponses an Observation was derived from."""
        for reference in model.derivedFrom or []:
            target = self.resolve(reference.reference)
            if target is not None and target.index in self.response_sources:
                yield self.response_sources[target.index]
            identifier = reference.identifier
            if (
                reference.type == "QuestionnaireResponse"
                and identifier is not None
                and identifier.system
                and identifier.value
            ):
                yield ids.source_id(identifier.system, identifier.value)

    def pain_score(self, entry: _Entry) -> Imported | None:
        """The episode of a pain score, or None when it was derived from a
        QuestionnaireResponse of the Bundle, whose episode holds it already."""
        model = _model(entry)
        sources = list(self.derived_from(model))
        if set(sources) & set(self.response_sources.values()):
            return None
        if self.of_a_check_in(model):
            return None
        self.subject(entry, model)
        if model.valueInteger is not None:
            value: Decimal | int = model.valueInteger
            field = "valueInteger"
        elif model.valueQuantity is not None and model.valueQuantity.value is not None:
            value, field = model.valueQuantity.value, "valueQuantity.value"
        else:
            raise _Unreadable("value[x]", "has no pain score (valueInteger or valueQuantity)")
        if not _a_score(value):
            raise _Unreadable(field, f"must be a whole number from 0 to 10, not {value}")
        if model.effectiveDateTime is not None:
            start, end = model.effectiveDateTime, None
            where = "effectiveDateTime"
        elif model.effectiveInstant is not None:
            start, end, where = model.effectiveInstant, None, "effectiveInstant"
        elif model.effectivePeriod is not None and model.effectivePeriod.start is not None:
            start, end = model.effectivePeriod.start, model.effectivePeriod.end
            where = "effectivePeriod"
        else:
            raise _Unreadable("effective[x]", "is required: when the pain was felt")
        data = EpisodeCreate.model_validate(
            {
                "started_at": _moment(start, self.zone, where),
                "ended_at": _moment(end, self.zone, where) if end is not None else None,
                "intensity": int(value),
            }
        )
        issued = _moment(model.issued, self.zone, "issued") if model.issued else None
        source = sources[0] if sources else _source(entry, model, legacy=False)
        return Imported(data, source, issued)

    # --- what the Bundle holds, when there is nothing to import ---------------------------

    def nothing(self) -> InputError:
        """The error for a Bundle with nothing to import, saying what it holds instead."""
        held: Counter[tuple[str, str]] = Counter()
        for entry in self.entries:
            status = entry.resource.get("status")
            if entry.type == "Observation" and _is_check_in_score(entry.resource):
                held[("check-in score", "check-in scores")] += 1
            elif entry.type == "Observation" and _is_pain_score(entry.resource):
                held[
                    ("pain score", "pain scores")
                    if status not in SKIPPED_STATUSES
                    else (f"pain score marked {status}", f"pain scores marked {status}")
                ] += 1
            elif entry.type == "QuestionnaireResponse" and _is_questionnaire(entry.resource):
                held[(f"episode marked {status}", f"episodes marked {status}")] += 1
            elif entry.type == "QuestionnaireResponse" and _is_check_in(entry.resource):
                held[(f"check-in marked {status}", f"check-ins marked {status}")] += 1
            elif entry.type == "Observation":
                held[("Observation of another code", "Observations of other codes")] += 1
            else:
                held[(entry.type, entry.type)] += 1
        parts = [count(n, one, many) for (one, many), n in sorted(held.items())]
        holds = f"it holds {', '.join(parts)}" if parts else "it holds no entries"
        return InputError(
            "nothing to import: no QuestionnaireResponse to neckcheck's episode or check-in "
            f"Questionnaire and no pain score (an Observation of LOINC {codes.PAIN_SEVERITY}); "
            f"{holds}",
            field="bundle",
        )


def import_bundle(
    text: str, *, zone: tzinfo | None = None, person: tuple[str, str] | None = None
) -> FhirImport:
    """The episodes of a FHIR Bundle (see the module's docstring), each validated, at most
    one per source, and its check-ins, at most one per moment, with the activities they
    rate; a date without a time is read in ``zone`` (None: this computer's).

    With ``person`` (the identifier, system and value, of the diary's own Patient), a Bundle
    whose Patient is identified otherwise is refused: it holds another person's records
    (a Patient without identifiers, or no Patient at all, cannot say whose they are)."""
    reader = _Reader(_entries(text), zone)
    reader.responses()
    reader.check_in_responses()
    reader.pain_scores()
    if reader.problems:
        raise InputError(reader.problems)
    if len(reader.subjects) > 1:
        where = ", ".join(reader.subjects.values())
        raise InputError(
            f"holds the records of {len(reader.subjects)} people (subjects of {where}); "
            "import one person's records at a time",
            field="bundle",
        )
    named = [(identifiers, who) for identifiers, who in reader.patients if identifiers]
    if person is not None and named and not any(person in ids for ids, _ in named):
        raise InputError(
            f"holds the records of another person ({named[0][1]}), not of this diary's; "
            "if they are yours (your diary exported elsewhere), import them as yours "
            "(neckcheck import --as-mine)",
            field="bundle",
        )
    if not reader.items and not reader.check_ins:
        raise reader.nothing()
    unique: dict[str, Imported] = {}
    for item in reader.items:
        unique.setdefault(item.source_id, item)
    activities, check_ins = reader.check_in_records()
    return FhirImport(list(unique.values()), activities, check_ins)
