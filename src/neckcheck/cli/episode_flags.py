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
from typing import Annotated, Any

import typer

from neckcheck.errors import FieldProblem, InputError
from neckcheck.fields import EPISODE_FIELDS, EpisodeField


def _option(field: EpisodeField) -> Any:
    """The option type of a field's flag: its flag (and short flag), its help, and a list
    for a repeatable one. Values stay text here: the domain's models check them, so that an
    error names the flag with the same words the form and the API use."""
    kind: Any = int if field.number else str
    if field.many:
        kind = list[kind]
    names = [field.flag, *([field.short] if field.short else [])]
    return Annotated[kind | None, typer.Option(*names, help=field.help)]


# field name -> (parameter name, option type with its flag and help), from the field table.
FLAGS: dict[str, tuple[str, Any]] = {
    field.name: (field.parameter, _option(field)) for field in EPISODE_FIELDS.values()
}


def as_flags(exc: InputError) -> InputError:
    """The same problems, each naming the flag of its field."""
    problems = []
    for problem in exc.problems:
        head = problem.field.split(".", 1)[0]
        flag = EPISODE_FIELDS[head].flag if head in EPISODE_FIELDS else problem.field
        problems.append(FieldProblem(flag, problem.message))
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
