"""FHIR export: a transaction a server takes, honest and searchable data, identifiers unique
per installation and patient, the weekly check-ins with their scores; import: neckcheck's own
Bundles (episodes and check-ins) and other apps' pain scores, idempotent, with the original
recording times; export then import loses nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from neckcheck.cli import app
from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate
from neckcheck.errors import InputError
from neckcheck.interop.fhir import (
    CHECK_IN_URL,
    CODE_SYSTEM,
    QUESTIONNAIRE_URL,
    check_in_questionnaire,
    code_system,
    import_bundle,
    questionnaire,
)
from neckcheck.knowledge import load
from neckcheck.services.diary import Diary
from neckcheck.services.outcomes import Outcomes
from neckcheck.storage import repo
from neckcheck.storage.db import open_database
from neckcheck.storage.tables import EpisodeRow
from tests.databases import new_sqlite
from tests.factories import NOW, cli_runner, local_diary
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
from tests.interop.strategies import episodes

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
RFC3986 = "urn:ietf:rfc:3986"
STANDARD = (SNOMED, ICD10CM, LOINC)


def _fields(episode: Any) -> dict[str, object]:
    return episode.model_dump(include=set(EpisodeCreate.model_fields))


@pytest.fixture
def sample(tmp_path: Path) -> FhirJson:
    write_diary(tmp_path / "sample.db", SAMPLE, name="Alex Example", birth_year=1980)
    return export(tmp_path / "sample.db")


def _finding_observations(bundle: FhirJson) -> list[FhirJson]:
    return [
        o
        for o in resources(bundle, "Observation")
        if any(c.startswith("finding.") for c in codes_of(o, CODE_SYSTEM))
    ]


def _by_response(bundle: FhirJson) -> dict[str, list[FhirJson]]:
    """Observations by the fullUrl of the QuestionnaireResponse they were derived from."""
    grouped: dict[str, list[FhirJson]] = {}
    for observation in resources(bundle, "Observation"):
        grouped.setdefault(observation["derivedFrom"][0]["reference"], []).append(observation)
    return grouped


# --- a transaction a server takes ------------------------------------------------------------


def test_the_export_is_a_transaction_that_creates_each_resource_once(sample: FhirJson) -> None:
    assert sample["type"] == "transaction"
    assert sample["timestamp"] == NOW.isoformat()
    kinds = [r["resourceType"] for r in resources(sample)]
    assert kinds[:3] == ["CodeSystem", "Questionnaire", "Patient"]
    assert kinds.count("QuestionnaireResponse") == len(SAMPLE)
    full_urls = [entry["fullUrl"] for entry in sample["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    for entry in sample["entry"]:
        resource, request = entry["resource"], entry["request"]
        assert request["method"] == "POST"
        assert request["url"] == resource["resourceType"]
        if resource["resourceType"] in ("CodeSystem", "Questionnaire"):
            assert request["ifNoneExist"] == f"url={resource['url']}&version={resource['version']}"
            continue
        named = resource["identifier"]
        [identifier] = named if isinstance(named, list) else [named]
        assert identifier["system"] == RFC3986
        assert request["ifNoneExist"] == f"identifier={RFC3986}|{identifier['value']}"
        # A server rewrites every use of a fullUrl; the identifier must not be one.
        assert identifier["value"] not in full_urls
        assert entry["fullUrl"].startswith("urn:uuid:")


def test_the_export_is_the_same_each_time(tmp_path: Path) -> None:
    write_diary(tmp_path / "a.db", SAMPLE)
    write_check_ins(tmp_path / "a.db")
    assert export(tmp_path / "a.db") == export(tmp_path / "a.db")


def test_a_collection_has_the_same_entries_without_requests(tmp_path: Path) -> None:
    write_diary(tmp_path / "a.db", SAMPLE)
    transaction, collection = export(tmp_path / "a.db"), export(tmp_path / "a.db", "collection")
    assert collection["type"] == "collection"
    assert collection["entry"] == [
        {k: v for k, v in entry.items() if k != "request"} for entry in transaction["entry"]
    ]


@pytest.mark.parametrize("kind", ["transaction", "collection"])
def test_every_resource_validates_with_fhir_resources(tmp_path: Path, kind: str) -> None:
    write_diary(tmp_path / "a.db", SAMPLE + every_field(), name="Alex", birth_year=1980)
    write_check_ins(tmp_path / "a.db")
    bundle = export(tmp_path / "a.db", kind)
    get_fhir_model_class("Bundle").model_validate(bundle)
    for resource in resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_the_bundle_is_json_with_each_entry_on_a_line_of_its_own(tmp_path: Path) -> None:
    write_diary(tmp_path / "a.db", SAMPLE + every_field(), name="Zoë Ünal", birth_year=1980)
    db = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    with db.session() as session:
        text = local_diary(session).export("fhir").body
    db.close()
    bundle = json.loads(text)
    lines = text.splitlines()
    entries = [json.loads(line.strip().rstrip(",")) for line in lines[5:-2]]
    assert entries == bundle["entry"]
    assert lines[:5] == [
        "{",
        '  "resourceType": "Bundle",',
        '  "type": "transaction",',
        f'  "timestamp": "{NOW.isoformat()}",',
        '  "entry": [',
    ]
    assert lines[-2:] == ["  ]", "}"]
    assert "Zoë Ünal" in text  # as written, not escaped


def test_a_large_export_is_made_and_validated_an_episode_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an export holds in memory at once is one episode's resources: the Bundle is not
    built (nor validated) as a whole before it is sent, and episodes are checked as their
    entries are made."""
    from fhir.resources.R4B.bundle import Bundle

    import neckcheck.engine

    write_diary(tmp_path / "a.db", [{**SAMPLE[0], "notes": f"n{n}"} for n in range(30)])
    validated: list[int] = []
    whole = Bundle.model_validate.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Bundle], value: Any, *args: Any, **kwargs: Any) -> Bundle:
        validated.append(len(value.get("entry", [])))
        return whole(cls, value, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Bundle, "model_validate", classmethod(counted))
    checks = 0
    check = neckcheck.engine.check

    def checked(*args: Any, **kwargs: Any) -> Any:
        nonlocal checks
        checks += 1
        return check(*args, **kwargs)

    monkeypatch.setattr(neckcheck.engine, "check", checked)
    db = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    with db.session() as session:
        exported = local_diary(session).export("fhir")
    db.close()  # the Bundle is made from what was read already
    pieces = iter(exported.chunks)
    opening = [next(pieces) for _ in range(6)]  # the opening, the canonical resources...
    assert checks <= 1  # ...and at most one episode so far
    rest = list(pieces)
    assert checks == 30
    assert validated == [0]  # the Bundle around the entries, never the whole Bundle
    bundle = json.loads("".join(opening + rest))
    assert len(resources(bundle, "QuestionnaireResponse")) == 30


