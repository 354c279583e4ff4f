"""Alerts: a clinician hears when a patient who shares their diary with them logs or changes
an episode that needs attention.

    >>> watch(session, episode, check=diary.assess, now=now)      # after every change
    >>> deliver(database, clock, mailer=mailer, base_url="https://clinic.example.org")

An episode needs attention when its check is urgent or an emergency, or when its warning-sign
screening stays open: declined, or still unanswered :data:`GRACE` after it was logged (the
check's questions follow the log form, so an episode is open for a minute or two as a matter
of course). The alert shows at the top of the clinician's Patients page, under Needs
attention, until they mark it seen; one that was seen shows again if the episode becomes
more urgent. Where email is configured the clinician also gets an email that says only that
a patient needs attention, with a link to the page: no name, no level, nothing of the diary.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from neckcheck.levels import Level
from neckcheck.storage import alerts

if TYPE_CHECKING:
    from datetime import datetime

    from neckcheck.clock import Clock
    from neckcheck.domain import Assessment, Episode
    from neckcheck.services.mail import Mailer
    from neckcheck.storage.db import Database

__all__ = ["GRACE", "Notifier", "deliver", "needs_attention", "watch"]

logger = logging.getLogger("neckcheck.alerts")

# How long an episode's screening may stay open before it counts as left open.
GRACE = timedelta(minutes=30)
# A session's flag: this transaction raised an alert (an email may be due once it commits).
RAISED = "neckcheck_alert_raised"


def needs_attention(result: Assessment) -> bool:
    """Urgent or an emergency, or a screening with such a sign still open."""
    return result.level.rank <= Level.urgent.rank or not result.complete


def watch(
    session: Session, episode: Episode, *, check: Callable[[Episode], Assessment], now: datetime
) -> None:
    """Raise, change or drop the alerts of ``episode`` after it was logged or changed (its
    ``check`` is computed only when the patient shares their diary with someone)."""
    clinicians = alerts.sharing_clinicians(session=session, patient_id=episode.patient_id)
    if not clinicians:
        return
    result = check(episode)
    due: datetime | None = None
    if result.level.rank <= Level.urgent.rank or (not result.complete and episode.declined):
        due = now
    elif not result.complete:
        due = now + GRACE
    kept = alerts.for_episode(session=session, episode_id=episode.id)
    for clinician in clinicians:
        _one(session, episode, result, kept.get(clinician), clinician, due, now)


def _one(
    session: Session,
    episode: Episode,
    result: Assessment,
    alert: alerts.Kept | None,
    clinician: int,
    due: datetime | None,
    now: datetime,
) -> None:
    level, complete = result.level, result.complete
    if alert is None:
        if due is not None:
            alerts.add(
                session=session,
                clinician_id=clinician,
                patient_id=episode.patient_id,
                episode_id=episode.id,
                level=level,
                complete=complete,
                now=now,
                due_at=due,
            )
            if due <= now:
                session.info[RAISED] = True
        return
    if due is None:  # answered in full, below urgent
        if alert.seen_at is None and alert.due_at > now:
            alerts.drop(session=session, alert_id=alert.id)  # never shown: nothing to see
        else:
            alerts.change(session=session, alert_id=alert.id, level=level, complete=complete)
        return
    if alert.seen_at is not None:
        worse = level.rank < alert.level.rank
        alerts.change(
            session=session,
            alert_id=alert.id,
            level=level,
            complete=complete,
            due_at=now if worse else None,
            reopen=worse,
        )
        if worse:
            session.info[RAISED] = True
        return
    sooner = due if due < alert.due_at else None
    alerts.change(session=session, alert_id=alert.id, level=level, complete=complete, due_at=sooner)
    if due <= now:
        session.info[RAISED] = True


ALERT_SUBJECT = "A patient needs your attention"


def alert_text(base_url: str) -> str:
    """The alert email: that a patient needs attention, and where to look; nothing else."""
    return (
        "A patient who shares their neckcheck diary with you has an episode that needs "
        "attention.\n\n"
        f"See it under Needs attention on your list of patients:\n{base_url}/clinician\n\n"
        "For the patient's privacy this email says nothing more; sign in to read it.\n"
    )


def deliver(database: Database, clock: Clock, *, mailer: Mailer, base_url: str) -> int:
    """Email every clinician who has alerts due that no email told them of yet (one email
    each, whatever the number of alerts); returns how many emails were sent. Each clinician's
    alerts are claimed in a transaction of their own before the email goes, so two processes
    never send the same one; an email that fails is logged, and the page still shows the
    alerts."""
    from neckcheck.services.mail import Mail

    sent = 0
    with database.session() as session:
        waiting = alerts.clinicians_to_email(session=session, now=clock.now())
    for clinician_id, email in waiting:
        with database.session() as session:
            claimed = alerts.claim_for_email(
                session=session, clinician_id=clinician_id, now=clock.now()
            )
        if not claimed:
            continue
        try:
            mailer.send(Mail(email, ALERT_SUBJECT, alert_text(base_url)))
            sent += 1
        except Exception:  # the next alert or the page tells them; the server runs on
            logger.exception("alert email to clinician %d not sent", clinician_id)
    return sent


class Notifier:
    """A server process's sender of alert emails: it delivers when a transaction that raised
    an alert commits (:meth:`poke`), and every ``every`` seconds for alerts that became due
    since (a screening left open)."""

    def __init__(
        self, database: Database, clock: Clock, *, mailer: Mailer, base_url: str, every: float = 60
    ) -> None:
        self.database, self.clock, self.mailer, self.base_url = database, clock, mailer, base_url
        self.every = every
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="neckcheck-alerts", daemon=True)

    def start(self) -> None:
        from sqlalchemy import event

        event.listen(self.database.sessions, "after_commit", self._after_commit)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def poke(self) -> None:
        self._wake.set()

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(RAISED, False):
            self.poke()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self.every)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                deliver(self.database, self.clock, mailer=self.mailer, base_url=self.base_url)
            except Exception:  # a database that is briefly away: the next round tries again
                logger.exception("alert emails not delivered")
