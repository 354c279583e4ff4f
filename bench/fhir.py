"""The FHIR export: its size per episode on the demo diary, and its time on 5 years of daily
entries against writing the same episodes as the JSON export in the same run.

Targets: at most 10 KB per episode on a year of the demo diary (``neckcheck demo``), and
5 years of daily entries exported in under 5 s.

    python -m bench.fhir [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from neckcheck.clock import FixedClock
from neckcheck.demo import demo_episodes
from neckcheck.services.access import local_person
from neckcheck.services.diary import Diary
from neckcheck.storage import repo
from neckcheck.storage.db import Database, open_database

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
SIZE_TARGET_KB = 10.0
TIME_TARGET_S = 5.0


def _diary(folder: Path, name: str, *, years: float, daily: bool) -> tuple[Database, int]:
    db = open_database(f"sqlite:///{folder}/{name}.db")
    with db.session() as session:
        patient = local_person(session, now=NOW).patient_id
        assert patient is not None
        items = demo_episodes(years=years, seed=7, until=NOW, daily=daily)
        count = repo.add_episodes(session=session, patient_id=patient, items=items, now=NOW)
    return db, count


def _export(db: Database, kind: str) -> tuple[float, int]:
    """Seconds and bytes of one export of the whole diary."""
    with db.session() as session:
        patient = local_person(session, now=NOW).patient_id
        assert patient is not None
        start = time.perf_counter()
        made = Diary(session, patient, FixedClock(NOW)).export(kind)
        size = sum(len(chunk.encode("utf-8")) for chunk in made.chunks)
        return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        demo, episodes = _diary(folder, "demo", years=1, daily=False)
        _, size = _export(demo, "fhir")
        _, plain = _export(demo, "json")
        per = size / episodes / 1024
        print(f"fhir, a year of the demo diary: {episodes} episodes")
        print(
            f"  FHIR Bundle  {size / 1024:8.0f} KB  {per:6.2f} KB per episode "
            f"(target at most {SIZE_TARGET_KB:.0f})   x{size / plain:.1f} of the JSON export"
        )
        daily, count = _diary(folder, "daily", years=5, daily=True)
        fhir = [_export(daily, "fhir")[0] for _ in range(args.runs)]
        json = [_export(daily, "json")[0] for _ in range(args.runs)]
        took, base = statistics.median(fhir), statistics.median(json)
        print(f"fhir, 5 years of daily entries: {count} episodes, median of {args.runs} runs")
        print(f"  JSON export (baseline)  {base:6.2f} s")
        print(
            f"  FHIR export             {took:6.2f} s   x{took / base:.1f} of baseline "
            f"(target under {TIME_TARGET_S:.0f} s)"
        )


if __name__ == "__main__":
    main()
