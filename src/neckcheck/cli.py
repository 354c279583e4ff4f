"""The ``neckcheck`` command: a thin adapter over the library.

Library errors become one line on stderr and exit code 2; nothing is written when input is bad.
Heavy modules (pydantic models, SQLAlchemy, the web app) are imported inside the commands, so
``neckcheck --help`` starts quickly.
"""

from __future__ import annotations

import json
import sys
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from neckcheck.errors import FieldProblem, InputError, NeckcheckError

if TYPE_CHECKING:
    from neckcheck.clock import Clock
    from neckcheck.domain import Assessment, Episode
    from neckcheck.storage.db import Database


EXIT_BAD_INPUT = 2  # the same code as a usage error
_opened: list[Database] = []
# The clock of the command being run: the context object given to the command (a test's
# fixed clock), else the system clock.
_CLOCK: ContextVar[Clock] = ContextVar("clock")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


class _Group(TyperGroup):
    """Turns every :class:`NeckcheckError` into one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        from neckcheck.clock import SystemClock

        clock = _CLOCK.set(ctx.find_root().obj or SystemClock())
        try:
            return super().invoke(ctx)
        except NeckcheckError as exc:
            raise _fail(str(exc)) from None
        finally:
            _CLOCK.reset(clock)
            while _opened:  # every database a command opened is closed when it ends
                _opened.pop().close()


app = typer.Typer(
    cls=_Group,
    help="neckcheck: a neck-spasm diary with a careful, explainable check of each episode.\n\n"
    "Not a diagnosis. In an emergency, call your local emergency number.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(cls=_Group, help="Manage the database.", rich_markup_mode=None)
schema_app = typer.Typer(
    cls=_Group, help="Print JSON Schemas of the documents.", rich_markup_mode=None
)
user_app = typer.Typer(cls=_Group, help="Manage clinic accounts.", rich_markup_mode=None)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(schema_app, name="schema")


# --- shared helpers -------------------------------------------------------------------------


def _settings() -> Any:
    from pydantic import ValidationError

    from neckcheck.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:  # a bad NECKCHECK_* environment variable
        problems = InputError.from_pydantic(exc).problems
        raise InputError(
            [FieldProblem(f"NECKCHECK_{p.field.upper()}", p.message) for p in problems]
        ) from None


def _open() -> Database:
    """The configured database, migrated; closed when the command ends."""
    from neckcheck.storage.db import open_database

    database = open_database(_settings().effective_database_url())
    _opened.append(database)
    return database


def _now() -> datetime:
    return _CLOCK.get().now()


def parse_when(text: str, *, field: str, now: datetime | None = None) -> datetime:
    """``now``, ``HH:MM`` (today), or an ISO date-time; without a zone, the local one."""
    now = now or _now()
    value = text.strip()
    if value.lower() == "now":
        return now
    try:
        clock = time.fromisoformat(value)
    except ValueError:
        pass
    else:
        return datetime.combine(now.date(), clock, tzinfo=now.tzinfo)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"cannot read {text!r} as a time; use now, HH:MM or 2026-05-01T08:30", field=field
        ) from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def _parse_remedy(text: str) -> dict[str, str]:
    remedy, sep, helped = text.partition("=")
    if not sep:
        remedy, sep, helped = text.partition(":")
    if not sep or not remedy.strip() or not helped.strip():
        raise InputError(
            f"write {text!r} as REMEDY=HELPED, e.g. heat=some (helped: none, some, a_lot)",
            field="remedies",
        )
    return {"remedy": remedy.strip(), "helped": helped.strip().replace(" ", "_")}


# Flag names for the episode fields, so errors name what the person typed.
_FLAGS = {
    "started_at": "--start",
    "ended_at": "--end",
    "onset": "--onset",
    "intensity": "--intensity",
    "pain_qualities": "--quality",
    "regions": "--region",
    "limited_movements": "--limited",
    "findings": "--finding",
    "absent": "--absent",
    "triggers": "--trigger",
    "remedies": "--remedy",
    "activities_affected": "--affects",
    "stress": "--stress",
    "notes": "--notes",
}


def _as_flags(exc: InputError) -> InputError:
    problems = []
    for problem in exc.problems:
        head = problem.field.split(".", 1)[0]
        problems.append(FieldProblem(_FLAGS.get(head, problem.field), problem.message))
    return InputError(problems)


def _validate(model: Any, payload: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise _as_flags(InputError.from_pydantic(exc)) from None


# Options shared by ``log`` and ``edit``.
Start = Annotated[
    str | None,
    typer.Option(
        "--start", help="When it started: now, HH:MM (today) or 2026-05-01T08:30[+02:00]."
    ),
]
End = Annotated[
    str | None,
    typer.Option(
        "--end", help="When it stopped (same forms as --start). Leave out while it goes on."
    ),
]
OnsetOpt = Annotated[str | None, typer.Option("--onset", help="sudden or gradual.")]
Intensity = Annotated[
    int | None,
    typer.Option("--intensity", "-n", help="Worst pain from 0 (none) to 10 (worst imaginable)."),
]
Quality = Annotated[
    list[str] | None,
    typer.Option(
        "--quality", help="Pain quality: constant, throbbing, dull, sharp, burning. Repeatable."
    ),
]
RegionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--region",
        help="Where it hurts: upper_left, upper_centre, upper_right, lower_left, "
        "lower_centre, lower_right, shoulder_left, shoulder_right. Repeatable.",
    ),
]
Limited = Annotated[
    list[str] | None,
    typer.Option(
        "--limited",
        help="Limited movement: flexion, extension, rotation_left, rotation_right, "
        "side_bending_left, side_bending_right. Repeatable.",
    ),
]
FindingOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--finding", "-f", help="A symptom or sign present (see `neckcheck findings`). Repeatable."
    ),
]
AbsentOpt = Annotated[
    list[str] | None,
    typer.Option("--absent", help="A symptom or sign you checked and do not have. Repeatable."),
]
Trigger = Annotated[
    list[str] | None,
    typer.Option(
        "--trigger", "-t", help="What may have set it off (see `neckcheck findings`). Repeatable."
    ),
]
Remedy = Annotated[
    list[str] | None,
    typer.Option(
        "--remedy",
        "-r",
        help="A remedy tried and how it helped, e.g. heat=some (none, some, a_lot). Repeatable.",
    ),
]
Affects = Annotated[
    list[str] | None,
    typer.Option(
        "--affects",
        help="Activity affected: driving, concentrating, carrying, sleep, work. Repeatable.",
    ),
]
Stress = Annotated[int | None, typer.Option("--stress", help="Stress level, 0-10.")]
Notes = Annotated[str | None, typer.Option("--notes", help="Free-text notes.")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _payload(
    *,
    start: str | None,
    end: str | None,
    onset: str | None,
    intensity: int | None,
    quality: list[str] | None,
    region: list[str] | None,
    limited: list[str] | None,
    finding: list[str] | None,
    absent: list[str] | None,
    trigger: list[str] | None,
    remedy: list[str] | None,
    affects: list[str] | None,
    stress: int | None,
    notes: str | None,
) -> dict[str, Any]:
    """The fields given on the command line, keyed by episode field name."""
    given: dict[str, Any] = {
        "onset": onset,
        "intensity": intensity,
        "pain_qualities": quality,
        "regions": region,
        "limited_movements": limited,
        "findings": finding,
        "absent": absent,
        "triggers": trigger,
        "activities_affected": affects,
        "stress": stress,
        "notes": notes,
    }
    payload = {key: value for key, value in given.items() if value is not None}
    try:
        if start is not None:
            payload["started_at"] = parse_when(start, field="started_at")
        if end is not None:
            payload["ended_at"] = parse_when(end, field="ended_at")
        if remedy is not None:
            payload["remedies"] = [_parse_remedy(text) for text in remedy]
    except InputError as exc:
        raise _as_flags(exc) from None
    return payload


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _prompt_episode() -> dict[str, Any]:
    """Ask for an episode field by field (interactive ``neckcheck log``)."""
    from neckcheck.knowledge import load

    kb = load()
    echo = typer.echo
    echo("Log a neck spasm. Press Enter to skip anything optional.")
    payload: dict[str, Any] = {
        "started_at": parse_when(
            typer.prompt("When did it start? (now, HH:MM or a date-time)", default="now"),
            field="started_at",
        )
    }
    if not typer.confirm("Is it still going on?", default=True):
        payload["ended_at"] = parse_when(
            typer.prompt("When did it stop?", default="now"), field="ended_at"
        )
    payload["intensity"] = typer.prompt("Worst pain, 0-10", type=int)
    onset = typer.prompt(
        "Did it start suddenly or gradually? (sudden/gradual)", default="", show_default=False
    )
    if onset:
        payload["onset"] = onset
    lists = [
        ("regions", "Where does it hurt? (e.g. upper_left, lower_right, shoulder_left)"),
        ("limited_movements", "Which movements are limited? (e.g. rotation_left, flexion)"),
        ("pain_qualities", "How does the pain feel? (constant, throbbing, dull, sharp, burning)"),
        ("findings", "Other symptoms? (ids such as headache, dizziness; see `neckcheck findings`)"),
        ("triggers", "Possible triggers? (" + ", ".join(t.id for t in kb.diary.triggers) + ")"),
        (
            "activities_affected",
            "Activities affected? (driving, concentrating, carrying, sleep, work)",
        ),
    ]
    for field, question in lists:
        answer = _split(typer.prompt(question, default="", show_default=False))
        if answer:
            payload[field] = answer
    remedies = _split(
        typer.prompt(
            "Remedies tried, as remedy=none|some|a_lot (e.g. heat=some)",
            default="",
            show_default=False,
        )
    )
    if remedies:
        payload["remedies"] = [_parse_remedy(text) for text in remedies]
    stress = typer.prompt("Stress level 0-10", default="", show_default=False)
    if stress:
        payload["stress"] = stress
    notes = typer.prompt("Notes", default="", show_default=False)
    if notes:
        payload["notes"] = notes
    return payload


def _payload_from_text(text: str, flags: dict[str, Any], *, confirm: bool) -> dict[str, Any]:
    """Episode fields from free text; flags given on the command line take precedence."""
    from neckcheck.nlp import extract as read_text

    result = read_text(text)
    typer.echo(_understood(result))
    doc = result.document
    payload: dict[str, Any] = {
        "findings": list(doc.findings),
        "absent": list(doc.absent),
        "limited_movements": [m.value for m in result.limited_movements],
        "notes": text,
    }
    for key in ("intensity", "onset"):
        value = getattr(doc, key)
        if value is not None:
            payload[key] = getattr(value, "value", value)
    if doc.duration_hours is not None:
        payload["started_at"] = _now() - timedelta(hours=doc.duration_hours)
    payload.update(flags)
    if "intensity" not in payload and confirm:
        payload["intensity"] = typer.prompt("Worst pain, 0-10", type=int)
    if confirm:
        typer.confirm("Save this episode?", abort=True)
    return payload


def _understood(result: Any) -> str:
    from neckcheck.knowledge import load

    kb = load()
    doc = result.document
    lines = [
        "Understood:",
        "  present: " + (", ".join(kb.finding(f).label for f in doc.findings) or "-"),
        "  said no to: " + (", ".join(kb.finding(f).label for f in doc.absent) or "-"),
    ]
    if result.uncertain:
        names = ", ".join(kb.finding(f).label for f in result.uncertain)
        lines.append(f"  not sure, please check: {names}")
    if result.limited_movements:
        moves = ", ".join(m.value.replace("_", " ") for m in result.limited_movements)
        lines.append(f"  limited: {moves}")
    for key, label in (
        ("intensity", "worst pain"),
        ("onset", "onset"),
        ("duration_hours", "lasted so far (hours)"),
    ):
        value = getattr(doc, key)
        if value is not None:
            lines.append(f"  {label}: {getattr(value, 'value', value)}")
    return "\n".join(lines)


def _format_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M %z")


def _lasted(episode: Episode, now: datetime) -> str:
    from neckcheck.domain import format_hours

    text = format_hours(episode.duration_hours(now))
    return f"{text} so far" if episode.ongoing else text


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _episode_json(episodes: list[Episode]) -> str:
    return json.dumps([e.model_dump(mode="json") for e in episodes], indent=2, ensure_ascii=False)


def _describe(episode: Episode, now: datetime) -> str:
    from neckcheck.knowledge import load

    kb = load()

    def join(values: list[Any]) -> str:
        return ", ".join(str(getattr(v, "value", v)).replace("_", " ") for v in values) or "-"

    rows = [
        ("Episode", str(episode.id)),
        ("Started", _format_time(episode.started_at)),
        ("Ended", _format_time(episode.ended_at) if episode.ended_at else "ongoing"),
        ("Lasted", _lasted(episode, now)),
        ("Onset", episode.onset.value if episode.onset else "-"),
        ("Worst pain", f"{episode.intensity}/10"),
        ("Pain", join(episode.pain_qualities)),
        ("Where", join(episode.regions) + (f" ({episode.side})" if episode.side else "")),
        ("Limited", join(episode.limited_movements)),
        ("Symptoms", ", ".join(kb.finding(f).label for f in episode.findings) or "-"),
        ("Said no to", ", ".join(kb.finding(f).label for f in episode.absent) or "-"),
        ("Triggers", join(episode.triggers)),
        (
            "Remedies",
            ", ".join(f"{r.remedy} ({r.helped.value.replace('_', ' ')})" for r in episode.remedies)
            or "-",
        ),
        ("Affected", join(episode.activities_affected)),
        ("Stress", f"{episode.stress}/10" if episode.stress is not None else "-"),
        ("Notes", episode.notes or "-"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def _assess_episode(db: Database, patient_id: int, episode: Episode) -> Assessment:
    from neckcheck.diary import assess_episode

    with db.session() as session:
        return assess_episode(session=session, patient_id=patient_id, episode=episode, now=_now())


# --- diary commands -------------------------------------------------------------------------


@app.command()
def log(
    start: Start = None,
    end: End = None,
    onset: OnsetOpt = None,
    intensity: Intensity = None,
    quality: Quality = None,
    region: RegionOpt = None,
    limited: Limited = None,
    finding: FindingOpt = None,
    absent: AbsentOpt = None,
    trigger: Trigger = None,
    remedy: Remedy = None,
    affects: Affects = None,
    stress: Stress = None,
    notes: Notes = None,
    interactive: Annotated[
        bool,
        typer.Option(
            "--interactive",
            "-i",
            help="Ask for each field (the default in a terminal with no flags).",
        ),
    ] = False,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            help="Describe the episode in your own words; shows what was understood and asks "
            "before saving.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --text: save without asking.")
    ] = False,
    as_json: JsonOut = False,
) -> None:
    """Log a neck-spasm episode. With no flags in a terminal, asks question by question."""
    from neckcheck.domain import EpisodeCreate
    from neckcheck.storage import repo

    payload = _payload(
        start=start,
        end=end,
        onset=onset,
        intensity=intensity,
        quality=quality,
        region=region,
        limited=limited,
        finding=finding,
        absent=absent,
        trigger=trigger,
        remedy=remedy,
        affects=affects,
        stress=stress,
        notes=notes,
    )
    if text is not None:
        payload = _payload_from_text(text, payload, confirm=not yes)
    elif interactive or (not payload and sys.stdin.isatty()):
        payload = _prompt_episode()
    payload.setdefault("started_at", _now())
    if "intensity" not in payload:
        raise InputError("is required (0-10)", field="--intensity")
    data = _validate(EpisodeCreate, payload)
    db = _open()
    with db.session() as session:
        patient_id = repo.ensure_local_patient(session=session)
        episode = repo.create_episode(session=session, patient_id=patient_id, data=data)
    if as_json:
        typer.echo(_episode_json([episode]))
        return
    result = _assess_episode(db, patient_id, episode)
    typer.echo(f"Logged episode {episode.id} ({_format_time(episode.started_at)}).")
    typer.echo(_level_line(result))
    typer.echo(f"Why and what to do: neckcheck assess --episode {episode.id} --text")


@app.command()
def history(
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="Only episodes that started on or after this date (YYYY-MM-DD)."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to", help="Only episodes that started on or before this date (YYYY-MM-DD)."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N.")] = None,
    as_json: JsonOut = False,
) -> None:
    """List logged episodes, newest first."""
    from neckcheck.knowledge import load
    from neckcheck.storage import repo

    since = parse_when(start, field="--from") if start else None
    until = parse_when(end, field="--to") + timedelta(days=1) if end else None
    db = _open()
    with db.session() as session:
        patient_id = repo.ensure_local_patient(session=session)
        episodes = repo.list_episodes(
            session=session, patient_id=patient_id, start=since, end=until, limit=limit
        )
    if as_json:
        typer.echo(_episode_json(episodes))
        return
    if not episodes:
        typer.echo("No episodes logged yet. Log one with: neckcheck log")
        return
    kb, now = load(), _now()
    rows = [
        [
            str(e.id),
            _format_time(e.started_at),
            _lasted(e, now),
            f"{e.intensity}/10",
            e.side or "-",
            ", ".join(kb.finding(f).label for f in e.findings) or "-",
        ]
        for e in episodes
    ]
    typer.echo(_table(["ID", "Started", "Lasted", "Worst", "Side", "Symptoms"], rows))


@app.command()
def show(
    episode_id: Annotated[int, typer.Argument(metavar="ID", help="The episode's id.")],
    as_json: JsonOut = False,
) -> None:
    """Show one episode in full."""
    from neckcheck.storage import repo

    with _open().session() as session:
        patient_id = repo.ensure_local_patient(session=session)
        episode = repo.get_episode(session=session, patient_id=patient_id, episode_id=episode_id)
    if as_json:
        typer.echo(json.dumps(episode.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        typer.echo(_describe(episode, _now()))


@app.command()
def edit(
    episode_id: Annotated[int, typer.Argument(metavar="ID", help="The episode's id.")],
    start: Start = None,
    end: End = None,
    onset: OnsetOpt = None,
    intensity: Intensity = None,
    quality: Quality = None,
    region: RegionOpt = None,
    limited: Limited = None,
    finding: FindingOpt = None,
    absent: AbsentOpt = None,
    trigger: Trigger = None,
    remedy: Remedy = None,
    affects: Affects = None,
    stress: Stress = None,
    notes: Notes = None,
    ongoing: Annotated[
        bool, typer.Option("--ongoing", help="Mark the episode as still going on (clears its end).")
    ] = False,
) -> None:
    """Change an episode: only the fields given are changed; list flags replace the list."""
    from neckcheck.domain import EpisodeUpdate
    from neckcheck.storage import repo

    payload = _payload(
        start=start,
        end=end,
        onset=onset,
        intensity=intensity,
        quality=quality,
        region=region,
        limited=limited,
        finding=finding,
        absent=absent,
        trigger=trigger,
        remedy=remedy,
        affects=affects,
        stress=stress,
        notes=notes,
    )
    if ongoing:
        if end is not None:
            raise InputError("give either --end or --ongoing, not both", field="--ongoing")
        payload["ended_at"] = None
    if not payload:
        raise InputError("nothing to change; give at least one field flag", field="edit")
    changes = _validate(EpisodeUpdate, payload)
    with _open().session() as session:
        patient_id = repo.ensure_local_patient(session=session)
        try:
            repo.update_episode(
                session=session, patient_id=patient_id, episode_id=episode_id, changes=changes
            )
        except InputError as exc:
            raise _as_flags(exc) from None
    typer.echo(f"Updated episode {episode_id}.")


@app.command()
def delete(
    episode_id: Annotated[int, typer.Argument(metavar="ID", help="The episode's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an episode (asks for confirmation)."""
    from neckcheck.storage import repo

    db = _open()
    with db.session() as session:
        patient_id = repo.ensure_local_patient(session=session)
        episode = repo.get_episode(session=session, patient_id=patient_id, episode_id=episode_id)
    if not yes:
        typer.confirm(
            f"Delete episode {episode_id} from {_format_time(episode.started_at)}?", abort=True
        )
    with db.session() as session:
        repo.delete_episode(session=session, patient_id=patient_id, episode_id=episode_id)
    typer.echo(f"Deleted episode {episode_id}.")


