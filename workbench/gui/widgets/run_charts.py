"""`RunCharts`: four pyqtgraph plots of a run's columns — pass rate and mean score with their
intervals, latency distribution, and cost.

Columns are lettered A, B, C… on the axes (full labels would not fit) and a legend underneath
spells each letter out. Colours follow the application palette so the charts read the same in
the light and the dark scheme.
"""

from __future__ import annotations

import random
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.gui.models.chart_data import ColumnFigures, RunChartData

_BAR = (61, 126, 214)
_SCORE = (46, 139, 87)
_COST = (205, 120, 20)
_POINT = (125, 85, 190)


class RunCharts(QWidget):
    """Pass rate, mean score, latency and cost per column of one run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        self._foreground = foreground
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(background)
        self.canvas.setMinimumHeight(420)
        self.pass_plot = self._plot("Pass rate (95% Wilson interval)", 0, 0, foreground)
        self.score_plot = self._plot("Mean score (95% bootstrap interval)", 0, 1, foreground)
        self.latency_plot = self._plot("Latency per answer (s) · line = median", 1, 0, foreground)
        self.cost_plot = self._plot("Cost (USD)", 1, 1, foreground)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setObjectName("chart-legend")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.legend)

    def show_data(self, data: RunChartData) -> None:
        """Draw `data` (replacing what was drawn)."""
        columns = data.columns
        ticks = [[(i, c.letter) for i, c in enumerate(columns)]]
        for plot in (self.pass_plot, self.score_plot, self.latency_plot, self.cost_plot):
            plot.clear()
            plot.getAxis("bottom").setTicks(ticks)
            plot.setXRange(-0.6, max(len(columns) - 0.4, 0.6), padding=0)
        whisker = self._foreground
        _bars_with_intervals(
            self.pass_plot, columns, ("pass_rate", "pass_low", "pass_high"), _BAR, whisker
        )
        _bars_with_intervals(
            self.score_plot, columns, ("mean_score", "score_low", "score_high"), _SCORE, whisker
        )
        for plot in (self.pass_plot, self.score_plot):
            plot.setYRange(0, 1.05, padding=0)
        self._latencies(columns)
        costs = [c.cost_usd for c in columns]
        self.cost_plot.addItem(
            pg.BarGraphItem(x=list(range(len(columns))), height=costs, width=0.6, brush=_COST)
        )
        self.cost_plot.setYRange(0, max([*costs, 0.0001]) * 1.15, padding=0)
        free = not any(costs)
        self.cost_plot.setTitle(
            "Cost (USD) · nothing spent: local or unpriced models" if free else "Cost (USD)",
            color=self._foreground,
        )
        rubric = (
            f"Rates and scores under rubric <b>{escape(data.rubric_ref)}</b>."
            if data.rubric_ref
            else "Not scored: choose a rubric in Run setup to get pass rates and scores."
        )
        lines = [
            f"<b>{c.letter}</b> {escape(c.label)} <small>({_column_facts(c)})</small>"
            for c in columns
        ]
        self.legend.setText(f"{rubric}<br/>" + "<br/>".join(lines))

    def _plot(self, title: str, row: int, column: int, foreground: object) -> pg.PlotItem:
        plot = self.canvas.addPlot(row=row, col=column)
        plot.setTitle(title, color=foreground)
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        plot.showGrid(y=True, alpha=0.2)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        return plot

    def _latencies(self, columns: tuple[ColumnFigures, ...]) -> None:
        jitter = random.Random(0)  # the same spread every time the chart is drawn
        xs: list[float] = []
        ys: list[float] = []
        top = 0.0
        for position, column in enumerate(columns):
            values = [v / 1000 for v in column.latencies_ms]
            xs.extend(position + jitter.uniform(-0.22, 0.22) for _ in values)
            ys.extend(values)
            if values:
                median = float(np.median(values))
                top = max(top, max(values))
                self.latency_plot.plot(
                    [position - 0.3, position + 0.3], [median, median], pen=pg.mkPen(_BAR, width=3)
                )
        if xs:
            self.latency_plot.addItem(
                pg.ScatterPlotItem(
                    x=xs, y=ys, size=5, brush=pg.mkBrush(*_POINT, 140), pen=pg.mkPen(None)
                )
            )
        self.latency_plot.setYRange(0, max(top, 0.001) * 1.1, padding=0)


def _bars_with_intervals(
    plot: pg.PlotItem,
    columns: tuple[ColumnFigures, ...],
    fields: tuple[str, str, str],
    color: tuple[int, int, int],
    whisker: object,
) -> None:
    value, low, high = fields
    xs = [i for i, c in enumerate(columns) if getattr(c, value) is not None]
    if not xs:
        return
    heights = [getattr(columns[i], value) for i in xs]
    plot.addItem(pg.BarGraphItem(x=xs, height=heights, width=0.6, brush=color))
    with_interval = [i for i in xs if getattr(columns[i], low) is not None]
    if with_interval:
        centre = np.array([getattr(columns[i], value) for i in with_interval])
        plot.addItem(
            pg.ErrorBarItem(
                x=np.array(with_interval, dtype=float),
                y=centre,
                top=np.array([getattr(columns[i], high) for i in with_interval]) - centre,
                bottom=centre - np.array([getattr(columns[i], low) for i in with_interval]),
                beam=0.2,
                pen=pg.mkPen(whisker, width=2),
            )
        )


def _column_facts(column: ColumnFigures) -> str:
    facts = []
    if column.pass_rate is not None:
        facts.append(f"pass {column.pass_rate:.0%} of {column.judged}")
    if column.mean_score is not None:
        facts.append(f"score {column.mean_score:.2f}")
    if column.latencies_ms:
        facts.append(f"median {np.median(column.latencies_ms):.0f} ms")
    facts.append(f"${column.cost_usd:.4f}")
    if column.errors:
        facts.append(f"{column.errors} error{'s' if column.errors > 1 else ''}")
    return " · ".join(facts)
