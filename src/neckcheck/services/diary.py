"""One person's diary, as the web pages, the JSON API and the CLI use it.

    >>> diary = Diary.open(session, actor, patient_id, Action.write, clock=clock, target="/log")
    >>> episode = diary.log(EpisodeCreate(started_at=..., intensity=6))
    >>> diary.assess(episode).level
    <Level.self_care: 'self_care'>

An adapter parses its input (flags, a form, a JSON body) into the domain's models, calls one
method here, and renders what comes back. Everything that combines storage, the triage
engine, the patterns, the reports and the exports happens here, with the clock it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Literal

from sqlalchemy.orm import Session

from neckcheck.clock import Clock
from neckcheck.domain import Assessment, Episode, EpisodeCreate, EpisodeUpdate
from neckcheck.errors import FieldProblem, InputError, NotAllowed, NotFoundError
from neckcheck.patterns import Course, RemedyStat, TriggerStat
from neckcheck.services.access import Action, Actor, decide
from neckcheck.storage import repo
from neckcheck.timeparse import MAX_PERIOD_DAYS, Period

__all__ = ["Diary", "Export", "Insights", "Today"]

# How far ahead of the clock a time may be before it is taken for a typing mistake.
CLOCK_SKEW = timedelta(minutes=5)
# Periods shown when none is asked for: the pages and the report show the same 6 months.
DEFAULT_DAYS = 182

ExportKind = Literal["json", "csv", "fhir"]
_EXPORT_TYPES = {"json": "application/json", "csv": "text/csv", "fhir": "application/fhir+json"}
_EXPORT_SUFFIX = {"json": "json", "csv": "csv", "fhir": "fhir.json"}


@dataclass(frozen=True)
class Today:
    """The home page: the latest episode and its check, and the episodes still going on."""

    latest: Episode | None
    result: Assessment | None
    ongoing: list[Episode]


@dataclass(frozen=True)
class Insights:
    period: Period
    episodes: list[Episode]
    course: Course
    triggers: list[TriggerStat]
    remedies: list[RemedyStat]


@dataclass(frozen=True)
class Export:
    body: str
    media_type: str
    filename: str
    count: int


class Diary:
    """The diary of ``patient_id``, opened for ``action`` (what the actor may do with it)."""

    def __init__(
        self,
        session: Session,
        patient_id: int,
        clock: Clock,
        *,
        action: Action = Action.write,
        zone: tzinfo | None = None,
    ) -> None:
        self.session = session
        self.patient_id = patient_id
        self.clock = clock
        self.action = action
        self.zone = zone

    @classmethod
    def open(
        cls,
        session: Session,
        actor: Actor,
        patient_id: int | None,
        action: Action,
        *,
        clock: Clock,
        target: str,
    ) -> Diary:
        """The diary of ``patient_id`` (the actor's own when None), once the access decision
        allows ``action`` (and the audit log has it)."""
        if patient_id is None:
            if actor.patient_id is None:
                raise NotAllowed("this account has no diary of its own")
            patient_id = actor.patient_id
        if not decide(session, actor, action, patient_id, now=clock.now(), target=target):
            # A diary that may not be seen is indistinguishable from one that does not exist.
            raise NotFoundError(f"patient {patient_id} not found")
        return cls(session, patient_id, clock, action=action)

    def _may(self, *actions: Action) -> None:
        """What the diary was opened for must cover the method (the owner's write covers
        everything); a mismatch is a programming error in an adapter, refused loudly."""
        if self.action is not Action.write and self.action not in actions:
            raise NotAllowed(f"this diary was opened to {self.action.value}, not to do that")

    # --- reading ----------------------------------------------------------------------------

    def name(self) -> str:
        return repo.patient_name(session=self.session, patient_id=self.patient_id)

    def today_date(self) -> date:
        """Today in the person's time zone."""
        return self.clock.now().astimezone(self.zone).date()

    def period(
        self,
        raw_from: str | None,
        raw_to: str | None,
        *,
        default_days: int | None = DEFAULT_DAYS,
        max_days: int | None = MAX_PERIOD_DAYS,
        blank_is_missing: bool = True,
    ) -> Period:
        """The period ``from``/``to`` name, in the person's time zone (InputError if bad);
        see :meth:`Period.parse`."""
        return Period.parse(
            raw_from,
            raw_to,
            today=self.today_date(),
            zone=self.zone,
            default_days=default_days,
            max_days=max_days,
            blank_is_missing=blank_is_missing,
        )

    def default_period(self) -> Period:
        return Period.ending(self.today_date(), days=DEFAULT_DAYS, zone=self.zone)

    def episode(self, episode_id: int) -> Episode:
        return repo.get_episode(
            session=self.session, patient_id=self.patient_id, episode_id=episode_id
        )

    def episodes(
        self,
        period: Period | None = None,
        *,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[Episode]:
        """Episodes that started in ``period`` (all when None), newest first by default."""
        start, end = period.bounds() if period is not None else (None, None)
        return repo.list_episodes(
            session=self.session,
            patient_id=self.patient_id,
            start=start,
            end=end,
            limit=limit,
            newest_first=newest_first,
        )

    def assess(self, episode: Episode) -> Assessment:
        """The check of a stored episode, with the diary's history up to its start."""
        from neckcheck.engine import assess

        history = repo.history_at(
            session=self.session, patient_id=self.patient_id, at=episode.started_at
        )
        return assess(episode.to_findings(now=self.clock.now(), history=history))

    def today(self) -> Today:
        recent = self.episodes(limit=50)
        latest = recent[0] if recent else None
        return Today(
            latest=latest,
            result=self.assess(latest) if latest else None,
            ongoing=[episode for episode in recent if episode.ongoing],
        )

    def course(self, period: Period, episodes: list[Episode] | None = None) -> Course:
        """The course over ``period`` (its episodes may be given when already read), with
        each episode's history reaching back before the period, as its check does."""
        from neckcheck.patterns import course

        return course(
            self.episodes(period, newest_first=False) if episodes is None else episodes,
            now=self.clock.now(),
            first=period.first,
            last=period.last,
            history=repo.diary_history(session=self.session, patient_id=self.patient_id),
        )

    def insights(self, period: Period) -> Insights:
        """Course, triggers and remedies over ``period``."""
        self._may(Action.insights)
        from neckcheck.patterns import remedy_stats, trigger_stats

        start, end = period.bounds()
        episodes = self.episodes(period, newest_first=False)
        # Diary-only answers, kept per diary version (the course depends on the clock).
        triggers, remedies = repo.kept(
            self.session,
            self.patient_id,
            ("statistics", start, end),
            lambda: (trigger_stats(episodes), remedy_stats(episodes)),
        )
        summary = self.course(period, episodes)
        return Insights(period, episodes, summary, list(triggers), list(remedies))

    def report(self, period: Period) -> bytes:
        """The clinician report over ``period``, as PDF bytes."""
        self._may(Action.report)
        from neckcheck.reports import build_report
        from neckcheck.reports.pdf import render_pdf

        diary = self.episodes(newest_first=False)
        data = build_report(
            diary, first=period.first, last=period.last, now=self.clock.now(), patient=self.name()
        )
        return render_pdf(data)

    def export(self, kind: str) -> Export:
        """The whole diary as JSON (lossless, importable), CSV or a FHIR Bundle."""
        self._may(Action.export)
        from neckcheck.interop import fhir, plain

        if kind not in _EXPORT_TYPES:
            raise InputError(f"no export called {kind!r}; try json, csv or fhir", field="format")
        episodes = self.episodes(newest_first=False)
        now = self.clock.now()
        if kind == "json":
            body = plain.export_json(episodes, now=now)
        elif kind == "csv":
            body = plain.export_csv(episodes)
        else:
            body = fhir.export_bundle(
                episodes, patient_name=self.name(), patient_id=self.patient_id, now=now
            )
        filename = f"neckcheck-diary.{_EXPORT_SUFFIX[kind]}"
        return Export(body, _EXPORT_TYPES[kind], filename, len(episodes))

    # --- changing ---------------------------------------------------------------------------

    def _refuse_the_future(self, episodes: list[EpisodeCreate], *, numbered: bool = False) -> None:
        """InputError naming each episode (``episodes.N.`` when ``numbered``) that starts
        later than the clock allows."""
        latest = self.clock.now() + CLOCK_SKEW
        problems = [
            FieldProblem(
                f"episodes.{index}.started_at" if numbered else "started_at", "is in the future"
            )
            for index, data in enumerate(episodes)
            if data.started_at > latest
        ]
        if problems:
            raise InputError(problems)

    def log(self, data: EpisodeCreate) -> Episode:
        """Add an episode; its start may not lie in the future."""
        self._may()
        self._refuse_the_future([data])
        return repo.create_episode(
            session=self.session, patient_id=self.patient_id, data=data, now=self.clock.now()
        )

    def edit(self, episode_id: int, changes: EpisodeUpdate) -> Episode:
        """Change the fields ``changes`` sets; the edited episode is checked as a whole
        before anything is written."""
        self._may()
        data = self.episode(episode_id).apply(changes)
        self._refuse_the_future([data])
        return repo.update_episode(
            session=self.session,
            patient_id=self.patient_id,
            episode_id=episode_id,
            data=data,
            now=self.clock.now(),
        )

    def end(self, episode_id: int) -> Episode:
        """Mark an ongoing episode as over now (an ended one stays as it is)."""
        episode = self.episode(episode_id)
        if not episode.ongoing:
            return episode
        return self.edit(episode_id, EpisodeUpdate(ended_at=self.clock.now()))

    def delete(self, episode_id: int) -> None:
        self._may()
        repo.delete_episode(session=self.session, patient_id=self.patient_id, episode_id=episode_id)

    def import_(self, kind: str, text: str) -> int:
        """Add the episodes of a neckcheck JSON export or FHIR Bundle: every record is checked
        first, and if any is wrong nothing is added (InputError names the record)."""
        self._may()
        from neckcheck.interop import fhir, plain

        if kind == "json":
            episodes = plain.import_json(text)
        elif kind == "fhir":
            episodes = fhir.import_bundle(text)
        else:
            raise InputError(f"cannot import {kind!r}; use json or fhir", field="format")
        self._refuse_the_future(episodes, numbered=True)
        return repo.add_episodes(
            session=self.session,
            patient_id=self.patient_id,
            items=episodes,
            now=self.clock.now(),
        )