@app.command()
def findings() -> None:
    """List the symptom, trigger and remedy ids the diary and the check understand."""
    from neckcheck.knowledge import load

    kb = load()
    for group, title in (
        ("symptom", "Symptoms"),
        ("warning", "Warning signs"),
        ("context", "Circumstances and history"),
    ):
        typer.echo(f"{title}:")
        for f in kb.findings:
            if f.group == group:
                typer.echo(f"  {f.id:32} {f.label}")
    for title, terms in (("Triggers", kb.diary.triggers), ("Remedies", kb.diary.remedies)):
        typer.echo(f"{title}:")
        for term in terms:
            typer.echo(f"  {term.id:32} {term.label}")


def _parse_day(text: str, field: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"cannot read {text!r} as a date; use YYYY-MM-DD", field=field) from None


@app.command()
def report(
    pdf: Annotated[Path, typer.Option("--pdf", help="Write the PDF report to this file.")],
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day (YYYY-MM-DD); default: 90 days before --to."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day (YYYY-MM-DD); default: today.")
    ] = None,
) -> None:
    """Write a clinician report (PDF) for a period: course, chart, warning signs, episodes."""
    from neckcheck.diary import clinician_report
    from neckcheck.storage import repo

    now = _now()
    last = _parse_day(end, "--to") if end else now.date()
    first = _parse_day(start, "--from") if start else last - timedelta(days=89)
    with _open().session() as session:
        patient_id = repo.ensure_local_patient(session=session)
        document = clinician_report(
            session=session, patient_id=patient_id, first=first, last=last, now=now
        )
    _write_output(pdf, document, flag="--pdf")
    typer.echo(f"Report for {first} to {last} written to {pdf}.")


