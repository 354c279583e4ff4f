"""neckcheck's CodeSystem and Questionnaires, and the codings the export uses.

Every code neckcheck uses in FHIR is in one CodeSystem, :data:`CODE_SYSTEM`
(``urn:neckcheck:codes``), published in every exported Bundle. Its codes are grouped by
kind, and each code starts with its kind, so that codes of different kinds never clash::

    finding.neck_stiffness   region.upper_left   level.emergency   rule.meningitis
    source.nhs-meningitis    input.age_years     measure.psfs      triage-result

Standard codings (SNOMED CT, ICD-10-CM, LOINC) come first in a CodeableConcept, each with
its published display; the neckcheck coding is always there too.

Two Questionnaires: the episode's (:func:`questionnaire`) and the weekly check-in's
(:func:`check_in_questionnaire`), whose items are made from the outcome measures of
``knowledge/data/measures.yaml``.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from neckcheck.knowledge.models import KnowledgeBase, Measure
from neckcheck.levels import Level
from neckcheck.vocab import Activity, Helped, Movement, Onset, PainQuality, Region

__all__ = [
    "CHECK_IN_URL",
    "CODE_SYSTEM",
    "ICD10CM",
    "LOINC",
    "PAIN_SEVERITY",
    "PAIN_SEVERITY_DISPLAY",
    "QUESTIONNAIRE_URL",
    "SNOMED",
    "SURVEY",
    "check_in_questionnaire",
    "code_system",
    "coding",
    "finding_concept",
    "measure_concept",
    "questionnaire",
]

CODE_SYSTEM = "urn:neckcheck:codes"
QUESTIONNAIRE_URL = "urn:neckcheck:questionnaire:episode"
QUESTIONNAIRE_MAJOR = "2"
CHECK_IN_URL = "urn:neckcheck:questionnaire:check-in"
CHECK_IN_MAJOR = "1"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
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
NOT_SELECTABLE = "http://hl7.org/fhir/concept-properties#notSelectable"
# Standard extensions of Questionnaire items: a rating's bounds, how often a group repeats.
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
MIN_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs"
MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"

# The Questionnaire's choice questions: linkId -> kind of code (the CodeSystem's group).
CHOICES: dict[str, str] = {
    "onset": "onset",
    "pain_qualities": "pain-quality",
    "regions": "region",
    "limited_movements": "movement",
    "findings": "finding",
    "absent": "finding",
    "triggers": "trigger",
    "activities_affected": "activity",
}
# The triage result's own concepts (not grouped).
TRIAGE_RESULT = "triage-result"
TRIAGE_METHOD = "triage-rules-v3"
TRIAGE_METHOD_DISPLAY = "neckcheck triage rules, version 3"
TRIAGE_COMPLETE = "triage-complete"
TRIAGE_UNANSWERED = "triage-unanswered"
TRIAGE_UNANSWERED_DISPLAY = "Questions still unanswered"


def coding(kind: str | None, code: str, display: str) -> dict[str, str]:
    """A coding in neckcheck's CodeSystem: ``coding("finding", "fever", "Fever")``."""
    return {
        "system": CODE_SYSTEM,
        "code": f"{kind}.{code}" if kind else code,
        "display": display,
    }


def finding_concept(kb: KnowledgeBase, finding_id: str) -> dict[str, Any]:
    """The CodeableConcept of a finding: its SNOMED CT and ICD-10-CM codes where it has
    them, then its neckcheck code."""
    finding = kb.finding(finding_id)
    codings: list[dict[str, Any]] = []
    if finding.codes.snomed:
        codings.append(
            {
                "system": SNOMED,
                "code": finding.codes.snomed,
                "display": finding.codes.snomed_display,
            }
        )
    if finding.codes.icd10cm:
        codings.append(
            {
                "system": ICD10CM,
                "code": finding.codes.icd10cm,
                "display": finding.codes.icd10cm_display,
            }
        )
    codings.append(coding("finding", finding.id, finding.label))
    return {"coding": codings, "text": finding.label}


def _measure_display(measure: Measure) -> str:
    return f"{measure.name} ({measure.short})"


