"""What every command shares: the error policy, the runtime (clock, settings, database) and
reading and writing files.

Library errors become one line on stderr and exit code 2; nothing is written when input is
bad. Heavy modules (pydantic models, SQLAlchemy, the web app) are imported inside commands, so
``neckcheck --help`` starts quickly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from neckcheck.errors import FieldProblem, InputError, NeckcheckError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from neckcheck.clock import Clock
    from neckcheck.services.access import Action
    from neckcheck.services.accounts import Accounts
    from neckcheck.services.clinic import Clinic
    from neckcheck.services.diary import Diary
    from neckcheck.settings import Settings
    from neckcheck.storage.db import Database

EXIT_BAD_INPUT = 2  # the same code as a usage error


def fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


class Group(TyperGroup):
    """Turns every :class:`NeckcheckError` into one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except NeckcheckError as exc:
            raise fail(str(exc)) from None


def new_app(help_text: str, **options: Any) -> typer.Typer:
    return typer.Typer(cls=Group, help=help_text, rich_markup_mode=None, **options)


class Runtime:
    """A command's clock, settings and database. The database is opened on first use and
    closed when the command ends (a resource of Click's context)."""

    def __init__(self, ctx: typer.Context, clock: Clock) -> None:
        self._ctx = ctx
        self.clock = clock
        self._settings: Settings | None = None
        self._database: Database | None = None
        self.patient: str | None = None  # --patient: on a clinic database, whose diary

    def settings(self) -> Settings:
        if self._settings is None:
            from pydantic import ValidationError

            from neckcheck.settings import Settings

            try:
                self._settings = Settings()
            except ValidationError as exc:  # a bad NECKCHECK_* environment variable
                problems = InputError.from_pydantic(exc).problems
                raise InputError(
                    [FieldProblem(f"NECKCHECK_{p.field.upper()}", p.message) for p in problems]
                ) from None
        return self._settings

    def database(self) -> Database:
        """The configured database, migrated."""
        if self._database is None:
            from neckcheck.storage.db import open_database

            database = open_database(self.settings().effective_database_url())
            self._database = self._ctx.with_resource(closing(database))
        return self._database

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.database().session() as session:
            yield session

    @contextmanager
    def diary(self, action: Action | None = None) -> Iterator[Diary]:
        """The diary the command works on, opened for ``action`` (default: changing it), in
        one transaction."""
        from neckcheck.services.access import Action, command_line_person
        from neckcheck.services.diary import Diary

        action = action or Action.write
        target = f"neckcheck {self._ctx.invoked_subcommand or ''}".strip()
        with self.session() as session:
            actor = command_line_person(
                session, patient=self.patient, action=action, now=self.clock.now(), target=target
            )
            yield Diary.open(session, actor, None, action, clock=self.clock, target=target)
        self._send_alerts()

    def _send_alerts(self) -> None:
        """After a change of a shared diary on a clinic database with email set up: the
        alert emails it made due (see services.alerts)."""
        settings = self.settings()
        smtp = settings.smtp_url.get_secret_value()
        if self.patient is None or not smtp:
            return
        from neckcheck.services.alerts import deliver
        from neckcheck.services.mail import Mailer

        deliver(
            self.database(),
            self.clock,
            mailer=Mailer(smtp, settings.sender()),
            base_url=settings.base_url(),
        )

    @contextmanager
    def accounts(self) -> Iterator[Accounts]:
        """The clinic's accounts (links, passwords), in one transaction."""
        from neckcheck.services.accounts import Accounts

        with self.session() as session:
            yield Accounts.configured(session, self.clock, self.settings())

    @contextmanager
    def clinic(self) -> Iterator[Clinic]:
        from neckcheck.services.clinic import Clinic

        with self.session() as session:
            yield Clinic(session, self.clock, secret=self.settings().secret_key)


def runtime(ctx: typer.Context) -> Runtime:
    """The runtime the root command set up (see ``neckcheck.cli.app``)."""
    found: Runtime = ctx.find_root().obj
    return found


def read_input(file: Path | None) -> tuple[str, str]:
    """The text of FILE, or of standard input when no file is given, and where it came from."""
    where = str(file) if file else "standard input"
    try:
        return (file.read_text("utf-8") if file else sys.stdin.read()), where
    except OSError as exc:
        raise InputError(f"cannot read {where}: {exc.strerror}", field="FILE") from None
    except UnicodeDecodeError:
        raise InputError(f"{where} is not UTF-8 text", field="FILE") from None


def write_output(path: Path, data: str | bytes | Iterable[str], *, flag: str) -> None:
    """Write a file the person named (text in pieces is written as it comes); a failure is
    one line naming the flag."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        elif isinstance(data, str):
            path.write_text(data, "utf-8")
        else:
            with path.open("w", encoding="utf-8") as out:
                out.writelines(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}", field=flag) from None


def one_of(**given: Path | None) -> tuple[str, Path]:
    """The one option of ``given`` that was used (``--json``, ``--csv``...)."""
    chosen = [(name, path) for name, path in given.items() if path is not None]
    if len(chosen) != 1:
        flags = ", ".join(f"--{name}" for name in given)
        raise InputError(f"give exactly one of {flags}", field="format")
    return chosen[0]