def test_two_installations_and_two_patients_share_no_full_url_or_identifier(
    tmp_path: Path,
) -> None:
    """The same episodes (same local ids) in two installations, and two patients of one."""
    write_diary(tmp_path / "a.db", SAMPLE)
    write_diary(tmp_path / "b.db", SAMPLE)
    db = open_database(f"sqlite:///{tmp_path / 'b.db'}")
    with db.session() as session:
        other = repo.create_patient(session=session, display_name="Sam", now=NOW)
        second = Diary(session, other, FixedClock(NOW))
        for fields in SAMPLE:
            second.log(EpisodeCreate.model_validate(fields))
        third = json.loads(second.export("fhir").body)
    db.close()

    def names(bundle: FhirJson) -> set[str]:
        urls = {entry["fullUrl"] for entry in bundle["entry"]}
        identifiers = {
            i["value"]
            for r in resources(bundle)
            for i in (r.get("identifier") if isinstance(r.get("identifier"), list) else [])
        }
        return urls | identifiers

    a, b = names(export(tmp_path / "a.db")), names(export(tmp_path / "b.db"))
    assert len(a) == len(b) == len(names(third))
    assert a.isdisjoint(b)
    assert b.isdisjoint(names(third))


# --- honest, searchable data -----------------------------------------------------------------


