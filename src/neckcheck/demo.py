"""Realistic synthetic diaries for demos and benchmarks.

    >>> episodes = demo_episodes(years=1, seed=7, until=now)   # list of EpisodeCreate

Each diary has a personal profile: a baseline rate of spasms that rises and falls with the
seasons and comes in clusters of bad days, favourite triggers, remedies that work better or
worse for this person, and, rarely, a warning sign (dizziness, arm tingling, a fever...).
The same seed always gives the same diary.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from neckcheck.domain import EpisodeCreate

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TRIGGERS = [
    "screen_time",
    "stress",
    "sleep_position",
    "poor_posture",
    "long_drive",
    "carrying_heavy",
    "cold_draft",
    "exercise",
    "poor_sleep",
    "overuse",
    "strain",
]
REMEDIES = ["heat", "cold", "gentle_movement", "pain_relief", "massage", "rest"]
SYMPTOMS = ["cramping_knot", "twitching", "headache", "fatigue", "pain_radiates_arm"]
RARE = [
    ("dizziness", 0.02),
    ("arm_numbness_tingling", 0.02),
    ("fever", 0.004),
    ("vision_trouble", 0.005),
    ("night_pain", 0.01),
]
REGIONS = [
    ["upper_left", "shoulder_left"],
    ["upper_right", "shoulder_right"],
    ["lower_centre"],
    ["upper_left", "upper_right"],
    ["lower_left"],
]
MOVES = ["rotation_left", "rotation_right", "side_bending_left", "flexion", "extension"]


def demo_episodes(
    *, years: float, seed: int, until: datetime, daily: bool = False
) -> list[EpisodeCreate]:
    """One person's diary over ``years`` up to ``until``; ``daily`` logs an episode every day."""
    rng = random.Random(seed)  # nosec B311: made-up demo diaries, reproducible from the seed
    zone = timezone(timedelta(hours=rng.choice([-5, 0, 1, 2, 10])))
    base = rng.uniform(0.08, 0.35)  # episodes per day on an average day
    liked = rng.sample(TRIGGERS, 3)
    works = {remedy: rng.uniform(0.2, 0.9) for remedy in REMEDIES}
    side = rng.randrange(len(REGIONS))
    days = int(years * 365)
    start_day = (until - timedelta(days=days)).astimezone(zone)
    episodes: list[EpisodeCreate] = []
    cluster = 0
    for day in range(days):
        moment = start_day + timedelta(days=day)
        season = 1 + 0.6 * math.sin(2 * math.pi * (moment.timetuple().tm_yday - 20) / 365)
        if cluster == 0 and rng.random() < 0.02:
            cluster = rng.randint(3, 9)  # a bad stretch of days
        rate = base * season * (3 if cluster else 1)
        cluster = max(cluster - 1, 0)
        count = 1 if daily else sum(rng.random() < rate / 2 for _ in range(2))
        for _ in range(count):
            started = moment.replace(
                hour=rng.randint(6, 22), minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0
            )
            if started > until:
                continue
            hours = rng.choice([0.25, 0.5, 1, 2, 3, 5, 8, 24]) * rng.uniform(0.8, 1.3)
            ended = started + timedelta(hours=hours)
            findings = [s for s in SYMPTOMS if rng.random() < 0.3]
            findings += [f for f, p in RARE if rng.random() < p]
            triggers = [t for t in liked if rng.random() < 0.45]
            tried = rng.sample(REMEDIES, rng.randint(0, 2))
            episodes.append(
                EpisodeCreate(
                    started_at=started,
                    ended_at=ended if ended <= until else None,
                    onset=rng.choice(["sudden", "sudden", "gradual"]),
                    intensity=min(10, max(1, round(rng.gauss(4.5 + 2 * (cluster > 0), 1.8)))),
                    pain_qualities=rng.sample(
                        ["dull", "sharp", "throbbing", "burning"], rng.randint(1, 2)
                    ),
                    regions=REGIONS[side if rng.random() < 0.8 else rng.randrange(len(REGIONS))],
                    limited_movements=rng.sample(MOVES, rng.randint(0, 2)),
                    findings=findings,
                    absent=[f for f in ("fever",) if f not in findings and rng.random() < 0.5],
                    triggers=triggers,
                    remedies=[
                        {
                            "remedy": r,
                            "helped": (
                                "a_lot"
                                if rng.random() < works[r] * 0.6
                                else "some"
                                if rng.random() < works[r]
                                else "none"
                            ),
                        }
                        for r in tried
                    ],
                    activities_affected=rng.sample(
                        ["driving", "concentrating", "sleep", "work"], rng.randint(0, 2)
                    ),
                    stress=rng.randint(0, 10) if rng.random() < 0.7 else None,
                    notes="",
                )
            )
    return episodes


def fill(session: Session, *, patients: int, years: float, seed: int, now: datetime) -> int:
    """Fill an empty database with ``patients`` example diaries; returns the episodes added."""
    from neckcheck.errors import InputError
    from neckcheck.storage import repo
    from neckcheck.text import count

    first = repo.ensure_local_patient(session=session, now=now)
    existing = repo.count_episodes(session=session, patient_id=first)
    if existing:
        raise InputError(
            f"the diary already has {count(existing, 'episode', 'episodes')}; demo data goes "
            "into an empty database",
            field="demo",
        )
    total = 0
    for number in range(patients):
        patient = (
            first
            if number == 0
            else repo.create_patient(
                session=session, display_name=f"Demo patient {number + 1}", now=now
            )
        )
        total += repo.add_episodes(
            session=session,
            patient_id=patient,
            items=demo_episodes(years=years, seed=seed + number, until=now),
            now=now,
        )
    return total