def _measure_definition(kb: KnowledgeBase, measure: Measure) -> str:
    """What a measure's score is, in the words of its knowledge file."""
    scale = measure.scale
    if measure.personal is not None:
        rated = (
            f"the mean of the ratings of {measure.personal.min} to {measure.personal.max} "
            "activities the person names"
        )
    elif len(measure.items) == 1:
        rated = f"the rating of {measure.items[0].label.lower()}"
    else:
        rated = f"the mean of the ratings of its {len(measure.items)} items"
    sources = "; ".join(kb.source(key).short_citation() for key in measure.sources)
    return (
        f"{measure.title}, a score of the weekly check-in: {rated}, from {scale.min} "
        f"({scale.low}) to {scale.max} ({scale.high}); {measure.better} is better. Asked: "
        f"{measure.question} The smallest change that matters to a person: "
        f"{measure.important_change:g} points ({sources})."
    )


def measure_concept(measure: Measure) -> dict[str, Any]:
    """The CodeableConcept of a measure's score: its LOINC code where it has one, then its
    neckcheck code (``measure.psfs``)."""
    codings: list[dict[str, Any]] = []
    if measure.loinc is not None:
        codings.append(
            {"system": LOINC, "code": measure.loinc.code, "display": measure.loinc.display}
        )
    codings.append(coding("measure", measure.id, _measure_display(measure)))
    text = f"{measure.title} ({measure.short}, {measure.scale.min}-{measure.scale.max})"
    return {"coding": codings, "text": text}


def _labelled(kb: KnowledgeBase, field: str, enum: Any) -> list[tuple[str, str]]:
    return [(member.value, kb.labels.of(field, member.value)) for member in enum]


def choices(kb: KnowledgeBase) -> dict[str, list[tuple[str, str]]]:
    """Every kind of answer code with its (code, display) pairs, in the order people see them."""
    return {
        "finding": [(f.id, f.label) for f in kb.findings],
        "onset": _labelled(kb, "onset", Onset),
        "pain-quality": _labelled(kb, "pain_qualities", PainQuality),
        "region": _labelled(kb, "regions", Region),
        "movement": _labelled(kb, "limited_movements", Movement),
        "trigger": [(t.id, t.label) for t in kb.diary.triggers],
        "remedy": [(r.id, r.label) for r in kb.diary.remedies],
        "helped": _labelled(kb, "helped", Helped),
        "activity": _labelled(kb, "activities_affected", Activity),
    }


_GROUPS = {
    "finding": "Symptoms, signs and circumstances a person answers yes or no to",
    "onset": "How an episode started",
    "pain-quality": "How the pain feels",
    "region": "Where it hurts, as the neck diagram divides it",
    "movement": "Movements of the head and neck that can be limited",
    "trigger": "What might have set an episode off",
    "remedy": "Remedies a person tried",
    "helped": "How well a remedy helped",
    "activity": "What an episode got in the way of",
    "level": "Triage levels, most urgent first",
    "rule": "The triage rules (version 3: docs/clinical-review.md)",
    "screening": "The groups of warning signs the interview asks about together",
    "source": "The sources the triage rules cite",
    "input": "Numbers and answers the triage asks for besides findings",
    "measure": "The outcome measures of the weekly check-in, each code the measure's score",
}


