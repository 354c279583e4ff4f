"""The weekly check-in at the command line: ``neckcheck checkin`` and ``neckcheck progress``.

    neckcheck check-in --activity "Reversing the car" --activity "Lifting my son" \\
        --activity "Reading"                 # the activities, named once (3 to 5)
    neckcheck check-in --pain 6 --rate 1=3 --rate 2=4 --rate 3=2
    neckcheck progress                       # the change since the first check-in
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from neckcheck.cli.core import runtime
from neckcheck.cli.diary import JsonOut
from neckcheck.errors import FieldProblem, InputError


def _ratings(
    pain: int | None, rates: list[str], item_of: dict[int, str]
) -> dict[str, dict[str, str]]:
    """The measures' ratings from the options: ``--pain`` for the first fixed-item measure,
    ``--rate N=R`` for the Nth activity (as ``progress`` lists them)."""
    from neckcheck.knowledge import load

    ratings: dict[str, dict[str, str]] = {}
    fixed = next((m for m in load().measures.measures if m.items), None)
    if pain is not None and fixed is not None:
        ratings[fixed.id] = {fixed.items[0].id: str(pain)}
    problems = []
    for rate in rates:
        number, equals, value = rate.partition("=")
        if not equals or not number.strip().isdigit() or int(number) not in item_of:
            problems.append(
                FieldProblem("--rate", f"{rate!r}: give N=RATING, N an activity's number")
            )
            continue
        measure, item = item_of[int(number)].split(".", 1)
        ratings.setdefault(measure, {})[item] = value.strip()
    if problems:
        raise InputError(problems)
    return ratings


def check_in(
    ctx: typer.Context,
    pain: Annotated[
        int | None,
        typer.Option("--pain", help="Usual neck pain over the last week, 0 (none) to 10."),
    ] = None,
    rate: Annotated[
        list[str],
        typer.Option("--rate", help="N=RATING: how well you can do activity N now, 0 to 10."),
    ] = [],  # noqa: B006 (Typer reads the default)
    activity: Annotated[
        list[str],
        typer.Option("--activity", help="Name the activities you find hard (3 to 5), once."),
    ] = [],  # noqa: B006
    as_json: JsonOut = False,
) -> None:
    """Record this week's check-in (or, with --activity, name the activities it asks about)."""
    from neckcheck.services.outcomes import Outcomes

    with runtime(ctx).diary() as diary:
        outcomes = Outcomes(diary)
        if activity:
            named = outcomes.set_activities(activity)
            typer.echo("Your activities, rated at each check-in:")
            for number, item in enumerate(named, 1):
                typer.echo(f"  {number}. {item.name}")
            if pain is None and not rate:
                return
        item_of = {
            number: f"{measure.id}.{item}"
            for measure in outcomes.measures.measures
            if measure.personal is not None
            for number, (item, _) in enumerate(outcomes.items(measure), 1)
        }
        option = {field: f"--rate {number}" for number, field in item_of.items()}
        try:
            saved = outcomes.check_in(_ratings(pain, rate, item_of))
        except InputError as exc:  # said by the options that gave them
            raise InputError(
                [FieldProblem(option.get(p.field, "--pain"), p.message) for p in exc.problems]
            ) from None
        lines = outcomes.lines()
    if as_json:
        typer.echo(
            json.dumps(
                {"id": saved.id, "at": saved.at.isoformat(), "answers": saved.answers}, indent=2
            )
        )
        return
    typer.echo("Check-in saved.")
    for line in lines:
        typer.echo(f"  {line.patient}")


def progress(
    ctx: typer.Context,
    clinical: Annotated[
        bool, typer.Option("--clinical", help="In clinical words (scores, MCID, sources).")
    ] = False,
    baseline: Annotated[
        int | None,
        typer.Option("--baseline", help="Count the change from this check-in (its id)."),
    ] = None,
) -> None:
    """Is it getting better? Each measure since the first check-in (or --baseline)."""
    from neckcheck.services.outcomes import Outcomes

    with runtime(ctx).diary() as diary:
        outcomes = Outcomes(diary)
        lines = outcomes.lines(baseline=baseline)
        items = [
            (measure.title, outcomes.items(measure))
            for measure in outcomes.measures.measures
            if measure.personal is not None
        ]
        due = outcomes.due()
    if not lines:
        typer.echo("No check-ins yet: `neckcheck check-in --pain N` records the first.")
    for line in lines:
        typer.echo(line.clinical if clinical else line.patient)
    for title, asked in items:
        if asked:
            typer.echo(
                f"{title}: " + "; ".join(f"{n}. {label}" for n, (_, label) in enumerate(asked, 1))
            )
    if due:
        typer.echo("A check-in is due.")


def register(app: typer.Typer) -> None:
    app.command("checkin")(check_in)
    app.command("check-in", hidden=True)(check_in)  # as the web page names it
    app.command()(progress)
