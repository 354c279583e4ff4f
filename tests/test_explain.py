"""A result told once: the action first, each reason once and without the action it leads
with, each piece of advice once (neckcheck.explain), over every triage vignette."""

from __future__ import annotations

from typing import Any

import pytest

from neckcheck import Findings, assess
from neckcheck.explain import explain, lead_sentences
from neckcheck.knowledge import load
from neckcheck.levels import Level
from tests.engine.conftest import load_vignettes

SCREENED = list(load().screening.findings)


def _documents() -> list[Any]:
    cases = []
    for case in load_vignettes():
        doc = Findings.model_validate(case["doc"])
        cases.append(pytest.param(doc, id=case["name"]))
        answered = [f for f in SCREENED if f not in doc.findings]
        complete = doc.model_copy(update={"absent": answered, "age_years": 40})
        cases.append(pytest.param(complete, id=case["name"] + ", every sign asked"))
    return cases


@pytest.mark.parametrize("doc", _documents())
def test_every_reason_and_advice_once_and_the_action_first(doc: Findings) -> None:
    result = assess(doc)
    told = explain(result)
    leads = lead_sentences()
    # Every matched rule gives exactly one reason, grouped by level, most urgent first.
    assert sorted(r.rule for g in told.groups for r in g.reasons) == sorted(
        f.id for f in result.matched_rules
    )
    ranks = [group.level.rank for group in told.groups]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    for group in told.groups:
        assert group.title == load().advice.levels[group.level].title
        for reason in group.reasons:
            assert reason.text  # never emptied
            lead = leads.get(group.level)
            assert lead is None or not reason.text.startswith(lead + ".")
    # Every piece of advice is said exactly once: as the action, the open note or the rest.
    said = [a.text for a in told.advice] + [told.action.text]
    said += [told.open_note.text] if told.open_note else []
    given = [a.text for a in result.advice]
    assert sorted(t for t in said if t in given) == sorted(given)
    assert len(said) == len(set(said))
    assert (told.open_note is not None) == (not result.complete)


@pytest.mark.parametrize("level", [Level.emergency, Level.urgent, Level.soon, Level.routine])
def test_each_level_but_self_care_has_its_action_said_in_full(level: Level) -> None:
    actions = [item for item in load().advice.items if item.action and level in item.levels]
    assert len(actions) == 1
    assert actions[0].when is None and actions[0].levels == [level]


def test_three_recurring_rules_say_book_a_visit_once() -> None:
    doc = Findings.model_validate(
        {
            "findings": ["neck_pain"],
            "absent": SCREENED,
            "age_years": 40,
            "duration_hours": 200,
            "history": {"episodes_last_30_days": 4, "weeks_with_symptoms": 13},
        }
    )
    result = assess(doc)
    assert {f.id for f in result.matched_rules} == {"lingering", "recurring", "chronic"}
    told = explain(result)
    words = [told.title, told.action.text]
    words += [r.text for g in told.groups for r in g.reasons] + [a.text for a in told.advice]
    assert sum(text.count("Book a visit") for text in words) == 2  # the title and the action
    assert [r.text for r in told.groups[0].reasons][1] == (
        "Spasms that keep coming back (3 or more in 30 days) are worth having their cause found."
    )


def test_a_rule_with_an_action_of_its_own_keeps_it() -> None:
    doc = Findings.model_validate({"findings": ["recent_throat_or_ear_infection"], "age_years": 8})
    result = assess(doc)
    rule = next(flag for flag in result.matched_rules if flag.id == "child_torticollis")
    reasons = [r.text for g in explain(result).groups for r in g.reasons]
    assert " ".join(rule.message.split()) in reasons
    assert rule.message.startswith("Have a doctor see the child today.")
