"""The FHIR export tried by software no one here wrote: every resource validated by Medplum's
validator and the official FHIR R4 JSON schema; the transaction posted twice into Medplum's
FHIR router and searched back by code, status, patient and date; a searchset read back from
it imported again. The same for a diary with weekly check-ins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neckcheck.domain import EpisodeCreate
from neckcheck.errors import InputError
from neckcheck.interop.fhir import CHECK_IN_URL
from neckcheck.services.outcomes import Outcomes
from neckcheck.storage.db import open_database
from tests.conftest import report
from tests.databases import new_sqlite
from tests.factories import local_diary
from tests.interop.diaries import (
    CHECK_INS,
    SAMPLE,
    FhirJson,
    codes_of,
    every_field,
    export,
    resources,
    write_check_ins,
    write_diary,
)
from tests.interop.medplum import Medplum

CODES = "urn:neckcheck:codes"
PAIN = "code=http://loinc.org|72514-3"
# Medplum warns (no more) that a urn:uuid is not a reference to a resource type, although in
# a Bundle it is one: the server resolves it to the resource that entry creates.
URN_REFERENCE = 'warning: Invalid reference: got "urn:uuid:'


def _errors(issues: list[str]) -> list[str]:
    return [issue for issue in issues if not issue.startswith(URN_REFERENCE)]


def _searchset(*found: list[FhirJson]) -> str:
    """Resources a server found, as the searchset Bundle it answers with."""
    entries = [
        {"fullUrl": f"https://fhir.example/{r['resourceType']}/{r['id']}", "resource": r}
        for resources_found in found
        for r in resources_found
    ]
    return json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entries})


@pytest.mark.parametrize("kind", ["transaction", "collection"])
def test_every_exported_resource_validates_with_medplum_and_the_r4_schema(
    medplum: Medplum, tmp_path: Path, kind: str
) -> None:
    write_diary(tmp_path / "a.db", SAMPLE + every_field(), name="Alex Example", birth_year=1980)
    write_check_ins(tmp_path / "a.db")
    bundle = export(tmp_path / "a.db", kind)
    everything = [*resources(bundle), bundle]
    issues = medplum.validate(everything)
    assert {r["resourceType"]: _errors(i) for r, i in zip(everything, issues, strict=True)} == {
        r["resourceType"]: [] for r in everything
    }
    assert all(issue.startswith(URN_REFERENCE) for i in issues for issue in i)
    for resource in everything:
        assert medplum.schema_errors(resource) == [], resource["resourceType"]
    report(
        f"fhir-validate-{kind}",
        f"FHIR {kind}: {len(everything)} resources, 0 errors with Medplum "
        f"({sum(map(len, issues))} urn:uuid reference warnings), 0 with the R4 JSON schema",
    )


def test_the_export_posts_whole_twice_without_duplicates_and_searches_back(
    medplum: Medplum, tmp_path: Path
) -> None:
    write_diary(tmp_path / "a.db", SAMPLE, name="Alex Example", birth_year=1980)
    bundle = export(tmp_path / "a.db")
    [patient] = [e["fullUrl"] for e in bundle["entry"] if e["request"]["url"] == "Patient"]
    responses = [
        e["fullUrl"] for e in bundle["entry"] if e["request"]["url"] == "QuestionnaireResponse"
    ]
    counts: dict[str, int] = {}
    for resource in resources(bundle):
        counts[resource["resourceType"]] = counts.get(resource["resourceType"], 0) + 1
    result = medplum.post(
        bundle,
        times=2,
        searches=[
            *((kind, "_count=1000") for kind in counts),
            ("Observation", f"{PAIN}&status=final&_count=1000"),
            ("Observation", f"{PAIN}&status=preliminary"),
            ("Observation", "code=http://snomed.info/sct|386661006&_count=1000"),
            ("Observation", f"code={CODES}|finding.neck_stiffness"),
            ("Observation", f"code={CODES}|triage-result&value-concept={CODES}|level.emergency"),
            ("Observation", f"patient={patient}&_count=1000"),
            ("QuestionnaireResponse", f"patient={patient}"),
            ("Observation", f"{PAIN}&date=ge2026-06-01&_count=1000"),
            ("Observation", f"{PAIN}&date=lt2026-06-01"),
            ("Observation", f"derived-from={responses[1]}&_count=1000"),
            ("Observation", f"component-code={CODES}|triage-unanswered&_count=1000"),
        ],
    )
    first, second = result.posts
    assert (first.status, second.status) == (200, 200)
    assert first.bundle is not None and second.bundle is not None
    assert [e["response"]["status"] for e in first.bundle["entry"]] == ["201"] * len(
        bundle["entry"]
    )
    assert [e["response"]["status"] for e in second.bundle["entry"]] == ["200"] * len(
        bundle["entry"]
    )

    stored = result.searches[: len(counts)]
    assert {s.type: s.total for s in stored} == counts  # posted twice, stored once
    (
        final,
        preliminary,
        fever,
        stiff_neck,
        emergencies,
        by_patient,
        responses_of_patient,
        since_june,
        before_june,
        derived,
        open_questions,
    ) = result.searches[len(counts) :]
    assert final.total == len(SAMPLE)
    assert sorted(o["valueQuantity"]["value"] for o in final.resources) == sorted(
        e["intensity"] for e in SAMPLE
    )
    assert preliminary.total == 0
    assert fever.total == 1 and fever.resources[0]["valueBoolean"] is True
    assert stiff_neck.total == 1
    assert emergencies.total == 2  # the meningitis pattern and the chest pain
    assert by_patient.total == counts["Observation"]
    assert responses_of_patient.total == len(SAMPLE)
    assert (since_june.total, before_june.total) == (3, 1)
    # The emergency's QuestionnaireResponse: its pain score, five findings, its triage result.
    assert derived.total == 7
    triage = next(o for o in derived.resources if "triage-result" in codes_of(o, CODES))
    assert triage["valueCodeableConcept"]["coding"][0]["code"] == "level.emergency"
    # The triage results with questions still open: one component each says which.
    unfinished = [
        o["identifier"]
        for o in resources(bundle, "Observation")
        if any(codes_of(c) == ["triage-unanswered"] for c in o.get("component", []))
    ]
    assert 0 < len(unfinished) < len(SAMPLE)  # the search tells them apart
    assert sorted(o["identifier"][0]["value"] for o in open_questions.resources) == sorted(
        i[0]["value"] for i in unfinished
    )
    report(
        "fhir-medplum-post",
        f"FHIR transaction of {len(SAMPLE)} episodes: {len(bundle['entry'])} entries, all 201 "
        f"then all 200 when posted again into Medplum's router; {final.total}/{len(SAMPLE)} "
        "pain scores found by LOINC 72514-3 and status=final; no duplicates",
    )


def test_a_searchset_read_back_from_the_server_imports_as_the_same_episodes(
    medplum: Medplum, tmp_path: Path
) -> None:
    write_diary(tmp_path / "a.db", SAMPLE)
    bundle = export(tmp_path / "a.db")
    result = medplum.post(
        bundle,
        searches=[
            ("QuestionnaireResponse", "_count=1000"),
            ("Observation", "_count=1000"),
            ("Patient", ""),
            ("Observation", f"{PAIN}&_count=1000"),
        ],
    )
    responses, observations, patients, pain = result.searches

    db = open_database(new_sqlite(tmp_path / "b.db"))
    source = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    with source.session() as session:
        original = local_diary(session).episodes(newest_first=False)
    with db.session() as session:
        diary = local_diary(session)  # the same person's diary, on another installation
        added = diary.import_(
            "fhir",
            _searchset(patients.resources, responses.resources, observations.resources),
            as_mine=True,
        )
        assert (added.added, added.already) == (len(SAMPLE), 0)
        # The pain scores alone name the episodes they were derived from: nothing new.
        again = diary.import_("fhir", _searchset(pain.resources))
        assert (again.added, again.already) == (0, len(SAMPLE))
        imported = diary.episodes(newest_first=False)
    db.close()
    source.close()
    fields = set(EpisodeCreate.model_fields)
    assert [e.model_dump(include=fields) for e in imported] == [
        e.model_dump(include=fields) for e in original
    ]


def test_check_ins_post_twice_without_duplicates_search_back_and_import_again(
    medplum: Medplum, tmp_path: Path
) -> None:
    write_diary(tmp_path / "a.db", SAMPLE[:1], name="Alex Example")
    write_check_ins(tmp_path / "a.db")
    bundle = export(tmp_path / "a.db")
    check_ins = [
        e["fullUrl"]
        for e in bundle["entry"]
        if e["resource"].get("questionnaire", "").startswith(f"{CHECK_IN_URL}|")
    ]
    assert len(check_ins) == len(CHECK_INS)
    result = medplum.post(
        bundle,
        times=2,
        searches=[
            ("Questionnaire", f"url={CHECK_IN_URL}"),
            ("QuestionnaireResponse", "_count=1000"),
            ("Observation", f"code={CODES}|measure.psfs&_count=1000"),
            ("Observation", f"code={CODES}|measure.nprs&status=final&_count=1000"),
            ("Observation", f"{PAIN}&_count=1000"),
            ("Observation", f"derived-from={check_ins[1]}&_count=1000"),
            ("Observation", f"code={CODES}|measure.psfs&date=ge2026-06-20"),
            ("Observation", "_count=1000"),
            ("Patient", ""),
        ],
    )
    first, second = result.posts
    assert first.bundle is not None and second.bundle is not None
    assert {e["response"]["status"] for e in first.bundle["entry"]} == {"201"}
    assert {e["response"]["status"] for e in second.bundle["entry"]} == {"200"}
    (
        questionnaire,
        responses,
        activities,
        usual,
        pain,
        derived,
        lately,
        observations,
        patients,
    ) = result.searches
    assert questionnaire.total == 1  # one Questionnaire for every check-in, posted twice
    assert responses.total == 1 + len(CHECK_INS)
    assert sorted(o["valueQuantity"]["value"] for o in activities.resources) == [3, 4.33]
    assert sorted(o["valueQuantity"]["value"] for o in usual.resources) == [3, 6]
    # A search for LOINC 72514-3 finds the episode's worst pain and each check-in's usual
    # pain; neckcheck's codes tell them apart (input.intensity, measure.nprs).
    assert pain.total == 1 + len(CHECK_INS)
    assert derived.total == 2 and lately.total == 1

    db = open_database(new_sqlite(tmp_path / "b.db"))
    source = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    with source.session() as session:
        original = [(c.at, c.answers) for c in Outcomes(local_diary(session)).check_ins()]
    with db.session() as session:
        diary = local_diary(session)  # the same person's diary, on another installation
        added = diary.import_(
            "fhir",
            _searchset(patients.resources, responses.resources, observations.resources),
            as_mine=True,
        )
        assert (added.added, added.check_ins) == (1, len(CHECK_INS))
        imported = [(c.at, c.answers) for c in Outcomes(diary).check_ins()]
        # The scores alone, read back from the server, add no episode and no check-in.
        with pytest.raises(InputError, match="it holds 4 check-in scores"):
            diary.import_("fhir", _searchset(activities.resources, usual.resources))
    db.close()
    source.close()
    # The same ratings; the activities have their own ids in the other diary.
    assert [(at, answers["nprs"]) for at, answers in imported] == [
        (at, answers["nprs"]) for at, answers in original
    ]
    assert [sorted(a["psfs"].values()) for _, a in imported] == [
        sorted(a["psfs"].values()) for _, a in original
    ]
    report(
        "fhir-medplum-check-ins",
        f"FHIR transaction with {len(CHECK_INS)} check-ins: {len(bundle['entry'])} entries, all "
        "201 then all 200 when posted again into Medplum's router; one check-in Questionnaire; "
        "a searchset read back imports the same check-ins",
    )
