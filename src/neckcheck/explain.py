"""An assessment told to a person, saying each thing once.

The engine's assessment lists every matched rule and every advice item, and each rule's
message leads with its level's action ("See a doctor today. ..."), so that a rule read alone
is complete. Read together on one page that repeats the action: three rules of the same
level said "Book a visit ..." three times, and the advice said it once more. ``explain``
arranges the same content so that the action comes first and once:

* ``action``: the level's action in full (the advice item marked ``action`` in
  ``advice.yaml``, else the level's meaning), shown under the level's title;
* ``groups``: the reasons, grouped by level, most urgent first; a reason leaves out the
  action sentence its level's messages lead with, since its group already says it (a
  message that leads with an action of its own, such as "Have a doctor see the child
  today", is kept whole);
* ``advice``: what else to do, without the action and without the note that some warning
  signs are still unanswered, which is ``open_note``, shown where the open questions are.

    >>> document = {"findings": ["neck_pain"], "history": {"episodes_last_30_days": 4}}
    >>> told = explain(assess(Findings.model_validate(document)))
    >>> told.groups[0].reasons[0].text
    'Spasms that keep coming back (3 or more in 30 days) are worth having their cause found.'

Nothing is left out: every rule's reason and every advice item appears exactly once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from neckcheck.domain import AdviceText, Assessment
from neckcheck.levels import Level

if TYPE_CHECKING:
    from neckcheck.knowledge import KnowledgeBase

__all__ = ["Explanation", "Reason", "ReasonGroup", "explain", "lead_sentences"]


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str
    sources: list[str]


@dataclass(frozen=True)
class ReasonGroup:
    level: Level
    title: str  # the level's action, in short (its title)
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class Explanation:
    level: Level
    title: str
    action: AdviceText
    groups: list[ReasonGroup]
    advice: list[AdviceText]
    open_note: AdviceText | None


def _first_sentence(message: str) -> tuple[str, str]:
    head, dot, rest = message.partition(". ")
    return (head, rest.strip()) if dot else (message, "")


def _normal(text: str) -> str:
    return " ".join(text.split())


def _leads(knowledge: KnowledgeBase) -> dict[Level, str]:
    counts: dict[Level, Counter[str]] = {}
    for rule in knowledge.rules:
        counts.setdefault(rule.level, Counter())[_first_sentence(_normal(rule.message))[0]] += 1
    return {
        level: sentence
        for level, counter in counts.items()
        for sentence, times in counter.most_common(1)
        if times >= 2
    }


def lead_sentences(knowledge: KnowledgeBase | None = None) -> dict[Level, str]:
    """The action sentence most rule messages of each level lead with (without its full
    stop), for the levels where two or more rules share one."""
    if knowledge is None:
        from neckcheck.knowledge import load

        knowledge = load()
    return _leads(knowledge)


def explain(result: Assessment, knowledge: KnowledgeBase | None = None) -> Explanation:
    """``result`` arranged to say each thing once (see the module's documentation)."""
    if knowledge is None:
        from neckcheck.knowledge import load

        knowledge = load()
    leads = _leads(knowledge)
    levels = knowledge.advice.levels
    groups: dict[Level, ReasonGroup] = {}
    for flag in sorted(result.matched_rules, key=lambda f: f.level.rank):
        lead, rest = _first_sentence(_normal(flag.message))
        text = rest if rest and leads.get(flag.level) == lead else _normal(flag.message)
        group = groups.setdefault(flag.level, ReasonGroup(flag.level, levels[flag.level].title))
        group.reasons.append(Reason(flag.id, text, list(flag.sources)))
    items = {_normal(item.text): item for item in knowledge.advice.items}
    action: AdviceText | None = None
    advice: list[AdviceText] = []
    open_note: AdviceText | None = None
    for given in result.advice:
        item = items.get(_normal(given.text))
        if item is not None and item.action and result.level in item.levels and action is None:
            action = given
        elif item is not None and item.incomplete_only and open_note is None:
            open_note = given
        else:
            advice.append(given)
    if action is None:
        action = AdviceText(text=levels[result.level].meaning, sources=[])
    return Explanation(
        level=result.level,
        title=levels[result.level].title,
        action=action,
        groups=list(groups.values()),
        advice=advice,
        open_note=open_note,
    )
