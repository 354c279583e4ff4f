"""Outcome measures of a diary: the weekly check-in, the activities a person finds hard, and
the change since a baseline, said in plain words for the person and in clinical words for
the clinician::

    outcomes = Outcomes(diary)
    named = outcomes.set_activities(["Reversing the car", "Lifting my child", "Reading"])
    outcomes.check_in({"nprs": {"pain": "6"}, "psfs": {str(a.id): "3" for a in named}})
    [line.patient for line in outcomes.lines()]  # after a later check-in, the change

The measures (items, scales, the smallest change that matters and its sources) are the data
of ``knowledge/data/measures.yaml``; nothing here names one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from neckcheck.errors import FieldProblem, InputError, NotFoundError
from neckcheck.interop.plain import ActivityRecord, CheckInRecord
from neckcheck.knowledge import load
from neckcheck.knowledge.models import Measure
from neckcheck.patterns.outcomes import CheckIn, Progress, progress, score
from neckcheck.services.access import Action
from neckcheck.services.diary import CLOCK_SKEW, Diary
from neckcheck.storage import outcomes as store
from neckcheck.storage.outcomes import Activity
from neckcheck.timeparse import EARLIEST_DAY, Period

__all__ = ["Activity", "Line", "Outcomes", "export_records", "import_records", "points"]

NAME_LENGTH = 120


def points(value: float) -> str:
    """A score or a change as people read it: ``3``, ``2.5``, ``1.3`` (one decimal)."""
    rounded = round(float(value), 1)
    return f"{rounded:.0f}" if rounded.is_integer() else f"{rounded:.1f}"


def _points_word(value: float) -> str:
    return f"{points(value)} point" if points(value) == "1" else f"{points(value)} points"


def cite(keys: Sequence[str]) -> str:
    """Sources as a clinician reads them beside a figure: ``Cleland 2008``."""
    kb = load()
    return "; ".join(kb.source(key).short_citation() for key in keys)


@dataclass(frozen=True)
class Line:
    """One measure's progress, said twice."""

    progress: Progress
    patient: str  # "Your usual pain is 2 points lower than on 2 Nov (6 -> 4): a change ..."
    clinical: str  # "NPRS 6 -> 4 (-2) since 02 Nov 2026: clinically important improvement ..."


