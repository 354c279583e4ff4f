"""The clinician dashboard for 10,000 patients on PostgreSQL, against a static file.

A throwaway PostgreSQL server (Debian's binaries, as the tests use) gets 10,000 demo diaries
(``neckcheck demo --patients 10000 --years 0.5``), all shared with one clinician. A real
clinic-mode server (uvicorn, two worker processes sharing the port, as ``neckcheck serve
--workers 2`` runs) then serves the dashboard's first and a middle page to 20 concurrent
clients, and a static file of the same size from the same server; p50 and p99 of both are
printed with the ratio. The target is a p99 under 150 ms. Before the server starts, every
patient's level is computed and kept by ``neckcheck db refresh-statuses``, as a clinic does
after a large import or an upgrade; that command is timed on its own, and so is the first
page after it.

    python -m bench.dashboard [--patients N] [--years Y] [--requests N] [--clients N]
                              [--workers N]

The middle page is reached as a clinician reaches it: by following each page's Next link
(which carries the place in the list where the next page starts) from the first page. Before
each page is timed, it is loaded 5 times per client at the same concurrency, so that what is
timed is a warm server: every worker's pool of database connections open (PostgreSQL starts
a process for each) and its statements prepared (psycopg does at the fifth use), as in a
clinic's server that has been up for a while.

Building the 10,000 diaries and their shares takes some five minutes, so the database is
kept after it is built, as a ``pg_dump`` in ``.cache/bench/`` (about 14 MB; restored in
seconds, and migrated to the newest schema if it was made before); ``--fresh`` builds it
again, and so does a run with other ``--patients`` or ``--years``, or once the copy is a week
old (the diaries end on the day they were made).

Set NECKCHECK_BENCH_DATABASE_URL to a PostgreSQL database to use it instead; if an earlier
run filled it, its data is used again. Either way the kept levels are cleared first, so that
computing them is timed again.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    compare_with_static,
    get,
    load,
    peak_rss_mib,
    postgres_database,
    serving_pids,
    start_server,
    wait_until_idle,
)
from tests.factories import PASSWORD, sign_in

SECRET = "bench-" + "s" * 40


def _database(stack: ExitStack) -> str:
    given = os.environ.get("NECKCHECK_BENCH_DATABASE_URL")
    return given or postgres_database(stack, "bench")


def _clinician_with_every_patient(url: str) -> str:
    from sqlalchemy import select

    from neckcheck.auth.passwords import hash_password
    from neckcheck.storage import accounts
    from neckcheck.storage.db import open_database
    from neckcheck.storage.tables import PatientRow

    db = open_database(url)
    now = datetime.now(UTC)
    with db.session() as session:
        clinician = accounts.create_user(
            session=session,
            email="clinician@example.org",
            display_name="Clinician",
            password_hash=hash_password(PASSWORD),
            role="clinician",
            now=now,
        )
        for patient_id in session.scalars(select(PatientRow.id)):
            code = accounts.create_invitation(
                session=session, patient_id=patient_id, now=now, secret=SECRET
            )
            accounts.redeem_invitation(
                session=session, code=code, clinician=clinician, now=now, secret=SECRET
            )
    db.close()
    return clinician.email


# The built database, kept between runs (see the module's docstring).
CACHE = Path(__file__).resolve().parent.parent / ".cache" / "bench"
CACHE_DAYS = 7


def _filled(url: str) -> str | None:
    """The clinician of an earlier run on this database (migrated to the newest schema), or
    None for an empty database."""
    from sqlalchemy import create_engine, inspect, select

    from neckcheck.storage.db import open_database
    from neckcheck.storage.tables import UserRow

    engine = create_engine(url)
    try:
        if "users" not in inspect(engine).get_table_names():
            return None
    finally:
        engine.dispose()
    db = open_database(url)
    try:
        with db.session() as session:
            return session.scalar(select(UserRow.email).where(UserRow.role == "clinician"))
    finally:
        db.close()


def _forget_statuses(url: str) -> None:
    """Clear every kept level and queue every shared patient, as after an import: what
    ``neckcheck db refresh-statuses`` then computes is all of them."""
    from sqlalchemy import delete, exists, insert, select

    from neckcheck.storage.db import open_database
    from neckcheck.storage.tables import PatientRow, PatientStatusRow, ShareRow, StatusQueueRow

    db = open_database(url)
    with db.session() as session:
        session.execute(delete(PatientStatusRow))
        session.execute(delete(StatusQueueRow))
        shared = exists().where(ShareRow.patient_id == PatientRow.id, ShareRow.revoked_at.is_(None))
        patients = select(PatientRow.id, PatientRow.diary_version).where(shared)
        queue = insert(StatusQueueRow).from_select(["patient_id", "diary_version"], patients)
        session.execute(queue)
    db.close()


def _pg_args(url: str) -> list[str]:
    """Connection arguments for pg_dump and pg_restore from a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    args = ["-d", parsed.database or "postgres", "-U", parsed.username or "postgres"]
    host = parsed.query.get("host") or parsed.host
    if host:
        args += ["-h", str(host)]
    return args + (["-p", str(parsed.port)] if parsed.port else [])


