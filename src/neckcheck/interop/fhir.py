"""FHIR export and import of a diary, with the ``fhir.resources`` models.

    >>> bundle_json = export_bundle(episodes, patient_name="Me", now=now)
    >>> creates = import_bundle(bundle_json)        # list of EpisodeCreate, all validated

The Bundle (type ``collection``) holds:

* the Patient and the Questionnaire neckcheck publishes (:data:`QUESTIONNAIRE_URL`);
* per episode, a QuestionnaireResponse that carries every field of the episode (the import
  reads these, so export then import loses nothing);
* per episode, an Observation of worst pain (LOINC 72514-3, 0-10), and an Observation per
  finding said yes or no to that has a SNOMED CT or ICD-10-CM code in the catalogue.

Statuses do not overstate: a diary is patient-reported, so Observations are
``preliminary``, in the ``survey`` category, performed by the Patient. The models are
fhir.resources' R4B package (FHIR 4.3), whose Patient, Observation, Questionnaire,
QuestionnaireResponse and Bundle have the same structure as in R4.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from neckcheck.domain import (
    Activity,
    Episode,
    EpisodeCreate,
    Helped,
    Movement,
    Onset,
    PainQuality,
    Region,
)
from neckcheck.errors import FieldProblem, InputError

QUESTIONNAIRE_URL = "urn:neckcheck:questionnaire:episode"
QUESTIONNAIRE_VERSION = "1"
CODE_SYSTEM = "urn:neckcheck:code"  # + ":finding", ":region", ... per value set
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
PAIN_SEVERITY = "72514-3"
PAIN_SEVERITY_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}
_NAMESPACE = uuid.UUID("6f1c1d9e-8a51-4c1e-9a7d-5b0c3e2f4a10")

# linkId -> (value set name, enumeration or None for catalogue lists).
_CHOICES: dict[str, tuple[str, Any]] = {
    "onset": ("onset", Onset),
    "pain_qualities": ("pain-quality", PainQuality),
    "regions": ("region", Region),
    "limited_movements": ("movement", Movement),
    "findings": ("finding", None),
    "absent": ("finding", None),
    "triggers": ("trigger", None),
    "activities_affected": ("activity", Activity),
}


def _urn(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(str(p) for p in parts))}"


def _system(value_set: str) -> str:
    return f"{CODE_SYSTEM}:{value_set}"


def _options(value_set: str, enum: Any) -> list[dict[str, Any]]:
    from neckcheck.knowledge import load

    kb = load()
    if enum is not None:
        pairs = [(member.value, member.value.replace("_", " ")) for member in enum]
    elif value_set == "finding":
        pairs = [(f.id, f.label) for f in kb.findings]
    elif value_set == "trigger":
        pairs = [(t.id, t.label) for t in kb.diary.triggers]
    else:
        pairs = [(r.id, r.label) for r in kb.diary.remedies]
    return [
        {"valueCoding": {"system": _system(value_set), "code": code, "display": display}}
        for code, display in pairs
    ]


def questionnaire() -> dict[str, Any]:
    """The Questionnaire an episode's QuestionnaireResponse answers."""

    def choice(link: str, text: str, repeats: bool) -> dict[str, Any]:
        value_set, enum = _CHOICES[link]
        return {
            "linkId": link,
            "text": text,
            "type": "choice",
            "repeats": repeats,
            "answerOption": _options(value_set, enum),
        }

    return {
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_URL,
        "version": QUESTIONNAIRE_VERSION,
        "name": "NeckcheckEpisode",
        "title": "neckcheck: neck spasm episode",
        "status": "active",
        "subjectType": ["Patient"],
        "item": [
            {
                "linkId": "started_at",
                "text": "When did it start?",
                "type": "dateTime",
                "required": True,
            },
            {"linkId": "ended_at", "text": "When did it stop?", "type": "dateTime"},
            choice("onset", "How did it start?", False),
            {
                "linkId": "intensity",
                "text": "Worst pain, 0-10",
                "type": "integer",
                "required": True,
                "code": [{"system": LOINC, "code": PAIN_SEVERITY}],
            },
            choice("pain_qualities", "How does the pain feel?", True),
            choice("regions", "Where does it hurt?", True),
            choice("limited_movements", "Which movements are limited?", True),
            choice("findings", "Symptoms and signs present", True),
            choice("absent", "Symptoms and signs asked about and said no to", True),
            choice("triggers", "What might have set it off?", True),
            {
                "linkId": "remedies",
                "text": "Remedies tried",
                "type": "group",
                "repeats": True,
                "item": [
                    {
                        "linkId": "remedies.remedy",
                        "text": "Remedy",
                        "type": "choice",
                        "answerOption": _options("remedy", None),
                    },
                    {
                        "linkId": "remedies.helped",
                        "text": "Did it help?",
                        "type": "choice",
                        "answerOption": _options("helped", Helped),
                    },
                ],
            },
            choice("activities_affected", "What did it get in the way of?", True),
            {"linkId": "stress", "text": "Stress level, 0-10", "type": "integer"},
            {"linkId": "notes", "text": "Notes", "type": "text"},
        ],
    }


def _coding(value_set: str, code: str) -> dict[str, Any]:
    return {"valueCoding": {"system": _system(value_set), "code": code}}


