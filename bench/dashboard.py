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

Set NECKCHECK_BENCH_DATABASE_URL to a PostgreSQL database to use it instead; if an earlier
run filled it, its data is used again (the kept levels are cleared, so that computing them is
timed again).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.common import (
    compare_with_static,
    get,
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


def _earlier_run(url: str) -> str | None:
    """The clinician of an earlier run on this database, with the kept levels cleared."""
    from sqlalchemy import create_engine, delete, inspect, select

    from neckcheck.storage.tables import PatientStatusRow, UserRow

    engine = create_engine(url)
    try:
        if "users" not in inspect(engine).get_table_names():
            return None
        with engine.begin() as connection:
            email = connection.scalar(select(UserRow.email).where(UserRow.role == "clinician"))
            if email is not None:
                connection.execute(delete(PatientStatusRow))
        return email
    finally:
        engine.dispose()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=0.5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    args = parser.parse_args()

    with ExitStack() as stack:
        url = _database(stack)
        email = _earlier_run(url)
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
        middle = max(1, args.patients // 100)  # 50 patients a page: the middle page
        worst = 0.0
        for name, path in (("page 1", "/clinician"), ("middle", f"/clinician?page={middle}")):
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
