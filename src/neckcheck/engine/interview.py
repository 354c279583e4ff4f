"""The interview: ask what an assessment leaves unanswered, add the answers, assess again.

    >>> final, result = interview(Findings(findings=["fever"]), answer)

``answer(question)`` gives the answer to one question of ``unanswered``: True or False for a
finding id (present or not), a value for a number or ``onset``, or None when the person does
not know (the question is then left open). The web pages and the CLI run the same loop with
a person answering; the safety benchmark and the tests run it with an answer function that
knows the truth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from neckcheck.domain import Assessment, Findings
from neckcheck.engine.assess import assess

if TYPE_CHECKING:
    from neckcheck.knowledge import KnowledgeBase

__all__ = ["interview", "with_answer"]

Answer = bool | int | float | str | None


def with_answer(doc: Findings, question: str, answer: Answer) -> Findings:
    """``doc`` with one more question answered (see the module's docstring)."""
    data: dict[str, Any] = doc.model_dump(exclude_none=True)
    if question in Findings.model_fields:
        data[question] = answer
    elif answer is True:
        data["findings"] = [*data["findings"], question]
    elif answer is False:
        data["absent"] = [*data.get("absent", []), question]
    return Findings.model_validate(data)


def interview(
    start: Findings,
    answer: Callable[[str], Answer],
    *,
    knowledge: KnowledgeBase | None = None,
    rounds: int = 50,
) -> tuple[Findings, Assessment]:
    """Ask every question ``unanswered`` lists, round after round, until nothing new can be
    answered; returns the final document and its assessment."""
    doc = start
    result = assess(doc, knowledge)
    for _ in range(rounds):
        answered = False
        for question in result.unanswered:
            reply = answer(question)
            if reply is not None:
                doc = with_answer(doc, question, reply)
                answered = True
        if not answered:
            break
        result = assess(doc, knowledge)
    return doc, result