def _one_of(**given: Path | None) -> tuple[str, Path]:
    chosen = [(name, path) for name, path in given.items() if path is not None]
    if len(chosen) != 1:
        flags = ", ".join(f"--{name}" for name in given)
        raise InputError(f"give exactly one of {flags}", field="format")
    return chosen[0]


@app.command("export")
def export_(
    as_json: Annotated[
        Path | None, typer.Option("--json", help="Lossless JSON (importable).")
    ] = None,
    as_csv: Annotated[Path | None, typer.Option("--csv", help="CSV for spreadsheets.")] = None,
    fhir: Annotated[Path | None, typer.Option("--fhir", help="A FHIR Bundle (JSON).")] = None,
) -> None:
    """Export the whole diary as JSON, CSV or a FHIR Bundle."""
    from neckcheck.interop import fhir as fhir_io
    from neckcheck.interop import plain
    from neckcheck.storage import repo

    kind, path = _one_of(json=as_json, csv=as_csv, fhir=fhir)
    with _open().session() as session:
        patient_id = repo.ensure_local_patient(session=session)
        episodes = repo.list_episodes(session=session, patient_id=patient_id, newest_first=False)
        name = repo.patient_name(session=session, patient_id=patient_id)
    if kind == "json":
        text = plain.export_json(episodes)
    elif kind == "csv":
        text = plain.export_csv(episodes)
    else:
        text = fhir_io.export_bundle(episodes, patient_name=name, patient_id=patient_id)
    _write_output(path, text, flag=f"--{kind}")
    typer.echo(f"Exported {len(episodes)} episode(s) to {path}.")


