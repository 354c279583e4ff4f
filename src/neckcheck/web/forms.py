"""The episode form: what it asks, how its values become an episode, and back.

Form field names (the HTML ``name`` attributes):

``started_at``, ``ended_at`` (``datetime-local``), ``state`` (``ongoing`` or ``over``; the
quick answers ``minutes``/``hour``/``hours``/``day`` of earlier forms mean over), ``lasted``
(how long it lasted when over: ``minutes``, ``hour``, ``hours``, ``day``; an exact end wins),
``ongoing`` (checkbox of earlier forms), ``tz`` (the browser's
UTC offset in minutes, filled in by script when available), ``onset``, ``intensity``,
``region``, ``movement``, ``quality``, ``symptom``, ``trigger``, ``activity`` (repeated
checkboxes), ``flag_<finding id>`` (``yes``/``no``; left empty it stays unanswered),
``remedy_<remedy id>`` (``none``/``some``/``a_lot``; empty = not tried), ``stress``, ``notes``;
set by script on the Log form: ``saved_at`` (see :func:`saved_moment`) and
``idempotency_key`` (sending the form again adds nothing: see ``Diary.log_once``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from pydantic import ValidationError

from neckcheck.domain import Episode, implied_findings
from neckcheck.errors import FieldProblem, InputError
from neckcheck.fields import EPISODE_FIELDS
from neckcheck.knowledge import load
from neckcheck.timeparse import parse_moment, parse_zone


def field_label(name: str) -> str:
    """How the error summary names a form field: the episode field's label."""
    fields = load().labels.fields
    extra = {
        "flags": "Warning signs",
        "state": "Still going on?",
        "lasted": "How long it lasted",
        "birth_year": "Year of birth",
        "describe": "Your description",
        "name": "Name",
        "tz": "Time zone",
    }
    if name in extra:
        return extra[name]
    try:
        return EPISODE_FIELDS.by_form(name).label
    except KeyError:
        return fields.get(name, name)


def options(field: str) -> list[tuple[str, str]]:
    """(value, label) of each value of an episode field, in the knowledge base's order."""
    table: dict[str, str] = getattr(load().labels, field)
    return list(table.items())


def _screened() -> set[str]:
    return set(load().screening.findings)


def symptom_findings() -> list[Any]:
    """Spasm symptoms offered as tick boxes (ticked = present, unticked = not said): the
    article's symptoms that are not warning signs asked in the check."""
    left_out = _screened() | implied_findings()  # asked in the check, or given by the form
    return [f for f in load().findings if f.group == "symptom" and f.id not in left_out]


def question_findings() -> list[Any]:
    """Warning signs and circumstances, answered yes or no (in the check, and in the edit
    form's list of answers)."""
    screened = _screened()
    return [f for f in load().findings if f.group in ("warning", "context") or f.id in screened]


# "Is it still going on?": two answers; when it is over, how long it lasted as quick choices
# (the exact times are optional, and win when given).
STATES = {"ongoing": "Yes, still going on", "over": "No, it is over"}
LASTED = {
    "minutes": ("A few minutes", timedelta(minutes=15)),
    "hour": ("About an hour", timedelta(hours=1)),
    "hours": ("A few hours", timedelta(hours=3)),
    "day": ("Most of the day", timedelta(hours=8)),
}


@dataclass
class FormState:
    """What the form shows: the values (as typed) and any errors, by form field name."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        raw = self.values.get(name, "")
        return str(raw[0] if isinstance(raw, list) and raw else raw or "")

    def checked(self, name: str, option: str) -> bool:
        raw = self.values.get(name, [])
        return option in (raw if isinstance(raw, list) else [raw])


def read_form(form: Any) -> dict[str, Any]:
    """A plain dict of a submitted form: repeated fields as lists, the rest as strings."""
    repeated = {f.form for f in EPISODE_FIELDS.repeated()} | {"confirm"}
    values: dict[str, Any] = {}
    for key in form:
        values[key] = form.getlist(key) if key in repeated else str(form.get(key, ""))
    return values


def saved_moment(values: Mapping[str, Any], *, now: datetime) -> datetime:
    """When Save was pressed: the ``saved_at`` field (an ISO time with its offset, set by
    script), never later than ``now``. A form kept on a phone while offline and sent later
    is read as of then: "it lasted an hour" ended when it was saved, not when it arrived.
    Without it (no script) or unreadable: ``now``."""
    try:
        moment = datetime.fromisoformat(str(values.get("saved_at", "")).strip())
    except ValueError:
        return now
    return now if moment.tzinfo is None else min(moment, now)


def _moment(text: str, name: str, now: datetime, zone: tzinfo | None) -> datetime:
    """A ``datetime-local`` value: a wall-clock time in the browser's time zone."""
    try:
        return parse_moment(text, now=now, field=name, zone=zone)
    except InputError:
        raise InputError("must be a date and time such as 2026-05-01 08:30", field=name) from None


