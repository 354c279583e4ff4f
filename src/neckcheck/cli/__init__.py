"""The ``neckcheck`` command: a thin adapter over the application layer (``services``).

Each command parses its flags, calls one method of a diary or the clinic, and prints. Errors
are one line on stderr and exit code 2 (:mod:`neckcheck.cli.core`).

A command's clock is the system clock, or the one given as the context object::

    CliRunner().invoke(app, ["log", "-n", "4", "--start", "08:00"], obj=FixedClock(at))
"""

from __future__ import annotations

from typing import Annotated

import typer

from neckcheck.cli import admin, diary, outcomes
from neckcheck.cli.core import Group, Runtime

__all__ = ["app", "main"]

app = typer.Typer(
    cls=Group,
    help="neckcheck: a neck-spasm diary with a careful, explainable check of each episode.\n\n"
    "Not a diagnosis. In an emergency, call your local emergency number.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    patient: Annotated[
        str | None,
        typer.Option(
            metavar="EMAIL",
            help="On a clinic database: whose diary the command works on (audited).",
        ),
    ] = None,
) -> None:
    from neckcheck.clock import SystemClock

    if not isinstance(ctx.obj, Runtime):
        ctx.obj = Runtime(ctx, ctx.obj or SystemClock())
    ctx.obj.patient = patient


diary.register(app)
outcomes.register(app)
admin.register(app)


def main() -> None:
    app()