@app.command("import")
def import_(
    as_json: Annotated[Path | None, typer.Option("--json", help="A neckcheck JSON export.")] = None,
    fhir: Annotated[
        Path | None, typer.Option("--fhir", help="A FHIR Bundle from neckcheck.")
    ] = None,
) -> None:
    """Import episodes; if any record is wrong, nothing is imported and the error says where."""
    from neckcheck.diary import import_episodes
    from neckcheck.interop import fhir as fhir_io
    from neckcheck.interop import plain
    from neckcheck.storage import repo

    kind, path = _one_of(json=as_json, fhir=fhir)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", field=f"--{kind}") from None
    episodes = plain.import_json(text) if kind == "json" else fhir_io.import_bundle(text)
    with _open().session() as session:
        patient_id = repo.ensure_local_patient(session=session)
        count = import_episodes(session=session, patient_id=patient_id, episodes=episodes)
    typer.echo(f"Imported {count} episode(s) from {path}.")


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
) -> None:
    """Copy the SQLite diary to FILE, consistently, even while the server is writing."""
    from neckcheck.storage.db import backup_sqlite

    pages = backup_sqlite(_settings().effective_database_url(), target)
    typer.echo(f"Backed up {pages} pages to {target}.")


@app.command()
def extract(
    file: Annotated[
        Path | None, typer.Argument(help="A text file. Reads standard input when left out.")
    ] = None,
) -> None:
    """Read free text about an episode into a findings document (JSON), with what matched."""
    from neckcheck.nlp import extract as read_text

    text, _where = _read_input(file)
    typer.echo(read_text(text).model_dump_json(indent=2))