def test_observations_are_final_and_patient_reported(sample: FhirJson) -> None:
    [patient] = [e["fullUrl"] for e in sample["entry"] if e["request"]["url"] == "Patient"]
    responses = {
        e["fullUrl"]: e["resource"]["identifier"]
        for e in sample["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    }
    for observation in resources(sample, "Observation"):
        assert observation["status"] == "final"
        assert observation["category"][0]["coding"][0]["code"] == "survey"
        assert observation["subject"] == {"reference": patient}
        [derived] = observation["derivedFrom"]
        assert derived["type"] == "QuestionnaireResponse"
        assert responses[derived["reference"]] == derived["identifier"]
        if "triage-result" in codes_of(observation, CODE_SYSTEM):
            assert "performer" not in observation  # neckcheck's rules, not the person
        else:
            assert observation["performer"] == [{"reference": patient}]
    for response in resources(sample, "QuestionnaireResponse"):
        assert response["status"] == "completed"
        assert response["author"] == response["source"] == response["subject"]


def test_every_pain_score_is_a_final_loinc_score(sample: FhirJson) -> None:
    pain = [o for o in resources(sample, "Observation") if "72514-3" in codes_of(o, LOINC)]
    assert [o["valueQuantity"]["value"] for o in pain] == [e["intensity"] for e in SAMPLE]
    assert pain[0]["code"]["coding"][0] == {
        "system": LOINC,
        "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    }
    assert {o["valueQuantity"]["code"] for o in pain} == {"{score}"}


def test_every_standard_coding_has_its_display(tmp_path: Path) -> None:
    write_diary(tmp_path / "a.db", every_field())
    bundle = export(tmp_path / "a.db")
    kb = load()
    titles = {
        (SNOMED, f.codes.snomed): f.codes.snomed_display for f in kb.findings if f.codes.snomed
    } | {
        (ICD10CM, f.codes.icd10cm): f.codes.icd10cm_display for f in kb.findings if f.codes.icd10cm
    }
    seen = 0
    for observation in resources(bundle, "Observation"):
        for coding in observation["code"]["coding"]:
            assert coding["display"]
            if coding["system"] in (SNOMED, ICD10CM):
                assert coding["display"] == titles[(coding["system"], coding["code"])]
                seen += 1
    assert seen >= len(titles)


def test_no_observation_records_a_no(sample: FhirJson) -> None:
    findings = _finding_observations(sample)
    assert findings
    assert all(o["valueBoolean"] is True for o in findings)
    for response_url, observations in _by_response(sample).items():
        response = next(e["resource"] for e in sample["entry"] if e["fullUrl"] == response_url)
        said_no = {
            a["valueCoding"]["code"]
            for item in response["item"]
            if item["linkId"] == "absent"
            for a in item["answer"]
        }
        coded = {c for o in observations for c in codes_of(o, CODE_SYSTEM)}
        assert said_no and not said_no & coded
    fever = [o for o in resources(sample, "Observation") if "386661006" in codes_of(o, SNOMED)]
    assert len(fever) == 1  # three episodes said no to fever, one yes


def test_neck_pain_only_when_reported(sample: FhirJson) -> None:
    """Reported: marked on the neck (the first two episodes); not reported: a 10/10 chest
    pain, and a pain marked on the shoulder alone."""
    with_neck_pain = [
        "finding.neck_pain" in {c for o in observations for c in codes_of(o, CODE_SYSTEM)}
        for observations in _by_response(sample).values()
    ]
    assert with_neck_pain == [True, True, False, False]


def test_every_present_finding_is_an_observation_coded_where_codes_exist(
    sample: FhirJson,
) -> None:
    emergency = list(_by_response(sample).values())[1]
    by_code = {c: o for o in emergency for c in codes_of(o, CODE_SYSTEM)}
    for finding in ("fever", "headache", "neck_stiffness", "photophobia", "neck_pain"):
        assert f"finding.{finding}" in by_code
    stiff = by_code["finding.neck_stiffness"]
    assert stiff["code"]["coding"] == [
        {
            "system": CODE_SYSTEM,
            "code": "finding.neck_stiffness",
            "display": "Cannot bend chin to chest",
        }
    ]
    fever = by_code["finding.fever"]["code"]["coding"]
    assert fever == [
        {"system": SNOMED, "code": "386661006", "display": "Fever"},
        {"system": ICD10CM, "code": "R50.9", "display": "Fever, unspecified"},
        {"system": CODE_SYSTEM, "code": "finding.fever", "display": "Fever"},
    ]


def test_the_emergency_triage_result_is_in_the_bundle(sample: FhirJson) -> None:
    grouped = _by_response(sample)
    emergency_url = list(grouped)[1]
    [triage] = [o for o in grouped[emergency_url] if "triage-result" in codes_of(o, CODE_SYSTEM)]
    assert triage["derivedFrom"][0]["reference"] == emergency_url
    assert triage["valueCodeableConcept"]["coding"] == [
        {"system": CODE_SYSTEM, "code": "level.emergency", "display": "Call emergency services now"}
    ]
    assert triage["method"]["coding"][0]["code"] == "triage-rules-v3"
    assert triage["issued"] == NOW.isoformat()
    rules = {
        c["code"]["coding"][0]["code"]: c["valueCodeableConcept"]["coding"][0]["code"]
        for c in triage["component"]
        if c["code"]["coding"][0]["code"].startswith("rule.")
    }
    assert rules["rule.meningitis"] == "level.emergency"
    assert rules["rule.infection"] == "level.urgent"
    # Each rule's message, level and sources are said once, in the CodeSystem; so is the
    # disclaimer, in the definition of the method.
    assert "note" not in triage
    [published] = resources(sample, "CodeSystem")
    concept = _concepts_by_code(published["concept"])
    meningitis = concept["rule.meningitis"]
    assert meningitis["display"].startswith("Signs that may suggest meningitis")
    assert meningitis["definition"] == next(r for r in load().rules if r.id == "meningitis").message
    properties = {(p["code"], p["valueCode"]) for p in meningitis["property"]}
    assert ("level", "level.emergency") in properties
    assert concept["source.nhs-meningitis"]["display"].startswith("Meningitis. NHS")
    assert ("source", "source.nhs-meningitis") in properties
    assert "neckcheck is not a diagnosis" in concept["triage-rules-v3"]["definition"]
    complete = next(c for c in triage["component"] if codes_of(c) == ["triage-complete"])
    assert isinstance(complete["valueBoolean"], bool)


def _concepts_by_code(items: list[FhirJson]) -> dict[str, FhirJson]:
    found: dict[str, FhirJson] = {}
    for concept in items:
        found[concept["code"]] = concept
        found |= _concepts_by_code(concept.get("concept", []))
    return found


def test_unanswered_questions_are_named_by_code_a_whole_group_at_once(tmp_path: Path) -> None:
    kb = load()
    injury = next(g for g in kb.screening.groups if g.id == "injury")
    chest = next(g for g in kb.screening.groups if g.id == "chest_breathing")
    # Nothing of the injury group answered; one sign of the chest group answered "no".
    write_diary(tmp_path / "a.db", [{**SAMPLE[0], "findings": [], "absent": [chest.findings[0]]}])
    bundle = export(tmp_path / "a.db")
    [triage] = [o for o in resources(bundle, "Observation") if "triage-result" in codes_of(o)]
    # One component, its value the codes separated by single spaces, most urgent first.
    [unanswered] = [c for c in triage["component"] if codes_of(c) == ["triage-unanswered"]]
    asked = unanswered["valueString"].split(" ")
    assert "screening.injury" in asked
    assert not any(f"finding.{f}" in asked for f in injury.findings)
    assert "screening.chest_breathing" not in asked
    assert {f"finding.{f}" for f in chest.findings[1:]} <= set(asked)
    assert len(asked) == len(set(asked))
    # The group stands for its findings: expanded, the list is the assessment's own.
    [published] = resources(bundle, "CodeSystem")
    concept = _concepts_by_code(published["concept"])
    assert all(code in concept for code in asked)  # no empty code from a double space
    members = {
        code: [p["valueCode"] for p in concept[code]["property"] if p["code"] == "finding"]
        for code in asked
        if code.startswith("screening.")
    }
    expanded = [m for code in asked for m in members.get(code, [code])]
    assert [f"finding.{f}" for f in injury.findings] == members["screening.injury"]
    assert len(expanded) == len(set(expanded)) > len(asked)


def test_each_episode_has_one_triage_result_and_an_unfinished_check_says_so(
    sample: FhirJson,
) -> None:
    results = [
        next(o for o in observations if "triage-result" in codes_of(o, CODE_SYSTEM))
        for observations in _by_response(sample).values()
    ]
    levels = [r["valueCodeableConcept"]["coding"][0]["code"] for r in results]
    assert levels[1:3] == ["level.emergency", "level.emergency"]
    plain = results[0]
    complete = next(c for c in plain["component"] if codes_of(c) == ["triage-complete"])
    [unanswered] = [c for c in plain["component"] if codes_of(c) == ["triage-unanswered"]]
    assert complete["valueBoolean"] is False and unanswered["valueString"]
    assert set(unanswered) == {"code", "valueString"}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_what_the_code_system_says_no_episode_repeats(tmp_path: Path) -> None:
    """The size budget's structure: each rule's message, each level's meaning, each source's
    citation and the disclaimer are said once, in the CodeSystem, and an episode's resources
    name them by code; a triage result has a component per matched rule and two more at
    most, however many questions are open."""
    write_diary(tmp_path / "a.db", SAMPLE + every_field())
    write_check_ins(tmp_path / "a.db")
    bundle = export(tmp_path / "a.db")
    kb = load()
    said_once = [
        *(rule.message for rule in kb.rules),
        *(kb.advice.levels[level].meaning for level in kb.advice.levels),
        *(source.citation() for source in kb.sources),
        " ".join(kb.advice.disclaimer.split()),
    ]
    [published] = resources(bundle, "CodeSystem")
    in_code_system = _strings(published)
    assert all(any(text in s for s in in_code_system) for text in said_once)
    canonical = ("CodeSystem", "Questionnaire")
    per_episode = [
        s for r in resources(bundle) if r["resourceType"] not in canonical for s in _strings(r)
    ]
    assert not [s for s in per_episode for text in said_once if text in s]
    assert not [s for s in per_episode if "not a diagnosis" in s]
    results = [o for o in resources(bundle, "Observation") if "triage-result" in codes_of(o)]
    assert len(results) == len(SAMPLE) + 2
    for result in results:
        kinds = [codes_of(c)[0].partition(".")[0] for c in result["component"]]
        assert kinds.count("triage-complete") == 1
        assert kinds.count("triage-unanswered") <= 1
        assert set(kinds) <= {"rule", "triage-complete", "triage-unanswered"}
        assert "note" not in result and "text" not in result["valueCodeableConcept"]


def test_a_year_of_the_demo_diary_is_at_most_10_kb_per_episode(tmp_path: Path) -> None:
    """The budget bench/fhir.py measures, on the same diary (``neckcheck demo``'s year, seed
    7): the whole Bundle, the CodeSystem and Questionnaire included, as a client gets it."""
    from neckcheck.demo import demo_episodes

    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    db = open_database(new_sqlite(tmp_path / "demo.db"))
    with db.session() as session:
        patient = local_diary(session, FixedClock(now)).patient_id
        items = demo_episodes(years=1, seed=7, until=now)
        count = repo.add_episodes(session=session, patient_id=patient, items=items, now=now)
    with db.session() as session:
        exported = local_diary(session, FixedClock(now)).export("fhir")
        size = sum(len(chunk.encode()) for chunk in exported.chunks)
    db.close()
    assert count > 100
    assert size / count <= 10 * 1024, f"{size / count / 1024:.2f} KB per episode"


def test_response_items_follow_the_questionnaire_order(tmp_path: Path) -> None:
    write_diary(tmp_path / "a.db", every_field() + SAMPLE)
    order = [item["linkId"] for item in questionnaire()["item"]]
    for response in resources(export(tmp_path / "a.db"), "QuestionnaireResponse"):
        links = [item["linkId"] for item in response["item"]]
        assert links == sorted(links, key=order.index)
        assert response["questionnaire"] == f"{QUESTIONNAIRE_URL}|{questionnaire()['version']}"


def test_the_patient_has_an_identifier_the_name_and_the_birth_year(
    sample: FhirJson, tmp_path: Path
) -> None:
    [patient] = resources(sample, "Patient")
    assert patient["identifier"][0]["system"] == RFC3986
    assert patient["name"] == [{"text": "Alex Example"}]
    assert patient["birthDate"] == "1980"
    write_diary(tmp_path / "me.db", SAMPLE)  # local mode's "Me" names nobody
    [anonymous] = resources(export(tmp_path / "me.db"), "Patient")
    assert "name" not in anonymous and "birthDate" not in anonymous


def test_every_neckcheck_code_is_in_the_published_code_system(tmp_path: Path) -> None:
    write_diary(tmp_path / "a.db", every_field() + SAMPLE)
    write_check_ins(tmp_path / "a.db")
    bundle = export(tmp_path / "a.db")
    [published] = resources(bundle, "CodeSystem")
    assert published == code_system()
    assert published["url"] == CODE_SYSTEM == "urn:neckcheck:codes"

    def concepts(items: list[FhirJson]) -> dict[str, str]:
        found: dict[str, str] = {}
        for concept in items:
            found[concept["code"]] = concept["display"]
            found |= concepts(concept.get("concept", []))
        return found

    defined = concepts(published["concept"])
    assert published["count"] == len(defined)

    def codings(value: Any) -> list[FhirJson]:
        if isinstance(value, dict):
            here = [value] if "system" in value and "code" in value else []
            return here + [c for v in value.values() for c in codings(v)]
        if isinstance(value, list):
            return [c for v in value for c in codings(v)]
        return []

    used = [c for r in resources(bundle) for c in codings(r) if c["system"] == CODE_SYSTEM]
    assert {c["code"] for c in used} >= {
        "finding.fever",
        "rule.meningitis",
        "level.emergency",
        "measure.nprs",
        "measure.psfs",
    }
    for coding in used:  # each with its display: none is by code alone
        assert defined[coding["code"]] == coding["display"], coding
    # The unanswered questions are codes in a string: each is defined there too.
    named = [
        code
        for r in resources(bundle, "Observation")
        for c in r.get("component", [])
        if codes_of(c) == ["triage-unanswered"]
        for code in c["valueString"].split(" ")
    ]
    assert named and set(named) <= set(defined)


# --- export, then import ---------------------------------------------------------------------


# too_slow: each example writes a diary to one database, exports it as FHIR (validated
# resource by resource) and imports it into another.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(episodes(), min_size=1, max_size=4))
def test_export_then_import_into_an_empty_database_gives_the_same_episodes(
    tmp_path_factory: pytest.TempPathFactory, diary: list[EpisodeCreate]
) -> None:
    source = open_database(new_sqlite(tmp_path_factory.mktemp("a") / "a.db"))
    target = open_database(new_sqlite(tmp_path_factory.mktemp("b") / "b.db"))
    with source.session() as session:
        mine = local_diary(session)
        for data in diary:
            mine.log(data)
        stored = mine.episodes(newest_first=False)
        text = mine.export("fhir").body
    with target.session() as session:
        theirs = local_diary(session)  # the same person's, on another installation
        result = theirs.import_("fhir", text, as_mine=True)
        imported = theirs.episodes(newest_first=False)
        again = theirs.import_("fhir", text, as_mine=True)
    source.close()
    target.close()
    assert (result.added, result.already) == (len(diary), 0)
    assert (again.added, again.already) == (0, len(diary))
    assert [_fields(e) for e in imported] == [_fields(e) for e in stored]
    assert [e.started_at.utcoffset() for e in imported] == [
        e.started_at.utcoffset() for e in stored
    ]


def _episode_count(path: Path) -> int:
    db = open_database(f"sqlite:///{path}", migrate=False)
    with db.session() as session:
        counted = session.scalar(select(func.count()).select_from(EpisodeRow)) or 0
    db.close()
    return counted


def test_importing_an_export_into_its_own_diary_changes_nothing(
    env_db: str, tmp_path: Path
) -> None:
    runner = cli_runner()
    assert (
        runner.invoke(app, ["log", "-n", "3", "--start", "2026-06-01T08:00+02:00"]).exit_code == 0
    )
    exported = tmp_path / "diary.fhir.json"
    assert runner.invoke(app, ["export", "--fhir", str(exported)]).exit_code == 0
    for _ in range(2):
        result = runner.invoke(app, ["import", "--fhir", str(exported)])
        assert (result.exit_code, result.output) == (
            0,
            f"Imported 0 episodes from {exported}; 1 already in the diary.\n",
        )
    assert _episode_count(Path(env_db.removeprefix("sqlite:///"))) == 1


def test_the_cli_writes_a_transaction_or_a_collection(env_db: str, tmp_path: Path) -> None:
    runner = cli_runner()
    assert (
        runner.invoke(app, ["log", "-n", "3", "--start", "2026-06-01T08:00+02:00"]).exit_code == 0
    )
    for flags, kind in (([], "transaction"), (["--fhir-collection"], "collection")):
        path = tmp_path / f"{kind}.json"
        result = runner.invoke(app, ["export", "--fhir", str(path), *flags])
        assert result.output == f"Exported 1 episode to {path}.\n"
        assert json.loads(path.read_text())["type"] == kind
    wrong = runner.invoke(app, ["export", "--json", str(tmp_path / "x"), "--fhir-collection"])
    assert (wrong.exit_code, wrong.output) == (2, "Error: --fhir-collection: goes with --fhir\n")


def test_a_bundle_of_another_persons_diary_is_refused_unless_it_is_said_to_be_mine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.factories import patient_accounts

    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    patient_accounts(url, ["ann@example.org", "bob@example.org"])
    monkeypatch.setenv("NECKCHECK_DATABASE_URL", url)
    runner = cli_runner()
    bob = ["--patient", "bob@example.org"]
    logged = runner.invoke(app, [*bob, "log", "-n", "6", "--start", "2026-06-01T08:00+02:00"])
    assert logged.exit_code == 0, logged.output
    exported = tmp_path / "bob.fhir.json"
    assert runner.invoke(app, [*bob, "export", "--fhir", str(exported)]).exit_code == 0
    ann = ["--patient", "ann@example.org"]
    refused = runner.invoke(app, [*ann, "import", "--fhir", str(exported)])
    assert (refused.exit_code, refused.output) == (
        2,
        "Error: bundle: holds the records of another person (bob@example.org), not of this "
        "diary's; if they are yours (your diary exported elsewhere), import them as yours "
        "(neckcheck import --as-mine)\n",
    )
    assert json.loads(runner.invoke(app, [*ann, "history", "--json"]).output) == []
    taken = runner.invoke(app, [*ann, "import", "--fhir", str(exported), "--as-mine"])
    assert (taken.exit_code, taken.output) == (
        0,
        f"Imported 1 episode from {exported}; 0 already in the diary.\n",
    )
    # Bob's own export goes back into his diary without a word.
    mine = runner.invoke(app, [*bob, "import", "--fhir", str(exported)])
    assert mine.output == f"Imported 0 episodes from {exported}; 1 already in the diary.\n"
    wrong = runner.invoke(app, [*ann, "import", "--json", str(exported), "--as-mine"])
    assert (wrong.exit_code, wrong.output) == (2, "Error: --as-mine: goes with --fhir\n")


def test_an_imported_episode_keeps_its_original_recording_time(tmp_path: Path) -> None:
    write_diary(tmp_path / "a.db", SAMPLE[:1])
    first = export(tmp_path / "a.db")
    [response] = resources(first, "QuestionnaireResponse")
    assert response["authored"] == NOW.isoformat()  # logged at the fixed clock's NOW

    later = FixedClock(NOW + timedelta(days=30))
    db = open_database(new_sqlite(tmp_path / "b.db"))
    with db.session() as session:
        local_diary(session, later).import_("fhir", json.dumps(first), as_mine=True)
        [episode] = local_diary(session, later).episodes()
        assert episode.created_at == later.now()
        [origin] = repo.episode_origins(session=session, patient_id=episode.patient_id).values()
        again = json.loads(local_diary(session, later).export("fhir").body)
    db.close()
    assert origin.recorded_at == NOW
    assert origin.source_id == f"{RFC3986}|{response['identifier']['value']}"
    # Exported again, it is the same QuestionnaireResponse: same identifier, same time.
    [response_again] = resources(again, "QuestionnaireResponse")
    assert response_again["identifier"] == response["identifier"]
    assert datetime.fromisoformat(response_again["authored"]) == NOW


# --- weekly check-ins ------------------------------------------------------------------------


def _check_in_responses(bundle: FhirJson) -> list[tuple[int, FhirJson]]:
    """The check-ins' QuestionnaireResponses with their entry numbers."""
    return [
        (n, e["resource"])
        for n, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
        and e["resource"]["questionnaire"].startswith(f"{CHECK_IN_URL}|")
    ]


@pytest.fixture
def checked_in(tmp_path: Path) -> Path:
    """A diary of one episode and two weekly check-ins (CHECK_INS)."""
    write_diary(tmp_path / "checked.db", SAMPLE[:1])
    write_check_ins(tmp_path / "checked.db")
    return tmp_path / "checked.db"


def test_an_export_without_check_ins_has_no_check_in_resources(sample: FhirJson) -> None:
    assert [q["url"] for q in resources(sample, "Questionnaire")] == [QUESTIONNAIRE_URL]
    assert not _check_in_responses(sample)
    assert not any(
        c.startswith("measure.")
        for o in resources(sample, "Observation")
        for c in codes_of(o, CODE_SYSTEM)
    )


def test_check_ins_are_a_questionnaire_once_and_a_response_and_scores_each(
    checked_in: Path,
) -> None:
    bundle = export(checked_in)
    published = check_in_questionnaire()
    [entry] = [
        e for e in bundle["entry"] if e["resource"].get("url") == CHECK_IN_URL
    ]  # once, for every check-in
    assert entry["resource"] == published
    assert entry["request"]["ifNoneExist"] == f"url={CHECK_IN_URL}&version={published['version']}"
    assert [r["resourceType"] for r in resources(bundle)][:4] == [
        "CodeSystem",
        "Questionnaire",
        "Questionnaire",
        "Patient",
    ]
    # A group per measure of measures.yaml: the usual pain an integer 0-10, the activities a
    # group repeated per activity of its name and its rating.
    nprs, psfs = published["item"]
    assert [nprs["linkId"], psfs["linkId"]] == ["nprs", "psfs"]
    [pain] = nprs["item"]
    assert (pain["linkId"], pain["type"]) == ("nprs.pain", "integer")
    assert [e["valueInteger"] for e in pain["extension"]] == [0, 10]
    assert pain["text"].startswith(load().measures.measure("nprs").question)
    assert psfs["repeats"] is True
    assert [(i["linkId"], i["type"]) for i in psfs["item"]] == [
        ("psfs.activity", "string"),
        ("psfs.rating", "integer"),
    ]

    [patient] = [e["fullUrl"] for e in bundle["entry"] if e["request"]["url"] == "Patient"]
    full_urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    responses = _check_in_responses(bundle)
    assert len(responses) == len(CHECK_INS)
    grouped = _by_response(bundle)
    for (n, response), spec in zip(responses, CHECK_INS, strict=True):
        assert response["questionnaire"] == f"{CHECK_IN_URL}|{published['version']}"
        assert response["status"] == "completed"
        assert response["subject"] == response["author"] == {"reference": patient}
        assert datetime.fromisoformat(response["authored"]) == spec.at
        assert [i["linkId"] for i in response["item"]] == ["nprs"] + ["psfs"] * 3
        named = [
            (i["item"][0]["answer"][0]["valueString"], i["item"][1]["answer"][0]["valueInteger"])
            for i in response["item"][1:]
        ]
        assert named == list(zip(spec.activities, spec.ratings or [], strict=True))
        usual, activities = grouped[bundle["entry"][n]["fullUrl"]]
        for observation in (usual, activities):
            assert observation["status"] == "final"
            assert observation["category"][0]["coding"][0]["code"] == "survey"
            assert observation["subject"] == {"reference": patient}
            assert datetime.fromisoformat(observation["effectiveDateTime"]) == spec.at
            [derived] = observation["derivedFrom"]
            assert full_urls[derived["reference"]] is response
            assert derived["identifier"] == response["identifier"]
            assert observation["valueQuantity"]["code"] == "{score}"
        assert usual["code"]["coding"] == [
            {
                "system": LOINC,
                "code": "72514-3",
                "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            },
            {
                "system": CODE_SYSTEM,
                "code": "measure.nprs",
                "display": "Numeric Pain Rating Scale (NPRS)",
            },
        ]
        assert usual["valueQuantity"]["value"] == spec.pain
        assert "component" not in usual
        # No LOINC code is known for the PSFS score: neckcheck's code alone.
        assert activities["code"]["coding"] == [
            {
                "system": CODE_SYSTEM,
                "code": "measure.psfs",
                "display": "Patient-Specific Functional Scale (PSFS)",
            }
        ]
        ratings = spec.ratings or []
        assert activities["valueQuantity"]["value"] == round(sum(ratings) / len(ratings), 2)
        assert [(c["code"], c["valueInteger"]) for c in activities["component"]] == [
            ({"text": name}, rating) for name, rating in zip(spec.activities, ratings, strict=True)
        ]
    assert [
        o["valueQuantity"]["value"] for o in grouped[bundle["entry"][responses[1][0]]["fullUrl"]]
    ] == [3, 4.33]


def test_check_ins_have_the_same_identifiers_in_every_export_shared_with_nothing(
    checked_in: Path,
) -> None:
    first, second = export(checked_in), export(checked_in)
    assert first == second
    named = [
        (r["identifier"] if isinstance(r["identifier"], dict) else r["identifier"][0])["value"]
        for r in resources(first)
        if "identifier" in r
    ]
    assert len(named) == len(set(named))


def test_the_code_system_has_a_code_for_each_measure() -> None:
    concept = _concepts_by_code(code_system()["concept"])
    for measure in load().measures.measures:
        defined = concept[f"measure.{measure.id}"]
        assert defined["display"] == f"{measure.name} ({measure.short})"
        assert measure.question in defined["definition"]
        assert {p["valueCode"] for p in defined["property"]} == {
            f"source.{key}" for key in measure.sources
        }
        for source in defined["property"]:
            assert source["valueCode"] in concept


def _names_and_ratings(outcomes: Outcomes) -> list[tuple[datetime, dict[str, dict[str, int]]]]:
    """Each check-in's time and ratings, an activity by its name."""
    names = outcomes.activity_names()
    return [
        (
            c.at,
            {
                m: {
                    names.get(item, item) if m == "psfs" else item: r for item, r in ratings.items()
                }
                for m, ratings in c.answers.items()
            },
        )
        for c in outcomes.check_ins()
    ]


def test_check_ins_exported_then_imported_into_an_empty_diary_are_the_same_once(
    checked_in: Path, tmp_path: Path
) -> None:
    source = open_database(f"sqlite:///{checked_in}")
    target = open_database(new_sqlite(tmp_path / "b.db"))
    with source.session() as session:
        mine = Outcomes(local_diary(session))
        text = mine.diary.export("fhir").body
        before = _names_and_ratings(mine)
        current = [a.name for a in mine.activities()]
        lines = [line.clinical for line in mine.lines()]
    with target.session() as session:
        theirs = Outcomes(local_diary(session))  # the same person's, on another installation
        result = theirs.diary.import_("fhir", text, as_mine=True)
        assert (result.added, result.check_ins) == (1, len(CHECK_INS))
        assert _names_and_ratings(theirs) == before
        assert [a.name for a in theirs.activities()] == current
        # The activity replaced is removed at the latest check-in, its rating kept.
        assert sorted(theirs.activity_names().values()) == sorted(
            {name for spec in CHECK_INS for name in spec.activities}
        )
        assert [line.clinical for line in theirs.lines()] == lines
        again = theirs.diary.import_("fhir", text, as_mine=True)
        assert (again.added, again.already, again.check_ins) == (0, 1, 0)
        assert len(theirs.check_ins()) == len(CHECK_INS)
        assert len(theirs.activity_names()) == 4
    source.close()
    target.close()


def test_the_usual_pain_of_a_check_in_is_not_an_episode(checked_in: Path) -> None:
    bundle = export(checked_in)
    read = import_bundle(json.dumps(bundle))
    assert len(read.episodes) == 1  # the episode's worst pain, not the check-ins' usual pain
    assert [c.at for c in read.check_ins] == [spec.at for spec in CHECK_INS]
    # Read alone (a server's search for LOINC 72514-3), a check-in's score is no episode.
    usual = [
        e
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Patient"
        or "measure.nprs" in codes_of(e["resource"], CODE_SYSTEM)
    ]
    with pytest.raises(InputError) as caught:
        import_bundle(json.dumps({**bundle, "entry": usual}))
    assert str(caught.value).endswith("; it holds 1 Patient, 2 check-in scores")


def test_a_bundle_of_check_ins_alone_imports(env_db: str, tmp_path: Path) -> None:
    write_diary(tmp_path / "a.db", [])
    write_check_ins(tmp_path / "a.db")
    path = tmp_path / "check-ins.fhir.json"
    path.write_text(json.dumps(export(tmp_path / "a.db")))
    runner = cli_runner()
    for added in (2, 0):
        result = runner.invoke(app, ["import", "--fhir", str(path), "--as-mine"])
        said = f"0 episodes and {added} check-ins" if added else "0 episodes"
        assert (result.exit_code, result.output) == (
            0,
            f"Imported {said} from {path}; 0 already in the diary.\n",
        )


@pytest.mark.parametrize(("link", "field"), [("nprs", "nprs.pain"), ("psfs", "psfs.1.rating")])
def test_a_check_in_with_a_rating_off_the_scale_is_refused_and_nothing_imported(
    checked_in: Path, tmp_path: Path, link: str, field: str
) -> None:
    bundle = export(checked_in)
    n, response = _check_in_responses(bundle)[1]
    bad = [i for i in response["item"] if i["linkId"] == link][1 if link == "psfs" else 0]
    bad["item"][-1]["answer"] = [{"valueInteger": 11}]
    db = open_database(new_sqlite(tmp_path / "b.db"))
    with db.session() as session:
        diary = local_diary(session)
        with pytest.raises(InputError) as caught:
            diary.import_("fhir", json.dumps(bundle), as_mine=True)
        assert str(caught.value) == (
            f"entry.{n} (QuestionnaireResponse).{field}: must be a whole number from 0 to 10, "
            "not 11"
        )
        outcomes = Outcomes(diary)
        assert (diary.episodes(), outcomes.check_ins(), outcomes.activity_names()) == ([], [], {})
    db.close()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["item"].append({"linkId": "ndi", "item": []}),
            "ndi: is not a measure of neckcheck's check-in",
        ),
        (lambda r: r.pop("authored"), "authored: is required: when the check-in was made"),
        (
            lambda r: r["item"][2]["item"][0].update(answer=[{"valueString": " "}]),
            "psfs.1.activity: must name the activity (valueString)",
        ),
        (
            lambda r: r["item"][2]["item"][0].update(
                answer=[{"valueString": "reversing  THE car"}]
            ),
            "psfs.1.activity: names 'reversing THE car' twice",
        ),
        (lambda r: r.update(item=[]), "item: rates nothing"),
    ],
    ids=["unknown measure", "no time", "no activity", "an activity twice", "no ratings"],
)
def test_a_check_in_that_cannot_be_read_is_named(
    checked_in: Path, change: Any, message: str
) -> None:
    bundle = export(checked_in)
    n, response = _check_in_responses(bundle)[0]
    change(response)
    with pytest.raises(InputError) as caught:
        import_bundle(json.dumps(bundle))
    assert str(caught.value) == f"entry.{n} (QuestionnaireResponse).{message}"


# --- pain scores from other apps -------------------------------------------------------------

OTHER_APP = "https://pain.example/scores"


def _pain(n: int, **fields: Any) -> FhirJson:
    resource: FhirJson = {
        "resourceType": "Observation",
        "identifier": [{"system": OTHER_APP, "value": f"score-{n}"}],
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "72514-3"}]},
        "subject": {"reference": "urn:uuid:8d0f3f5e-2b0c-4a8e-9a57-0c6b51ff0001"},
    }
    resource.update(fields)
    return resource


