"""Commands around the diary: schemas, the database, accounts, demo data, backup, the server."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from neckcheck.cli import render
from neckcheck.cli.core import new_app, runtime
from neckcheck.errors import InputError
from neckcheck.web import GRACEFUL_SECONDS, KEEP_ALIVE_SECONDS

if TYPE_CHECKING:
    from neckcheck.services.accounts import Invited

db_app = new_app("Manage the database.")
schema_app = new_app("Print JSON Schemas of the documents.")
user_app = new_app("Manage clinic accounts.")


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


def demo(
    ctx: typer.Context,
    patients: Annotated[int, typer.Option(min=1, max=100_000, help="How many diaries.")] = 1,
    years: Annotated[float, typer.Option(min=0.1, max=20, help="Years of history each.")] = 1,
    seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 1,
) -> None:
    """Fill an empty database with realistic example diaries, to look around or to measure."""
    from neckcheck.demo import fill
    from neckcheck.text import count

    run = runtime(ctx)
    with run.session() as session:
        total = fill(session, patients=patients, years=years, seed=seed, now=run.clock.now())
    episodes, diaries = count(total, "episode", "episodes"), count(patients, "diary", "diaries")
    typer.echo(f"Added {episodes} of examples to {diaries}.")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The login email.")],
    role: Annotated[str, typer.Option(help="patient, clinician or admin.")] = "patient",
    name: Annotated[str | None, typer.Option(help="Display name (default: the email).")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input."),
    ] = False,
) -> None:
    """Create an account; asks for the password (twice) unless --password-stdin."""
    from neckcheck.storage.accounts import ROLES

    if role not in ROLES:
        raise InputError(f"must be one of: {', '.join(ROLES)}", field="--role")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with runtime(ctx).clinic() as clinic:
        user = clinic.add_user(email=email, name=name or email, password=password, role=role)
    typer.echo(f"Created {user.role} account {user.email}.")


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """List accounts."""
    with runtime(ctx).clinic() as clinic:
        users = clinic.users()
    if not users:
        typer.echo("No accounts yet. Add one with: neckcheck user add EMAIL --role ROLE")
        return
    rows = [
        [u.email, u.display_name, u.role, "disabled" if u.disabled else "active"] for u in users
    ]
    typer.echo(render.table(["Email", "Name", "Role", "Status"], rows))


def _print_link(made: Invited, what: str) -> None:
    from neckcheck.text import format_moment

    typer.echo(f"{what} for {made.email} ({made.role}), until {format_moment(made.expires_at)}:")
    typer.echo(made.url)
    if made.sent:
        typer.echo(f"Also sent by email to {made.email}.")


@user_app.command("invite")
def user_invite(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The email of the person to invite.")],
    role: Annotated[str, typer.Option(help="patient, clinician or admin.")] = "patient",
) -> None:
    """Print a one-time link (7 days) with which EMAIL joins and chooses a name and password;
    it starts with NECKCHECK_PUBLIC_URL, and is emailed too where NECKCHECK_SMTP_URL is set."""
    run = runtime(ctx)
    with run.accounts() as people:
        made = people.invite(None, email, role)
    _print_link(made, "Invitation")


@user_app.command("reset")
def user_reset(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account's email.")],
) -> None:
    """Print a one-time link (1 hour) with which the account of EMAIL sets a new password;
    using it ends every other session of the account. Emailed too where email is set up."""
    run = runtime(ctx)
    with run.accounts() as people:
        made = people.reset(None, email=email)
    _print_link(made, "Link to set a new password")


@user_app.command("disable")
def user_disable(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The account's email.")]
) -> None:
    """Disable an account and end its sessions at once."""
    with runtime(ctx).clinic() as clinic:
        user = clinic.disable(email)
    typer.echo(f"Disabled {user.email}; its sessions have ended.")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply database migrations up to the newest schema (run as the tables' owner)."""
    from neckcheck.storage.db import current_revision, make_engine, upgrade_and_grant

    engine = make_engine(runtime(ctx).settings().effective_database_url())
    try:
        role = upgrade_and_grant(engine)
        typer.echo(f"Database is at revision {current_revision(engine)}.")
        if role is not None:
            typer.echo(f"Role {role} may use the new schema (audit log: add and read only).")
    finally:
        engine.dispose()


