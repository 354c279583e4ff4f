"""What the patient's Sharing page says about who looked at their diary: the audit log in
plain sentences, at times in the patient's time zone."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from neckcheck.services.clinic import audit_lines
from neckcheck.storage.accounts import AuditEntry
from tests.factories import NOW

TOKYO = ZoneInfo("Asia/Tokyo")  # NOW, 12:00 UTC, is 21:00 there


def entry(action: str, *, minutes: float = 0, granted: bool = True, **who: str) -> AuditEntry:
    kind = who.get("kind", "account")
    return AuditEntry(
        at=NOW - timedelta(minutes=minutes),
        actor="(for logs)",
        action=action,
        target="/clinician/patients/7",
        ip="203.0.113.9",
        granted=granted,
        kind=kind,  # type: ignore[arg-type]
        name=who.get("name", "Dr Lee") if kind == "account" else None,
    )


@pytest.mark.parametrize(
    ("action", "sentence"),
    [
        ("list", "Dr Lee saw you on their list of patients, 30 Jun 21:00"),
        ("read", "Dr Lee viewed your diary, 30 Jun 21:00"),
        ("insights", "Dr Lee viewed your insights, 30 Jun 21:00"),
        ("report", "Dr Lee downloaded your report, 30 Jun 21:00"),
        ("export", "Dr Lee exported your diary, 30 Jun 21:00"),
    ],
)
def test_each_action_is_a_sentence(action: str, sentence: str) -> None:
    [line] = audit_lines([entry(action)], zone=TOKYO, now=NOW)
    assert str(line) == sentence
    assert "/clinician" not in str(line)


def test_refusals_the_command_line_and_removed_accounts_are_said_in_words() -> None:
    lines = audit_lines(
        [
            entry("insights", granted=False, name="Dr Park"),
            entry("write", minutes=60, kind="command_line"),
            entry("read", minutes=120, kind="command_line"),
            entry("read", minutes=180, kind="removed"),
        ],
        zone=TOKYO,
        now=NOW,
    )
    assert [str(line) for line in lines] == [
        "Dr Park tried to view your insights and was refused, 30 Jun 21:00",
        "The clinic's staff changed your diary from the command line, 30 Jun 20:00",
        "The clinic's staff viewed your diary from the command line, 30 Jun 19:00",
        "Someone whose account was removed viewed your diary, 30 Jun 18:00",
    ]
    assert [line.granted for line in lines] == [False, True, True, True]


def test_times_are_in_the_patients_zone_with_the_year_when_it_is_not_this_one() -> None:
    old = entry("read", minutes=60 * 24 * 200)  # 12 Dec 2025, 12:00 UTC
    assert audit_lines([old], zone=TOKYO, now=NOW)[0].when == "12 Dec 2025, 21:00"
    assert audit_lines([old], zone=ZoneInfo("America/New_York"), now=NOW)[0].when == (
        "12 Dec 2025, 07:00"
    )
    late = entry("read", minutes=11 * 60)  # 01:00 UTC: 10:00 in Tokyo, the evening before in LA
    assert audit_lines([late], zone=ZoneInfo("America/Los_Angeles"), now=NOW)[0].when == (
        "29 Jun 18:00"
    )


def test_the_same_thing_in_a_row_on_one_day_is_one_line_with_how_many_times() -> None:
    lines = audit_lines(
        [
            entry("list"),
            entry("list", minutes=5),
            entry("list", minutes=22),
            entry("read", minutes=30),
            entry("list", minutes=40),
            entry("list", minutes=60 * 24),  # the day before: a line of its own
            entry("list", minutes=60 * 24 + 1, granted=False),
        ],
        zone=TOKYO,
        now=NOW,
    )
    assert [str(line) for line in lines] == [
        "Dr Lee saw you on their list of patients 3 times, 30 Jun 20:38 to 21:00",
        "Dr Lee viewed your diary, 30 Jun 20:30",
        "Dr Lee saw you on their list of patients, 30 Jun 20:20",
        "Dr Lee saw you on their list of patients, 29 Jun 21:00",
        "Dr Lee tried to see you on their list of patients and was refused, 29 Jun 20:59",
    ]