def _other_app_bundle(*observations: FhirJson) -> str:
    entries: list[FhirJson] = [
        {
            "fullUrl": "urn:uuid:8d0f3f5e-2b0c-4a8e-9a57-0c6b51ff0001",
            "resource": {"resourceType": "Patient", "name": [{"family": "Example"}]},
        }
    ]
    entries += [
        {"fullUrl": f"urn:uuid:8d0f3f5e-2b0c-4a8e-9a57-0c6b51ff01{n:02d}", "resource": o}
        for n, o in enumerate(observations)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})


THREE_SCORES = _other_app_bundle(
    _pain(1, effectiveDateTime="2026-05-01T08:30:00+02:00", valueInteger=6),
    _pain(
        2,
        effectiveDateTime="2026-05-03T21:00:00-04:00",
        issued="2026-05-03T21:05:00-04:00",
        valueQuantity={"value": 3, "unit": "{score}", "system": "http://unitsofmeasure.org"},
    ),
    _pain(
        3,
        effectivePeriod={"start": "2026-05-07T10:00:00Z", "end": "2026-05-07T13:00:00Z"},
        valueQuantity={"value": 8.0},
    ),
)


def test_three_pain_scores_from_another_app_import_as_three_episodes_once(
    env_db: str, tmp_path: Path
) -> None:
    path = tmp_path / "scores.json"
    path.write_text(THREE_SCORES)
    runner = cli_runner()
    first = runner.invoke(app, ["import", "--fhir", str(path)])
    assert (first.exit_code, first.output) == (
        0,
        f"Imported 3 episodes from {path}; 0 already in the diary.\n",
    )
    again = runner.invoke(app, ["import", "--fhir", str(path)])
    assert again.output == f"Imported 0 episodes from {path}; 3 already in the diary.\n"

    db = open_database(env_db, migrate=False)
    with db.session() as session:
        diary = local_diary(session)
        stored = diary.episodes(newest_first=False)
        origins = repo.episode_origins(session=session, patient_id=diary.patient_id)
    db.close()
    assert [(e.started_at.isoformat(), e.ended_at, e.intensity) for e in stored] == [
        ("2026-05-01T08:30:00+02:00", None, 6),
        ("2026-05-03T21:00:00-04:00", None, 3),
        ("2026-05-07T10:00:00+00:00", datetime(2026, 5, 7, 13, tzinfo=UTC), 8),
    ]
    assert [origins[e.id].source_id for e in stored] == [
        f"{OTHER_APP}|score-{n}" for n in (1, 2, 3)
    ]
    # Recorded when the other app issued it; otherwise when imported.
    assert origins[stored[1].id].recorded_at == datetime(2026, 5, 4, 1, 5, tzinfo=UTC)
    assert origins[stored[0].id].recorded_at == NOW


