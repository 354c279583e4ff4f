"""The Medplum harness works, and can fail: validation, transactions, searches, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.interop.medplum import Medplum, MedplumError

PAIN = {"system": "http://loinc.org", "code": "72514-3", "display": "Pain severity"}
PATIENT_URL = "urn:uuid:5b0e7c1e-3f7a-4c52-9a0e-1d6f0c2b7a01"
IDENTIFIERS = "urn:neckcheck:test"


def observation(**fields: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [PAIN]},
        "effectiveDateTime": "2026-01-05T08:30:00+01:00",
        "valueInteger": 6,
    }
    resource.update(fields)
    return resource


def transaction() -> dict[str, Any]:
    """A Patient and two pain scores that point to it by its urn:uuid, each created only if
    no resource with its identifier exists yet."""
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": IDENTIFIERS, "value": "patient-1"}],
        "name": [{"given": ["Alex"]}],
    }
    entries = [
        {
            "fullUrl": PATIENT_URL,
            "resource": patient,
            "request": {
                "method": "POST",
                "url": "Patient",
                "ifNoneExist": f"identifier={IDENTIFIERS}|patient-1",
            },
        }
    ]
    for n, score in enumerate([6, 3], start=1):
        entries.append(
            {
                "fullUrl": f"urn:uuid:5b0e7c1e-3f7a-4c52-9a0e-1d6f0c2b7a0{n + 1}",
                "resource": observation(
                    identifier=[{"system": IDENTIFIERS, "value": f"pain-{n}"}],
                    subject={"reference": PATIENT_URL},
                    effectiveDateTime=f"2026-01-0{n}T08:30:00+01:00",
                    valueInteger=score,
                ),
                "request": {
                    "method": "POST",
                    "url": "Observation",
                    "ifNoneExist": f"identifier={IDENTIFIERS}|pain-{n}",
                },
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def test_a_valid_observation_is_clean(medplum: Medplum) -> None:
    assert medplum.validate([observation()]) == [[]]
    assert medplum.schema_errors(observation()) == []


def test_a_missing_required_element_is_named(medplum: Medplum) -> None:
    no_code = observation()
    del no_code["code"]
    assert medplum.validate([observation(), no_code]) == [
        [],
        ["error: Missing required property (Observation.code)"],
    ]
    assert medplum.schema_errors(no_code) == ["$: 'code' is a required property"]


def test_a_status_of_the_wrong_type_is_named(medplum: Medplum) -> None:
    bad = observation(status=5)
    assert medplum.validate([bad]) == [
        ["error: Invalid JSON type: expected string, but got number (Observation.status)"]
    ]
    [error] = medplum.schema_errors(bad)
    assert error.startswith("$.status: 5 is not one of ['registered'")


def test_only_the_schema_checks_a_status_against_its_value_set(medplum: Medplum) -> None:
    """Medplum's validator checks a code's syntax, not that it is one of the status codes."""
    made_up = observation(status="bogus")
    assert medplum.validate([made_up, observation(status=" final")]) == [
        [],
        ["error: Invalid code format (Observation.status)"],
    ]
    [error] = medplum.schema_errors(made_up)
    assert error.startswith("$.status: 'bogus' is not one of ['registered', 'preliminary'")


def test_the_schema_refuses_unknown_elements_and_resource_types(medplum: Medplum) -> None:
    assert medplum.schema_errors(observation(painScore=6)) == [
        "$: Additional properties are not allowed ('painScore' was unexpected)"
    ]
    assert medplum.schema_errors({"resourceType": "Episode"}) == [
        "$.resourceType: 'Episode' is not a FHIR R4 resource type"
    ]


def test_the_transaction_bundle_is_valid(medplum: Medplum) -> None:
    """Medplum warns (no more) that a urn:uuid is not a Patient reference, although in a
    transaction it is one: the server resolves it to the Patient created."""
    [issues] = medplum.validate([transaction()])
    assert [issue.rsplit(" (", 1)[1] for issue in issues] == [
        "Bundle.entry[1].resource.subject)",
        "Bundle.entry[2].resource.subject)",
    ]
    assert all(
        issue.startswith(f'warning: Invalid reference: got "{PATIENT_URL}", expected')
        for issue in issues
    )
    assert medplum.schema_errors(transaction()) == []


def test_a_transaction_posted_twice_creates_each_resource_once(medplum: Medplum) -> None:
    result = medplum.post(
        transaction(),
        times=2,
        searches=[
            ("Patient", f"identifier={IDENTIFIERS}|patient-1"),
            ("Observation", ""),
            ("Observation", "code=http://loinc.org|72514-3&status=final"),
            ("Observation", "code=http://loinc.org|72514-3&status=preliminary"),
            # The Patient's fullUrl stands for the Patient the first post created.
            ("Observation", f"patient={PATIENT_URL}"),
        ],
    )
    first, second = result.posts
    assert (first.status, second.status) == (200, 200)
    assert first.bundle is not None and second.bundle is not None
    assert first.bundle["type"] == second.bundle["type"] == "transaction-response"
    assert [e["response"]["status"] for e in first.bundle["entry"]] == ["201"] * 3
    assert [e["response"]["status"] for e in second.bundle["entry"]] == ["200"] * 3
    locations = [e["response"]["location"] for e in first.bundle["entry"]]
    assert [e["response"]["location"] for e in second.bundle["entry"]] == locations

    patients, everything, final, preliminary, by_patient = result.searches
    assert patients.total == 1
    [patient] = patients.resources
    assert locations[0] == f"Patient/{patient['id']}"
    assert everything.total == 2
    assert final.status == 200 and final.total == 2
    assert sorted(o["valueInteger"] for o in final.resources) == [3, 6]
    # The urn:uuid references now name the stored Patient.
    assert {o["subject"]["reference"] for o in final.resources} == {f"Patient/{patient['id']}"}
    assert preliminary.total == 0 and preliminary.resources == []
    assert by_patient.query == f"patient={PATIENT_URL}"
    assert by_patient.total == 2


def test_a_collection_bundle_is_refused(medplum: Medplum) -> None:
    collection = {"resourceType": "Bundle", "type": "collection", "entry": transaction()["entry"]}
    result = medplum.post(collection, searches=[("Observation", "")])
    [refused] = result.posts
    assert refused.status == 400
    assert refused.bundle is None
    assert refused.outcome["issue"] == [
        {
            "severity": "error",
            "code": "invalid",
            "details": {"text": "Unrecognized bundle type: collection"},
        }
    ]
    assert result.searches[0].total == 0


def test_a_failing_script_raises_with_nodes_message(medplum: Medplum) -> None:
    with pytest.raises(MedplumError, match=r"exited with status 1:\nTypeError: .*map"):
        medplum.run({"validate": "not a list"})