def to_payload(values: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The episode fields a submitted form gives; raises InputError keyed by form field.

    Times are read in the browser's time zone (the ``tz`` field: its IANA name or UTC offset
    in minutes, set by script), else in the server's."""
    problems: list[FieldProblem] = []
    try:
        zone = parse_zone(str(values.get("tz", "")))
    except InputError as exc:  # nothing is saved; the page's script sends the zone again
        problems += exc.problems
        zone = None
    payload: dict[str, Any] = {}
    times: dict[str, datetime] = {}
    for name in ("started_at", "ended_at", "opened"):
        text = str(values.get(name, "")).strip()
        if text:
            try:
                times[name] = _moment(text, name, now, zone)
            except InputError as exc:
                problems += exc.problems
    state = str(values.get("state", "")).strip() or ("ongoing" if values.get("ongoing") else "")
    lasted_choice = str(values.get("lasted", "")).strip()
    if state in LASTED:  # the single question of earlier forms: over, and it lasted ...
        state, lasted_choice = "over", state
    if not state and lasted_choice:
        state = "over"
    if state and state not in STATES:
        problems.append(FieldProblem("state", "choose one of the answers"))
    elif not state and "ended_at" not in times and not problems:
        problems.append(FieldProblem("state", "say whether it is still going on"))
    if lasted_choice and lasted_choice not in LASTED:
        problems.append(FieldProblem("lasted", "choose one of the answers"))
    started, ended = times.get("started_at"), times.get("ended_at")
    lasted = LASTED[lasted_choice][1] if state == "over" and lasted_choice in LASTED else None
    end_typed = bool(str(values.get("ended_at", "")).strip())
    said_lasted = any(problem.field == "lasted" for problem in problems)
    if state == "over" and lasted is None and not end_typed and not said_lasted:
        problems.append(FieldProblem("lasted", "say about how long it lasted, or when it stopped"))
    if started is None and not str(values.get("started_at", "")).strip():
        if "opened" in times or state:
            started = times.get("opened", now)  # the form's own "now"
        else:
            problems.append(FieldProblem("started_at", "is required"))
    if lasted is not None and ended is None and not end_typed and started is not None:
        if "opened" in times and started == times["opened"]:
            # "It lasted an hour" said now, with the start left as the form offered it:
            # it started an hour before now and has just ended.
            started, ended = now - lasted, now
        else:
            ended = started + lasted
    if started is not None:
        payload["started_at"] = started
    payload["ended_at"] = None if state == "ongoing" else ended
    intensity = str(values.get("intensity", "")).strip()
    if not intensity:
        problems.append(FieldProblem("intensity", "choose how bad the pain is, 0 to 10"))
    else:
        payload["intensity"] = intensity
    if values.get("onset"):
        payload["onset"] = values["onset"]
    for repeated in EPISODE_FIELDS.repeated():
        payload[repeated.name] = list(values.get(repeated.form, []))
    findings = payload["findings"] + list(values.get("confirm", []))
    absent = []
    for finding in question_findings():
        answer = values.get(f"flag_{finding.id}")
        if answer == "yes":
            findings.append(finding.id)
        elif answer == "no":
            absent.append(finding.id)
    payload["findings"] = findings
    payload["absent"] = absent
    payload["remedies"] = [
        {"remedy": term.id, "helped": values[f"remedy_{term.id}"]}
        for term in load().diary.remedies
        if values.get(f"remedy_{term.id}")
    ]
    stress = str(values.get("stress", "")).strip()
    payload["stress"] = stress or None
    payload["notes"] = str(values.get("notes", ""))
    if problems:
        raise InputError(problems)
    return payload


