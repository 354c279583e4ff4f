"""How the CLI prints episodes, tables, extractions and assessments for people."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from neckcheck.domain import Assessment, Episode
    from neckcheck.nlp import Extraction

_STYLE = {
    "emergency": ("!!", "red"),
    "urgent": ("!", "red"),
    "soon": ("*", "yellow"),
    "routine": ("i", "blue"),
    "self_care": ("ok", "green"),
}


def moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M %z")


def lasted(episode: Episode, now: datetime) -> str:
    from neckcheck.text import format_hours

    text = format_hours(episode.duration_hours(now))
    return f"{text} so far" if episode.ongoing else text


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def episodes_json(episodes: list[Episode]) -> str:
    return json.dumps([e.model_dump(mode="json") for e in episodes], indent=2, ensure_ascii=False)


def finding_labels(ids: list[str]) -> str:
    from neckcheck.knowledge import load

    kb = load()
    return ", ".join(kb.finding(f).label for f in ids) or "-"


def episode_table(episodes: list[Episode], now: datetime) -> str:
    rows = [
        [
            str(e.id),
            moment(e.started_at),
            lasted(e, now),
            f"{e.intensity}/10",
            e.side or "-",
            finding_labels(e.findings),
        ]
        for e in episodes
    ]
    return table(["ID", "Started", "Lasted", "Worst", "Side", "Symptoms"], rows)


def describe(episode: Episode, now: datetime) -> str:
    """One episode in full, a field a line."""

    # The CLI shows values as the words of the ids its flags take (``--region upper_left``).
    def join(values: list[Any]) -> str:
        return ", ".join(str(getattr(v, "value", v)).replace("_", " ") for v in values) or "-"

    rows = [
        ("Episode", str(episode.id)),
        ("Started", moment(episode.started_at)),
        ("Ended", moment(episode.ended_at) if episode.ended_at else "ongoing"),
        ("Lasted", lasted(episode, now)),
        ("Onset", episode.onset.value if episode.onset else "-"),
        ("Worst pain", f"{episode.intensity}/10"),
        ("Pain", join(episode.pain_qualities)),
        ("Where", join(episode.regions) + (f" ({episode.side})" if episode.side else "")),
        ("Limited", join(episode.limited_movements)),
        ("Symptoms", finding_labels(episode.findings)),
        ("Said no to", finding_labels(episode.absent)),
        ("Triggers", join(episode.triggers)),
        (
            "Remedies",
            ", ".join(f"{r.remedy} ({r.helped.value.replace('_', ' ')})" for r in episode.remedies)
            or "-",
        ),
        ("Affected", join(episode.activities_affected)),
        ("Stress", f"{episode.stress}/10" if episode.stress is not None else "-"),
        ("Notes", episode.notes or "-"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def understood(result: Extraction) -> str:
    """What the text extractor understood, for the person to check (the same lines as the
    log page's "Please check what was understood")."""
    from neckcheck.nlp.summary import understood as summary

    doc = result.document
    lines = [
        "Understood:",
        "  present: " + finding_labels(doc.findings),
        "  said no to: " + finding_labels(doc.absent),
    ]
    if result.uncertain:
        lines.append(f"  not sure, please check: {finding_labels(result.uncertain)}")
    shown = {"Found", "Said no to"}
    for label, text in summary(result):
        if label not in shown:
            lines.append(f"  {label.lower()}: {text}")
    return "\n".join(lines)


def level_line(result: Assessment) -> str:
    from neckcheck.knowledge import load

    mark, colour = _STYLE[result.level.value]
    title = load().advice.levels[result.level].title
    return typer.style(f"[{mark}] {title.upper()} ({result.level.value})", fg=colour, bold=True)


def incomplete(result: Assessment) -> str:
    """The sentence an incomplete check always carries, and how to finish it."""
    from neckcheck.text import count

    still_open = count(len(result.unanswered), "question", "questions")
    return (
        f"Not complete: at least this level; {still_open} still open. The warning signs not "
        "asked about were not checked."
    )


def assessment(result: Assessment) -> str:
    """An assessment for a person, each thing said once (:func:`neckcheck.explain.explain`):
    the level and its action, why (grouped by level), what else to do, open questions,
    sources."""
    from neckcheck.explain import explain
    from neckcheck.knowledge import load

    kb = load()
    told = explain(result, kb)
    numbers = {key: index for index, key in enumerate(result.sources, start=1)}

    def refs(keys: list[str]) -> str:
        return " " + "".join(f"[{numbers[k]}]" for k in keys) if keys else ""

    lines = [level_line(result), told.action.text + refs(told.action.sources)]
    if not result.complete:
        lines.append(incomplete(result))
        if told.open_note is not None:
            lines.append(told.open_note.text + refs(told.open_note.sources))
    lines.append("")
    if told.groups:
        lines.append(typer.style("Why:", bold=True))
        for group in told.groups:
            if group.level != result.level:
                lines.append(f"Also: {group.title[:1].lower()}{group.title[1:]}")
            lines += [f"- {reason.text}{refs(reason.sources)}" for reason in group.reasons]
        lines.append("")
    if told.advice:
        lines.append(typer.style("What else to do:" if told.groups else "What to do:", bold=True))
        lines += [f"- {item.text}{refs(item.sources)}" for item in told.advice]
    if result.unanswered:
        lines += ["", typer.style("Questions that could change this:", bold=True)]
        lines += [f"- {kb.question(name)}" for name in result.unanswered]
    lines += ["", typer.style("Sources:", bold=True)]
    lines += [f"[{n}] {result.sources[key]}" for key, n in numbers.items()]
    lines += ["", result.disclaimer]
    return "\n".join(lines)