# --- assessment -----------------------------------------------------------------------------

_STYLE = {
    "emergency": ("!!", "red"),
    "urgent": ("!", "red"),
    "soon": ("*", "yellow"),
    "routine": ("i", "blue"),
    "self_care": ("ok", "green"),
}


def _level_line(result: Assessment) -> str:
    from neckcheck.knowledge import load

    mark, colour = _STYLE[result.level.value]
    title = load().advice.levels[result.level].title
    return typer.style(f"[{mark}] {title.upper()} ({result.level.value})", fg=colour, bold=True)


def _render_text(result: Assessment) -> str:
    from neckcheck.knowledge import load

    kb = load()
    numbers = {key: index for index, key in enumerate(result.sources, start=1)}

    def refs(keys: list[str]) -> str:
        return " " + "".join(f"[{numbers[k]}]" for k in keys)

    lines = [_level_line(result), kb.advice.levels[result.level].meaning, ""]
    if result.red_flags:
        lines.append(typer.style("Why:", bold=True))
        lines += [f"- {flag.message}{refs(flag.sources)}" for flag in result.red_flags]
        lines.append("")
    lines.append(typer.style("What to do:", bold=True))
    lines += [f"- {item.text}{refs(item.sources)}" for item in result.advice]
    if result.unanswered:
        lines += ["", typer.style("Questions that could change this:", bold=True)]
        lines += [f"- {kb.question(name)}" for name in result.unanswered]
    lines += ["", typer.style("Sources:", bold=True)]
    lines += [f"[{n}] {result.sources[key]}" for key, n in numbers.items()]
    lines += ["", result.disclaimer]
    return "\n".join(lines)


