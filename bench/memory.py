"""What one diary costs a server process in memory: what it keeps of the diary between
requests, and a FHIR export of a large diary.

Each part runs a real server (uvicorn, one process, as ``neckcheck serve``) on a temporary
SQLite diary and reads the server's resident memory (``VmRSS``) and its peak (``VmHWM``)
from /proc, against the same figures just before the requests (the baseline):

* ``cache``: 1,000 episodes whose notes are at the 5,000-character limit, in characters of
  4 bytes (the most a note can weigh), then 60 ``GET /api/v1/episodes?from=DAY``, each with
  another day: what the server holds afterwards (``storage/cache.py`` is bounded in bytes);
* ``fhir``: 2,000 episodes, then ``GET /export/fhir`` once, and six at once: how long each
  took and how far the server's peak rose.

    python -m bench.memory [cache] [fhir]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from bench.common import get, peak_rss_mib, rss_mib, start_server, wait_until_idle

NOTE = "\N{GRINNING FACE}" * 5000  # 5,000 characters of 4 bytes each


def _export(url: str) -> tuple[float, int]:
    """Seconds for one GET of ``url`` and the body's size (a large export may take long)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=1800) as response:
        size = len(response.read())
    return time.perf_counter() - start, size


def _diary(folder: Path, episodes: int, notes: str) -> str:
    """A local diary of ``episodes`` episodes, one a day up to yesterday; its URL."""
    from neckcheck.clock import SystemClock
    from neckcheck.domain import EpisodeCreate
    from neckcheck.services.access import local_person
    from neckcheck.storage import repo
    from neckcheck.storage.db import open_database

    url = f"sqlite:///{folder / 'bench.db'}"
    db = open_database(url)
    now = SystemClock().now()
    with db.session() as session:
        patient = local_person(session, now=now).patient_id
        assert patient is not None
        items = [
            EpisodeCreate(
                started_at=now - timedelta(days=day, hours=3),
                ended_at=now - timedelta(days=day, hours=1),
                intensity=1 + day % 10,
                notes=notes,
            )
            for day in range(episodes, 0, -1)
        ]
        repo.add_episodes(session=session, patient_id=patient, items=items, now=now)
    db.close()
    return url


def cache(folder: Path) -> None:
    from neckcheck.clock import SystemClock

    url = _diary(folder, 1000, NOTE)
    static = folder / "static"
    static.mkdir()
    server, base = start_server({"database_url": url}, static)
    try:
        wait_until_idle([server.pid])
        before, peak_before = rss_mib(server.pid), peak_rss_mib(server.pid)
        today = SystemClock().now().date()
        start = time.perf_counter()
        sizes = []
        for n in range(60):
            day = today - timedelta(days=1000 - n)
            _, size = get(f"{base}/api/v1/episodes?from={day.isoformat()}")
            sizes.append(size)
        seconds = time.perf_counter() - start
        after, peak = rss_mib(server.pid), peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"cache: 1,000 episodes with 20 KB notes, 60 periods ({sum(sizes) / 2**20:.0f} MiB "
        f"sent in {seconds:.1f} s)\n"
        f"  server RSS {before:.0f} MiB before, {after:.0f} MiB after (+{after - before:.0f}); "
        f"peak {peak_before:.0f} -> {peak:.0f} MiB (+{peak - peak_before:.0f})"
    )


def fhir(folder: Path) -> None:
    url = _diary(folder, 2000, "")
    static = folder / "static"
    static.mkdir()
    server, base = start_server({"database_url": url}, static)
    try:
        wait_until_idle([server.pid])
        before, peak_before = rss_mib(server.pid), peak_rss_mib(server.pid)
        one, size = _export(f"{base}/export/fhir")
        peak_one = peak_rss_mib(server.pid)
        start = time.perf_counter()
        with ThreadPoolExecutor(6) as pool:
            times = [s for s, _ in pool.map(_export, [f"{base}/export/fhir"] * 6)]
        six = time.perf_counter() - start
        peak_six = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"fhir: 2,000 episodes, a Bundle of {size / 2**20:.1f} MiB\n"
        f"  one export {one:.1f} s, server peak {peak_before:.0f} -> {peak_one:.0f} MiB "
        f"(+{peak_one - peak_before:.0f}; RSS before {before:.0f} MiB)\n"
        f"  six at once {six:.1f} s (slowest {max(times):.1f} s), server peak -> "
        f"{peak_six:.0f} MiB (+{peak_six - peak_before:.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", choices=["cache", "fhir"], default=["cache", "fhir"])
    args = parser.parse_args()
    for part in args.parts:
        with tempfile.TemporaryDirectory(prefix="neckcheck-bench-") as folder:
            {"cache": cache, "fhir": fhir}[part](Path(folder))


if __name__ == "__main__":
    main()
