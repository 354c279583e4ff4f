"""A check-in made earlier (sent later by a phone that was offline): its moment is checked,
the same check-in sent twice is kept once; and the check-ins as a table for a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from neckcheck.errors import InputError
from neckcheck.services.access import Action
from neckcheck.services.diary import Diary
from tests.factories import NOW
from tests.services.test_outcomes import ACTIVITIES, _outcomes, _rated


def test_a_check_in_made_earlier_keeps_its_moment_and_is_kept_once(session: Session) -> None:
    outcomes = _outcomes(session)
    earlier = NOW - timedelta(days=2, hours=3)
    made = outcomes.check_in({"nprs": {"pain": "5"}}, at=earlier)
    assert made.at == earlier
    assert outcomes.check_in({"nprs": {"pain": 5}}, at=earlier) == made  # sent again
    with pytest.raises(InputError) as refused:
        outcomes.check_in({"nprs": {"pain": "4"}}, at=earlier)
    assert refused.value.problems[0].field == "at"
    assert [c.id for c in outcomes.check_ins()] == [made.id]


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (NOW + timedelta(hours=1), "is in the future"),
        (NOW.replace(tzinfo=None), "must give its time zone (an offset)"),
        (NOW.replace(year=1850), "must be on or after 1900-01-01"),
    ],
)
def test_a_check_in_at_an_impossible_moment_is_refused(
    session: Session, moment: object, said: str
) -> None:
    outcomes = _outcomes(session)
    with pytest.raises(InputError) as refused:
        outcomes.check_in({"nprs": {"pain": "5"}}, at=moment)  # type: ignore[arg-type]
    assert [(p.field, p.message) for p in refused.value.problems] == [("at", said)]
    assert outcomes.check_ins() == []


def test_the_check_ins_table_has_a_column_per_score_and_activity_ever_rated(
    session: Session,
) -> None:
    first = _outcomes(session, NOW - timedelta(weeks=2))
    first.set_activities(ACTIVITIES)
    first.check_in({"nprs": {"pain": "6"}, "psfs": _rated(first, 2, 3, 4)})
    later = _outcomes(session)
    later.set_activities([*ACTIVITIES[:2], "Sleeping"])  # reading in bed is no longer asked
    later.check_in({"psfs": _rated(later, 5, 6, 1)})
    export = Diary(session, later.diary.patient_id, later.diary.clock, action=Action.export)
    text = "".join(export.export("checkins").chunks)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "checked_in_at",
        "nprs",
        "psfs",
        "psfs: Reversing the car",
        "psfs: Lifting my daughter",
        "psfs: Reading in bed",
        "psfs: Sleeping",
    ]
    assert rows[1][0].startswith("2026-06-16T") and rows[1][0].endswith("+02:00")  # Berlin
    assert rows[1][1:] == ["6", "3", "2", "3", "4", ""]
    assert rows[2][1:] == ["", "4", "5", "6", "", "1"]


def test_an_activity_that_looks_like_a_formula_is_plain_text_in_the_table(
    session: Session,
) -> None:
    outcomes = _outcomes(session)
    outcomes.set_activities(["=HYPERLINK(1)", "Reading", "Typing"])
    outcomes.check_in({"psfs": _rated(outcomes, 1, 2, 3)})
    header, _ = outcomes.table()
    text = "".join(
        Diary(session, outcomes.diary.patient_id, outcomes.diary.clock, action=Action.export)
        .export("checkins")
        .chunks
    )
    assert "psfs: =HYPERLINK(1)" in header
    assert next(csv.reader(io.StringIO(text)))[3] == "psfs: =HYPERLINK(1)"


def test_an_export_of_a_period_carries_the_check_ins_made_in_it(session: Session) -> None:
    import json

    from neckcheck.timeparse import Period

    outcomes = _outcomes(session)
    for days in (40, 10):
        outcomes.check_in({"nprs": {"pain": "5"}}, at=NOW - timedelta(days=days))
    diary = Diary(session, outcomes.diary.patient_id, outcomes.diary.clock, action=Action.export)
    month = Period((NOW - timedelta(days=30)).date(), NOW.date(), outcomes.diary.zone)
    document = json.loads(diary.export("json", period=month).body)
    assert [c["at"][:10] for c in document["check_ins"]] == ["2026-06-20"]
    assert len(json.loads(diary.export("json").body)["check_ins"]) == 2
    bundle = json.loads(diary.export("fhir", period=month).body)
    answered = [
        e["resource"]["authored"][:10]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert answered == ["2026-06-20"]
