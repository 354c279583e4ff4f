"""A diary as a FHIR R4 Bundle: a transaction a server accepts, or a collection.

    >>> text = export_bundle(record, now=clock.now())                     # transaction
    >>> text = export_bundle(record, now=clock.now(), kind="collection")  # no requests
    >>> for piece in bundle_chunks(record, now=clock.now()): send(piece)   # as it is made

The Bundle holds neckcheck's CodeSystem and Questionnaire, the Patient, and per episode:

* a QuestionnaireResponse with every field of the episode, its items in the Questionnaire's
  order (the import reads these, so export then import loses nothing);
* an Observation of worst pain (LOINC 72514-3, a 0-10 score);
* an Observation per finding the person ticked, and neck pain (never one for a "no": those
  stay in the QuestionnaireResponse), coded in SNOMED CT and ICD-10-CM where a code fits, and
  always in neckcheck's CodeSystem;
* an Observation of the triage result: the level, each matched rule by its code, whether
  every warning sign was asked, and in one component the codes of what is still unanswered
  (a screening group's when all of its questions are). Each rule's message, level and
  sources, each level's meaning and the disclaimer are said once, in the CodeSystem.

When the diary has weekly check-ins, the Bundle also holds the check-in Questionnaire (once)
and per check-in:

* a QuestionnaireResponse with its ratings (an activity the person named by its name);
* an Observation per measure it answered, valued with the measure's score (the mean of its
  items): the usual pain (NPRS) coded LOINC 72514-3 and ``measure.nprs``, the activities
  (PSFS, for which no LOINC code is known) ``measure.psfs`` with a component per activity.

In a transaction every entry is created with ``POST`` only if no resource with its
identifier (or, for the CodeSystem and Questionnaire, its canonical URL and version) exists,
so posting the same export twice creates nothing new. docs/fhir.md explains each choice.

The Bundle is made, validated and written an entry at a time (:func:`bundle_chunks`), so
that what it costs in memory is one episode's resources, not the whole Bundle's: each
resource is validated with its own fhir.resources model, each entry and the Bundle around
them with theirs (an entry of a shape validated already in the same Bundle is not again).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from neckcheck.domain import Assessment, Episode, Origin
from neckcheck.interop.fhir import codes, ids
from neckcheck.knowledge.models import KnowledgeBase, Measure
from neckcheck.levels import Level
from neckcheck.patterns.outcomes import CheckIn, score
from neckcheck.vocab import Region

__all__ = [
    "BundleKind",
    "DiaryRecord",
    "EpisodeRecord",
    "bundle_chunks",
    "export_bundle",
    "reported_findings",
]

BundleKind = Literal["transaction", "collection"]
NECK_REGIONS = frozenset(r for r in Region if r.on_neck)


@dataclass(frozen=True)
class EpisodeRecord:
    """An episode with where it came from and its triage result."""

    episode: Episode
    origin: Origin
    assessment: Assessment


@dataclass(frozen=True)
class DiaryRecord:
    """What the export needs to know of a diary and the installation it lives in."""

    namespace: uuid.UUID  # the installation's (repo.install_namespace)
    patient_id: int
    name: str | None
    birth_year: int | None
    # Oldest first (by start, then id); read once, as the Bundle is made (it may be lazy).
    episodes: Iterable[EpisodeRecord]
    # The weekly check-ins, oldest first, and the name of each activity they rate by its
    # item id (removed activities too).
    check_ins: Sequence[CheckIn] = ()
    activity_names: Mapping[str, str] = field(default_factory=dict)


def reported_findings(episode: Episode) -> list[str]:
    """The findings the person reported: those ticked, and neck pain when they said so or
    marked where on the neck it hurts (a pain score alone may be of chest pain or a
    headache). How the pain felt and which movements were limited are answers of the
    QuestionnaireResponse, coded there."""
    neck = "neck_pain" in episode.findings or bool(NECK_REGIONS.intersection(episode.regions))
    return [
        finding
        for finding in episode.derived_findings()
        if finding in episode.findings or (finding == "neck_pain" and neck)
    ]


def _time(value: datetime) -> str:
    return value.isoformat()


def _score(value: float) -> int | float:
    """A score as FHIR's decimal: a whole number as one, else to two decimals."""
    return int(value) if value.is_integer() else round(value, 2)