def test_pain_scores_without_identifiers_are_known_by_full_url_or_content() -> None:
    unnamed = _pain(1, effectiveDateTime="2026-05-01T08:30:00+02:00", valueInteger=6)
    del unnamed["identifier"]
    bundle = json.loads(_other_app_bundle(unnamed))
    [by_url] = import_bundle(json.dumps(bundle)).episodes
    assert by_url.source_id == f"{RFC3986}|{bundle['entry'][1]['fullUrl']}"
    del bundle["entry"][1]["fullUrl"]
    [by_content] = import_bundle(json.dumps(bundle)).episodes
    assert by_content.source_id.startswith("sha256:")
    assert import_bundle(json.dumps(bundle)).episodes[0].source_id == by_content.source_id


def test_a_day_without_a_time_is_read_in_the_persons_zone() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Pacific/Auckland")
    day = _pain(1, effectiveDateTime="2026-05-01", valueInteger=2)
    [item] = import_bundle(_other_app_bundle(day), zone=zone).episodes
    assert item.data.started_at == datetime(2026, 5, 1, tzinfo=zone)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"valueInteger": 11, "effectiveDateTime": "2026-05-01T08:00:00Z"},
            "entry.1 (Observation).valueInteger: must be a whole number from 0 to 10, not 11",
        ),
        (
            {"valueQuantity": {"value": 6.5}, "effectiveDateTime": "2026-05-01T08:00:00Z"},
            "entry.1 (Observation).valueQuantity.value: must be a whole number from 0 to 10, "
            "not 6.5",
        ),
        (
            {"valueInteger": 4},
            "entry.1 (Observation).effective[x]: is required: when the pain was felt",
        ),
        (
            {"effectiveDateTime": "2026-05-01T08:00:00Z"},
            "entry.1 (Observation).value[x]: has no pain score (valueInteger or valueQuantity)",
        ),
        (
            {"valueInteger": 4, "effectiveDateTime": "2026-05"},
            "entry.1 (Observation).effectiveDateTime: must name a day, not only '2026-05'",
        ),
    ],
)
def test_a_pain_score_that_cannot_be_an_episode_is_named(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as caught:
        import_bundle(_other_app_bundle(_pain(1, **fields)))
    assert str(caught.value) == message


@pytest.mark.parametrize("huge", ["1E+999999", "1E+3000000", "-1E+999999", "1E-999999"])
def test_a_huge_pain_score_is_refused_at_once(huge: str) -> None:
    # Once checked for a whole number first: 40 s of CPU for 1E+999999, 6 min for 1E+3000000.
    score = _pain(1, valueQuantity={"value": huge}, effectiveDateTime="2026-05-01T08:00:00Z")
    with pytest.raises(InputError) as caught:
        import_bundle(_other_app_bundle(score))
    assert str(caught.value) == (
        "entry.1 (Observation).valueQuantity.value: must be a whole number from 0 to 10, "
        f"not {huge.upper()}"
    )


def test_a_score_is_compared_with_its_range_before_it_is_made_a_whole_number() -> None:
    from decimal import Decimal

    from neckcheck.interop.fhir.read import _a_score

    class Huge(Decimal):
        def __int__(self) -> int:
            if not -100 <= float(self) <= 100:
                raise AssertionError(f"{self} was made a whole number")
            return int(Decimal(self))

    assert not _a_score(Huge("1E+999999"))
    assert _a_score(Huge("7")) and not _a_score(Huge("6.5"))


def test_pain_scores_entered_in_error_are_left_out() -> None:
    good = _pain(1, effectiveDateTime="2026-05-01T08:00:00Z", valueInteger=5)
    wrong = _pain(2, effectiveDateTime="2026-05-02T08:00:00Z", valueInteger=9)
    wrong["status"] = "entered-in-error"
    read = import_bundle(_other_app_bundle(good, wrong))
    assert [i.data.intensity for i in read.episodes] == [5]


def test_a_bundle_with_nothing_to_import_is_an_error_that_says_why(
    env_db: str, tmp_path: Path
) -> None:
    wrong = _pain(1, effectiveDateTime="2026-05-01T08:00:00Z", valueInteger=5)
    wrong["status"] = "entered-in-error"
    heart = _pain(2, code={"coding": [{"system": LOINC, "code": "8867-4"}]}, valueInteger=60)
    path = tmp_path / "nothing.json"
    path.write_text(_other_app_bundle(wrong, heart))
    result = cli_runner().invoke(app, ["import", "--fhir", str(path)])
    assert (result.exit_code, result.output) == (
        2,
        "Error: bundle: nothing to import: no QuestionnaireResponse to neckcheck's episode or "
        "check-in Questionnaire and no pain score (an Observation of LOINC 72514-3); it holds "
        "1 Observation of another code, 1 Patient, 1 pain score marked entered-in-error\n",
    )
    empty = tmp_path / "empty.json"
    empty.write_text('{"resourceType": "Bundle", "type": "searchset"}')
    result = cli_runner().invoke(app, ["import", "--fhir", str(empty)])
    assert result.exit_code == 2
    assert result.output.endswith("; it holds no entries\n")


def test_a_bundle_of_two_people_is_refused() -> None:
    one = _pain(1, effectiveDateTime="2026-05-01T08:00:00Z", valueInteger=5)
    two = _pain(2, effectiveDateTime="2026-05-02T08:00:00Z", valueInteger=5)
    two["subject"] = {"reference": "Patient/someone-else"}
    with pytest.raises(InputError) as caught:
        import_bundle(_other_app_bundle(one, two))
    assert str(caught.value) == (
        "bundle: holds the records of 2 people (subjects of entry.1 (Observation), "
        "entry.2 (Observation)); import one person's records at a time"
    )


# --- bad Bundles -----------------------------------------------------------------------------


def test_a_bad_record_names_its_entry_and_field_and_imports_nothing(
    env_db: str, tmp_path: Path
) -> None:
    write_diary(tmp_path / "a.db", SAMPLE[:2])
    bundle = export(tmp_path / "a.db")
    responses = [
        i
        for i, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    bad = bundle["entry"][responses[1]]["resource"]
    next(i for i in bad["item"] if i["linkId"] == "intensity")["answer"] = [{"valueInteger": 11}]
    expected = f"entry.{responses[1]} (QuestionnaireResponse).intensity: must be at most 10"
    with pytest.raises(InputError) as caught:
        import_bundle(json.dumps(bundle))
    assert str(caught.value) == expected

    runner = cli_runner()
    assert runner.invoke(app, ["log", "-n", "3"]).exit_code == 0
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(bundle))
    result = runner.invoke(app, ["import", "--fhir", str(broken)])
    assert (result.exit_code, result.output) == (2, f"Error: {expected}\n")
    assert _episode_count(Path(env_db.removeprefix("sqlite:///"))) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "bundle: not valid JSON (line 1, column 2: Expecting property name enclosed in "
            "double quotes)",
        ),
        ("[" * 100_000 + "]" * 100_000, "bundle: is nested too deeply"),
        ('{"resourceType": "Bundle", "total": ' + "9" * 5000 + "}", "bundle: cannot be read"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": "x"}', "bundle.entry"),
        ('{"resourceType": "Patient"}', "bundle: not a FHIR Bundle (resourceType is 'Patient')"),
        ('{"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}', "bundle.entry.0: has no"),
    ],
)
def test_unreadable_bundles_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        import_bundle(text)
    assert str(caught.value).startswith(message)


