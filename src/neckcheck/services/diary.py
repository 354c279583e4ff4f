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

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import TYPE_CHECKING, Literal

from sqlalchemy.orm import Session

from neckcheck.clock import Clock
from neckcheck.domain import (
    Assessment,
    Episode,
    EpisodeCreate,
    EpisodeUpdate,
    PainFreeDay,
    Profile,
)
from neckcheck.errors import FieldProblem, InputError, NotAllowed, NotFoundError
from neckcheck.knowledge.models import ScreeningGroup
from neckcheck.levels import Level

if TYPE_CHECKING:
    from neckcheck.nlp import Mention
    from neckcheck.patterns.history import DiaryHistory
from neckcheck.patterns import Course, RemedyStat, TriggerStat
from neckcheck.patterns.days import PainFree, day_span, pain_free
from neckcheck.services.access import Action, Actor, decide
from neckcheck.storage import repo
from neckcheck.text import format_moment
from neckcheck.timeparse import DEFAULT_DAYS, EARLIEST_DAY, MAX_PERIOD_DAYS, Period

__all__ = [
    "KEY_PATTERN",
    "Diary",
    "Export",
    "ImportResult",
    "Insights",
    "Logged",
    "Step",
    "Today",
]

# How far ahead of the clock a time may be before it is taken for a typing mistake.
CLOCK_SKEW = timedelta(minutes=5)
# Today's page counts pain-free days over the last 4 weeks.
TODAY_DAYS = 28

# An idempotency key a client sends with a new episode: a UUID fits.
KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
_KEY = re.compile(KEY_PATTERN)

ExportKind = Literal["json", "csv", "checkins", "fhir"]
FhirBundle = Literal["transaction", "collection"]
_EXPORT_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "checkins": "text/csv",
    "fhir": "application/fhir+json",
}
_EXPORT_SUFFIX = {"json": "json", "csv": "csv", "checkins": "csv", "fhir": "fhir.json"}


@dataclass(frozen=True)
class Today:
    """The home page: the latest episode and its check, the episodes still going on, and
    whether today is recorded as pain-free or had a spasm (then it cannot be)."""

    latest: Episode | None
    result: Assessment | None
    ongoing: list[Episode]
    day: date | None = None
    pain_free_today: bool = False
    spasm_today: bool = False
    pain_free: PainFree | None = None  # over the last TODAY_DAYS days


@dataclass(frozen=True)
class Insights:
    period: Period
    episodes: list[Episode]
    course: Course
    triggers: list[TriggerStat]
    remedies: list[RemedyStat]


@dataclass(frozen=True)
class Step:
    """What the interview asks next about an episode: the warning signs the person's own
    words left unsure, the follow-ups of partly met rules, or one screening group."""

    kind: Literal["mentioned", "follow_up", "group"]
    questions: list[str]  # finding ids and field names, in the order to ask them
    group: ScreeningGroup | None = None
    number: int = 0  # of a group, from 1
    groups: int = 0


@dataclass(frozen=True)
class ImportResult:
    """How many episodes an import added, and how many the diary held already."""

    added: int
    already: int
    pain_free_days: int = 0  # days recorded as pain-free, added by a JSON import
    check_ins: int = 0  # outcome check-ins added by an import


@dataclass(frozen=True)
class Logged:
    """A logged episode: the one stored, and whether this send made it (False: an earlier
    send with the same idempotency key did, and nothing was changed now)."""

    episode: Episode
    created: bool


@dataclass(frozen=True)
class Export:
    """A file of the diary: its text in pieces (``chunks``; each time it is iterated, the
    file again from the start), what it is, its name, and how many episodes it holds (a file
    of check-ins: how many check-ins). A FHIR Bundle is made as its pieces are read, from
    what was read of the diary already: sending it needs no database."""

    chunks: Iterable[str]
    media_type: str
    filename: str
    count: int

    @property
    def body(self) -> str:
        """The whole file as one text."""
        return "".join(self.chunks)


