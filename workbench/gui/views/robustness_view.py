"""`RobustnessView`: how a run held up on noisy variants of its rows.

Top: one plain-words verdict per column and perturbation (pass-rate change, exact McNemar p,
rows that flip). Left: each original row with its variants underneath and, per column, pass
(✓) or fail (✗); a variant that fails where its original passed is marked ✓→✗ and shown first,
since those are the rows to look at. Right: the selected variant's character-level diff against
its original, and the chart of pass rate by perturbation and column.

Everything is read on a worker thread (`load_robustness_view`); Refresh reads it again.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.app.robustness import RobustnessView as ViewData
from workbench.app.robustness import VariantLink, load_robustness_view
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.document_view import DocumentView
from workbench.gui.views.variant_diffs import diff_html
from workbench.gui.widgets.robustness_chart import RobustnessChart

_FLIP = QColor(214, 69, 65, 60)
LINK_ROLE = Qt.ItemDataRole.UserRole + 1


def _mark(value: bool | None) -> str:
    return "–" if value is None else ("✓" if value else "✗")


class RobustnessView(DocumentView):
    """A run's robustness delta, rows with their variants, diffs and the chart.

    Signals:
        loaded(object): the `app.robustness.RobustnessView` data now shown.
    """

    loaded = Signal(object)

    def __init__(self, jobs: BackgroundJobs, run_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._run_id = run_id
        self._job: int | None = None
        self.data: ViewData | None = None
        self.title = QLabel(f"<b>Robustness of run #{run_id}</b>")
        self.status = QLabel("Computing…")
        self.refresh = QPushButton("Refresh")
        self.verdicts = QLabel()
        self.verdicts.setWordWrap(True)
        self.verdicts.setTextFormat(Qt.TextFormat.RichText)
        self.verdicts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdicts.setObjectName("robustness-verdicts")
        self.tree = QTreeWidget()
        self.tree.setObjectName("robustness-rows")
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.diff = QTextBrowser()
        self.diff.setObjectName("robustness-diff")
        self.diff.setPlaceholderText("Select a variant to see what changed in the message.")
        self.chart = RobustnessChart()

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.diff)
        right.addWidget(self.chart)
        right.setSizes([200, 360])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("robustness-splitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(right)
        self.splitter.setSizes([520, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.verdicts)
        layout.addWidget(self.splitter, 1)

        self.refresh.clicked.connect(self.reload)
        QShortcut(QKeySequence("F5"), self, self.reload)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self.reload()

    @property
    def name(self) -> str:
        """The tab's title."""
        return f"Robustness #{self._run_id}"

    def reload(self) -> None:
        """Read the run's delta again on a worker thread."""
        run_id = self._run_id
        self.status.setText("Computing…")
        self._job = self._jobs.submit(lambda store, _p: load_robustness_view(store, run_id))

    # -- showing -------------------------------------------------------------------------------

    def _show(self, data: ViewData) -> None:
        self.data = data
        report = data.report
        if report is None:
            self.status.setText(data.message)
            self.verdicts.setText("")
            self.tree.clear()
            self.loaded.emit(data)
            return
        self.status.setText(
            f"{len(report.links)} variant(s) of {len({lk.original_id for lk in report.links})}"
            " row(s)"
        )
        lines = []
        for column in data.columns:
            deltas = report.for_column(column.index)
            items = "".join(f"<li>{escape(d.verdict)}</li>" for d in deltas)
            lines.append(f"<b>#{column.index} {escape(column.label)}</b><ul>{items}</ul>")
        self.verdicts.setText("".join(lines))
        self._fill_tree(data)
        self.chart.show_report(report)
        self.loaded.emit(data)

    def _fill_tree(self, data: ViewData) -> None:
        assert data.report is not None
        columns = data.columns
        self.tree.clear()
        self.tree.setColumnCount(2 + len(columns))
        self.tree.setHeaderLabels(
            ["row / variant", "perturbation", *(f"#{c.index}" for c in columns)]
        )
        by_original: dict[str, list[VariantLink]] = {}
        for link in data.report.links:
            by_original.setdefault(link.original_id, []).append(link)
        flipped_rows = {row for d in data.report.deltas for row in d.flipped}
        # Rows with a flip first: they are what a designer looks at first.
        order = sorted(by_original, key=lambda row: row not in flipped_rows)
        for original in order:
            parent = QTreeWidgetItem([original, "original"])
            for position, column in enumerate(columns):
                parent.setText(2 + position, _mark(data.verdicts.get((original, column.index))))
            for link in by_original[original]:
                child = QTreeWidgetItem([link.variant_id, link.kind])
                child.setData(0, LINK_ROLE, link)
                for position, column in enumerate(columns):
                    clean = data.verdicts.get((original, column.index))
                    noisy = data.verdicts.get((link.variant_id, column.index))
                    text = _mark(noisy)
                    if clean is True and noisy is False:
                        text = "✓→✗"
                        child.setBackground(2 + position, QBrush(_FLIP))
                        child.setToolTip(2 + position, "Passes clean, fails with this noise")
                    child.setText(2 + position, text)
                parent.addChild(child)
            parent.setData(0, LINK_ROLE, by_original[original][0])
            self.tree.addTopLevelItem(parent)
            parent.setExpanded(original in flipped_rows)
        for index in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(index)

    # -- slots ---------------------------------------------------------------------------------

    def _on_tree_current_item_changed(
        self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None
    ) -> None:
        link = None if current is None else current.data(0, LINK_ROLE)
        if not isinstance(link, VariantLink):
            self.diff.clear()
            return
        if current is not None and current.parent() is None:
            self.diff.setHtml(
                f"<p><b>{escape(link.original_id)}</b> ({escape(link.field)}), as written:</p>"
                f"<p>{escape(link.original)}</p>"
            )
            return
        self.diff.setHtml(
            f"<p><b>{escape(link.variant_id)}</b> — {escape(link.kind)} on"
            f" {escape(link.field)} of {escape(link.original_id)}:</p><p>{diff_html(link)}</p>"
        )

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id == self._job and isinstance(result, ViewData):
            self._job = None
            self._show(result)

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._job:
            self._job = None
            self.status.setText(f"Cannot compute the robustness: {message}")
