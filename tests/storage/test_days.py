"""Pain-free days and calendar feeds in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from neckcheck.storage import feeds, repo
from neckcheck.storage.db import Database
from neckcheck.storage.tables import PainFreeDayRow
from tests.factories import NOW

DAY = date(2026, 6, 30)


def test_one_pain_free_day_per_patient_and_day(db: Database) -> None:
    with db.session() as session:
        me = repo.create_patient(session=session, display_name="Me", now=NOW)
        other = repo.create_patient(session=session, display_name="Other", now=NOW)
        first = repo.mark_pain_free(session=session, patient_id=me, day=DAY, now=NOW)
        later = NOW + timedelta(hours=3)
        assert repo.mark_pain_free(session=session, patient_id=me, day=DAY, now=later) == first
        repo.mark_pain_free(session=session, patient_id=other, day=DAY, now=NOW)
    with db.session() as session:
        assert repo.pain_free_days(session=session, patient_id=me) == [DAY]
        assert repo.pain_free_records(session=session, patient_id=me, first=DAY, last=DAY) == [
            (DAY, NOW)
        ]
    with db.session() as session:
        session.add(PainFreeDayRow(patient_id=me, day=DAY, created_at=NOW))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_unmarking_a_range(db: Database) -> None:
    with db.session() as session:
        me = repo.create_patient(session=session, display_name="Me", now=NOW)
        for offset in range(5):
            repo.mark_pain_free(
                session=session, patient_id=me, day=DAY - timedelta(offset), now=NOW
            )
        removed = repo.unmark_pain_free(
            session=session, patient_id=me, first=DAY - timedelta(3), last=DAY - timedelta(1)
        )
        assert removed == 3
        assert repo.pain_free_days(session=session, patient_id=me) == [DAY - timedelta(4), DAY]


def test_a_feed_address_is_unique_and_found_by_it(db: Database) -> None:
    with db.session() as session:
        me = repo.create_patient(session=session, display_name="Me", now=NOW)
        other = repo.create_patient(session=session, display_name="Other", now=NOW)
        feeds.save_feed(
            session=session, patient_id=me, lookup="a" * 16, checkin_minute=1200, now=NOW
        )
        found = feeds.feed_by_lookup(session=session, lookup="a" * 16)
        assert found is not None and found.patient_id == me
        feeds.save_feed(
            session=session, patient_id=me, lookup="b" * 16, checkin_minute=480, now=NOW
        )
        assert feeds.feed_by_lookup(session=session, lookup="a" * 16) is None
    with db.session() as session, pytest.raises(IntegrityError):
        feeds.save_feed(
            session=session, patient_id=other, lookup="b" * 16, checkin_minute=1200, now=NOW
        )