class _Pieces:
    """An iterable that makes its pieces afresh each time it is iterated."""

    def __init__(self, make: Callable[[], Iterator[str]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[str]:
        return self._make()


def diary_history(session: Session, patient_id: int) -> DiaryHistory:
    """The diary's episodes as the triage's history inputs at any moment (see
    :mod:`neckcheck.patterns.history`), built from the stored spans once per diary version."""
    from neckcheck.patterns.history import DiaryHistory

    def build() -> DiaryHistory:
        return DiaryHistory(repo.episode_spans(session=session, patient_id=patient_id))

    return repo.cached(session, patient_id, ("history",), build)


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
        self._profile: Profile | None = None
        self._zone = zone

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
        if not decide(session, actor, action, patient_id, target=target):
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

    def profile(self) -> Profile:
        if self._profile is None:
            self._profile = repo.get_profile(session=self.session, patient_id=self.patient_id)
        return self._profile

    @property
    def zone(self) -> tzinfo | None:
        """The person's time zone (their profile's), or None for the computer's own."""
        if self._zone is None and self.profile().time_zone:
            from zoneinfo import ZoneInfo

            self._zone = ZoneInfo(str(self.profile().time_zone))
        return self._zone

    def rename(self, name: str) -> None:
        """The name the diary's reports and exports show for the person."""
        self._may()
        name = " ".join(name.split())
        if not name or len(name) > 200:
            raise InputError("must be 1 to 200 characters", field="name")
        repo.set_patient_name(session=self.session, patient_id=self.patient_id, name=name)

    def set_profile(self, profile: Profile) -> Profile:
        """Store what the person says about themself; it reaches every later check."""
        self._may()
        if profile.birth_year is not None and profile.birth_year > self.today_date().year:
            raise InputError("is in the future", field="birth_year")
        repo.set_profile(session=self.session, patient_id=self.patient_id, profile=profile)
        self._profile, self._zone = profile, None
        return profile

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
        """The check of a stored episode (see :func:`check`)."""
        return self._checker()(episode)

    def checks(
        self, period: Period | None = None, *, warnings_only: bool = False
    ) -> list[tuple[Episode, Assessment]]:
        """The episodes that started in ``period`` (all when None), newest first, each with
        its check (as :meth:`assess` gives it), for a history that shows their levels; with
        ``warnings_only``, those whose check found warning signs (:attr:`Level.is_warning`)."""
        checked = self._checker()
        found = [(episode, checked(episode)) for episode in self.episodes(period)]
        return [item for item in found if item[1].level.is_warning or not warnings_only]

    def _checker(self) -> Callable[[Episode], Assessment]:
        """Checks stored episodes against the diary's history and profile, read once."""
        from neckcheck.engine import check

        history = diary_history(self.session, self.patient_id)
        profile, now = self.profile(), self.clock.now()
        return lambda episode: check(
            episode, history=history.at(episode.started_at), profile=profile, now=now
        )

    def next_step(self, episode: Episode, mentioned: Sequence[str] = ()) -> Step | None:
        """What to ask next about ``episode``, or None when nothing that could make it urgent
        or an emergency is left open (or the person declined the rest).

        First the warning signs in ``mentioned`` (those the person's own words left unsure),
        then the screening groups in order, then the follow-ups of partly met rules.
        """
        from neckcheck.engine import engine_for
        from neckcheck.engine.episode import documents
        from neckcheck.knowledge import load

        if episode.declined:
            return None
        history = diary_history(self.session, self.patient_id).at(episode.started_at)
        # The questions of each age a year of birth allows, as the check itself weighs them.
        open_: dict[str, Level] = {}
        for document in documents(
            episode, history=history, profile=self.profile(), now=self.clock.now()
        ):
            for name, level in engine_for().questions(document):
                if level.rank <= Level.urgent.rank and name not in ("intensity", "duration_hours"):
                    open_.setdefault(name, level)
        if not open_:
            return None
        unsure = [name for name in mentioned if name in open_]
        if unsure:
            return Step("mentioned", unsure)
        # The screening groups before the follow-ups: a "no" to a screened sign (a fever, an
        # injury) often settles a partly met rule, and its other questions are not needed.
        groups = load().screening.groups
        for number, group in enumerate(groups, start=1):
            asked = [finding for finding in group.findings if finding in open_]
            if asked:
                return Step("group", asked, group, number, len(groups))
        return Step("follow_up", list(open_))

    def answer(self, episode_id: int, answers: dict[str, bool | int | str]) -> Episode:
        """Record answers to the check's questions: a finding present (True) or not (False),
        or a number or ``onset``; ``age_years`` goes to the profile as a year of birth."""
        episode = self.episode(episode_id)
        findings = [f for f in episode.findings if f not in answers]
        absent = [f for f in episode.absent if f not in answers]
        changes: dict[str, object] = {}
        for name, value in answers.items():
            if name == "age_years":
                born = self.today_date().year - int(value)
                self.set_profile(self.profile().model_copy(update={"birth_year": born}))
            elif name == "onset":
                changes["onset"] = value
            elif value is True:
                findings.append(name)
            elif value is False:
                absent.append(name)
        changes.update(findings=findings, absent=absent)
        return self.edit(episode_id, EpisodeUpdate.model_validate(changes))

    def mentions(self, episode: Episode) -> dict[str, list[Mention]]:
        """What the person's own words (the episode's notes) said about each finding: present,
        denied, unsure, past... shown beside its question in the check."""
        if not episode.notes.strip():
            return {}
        from neckcheck.nlp import extract

        found: dict[str, list[Mention]] = {}
        for mention in extract(episode.notes, now=episode.created_at).mentions:
            found.setdefault(mention.finding, []).append(mention)
        return found

    @staticmethod
    def unsure(mentions: dict[str, list[Mention]]) -> list[str]:
        """The findings the person's words left unsure (hedged: "maybe a bit dizzy?"; or
        "stiff neck" with a fever or headache), to ask first in the check."""
        return [f for f, said in mentions.items() if any(m.status == "uncertain" for m in said)]

    def decline(self, episode_id: int) -> Episode:
        """The person chooses not to answer the remaining questions."""
        return self.edit(episode_id, EpisodeUpdate(declined=True))

    def today(self) -> Today:
        recent = self.episodes(limit=50)
        latest = recent[0] if recent else None
        day = self.today_date()
        return Today(
            latest=latest,
            result=self.assess(latest) if latest else None,
            ongoing=[episode for episode in recent if episode.ongoing],
            day=day,
            pain_free_today=bool(
                repo.pain_free_days(
                    session=self.session, patient_id=self.patient_id, first=day, last=day
                )
            ),
            spasm_today=bool(self._episodes_on(day)),
            pain_free=self.pain_free(Period.ending(day, days=TODAY_DAYS, zone=self.zone)),
        )

    def course(self, period: Period, episodes: list[Episode] | None = None) -> Course:
        """The course over ``period`` (its episodes may be given when already read), with
        each episode's history reaching back before the period, as its check does, and the
        pain-free days recorded and estimated (see :meth:`pain_free`)."""
        from neckcheck.patterns import course

        episodes = self.episodes(period, newest_first=False) if episodes is None else episodes
        return course(
            episodes,
            now=self.clock.now(),
            first=period.first,
            last=period.last,
            history=diary_history(self.session, self.patient_id),
            today=self.today_date(),
            counted=self.pain_free(period),
        )

    # --- pain-free days ---------------------------------------------------------------------

    def began(self, diary: list[Episode] | None = None) -> date:
        """The day the diary began: its first entry (an episode or a pain-free day, imported
        ones included) or the creation of the account, whichever came first. Days with
        nothing logged are estimated pain-free only from then on. ``diary``: its episodes,
        oldest first, when already read."""
        created = repo.patient_created(session=self.session, patient_id=self.patient_id)
        days = [created.astimezone(self.zone).date()]
        first = self.episodes(limit=1, newest_first=False) if diary is None else diary[:1]
        days += [episode.started_at.date() for episode in first]
        days += repo.pain_free_days(session=self.session, patient_id=self.patient_id)[:1]
        return min(days)

    def pain_free(self, period: Period, diary: list[Episode] | None = None) -> PainFree:
        """Pain-free days in ``period``: those the person recorded, and, apart, an estimate
        of the days with nothing logged since the diary began (never before; see
        :mod:`neckcheck.patterns.days`). ``diary``: all its episodes, oldest first, when
        already read (the report reads them all), instead of asking the database again."""
        start, end = period.bounds()
        # Episodes that started before the period but reached into it count too.
        after, before = start - timedelta(days=1), end + timedelta(days=1)
        touching = (
            repo.episodes_overlapping(
                session=self.session, patient_id=self.patient_id, start=after, end=before
            )
            if diary is None
            else [
                e
                for e in diary
                if e.started_at < before and (e.ended_at is None or e.ended_at >= after)
            ]
        )
        recorded = repo.pain_free_days(
            session=self.session, patient_id=self.patient_id, first=period.first, last=period.last
        )
        return pain_free(
            touching,
            recorded,
            first=period.first,
            last=period.last,
            today=self.today_date(),
            now=self.clock.now(),
            since=self.began(diary),
        )

    def pain_free_days(self, period: Period) -> list[PainFreeDay]:
        """The days recorded as pain-free in ``period``, oldest first."""
        records = repo.pain_free_records(
            session=self.session, patient_id=self.patient_id, first=period.first, last=period.last
        )
        return [PainFreeDay(day=day, recorded_at=at) for day, at in records]

    def _episodes_on(self, day: date) -> list[Episode]:
        """Episodes that touched ``day`` (as :func:`neckcheck.patterns.days.day_span` counts
        days: in the time zone each was logged in)."""
        start, end = Period(day, day, self.zone).bounds()
        now = self.clock.now()
        # A day runs at most 14 hours either side of the person's zone's: read a day more
        # each way, and keep those whose own days include it.
        near = repo.episodes_overlapping(
            session=self.session,
            patient_id=self.patient_id,
            start=start - timedelta(days=1),
            end=end + timedelta(days=1),
        )
        spans = [(episode, day_span(episode.started_at, episode.ended_at, now)) for episode in near]
        return [episode for episode, (first, last) in spans if first <= day <= last]

    def no_spasm(self, day: date | None = None) -> PainFreeDay:
        """Record ``day`` (default today) as pain-free; recording it again changes nothing.

        Refused (InputError on ``day``) for a day that has not begun, and for a day with a
        logged spasm: a day with a spasm is not pain-free. (The other way round, logging a
        spasm on a day recorded as pain-free removes the record: see :meth:`log`.)
        """
        self._may()
        today = self.today_date()
        day = today if day is None else day
        if day > today:
            raise InputError("is in the future: record a day once it has begun", field="day")
        if day < EARLIEST_DAY:
            raise InputError(f"must be {EARLIEST_DAY} or later", field="day")
        spasms = self._episodes_on(day)
        if spasms:
            episode = spasms[-1]
            going_on = ", still going on" if episode.ongoing else ""
            raise InputError(
                f"a spasm is logged on {day:%a %d %b %Y} (it started "
                f"{format_moment(episode.started_at)}{going_on}), so it was not a pain-free "
                "day",
                field="day",
            )
        recorded_at = repo.mark_pain_free(
            session=self.session, patient_id=self.patient_id, day=day, now=self.clock.now()
        )
        return PainFreeDay(day=day, recorded_at=recorded_at)

    def undo_no_spasm(self, day: date | None = None) -> None:
        """Forget that ``day`` (default today) was recorded as pain-free."""
        self._may()
        day = self.today_date() if day is None else day
        removed = repo.unmark_pain_free(
            session=self.session, patient_id=self.patient_id, first=day, last=day
        )
        if not removed:
            raise NotFoundError(f"no pain-free day is recorded on {day.isoformat()}")

    def _not_pain_free(self, episodes: Sequence[EpisodeCreate]) -> None:
        """A logged spasm wins over a "no spasm" recorded for the days it touched (the
        person may have tapped it in the morning and had a spasm at night)."""
        now = self.clock.now()
        for data in episodes:
            first, last = day_span(data.started_at, data.ended_at, now)
            repo.unmark_pain_free(
                session=self.session, patient_id=self.patient_id, first=first, last=last
            )

    def insights(self, period: Period) -> Insights:
        """Course, triggers and remedies over ``period``."""
        self._may(Action.insights)
        from neckcheck.patterns import remedy_stats, trigger_stats

        start, end = period.bounds()
        episodes = self.episodes(period, newest_first=False)
        # Diary-only answers, kept per diary version (the course depends on the clock).
        triggers, remedies = repo.cached(
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
        from neckcheck.services.outcomes import Outcomes

        diary = self.episodes(newest_first=False)
        name = self.name()
        data = build_report(
            diary,
            first=period.first,
            last=period.last,
            now=self.clock.now(),
            # "Me", local mode's name until the person gives theirs, names nobody.
            patient=None if name == repo.LOCAL_PATIENT_NAME else name,
            profile=self.profile(),
            pain_free=self.pain_free(period, diary),
            outcomes=[line.clinical for line in Outcomes(self).lines()],
        )
        return render_pdf(data)

    def export(
        self, kind: str, *, fhir_bundle: FhirBundle = "transaction", period: Period | None = None
    ) -> Export:
        """The diary as JSON (lossless, importable), CSV or a FHIR Bundle: by default a
        transaction a FHIR server takes as it is, or a ``collection``. With a ``period``, only
        the episodes that started in it and the check-ins made in it (the file's name says
        which days). ``checkins`` is the weekly check-ins as CSV, every one of them (its count
        is of check-ins)."""
        self._may(Action.export)
        from neckcheck.interop import plain
        from neckcheck.services.outcomes import Outcomes, export_records

        if kind not in _EXPORT_TYPES:
            raise InputError(
                f"no export called {kind!r}; try json, csv, checkins or fhir", field="format"
            )
        if kind == "checkins":
            header, rows = Outcomes(self).table()
            return Export(
                [plain.csv_table(header, rows)],
                _EXPORT_TYPES[kind],
                "neckcheck-check-ins.csv",
                len(rows),
            )
        episodes = self.episodes(period, newest_first=False)
        now = self.clock.now()
        chunks: Iterable[str]
        if kind == "json":
            everything = Period(EARLIEST_DAY, self.today_date(), self.zone)
            free_days = self.pain_free_days(period or everything)
            activities, check_ins = export_records(Outcomes(self), period)
            chunks = [
                plain.export_json(
                    episodes,
                    now=now,
                    pain_free_days=free_days,
                    activities=activities,
                    check_ins=check_ins,
                )
            ]
        elif kind == "csv":
            chunks = [plain.export_csv(episodes)]
        else:
            chunks = self._fhir(episodes, fhir_bundle, period)
        days = f"-{period.first}-to-{period.last}" if period is not None else ""
        filename = f"neckcheck-diary{days}.{_EXPORT_SUFFIX[kind]}"
        return Export(chunks, _EXPORT_TYPES[kind], filename, len(episodes))

    def _fhir(
        self, episodes: list[Episode], kind: FhirBundle, period: Period | None = None
    ) -> Iterable[str]:
        """The FHIR Bundle of ``episodes`` (oldest first) and of the check-ins of ``period``
        (all when None), made and validated an episode at a time as it is read; everything it
        needs from the database is read now."""
        from neckcheck.interop import fhir
        from neckcheck.services.outcomes import Outcomes
        from neckcheck.storage.repo import LOCAL_PATIENT_NAME

        origins = repo.episode_origins(session=self.session, patient_id=self.patient_id)
        outcomes = Outcomes(self)
        check_ins = outcomes.check_ins(period)
        activity_names = outcomes.activity_names()
        name = self.name()
        checked = self._checker()
        namespace = repo.install_namespace(session=self.session)
        birth_year = self.profile().birth_year
        now = self.clock.now()

        def pieces() -> Iterator[str]:
            record = fhir.DiaryRecord(
                namespace=namespace,
                patient_id=self.patient_id,
                # "Me", local mode's name until the person gives theirs, names nobody.
                name=None if name == LOCAL_PATIENT_NAME else name,
                birth_year=birth_year,
                episodes=(
                    fhir.EpisodeRecord(episode, origins[episode.id], checked(episode))
                    for episode in episodes
                ),
                check_ins=check_ins,
                activity_names=activity_names,
            )
            return fhir.bundle_chunks(record, now=now, kind=kind)

        return _Pieces(pieces)

    # --- changing ---------------------------------------------------------------------------

    def _refuse_the_future(self, episodes: list[EpisodeCreate], *, numbered: bool = False) -> None:
        """InputError naming each episode (``episodes.N.`` when ``numbered``) that starts or
        ends later than the clock allows: a diary records what has happened, so nothing in it
        ends in the future (an episode still going on has no end)."""
        latest = self.clock.now() + CLOCK_SKEW
        problems = [
            FieldProblem(f"episodes.{index}.{name}" if numbered else name, "is in the future")
            for index, data in enumerate(episodes)
            for name, moment in (("started_at", data.started_at), ("ended_at", data.ended_at))
            if moment is not None and moment > latest
        ]
        if problems:
            raise InputError(problems)

    def log(self, data: EpisodeCreate) -> Episode:
        """Add an episode; its start may not lie in the future. The days it touched are no
        longer recorded as pain-free."""
        return self._log(data).episode

    def sent_with(self, key: str, *, field: str = "idempotency_key") -> Episode | None:
        """The episode an earlier send with the idempotency ``key`` created, or None when the
        key is new (InputError naming ``field`` if it is not a key; NotFoundError if that
        episode has been deleted since)."""
        if not _KEY.fullmatch(key):
            raise InputError("must be 8 to 64 letters, digits, - or _ (a UUID fits)", field=field)
        return repo.sent_with_key(session=self.session, patient_id=self.patient_id, key=key)

    def log_once(self, data: EpisodeCreate, key: str, *, field: str = "idempotency_key") -> Logged:
        """Add an episode sent with an idempotency ``key`` (a phone sending what it kept
        while offline, until it hears back), once: a send with a key already used returns
        the episode the first send created and changes nothing, whatever it carries. A new
        key logs the episode as :meth:`log` does.

            >>> diary.log_once(data, "5f0c6a4e-8d7b-4c1e-9a51-2f3d4e5a6b7c").created
            True
            >>> diary.log_once(data, "5f0c6a4e-8d7b-4c1e-9a51-2f3d4e5a6b7c").created
            False
        """
        return self._log(data, key, field=field)

    def _log(self, data: EpisodeCreate, key: str | None = None, *, field: str = "") -> Logged:
        """The one way an episode is logged; a ``key`` only adds its claim, before anything
        is written."""
        self._may()
        if key is not None and (earlier := self.sent_with(key, field=field)) is not None:
            return Logged(earlier, created=False)
        self._refuse_the_future([data])
        now = self.clock.now()
        if key is not None:
            earlier = repo.claim_episode_key(
                session=self.session, patient_id=self.patient_id, key=key, now=now
            )
            if earlier is not None:  # another send with the key won the claim meanwhile
                return Logged(earlier, created=False)
        self._not_pain_free([data])
        episode = repo.create_episode(
            session=self.session, patient_id=self.patient_id, data=data, now=now
        )
        self._watch(episode)
        if key is not None:
            repo.keep_episode_key(
                session=self.session, patient_id=self.patient_id, key=key, episode_id=episode.id
            )
        return Logged(episode, created=True)

    def edit(self, episode_id: int, changes: EpisodeUpdate) -> Episode:
        """Change the fields ``changes`` sets; the edited episode is checked as a whole
        before anything is written."""
        self._may()
        data = self.episode(episode_id).apply(changes)
        self._refuse_the_future([data])
        self._not_pain_free([data])
        episode = repo.update_episode(
            session=self.session,
            patient_id=self.patient_id,
            episode_id=episode_id,
            data=data,
            now=self.clock.now(),
        )
        self._watch(episode)
        return episode

    def _watch(self, episode: Episode) -> None:
        """After a change: the alerts of the clinicians the patient shares with (see
        :mod:`neckcheck.services.alerts`)."""
        from neckcheck.services import alerts

        alerts.watch(self.session, episode, check=self.assess, now=self.clock.now())

    def watchers(self) -> list[str]:
        """The names of the clinicians who see this diary's episodes that need attention."""
        from neckcheck.storage import accounts, alerts

        names = []
        for clinician_id in alerts.sharing_clinicians(
            session=self.session, patient_id=self.patient_id
        ):
            user = accounts.get_user(session=self.session, user_id=clinician_id)
            if user is not None:
                names.append(user.display_name)
        return sorted(names)

    def end(self, episode_id: int) -> Episode:
        """Mark an ongoing episode as over now (an ended one stays as it is)."""
        episode = self.episode(episode_id)
        if not episode.ongoing:
            return episode
        return self.edit(episode_id, EpisodeUpdate(ended_at=self.clock.now()))

    def delete(self, episode_id: int) -> None:
        self._may()
        repo.delete_episode(session=self.session, patient_id=self.patient_id, episode_id=episode_id)

    def import_(self, kind: str, text: str, *, as_mine: bool = False) -> ImportResult:
        """Add the episodes and check-ins of a neckcheck JSON export or a FHIR Bundle: every
        record is checked first, and if any is wrong nothing is added (InputError names the
        record).

        A FHIR import adds only episodes the diary does not hold yet (by the identifier of
        the record each came from, or for its own exports, of the episode), and check-ins at
        moments it holds none, so importing the same Bundle twice changes nothing. A Bundle
        whose Patient is another person (its identifier is not this diary's) is refused,
        unless ``as_mine`` says the records are this person's all the same (their diary
        exported from another installation).
        """
        self._may()
        from neckcheck.interop import fhir, plain
        from neckcheck.services.outcomes import Outcomes, import_records

        if kind == "json":
            document = plain.import_json(text)
            episodes = document.episodes
            self._refuse_the_future(episodes, numbered=True)
            today = self.today_date()
            for index, record in enumerate(document.pain_free_days):
                if not EARLIEST_DAY <= record.day <= today:
                    raise InputError(
                        f"must be between {EARLIEST_DAY} and today",
                        field=f"pain_free_days.{index}.day",
                    )
            self._not_pain_free(episodes)
            check_ins = import_records(Outcomes(self), document.activities, document.check_ins)
            added = repo.add_episodes(
                session=self.session,
                patient_id=self.patient_id,
                items=episodes,
                now=self.clock.now(),
            )
            # A day with a spasm is not pain-free: such a record is left out.
            days = [r for r in document.pain_free_days if not self._episodes_on(r.day)]
            for record in days:
                repo.mark_pain_free(
                    session=self.session,
                    patient_id=self.patient_id,
                    day=record.day,
                    now=record.recorded_at,
                )
            return ImportResult(added, 0, len(days), check_ins)
        if kind != "fhir":
            raise InputError(f"cannot import {kind!r}; use json or fhir", field="format")
        namespace = repo.install_namespace(session=self.session)
        person = None if as_mine else fhir.patient_identifier(namespace, self.patient_id)
        read = fhir.import_bundle(text, zone=self.zone, person=person)
        items = read.episodes
        self._refuse_the_future([item.data for item in items], numbered=True)
        held = {
            fhir.episode_key(
                origin, namespace=namespace, patient_id=self.patient_id, episode_id=episode_id
            )
            for episode_id, origin in repo.episode_origins(
                session=self.session, patient_id=self.patient_id
            ).items()
        }
        new = [item for item in items if fhir.source_key(item.source_id) not in held]
        # Checked (as the episodes were) before anything is written.
        check_ins = import_records(Outcomes(self), read.activities, read.check_ins)
        if new:
            self._not_pain_free([item.data for item in new])
            repo.add_episodes(
                session=self.session, patient_id=self.patient_id, items=new, now=self.clock.now()
            )
        return ImportResult(len(new), len(items) - len(new), check_ins=check_ins)
