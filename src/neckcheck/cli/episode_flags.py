"""The episode's fields as command-line flags, declared once for ``log`` and ``edit``.

    @app.command()
    @episode_flags
    def log(flags: EpisodeFlags, ...) -> None:
        payload = flags.payload(now=..., zone=None)

:func:`episode_flags` adds the fourteen options of :data:`FLAGS` to a command's signature and
hands them to it as one :class:`EpisodeFlags`; errors about a field name the flag the person
typed (``--start``, not ``started_at``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Annotated, Any

import typer

from neckcheck.errors import FieldProblem, InputError
from neckcheck.vocab import Activity, Helped, Movement, Onset, PainQuality, Region

_WHEN = "now, HH:MM (today) or 2026-05-01T08:30[+02:00]"


def _values(enum: type[StrEnum], between: str = ", ") -> str:
    """Every value a flag takes, from the vocabulary itself (so the help lists them all)."""
    return between.join(member.value for member in enum)


# field name -> (parameter name, option type with its flag and help).
FLAGS: dict[str, tuple[str, Any]] = {
    "started_at": (
        "start",
        Annotated[str | None, typer.Option("--start", help=f"When it started: {_WHEN}.")],
    ),
    "ended_at": (
        "end",
        Annotated[
            str | None,
            typer.Option(
                "--end", help="When it stopped (same forms as --start). Leave out while it goes on."
            ),
        ],
    ),
    "onset": (
        "onset",
        Annotated[str | None, typer.Option("--onset", help=f"{_values(Onset, ' or ')}.")],
    ),
    "intensity": (
        "intensity",
        Annotated[
            int | None,
            typer.Option(
                "--intensity", "-n", help="Worst pain from 0 (none) to 10 (worst imaginable)."
            ),
        ],
    ),
    "pain_qualities": (
        "quality",
        Annotated[
            list[str] | None,
            typer.Option(
                "--quality",
                help=f"Pain quality: {_values(PainQuality)}. Repeatable.",
            ),
        ],
    ),
    "regions": (
        "region",
        Annotated[
            list[str] | None,
            typer.Option(
                "--region",
                help=f"Where it hurts: {_values(Region)}. Repeatable.",
            ),
        ],
    ),
    "limited_movements": (
        "limited",
        Annotated[
            list[str] | None,
            typer.Option(
                "--limited",
                help=f"Limited movement: {_values(Movement)}. Repeatable.",
            ),
        ],
    ),
    "findings": (
        "finding",
        Annotated[
            list[str] | None,
            typer.Option(
                "--finding",
                "-f",
                help="A symptom or sign present (see `neckcheck findings`). Repeatable.",
            ),
        ],
    ),
    "absent": (
        "absent",
        Annotated[
            list[str] | None,
            typer.Option(
                "--absent", help="A symptom or sign you checked and do not have. Repeatable."
            ),
        ],
    ),
    "triggers": (
        "trigger",
        Annotated[
            list[str] | None,
            typer.Option(
                "--trigger",
                "-t",
                help="What may have set it off (see `neckcheck findings`). Repeatable.",
            ),
        ],
    ),
    "remedies": (
        "remedy",
        Annotated[
            list[str] | None,
            typer.Option(
                "--remedy",
                "-r",
                help="A remedy tried and how it helped, e.g. heat=some "
                f"({_values(Helped)}). Repeatable.",
            ),
        ],
    ),
    "activities_affected": (
        "affects",
        Annotated[
            list[str] | None,
            typer.Option(
                "--affects",
                help=f"Activity affected: {_values(Activity)}. Repeatable.",
            ),
        ],
    ),
    "stress": (
        "stress",
        Annotated[int | None, typer.Option("--stress", help="Stress level, 0-10.")],
    ),
    "notes": ("notes", Annotated[str | None, typer.Option("--notes", help="Free-text notes.")]),
}
# Each parameter is named as its long flag.
_FLAG_OF = {field: f"--{parameter}" for field, (parameter, _) in FLAGS.items()}


def as_flags(exc: InputError) -> InputError:
    """The same problems, each naming the flag of its field."""
    problems = []
    for problem in exc.problems:
        head = problem.field.split(".", 1)[0]
        problems.append(FieldProblem(_FLAG_OF.get(head, problem.field), problem.message))
    return InputError(problems)


def validate(model: Any, payload: dict[str, Any]) -> Any:
    """``model.model_validate(payload)`` with errors naming flags."""
    from pydantic import ValidationError

    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise as_flags(InputError.from_pydantic(exc)) from None


def parse_remedy(text: str) -> dict[str, str]:
    remedy, sep, helped = text.partition("=")
    if not sep:
        remedy, sep, helped = text.partition(":")
    if not sep or not remedy.strip() or not helped.strip():
        raise InputError(
            f"write {text!r} as REMEDY=HELPED, e.g. heat=some (helped: none, some, a_lot)",
            field="remedies",
        )
    return {"remedy": remedy.strip(), "helped": helped.strip().replace(" ", "_")}


@dataclass(frozen=True)
class EpisodeFlags:
    """The episode flags as given (None: not given), keyed by episode field name."""

    given: dict[str, Any]

    def payload(self, *, now: datetime, zone: tzinfo | None = None) -> dict[str, Any]:
        """The fields given, as an episode payload: times read against ``now``."""
        from neckcheck.timeparse import parse_moment

        payload = {
            field: value
            for field, value in self.given.items()
            if value is not None and field not in ("started_at", "ended_at", "remedies")
        }
        try:
            for field in ("started_at", "ended_at"):
                if self.given[field] is not None:
                    payload[field] = parse_moment(
                        self.given[field], now=now, field=field, zone=zone
                    )
            if self.given["remedies"] is not None:
                payload["remedies"] = [parse_remedy(text) for text in self.given["remedies"]]
        except InputError as exc:
            raise as_flags(exc) from None
        return payload


def episode_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``command`` the episode flags: its ``flags`` parameter receives them."""
    signature = inspect.signature(command, eval_str=True)
    others = [p for p in signature.parameters.values() if p.name != "flags"]
    added = [
        inspect.Parameter(parameter, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
        for parameter, kind in FLAGS.values()
    ]

    @functools.wraps(command)
    def with_flags(**arguments: Any) -> Any:
        given = {field: arguments.pop(parameter) for field, (parameter, _) in FLAGS.items()}
        return command(flags=EpisodeFlags(given), **arguments)

    parameters = [*others, *added]
    with_flags.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_flags.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_flags
