"""The clinician report as a PDF (ReportLab).

    >>> pdf_bytes = render_pdf(build_report(diary, first=..., last=..., now=..., patient="Alex"))

Page one is meant to be read in a minute: who (name and age, when the diary says), period,
episodes, course (each class that applies told once, with how many episodes met it), the
pain chart, warning signs raised with their dates, triggers and remedies with their
evidence, and findings that recur. The episode table follows, its header at the top of each
of its pages and nowhere else. Levels are named in clinical words (``labels.yaml``).
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
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tables import CellStyle

from neckcheck.charts import date_ticks, day_offset
from neckcheck.domain import Assessment
from neckcheck.knowledge import KnowledgeBase, load
from neckcheck.reports.summary import ReportData
from neckcheck.text import count, day_span, format_age, format_hours

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


# The report's fonts are the PDF standard ones (WinAnsi): signs they lack, in ASCII.
_ASCII = str.maketrans({"\u2192": "->", "\u2212": "-", "\u2265": ">="})


def _plain(text: str) -> str:
    return text.translate(_ASCII)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _heading_facts(data: ReportData) -> list[str]:
    """Who (when the diary names someone), their age (when it gives a year of birth), the
    period and when the report was made."""
    facts = []
    if data.patient:
        facts.append(f"Patient: {data.patient}")
    if data.ages is not None and data.birth_year is not None:
        facts.append(format_age(data.ages, data.birth_year))
    if data.first == data.last:
        facts.append(f"Period: {data.first:%d %b %Y}")
    else:
        facts.append(f"Period: {data.first:%d %b %Y} to {data.last:%d %b %Y}")
    facts.append(f"Generated {data.generated:%d %b %Y %H:%M}")
    return facts


def _dates(days: list[date], shown: int = 6) -> str:
    """``3 episodes: 07 Jun 2026, 12 Jun 2026, ...``: how many, and the first few days."""
    listed = ", ".join(d.strftime("%d %b %Y") for d in days[:shown])
    return f"{count(len(days), 'episode', 'episodes')}: {listed}" + (
        ", ..." if len(days) > shown else ""
    )


def _course_lines(data: ReportData) -> list[str]:
    """The course's label, then each class that applies, once: its evidence, and how many of
    the period's episodes met its rule (``Recurring: 5 episodes between ...; met by 38 of 38
    episodes, from 31 May 2026 to 13 Nov 2026``)."""
    kb = load()
    c = data.course
    met = {f.rule: f.dates for f in data.course_rules}
    lines = [c.label]
    for evidence in c.evidence:
        line = f"• {kb.course_label(evidence.kind)}: {evidence.text}"
        dates = met.get(evidence.kind)
        if dates:
            line += (
                f"; met by {len(dates)} of {count(c.episodes, 'episode', 'episodes')}, "
                + day_span(dates[0], dates[-1])
            )
        lines.append(line)
    return lines


def _first_page(data: ReportData, s: dict[str, ParagraphStyle], width: float) -> list[Any]:
    c = data.course
    story: list[Any] = [
        Paragraph("Neck spasm diary: clinician report", s["title"]),
        _p("   ·   ".join(_heading_facts(data)), s["small"]),
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
    days = (data.last - data.first).days + 1
    facts: list[tuple[str, str | Paragraph]] = [
        ("Episodes", f"{count(c.episodes, 'episode', 'episodes')} in {count(days, 'day', 'days')}"),
        ("Course", Paragraph("<br/>".join(map(escape, _course_lines(data))), s["body"])),
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
        (
            "Outcomes",
            Paragraph("<br/>".join(escape(_plain(line)) for line in data.outcomes), s["body"])
            if data.outcomes
            else "no check-ins",
        ),
    ]
    table = Table(
        [[_p(k, s["body"]), v if isinstance(v, Paragraph) else _p(v, s["body"])] for k, v in facts],
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
        kb = load()
        rows = [
            [
                _p(kb.clinical_level(f.level), s["cell"]),
                _p(f.title, s["cell"]),
                _p(_dates(f.dates), s["cell"]),
            ]
            for f in data.flags
        ]
        flag_table = Table(rows, colWidths=[27 * mm, 62 * mm, width - 89 * mm])
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


# The mark of a check whose warning-sign screening is incomplete, and what it means.
OPEN = "\u2020"  # a dagger, in the standard fonts' encoding
SCREENING_INCOMPLETE = (
    "Screening incomplete: not every warning sign was asked about, so the level is the least "
    "the answers call for, not an all-clear."
)


def _check(kb: KnowledgeBase, result: Assessment) -> str:
    """An episode's level in clinical words, marked when its screening is incomplete."""
    label = kb.clinical_level(result.level)
    return label if result.complete else f"{label} {OPEN}"


# The episode table's text: its font, size and leading, and the room its cells leave beside
# the text (ReportLab's 6 points each side) and above and below it.
CELL_FONT, CELL_SIZE, CELL_LEADING = "Helvetica", 7.5, 9.0
CELL_PADDING, CELL_TOP, CELL_BOTTOM = 12.0, 1.0, 1.0


def _wrapped(text: str, column: float) -> str:
    """``text`` broken into lines that fit a table column ``column`` points wide. A table
    draws a string of several lines as it is, at a fraction of the cost of a Paragraph,
    which parses its text as markup: the table of a diary of years has thousands of cells."""
    return "\n".join(simpleSplit(text, CELL_FONT, CELL_SIZE, column - CELL_PADDING))


def _row_height(row: list[str]) -> float:
    """The height ReportLab gives a table row of plain strings: its tallest cell's lines at
    the table's leading, and the padding above and below them. Counted here instead of
    measured by a Table, which builds and styles every cell to measure it."""
    return CELL_LEADING * max(cell.count("\n") + 1 for cell in row) + CELL_TOP + CELL_BOTTOM


def _cell_style(name: str, font: str) -> CellStyle:
    style = CellStyle(name)
    style.fontname, style.fontsize, style.leading = font, CELL_SIZE, CELL_LEADING
    style.valign, style.topPadding, style.bottomPadding = "TOP", CELL_TOP, CELL_BOTTOM
    return style


# The frame's own padding above and below its content (ReportLab's Frame default, 6 pt each).
FRAME_PADDING = 12.0


def _page_slices(heights: list[float], *, first_room: float, room: float) -> list[slice]:
    """The episode rows each page of the table holds: as many as fit, given each row's
    height (the header's excluded) and the room for rows on the first and later pages.

    Each page's rows become a table of their own, with its header, followed by a page break:
    the header is then at the top of every page of the table and nowhere else, and ReportLab
    never re-measures the rest of a long table at each page break (which grows with the
    square of the number of episodes)."""
    slices, start, used, limit = [], 0, 0.0, first_room
    for index, height in enumerate(heights):
        if index > start and used + height > limit:
            slices.append(slice(start, index))
            start, used, limit = index, 0.0, room
        used += height
    slices.append(slice(start, len(heights)))
    return slices


def _episode_table(
    data: ReportData, s: dict[str, ParagraphStyle], width: float, frame_height: float
) -> list[Any]:
    kb = load()
    labels = {f.id: f.label for f in kb.findings}
    triggers = {t.id: t.label for t in kb.diary.triggers}
    header = ["Started", "Lasted", "Pain", "Onset", "Side", "Findings", "Triggers", "Check"]
    widths: list[float] = [27, 14, 11, 16, 11, 0, 28, 29]  # mm; "Review within days †" fits
    widths[5] = width / mm - sum(widths)
    col_widths = [w * mm for w in widths]
    # A diary's episodes share a few lists of findings and of triggers: each wrapped once.
    wrapped: dict[tuple[str, int], str] = {}

    def cell(text: str, column: int) -> str:
        key = (text, column)
        if key not in wrapped:
            wrapped[key] = _wrapped(text, col_widths[column])
        return wrapped[key]

    rows: list[list[str]] = []
    for e in data.episodes:
        rows.append(
            [  # plain text, the two lists wrapped to their columns' width
                e.started_at.strftime("%d %b %Y %H:%M"),
                "ongoing" if e.ongoing else _hours(e.duration_hours(data.generated)),
                f"{e.intensity}/10",
                kb.labels.of("onset", e.onset.value) if e.onset else "-",
                e.side or "-",
                cell(", ".join(labels[f] for f in e.findings) or "-", 5),
                cell(", ".join(triggers[t] for t in e.triggers) or "-", 6),
                _check(kb, data.assessments[e.id]),
            ]
        )
    # The cells' font, size, leading and padding, as one style for the header's cells and
    # one for the others: a TableStyle command would set them on each cell of each table.
    header_styles = [_cell_style("header", "Helvetica-Bold")] * len(header)
    row_styles = [_cell_style("cell", CELL_FONT)] * len(header)
    style = TableStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ebef")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, LINE),
        ]
    )
    preface: list[Any] = [_p(f"Episodes ({len(data.episodes)})", s["h2"])]
    if any(not data.assessments[e.id].complete for e in data.episodes):
        preface += [_p(f"{OPEN} {SCREENING_INCOMPLETE}", s["small"]), Spacer(1, 1.5 * mm)]
    # Each row's height counted once; the pages' tables are given these heights.
    header_height, heights = _row_height(header), [_row_height(row) for row in rows]
    heading_height = sum(
        flowable.wrap(width, frame_height)[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()
        for flowable in preface
    )
    room = frame_height - FRAME_PADDING - header_height - 1  # a point spare for rounding
    story: list[Any] = [*preface]
    for number, rows_of_page in enumerate(
        _page_slices(heights, first_room=room - heading_height, room=room)
    ):
        if number:
            story.append(PageBreak())
        page = rows[rows_of_page]
        table = Table(
            [header, *page],
            colWidths=col_widths,
            rowHeights=[header_height, *heights[rows_of_page]],
            repeatRows=1,  # were a page to overflow all the same, its header goes along
            cellStyles=[header_styles, *[row_styles] * len(page)],
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
        story += [PageBreak(), *_episode_table(data, s, width, doc.height)]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
