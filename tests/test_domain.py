"""Findings and Episode validation: good documents pass, bad ones name the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from neckcheck.domain import Episode, EpisodeCreate, Findings, Level, Region
from neckcheck.errors import InputError
from tests.factories import NOW


def _problem(model: Any, doc: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(doc)
    return str(InputError.from_pydantic(caught.value))


@pytest.mark.parametrize(
    "doc",
    [
        {"findings": []},
        {
            "findings": ["neck_pain", "cramping_knot", "dizziness"],
            "absent": ["fever"],
            "intensity": 6,
            "onset": "sudden",
            "duration_hours": 5,
            "age_years": 41,
            "history": {"episodes_last_30_days": 1, "weeks_with_symptoms": 0},
        },
        {"findings": ["neck_pain"], "intensity": 0, "age_years": 0, "duration_hours": 0},
        {"findings": ["neck_pain"], "intensity": 10, "age_years": 125},
        {"findings": ["headache"], "history": {}},
    ],
)
def test_good_documents_validate(doc: dict[str, Any]) -> None:
    assert Findings.model_validate(doc).model_dump(exclude_unset=True) == doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({}, "findings: is required"),
        ({"findings": "neck_pain"}, "findings: must be a list"),
        (
            {"findings": ["neck_pain", "feverr"]},
            "findings.1: unknown finding id 'feverr'; did you mean 'fever'?",
        ),
        ({"findings": ["xyzzy"]}, "findings.0: unknown finding id 'xyzzy'"),
        ({"findings": [], "absent": ["nope"]}, "absent.0: unknown finding id 'nope'"),
        (
            {"findings": ["fever"], "absent": ["fever"]},
            "absent: 'fever' is listed both as present (findings) and as absent",
        ),
        ({"findings": [], "intensity": 11}, "intensity: must be at most 10"),
        ({"findings": [], "intensity": -1}, "intensity: must be at least 0"),
        ({"findings": [], "intensity": 5.5}, "intensity: must be a whole number"),
        ({"findings": [], "intensity": "high"}, "intensity: must be a whole number"),
        ({"findings": [], "onset": "slow"}, "onset: must be one of: 'sudden' or 'gradual'"),
        ({"findings": [], "duration_hours": -2}, "duration_hours: must be at least 0"),
        ({"findings": [], "age_years": 200}, "age_years: must be at most 125"),
        (
            {"findings": [], "history": {"weeks_with_symptoms": -1}},
            "history.weeks_with_symptoms: must be at least 0",
        ),
        ({"findings": [], "history": {"episodes": 3}}, "history.episodes: is not a known field"),
        ({"findings": [], "severity": 3}, "severity: is not a known field"),
    ],
)
def test_bad_documents_name_the_field(doc: dict[str, Any], message: str) -> None:
    assert _problem(Findings, doc) == message


def test_repeated_ids_are_kept_once_in_order() -> None:
    doc = Findings.model_validate({"findings": ["headache", "neck_pain", "headache"]})
    assert doc.findings == ["headache", "neck_pain"]


def test_levels_are_ordered_by_urgency() -> None:
    assert [level.rank for level in Level] == [0, 1, 2, 3, 4]
    assert Level.emergency.rank < Level.self_care.rank


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"started_at": "2026-01-01T08:00"},
            "started_at: must include a time zone (for example 2026-05-01T08:30+02:00)",
        ),
        (
            {"started_at": "10000-01-01T00:00Z"},
            "started_at: must be a date and time such as 2026-05-01T08:30+02:00",
        ),
        ({"started_at": "2200-01-01T00:00Z"}, "started_at: must be in 2199 or earlier"),
        (
            {"ended_at": (NOW - timedelta(days=3)).isoformat()},
            "ended_at: must not be before the start",
        ),
        ({"intensity": 12}, "intensity: must be at most 10"),
        (
            {"regions": ["neck"]},
            "regions.0: must be one of: 'upper_left', 'upper_centre', "
            "'upper_right', 'lower_left', 'lower_centre', 'lower_right', 'shoulder_left', "
            "'shoulder_right', 'head', 'jaw_left', 'jaw_right', 'upper_back', 'arm_left' or "
            "'arm_right'",
        ),
        (
            {"triggers": ["sleep"]},
            "triggers.0: unknown trigger 'sleep'; did you mean 'poor_sleep'?",
        ),
        (
            {"remedies": [{"remedy": "heat", "helped": "much"}]},
            "remedies.0.helped: must be one of: 'none', 'some' or 'a_lot'",
        ),
        (
            {
                "remedies": [
                    {"remedy": "heat", "helped": "some"},
                    {"remedy": "heat", "helped": "none"},
                ]
            },
            "remedies: 'heat' is listed more than once",
        ),
        ({"stress": 11}, "stress: must be at most 10"),
        ({"notes": "x" * 5001}, "notes: must be at most 5000 characters"),
        (
            {"activities_affected": ["gaming"]},
            "activities_affected.0: must be one of: 'driving', 'concentrating', 'carrying', "
            "'sleep' or 'work'",
        ),
    ],
)
def test_bad_episodes_name_the_field(fields: dict[str, Any], message: str) -> None:
    doc = {"started_at": (NOW - timedelta(days=1)).isoformat(), "intensity": 4, **fields}
    assert _problem(EpisodeCreate, doc) == message


def test_an_episode_needs_an_intensity() -> None:
    assert _problem(EpisodeCreate, {"started_at": NOW.isoformat()}) == "intensity: is required"


@pytest.mark.parametrize(
    ("regions", "side"),
    [
        ([], None),
        ([Region.upper_centre], "centre"),
        ([Region.upper_left, Region.shoulder_left], "left"),
        ([Region.lower_right], "right"),
        ([Region.upper_left, Region.lower_right], "both"),
        ([Region.upper_centre, Region.upper_right], "right"),
    ],
)
def test_side_is_derived_from_regions(
    make_episode: Callable[..., EpisodeCreate], regions: list[Region], side: str | None
) -> None:
    assert make_episode(regions=regions).side == side


def test_an_episode_implies_its_findings(make_episode: Callable[..., EpisodeCreate]) -> None:
    episode = make_episode(
        intensity=6,
        pain_qualities=["sharp", "constant"],
        limited_movements=["rotation_left"],
        findings=["headache"],
        absent=["fever"],
    )
    assert episode.derived_findings() == [
        "headache",
        "neck_pain",
        "pain_sharp",
        "reduced_range_of_motion",
    ]


def test_a_finding_said_no_to_is_not_implied(make_episode: Callable[..., EpisodeCreate]) -> None:
    episode = make_episode(limited_movements=["flexion"], absent=["reduced_range_of_motion"])
    assert "reduced_range_of_motion" not in episode.derived_findings()


def test_duration_runs_to_now_while_ongoing(make_episode: Callable[..., EpisodeCreate]) -> None:
    start = datetime(2026, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    ongoing = make_episode(started_at=start)
    assert ongoing.ongoing
    assert ongoing.duration_hours(start + timedelta(hours=30)) == 30
    ended = make_episode(started_at=start, ended_at=start + timedelta(minutes=90))
    assert ended.duration_hours(start + timedelta(days=9)) == 1.5
    doc = ended.to_findings(now=start + timedelta(days=9))
    assert doc.duration_hours == 1.5 and doc.intensity == 5


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sore\xa0neck", "sore neck"),
        ("line one\u2028line two", "line one line two"),
        ("tab\tand\nnew line\r\n", "tab\tand\nnew line\r\n"),
        ("nul\x00 and bell\x07 gone", "nul and bell gone"),
        ("émoji 😖 kept", "émoji 😖 kept"),
    ],
)
def test_notes_are_stored_as_plain_text(
    make_episode: Callable[..., EpisodeCreate], typed: str, stored: str
) -> None:
    assert make_episode(notes=typed).notes == stored


@pytest.mark.parametrize(
    ("hours", "short", "text"),
    [
        (0.25, False, "15 min"),
        (3.5, False, "3.5 h"),
        (47.9, False, "47.9 h"),
        (48, False, "2.0 days"),
        (60, True, "2.5 d"),
    ],
)
def test_durations_read_as_people_say_them(hours: float, short: bool, text: str) -> None:
    from neckcheck.text import format_hours

    assert format_hours(hours, short=short) == text


@pytest.mark.parametrize(
    ("seconds", "text", "iso"),
    [
        (-5, "under a minute", "PT0H0M"),
        (59.9, "under a minute", "PT0H0M"),
        (60, "1 min", "PT0H1M"),
        (45 * 60 + 59, "45 min", "PT0H45M"),
        (3600, "1 h", "PT1H0M"),
        (2 * 3600 + 14 * 60, "2 h 14 min", "PT2H14M"),
        (47 * 3600 + 59 * 60, "47 h 59 min", "PT47H59M"),
        (48 * 3600, "2 days", "PT48H0M"),
        (3 * 86400 + 2 * 3600 + 30 * 60, "3 days 2 h", "PT74H30M"),
    ],
)
def test_a_running_timer_reads_as_people_say_it(seconds: float, text: str, iso: str) -> None:
    from neckcheck.text import format_elapsed, iso_duration

    assert format_elapsed(seconds) == text
    assert iso_duration(seconds) == iso


@pytest.mark.parametrize(
    ("regions", "side", "neck"),
    [
        (["upper_left", "shoulder_left"], "left", True),
        (["jaw_right", "arm_right"], "right", False),
        (["arm_left", "lower_right"], "both", True),
        (["head"], "centre", False),
        (["upper_back", "upper_centre"], "centre", True),
        ([], None, False),
    ],
)
def test_the_areas_around_the_neck_have_a_side_and_are_not_the_neck(
    regions: list[str], side: str | None, neck: bool
) -> None:
    from neckcheck.interop.fhir.export import reported_findings

    episode = Episode.model_validate(
        {
            "id": 1,
            "patient_id": 1,
            "created_at": NOW,
            "updated_at": NOW,
            "started_at": NOW,
            "intensity": 4,
            "regions": regions,
        }
    )
    assert episode.side == side
    # FHIR reports neck pain only for a mark on the neck itself (or when the person said so).
    assert ("neck_pain" in reported_findings(episode)) is neck


def test_a_warning_is_a_level_of_seeing_a_clinician_within_days_or_sooner() -> None:
    assert [level for level in Level if level.is_warning] == [
        Level.emergency,
        Level.urgent,
        Level.soon,
    ]


def test_the_form_asks_no_finding_the_episodes_other_fields_give() -> None:
    from neckcheck.domain import implied_findings
    from neckcheck.vocab import Movement, PainQuality
    from neckcheck.web.forms import symptom_findings

    episode = Episode.model_validate(
        {
            "id": 1,
            "patient_id": 1,
            "started_at": "2026-06-30T10:00:00+00:00",
            "intensity": 4,
            "regions": [Region.upper_left],
            "pain_qualities": list(PainQuality),
            "limited_movements": [Movement.rotation_left],
            "created_at": "2026-06-30T10:00:00+00:00",
            "updated_at": "2026-06-30T10:00:00+00:00",
        }
    )
    assert set(episode.derived_findings()) == implied_findings()
    assert not implied_findings() & {f.id for f in symptom_findings()}
