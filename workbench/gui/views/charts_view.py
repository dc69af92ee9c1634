"""`ChartsView`: a run's charts, and the trend of a prompt family across its versions.

Figures are computed on a worker thread (bootstrap intervals and reading every cell take a
moment on a big run); the view shows "Computing…" until they arrive. Refresh reads them again,
for instance while the run is still filling in.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.document_view import DocumentView
from workbench.gui.models.chart_data import RunChartData, TrendPoint, prompt_trend, run_chart_data
from workbench.gui.widgets.prompt_trend_chart import PromptTrendChart
from workbench.gui.widgets.run_charts import RunCharts


class ChartsView(DocumentView):
    """Charts of one run plus a prompt family's trend.

    Signals:
        run_charted(object): the `RunChartData` now drawn.
        trend_charted(str, list): a family and its `TrendPoint` list, now drawn.
    """

    run_charted = Signal(object)
    trend_charted = Signal(str, list)

    def __init__(self, jobs: BackgroundJobs, run_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._run_id = run_id
        self._run_job: int | None = None
        self._trend_job: tuple[int, str] | None = None
        self.title = QLabel(f"<b>Charts of run #{run_id}</b>")
        self.status = QLabel("Computing…")
        self.refresh = QPushButton("Refresh")
        self.family = QComboBox()
        self.family.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.family.setToolTip("The prompt family whose versions the lower chart follows")
        self.run_charts = RunCharts()
        self.trend = PromptTrendChart()

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.status, 1)
        top.addWidget(QLabel("Trend of"))
        top.addWidget(self.family)
        top.addWidget(self.refresh)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("charts-splitter")
        self.splitter.addWidget(self.run_charts)
        self.splitter.addWidget(self.trend)
        self.splitter.setSizes([640, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        self.refresh.clicked.connect(self.reload)
        self.family.currentTextChanged.connect(self._on_family_current_text_changed)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self.reload()

    @property
    def name(self) -> str:
        """The tab's title."""
        return f"Charts #{self._run_id}"

    def reload(self) -> None:
        """Compute the run's figures and the chosen family's trend again."""
        run_id = self._run_id
        self.status.setText("Computing…")
        self._run_job = self._jobs.submit(lambda store, _p: run_chart_data(store, run_id))
        if self.family.currentText():
            self._load_trend(self.family.currentText())

    def _load_trend(self, family: str) -> None:
        job = self._jobs.submit(lambda store, _p: prompt_trend(store, family))
        self._trend_job = (job, family)

    def _on_family_current_text_changed(self, family: str) -> None:
        if family:
            self._load_trend(family)

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id == self._run_job and isinstance(result, RunChartData):
            self._run_job = None
            self.run_charts.show_data(result)
            self.status.setText(f"{escape(result.run_name)} · {len(result.columns)} column(s)")
            if self.family.count() == 0 and result.prompt_families:
                self.family.addItems(list(result.prompt_families))  # loads the first trend
            self.run_charted.emit(result)
        elif self._trend_job is not None and job_id == self._trend_job[0]:
            family = self._trend_job[1]
            self._trend_job = None
            points = (
                [p for p in result if isinstance(p, TrendPoint)] if isinstance(result, list) else []
            )
            self.trend.show_points(family, points)
            self.trend_charted.emit(family, points)

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._run_job or (self._trend_job and job_id == self._trend_job[0]):
            self.status.setText(f"Cannot draw the charts: {escape(message)}")
