"""Web latency for a patient with 5 years of daily entries, against a static file.

A real server (uvicorn, one process) runs on a temporary SQLite diary. For each page,
20 concurrent clients request it, then a static file of exactly the page's size from the
same server; p50 and p99 of both are printed with the ratio (target: page p99 within 5x of
the static file's). Last, the server's peak resident memory after the run.

    python -m bench.web [--requests N] [--clients N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import compare_with_static, peak_rss_mib, start_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()

    from neckcheck.clock import SystemClock
    from neckcheck.demo import demo_episodes
    from neckcheck.services.access import local_person
    from neckcheck.services.diary import Diary
    from neckcheck.storage.db import open_database

    folder = Path(tempfile.mkdtemp(prefix="neckcheck-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    db = open_database(url)
    clock = SystemClock()  # the served app reads the same clock
    with db.session() as session:
        patient = local_person(session, now=clock.now()).patient_id
        assert patient is not None
        diary = Diary(session, patient, clock)
        for data in demo_episodes(years=args.years, seed=3, until=clock.now(), daily=True):
            diary.log(data)
        latest = diary.episodes(limit=1)[0].id
        count = len(diary.episodes())
    db.close()
    static = folder / "static"
    static.mkdir()
    server, base = start_server({"database_url": url}, static)

    pages = {"history": "/history", "insights": "/insights", "assessment": f"/episodes/{latest}"}
    print(
        f"web, {count} episodes ({args.years} years daily), {args.clients} concurrent "
        f"clients, {args.requests} requests each"
    )
    for name, path in pages.items():
        compare_with_static(
            name,
            base + path,
            static,
            base + "/bench-static",
            requests=args.requests,
            clients=args.clients,
        )
    print(f"  server peak RSS after the run: {peak_rss_mib(server.pid):.0f} MiB")
    server.terminate()
    server.wait(10)


if __name__ == "__main__":
    main()
