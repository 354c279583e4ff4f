"""Charts for the PDF report, drawn with ReportLab's own graphics (vector, no images)."""

from __future__ import annotations

from datetime import date, datetime

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

INK = colors.HexColor("#1b1f24")
ACCENT = colors.HexColor("#0b5cad")


def intensity_chart(
    points: list[tuple[datetime, int]], *, first: date, last: date, width: float, height: float
) -> Drawing:
    """Worst pain (0-10) of each episode against the day it started."""
    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y = 34, 22
    plot.width, plot.height = int(width - 44), int(height - 36)
    origin = first.toordinal()
    data = [(p.date().toordinal() - origin + p.hour / 24, float(n)) for p, n in points]
    plot.data = [data or [(0, 0)]]
    plot.lines[0].strokeColor = ACCENT
    plot.lines[0].strokeWidth = 1.2
    if len(data) < 60:
        from reportlab.graphics.widgets.markers import makeMarker

        plot.lines[0].symbol = makeMarker(  # type: ignore[no-untyped-call]
            "FilledCircle", size=3, fillColor=ACCENT
        )
    span = max(last.toordinal() - origin, 1)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, span
    steps = 4
    plot.xValueAxis.valueSteps = [round(span * i / steps) for i in range(steps + 1)]
    plot.xValueAxis.labelTextFormat = lambda v: date.fromordinal(origin + int(v)).strftime(
        "%d %b %y"
    )
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
