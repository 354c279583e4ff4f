"""A clinic under load for a long while, as deployed: two ``neckcheck serve --clinic``
processes on PostgreSQL behind Debian's nginx with the shipped site file
(deploy/nginx/neckcheck.conf), 50 users each logging and reading, for 10 minutes by default.

Reports, minute by minute, the requests, errors, p50 and p99 and each server's memory, then
the totals: errors, acknowledged writes that a server does not list afterwards, and how each
server's memory grew (resident set size, against its size after the first minute, which is
the baseline measured in the same run).

    python -m bench.soak [--seconds 600] [--users 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path

from bench.common import pct, postgres_database, rss_mib
from tests.factories import patient_accounts, sign_in
from tests.nginx import NGINX, find_nginx, running_nginx
from tests.reliability.conftest import LoadRun, Server, run_users, stored_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    if find_nginx() is None:
        sys.exit(f"nginx is not installed ({NGINX})")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="neckcheck-soak-")))
        url = postgres_database(stack, "soak")
        servers = [
            Server(url, folder, env={"NECKCHECK_TRUSTED_PROXIES": "127.0.0.1"}) for _ in range(2)
        ]
        for server in servers:
            server.start()
            stack.callback(server.stop)
        proxy = stack.enter_context(running_nginx(NGINX, [s.port for s in servers]))
        emails = [f"soak{n}@example.org" for n in range(args.users)]
        patient_accounts(url, emails)
        openers = [
            sign_in(
                proxy.base,
                email,
                {"X-Forwarded-For": f"198.51.100.{n % 250 + 1}"},
                (proxy.handler(),),
            )
            for n, email in enumerate(emails)
        ]
        pids = [s.process.pid for s in servers if s.process is not None]

        memory: list[list[float]] = []
        finished = threading.Event()

        def sample() -> None:
            while not finished.wait(10):
                memory.append([rss_mib(pid) for pid in pids])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        minutes: list[LoadRun] = []
        print(f"load average {os.getloadavg()[0]:.2f}; {args.users} users, 2 servers, nginx")
        left = args.seconds
        while left > 0:
            run = run_users(openers, proxy.base, min(60, left))
            left -= 60
            minutes.append(run)
            rss = " / ".join(f"{rss_mib(pid):.0f}" for pid in pids)
            print(
                f"  minute {len(minutes):2}: {len(run.latencies)} requests, "
                f"{len(run.errors)} errors, p50 {statistics.median(run.latencies) * 1000:.0f} "
                f"ms, p99 {pct(run.latencies, 0.99) * 1000:.0f} ms; servers {rss} MiB",
                flush=True,
            )
        finished.set()
        sampler.join()

        latencies = [s for run in minutes for s in run.latencies]
        errors = [e for run in minutes for e in run.errors]
        acknowledged = [
            set().union(*(run.acknowledged[i] for run in minutes)) for i in range(args.users)
        ]
        lost = sum(
            len(acknowledged[i] - stored_ids(openers[i], server.base))
            for i in range(args.users)
            for server in servers
        )
        print(
            f"total: {len(latencies)} requests in {args.seconds:.0f} s, {len(errors)} errors, "
            f"{sum(map(len, acknowledged))} writes acknowledged, {lost} missing on a server; "
            f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {pct(latencies, 0.99) * 1000:.0f} ms"
        )
        for index in range(len(pids)):
            series = [row[index] for row in memory]
            if len(series) > 6:
                baseline, peak, last = series[5], max(series), series[-1]
                print(
                    f"server {index + 1}: {last:.0f} MiB at the end, peak {peak:.0f} MiB; "
                    f"x{last / baseline:.2f} of its size after the first minute"
                )
        for error in errors[:10]:
            print("  error:", error)


if __name__ == "__main__":
    main()