def _concepts(kb: KnowledgeBase) -> list[dict[str, Any]]:
    answers = choices(kb)
    questions = {f.id: f.question for f in kb.findings}

    def group(kind: str, children: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "code": kind,
            "display": _GROUPS[kind],
            "property": [{"code": "notSelectable", "valueBoolean": True}],
            "concept": children,
        }

    concepts = [
        group(
            kind,
            [
                {
                    "code": f"{kind}.{code}",
                    "display": display,
                    **({"definition": questions[code]} if kind == "finding" else {}),
                }
                for code, display in pairs
            ],
        )
        for kind, pairs in answers.items()
    ]
    concepts.append(
        group(
            "level",
            [
                {
                    "code": f"level.{level.value}",
                    "display": kb.advice.levels[level].title,
                    "definition": kb.advice.levels[level].meaning,
                }
                for level in Level
            ],
        )
    )
    concepts.append(
        group(
            "rule",
            [
                {
                    "code": f"rule.{rule.id}",
                    "display": rule.title,
                    "definition": rule.message,
                    "property": [
                        {"code": "level", "valueCode": f"level.{rule.level.value}"},
                        *({"code": "source", "valueCode": f"source.{key}"} for key in rule.sources),
                    ],
                }
                for rule in kb.rules
            ],
        )
    )
    concepts.append(
        group(
            "screening",
            [
                {
                    "code": f"screening.{g.id}",
                    "display": g.title,
                    "definition": " ".join(g.hint.split()),
                    "property": [
                        {"code": "finding", "valueCode": f"finding.{finding}"}
                        for finding in g.findings
                    ],
                }
                for g in kb.screening.groups
            ],
        )
    )
    concepts.append(
        group(
            "source",
            [{"code": f"source.{s.key}", "display": s.citation()} for s in kb.sources],
        )
    )
    concepts.append(
        group(
            "input",
            [
                {"code": f"input.{i.field}", "display": i.label, "definition": i.question}
                for i in kb.inputs
            ],
        )
    )
    concepts.append(
        group(
            "measure",
            [
                {
                    "code": f"measure.{m.id}",
                    "display": _measure_display(m),
                    "definition": _measure_definition(kb, m),
                    "property": [{"code": "source", "valueCode": f"source.{k}"} for k in m.sources],
                }
                for m in kb.measures.measures
            ],
        )
    )
    concepts += [
        {
            "code": TRIAGE_RESULT,
            "display": "Triage result",
            "definition": "The level of care an episode calls for by neckcheck's triage rules, "
            "with every rule that matched (a rule's message, level and sources are its concept "
            "here) and the questions still unanswered.",
        },
        {
            "code": TRIAGE_METHOD,
            "display": TRIAGE_METHOD_DISPLAY,
            "definition": "The most urgent level among the rules that match an episode's "
            "answers; self care when none matches (clinical/TRIAGE.md v2 with the changes of "
            "docs/clinical-review.md, version 3). " + " ".join(kb.advice.disclaimer.split()),
        },
        {
            "code": TRIAGE_COMPLETE,
            "display": "Every warning sign that could raise the level was asked",
            "definition": "False while a question that could make the level urgent or an "
            "emergency is unanswered: the level is then the least the answers call for.",
        },
        {
            "code": TRIAGE_UNANSWERED,
            "display": TRIAGE_UNANSWERED_DISPLAY,
            "definition": "The questions whose answers could raise the level, most urgent "
            "first. The value is a string of codes of this CodeSystem separated by single "
            "spaces ('input.age_years screening.injury finding.fever'): each a finding or an "
            "input, or a screening group when every one of its findings is unanswered (its "
            "property 'finding' names them).",
        },
    ]
    return concepts


def _count(concepts: list[dict[str, Any]]) -> int:
    return sum(1 + _count(c.get("concept", [])) for c in concepts)


def _digest(content: object) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@cache
def code_system() -> dict[str, Any]:
    """neckcheck's CodeSystem. Its version is the release and a digest of its concepts,
    so that it changes whenever a code or a display does."""
    from neckcheck import __version__
    from neckcheck.knowledge import load

    concepts = _concepts(load())
    return {
        "resourceType": "CodeSystem",
        "url": CODE_SYSTEM,
        "version": f"{__version__}-{_digest(concepts)}",
        "name": "NeckcheckCodes",
        "title": "neckcheck codes",
        "status": "active",
        "experimental": False,
        "publisher": "neckcheck",
        "description": "Every code neckcheck uses: the findings a person answers about, the "
        "answers of the episode Questionnaire, the triage levels, rules and sources, the "
        "outcome measures of the weekly check-in, and the triage result's own codes. Each code "
        "starts with its group ('finding.fever'). "
        "A triage result names its rules by code; their messages and sources are here, once.",
        "caseSensitive": True,
        "hierarchyMeaning": "grouped-by",
        "content": "complete",
        "count": _count(concepts),
        "property": [
            {
                "code": "notSelectable",
                "uri": NOT_SELECTABLE,
                "description": "A group of codes, not a code to record",
                "type": "boolean",
            },
            {
                "code": "level",
                "description": "The level a triage rule calls for",
                "type": "code",
            },
            {
                "code": "source",
                "description": "A source a triage rule or an outcome measure cites",
                "type": "code",
            },
            {
                "code": "finding",
                "description": "A finding a screening group asks about",
                "type": "code",
            },
        ],
        "concept": concepts,
    }


