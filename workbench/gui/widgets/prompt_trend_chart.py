"""`PromptTrendChart`: a prompt family's pass rate across its versions, run after run.

Each stored, scored run that used the family gives one point per version (its columns pooled),
with its Wilson interval; runs are placed in time order, one step each and labelled with their
number and date (runs a minute or a month apart read the same), and each version has its own
colour, so a new version's points sitting above the old one's is what progress looks like.
Runs on another dataset, model or rubric are another setting: each setting has its own line
style and legend entry, and points of different settings are never joined.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.gui.models.chart_data import TrendPoint

_COLOURS = (
    (61, 126, 214),
    (46, 139, 87),
    (205, 120, 20),
    (200, 60, 60),
    (125, 85, 190),
    (30, 150, 160),
)


# Line style and symbol per setting (dataset · model · rubric).
_STYLES = (
    (Qt.PenStyle.SolidLine, "o"),
    (Qt.PenStyle.DashLine, "s"),
    (Qt.PenStyle.DotLine, "t"),
    (Qt.PenStyle.DashDotLine, "d"),
)


class PromptTrendChart(QWidget):
    """Pass rate of each version of one prompt family over time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        palette = self.palette()
        foreground = palette.color(QPalette.ColorRole.Text)
        self._foreground = foreground
        self.canvas = pg.PlotWidget()
        self.canvas.setBackground(palette.color(QPalette.ColorRole.Base))
        self.canvas.setMinimumHeight(220)
        self.plot = self.canvas.getPlotItem()
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setYRange(0, 1.05, padding=0)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextColor=foreground)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.caption)

    def show_points(self, family: str, points: list[TrendPoint]) -> None:
        """Draw the family's points (replacing what was drawn)."""
        self.plot.clear()
        self.legend.clear()
        self.plot.setTitle(
            f"{escape(family)}: pass rate by version, run after run", color=self._foreground
        )
        if not points:
            self.caption.setText(
                f"No scored run used {escape(family)} yet: run its versions with a rubric."
            )
            return
        runs = sorted({(p.when, p.run_id) for p in points})
        step = {run_id: position for position, (_when, run_id) in enumerate(runs)}
        self.plot.getAxis("bottom").setTicks(
            [[(step[run_id], f"#{run_id} · {when:%d %b %H:%M}") for when, run_id in runs]]
        )
        self.plot.setXRange(-0.5, len(runs) - 0.5, padding=0)
        settings = sorted({p.setting for p in points})
        versions = sorted({p.version for p in points})
        by_series: dict[tuple[int, str], list[TrendPoint]] = defaultdict(list)
        for point in points:
            by_series[(point.version, point.setting)].append(point)
        for (version, setting), series in sorted(by_series.items()):
            colour = _COLOURS[versions.index(version) % len(_COLOURS)]
            style = _STYLES[settings.index(setting) % len(_STYLES)]
            name = f"v{version}" if len(settings) == 1 else f"v{version} · {setting}"
            xs = np.array([float(step[p.run_id]) for p in series])
            ys = np.array([p.pass_rate for p in series])
            self.plot.plot(
                xs,
                ys,
                pen=pg.mkPen(colour, width=2, style=style[0]),
                symbol=style[1],
                symbolSize=8,
                symbolBrush=colour,
                name=name,
            )
            self.plot.addItem(
                pg.ErrorBarItem(
                    x=xs,
                    y=ys,
                    top=np.array([p.high for p in series]) - ys,
                    bottom=ys - np.array([p.low for p in series]),
                    beam=0,
                    pen=pg.mkPen(colour, width=1),
                )
            )
        latest = max(points, key=lambda p: (p.when, p.version))
        apart = (
            f" {len(settings)} settings (dataset · model · rubric) are drawn apart."
            if len(settings) > 1
            else f" Setting: {escape(settings[0])}."
        )
        self.caption.setText(
            f"{len(versions)} version(s) over {len(runs)} scored run(s).{apart}"
            f" Latest: v{latest.version} passed {latest.passed} of {latest.judged}"
            f" ({latest.pass_rate:.0%}) in run #{latest.run_id} {escape(latest.run_name)}."
        )
        self.plot.setYRange(0, 1.05, padding=0)
