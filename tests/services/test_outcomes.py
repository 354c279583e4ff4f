"""The weekly check-in through the diary: naming activities, rating them and the pain,
refusals that name the field and store nothing, when the next is due, and the change since
the baseline in the person's words and the clinician's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate, Profile
from neckcheck.errors import InputError
from neckcheck.services.diary import Diary
from neckcheck.services.outcomes import Outcomes
from neckcheck.storage.db import open_database
from tests.databases import new_sqlite
from tests.factories import NOW, local_diary

BERLIN = ZoneInfo("Europe/Berlin")


def _outcomes(session: Session, at: datetime = NOW) -> Outcomes:
    diary: Diary = local_diary(session, FixedClock(at))
    diary.set_profile(Profile(time_zone="Europe/Berlin"))
    return Outcomes(diary)


ACTIVITIES = ["Reversing the car", "Lifting my daughter", "Reading in bed"]


def _rated(outcomes: Outcomes, *ratings: int) -> dict[str, str]:
    return {str(a.id): str(r) for a, r in zip(outcomes.activities(), ratings, strict=True)}


def test_a_first_check_in_is_the_baseline_and_a_later_one_says_the_change(
    session: Session,
) -> None:
    first = _outcomes(session)
    first.set_activities(ACTIVITIES)
    first.check_in({"nprs": {"pain": "6"}, "psfs": _rated(first, 2, 3, 4)})
    [pain, activities] = first.lines()
    assert pain.patient == (
        "Usual neck pain: 6 out of 10 on 30 Jun. The next check-in shows the change since then."
    )
    assert pain.clinical == "NPRS baseline 6 on 30 Jun 2026; MCID 1.3 (Cleland 2008)"

    later = _outcomes(session, NOW + timedelta(weeks=4))
    later.check_in({"nprs": {"pain": "4"}, "psfs": _rated(later, 6, 6, 6)})
    [pain, activities] = later.lines()
    assert pain.patient == (
        "Your usual pain is 2 points lower than on 30 Jun (6 \u2192 4): a change that matters."
    )
    assert pain.clinical.startswith(
        "NPRS 6 \u2192 4 (\u22122) since 30 Jun 2026: clinically important improvement"
    )
    assert activities.patient == (
        "Your chosen activities are 3 points easier than on 30 Jun (3 \u2192 6): "
        "a change that matters."
    )
    # Each activity that moved by the item's threshold (3) is named for the clinician.
    assert "Reversing the car 2 \u2192 6, Lifting my daughter 3 \u2192 6" in activities.clinical
    assert "Reading in bed" not in activities.clinical


def test_a_small_change_is_said_not_to_matter_yet_and_a_worse_one_to_be_told(
    session: Session,
) -> None:
    _outcomes(session).check_in({"nprs": {"pain": "3"}})
    small = _outcomes(session, NOW + timedelta(weeks=1))
    small.check_in({"nprs": {"pain": "4"}})
    [line] = small.lines()
    assert line.patient.endswith(
        "1 point higher than on 30 Jun (3 \u2192 4): not yet a change that matters "
        "(1.3 points or more)."
    )
    assert "below the MCID" in line.clinical
    worse = _outcomes(session, NOW + timedelta(weeks=2))
    worse.check_in({"nprs": {"pain": "7"}})
    [line] = worse.lines()
    assert line.patient.endswith("a change that matters; tell whoever treats your neck.")
    assert "clinically important worsening" in line.clinical


def test_a_refused_check_in_names_each_field_and_stores_nothing(session: Session) -> None:
    outcomes = _outcomes(session)
    outcomes.set_activities(ACTIVITIES)
    ids = [str(a.id) for a in outcomes.activities()]
    with pytest.raises(InputError) as refused:
        outcomes.check_in(
            {"nprs": {"pain": "11"}, "psfs": {ids[0]: "5", ids[1]: "x"}, "ndi": {"1": "2"}}
        )
    assert {(p.field, p.message) for p in refused.value.problems} == {
        ("ndi", "is not a measure here"),
        ("nprs.pain", "must be a whole number 0 to 10"),
        (f"psfs.{ids[1]}", "must be a whole number 0 to 10"),
        (f"psfs.{ids[2]}", "rate this one too, or none of them"),
    }
    with pytest.raises(InputError, match="answer at least one question"):
        outcomes.check_in({"nprs": {"pain": " "}})
    assert outcomes.check_ins() == []


def test_activities_are_three_to_five_once_each_and_keep_their_ratings(
    session: Session,
) -> None:
    outcomes = _outcomes(session)
    for names, message in (
        (["Driving", "Reading"], "name 3 to 5 activities"),
        (["Driving", "driving ", "Reading"], "names the same activity twice"),
        (["a", "b", "c", "d", "e", "f"], "name 3 to 5 activities"),
    ):
        with pytest.raises(InputError, match=message):
            outcomes.set_activities(names)
    outcomes.set_activities(ACTIVITIES)
    kept = outcomes.activities()[0]
    outcomes.check_in({"psfs": _rated(outcomes, 1, 2, 3)})
    after = outcomes.set_activities(["  Reversing   the car", "Lifting my daughter", "Typing"])
    assert [a.name for a in after] == ["Reversing the car", "Lifting my daughter", "Typing"]
    assert after[0].id == kept.id  # the same activity, its ratings kept
    # The activity left out is no longer asked, but its past rating keeps its name.
    [check_in] = outcomes.check_ins()
    names = outcomes.activity_names()
    assert sorted(names[item] for item in check_in.answers["psfs"]) == sorted(ACTIVITIES)


def test_a_check_in_is_due_a_week_after_the_last_on_the_persons_calendar(
    session: Session,
) -> None:
    # 30 Jun 2026, 23:30 in Berlin: six days and a half later is 7 Jul, a week on the calendar.
    evening = datetime(2026, 6, 30, 23, 30, tzinfo=BERLIN)
    outcomes = _outcomes(session, evening)
    assert outcomes.due()  # before the first
    outcomes.check_in({"nprs": {"pain": "5"}})
    assert not outcomes.due()
    assert not _outcomes(session, datetime(2026, 7, 6, 23, 59, tzinfo=BERLIN)).due()
    assert _outcomes(session, datetime(2026, 7, 7, 0, 1, tzinfo=BERLIN)).due()


def test_suggested_activities_are_those_the_diary_logged_most(session: Session) -> None:
    outcomes = _outcomes(session)
    for day, activities in enumerate([["driving", "sleep"], ["sleep"], ["sleep", "work"]]):
        start = NOW - timedelta(days=day + 1)
        outcomes.diary.log(
            EpisodeCreate(
                started_at=start,
                ended_at=start + timedelta(hours=1),
                intensity=4,
                activities_affected=activities,
            )
        )
    assert outcomes.suggestions()[0] == "Sleep"
    outcomes.set_activities(["Sleep", "Reading", "Typing"])
    assert "Sleep" not in outcomes.suggestions()
    assert set(outcomes.suggestions()) == {"Driving", "Work"}


@contextmanager
def _other_diary(tmp_path: Path, at: datetime = NOW) -> Iterator[Diary]:
    """The local diary of another, new database."""
    db = open_database(new_sqlite(tmp_path / "other.db"))
    try:
        with db.session() as session:
            yield local_diary(session, FixedClock(at))
    finally:
        db.close()


@pytest.mark.parametrize("kind", ["json", "fhir"])
def test_an_export_carries_the_check_ins_into_another_diary_once(
    session: Session, tmp_path: Path, kind: str
) -> None:
    first = _outcomes(session)
    first.set_activities(ACTIVITIES)
    first.check_in({"nprs": {"pain": "6"}, "psfs": _rated(first, 2, 3, 4)})
    later = _outcomes(session, NOW + timedelta(weeks=3))
    later.set_activities([*ACTIVITIES[:2], "Typing"])  # one replaced: its rating stays
    later.check_in({"nprs": {"pain": "3"}, "psfs": _rated(later, 5, 6, 1)})
    exported = "".join(later.diary.export(kind).chunks)
    # A FHIR Bundle names its Patient: the same person's diary on another installation is
    # another Patient's, imported as theirs.
    options = {"as_mine": True} if kind == "fhir" else {}
    with _other_diary(tmp_path, NOW + timedelta(weeks=3)) as other:
        result = other.import_(kind, exported, **options)
        assert (result.added, result.check_ins) == (0, 2)
        moved = Outcomes(other)
        other.set_profile(Profile(time_zone="Europe/Berlin"))
        assert [line.patient for line in moved.lines()] == [line.patient for line in later.lines()]
        assert [line.clinical for line in moved.lines()] == [
            line.clinical for line in later.lines()
        ]
        assert [a.name for a in moved.activities()] == [a.name for a in later.activities()]
        assert sorted(moved.activity_names().values()) == sorted([*ACTIVITIES, "Typing"])
        assert other.import_(kind, exported, **options).check_ins == 0  # once
        assert len(moved.check_ins()) == 2


def test_a_json_import_with_a_wrong_check_in_adds_nothing(session: Session, tmp_path: Path) -> None:
    outcomes = _outcomes(session)
    outcomes.set_activities(ACTIVITIES)
    outcomes.check_in({"nprs": {"pain": "6"}, "psfs": _rated(outcomes, 2, 3, 4)})
    outcomes.diary.log(EpisodeCreate(started_at=NOW - timedelta(days=1), intensity=4))
    document = json.loads("".join(outcomes.diary.export("json").chunks))
    document["check_ins"][0]["answers"]["nprs"]["pain"] = 11
    document["check_ins"][0]["answers"]["psfs"]["999"] = 3
    document["check_ins"].append(
        {**document["check_ins"][0], "at": (NOW + timedelta(days=1)).isoformat(), "answers": {}}
    )
    with _other_diary(tmp_path) as other:
        with pytest.raises(InputError) as refused:
            other.import_("json", json.dumps(document))
        assert {(p.field, p.message) for p in refused.value.problems} == {
            ("check_ins.0.answers.nprs.pain", "must be 0 to 10"),
            ("check_ins.0.answers.psfs.999", "is not an item of it"),
            ("check_ins.1.at", "is in the future"),
        }
        assert other.episodes() == [] and Outcomes(other).check_ins() == []