def _period(episode: Episode) -> dict[str, str]:
    period = {"start": _time(episode.started_at)}
    if episode.ended_at is not None:
        period["end"] = _time(episode.ended_at)
    return period


class _Builder:
    def __init__(self, record: DiaryRecord, now: datetime) -> None:
        from neckcheck.knowledge import load

        self.kb: KnowledgeBase = load()
        self.record = record
        self.now = now
        self.displays = {
            (kind, code): display
            for kind, pairs in codes.choices(self.kb).items()
            for code, display in pairs
        }
        self.rules = {rule.id: rule for rule in self.kb.rules}
        self.patient = ids.patient_key(record.namespace, record.patient_id)
        self.entries: list[dict[str, Any]] = []

    def take(self) -> list[dict[str, Any]]:
        """The entries made since the last time, handed over (and no longer kept)."""
        made, self.entries = self.entries, []
        return made

    def add(self, key: uuid.UUID, resource: dict[str, Any], if_none_exist: str) -> None:
        self.entries.append(
            {
                "fullUrl": ids.full_url(key),
                "resource": resource,
                "request": {
                    "method": "POST",
                    "url": resource["resourceType"],
                    "ifNoneExist": if_none_exist,
                },
            }
        )

    def add_identified(self, key: uuid.UUID, resource: dict[str, Any]) -> None:
        """Add ``resource`` with the identifier of ``key`` (after its type, where people look
        first), created only if no resource has that identifier yet."""
        identifier = ids.identifier(key)
        kind = resource["resourceType"]
        # QuestionnaireResponse.identifier is one Identifier; elsewhere it is a list.
        named = identifier if kind == "QuestionnaireResponse" else [identifier]
        rest = {k: v for k, v in resource.items() if k != "resourceType"}
        self.add(
            key,
            {"resourceType": kind, "identifier": named, **rest},
            f"identifier={identifier['system']}|{identifier['value']}",
        )

    def coded(self, kind: str, code: str) -> dict[str, Any]:
        return {"valueCoding": codes.coding(kind, code, self.displays[(kind, code)])}

    def level(self, level: Level) -> dict[str, Any]:
        # By its title alone: what the level means is its definition in the CodeSystem.
        return {"coding": [self.level_coding(level)]}

    # --- resources -------------------------------------------------------------------------

    def canonical(self) -> None:
        for resource in (codes.code_system(), codes.questionnaire()):
            key = ids.part(self.patient, f"{resource['resourceType']}/{resource['version']}")
            self.add(key, dict(resource), f"url={resource['url']}&version={resource['version']}")
        if self.record.check_ins:
            # Keyed by its URL too: the episode Questionnaire's key names its version alone.
            resource = codes.check_in_questionnaire()
            canonical = f"{resource['url']}|{resource['version']}"
            key = ids.part(self.patient, f"Questionnaire/{canonical}")
            self.add(key, dict(resource), f"url={resource['url']}&version={resource['version']}")

    def patient_resource(self) -> None:
        resource: dict[str, Any] = {"resourceType": "Patient"}
        if self.record.name:
            resource["name"] = [{"text": self.record.name}]
        if self.record.birth_year is not None:
            resource["birthDate"] = f"{self.record.birth_year:04d}"
        self.add_identified(self.patient, resource)

    def episode(self, item: EpisodeRecord) -> None:
        episode = item.episode
        key = ids.episode_key(
            item.origin,
            namespace=self.record.namespace,
            patient_id=self.record.patient_id,
            episode_id=episode.id,
        )
        patient = {"reference": ids.full_url(self.patient)}
        response = {
            "reference": ids.full_url(key),
            "type": "QuestionnaireResponse",
            "identifier": ids.identifier(key),
        }
        self.add_identified(key, self.response(episode, item.origin, patient))
        reported = {
            "status": "final",
            "category": [codes.SURVEY],
            "subject": patient,
            "effectivePeriod": _period(episode),
            "performer": [patient],
            "derivedFrom": [response],
        }
        self.add_identified(
            ids.part(key, "pain"),
            {
                "resourceType": "Observation",
                **reported,
                "code": {
                    "coding": [
                        {
                            "system": codes.LOINC,
                            "code": codes.PAIN_SEVERITY,
                            "display": codes.PAIN_SEVERITY_DISPLAY,
                        },
                        codes.coding("input", "intensity", "Worst pain (0-10)"),
                    ],
                    "text": "Worst pain (0-10)",
                },
                "valueQuantity": {
                    "value": episode.intensity,
                    "unit": "{score}",
                    "system": codes.UCUM,
                    "code": "{score}",
                },
            },
        )
        for finding in reported_findings(episode):
            self.add_identified(
                ids.part(key, f"finding/{finding}"),
                {
                    "resourceType": "Observation",
                    **reported,
                    "code": codes.finding_concept(self.kb, finding),
                    "valueBoolean": True,
                },
            )
        self.add_identified(
            ids.part(key, "triage"), self.triage(episode, item.assessment, patient, response)
        )

    def check_in(self, check_in: CheckIn) -> None:
        """A check-in's QuestionnaireResponse and an Observation of each measure's score."""
        key = ids.check_in_key(self.patient, check_in.at)
        patient = {"reference": ids.full_url(self.patient)}
        at = _time(check_in.at)
        answered = [
            (measure, self.ratings(measure, check_in.answers[measure.id]))
            for measure in self.kb.measures.measures
            if check_in.answers.get(measure.id)
        ]
        if not answered:  # rates no measure of this release: nothing to say
            return
        items: list[dict[str, Any]] = []
        for measure, ratings in answered:
            if measure.personal is None:
                parts = [
                    {"linkId": f"{measure.id}.{item}", "answer": [{"valueInteger": rating}]}
                    for item, rating in ratings
                ]
                items.append({"linkId": measure.id, "item": parts})
                continue
            items += [
                {
                    "linkId": measure.id,
                    "item": [
                        {"linkId": f"{measure.id}.activity", "answer": [{"valueString": name}]},
                        {"linkId": f"{measure.id}.rating", "answer": [{"valueInteger": rating}]},
                    ],
                }
                for name, rating in ratings
            ]
        questionnaire = codes.check_in_questionnaire()
        self.add_identified(
            key,
            {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
                "status": "completed",
                "subject": patient,
                "authored": at,
                "author": patient,
                "source": patient,
                "item": items,
            },
        )
        response = {
            "reference": ids.full_url(key),
            "type": "QuestionnaireResponse",
            "identifier": ids.identifier(key),
        }
        for measure, ratings in answered:
            value = score(dict(ratings))
            if value is None:  # not answered (only answered measures are listed)
                continue
            observation: dict[str, Any] = {
                "resourceType": "Observation",
                "status": "final",
                "category": [codes.SURVEY],
                "code": codes.measure_concept(measure),
                "subject": patient,
                "effectiveDateTime": at,
                "performer": [patient],
                "derivedFrom": [response],
                "valueQuantity": {
                    "value": _score(value),
                    "unit": "{score}",
                    "system": codes.UCUM,
                    "code": "{score}",
                },
            }
            if measure.personal is not None:
                observation["component"] = [
                    {"code": {"text": name}, "valueInteger": rating} for name, rating in ratings
                ]
            self.add_identified(ids.part(key, f"score/{measure.id}"), observation)

    def ratings(self, measure: Measure, answers: Mapping[str, int]) -> list[tuple[str, int]]:
        """A measure's ratings in a check-in, in the measure's order: by item id for fixed
        items, by the activity's name (in the order the activities were named) for those the
        person names."""
        if measure.personal is None:
            return [(item.id, answers[item.id]) for item in measure.items if item.id in answers]
        label = measure.personal.label
        # Item ids are the activities' ids as text: by length, then text, is by number.
        named = sorted(answers, key=lambda item: (len(item), item))
        return [
            (self.record.activity_names.get(item, f"{label} {item}"), answers[item])
            for item in named
        ]

    def response(self, episode: Episode, origin: Origin, patient: dict[str, str]) -> dict[str, Any]:
        answers: dict[str, list[dict[str, Any]]] = {
            "started_at": [{"valueDateTime": _time(episode.started_at)}],
            "intensity": [{"valueInteger": episode.intensity}],
        }
        if episode.ended_at is not None:
            answers["ended_at"] = [{"valueDateTime": _time(episode.ended_at)}]
        for link, kind in codes.CHOICES.items():
            value = getattr(episode, link)
            values = [value] if link == "onset" else list(value)
            chosen = [getattr(v, "value", v) for v in values if v is not None]
            if chosen:
                answers[link] = [self.coded(kind, code) for code in chosen]
        if episode.stress is not None:
            answers["stress"] = [{"valueInteger": episode.stress}]
        if episode.notes:
            answers["notes"] = [{"valueString": episode.notes}]
        if episode.declined:
            answers["declined"] = [{"valueBoolean": True}]
        items: list[dict[str, Any]] = []
        for link in codes.link_order():
            if link == "remedies":
                items += [
                    {
                        "linkId": "remedies",
                        "item": [
                            {
                                "linkId": "remedies.remedy",
                                "answer": [self.coded("remedy", use.remedy)],
                            },
                            {
                                "linkId": "remedies.helped",
                                "answer": [self.coded("helped", use.helped.value)],
                            },
                        ],
                    }
                    for use in episode.remedies
                ]
            elif link in answers:
                items.append({"linkId": link, "answer": answers[link]})
        questionnaire = codes.questionnaire()
        return {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
            "status": "completed",
            "subject": patient,
            "authored": _time(origin.recorded_at),
            "author": patient,
            "source": patient,
            "item": items,
        }

    def triage(
        self,
        episode: Episode,
        assessment: Assessment,
        patient: dict[str, str],
        response: dict[str, Any],
    ) -> dict[str, Any]:
        """The triage result: its level, a component per matched rule (by code: the rule's
        message, level and sources are its concept in the CodeSystem), whether the check is
        complete, and one component naming the questions still unanswered, their codes in a
        string (a component per question made them a quarter of the Bundle; docs/fhir.md
        says why a string)."""
        components: list[dict[str, Any]] = [
            {
                "code": {"coding": [codes.coding("rule", flag.id, self.rules[flag.id].title)]},
                "valueCodeableConcept": {"coding": [self.level_coding(flag.level)]},
            }
            for flag in assessment.matched_rules
        ]
        components.append(
            {
                "code": {
                    "coding": [
                        codes.coding(
                            None,
                            codes.TRIAGE_COMPLETE,
                            "Every warning sign that could raise the level was asked",
                        )
                    ]
                },
                "valueBoolean": assessment.complete,
            }
        )
        questions = list(self.questions(assessment.unanswered))
        if questions:
            components.append(
                {
                    "code": {
                        "coding": [
                            codes.coding(
                                None, codes.TRIAGE_UNANSWERED, codes.TRIAGE_UNANSWERED_DISPLAY
                            )
                        ]
                    },
                    "valueString": " ".join(questions),
                }
            )
        return {
            "resourceType": "Observation",
            "status": "final",
            "category": [codes.SURVEY],
            "code": {
                "coding": [codes.coding(None, codes.TRIAGE_RESULT, "Triage result")],
                "text": "Triage result (neckcheck)",
            },
            "subject": patient,
            "effectivePeriod": _period(episode),
            "issued": _time(self.now),
            "valueCodeableConcept": self.level(assessment.level),
            "method": {
                "coding": [codes.coding(None, codes.TRIAGE_METHOD, codes.TRIAGE_METHOD_DISPLAY)]
            },
            "derivedFrom": [response],
            "component": components,
        }

    def level_coding(self, level: Level) -> dict[str, str]:
        return codes.coding("level", level.value, self.kb.advice.levels[level].title)

    def questions(self, unanswered: list[str]) -> Iterator[str]:
        """The code of each unanswered question, most urgent first: a screening group's when
        every finding of the group is unanswered (where it first comes), else each finding
        or input on its own. Codes alone: there are dozens in an episode that was not
        screened, and the CodeSystem gives each its display."""
        left = set(unanswered)
        whole = {
            group.id: group for group in self.kb.screening.groups if left.issuperset(group.findings)
        }
        given: set[str] = set()
        for name in unanswered:
            group = next((g for g in whole.values() if name in g.findings), None)
            if group is not None:
                if group.id not in given:
                    given.add(group.id)
                    yield f"screening.{group.id}"
            elif name in self.kb.finding_ids:
                yield f"finding.{name}"
            else:
                yield f"input.{name}"


