"""An episode's fields, named once for every adapter: the domain's name, the form's input
name, the command line's flag, the closed vocabulary of its values, its help and its question.

    >>> EPISODE_FIELDS["regions"].form, EPISODE_FIELDS["regions"].flag
    ('region', '--region')
    >>> EPISODE_FIELDS.by_form("movement").name
    'limited_movements'

The Log form (:mod:`neckcheck.web.forms`), the ``log`` and ``edit`` flags
(:mod:`neckcheck.cli.episode_flags`) and ``neckcheck log``'s questions are made from this
table; each field's label is the knowledge base's (``labels.yaml``'s ``fields``). Values are
checked once, by the domain's models, so an error reads the same everywhere and names the
field as the person met it (the form's field, the flag).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from neckcheck.vocab import Activity, Helped, Movement, Onset, PainQuality, Region

__all__ = ["EPISODE_FIELDS", "EpisodeField", "EpisodeFields", "values_of"]

_WHEN = "now, HH:MM (today) or 2026-05-01T08:30[+02:00]"


def values_of(vocabulary: type[StrEnum], between: str = ", ") -> str:
    """Every value of a vocabulary, in its order (so that help lists them all)."""
    return between.join(member.value for member in vocabulary)


@dataclass(frozen=True)
class EpisodeField:
    """One field of an episode as each adapter names it.

    ``form`` is the HTML input's name (the error summary names the field by it); ``flag`` the
    long option of ``log`` and ``edit`` (its parameter is the flag without dashes); ``many``
    a list (repeated checkboxes, a repeatable flag, a comma-separated answer); ``number`` a
    whole number; ``vocabulary`` the closed set of values, when there is one; ``prompt`` the
    question ``neckcheck log`` asks for it (empty: it asks none of its own)."""

    name: str
    form: str
    flag: str
    help: str
    short: str | None = None
    many: bool = False
    number: bool = False
    vocabulary: type[StrEnum] | None = None
    prompt: str = ""

    @property
    def parameter(self) -> str:
        """The flag's parameter name in a command's signature."""
        return self.flag.removeprefix("--")

    @property
    def label(self) -> str:
        """The field's label in the knowledge base (e.g. "Where it hurts")."""
        from neckcheck.knowledge import load

        return load().labels.fields[self.name]


class EpisodeFields(Mapping[str, EpisodeField]):
    """The table, by domain name, in the order ``neckcheck log`` asks (and its help lists
    the flags), with lookups by form name."""

    def __init__(self, *fields: EpisodeField) -> None:
        self._fields = {f.name: f for f in fields}
        self._by_form = {f.form: f for f in fields}

    def __getitem__(self, name: str) -> EpisodeField:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def by_form(self, form: str) -> EpisodeField:
        return self._by_form[form]

    def form_of(self, name: str) -> str:
        """The form field an error about domain field ``name`` is shown beside (``name``
        itself when it is no episode field's)."""
        return self._fields[name].form if name in self._fields else name

    def repeated(self) -> list[EpisodeField]:
        """The list fields whose values are plain words (not remedies, each with how it
        helped, nor the answered warning signs): repeated checkboxes on the form."""
        return [f for f in self.values() if f.many and f.name not in ("remedies", "absent")]


EPISODE_FIELDS = EpisodeFields(
    EpisodeField(
        "started_at",
        "started_at",
        "--start",
        f"When it started: {_WHEN}.",
        prompt="When did it start? (now, HH:MM or a date-time)",
    ),
    EpisodeField(
        "ended_at",
        "ended_at",
        "--end",
        "When it stopped (same forms as --start). Leave out while it goes on.",
        prompt="When did it stop?",
    ),
    EpisodeField(
        "intensity",
        "intensity",
        "--intensity",
        "Worst pain from 0 (none) to 10 (worst imaginable).",
        short="-n",
        number=True,
        prompt="Worst pain, 0-10",
    ),
    EpisodeField(
        "onset",
        "onset",
        "--onset",
        f"{values_of(Onset, ' or ')}.",
        vocabulary=Onset,
        prompt=f"Did it start suddenly or gradually? ({values_of(Onset, '/')})",
    ),
    EpisodeField(
        "regions",
        "region",
        "--region",
        f"Where it hurts: {values_of(Region)}. Repeatable.",
        many=True,
        vocabulary=Region,
        prompt="Where does it hurt? (e.g. upper_left, lower_right, shoulder_left)",
    ),
    EpisodeField(
        "limited_movements",
        "movement",
        "--limited",
        f"Limited movement: {values_of(Movement)}. Repeatable.",
        many=True,
        vocabulary=Movement,
        prompt="Which movements are limited? (e.g. rotation_left, flexion)",
    ),
    EpisodeField(
        "pain_qualities",
        "quality",
        "--quality",
        f"Pain quality: {values_of(PainQuality)}. Repeatable.",
        many=True,
        vocabulary=PainQuality,
        prompt=f"How does the pain feel? ({values_of(PainQuality)})",
    ),
    EpisodeField(
        "findings",
        "symptom",
        "--finding",
        "A symptom or sign present (see `neckcheck findings`). Repeatable.",
        short="-f",
        many=True,
        prompt="Other symptoms? (ids such as headache, dizziness; see `neckcheck findings`)",
    ),
    EpisodeField(
        "absent",
        "flags",
        "--absent",
        "A symptom or sign you checked and do not have. Repeatable.",
        many=True,
    ),
    EpisodeField(
        "triggers",
        "trigger",
        "--trigger",
        "What may have set it off (see `neckcheck findings`). Repeatable.",
        short="-t",
        many=True,
        prompt="Possible triggers? ({triggers})",
    ),
    EpisodeField(
        "activities_affected",
        "activity",
        "--affects",
        f"Activity affected: {values_of(Activity)}. Repeatable.",
        many=True,
        vocabulary=Activity,
        prompt=f"Activities affected? ({values_of(Activity)})",
    ),
    EpisodeField(
        "remedies",
        "remedies",
        "--remedy",
        f"A remedy tried and how it helped, e.g. heat=some ({values_of(Helped)}). Repeatable.",
        short="-r",
        many=True,
        vocabulary=Helped,
        prompt=f"Remedies tried, as remedy={values_of(Helped, '|')} (e.g. heat=some)",
    ),
    EpisodeField(
        "stress",
        "stress",
        "--stress",
        "Stress level, 0-10.",
        number=True,
        prompt="Stress level 0-10",
    ),
    EpisodeField("notes", "notes", "--notes", "Free-text notes.", prompt="Notes"),
)
