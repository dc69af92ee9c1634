"""`KpiTrendChart`: containment, unanswered rate and CSAT per day or week (pyqtgraph).

With no periods to draw it shows a sentence saying what is missing instead of empty axes.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

SERIES = (
    ("containment", "Containment", (46, 139, 87)),
    ("unanswered", "Unanswered", (200, 60, 60)),
    ("handoff", "Hand-off", (230, 150, 30)),
    ("csat", "CSAT", (60, 110, 200)),
)


EMPTY_TEXT = "No trend to show yet."


class KpiTrendChart(QWidget):
    """One line per KPI over the periods of an analysis (values 0–1 shown as %); a placeholder
    sentence (`set_placeholder`) while there is nothing to draw."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._stack = QStackedWidget(self)
        self.placeholder = QLabel(EMPTY_TEXT, self)
        self.placeholder.setObjectName("trend-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)  # drawn in the style's muted text colour
        self.plot = pg.PlotWidget(parent=self)
        self.plot.setBackground(None)
        self.plot.showGrid(y=True, alpha=0.3)
        self.plot.setYRange(0, 100)
        self.plot.setLabel("left", "%")
        self.plot.addLegend(offset=(10, 5))
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(self.plot)
        layout.addWidget(self._stack)
        self.periods: list[str] = []

    @property
    def is_empty(self) -> bool:
        """Whether the placeholder is shown instead of the chart."""
        return self._stack.currentWidget() is self.placeholder

    def set_placeholder(self, text: str) -> None:
        """The sentence shown while there is nothing to draw (say what to do to get a chart)."""
        self.placeholder.setText(text)

    def set_points(self, points: list[dict[str, Any]]) -> None:
        self.plot.clear()
        self.periods = [p["period"] for p in points]
        self._stack.setCurrentWidget(self.plot if points else self.placeholder)
        xs = list(range(len(points)))
        for key, title, colour in SERIES:
            pairs = [
                (x, p[key] * 100) for x, p in zip(xs, points, strict=True) if p.get(key) is not None
            ]
            if pairs:
                self.plot.plot(
                    [a for a, _ in pairs],
                    [b for _, b in pairs],
                    name=title,
                    pen=pg.mkPen(colour, width=2),
                    symbol="o",
                    symbolSize=5,
                    symbolBrush=colour,
                )
        step = max(1, len(points) // 8)
        self.plot.getAxis("bottom").setTicks([[(x, self.periods[x]) for x in xs[::step]]])
