"""FHIR export validates resource by resource, and export then import loses nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from neckcheck.cli import app
from neckcheck.domain import Episode, EpisodeCreate
from neckcheck.errors import InputError
from neckcheck.interop.fhir import QUESTIONNAIRE_URL, export_bundle, import_bundle
from neckcheck.storage.db import open_database
from neckcheck.storage.tables import EpisodeRow
from tests.factories import NOW, cli_runner, local_diary
from tests.interop.strategies import episodes

Make = Callable[..., Episode]


def _fields(episode: Episode | EpisodeCreate) -> dict[str, object]:
    return episode.model_dump(include=set(EpisodeCreate.model_fields))


def test_every_exported_resource_validates(episode: Make) -> None:
    diary = [
        episode(
            3,
            intensity=7,
            findings=["dizziness", "headache"],
            absent=["fever"],
            regions=["upper_left"],
            limited_movements=["rotation_left"],
            remedies=[{"remedy": "heat", "helped": "some"}],
            notes="ü",
        ),
        episode(1, hours=None, intensity=2),
    ]
    bundle = json.loads(export_bundle(diary, patient_name="Alex", now=NOW))
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds[:2] == ["Patient", "Questionnaire"]
    assert kinds.count("QuestionnaireResponse") == 2
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"].startswith("urn:uuid:")
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    observations = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    for observation in observations:
        assert observation["status"] == "preliminary"
        assert observation["category"][0]["coding"][0]["code"] == "survey"
        assert observation["performer"] == [observation["subject"]]
        assert observation["subject"]["reference"] in urls
        assert observation["derivedFrom"][0]["reference"] in urls
    pain = [o for o in observations if o["code"]["coding"][0]["code"] == "72514-3"]
    assert [o["valueInteger"] for o in pain] == [7, 2]
    assert all(o["code"]["coding"][0]["system"] == "http://loinc.org" for o in pain)
    coded = {o["code"]["text"]: o["valueBoolean"] for o in observations if "valueBoolean" in o}
    assert coded == {"Dizziness": True, "Headache": True, "Neck pain": True, "Fever": False}
    dizziness = next(o for o in observations if o["code"]["text"] == "Dizziness")
    assert {"system": "http://snomed.info/sct", "code": "404640003"} in (
        dizziness["code"]["coding"]
    )
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert all(r["questionnaire"].startswith(QUESTIONNAIRE_URL) for r in responses)
    assert all(r["status"] == "completed" for r in responses)


# too_slow: each example writes a diary to one database, exports it as FHIR (validated
# resource by resource) and imports it into another.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(episodes(), min_size=1, max_size=4))
def test_export_then_import_into_an_empty_database_gives_the_same_episodes(
    tmp_path_factory: pytest.TempPathFactory, diary: list[EpisodeCreate]
) -> None:
    source = open_database(f"sqlite:///{tmp_path_factory.mktemp('a') / 'a.db'}")
    target = open_database(f"sqlite:///{tmp_path_factory.mktemp('b') / 'b.db'}")
    with source.session() as session:
        mine = local_diary(session)
        for data in diary:
            mine.log(data)
        stored = mine.episodes(newest_first=False)
        text = mine.export("fhir").body
    with target.session() as session:
        theirs = local_diary(session)
        theirs.import_("fhir", text)
        imported = theirs.episodes(newest_first=False)
    source.close()
    target.close()
    assert [_fields(e) for e in imported] == [_fields(e) for e in stored]
    assert [e.started_at.utcoffset() for e in imported] == [
        e.started_at.utcoffset() for e in stored
    ]


def test_a_bad_record_names_its_entry_and_field_and_imports_nothing(
    episode: Make, env_db: str, tmp_path: Path
) -> None:
    bundle = json.loads(export_bundle([episode(5), episode(3)], patient_name="Alex", now=NOW))
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
    db = open_database(env_db, migrate=False)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(EpisodeRow)) == 1
    db.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "bundle: not valid JSON (line 1: Expecting property name enclosed in double quotes)"),
        ('{"resourceType": "Bundle", "type": "nonsense-type", "entry": "x"}', "bundle.entry"),
    ],
)
def test_unreadable_bundles_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        import_bundle(text)
    assert str(caught.value).startswith(message)