def _read_input(file: Path | None) -> tuple[str, str]:
    """The text of FILE, or of standard input when no file is given, and where it came from."""
    where = str(file) if file else "standard input"
    try:
        return (file.read_text("utf-8") if file else sys.stdin.read()), where
    except OSError as exc:
        raise InputError(f"cannot read {where}: {exc.strerror}", field="FILE") from None


def _write_output(path: Path, data: str | bytes, *, flag: str) -> None:
    """Write a file the person named; a failure is one line naming the flag."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, "utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}", field=flag) from None


def _read_document(file: Path | None) -> Any:
    text, where = _read_input(file)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", field=where
        ) from None


@app.command()
def assess(
    file: Annotated[
        Path | None,
        typer.Argument(help="A findings document (JSON). Reads standard input when left out."),
    ] = None,
    episode: Annotated[
        int | None,
        typer.Option("--episode", "-e", help="Assess a logged episode, with its diary history."),
    ] = None,
    text: Annotated[bool, typer.Option("--text", help="Print for a person, not JSON.")] = False,
) -> None:
    """Check a findings document (or a logged episode): red flags first, one level, advice."""
    from neckcheck.domain import Findings
    from neckcheck.engine import assess as run

    if episode is not None:
        if file is not None:
            raise InputError("give either FILE or --episode, not both", field="--episode")
        from neckcheck.storage import repo

        db = _open()
        with db.session() as session:
            patient_id = repo.ensure_local_patient(session=session)
            stored = repo.get_episode(session=session, patient_id=patient_id, episode_id=episode)
        result = _assess_episode(db, patient_id, stored)
    else:
        document = _read_document(file)
        if not isinstance(document, dict):
            raise InputError("a findings document must be a JSON object", field="document")
        from pydantic import ValidationError

        try:
            doc = Findings.model_validate(document)
        except ValidationError as exc:
            raise InputError.from_pydantic(exc) from None
        result = run(doc)
    typer.echo(_render_text(result) if text else result.model_dump_json(indent=2))


# --- schemas, database, server --------------------------------------------------------------


def _print_schema(model: Any) -> None:
    typer.echo(json.dumps(model.model_json_schema(), indent=2))


@schema_app.command("findings")
def schema_findings() -> None:
    """The JSON Schema of a findings document (input of `neckcheck assess`)."""
    from neckcheck.domain import Findings

    _print_schema(Findings)


@schema_app.command("assessment")
def schema_assessment() -> None:
    """The JSON Schema of an assessment (output of `neckcheck assess`)."""
    from neckcheck.domain import Assessment

    _print_schema(Assessment)


@schema_app.command("episode")
def schema_episode() -> None:
    """The JSON Schema of a stored episode (`neckcheck history --json`)."""
    from neckcheck.domain import Episode

    _print_schema(Episode)


@app.command()
def demo(
    patients: Annotated[int, typer.Option(min=1, max=100_000, help="How many diaries.")] = 1,
    years: Annotated[float, typer.Option(min=0.1, max=20, help="Years of history each.")] = 1,
    seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 1,
) -> None:
    """Fill an empty database with realistic example diaries, to look around or to measure."""
    from datetime import UTC

    from neckcheck.demo import demo_episodes
    from neckcheck.storage import repo

    now = datetime.now(UTC)
    with _open().session() as session:
        first = repo.ensure_local_patient(session=session)
        existing = repo.count_episodes(session=session, patient_id=first)
        if existing:
            raise InputError(
                f"the diary already has {existing} episode(s); demo data goes "
                "into an empty database",
                field="demo",
            )
        total = 0
        for number in range(patients):
            patient = (
                first
                if number == 0
                else repo.create_patient(session=session, display_name=f"Demo patient {number + 1}")
            )
            total += repo.add_episodes(
                session=session,
                patient_id=patient,
                items=demo_episodes(years=years, seed=seed + number, until=now),
            )
    typer.echo(f"Added {total} example episode(s) for {patients} patient(s).")


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The login email.")],
    role: Annotated[str, typer.Option(help="patient, clinician or admin.")] = "patient",
    name: Annotated[str | None, typer.Option(help="Display name (default: the email).")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input."),
    ] = False,
) -> None:
    """Create an account; asks for the password (twice) unless --password-stdin."""
    from neckcheck.auth.passwords import hash_password
    from neckcheck.storage import accounts

    if role not in accounts.ROLES:
        raise InputError(f"must be one of: {', '.join(accounts.ROLES)}", field="--role")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    password_hash = hash_password(password)
    with _open().session() as session:
        user = accounts.create_user(
            session=session,
            email=email,
            display_name=name or email,
            password_hash=password_hash,
            role=role,  # narrowed to a Role by the check above
            now=_now(),
        )
    typer.echo(f"Created {user.role} account {user.email}.")


@user_app.command("list")
def user_list() -> None:
    """List accounts."""
    from neckcheck.storage import accounts

    with _open().session() as session:
        users = accounts.list_users(session=session)
    if not users:
        typer.echo("No accounts yet. Add one with: neckcheck user add EMAIL --role ROLE")
        return
    rows = [
        [u.email, u.display_name, u.role, "disabled" if u.disabled else "active"] for u in users
    ]
    typer.echo(_table(["Email", "Name", "Role", "Status"], rows))


@user_app.command("disable")
def user_disable(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Disable an account and end its sessions at once."""
    from neckcheck.auth.sessions import end_all_sessions
    from neckcheck.storage import accounts

    with _open().session() as session:
        user = accounts.set_disabled(session=session, email=email, disabled=True)
        end_all_sessions(session=session, user_id=user.id)
    typer.echo(f"Disabled {user.email}; its sessions have ended.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest schema."""
    from neckcheck.storage.db import current_revision, make_engine, upgrade

    engine = make_engine(_settings().effective_database_url())
    upgrade(engine)
    typer.echo(f"Database is at revision {current_revision(engine)}.")
    engine.dispose()


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision (empty database: none)."""
    from neckcheck.storage.db import current_revision, make_engine

    engine = make_engine(_settings().effective_database_url())
    typer.echo(current_revision(engine) or "none")
    engine.dispose()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    clinic: Annotated[
        bool,
        typer.Option(
            "--clinic",
            help="Clinic mode: accounts and sharing (needs NECKCHECK_DATABASE_URL and "
            "NECKCHECK_SECRET_KEY).",
        ),
    ] = False,
) -> None:
    """Run the web app (local mode: the default SQLite database, migrated on start)."""
    import uvicorn

    from neckcheck.web.app import create_app

    settings = _settings()
    if clinic:
        settings = settings.model_copy(update={"clinic_mode": True})
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


def main() -> None:
    app()
