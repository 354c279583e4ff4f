"""The interview of an episode's check, one for the pages and the command line: the next
step (the warning signs the person's own words left unsure, then the screening groups, then
what a partly met rule still needs), and an answer to it as the person gave it::

    interview = Interview(diary, episode_id)
    step = interview.step()                       # None: nothing left that could raise it
    step = interview.answer({"fever": "no", "onset": "sudden"})
    step = interview.answer({}, none_of_these=True)   # a group's "None of these"

An answer is read here, not by the adapters: a warning sign is ``yes`` or ``no``, the onset
one of the vocabulary's, an age a whole number within the findings document's bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from neckcheck.domain import MAX_AGE_YEARS, Episode
from neckcheck.errors import InputError
from neckcheck.services.diary import Diary, Step
from neckcheck.vocab import Onset

if TYPE_CHECKING:
    from neckcheck.nlp import Mention

__all__ = ["NOT_WARNING_SIGNS", "Interview"]

# The questions of a step that are not warning signs: "None of these" does not answer them.
NOT_WARNING_SIGNS = frozenset({"onset", "age_years"})
_YES, _NO = "yes", "no"


class Interview:
    """The check's questions about one episode of ``diary`` (opened to write)."""

    def __init__(self, diary: Diary, episode_id: int) -> None:
        self.diary = diary
        self.episode_id = episode_id
        self._mentions: dict[str, list[Mention]] | None = None

    def episode(self) -> Episode:
        return self.diary.episode(self.episode_id)

    def mentions(self) -> dict[str, list[Mention]]:
        """What the person's own words said about each finding (shown beside its question),
        read once."""
        if self._mentions is None:
            self._mentions = self.diary.mentions(self.episode())
        return self._mentions

    def unsure(self) -> list[str]:
        """The warning signs the person's words left unsure: asked first."""
        return self.diary.unsure(self.mentions())

    def step(self) -> Step | None:
        """What to ask now, or None when nothing that could raise the level is left open (or
        the person declined the rest)."""
        return self.diary.next_step(self.episode(), self.unsure())

    def answer(self, raw: Mapping[str, object], *, none_of_these: bool = False) -> Step | None:
        """Record the answers to the current step, as given (text), and say the next step.
        ``none_of_these`` answers each warning sign of the step no (not the onset or an age,
        which are not warning signs). An answer that is not one (``maybe``, an age of 300)
        is left unanswered; InputError when the step got no answer at all."""
        step = self.step()
        if step is None:
            return None
        answers: dict[str, bool | int | str] = {}
        if none_of_these:
            answers = {name: False for name in step.questions if name not in NOT_WARNING_SIGNS}
        else:
            for name in step.questions:
                value = _read(name, str(raw.get(name, "") or ""))
                if value is not None:
                    answers[name] = value
        if not answers:
            raise InputError("answer at least one of the questions", field="answer")
        self.diary.answer(self.episode_id, answers)
        return self.step()

    def decline(self) -> None:
        """The person chooses not to answer the remaining questions."""
        self.diary.decline(self.episode_id)


def _read(name: str, text: str) -> bool | int | str | None:
    """One answer as the person gave it, or None when it is not an answer to ``name``."""
    given = text.strip().lower()
    if name == "onset":
        return given if given in {o.value for o in Onset} else None
    if name == "age_years":
        return int(given) if given.isdigit() and int(given) <= MAX_AGE_YEARS else None
    if given in (_YES, _NO):
        return given == _YES
    return None
