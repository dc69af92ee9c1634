"""`KpiTrendChart`: containment, unanswered rate and CSAT per day or week (pyqtgraph)."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

SERIES = (
    ("containment", "Containment", (46, 139, 87)),
    ("unanswered", "Unanswered", (200, 60, 60)),
    ("handoff", "Hand-off", (230, 150, 30)),
    ("csat", "CSAT", (60, 110, 200)),
)


class KpiTrendChart(QWidget):
    """One line per KPI over the periods of an analysis (values 0–1 shown as %)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(parent=self)
        self.plot.setBackground(None)
        self.plot.showGrid(y=True, alpha=0.3)
        self.plot.setYRange(0, 100)
        self.plot.setLabel("left", "%")
        self.plot.addLegend(offset=(10, 5))
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        layout.addWidget(self.plot)
        self.periods: list[str] = []

    def set_points(self, points: list[dict[str, Any]]) -> None:
        self.plot.clear()
        self.periods = [p["period"] for p in points]
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