def test_a_version_1_export_still_imports() -> None:
    """neckcheck's first FHIR export: a collection, one code system per kind of answer, and
    identifiers made of local ids (the same in every diary), so its content names it."""
    response = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": "urn:neckcheck:episode", "value": "1"},
        "questionnaire": f"{QUESTIONNAIRE_URL}|1",
        "status": "completed",
        "authored": "2026-03-01T09:00:00+01:00",
        "item": [
            {"linkId": "started_at", "answer": [{"valueDateTime": "2026-03-01T08:00:00+01:00"}]},
            {"linkId": "intensity", "answer": [{"valueInteger": 5}]},
            {
                "linkId": "findings",
                "answer": [
                    {"valueCoding": {"system": "urn:neckcheck:code:finding", "code": "fever"}}
                ],
            },
        ],
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:5f1e4a43-6a2c-5b65-8d0c-1d1e3e0a0b01", "resource": response}
        ],
    }
    [item] = import_bundle(json.dumps(bundle)).episodes
    assert item.data.findings == ["fever"]
    assert item.source_id.startswith("sha256:")
    assert item.recorded_at == datetime(2026, 3, 1, 8, tzinfo=UTC)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(episodes(), min_size=2, max_size=6))
def test_every_entry_validates_though_the_export_checks_each_shape_once(
    tmp_path_factory: pytest.TempPathFactory, diary: list[EpisodeCreate]
) -> None:
    """The export validates the first entry of each shape only: every entry of a Bundle of
    varied episodes, validated here one by one, is valid all the same."""
    db = open_database(new_sqlite(tmp_path_factory.mktemp("shapes") / "a.db"))
    with db.session() as session:
        mine = local_diary(session)
        for data in diary:
            mine.log(data)
        bundle = json.loads(mine.export("fhir").body)
    db.close()
    from fhir.resources.R4B.bundle import BundleEntry

    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        BundleEntry.model_validate({k: v for k, v in entry.items() if k != "resource"})


def test_a_text_of_whitespace_alone_is_a_shape_of_its_own() -> None:
    from neckcheck.interop.fhir.export import _shape

    note = {"linkId": "notes", "answer": [{"valueString": "after a long drive"}]}
    assert _shape(note) == _shape({**note, "answer": [{"valueString": "slept badly"}]})
    for blank in ("", " ", "\u00a0"):
        assert _shape(note) != _shape({**note, "answer": [{"valueString": blank}]})
    assert _shape({"answer": []}) != _shape({"answer": [{"valueInteger": 3}]})
