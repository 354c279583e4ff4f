"""Diaries for the FHIR tests, written and exported through the application layer (a Diary on
its own SQLite file, with a fixed clock), as the CLI and the web download do it: episodes,
and weekly check-ins."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate, Profile
from neckcheck.knowledge import load
from neckcheck.storage.db import open_database
from tests.databases import new_sqlite
from tests.factories import NOW, local_diary

FhirJson = dict[str, Any]

# Four episodes: a plain spasm, an emergency with a meningitis pattern (the stiff neck has no
# standard code), a 10/10 chest pain with no neck pain reported, and an ongoing episode marked
# on the shoulder only. Fever is asked about and denied in three of them.
SAMPLE: list[dict[str, Any]] = [
    {
        "started_at": NOW - timedelta(days=40),
        "ended_at": NOW - timedelta(days=40) + timedelta(hours=3),
        "onset": "gradual",
        "intensity": 4,
        "pain_qualities": ["dull", "constant"],
        "regions": ["upper_left", "shoulder_left"],
        "limited_movements": ["rotation_left"],
        "findings": ["cramping_knot"],
        "absent": ["fever", "arm_weakness"],
        "triggers": ["stress"],
        "remedies": [{"remedy": "heat", "helped": "a_lot"}],
        "activities_affected": ["work"],
        "stress": 7,
        "notes": "After a long drive. Ünïcode ok.",
    },
    {
        "started_at": NOW - timedelta(days=3),
        "ended_at": NOW - timedelta(days=3) + timedelta(hours=6),
        "onset": "sudden",
        "intensity": 8,
        "regions": ["lower_centre"],
        "findings": ["fever", "headache", "neck_stiffness", "photophobia"],
        "absent": ["rash"],
    },
    {
        "started_at": NOW - timedelta(days=2),
        "ended_at": NOW - timedelta(days=2) + timedelta(hours=1),
        "intensity": 10,
        "findings": ["chest_pain"],
        "absent": ["fever"],
    },
    {
        "started_at": NOW - timedelta(hours=5),
        "intensity": 3,
        "regions": ["shoulder_right"],
        "absent": ["fever", "dizziness"],
        "declined": True,
    },
]


@dataclass(frozen=True)
class CheckInSpec:
    """A weekly check-in: when, the activities rated from then on, the usual pain and each
    activity's rating (None: that measure left out)."""

    at: datetime
    activities: list[str]
    pain: int | None
    ratings: list[int] | None


# Two weekly check-ins, two weeks apart: the second replaces an activity (Reading in bed by
# Typing; its rating stays with the first) and its activities' mean is not a whole number.
CHECK_INS = [
    CheckInSpec(
        NOW - timedelta(weeks=2),
        ["Reversing the car", "Lifting my daughter", "Reading in bed"],
        6,
        [2, 3, 4],
    ),
    CheckInSpec(
        NOW - timedelta(hours=1),
        ["Reversing the car", "Lifting my daughter", "Typing"],
        3,
        [5, 6, 2],
    ),
]


def every_field() -> list[dict[str, Any]]:
    """Episodes that between them use every finding, trigger, remedy and answer code."""
    kb = load()
    findings = [f.id for f in kb.findings]
    half = len(findings) // 2
    return [
        {
            "started_at": NOW - timedelta(days=20),
            "ended_at": NOW - timedelta(days=19),
            "onset": "sudden",
            "intensity": 9,
            "pain_qualities": ["constant", "throbbing", "dull", "sharp", "burning"],
            "regions": list(load().labels.regions),
            "limited_movements": list(load().labels.limited_movements),
            "findings": findings[:half],
            "absent": findings[half:],
            "triggers": [t.id for t in kb.diary.triggers],
            "remedies": [
                {"remedy": r.id, "helped": ("none", "some", "a_lot")[i % 3]}
                for i, r in enumerate(kb.diary.remedies)
            ],
            "activities_affected": list(load().labels.activities_affected),
            "stress": 10,
            "notes": "Everything at once.",
        },
        {
            "started_at": NOW - timedelta(days=10),
            "intensity": 0,
            "findings": findings[half:],
            "absent": findings[:half],
        },
    ]


def write_diary(
    path: Path,
    episodes: list[dict[str, Any]],
    *,
    name: str | None = None,
    birth_year: int | None = None,
) -> None:
    """The local person's diary in a new database at ``path``, with ``episodes`` logged."""
    db = open_database(new_sqlite(path))
    with db.session() as session:
        diary = local_diary(session)
        if name is not None:
            diary.rename(name)
        if birth_year is not None:
            diary.set_profile(Profile(birth_year=birth_year))
        for fields in episodes:
            diary.log(EpisodeCreate.model_validate(fields))
    db.close()


def write_check_ins(path: Path, check_ins: Sequence[CheckInSpec] = CHECK_INS) -> None:
    """Add ``check_ins`` to the local person's diary at ``path`` (made by write_diary), each
    made at its time."""
    from neckcheck.services.outcomes import Outcomes

    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        for spec in check_ins:
            outcomes = Outcomes(local_diary(session, FixedClock(spec.at)))
            outcomes.set_activities(spec.activities)
            ratings: dict[str, dict[str, object]] = {}
            if spec.pain is not None:
                ratings["nprs"] = {"pain": spec.pain}
            if spec.ratings is not None:
                ratings["psfs"] = {
                    str(activity.id): rating
                    for activity, rating in zip(outcomes.activities(), spec.ratings, strict=True)
                }
            outcomes.check_in(ratings)
    db.close()


def export(path: Path, kind: str = "transaction") -> FhirJson:
    """The FHIR export of the diary at ``path`` (a transaction Bundle unless ``kind`` says)."""
    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        body = local_diary(session).export("fhir", fhir_bundle=kind).body  # type: ignore[arg-type]
    db.close()
    bundle: FhirJson = json.loads(body)
    return bundle


def resources(bundle: FhirJson, kind: str | None = None) -> list[FhirJson]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if kind is None or e["resource"]["resourceType"] == kind
    ]


def codes_of(resource: FhirJson, system: str | None = None) -> list[str]:
    return [
        c["code"]
        for c in resource.get("code", {}).get("coding", [])
        if system is None or c["system"] == system
    ]