@db_app.command("refresh-statuses")
def db_refresh_statuses(ctx: typer.Context) -> None:
    """Compute the clinicians' dashboard levels that are missing or out of date (after a
    large import or an upgrade), so that no clinician's first page waits for them. A clinic
    server also does it in the background when it starts."""
    from neckcheck.services.clinic import refresh_all_statuses
    from neckcheck.text import count

    run = runtime(ctx)
    done = refresh_all_statuses(run.database(), run.clock)
    typer.echo(f"Computed {count(done, 'status', 'statuses')}; all are current.")


@db_app.command("grant")
def db_grant(
    ctx: typer.Context,
    role: Annotated[str, typer.Argument(help="The PostgreSQL role the server connects as.")],
) -> None:
    """Let ROLE run the server: read and write the diaries, but only add to and read the
    audit log. Run as the tables' owner; `db upgrade` renews it for new tables."""
    from neckcheck.storage.db import grant_app_role, make_engine

    engine = make_engine(runtime(ctx).settings().effective_database_url())
    try:
        grant_app_role(engine, role)
    finally:
        engine.dispose()
    typer.echo(f"Role {role} may run the server; it can add to and read the audit log only.")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's schema revision (empty database: none)."""
    from neckcheck.storage.db import current_revision, make_engine

    engine = make_engine(runtime(ctx).settings().effective_database_url())
    try:
        typer.echo(current_revision(engine) or "none")
    finally:
        engine.dispose()


def backup(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
) -> None:
    """Copy the SQLite diary to FILE, consistently, even while the server is writing."""
    from neckcheck.storage.db import backup_sqlite

    pages = backup_sqlite(runtime(ctx).settings().effective_database_url(), target)
    typer.echo(f"Backed up {pages} pages to {target}.")


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option(
            help="Address (default 127.0.0.1, this computer only). Any other address, such "
            "as 0.0.0.0 for the local network, needs NECKCHECK_PASSPHRASE in local mode.",
        ),
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    clinic: Annotated[
        bool,
        typer.Option(
            "--clinic",
            help="Clinic mode: accounts and sharing (needs NECKCHECK_DATABASE_URL and "
            "NECKCHECK_SECRET_KEY).",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes sharing the port (clinic mode on PostgreSQL; sign-in "
            "limits and sessions live in the database, so any process serves any request).",
        ),
    ] = 1,
    keep_alive: Annotated[
        int,
        typer.Option(
            min=1,
            max=3600,
            metavar="SECONDS",
            help="How long an idle connection stays open. Behind a proxy, keep it longer than "
            "the proxy keeps its idle connections to the server (the shipped nginx: 4 s).",
        ),
    ] = KEEP_ALIVE_SECONDS,
    graceful_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            max=3600,
            metavar="SECONDS",
            help="On SIGTERM, how long to finish requests in progress and, in clinic mode, "
            "to let the proxy close its idle connections before the server stops.",
        ),
    ] = GRACEFUL_SECONDS,
    fd: Annotated[
        int | None,
        typer.Option(
            "--fd",
            min=0,
            metavar="N",
            help="Serve on a listening socket this process inherits as file descriptor N, as "
            "systemd's socket activation passes it (3), instead of --host and --port: the "
            "socket outlives a restart, so connections made meanwhile wait for the next "
            "server instead of being refused or reset.",
        ),
    ] = None,
    trusted_proxies: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESSES",
            help="Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed (default NECKCHECK_TRUSTED_PROXIES, none).",
        ),
    ] = None,
) -> None:
    """Run the web app (local mode: the default SQLite database, migrated on start)."""
    import os

    import uvicorn

    from neckcheck.storage.db import open_database
    from neckcheck.web.app import create_app
    from neckcheck.web.server import run_workers, uvicorn_options

    run = runtime(ctx)
    settings = run.settings()
    if clinic:
        settings = settings.model_copy(update={"clinic_mode": True})
    if host:
        settings = settings.model_copy(update={"host": host})
    if trusted_proxies is not None:
        settings = settings.model_copy(update={"trusted_proxies": trusted_proxies})
    if fd is not None:  # the inherited socket's address is where the server listens
        settings = settings.model_copy(update={"host": _listening_address(fd)})
    settings.check()
    # Migrated once, before the status refresh and the server (or its workers) open it: two
    # migrations of an empty database at once collide.
    open_database(settings.effective_database_url()).close()
    if settings.clinic_mode:
        _refresh_in_background(settings, run.clock)
    where: dict[str, Any] = {
        **(
            {"fd": fd} if fd is not None else {"host": settings.host, "port": port or settings.port}
        ),
        "log_level": "info",
        **uvicorn_options(settings, keep_alive=keep_alive, graceful=graceful_timeout),
    }
    if workers == 1:
        uvicorn.run(create_app(settings, clock=run.clock), **where)
        return
    # Each worker process builds its own app from the environment (see app_from_environment).
    os.environ["NECKCHECK_CLINIC_MODE"] = "true" if settings.clinic_mode else "false"
    os.environ["NECKCHECK_DATABASE_URL"] = settings.effective_database_url()
    os.environ["NECKCHECK_TRUSTED_PROXIES"] = settings.trusted_proxies
    run_workers(
        uvicorn.Config(
            "neckcheck.web.app:app_from_environment", factory=True, workers=workers, **where
        )
    )