def _response(episode: Episode, patient: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"linkId": "started_at", "answer": [{"valueDateTime": episode.started_at.isoformat()}]},
        {"linkId": "intensity", "answer": [{"valueInteger": episode.intensity}]},
    ]
    if episode.ended_at is not None:
        items.append(
            {"linkId": "ended_at", "answer": [{"valueDateTime": episode.ended_at.isoformat()}]}
        )
    for link, (value_set, _enum) in _CHOICES.items():
        value = getattr(episode, link)
        values = [value] if link == "onset" else list(value)
        codes = [getattr(v, "value", v) for v in values if v is not None]
        if codes:
            items.append({"linkId": link, "answer": [_coding(value_set, c) for c in codes]})
    for use in episode.remedies:
        items.append(
            {
                "linkId": "remedies",
                "item": [
                    {"linkId": "remedies.remedy", "answer": [_coding("remedy", use.remedy)]},
                    {"linkId": "remedies.helped", "answer": [_coding("helped", use.helped.value)]},
                ],
            }
        )
    if episode.stress is not None:
        items.append({"linkId": "stress", "answer": [{"valueInteger": episode.stress}]})
    if episode.notes:
        items.append({"linkId": "notes", "answer": [{"valueString": episode.notes}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": "urn:neckcheck:episode", "value": str(episode.id)},
        "questionnaire": f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}",
        "status": "completed",
        "subject": {"reference": patient},
        "author": {"reference": patient},
        "source": {"reference": patient},
        "authored": episode.updated_at.isoformat(),
        "item": items,
    }


def _period(episode: Episode) -> dict[str, str]:
    period = {"start": episode.started_at.isoformat()}
    if episode.ended_at is not None:
        period["end"] = episode.ended_at.isoformat()
    return period


def _observations(
    episode: Episode, patient: str, response: str
) -> list[tuple[str, dict[str, Any]]]:
    from neckcheck.knowledge import load

    common = {
        "status": "preliminary",
        "category": [SURVEY],
        "subject": {"reference": patient},
        "performer": [{"reference": patient}],
        "effectivePeriod": _period(episode),
        "derivedFrom": [{"reference": response}],
    }
    result = [
        (
            _urn("intensity", episode.id),
            {
                "resourceType": "Observation",
                **common,
                "code": {
                    "coding": [
                        {
                            "system": LOINC,
                            "code": PAIN_SEVERITY,
                            "display": PAIN_SEVERITY_DISPLAY,
                        }
                    ],
                    "text": "Worst pain (0-10)",
                },
                "valueInteger": episode.intensity,
            },
        )
    ]
    kb = load()
    answers = [(f, True) for f in episode.derived_findings()] + [(f, False) for f in episode.absent]
    for finding_id, present in answers:
        finding = kb.finding(finding_id)
        coding = []
        if finding.codes.snomed:
            coding.append({"system": SNOMED, "code": finding.codes.snomed})
        if finding.codes.icd10cm:
            coding.append({"system": ICD10CM, "code": finding.codes.icd10cm})
        if not coding:
            continue
        result.append(
            (
                _urn("finding", episode.id, finding_id),
                {
                    "resourceType": "Observation",
                    **common,
                    "code": {"coding": coding, "text": finding.label},
                    "valueBoolean": present,
                },
            )
        )
    return result


def export_bundle(
    episodes: list[Episode], *, patient_name: str, now: datetime, patient_id: int = 1
) -> str:
    """The diary as a FHIR Bundle (JSON text), validated by fhir.resources."""
    from fhir.resources.R4B.bundle import Bundle

    patient = _urn("patient", patient_id)
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": patient,
            "resource": {"resourceType": "Patient", "name": [{"text": patient_name}]},
        },
        {"fullUrl": _urn("questionnaire", QUESTIONNAIRE_VERSION), "resource": questionnaire()},
    ]
    for episode in sorted(episodes, key=lambda e: e.started_at):
        response = _urn("response", episode.id)
        entries.append({"fullUrl": response, "resource": _response(episode, patient)})
        entries += [
            {"fullUrl": url, "resource": resource}
            for url, resource in _observations(episode, patient, response)
        ]
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": now.isoformat(),
            "entry": entries,
        }
    )
    return bundle.model_dump_json(exclude_none=True, indent=2)


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
        elif link == "onset":
            payload[link] = answers[0].valueCoding.code if answers else None
        elif link in _CHOICES:
            payload[link] = [a.valueCoding.code for a in answers]
        elif link == "remedies":
            parts = {sub.linkId: _answers(sub) for sub in item.item or []}
            payload.setdefault("remedies", []).append(
                {
                    "remedy": parts["remedies.remedy"][0].valueCoding.code,
                    "helped": parts["remedies.helped"][0].valueCoding.code,
                }
            )
        else:
            raise ValueError(f"unknown question {link!r}")
    return payload


def import_bundle(text: str) -> list[EpisodeCreate]:
    """The episodes in a Bundle made by :func:`export_bundle`; every one is validated first.

    Raises InputError naming the entry (by index) and the field that is wrong.
    """
    from fhir.resources.R4B.bundle import Bundle

    try:
        bundle = Bundle.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON (line {exc.lineno}: {exc.msg})", field="bundle") from None
    except ValidationError as exc:
        raise InputError.from_pydantic(exc, prefix="bundle") from None
    episodes: list[EpisodeCreate] = []
    problems: list[FieldProblem] = []
    for index, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        if resource is None or resource.__resource_type__ != "QuestionnaireResponse":
            continue
        if (getattr(resource, "questionnaire", None) or "").split("|")[0] != QUESTIONNAIRE_URL:
            continue
        where = f"entry.{index} (QuestionnaireResponse)"
        try:
            payload = _episode_payload(resource)
            episodes.append(EpisodeCreate.model_validate(payload))
        except ValidationError as exc:
            problems += InputError.from_pydantic(exc, prefix=where).problems
        except (ValueError, KeyError, IndexError, AttributeError) as exc:
            problems.append(FieldProblem(where, f"cannot read it: {exc}"))
    if problems:
        raise InputError(problems)
    return episodes