def _options(kb: KnowledgeBase, kind: str) -> list[dict[str, Any]]:
    return [{"valueCoding": coding(kind, code, display)} for code, display in choices(kb)[kind]]


@cache
def questionnaire() -> dict[str, Any]:
    """The Questionnaire an episode's QuestionnaireResponse answers; its items are in the
    order the response's items follow."""
    from neckcheck.knowledge import load

    kb = load()

    def choice(link: str, text: str, repeats: bool) -> dict[str, Any]:
        return {
            "linkId": link,
            "text": text,
            "type": "choice",
            "repeats": repeats,
            "answerOption": _options(kb, CHOICES[link]),
        }

    items: list[dict[str, Any]] = [
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
            "code": [{"system": LOINC, "code": PAIN_SEVERITY, "display": PAIN_SEVERITY_DISPLAY}],
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
                    "answerOption": _options(kb, "remedy"),
                },
                {
                    "linkId": "remedies.helped",
                    "text": "Did it help?",
                    "type": "choice",
                    "answerOption": _options(kb, "helped"),
                },
            ],
        },
        choice("activities_affected", "What did it get in the way of?", True),
        {"linkId": "stress", "text": "Stress level, 0-10", "type": "integer"},
        {"linkId": "notes", "text": "Notes", "type": "text"},
        {
            "linkId": "declined",
            "text": "Chose not to answer the remaining warning-sign questions",
            "type": "boolean",
        },
    ]
    return {
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_URL,
        "version": f"{QUESTIONNAIRE_MAJOR}-{_digest(items)}",
        "name": "NeckcheckEpisode",
        "title": "neckcheck: neck spasm episode",
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def link_order() -> list[str]:
    """The Questionnaire's top-level linkIds, in order."""
    return [item["linkId"] for item in questionnaire()["item"]]


def _bounded(item: dict[str, Any], low: int, high: int) -> dict[str, Any]:
    return {
        **item,
        "extension": [
            {"url": MIN_VALUE, "valueInteger": low},
            {"url": MAX_VALUE, "valueInteger": high},
        ],
    }


def _measure_item(measure: Measure) -> dict[str, Any]:
    """A measure as a group of the check-in Questionnaire (``linkId`` its id, coded as its
    score): an integer question per fixed item, or a group repeated per activity the person
    names, of the activity and its rating."""
    scale = measure.scale
    group: dict[str, Any] = {
        "linkId": measure.id,
        "code": measure_concept(measure)["coding"],
        "text": measure.title,
        "type": "group",
    }
    if measure.personal is None:
        return {
            **group,
            "item": [
                _bounded(
                    {
                        "linkId": f"{measure.id}.{item.id}",
                        "text": f"{measure.question} ({scale.min} = {scale.low}, "
                        f"{scale.max} = {scale.high})",
                        "type": "integer",
                    },
                    scale.min,
                    scale.max,
                )
                for item in measure.items
            ],
        }
    personal = measure.personal
    return {
        **group,
        "extension": [
            {"url": MIN_OCCURS, "valueInteger": personal.min},
            {"url": MAX_OCCURS, "valueInteger": personal.max},
        ],
        "repeats": True,
        "item": [
            {
                "linkId": f"{measure.id}.activity",
                "text": personal.label,
                "type": "string",
                "required": True,
            },
            _bounded(
                {
                    "linkId": f"{measure.id}.rating",
                    "text": f"{measure.question} ({scale.min} = {scale.low}, "
                    f"{scale.max} = {scale.high})",
                    "type": "integer",
                    "required": True,
                },
                scale.min,
                scale.max,
            ),
        ],
    }


@cache
def check_in_questionnaire() -> dict[str, Any]:
    """The Questionnaire a weekly check-in's QuestionnaireResponse answers: a group per
    outcome measure of ``measures.yaml``, in its order, with neckcheck's own questions."""
    from neckcheck.knowledge import load

    items = [_measure_item(measure) for measure in load().measures.measures]
    return {
        "resourceType": "Questionnaire",
        "url": CHECK_IN_URL,
        "version": f"{CHECK_IN_MAJOR}-{_digest(items)}",
        "name": "NeckcheckCheckIn",
        "title": "neckcheck: weekly check-in",
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }
