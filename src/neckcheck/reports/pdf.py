"""The clinician report as a PDF (ReportLab).

    >>> pdf_bytes = render_pdf(build_report(diary, first=..., last=..., now=..., patient="Me"))

Page one is meant to be read in a minute: period, episodes, course, the pain chart, warning
signs ever raised with their dates, triggers and remedies with their evidence, and findings
that recur. The episode table follows.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape  # nosec B406: escapes text for ReportLab; parses nothing

from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from neckcheck.charts import date_ticks, day_offset
from neckcheck.reports.summary import ReportData
from neckcheck.text import count, format_hours

INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#4a5561")
LINE = colors.HexColor("#cdd3da")
LEVEL_COLOURS = {
    "emergency": colors.HexColor("#a51d12"),
    "urgent": colors.HexColor("#9a3412"),
    "soon": colors.HexColor("#713f12"),
    "routine": colors.HexColor("#1e3a8a"),
    "self_care": colors.HexColor("#14532d"),
}
ACCENT = colors.HexColor("#0b5cad")


def intensity_chart(
    points: list[tuple[datetime, int]], *, first: date, last: date, width: float, height: float
) -> Drawing:
    """Worst pain (0-10) of each episode against the day it started, on the same scale and
    ticks as the pages' chart (:mod:`neckcheck.charts`)."""
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.widgets.markers import makeMarker

    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y = 34, 22
    plot.width, plot.height = int(width - 44), int(height - 36)
    data = [(day_offset(moment, first), float(n)) for moment, n in points]
    plot.data = [data or [(0, 0)]]
    plot.lines[0].strokeColor = ACCENT
    plot.lines[0].strokeWidth = 1.2
    if len(data) < 60:
        plot.lines[0].symbol = makeMarker(  # type: ignore[no-untyped-call]
            "FilledCircle", size=3, fillColor=ACCENT
        )
    ticks = date_ticks(first, last)
    labels = dict(ticks)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, ticks[-1][0]
    plot.xValueAxis.valueSteps = [offset for offset, _ in ticks]
    plot.xValueAxis.labelTextFormat = lambda v: labels.get(v, "")
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, 10
    plot.yValueAxis.valueSteps = [0, 2, 4, 6, 8, 10]
    plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#d0d5db")
    plot.yValueAxis.visibleGrid = True
    drawing.add(plot)
    drawing.add(String(34, height - 10, "Worst pain per episode (0-10)", fontSize=8, fillColor=INK))
    if not points:
        drawing.add(
            String(
                width / 2,
                height / 2,
                "No episodes in this period",
                fontSize=9,
                textAnchor="middle",
                fillColor=INK,
            )
        )
    return drawing


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=9, leading=11.5, textColor=INK)
    headings = {  # name: (parent, size, leading, space before, space after)
        "title": (base["Title"], 16, 19, 0, 2),
        "h2": (base["Heading2"], 11, 13, 7, 3),
    }
    return {
        **{
            name: ParagraphStyle(
                name,
                parent=parent,
                fontSize=size,
                leading=leading,
                spaceBefore=before,
                spaceAfter=after,
                alignment=0,
                textColor=INK,
            )
            for name, (parent, size, leading, before, after) in headings.items()
        },
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9),
    }


def _hours(hours: float | None) -> str:
    return "-" if hours is None else format_hours(hours, short=True)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _first_page(data: ReportData, s: dict[str, ParagraphStyle], width: float) -> list[Any]:
    c = data.course
    story: list[Any] = [
        Paragraph("Neck spasm diary: clinician report", s["title"]),
        _p(
            f"Patient: {data.patient}   ·   Period: {data.first:%d %b %Y} to {data.last:%d %b %Y}"
            f"   ·   Generated {data.generated:%d %b %Y %H:%M}",
            s["small"],
        ),
        Spacer(1, 4 * mm),
    ]
    intensities = [n for _, n in c.intensities]
    worsening = "not enough episodes to compare"
    if c.worsening is not None:
        worsening = (
            f"{'WORSENING' if c.worsening.flagged else 'no worsening'}: median "
            f"{c.worsening.recent_median:g} in the last 4 weeks vs "
            f"{c.worsening.previous_median:g} in the 4 before"
        )
    course_text = c.label
    if c.evidence:
        course_text += ": " + "; ".join(e.text for e in c.evidence)
    days = (data.last - data.first).days + 1
    facts = [
        ("Episodes", f"{count(c.episodes, 'episode', 'episodes')} in {count(days, 'day', 'days')}"),
        ("Course", course_text),
        (
            "Worst pain",
            (
                f"median {sorted(intensities)[len(intensities) // 2]}/10, range "
                f"{min(intensities)}-{max(intensities)}; {worsening}"
            )
            if intensities
            else "-",
        ),
        ("Duration", f"median {_hours(c.median_hours)}, longest {_hours(c.longest_hours)}"),
        ("Pain-free days", c.pain_free.summary()),
    ]
    table = Table(
        [[_p(k, s["body"]), _p(v, s["body"])] for k, v in facts],
        colWidths=[28 * mm, width - 28 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 2 * mm),
        intensity_chart(
            c.intensities, first=data.first, last=data.last, width=width, height=48 * mm
        ),
    ]

    story.append(_p("Warning signs raised", s["h2"]))
    if data.flags:
        rows = [
            [
                _p(f.level.value.replace("_", " ").upper(), s["cell"]),
                _p(f.title, s["cell"]),
                _p(
                    f"{len(f.dates)}x: "
                    + ", ".join(d.strftime("%d %b %Y") for d in f.dates[:6])
                    + (" ..." if len(f.dates) > 6 else ""),
                    s["cell"],
                ),
            ]
            for f in data.flags
        ]
        flag_table = Table(rows, colWidths=[22 * mm, 62 * mm, width - 84 * mm])
        style: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
        for row, flag in enumerate(data.flags):
            style.append(("TEXTCOLOR", (0, row), (0, row), LEVEL_COLOURS[flag.level.value]))
        flag_table.setStyle(TableStyle(style))
        story.append(flag_table)
    else:
        story.append(_p("None in this period.", s["body"]))

    story.append(_p("Triggers (recorded before episodes)", s["h2"]))
    story += [_p("• " + t.summary(), s["body"]) for t in data.triggers[:5]] or [
        _p("None recorded.", s["body"])
    ]
    story.append(_p("Remedies tried", s["h2"]))
    story += [_p("• " + r.summary(), s["body"]) for r in data.remedies[:5]] or [
        _p("None recorded.", s["body"])
    ]
    story.append(_p("Findings that recur", s["h2"]))
    story.append(
        _p(
            ", ".join(f"{label} ({n})" for label, n in data.recurring_findings[:12])
            or "None recorded more than once.",
            s["body"],
        )
    )
    if c.advice:
        story.append(Spacer(1, 2 * mm))
        story += [_p(a.text + " [Source: Understanding Neck Spasms]", s["small"]) for a in c.advice]
    return story


# Rows per table: one table per page keeps ReportLab from re-measuring a long table at every
# page break, which grows with the square of the number of episodes.
ROWS_PER_TABLE = 40


def _episode_table(data: ReportData, s: dict[str, ParagraphStyle], width: float) -> list[Any]:
    from neckcheck.knowledge import load

    labels = {f.id: f.label for f in load().findings}
    header = ["Started", "Lasted", "Pain", "Onset", "Side", "Findings", "Triggers", "Check"]
    rows: list[list[Any]] = []
    for e in data.episodes:
        rows.append(
            [  # plain strings where a cell fits one line; Paragraphs where it may wrap
                e.started_at.strftime("%d %b %Y %H:%M"),
                "ongoing" if e.ongoing else _hours(e.duration_hours(data.generated)),
                f"{e.intensity}/10",
                e.onset.value if e.onset else "-",
                e.side or "-",
                _p(", ".join(labels[f] for f in e.findings) or "-", s["cell"]),
                _p(", ".join(t.replace("_", " ") for t in e.triggers) or "-", s["cell"]),
                data.assessments[e.id].level.value.replace("_", " "),
            ]
        )
    widths: list[float] = [27, 16, 11, 14, 11, 0, 28, 17]
    widths[5] = width / mm - sum(widths)
    style = TableStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ebef")),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, LINE),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    story: list[Any] = [_p(f"Episodes ({len(data.episodes)})", s["h2"])]
    for chunk in range(0, len(rows), ROWS_PER_TABLE):
        table = Table(
            [header, *rows[chunk : chunk + ROWS_PER_TABLE]],
            colWidths=[w * mm for w in widths],
            repeatRows=1,
        )
        table.setStyle(style)
        story.append(table)
    return story


def render_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes."""
    s = _styles()
    buffer = io.BytesIO()
    margin = 15 * mm
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=20 * mm,
        title="neckcheck clinician report",
        author="neckcheck",
        subject=f"Neck spasm diary {data.first} to {data.last}",
    )
    width = A4[0] - 2 * margin

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 6.8)
        canvas.setFillColor(MUTED)
        text = canvas.beginText(margin, 13 * mm)
        words, line = data.disclaimer.split(), ""
        for word in words:  # wrap the disclaimer to the page width
            if canvas.stringWidth(f"{line} {word}", "Helvetica", 6.8) > width - 20 * mm:
                text.textLine(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        text.textLine(line)
        canvas.drawText(text)
        canvas.drawRightString(A4[0] - margin, 13 * mm, f"Page {document.page}")
        canvas.restoreState()

    story = _first_page(data, s, width)
    if data.episodes:
        story += [PageBreak(), *_episode_table(data, s, width)]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
