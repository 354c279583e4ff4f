"""Commands on the diary: log, history, show, edit, delete, assess, report, export, import,
extract, findings. Each parses its input, calls one method of the diary and prints."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from neckcheck.cli import render
from neckcheck.cli.core import read_input, runtime, write_output
from neckcheck.cli.episode_flags import EpisodeFlags, as_flags, episode_flags, parse_remedy
from neckcheck.errors import FieldProblem, InputError
from neckcheck.fields import EPISODE_FIELDS

if TYPE_CHECKING:
    from datetime import datetime

    from neckcheck.domain import Episode
    from neckcheck.services.diary import Diary
    from neckcheck.timeparse import Period

JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
EpisodeId = Annotated[int, typer.Argument(metavar="ID", help="The episode's id.")]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _prompt_episode(now: datetime) -> dict[str, Any]:
    """Ask for an episode field by field (interactive ``neckcheck log``)."""
    from neckcheck.knowledge import load
    from neckcheck.timeparse import parse_moment

    kb = load()
    typer.echo("Log a neck spasm. Press Enter to skip anything optional.")
    times = ("started_at", "ended_at")
    start, end = (EPISODE_FIELDS[name] for name in times)
    payload: dict[str, Any] = {
        "started_at": parse_moment(
            typer.prompt(start.prompt, default="now"), now=now, field="started_at"
        )
    }
    if not typer.confirm("Is it still going on?", default=True):
        payload["ended_at"] = parse_moment(
            typer.prompt(end.prompt, default="now"), now=now, field="ended_at"
        )
    for field in EPISODE_FIELDS.values():  # in the table's order
        if not field.prompt or field.name in times:
            continue
        question = field.prompt.format(triggers=", ".join(t.id for t in kb.diary.triggers))
        if field.name == "intensity":  # the one answer required
            payload["intensity"] = typer.prompt(question, type=int)
            continue
        answer = typer.prompt(question, default="", show_default=False).strip()
        if field.many:
            parts = _split(answer)
            if parts:
                payload[field.name] = (
                    [parse_remedy(part) for part in parts] if field.name == "remedies" else parts
                )
        elif answer:
            payload[field.name] = answer
    return payload


def _payload_from_text(
    text: str, flags: dict[str, Any], *, now: datetime, confirm: bool
) -> dict[str, Any]:
    """Episode fields from free text (:func:`neckcheck.services.describe.describe`'s reading,
    as the Log page's); flags given on the command line take precedence."""
    from neckcheck.nlp import extract
    from neckcheck.services.describe import describe

    result = extract(text, now=now)
    typer.echo(render.understood(result))
    described = describe(result, text=text, now=now)
    payload: dict[str, Any] = dict(described.fields)
    if described.started_at is not None:
        payload["started_at"] = described.started_at
    if described.ended_at is not None:
        payload["ended_at"] = described.ended_at
    payload.update(flags)
    if "intensity" not in payload and confirm:
        payload["intensity"] = typer.prompt("Worst pain, 0-10", type=int)
    if confirm:
        typer.confirm("Save this episode?", abort=True)
    return payload


def _ask(diary: Diary, episode_id: int) -> None:
    """The check's questions in the terminal, as on the pages (both are the interview of
    :mod:`neckcheck.services.interview`): first the warning signs the person's own words
    left unsure (with those words), then the warning signs in groups ("none of these" in one
    key), then what a partly met rule still needs."""
    from neckcheck.knowledge import load
    from neckcheck.services.interview import Interview

    kb = load()
    interview = Interview(diary, episode_id)
    step = interview.step()
    while step is not None:
        if step.kind == "group" and step.group is not None:
            typer.echo(f"\n{step.group.title}? ({step.number} of {step.groups})")
            typer.echo(f"  {step.group.hint}")
            for name in step.questions:
                typer.echo(f"  - {kb.finding(name).label}")
            choice = _choose(
                "n = none of these, y = yes, one or more, s = skip the remaining questions",
                ["n", "y", "s"],
            )
            if choice == "s":
                interview.decline()
                return
            if choice == "n":
                step = interview.answer({}, none_of_these=True)
                continue
        typer.echo("")
        raw: dict[str, str] = {}
        for name in step.questions:
            if name == "age_years":
                raw[name] = str(typer.prompt("How old is the person with the neck pain?", type=int))
            elif name == "onset":
                raw[name] = _choose(
                    kb.question("onset") + " (sudden/gradual)", ["sudden", "gradual"]
                )
            else:
                for mention in interview.mentions().get(name, []):
                    typer.echo(f"  You wrote: “{mention.text}”")
                raw[name] = "yes" if typer.confirm(kb.question(name)) else "no"
        try:
            step = interview.answer(raw)
        except InputError:
            typer.echo("That is not an answer to these questions; they are asked again.")


def _choose(question: str, options: list[str]) -> str:
    """One of ``options``, asked again until the answer is one of them."""
    while True:
        answer = str(typer.prompt(question)).strip().lower()
        if answer in options:
            return answer
        typer.echo(f"Please answer {', '.join(options[:-1])} or {options[-1]}.")


def _print_result(diary: Diary, episode: Episode) -> None:
    result = diary.assess(episode)
    typer.echo(render.level_line(result))
    if not result.complete:
        typer.echo(render.incomplete(result))
    typer.echo(f"Why and what to do: neckcheck assess --episode {episode.id} --text")


def log(
    ctx: typer.Context,
    flags: EpisodeFlags,
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
    from neckcheck.cli.episode_flags import validate
    from neckcheck.domain import EpisodeCreate

    run = runtime(ctx)
    now = run.clock.now()
    payload = flags.payload(now=now)
    asking = interactive or (not payload and sys.stdin.isatty())
    if text is not None:
        payload = _payload_from_text(text, payload, now=now, confirm=not yes)
        asking = not yes and (interactive or sys.stdin.isatty())
    elif asking:
        payload = _prompt_episode(now)
    payload.setdefault("started_at", now)
    if "intensity" not in payload:
        raise InputError("is required (0-10)", field="--intensity")
    data = validate(EpisodeCreate, payload)
    with run.diary() as diary:
        try:
            episode = diary.log(data)
        except InputError as exc:
            raise as_flags(exc) from None
        if as_json:
            typer.echo(render.episodes_json([episode]))
            return
        typer.echo(f"Logged episode {episode.id} ({render.moment(episode.started_at)}).")
        if asking:
            _ask(diary, episode.id)
        _print_result(diary, diary.episode(episode.id))


def check(ctx: typer.Context, episode_id: EpisodeId) -> None:
    """Answer the warning-sign questions a logged episode's check still needs."""
    with runtime(ctx).diary() as diary:
        _ask(diary, episode_id)
        _print_result(diary, diary.episode(episode_id))


def no_spasm(
    ctx: typer.Context,
    day: Annotated[
        str | None,
        typer.Option("--date", help="The day (YYYY-MM-DD); default: today."),
    ] = None,
    undo: Annotated[
        bool, typer.Option("--undo", help="Forget that the day was recorded as pain-free.")
    ] = False,
    as_json: JsonOut = False,
) -> None:
    """Record a day with no spasm (a pain-free day): today, or --date. A day with a logged
    spasm cannot be; logging a spasm on a pain-free day removes the record."""
    from neckcheck.timeparse import parse_day

    when = parse_day(day, field="--date") if day is not None else None
    with runtime(ctx).diary() as diary:
        try:
            if undo:
                diary.undo_no_spasm(when)
            else:
                recorded = diary.no_spasm(when)
        except InputError as exc:
            raise InputError([FieldProblem("--date", p.message) for p in exc.problems]) from None
        shown = when or diary.today_date()
    if undo:
        typer.echo(f"{shown:%a %d %b %Y} is no longer recorded as pain-free.")
    elif as_json:
        typer.echo(recorded.model_dump_json(indent=2))
    else:
        typer.echo(f"Recorded {recorded.day:%a %d %b %Y} as a day with no spasm.")


def history(
    ctx: typer.Context,
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
    from neckcheck.services.access import Action

    run = runtime(ctx)
    with run.diary(Action.read) as diary:
        period = None
        if start or end:  # a list's cost does not grow with its days: no limit on the span
            period = _period(diary, start, end, default_days=None, max_days=None)
        episodes = diary.episodes(period, limit=limit)
    if as_json:
        typer.echo(render.episodes_json(episodes))
    elif not episodes:
        typer.echo("No episodes logged yet. Log one with: neckcheck log")
    else:
        typer.echo(render.episode_table(episodes, run.clock.now()))


def _period(diary: Diary, start: str | None, end: str | None, **limits: Any) -> Period:
    """The period ``--from``/``--to`` name; errors name the flags."""
    try:
        return diary.period(start, end, **limits)
    except InputError as exc:
        raise InputError([FieldProblem(f"--{p.field}", p.message) for p in exc.problems]) from None


def show(ctx: typer.Context, episode_id: EpisodeId, as_json: JsonOut = False) -> None:
    """Show one episode in full."""
    from neckcheck.services.access import Action

    run = runtime(ctx)
    with run.diary(Action.read) as diary:
        episode = diary.episode(episode_id)
    if as_json:
        typer.echo(json.dumps(episode.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        typer.echo(render.describe(episode, run.clock.now()))


def edit(
    ctx: typer.Context,
    episode_id: EpisodeId,
    flags: EpisodeFlags,
    ongoing: Annotated[
        bool, typer.Option("--ongoing", help="Mark the episode as still going on (clears its end).")
    ] = False,
) -> None:
    """Change an episode: only the fields given are changed; list flags replace the list."""
    from neckcheck.cli.episode_flags import validate
    from neckcheck.domain import EpisodeUpdate

    run = runtime(ctx)
    payload = flags.payload(now=run.clock.now())
    if ongoing:
        if "ended_at" in payload:
            raise InputError("give either --end or --ongoing, not both", field="--ongoing")
        payload["ended_at"] = None
    if not payload:
        raise InputError("nothing to change; give at least one field flag", field="edit")
    changes = validate(EpisodeUpdate, payload)
    with run.diary() as diary:
        try:
            diary.edit(episode_id, changes)
        except InputError as exc:
            raise as_flags(exc) from None
    typer.echo(f"Updated episode {episode_id}.")


def delete(
    ctx: typer.Context,
    episode_id: EpisodeId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an episode (asks for confirmation)."""
    run = runtime(ctx)
    with run.diary() as diary:
        episode = diary.episode(episode_id)
        if not yes:
            typer.confirm(
                f"Delete episode {episode_id} from {render.moment(episode.started_at)}?",
                abort=True,
            )
        diary.delete(episode_id)
    typer.echo(f"Deleted episode {episode_id}.")


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


def report(
    ctx: typer.Context,
    pdf: Annotated[Path, typer.Option("--pdf", help="Write the PDF report to this file.")],
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day (YYYY-MM-DD); default: 6 months before --to."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day (YYYY-MM-DD); default: today.")
    ] = None,
) -> None:
    """Write a clinician report (PDF) for a period: course, chart, warning signs, episodes."""
    from neckcheck.services.access import Action

    with runtime(ctx).diary(Action.report) as diary:
        period = _period(diary, start, end)
        document = diary.report(period)
    write_output(pdf, document, flag="--pdf")
    typer.echo(f"Report for {period.first} to {period.last} written to {pdf}.")


def export(
    ctx: typer.Context,
    as_json: Annotated[
        Path | None, typer.Option("--json", help="Lossless JSON (importable).")
    ] = None,
    as_csv: Annotated[Path | None, typer.Option("--csv", help="CSV for spreadsheets.")] = None,
    check_ins: Annotated[
        Path | None,
        typer.Option("--checkins", help="The weekly check-ins as CSV, a row per check-in."),
    ] = None,
    fhir: Annotated[
        Path | None,
        typer.Option("--fhir", help="A FHIR R4 transaction Bundle (JSON) a FHIR server accepts."),
    ] = None,
    fhir_collection: Annotated[
        bool,
        typer.Option(
            "--fhir-collection", help="With --fhir: a collection Bundle (no requests) instead."
        ),
    ] = False,
) -> None:
    """Export the whole diary as JSON, CSV or a FHIR Bundle, or its check-ins as CSV."""
    from neckcheck.cli.core import one_of
    from neckcheck.services.access import Action
    from neckcheck.text import count

    kind, path = one_of(json=as_json, csv=as_csv, checkins=check_ins, fhir=fhir)
    if fhir_collection and kind != "fhir":
        raise InputError("goes with --fhir", field="--fhir-collection")
    with runtime(ctx).diary(Action.export) as diary:
        exported = diary.export(
            kind, fhir_bundle="collection" if fhir_collection else "transaction"
        )
    write_output(path, exported.chunks, flag=f"--{kind}")
    what = ("check-in", "check-ins") if kind == "checkins" else ("episode", "episodes")
    typer.echo(f"Exported {count(exported.count, *what)} to {path}.")


def import_(
    ctx: typer.Context,
    as_json: Annotated[Path | None, typer.Option("--json", help="A neckcheck JSON export.")] = None,
    fhir: Annotated[
        Path | None,
        typer.Option(
            "--fhir",
            help="A FHIR Bundle: neckcheck's own export (transaction, collection or a server's "
            "searchset), or pain scores (LOINC 72514-3) from another app.",
        ),
    ] = None,
    as_mine: Annotated[
        bool,
        typer.Option(
            "--as-mine",
            help="With --fhir: the records are this diary's person's, though the Bundle's "
            "Patient is another (your diary exported from another installation).",
        ),
    ] = False,
) -> None:
    """Import episodes; if any record is wrong, nothing is imported and the error says where.
    A FHIR import skips the episodes the diary already holds, and refuses a Bundle of
    another person's records unless --as-mine says they are yours."""
    from neckcheck.cli.core import one_of
    from neckcheck.text import count

    kind, path = one_of(json=as_json, fhir=fhir)
    if as_mine and kind != "fhir":
        raise InputError("goes with --fhir", field="--as-mine")
    text, _where = read_input(path)
    with runtime(ctx).diary() as diary:
        result = diary.import_(kind, text, as_mine=as_mine)
    parts = [count(result.added, "episode", "episodes")]
    if result.pain_free_days:
        parts.append(count(result.pain_free_days, "pain-free day", "pain-free days"))
    if result.check_ins:
        parts.append(count(result.check_ins, "check-in", "check-ins"))
    said = " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]
    # Only a FHIR import knows which episodes the diary held already.
    held = f"; {result.already} already in the diary" if kind == "fhir" else ""
    typer.echo(f"Imported {said} from {path}{held}.")


def extract(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="A text file. Reads standard input when left out.")
    ] = None,
) -> None:
    """Read free text about an episode into a findings document (JSON), with what matched."""
    from neckcheck.nlp import extract as read_text

    text, _where = read_input(file)
    typer.echo(read_text(text, now=runtime(ctx).clock.now()).model_dump_json(indent=2))


def _read_document(file: Path | None) -> Any:
    from neckcheck.interop.plain import read_json

    text, where = read_input(file)
    return read_json(text, field=where)


def assess(
    ctx: typer.Context,
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
    if episode is not None:
        if file is not None:
            raise InputError("give either FILE or --episode, not both", field="--episode")
        from neckcheck.services.access import Action

        with runtime(ctx).diary(Action.read) as diary:
            result = diary.assess(diary.episode(episode))
    else:
        from pydantic import ValidationError

        from neckcheck.domain import Findings
        from neckcheck.engine import assess as run

        document = _read_document(file)
        if not isinstance(document, dict):
            raise InputError("a findings document must be a JSON object", field="document")
        try:
            doc = Findings.model_validate(document)
        except ValidationError as exc:
            raise InputError.from_pydantic(exc) from None
        result = run(doc)
    typer.echo(render.assessment(result) if text else result.model_dump_json(indent=2))


def register(app: typer.Typer) -> None:
    app.command()(episode_flags(log))
    app.command()(check)
    app.command("no-spasm")(no_spasm)
    app.command()(history)
    app.command()(show)
    app.command()(episode_flags(edit))
    app.command()(delete)
    app.command()(findings)
    app.command()(report)
    app.command("export")(export)
    app.command("import")(import_)
    app.command()(extract)
    app.command()(assess)
