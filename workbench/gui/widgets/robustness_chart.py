"""`RobustnessChart`: pass rate on the clean rows and under each perturbation, per column.

Groups along the x axis are "clean" then each perturbation; within a group, one bar per column
(lettered A, B, C… in the legend underneath). Colours follow a fixed, colour-blind-friendly
order so a column keeps its colour from group to group.
"""

from __future__ import annotations

from html import escape

import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.app.robustness import RobustnessReport

COLOURS = (
    (61, 126, 214),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (120, 120, 120),
)


def column_letter(position: int) -> str:
    """A, B, … Z, then AA, AB, …"""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class RobustnessChart(QWidget):
    """Grouped bars of pass rates: clean vs each perturbation, one bar per column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        palette = self.palette()
        self._foreground = palette.color(QPalette.ColorRole.Text)
        self.canvas = pg.PlotWidget()
        self.canvas.setBackground(palette.color(QPalette.ColorRole.Base))
        self.canvas.setMinimumHeight(220)
        self.plot = self.canvas.getPlotItem()
        self.plot.setTitle("Pass rate: clean rows vs each perturbation", color=self._foreground)
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setPen(self._foreground)
            axis.setTextPen(self._foreground)
        self.plot.showGrid(y=True, alpha=0.2)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setObjectName("robustness-legend")
        self.bars: list[pg.BarGraphItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.legend)

    def show_report(self, report: RobustnessReport) -> None:
        """Draw `report` (replacing what was drawn)."""
        self.plot.clear()
        self.bars = []
        groups = ("clean", *report.kinds)
        columns = sorted({d.column.index: d.column for d in report.deltas}.items())
        count = max(len(columns), 1)
        width = 0.8 / count
        for position, (index, column) in enumerate(columns):
            deltas = report.for_column(index)
            clean = next(
                (d.original_pass_rate for d in deltas if d.original_pass_rate is not None), None
            )
            heights = [clean, *(d.variant_pass_rate for d in deltas)]
            xs = [
                group - 0.4 + width * (position + 0.5)
                for group, height in enumerate(heights)
                if height is not None
            ]
            ys = [height for height in heights if height is not None]
            bar = pg.BarGraphItem(
                x=xs,
                height=ys,
                width=width * 0.9,
                brush=COLOURS[position % len(COLOURS)],
                name=column.label,
            )
            self.plot.addItem(bar)
            self.bars.append(bar)
        self.plot.getAxis("bottom").setTicks([list(enumerate(groups))])
        self.plot.setXRange(-0.6, len(groups) - 0.4, padding=0)
        self.plot.setYRange(0, 1.05, padding=0)
        lines = [
            f"<span style='color: rgb{COLOURS[p % len(COLOURS)]}'>■</span>"
            f" <b>{column_letter(p)}</b> #{index} {escape(column.label)}"
            for p, (index, column) in enumerate(columns)
        ]
        self.legend.setText("<br/>".join(lines))