def _listening_address(fd: int) -> str:
    import os
    import socket

    try:
        with socket.socket(fileno=os.dup(fd)) as inherited:
            address = inherited.getsockname()
    except OSError as problem:
        raise InputError(f"file descriptor {fd} is not a socket ({problem})", field="fd") from None
    return str(address[0] if isinstance(address, tuple) else address)


def hash_passphrase(
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the passphrase from standard input.")
    ] = False,
) -> None:
    """Print an Argon2 hash of a passphrase, to put in NECKCHECK_PASSPHRASE instead of the
    passphrase itself (asks for it twice unless --stdin)."""
    from neckcheck.auth.passwords import hash_password
    from neckcheck.settings import PASSPHRASE_MIN_LENGTH

    if stdin:
        passphrase = sys.stdin.readline().rstrip("\n")
    else:
        passphrase = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
    if len(passphrase) < PASSPHRASE_MIN_LENGTH:
        raise InputError(f"must be at least {PASSPHRASE_MIN_LENGTH} characters", field="passphrase")
    typer.echo(hash_password(passphrase))


def _refresh_in_background(settings: Any, clock: Any) -> None:
    """Compute stale dashboard statuses in this (the first) process while the server starts."""
    import logging
    import threading

    from neckcheck.services.clinic import refresh_all_statuses
    from neckcheck.storage.db import open_database

    def refresh() -> None:
        database = open_database(settings.effective_database_url())
        try:
            done = refresh_all_statuses(database, clock)
            logging.getLogger("neckcheck").info("dashboard statuses computed: %d", done)
        except Exception:  # the server runs on; the dashboard computes what is missing
            logging.getLogger("neckcheck").exception("dashboard statuses not computed")
        finally:
            database.close()

    threading.Thread(target=refresh, name="neckcheck-refresh", daemon=True).start()


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(schema_app, name="schema")
    app.command()(demo)
    app.command()(backup)
    app.command()(serve)
    app.command("hash-passphrase")(hash_passphrase)
