"""The clinician PDF for 5 years of daily entries, against reading those rows from SQLite.

Both are timed in the same run on the same temporary database; the target is a report under
1 second.

    python bench/report.py [--years N] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from neckcheck.clock import FixedClock
from neckcheck.domain import EpisodeCreate
from neckcheck.services.access import Action, local_person
from neckcheck.services.diary import Diary
from neckcheck.storage import repo
from neckcheck.storage.db import open_database
from neckcheck.timeparse import Period

TRIGGERS = ["screen_time", "stress", "sleep_position", "poor_posture", "long_drive"]
FINDINGS = [["cramping_knot"], ["headache"], ["twitching", "fatigue"], [], ["dizziness"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    days = 365 * args.years
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{folder}/bench.db")
        clock = FixedClock(now)
        with db.session() as session:
            patient = local_person(session, now=now).patient_id
            assert patient is not None
            diary = Diary(session, patient, clock)
            for day in range(days, 0, -1):
                start = now - timedelta(days=day, hours=day % 9)
                diary.log(
                    EpisodeCreate(
                        started_at=start,
                        ended_at=start + timedelta(hours=1 + day % 5),
                        intensity=1 + (day * 7) % 10,
                        triggers=[TRIGGERS[day % 5]],
                        findings=FINDINGS[day % 5],
                        remedies=[{"remedy": "heat", "helped": ["none", "some", "a_lot"][day % 3]}],
                    )
                )
        read, build = [], []
        # Both timed without the diary cache: each run reads the rows from the database.
        uncached = {"diary_cache": None}
        for _ in range(args.runs):
            start = time.perf_counter()
            with db.sessions(info=uncached) as session, session.begin():
                rows = repo.list_episodes(session=session, patient_id=patient)
            read.append(time.perf_counter() - start)
            start = time.perf_counter()
            with db.sessions(info=uncached) as session, session.begin():
                pdf = Diary(session, patient, clock, action=Action.report).report(
                    Period((now - timedelta(days=days)).date(), now.date())
                )
            build.append(time.perf_counter() - start)
        db.close()
    base, report = statistics.median(read), statistics.median(build)
    print(f"report, {len(rows)} episodes ({args.years} years daily), median of {args.runs} runs")
    print(f"  read the rows (baseline)  {base * 1000:8.1f} ms")
    print(
        f"  clinician PDF             {report * 1000:8.1f} ms   x{report / base:.1f} of "
        f"baseline  ({len(pdf) / 1024:.0f} KiB; target under 1000 ms)"
    )


if __name__ == "__main__":
    main()