def _dump_file(patients: int, years: float) -> Path:
    return CACHE / f"dashboard-{patients}-patients-{years:g}-years.dump"


def _restore(url: str, dump: Path, fresh: bool) -> bool:
    """Fill the empty database at ``url`` from ``dump`` if it is there and recent."""
    from tests.postgres import find_bin

    if fresh or not dump.is_file() or time.time() - dump.stat().st_mtime > CACHE_DAYS * 86400:
        return False
    bin_dir = find_bin()
    assert bin_dir is not None  # the database is there
    command = [str(bin_dir / "pg_restore"), "--no-owner", *_pg_args(url), str(dump)]
    subprocess.run(command, check=True)
    return True


def _keep(url: str, dump: Path) -> None:
    from tests.postgres import find_bin

    bin_dir = find_bin()
    assert bin_dir is not None
    dump.parent.mkdir(parents=True, exist_ok=True)
    partial = dump.with_suffix(".partial")
    command = [str(bin_dir / "pg_dump"), "-Fc", "--no-owner", *_pg_args(url), "-f", str(partial)]
    subprocess.run(command, check=True)
    partial.replace(dump)


def _refresh_statuses(url: str) -> float:
    """Seconds ``neckcheck db refresh-statuses`` takes to compute every missing level."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "neckcheck", "db", "refresh-statuses"],
        env={**os.environ, "NECKCHECK_DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def _analyze(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def _made(dump: Path) -> str:
    return datetime.fromtimestamp(dump.stat().st_mtime, UTC).strftime("%d %b %Y %H:%M UTC")


def _page_link(base: str, opener: Any, number: int) -> str:
    """The path of page ``number``, found by following the Next links from the first."""
    path = "/clinician"
    for _ in range(number - 1):
        with opener.open(base + path, timeout=120) as response:
            page = response.read().decode()
        found = re.search(r'href="([^"]+)" rel="next"', page)
        if found is None:
            break
        path = html.unescape(found.group(1))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=0.5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument(
        "--fresh", action="store_true", help="build the diaries again, not from .cache/bench"
    )
    args = parser.parse_args()

    with ExitStack() as stack:
        url = _database(stack)
        email = _filled(url)
        dump = _dump_file(args.patients, args.years)
        started = time.perf_counter()
        if email is None and _restore(url, dump, args.fresh):
            email = _filled(url)  # migrated to the newest schema, if the copy is older
            print(
                f"  data and shares restored from .cache/bench/{dump.name} (made "
                f"{_made(dump)}) in {time.perf_counter() - started:.0f} s"
            )
        if email is None:
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "neckcheck",
                    "demo",
                    "--patients",
                    str(args.patients),
                    "--years",
                    str(args.years),
                ],
                env={**os.environ, "NECKCHECK_DATABASE_URL": url},
                check=True,
            )
            email = _clinician_with_every_patient(url)
            print(f"  data and shares ready in {time.perf_counter() - started:.0f} s")
            if not os.environ.get("NECKCHECK_BENCH_DATABASE_URL"):
                _keep(url, dump)
        _forget_statuses(url)

        # The kept levels, computed ahead as a clinic does after an import or an upgrade.
        refresh = _refresh_statuses(url)
        _analyze(url)  # as autovacuum does within a minute of the kept levels arriving
        static = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="neckcheck-bench-")))
        # A trial setting: the bench signs in with a password alone.
        clinic = {"clinic_mode": True, "secret_key": SECRET, "cookie_secure": False}
        clinic["totp_required"] = False
        server, base = start_server({"database_url": url, **clinic}, static, args.workers)
        stack.callback(server.wait, 10)
        stack.callback(server.terminate)
        wait_until_idle(serving_pids(server))
        opener = sign_in(base, email)
        first, _ = get(base + "/clinician", opener)
        print(
            f"dashboard, {args.patients} patients ({args.years} years each) shared with one "
            f"clinician, PostgreSQL, {args.workers} server process"
            f"{'es' if args.workers > 1 else ''}, {args.clients} concurrent clients, "
            f"{args.requests} requests each"
        )
        print(f"  every level computed (neckcheck db refresh-statuses): {refresh:.1f} s")
        print(f"  first load after that: {first * 1000:.0f} ms")
        middle = _page_link(base, opener, max(1, args.patients // 100))  # 50 a page
        print(f"  middle page: {middle}")
        worst = 0.0
        for name, path in (("page 1", "/clinician"), ("middle", middle)):
            # Warm, at the load's concurrency: each server process opens its pool's database
            # connections (PostgreSQL starts a process for each) and prepares its statements
            # (psycopg does at a statement's fifth use on a connection) before timing starts.
            load(base + path, args.clients * 5, args.clients, opener)
            _, p99 = compare_with_static(
                name.replace(" ", ""),
                base + path,
                static,
                base + "/bench-static",
                requests=args.requests,
                clients=args.clients,
                opener=opener,
                target=None,
            )
            worst = max(worst, p99)
        print(f"  worst p99 {worst * 1000:.0f} ms (target < 150 ms)")
        peaks = ", ".join(f"{peak_rss_mib(pid):.0f}" for pid in serving_pids(server))
        print(f"  server peak RSS after the run: {peaks} MiB (per process)")


if __name__ == "__main__":
    main()