class Outcomes:
    """The check-ins of ``diary`` (opened to write for a check-in, to read the insights for
    the progress)."""

    def __init__(self, diary: Diary) -> None:
        self.diary = diary
        self.measures = load().measures

    # --- activities ---------------------------------------------------------------------

    def personal(self) -> Measure | None:
        """The measure whose items the person names (the activities), if there is one."""
        return next((m for m in self.measures.measures if m.personal is not None), None)

    def activities(self) -> list[Activity]:
        """The activities being rated now, in the order they were named."""
        return store.activities(session=self.diary.session, patient_id=self.diary.patient_id)

    def activity_names(self) -> dict[str, str]:
        """Every activity ever named, removed ones too, by its item id (its id as text)."""
        every = store.activities(
            session=self.diary.session, patient_id=self.diary.patient_id, current=False
        )
        return {str(activity.id): activity.name for activity in every}

    def suggestions(self) -> list[str]:
        """What the diary's episodes say got in the way, most often first, as names to start
        from; those already named are left out."""
        labels = load().labels.activities_affected
        seen = Counter(
            activity
            for episode in self.diary.episodes(limit=500)
            for activity in episode.activities_affected
        )
        named = {a.name.casefold() for a in self.activities()}
        return [
            labels.get(activity, activity)
            for activity, _ in seen.most_common()
            if labels.get(activity, activity).casefold() not in named
        ]

    def set_activities(self, names: Sequence[str], *, by: int | None = None) -> list[Activity]:
        """The activities to rate from now on, as ``names`` lists them: a name already rated
        keeps its ratings, one left out is removed (its past ratings stay), a new one is
        added; ``by`` is the clinician's account that set them (None: the person), on a
        diary opened for :attr:`Action.activities`."""
        self.diary._may(Action.activities)
        measure = self.personal()
        if measure is None or measure.personal is None:
            raise InputError("no measure here has activities of one's own", field="activities")
        cleaned = [" ".join(name.split()) for name in names]
        cleaned = [name for name in cleaned if name]
        problems = [
            FieldProblem(f"activity.{n}", f"must be at most {NAME_LENGTH} characters")
            for n, name in enumerate(cleaned)
            if len(name) > NAME_LENGTH
        ]
        folded = [name.casefold() for name in cleaned]
        if len(set(folded)) != len(folded):
            problems.append(FieldProblem("activities", "names the same activity twice"))
        if not measure.personal.min <= len(cleaned) <= measure.personal.max:
            problems.append(
                FieldProblem(
                    "activities",
                    f"name {measure.personal.min} to {measure.personal.max} activities",
                )
            )
        if problems:
            raise InputError(problems)
        now = self.diary.clock.now()
        current = {a.name.casefold(): a for a in self.activities()}
        store.remove_activities(
            session=self.diary.session,
            patient_id=self.diary.patient_id,
            activity_ids=[a.id for key, a in current.items() if key not in folded],
            now=now,
        )
        for name in cleaned:
            if name.casefold() not in current:
                store.add_activity(
                    session=self.diary.session,
                    patient_id=self.diary.patient_id,
                    measure=measure.id,
                    name=name,
                    by=by,
                    now=now,
                )
        return self.activities()

    # --- check-ins ----------------------------------------------------------------------

    def items(self, measure: Measure) -> list[tuple[str, str]]:
        """The items a check-in asks of ``measure`` now: (item id, label)."""
        if measure.personal is not None:
            return [(str(a.id), a.name) for a in self.activities() if a.measure == measure.id]
        return [(item.id, item.label) for item in measure.items]

    def check_in(
        self, ratings: Mapping[str, Mapping[str, object]], *, at: datetime | None = None
    ) -> CheckIn:
        """Record a check-in made ``at`` (now by default; a phone that was offline sends the
        moment it was made): ``ratings`` by measure id, then item id (a personal item's is
        its activity's id), each a whole number on the measure's scale. A measure may be
        left out; one answered must have every item rated. A moment in the future is
        refused; one the diary holds a check-in at already gives that check-in when the
        ratings are the same (the same check-in sent again: nothing is added), and is
        refused when they differ."""
        self.diary._may(Action.write)
        now = self.diary.clock.now()
        known = {m.id: m for m in self.measures.measures}
        problems = [
            FieldProblem(name, "is not a measure here") for name in ratings if name not in known
        ]
        answers: dict[str, dict[str, int]] = {}
        for measure in self.measures.measures:
            given = ratings.get(measure.id) or {}
            given = {item: value for item, value in given.items() if str(value).strip() != ""}
            if not given:
                continue
            asked = dict(self.items(measure))
            low, high = measure.scale.min, measure.scale.max
            answer: dict[str, int] = {}
            for item in given:
                if item not in asked:
                    problems.append(FieldProblem(f"{measure.id}.{item}", "is not asked now"))
            for item in asked:
                raw = str(given.get(item, "")).strip()
                field = f"{measure.id}.{item}"
                if not raw:
                    problems.append(FieldProblem(field, "rate this one too, or none of them"))
                elif not raw.isdigit() or not low <= int(raw) <= high:
                    problems.append(FieldProblem(field, f"must be a whole number {low} to {high}"))
                else:
                    answer[item] = int(raw)
            answers[measure.id] = answer
        if not problems and not answers:
            problems.append(FieldProblem("", "answer at least one question"))
        if at is not None:
            if at.tzinfo is None:
                problems.append(FieldProblem("at", "must give its time zone (an offset)"))
            elif at > now + CLOCK_SKEW:
                problems.append(FieldProblem("at", "is in the future"))
            elif at.astimezone(self.diary.zone).date() < EARLIEST_DAY:
                problems.append(FieldProblem("at", f"must be on or after {EARLIEST_DAY}"))
        held = self.held(at) if at is not None and not problems else None
        if held is not None:
            if held.answers == answers:
                return held
            problems.append(FieldProblem("at", "another check-in is recorded at this moment"))
        if problems:
            raise InputError(problems)
        return store.add_check_in(
            session=self.diary.session,
            patient_id=self.diary.patient_id,
            at=now if at is None else at,
            answers=answers,
        )

    def check_ins(self, period: Period | None = None) -> list[CheckIn]:
        """Every check-in, oldest first; with ``period``, those made on its days (the
        person's)."""
        made = store.check_ins(session=self.diary.session, patient_id=self.diary.patient_id)
        if period is None:
            return made
        zone = self.diary.zone
        return [c for c in made if period.first <= c.at.astimezone(zone).date() <= period.last]

    def held(self, at: datetime) -> CheckIn | None:
        """The check-in recorded at the moment ``at``, if there is one."""
        return store.check_in_at(
            session=self.diary.session, patient_id=self.diary.patient_id, at=at
        )

    def delete_check_in(self, check_in_id: int) -> None:
        self.diary._may(Action.write)
        if not store.delete_check_in(
            session=self.diary.session, patient_id=self.diary.patient_id, check_in_id=check_in_id
        ):
            raise NotFoundError(f"check-in {check_in_id} not found")

    def next_due(self) -> date:
        """The day the next check-in is due: ``every_days`` after the last one (on the
        person's calendar), or today before the first."""
        last = store.last_check_in_at(session=self.diary.session, patient_id=self.diary.patient_id)
        if last is None:
            return self.diary.today_date()
        every = timedelta(days=self.measures.every_days)
        return last.astimezone(self.diary.zone).date() + every

    def due(self) -> bool:
        return self.diary.today_date() >= self.next_due()

    def table(self) -> tuple[list[str], list[list[object]]]:
        """The check-ins as a table, oldest first: when (in the person's time zone), each
        measure's score, and its items' ratings where it has more than one item or the
        person named them (a column per activity ever named, removed ones too)."""
        names = self.activity_names()
        check_ins = self.check_ins()
        columns: list[tuple[str, str, str | None]] = []  # (header, measure, item or None)
        for measure in self.measures.measures:
            columns.append((measure.id, measure.id, None))
            if measure.personal is not None:
                rated = {item for c in check_ins for item in c.answers.get(measure.id, {})}
                items = [(key, name) for key, name in names.items() if key in rated]
            else:
                items = [(item.id, item.label) for item in measure.items]
            if measure.personal is not None or len(items) > 1:
                columns += [(f"{measure.id}: {label}", measure.id, key) for key, label in items]
        rows: list[list[object]] = []
        for check_in in check_ins:
            row: list[object] = [check_in.at.astimezone(self.diary.zone).isoformat()]
            for _, measure_id, item in columns:
                answered = check_in.answers.get(measure_id, {})
                value = score(answered) if item is None else answered.get(item)
                row.append(None if value is None else points(value))
            rows.append(row)
        return ["checked_in_at", *(header for header, _, _ in columns)], rows

    # --- progress -----------------------------------------------------------------------

    def progress(self, *, baseline: int | None = None) -> list[Progress]:
        return progress(self.measures, self.check_ins(), baseline=baseline)

    def lines(self, *, baseline: int | None = None) -> list[Line]:
        """Each measure's progress since ``baseline`` (the first check-in by default)."""
        return [
            Line(found, self._patient_words(found), self._clinical_words(found))
            for found in self.progress(baseline=baseline)
        ]

    def _day(self, check_in: CheckIn, *, year: bool = False) -> str:
        moment = check_in.at.astimezone(self.diary.zone)
        return f"{moment.day} {moment:%b %Y}" if year else f"{moment.day} {moment:%b}"

    def _patient_words(self, found: Progress) -> str:
        measure = found.measure
        since = self._day(found.baseline)
        scores = f"({points(found.baseline_score)} \u2192 {points(found.latest_score)})"
        if found.change is None:
            return (
                f"{measure.title}: {points(found.latest_score)} out of {measure.scale.max} on "
                f"{since}. The next check-in shows the change since then."
            )
        if found.direction == "same":
            return f"{measure.subject} the same as on {since} {scores}."
        word = measure.better_word if found.direction == "better" else measure.worse_word
        said = f"{measure.subject} {_points_word(abs(found.change))} {word} than on {since}"
        if not found.important:
            return (
                f"{said} {scores}: not yet a change that matters "
                f"({_points_word(measure.important_change)} or more)."
            )
        if found.direction == "worse":
            return f"{said} {scores}: a change that matters; tell whoever treats your neck."
        return f"{said} {scores}: a change that matters."

    def _clinical_words(self, found: Progress) -> str:
        measure = found.measure
        head = f"{measure.short} {points(found.baseline_score)} \u2192 {points(found.latest_score)}"
        since = self._day(found.baseline, year=True)
        mcid = f"MCID {points(measure.important_change)} ({cite(measure.sources)})"
        if found.change is None:
            return f"{measure.short} baseline {points(found.baseline_score)} on {since}; {mcid}"
        raw = found.change if measure.better == "higher" else -found.change
        sign = "+" if raw > 0 else "\u2212" if raw < 0 else "\u00b1"
        verdict = (
            "below the MCID"
            if not found.important
            else f"clinically important {'improvement' if found.change > 0 else 'worsening'}"
        )
        items = [i for i in found.items if i.important]
        extra = ""
        if items and measure.important_item_change is not None:
            names = self.activity_names() if measure.personal is not None else {}
            extra = "; " + ", ".join(
                f"{names.get(i.item, i.item)} {i.baseline} \u2192 {i.latest}" for i in items
            )
            extra += f" (item change \u2265 {points(measure.important_item_change)})"
        return f"{head} ({sign}{points(abs(raw))}) since {since}: {verdict}; {mcid}{extra}"


