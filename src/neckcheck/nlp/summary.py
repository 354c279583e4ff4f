"""What was understood from a description, as lines a person reads before saving (the log
page's "Please check what was understood" box and ``neckcheck log --text``).

    >>> [label for label, _text in understood(extract("my daughter (8) has a stiff neck, "
    ...     "maybe a temperature", now=now))]
    ['About', 'Found', 'Not sure (asked next)', 'Age', ...]
"""

from __future__ import annotations

from typing import Any

from neckcheck.nlp.extract import Extraction


def _labels(kb: Any, ids: list[str]) -> str:
    return ", ".join(kb.finding(f).label for f in ids)


def _said(result: Extraction, finding: str, status: str) -> str:
    words = [m.text for m in result.mentions if m.finding == finding and m.status == status]
    return f" (you wrote: “{words[0]}”)" if words else ""


def understood(result: Extraction) -> list[tuple[str, str]]:
    """(label, text) lines: who it is about, the findings (present, said no to, not sure,
    in the past), the rest of the form, and what could not be placed."""
    from neckcheck.knowledge import load

    kb = load()
    labels = kb.labels
    doc = result.document
    lines: list[tuple[str, str]] = []
    if result.about:
        lines.append(("About", f"your {result.about}" if result.about.islower() else result.about))
    if doc.findings:
        lines.append(("Found", _labels(kb, doc.findings)))
    if doc.absent:
        lines.append(("Said no to", _labels(kb, doc.absent)))
    if result.uncertain:
        lines.append(
            (
                "Not sure (asked next)",
                "; ".join(
                    kb.finding(f).label + _said(result, f, "uncertain") for f in result.uncertain
                ),
            )
        )
    if result.past:
        lines.append(
            (
                "Before, not now",
                "; ".join(
                    kb.finding(f).label + _said(result, f, "historical") for f in result.past
                ),
            )
        )
    if doc.intensity is not None:
        lines.append((labels.fields["intensity"], f"{doc.intensity}/10"))
    if doc.onset is not None:
        lines.append((labels.fields["onset"], labels.onset[doc.onset]))
    if result.started_at is not None:
        when = (
            result.started_at.strftime("%a %d %b")
            if result.started_precision == "day"
            else result.started_at.strftime("%a %d %b, %H:%M")
        )
        lines.append(("Started", when))
    if result.ongoing is True:
        lines.append(("Still going on", "yes"))
    elif result.ongoing is False:
        lasted = f", lasted {doc.duration_hours:g} h" if doc.duration_hours else ""
        lines.append(("Still going on", "no" + lasted))
    elif doc.duration_hours is not None:
        lines.append(("Lasted so far", f"{doc.duration_hours:g} h"))
    if result.temperature_c is not None:
        lines.append(("Temperature", f"{result.temperature_c:g} °C"))
    if doc.age_years is not None:
        lines.append(("Age", str(doc.age_years)))
    areas = [labels.regions[r] for r in result.areas]
    areas += [a for a in result.other_areas if a not in labels.regions]
    if areas:
        lines.append((labels.fields["regions"], ", ".join(areas)))
    if result.limited_movements:
        moves = ", ".join(labels.limited_movements[m] for m in result.limited_movements)
        lines.append((labels.fields["limited_movements"], moves))
    if result.pain_qualities:
        lines.append(
            (
                labels.fields["pain_qualities"],
                ", ".join(labels.pain_qualities[q] for q in result.pain_qualities),
            )
        )
    if result.triggers:
        names = {t.id: t.label for t in kb.diary.triggers}
        lines.append((labels.fields["triggers"], ", ".join(names[t] for t in result.triggers)))
    if result.remedies:
        names = {r.id: r.label for r in kb.diary.remedies}
        tried = [
            names[r.remedy]
            + (f" ({labels.helped[r.helped].lower()})" if r.helped else " (how much it helped?)")
            for r in result.remedies
        ]
        lines.append((labels.fields["remedies"], ", ".join(tried)))
    if result.not_understood:
        lines.append(("Not understood", "; ".join(f"“{f}”" for f in result.not_understood)))
    return lines
