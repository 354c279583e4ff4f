"""What the web benchmarks share: timed GETs from many clients, percentiles, a server's
peak memory, and a static file of a page's size to compare a page with.

Run the benchmarks from the repository root as modules (``python -m bench.web``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

_STATIC = "NECKCHECK_BENCH_STATIC_DIR"


def app_from_environment() -> Any:
    """The app of one bench server process: settings from the ``NECKCHECK_*`` environment,
    and the static folder of NECKCHECK_BENCH_STATIC_DIR served under /bench-static."""
    from fastapi.staticfiles import StaticFiles

    from neckcheck.settings import Settings
    from neckcheck.web.app import create_app

    app = create_app(Settings())
    app.mount("/bench-static", StaticFiles(directory=os.environ[_STATIC]), name="bench-static")
    return app


def start_server(
    settings: dict[str, Any], static_dir: Path, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """A uvicorn server of the app with ``Settings(**settings)`` and ``static_dir`` served
    under /bench-static, in processes of its own: one, or a supervisor and ``workers``
    worker processes sharing the port (as ``neckcheck serve --workers N`` runs). Returns
    the process and the base URL once the server answers; stop it with ``terminate()``."""
    from neckcheck.storage.db import open_database
    from neckcheck.web.server import free_port

    port = free_port()
    env = {f"NECKCHECK_{name.upper()}": str(value) for name, value in settings.items()}
    open_database(settings["database_url"]).close()  # migrated once, before the workers
    command = [sys.executable, "-m", "uvicorn", "bench.common:app_from_environment"]
    command += ["--factory", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(
        command,
        env={**os.environ, **env, _STATIC: str(static_dir)},
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/api/v1/health")
    return server, base


def get(url: str, opener: Any = None) -> tuple[float, int]:
    """Seconds for one GET of ``url`` (which must answer 200), and the body's size."""
    start = time.perf_counter()
    with (opener or urllib.request.build_opener()).open(url, timeout=120) as response:
        body = response.read()
        assert response.status == 200, response.status
    return time.perf_counter() - start, len(body)


def load(url: str, requests: int, clients: int, opener: Any = None) -> list[float]:
    """Latencies of ``requests`` GETs of ``url`` from ``clients`` concurrent clients."""
    with ThreadPoolExecutor(clients) as pool:
        return [s for s, _ in pool.map(lambda u: get(u, opener), [url] * requests)]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            get(url)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def compare_with_static(
    name: str,
    page_url: str,
    static_dir: Path,
    static_base: str,
    *,
    requests: int,
    clients: int,
    opener: Any = None,
    target: float | None = 5,
) -> tuple[float, float]:
    """Load a page and a static file of its size from the same server; print both and the
    p99 ratio (with its ``target``, if it has one); return the page's p50 and p99 in
    seconds."""
    _, size = get(page_url, opener)  # warm up, and learn the page's size
    (static_dir / f"{name}.html").write_bytes(b"x" * size)
    page = load(page_url, requests, clients, opener)
    twin = load(f"{static_base}/{name}.html", requests, clients)
    ratio = pct(page, 0.99) / pct(twin, 0.99)
    print(
        f"  {name:10} {size / 1024:6.0f} KiB  p50 {pct(page, 0.5) * 1000:7.1f} ms  "
        f"p99 {pct(page, 0.99) * 1000:7.1f} ms | static p50 {pct(twin, 0.5) * 1000:6.1f}"
        f" ms p99 {pct(twin, 0.99) * 1000:6.1f} ms | p99 x{ratio:.1f}"
        + (f" (target <= {target:g})" if target else "")
    )
    return pct(page, 0.5), pct(page, 0.99)


def _status_mib(pid: int, field: str) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith(field))
    return int(kib) / 1024


def peak_rss_mib(pid: int) -> float:
    """The most memory the process ``pid`` has held resident (VmHWM)."""
    return _status_mib(pid, "VmHWM")


def rss_mib(pid: int) -> float:
    """The memory the process ``pid`` holds resident now (VmRSS)."""
    return _status_mib(pid, "VmRSS")


def postgres_database(stack: ExitStack, name: str) -> str:
    """A new database ``name`` on a PostgreSQL server started for the benchmark (stopped
    when ``stack`` closes); exits with a message when PostgreSQL is not installed."""
    from sqlalchemy import create_engine, text
    from tests.databases import database_url
    from tests.postgres import find_bin, running_server

    bin_dir = find_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)")
    server = stack.enter_context(running_server(bin_dir))  # its `postgres` database's URL
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return database_url(server, name)


def serving_pids(server: subprocess.Popen[bytes]) -> list[int]:
    """The processes that answer requests: the server's own, or its uvicorn workers."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    workers = [int(pid) for pid in children if _is_worker(int(pid))]
    return workers or [server.pid]


def wait_until_idle(pids: list[int], seconds: float = 60) -> None:
    """Wait until the processes ``pids`` use under 5% of a core each (a server building
    what it builds in the background at start, such as the text extractor, is not yet
    what is measured)."""

    def ticks(pid: int) -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    per_second = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + seconds
    before = {pid: ticks(pid) for pid in pids}
    while time.monotonic() < deadline:
        time.sleep(0.5)
        after = {pid: ticks(pid) for pid in pids}
        if all(after[pid] - before[pid] < 0.05 * 0.5 * per_second for pid in pids):
            return
        before = after


def _is_worker(pid: int) -> bool:
    # uvicorn's workers are spawned Python processes; multiprocessing's resource tracker is
    # one too, but it is not a spawn_main child.
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return any(b"spawn_main" in part for part in command)