def validate(model: Any, payload: dict[str, Any]) -> Any:
    """``model.model_validate(payload)`` with errors named by form field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise as_form_error(InputError.from_pydantic(exc)) from None


def as_form_error(exc: InputError) -> InputError:
    problems = []
    for problem in exc.problems:
        head = problem.field.split(".", 1)[0]
        problems.append(FieldProblem(EPISODE_FIELDS.form_of(head), problem.message))
    return InputError(problems)


def errors_by_field(exc: InputError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in exc.problems:
        errors.setdefault(problem.field or "form", problem.message)
    return errors


def _local_input(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def new_form(now: datetime) -> FormState:
    """The quick log as it opens: the start is now (the person may change it), and it is
    over after a few minutes unless they say otherwise, so that a log saved with a pain score
    alone never stays open for ever."""
    return FormState(
        values={
            "started_at": _local_input(now),
            "opened": _local_input(now),
            "state": "over",
            "lasted": "minutes",
        }
    )


def from_episode(episode: Episode) -> FormState:
    """The form filled in with a stored episode, for editing."""
    questions = {f.id for f in question_findings()}
    values: dict[str, Any] = {
        "started_at": _local_input(episode.started_at),
        "tz": str(int((episode.started_at.utcoffset() or timedelta(0)).total_seconds() // 60)),
        "intensity": str(episode.intensity),
        "onset": episode.onset.value if episode.onset else "",
        **{f.form: [str(v) for v in getattr(episode, f.name)] for f in EPISODE_FIELDS.repeated()},
        "symptom": [f for f in episode.findings if f not in questions],
        "stress": "" if episode.stress is None else str(episode.stress),
        "notes": episode.notes,
    }
    if episode.ended_at is None:
        values["state"] = "ongoing"
    else:
        values["state"] = "over"
        values["ended_at"] = _local_input(episode.ended_at.astimezone(episode.started_at.tzinfo))
    for finding in episode.findings:
        if finding in questions:
            values[f"flag_{finding}"] = "yes"
    for finding in episode.absent:
        values[f"flag_{finding}"] = "no"
    for use in episode.remedies:
        values[f"remedy_{use.remedy}"] = use.helped.value
    return FormState(values=values)


def from_extraction(
    result: Any, *, text: str, now: datetime, ask_birth_year: bool = False
) -> FormState:
    """The form pre-filled from free text, for the person to check before saving.

    What the text gives is :func:`neckcheck.services.describe.describe`'s reading, shown in
    the form's fields: a warning sign found in the text is offered ticked, to confirm; a
    denial, a hedge or a past mention ticks nothing and is shown beside its question in the
    check that follows. Times the text gives (or implies, "for two hours") are filled in
    exactly, with "Still going on?" answered when the text says; the year of birth (from an
    age) when the profile has none.
    """
    from neckcheck.services.describe import describe

    described = describe(result, text=text, now=now)
    fields = described.fields
    symptoms = {f.id for f in symptom_findings()}
    questions = {f.id for f in question_findings()}
    values: dict[str, Any] = {
        "opened": _local_input(now),
        "notes": text,
        "describe": text,
        "started_at": _local_input(described.started_at or now),
    }
    for repeated in EPISODE_FIELDS.repeated():
        values[repeated.form] = list(fields.get(repeated.name, []))
    values["symptom"] = [f for f in fields["findings"] if f in symptoms]
    values["confirm"] = [f for f in fields["findings"] if f in questions]
    if described.ongoing is True:
        values["state"] = "ongoing"
    elif described.ongoing is False:
        values["state"] = "over"
        if described.ended_at is not None:
            values["ended_at"] = _local_input(described.ended_at)
    for tried in fields["remedies"]:
        values[f"remedy_{tried['remedy']}"] = tried["helped"]
    if "intensity" in fields:
        values["intensity"] = str(fields["intensity"])
    if "onset" in fields:
        values["onset"] = fields["onset"]
    if ask_birth_year and described.age_years is not None:
        values["birth_year"] = str(now.year - described.age_years)
    return FormState(values=values)