def _shape(value: Any) -> Any:
    """What an entry's validity depends on: its structure (each key, and what each list
    holds), with every value by its type, except a text that is empty or only whitespace,
    which FHIR's string type refuses. Every other value the builder writes is of a type FHIR
    takes whatever it is: times from aware datetimes, codes from the validated knowledge base,
    UUIDs, numbers from validated episodes; so an entry of a shape already validated is
    valid."""
    if isinstance(value, dict):
        return tuple((key, _shape(item)) for key, item in value.items())
    if isinstance(value, list):
        return (list, not value, frozenset(_shape(item) for item in value))
    if isinstance(value, str):
        return (str, None if value.strip() else value)
    return type(value)


def bundle_chunks(
    record: DiaryRecord, *, now: datetime, kind: BundleKind = "transaction"
) -> Iterator[str]:
    """The diary as a FHIR Bundle (JSON text), in pieces: the Bundle's opening, then each
    entry as it is made, on a line of its own, then its end. (Entries are written without
    indentation: the JSON encoder's fast path, and a file a third smaller.)

    Each entry is validated with its resource's fhir.resources model (and the entry's), the
    first of each shape (:func:`_shape`): a diary's thousands of episodes are made from a
    few dozen shapes, and validating every one cost four fifths of the export's time."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle, BundleEntry

    opening = {"resourceType": "Bundle", "type": kind, "timestamp": _time(now)}
    Bundle.model_validate({**opening, "entry": []})
    head = json.dumps(opening, indent=2, ensure_ascii=False)
    yield head[: head.rindex("\n")] + ',\n  "entry": [\n'
    builder = _Builder(record, now)
    first = True
    validated: set[Any] = set()  # the shapes of entry validated so far
    for entries in _entries(builder, record):
        for entry in entries:
            if kind == "collection":
                entry = {k: v for k, v in entry.items() if k != "request"}
            shape = _shape(entry)
            if shape not in validated:
                resource = entry["resource"]
                get_fhir_model_class(resource["resourceType"]).model_validate(resource)
                BundleEntry.model_validate({k: v for k, v in entry.items() if k != "resource"})
                validated.add(shape)
            text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
            yield ("    " if first else ",\n    ") + text
            first = False
    yield "\n  ]\n}"


def _entries(builder: _Builder, record: DiaryRecord) -> Iterator[list[dict[str, Any]]]:
    """The Bundle's entries a few at a time: the canonical resources and the Patient, then
    each episode's, then each check-in's."""
    builder.canonical()
    builder.patient_resource()
    yield builder.take()
    for item in record.episodes:
        builder.episode(item)
        yield builder.take()
    for check_in in record.check_ins:
        builder.check_in(check_in)
        yield builder.take()


def export_bundle(record: DiaryRecord, *, now: datetime, kind: BundleKind = "transaction") -> str:
    """The diary as a FHIR Bundle (JSON text), each resource validated by fhir.resources
    (see :func:`bundle_chunks`)."""
    return "".join(bundle_chunks(record, now=now, kind=kind))