def export_records(
    outcomes: Outcomes, period: Period | None = None
) -> tuple[list[ActivityRecord], list[CheckInRecord]]:
    """Every activity (removed ones too) and check-in (of ``period``, when given), as a JSON
    export holds them."""
    every = store.activities(
        session=outcomes.diary.session, patient_id=outcomes.diary.patient_id, current=False
    )
    activities = [
        ActivityRecord(
            id=a.id,
            measure=a.measure,
            name=a.name,
            created_at=a.created_at,
            removed_at=a.removed_at,
        )
        for a in every
    ]
    check_ins = [
        CheckInRecord(at=c.at, answers={m: dict(items) for m, items in c.answers.items()})
        for c in outcomes.check_ins(period)
    ]
    return activities, check_ins


def import_records(
    outcomes: Outcomes, activities: Sequence[ActivityRecord], check_ins: Sequence[CheckInRecord]
) -> int:
    """Add an export's activities and check-ins (JSON, or read from a FHIR Bundle): every
    record is checked first, a check-in in the future too (InputError names it, and nothing
    is added); a check-in at a moment the diary holds one already is
    left out, so importing a file twice adds nothing. Returns the check-ins added."""
    outcomes.diary._may(Action.write)
    known = {m.id: m for m in outcomes.measures.measures}
    named = {a.id: a for a in activities}
    problems: list[FieldProblem] = []
    for index, activity in enumerate(activities):
        measure = known.get(activity.measure)
        if measure is None or measure.personal is None:
            problems.append(FieldProblem(f"activities.{index}.measure", "is not a measure here"))
    latest = outcomes.diary.clock.now() + CLOCK_SKEW
    for index, check_in in enumerate(check_ins):
        if check_in.at > latest:
            problems.append(FieldProblem(f"check_ins.{index}.at", "is in the future"))
        for measure_id, ratings in check_in.answers.items():
            where = f"check_ins.{index}.answers.{measure_id}"
            measure = known.get(measure_id)
            if measure is None:
                problems.append(FieldProblem(where, "is not a measure here"))
                continue
            items = {item.id for item in measure.items}
            for item, rating in ratings.items():
                personal = item.isdigit() and int(item) in named
                if not (personal if measure.personal else item in items):
                    problems.append(FieldProblem(f"{where}.{item}", "is not an item of it"))
                elif not measure.scale.min <= rating <= measure.scale.max:
                    problems.append(
                        FieldProblem(
                            f"{where}.{item}",
                            f"must be {measure.scale.min} to {measure.scale.max}",
                        )
                    )
    if problems:
        raise InputError(problems)
    session, patient_id = outcomes.diary.session, outcomes.diary.patient_id
    held = {c.at for c in outcomes.check_ins()}
    new = [c for c in check_ins if c.at not in held]
    if not new:
        return 0
    current = {a.name.casefold(): a for a in outcomes.activities()}
    ids: dict[str, str] = {}
    for record in activities:
        same = current.get(record.name.casefold()) if record.removed_at is None else None
        if same is None:
            same = store.add_activity(
                session=session,
                patient_id=patient_id,
                measure=record.measure,
                name=record.name,
                by=None,
                now=record.created_at,
            )
            if record.removed_at is not None:
                store.remove_activities(
                    session=session,
                    patient_id=patient_id,
                    activity_ids=[same.id],
                    now=record.removed_at,
                )
        ids[str(record.id)] = str(same.id)
    for check_in in new:
        answers = {
            measure_id: {
                (ids[item] if known[measure_id].personal else item): rating
                for item, rating in ratings.items()
            }
            for measure_id, ratings in check_in.answers.items()
        }
        store.add_check_in(session=session, patient_id=patient_id, at=check_in.at, answers=answers)
    return len(new)
