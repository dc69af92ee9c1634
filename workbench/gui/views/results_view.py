"""`ResultsView`: the side-by-side grid of a run, its filters, a detail pane and keyboard review.

The grid reads a `ResultsTableModel` through a `ResultsFilterProxy`. Review happens from the
keyboard: arrows or J/K move between rows, 1–5 rate, P/F mark pass or fail, and the rating moves
on to the next row so a reviewer can go through a column without touching the mouse.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyleFactory,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.app.run_execution import RunSummary
from workbench.core.diff import unified_diff
from workbench.core.runs import CellKey
from workbench.gui.delegates.cell_delegate import CellDelegate, row_height
from workbench.gui.document_view import DocumentView
from workbench.gui.models.compare_pairing import default_partner
from workbench.gui.models.results_filter_proxy import ResultsFilterProxy, RowFilter
from workbench.gui.models.results_table_model import ResultsTableModel
from workbench.gui.views.cell_detail import cell_detail_html
from workbench.gui.widgets.quiet_header import QuietHeader

PromptSource = Callable[[CellKey], str | None]
RATING_KEYS = {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "P": "pass", "F": "fail"}


class ResultsView(DocumentView):
    """The results screen of one run.

    Args:
        model: the run's table model (already holding every row).
        title: shown above the grid, for example the run's name.
        prompt_source: returns the formatted messages sent for a cell, for the detail pane.

    Signals:
        rating_given(object, str): the user rated a cell: its `CellKey` and ``1``–``5``,
            ``pass`` or ``fail``.
        cell_selected(object): the current cell changed; its `CellKey`.
        cancel_requested(): the user asked to stop the run.
        resume_requested(): the user asked to run the missing cells.
        retry_errors_requested(): the user asked to re-run the errored cells.
        compare_requested(int, int): the user asked to compare two columns (grid positions).
        charts_requested(): the user asked for the run's charts.
        approve_requested(int): the user asked to approve a column's bundle (its run index).
    """

    rating_given = Signal(object, str)
    cell_selected = Signal(object)
    cancel_requested = Signal()
    resume_requested = Signal()
    retry_errors_requested = Signal()
    compare_requested = Signal(int, int)
    charts_requested = Signal()
    approve_requested = Signal(int)

    def __init__(
        self,
        model: ResultsTableModel,
        *,
        title: str,
        prompt_source: PromptSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._prompt_source = prompt_source
        self.variant_diffs: dict[str, str] = {}  # noisy variant row id → diff HTML (robustness)
        self._user_sized_columns = False
        self._running = False
        self._notice = ""
        self._last_message = ""
        self._fitting = False
        # The progress line follows data changes at most ten times a second: a big run's
        # loading and a live run signal many blocks per pass.
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(100)
        self._progress_timer.timeout.connect(self._update_progress)
        self._proxy = ResultsFilterProxy(self)
        self._proxy.setSourceModel(model)

        self._title = QLabel(f"<b>{title}</b>")
        self._progress = QLabel()
        self._filter = QComboBox()
        self._filter.addItems([item.value for item in RowFilter])
        self._filter.setToolTip("Show only some rows")
        self._search = QLineEdit(
            placeholderText="Filter rows by id, customer message or output (Ctrl+F)"
        )
        self.no_match = QLabel()
        self.no_match.setObjectName("no-match")
        self.no_match.hide()
        self._search.setClearButtonEnabled(True)
        self._cancel = QPushButton("Cancel run")
        self._resume = QPushButton("Resume")
        self._retry = QPushButton("Retry errors")
        self._compare_button = QPushButton("Compare…")
        self._compare_button.setToolTip(
            "Two columns side by side: paired statistics, a verdict, and pairwise review"
        )
        self._charts_button = QPushButton("Charts")
        self._charts_button.setToolTip("Pass rate, score, latency and cost per column")
        self._approve_button = QPushButton("Approve bundle…")
        self._approve_button.setToolTip(
            "Approve the selected column's prompt, persona and model on this run's evidence"
        )
        self._message = QLabel()
        self._message.setWordWrap(True)
        self._message.hide()
        self._compare = QComboBox()
        self._compare.setToolTip("Diff the selected output against the same row in this column")

        self.table = QTableView()
        # A page of the grid shapes a few hundred short previews: let Qt skip kerning and
        # ligatures where a script does not need them (scripts that do are still shaped),
        # about a third of each cell's text drawing. Only the strategy is set, so the grid
        # keeps following the application's font and size.
        quick_text = QFont()
        quick_text.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        self.table.setFont(quick_text)
        # The grid paints hundreds of cells per frame: it draws with the plain Fusion style,
        # not the application's Python proxy style (whose per-primitive call into Python only
        # matters for check boxes, which the grid has none of).
        self._grid_style = QStyleFactory.create("Fusion")
        self._grid_style.setParent(self)
        self.table.setStyle(self._grid_style)
        self.table.setModel(self._proxy)
        # Column figures change with every live batch: repaint the header, not the whole grid.
        self._quiet_header = QuietHeader(
            self.table.horizontalHeader(), self._proxy.header_figures_changed
        )
        self.table.setItemDelegate(CellDelegate(self.table, model=model, proxy=self._proxy))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        # No sort column before sorting is enabled: enabling it sorts by the indicator's column,
        # which would read every row of a big run before the grid first shows.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(row_height(self.table.fontMetrics()))
        horizontal = self.table.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setDefaultSectionSize(320)
        horizontal.setStretchLastSection(True)
        horizontal.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText("Select a cell to see its full output, scores and prompt.")

        self._build_layout()
        self._build_actions()
        self._refresh_compare_choices()

        self._filter.currentTextChanged.connect(self._on_filter_current_text_changed)
        self._search.textChanged.connect(self._proxy.set_text)
        self._search.textChanged.connect(self._show_no_match)
        self._filter.currentTextChanged.connect(self._show_no_match)
        self._cancel.clicked.connect(self.cancel_requested)
        self._resume.clicked.connect(self.resume_requested)
        self._retry.clicked.connect(self.retry_errors_requested)
        self._compare_button.clicked.connect(self._on_compare_button_clicked)
        self._charts_button.clicked.connect(self.charts_requested)
        self._approve_button.clicked.connect(self.request_approval)
        self._compare.currentIndexChanged.connect(self._show_current_detail)
        self.table.selectionModel().currentChanged.connect(self._on_selection_model_current_changed)
        self.table.selectionModel().selectionChanged.connect(
            self._on_selection_model_selection_changed
        )
        model.dataChanged.connect(self._on_model_data_changed)
        horizontal.sectionResized.connect(self._on_header_section_resized)
        self.splitter.splitterMoved.connect(lambda _pos, _index: self._refit_unless_user_sized())
        self.set_running(False)
        self._update_progress()

    @property
    def proxy(self) -> ResultsFilterProxy:
        """The filtering and sorting proxy between the model and the table."""
        return self._proxy

    @property
    def model(self) -> ResultsTableModel:
        """The grid's source model."""
        return self._model

    def set_running(self, running: bool) -> None:
        """Enable Cancel while a run executes, Resume and Retry errors otherwise."""
        self._running = running
        self._cancel.setEnabled(running)
        self._resume.setEnabled(not running)
        self._retry.setEnabled(not running and self._model.frame.total_cells > 0)
        self._update_progress()

    def show_summary(self, summary: RunSummary) -> None:
        """Say how an execution ended: status, cells, calls (retries included), cache hits,
        cost and time."""
        cells = sum(summary.counts.values())
        # Calls count every attempt; more calls than cells answered by a model means retries.
        fresh = max(0, cells - summary.cache_hits)
        retries = max(0, summary.calls - fresh)
        calls = f"{summary.calls} provider call(s)"
        if retries:
            calls += f" including {retries} retr{'y' if retries == 1 else 'ies'}"
        text = (
            f"Run {summary.status.value}: {cells} cell(s), {calls},"
            f" {summary.cache_hits} from cache, ${summary.cost_usd:.4f},"
            f" {summary.elapsed_s:.1f} s."
        )
        if summary.message:
            text += f" {summary.message}"
        self.show_message(text)

    def show_message(self, text: str) -> None:
        """Show a line under the toolbar (how the run ended, why it stopped); empty hides."""
        self._last_message = text
        self._show_lines()

    def set_notice(self, text: str) -> None:
        """A lasting remark shown above the messages (the run is not scored, say)."""
        self._notice = text
        self._show_lines()

    def _show_lines(self) -> None:
        text = "\n".join(line for line in (self._notice, self._last_message) if line)
        self._message.setText(text)
        self._message.setVisible(bool(text))

    def focus_search(self) -> bool:
        """Put the cursor in the row filter (the main window's Ctrl+F calls this)."""
        self._search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search.selectAll()
        return True

    def current_key(self) -> CellKey | None:
        """The key of the current cell, if any."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        source = self._proxy.mapToSource(index)
        return self._model.key_at(source.row(), source.column())

    def request_approval(self) -> None:
        """Ask to approve the selected column's bundle (the first column when none is)."""
        columns = self._model.frame.columns
        if not columns:
            return
        index = self.table.currentIndex()
        position = self._proxy.mapToSource(index).column() if index.isValid() else 0
        self.approve_requested.emit(columns[position].index)

    def rate_current(self, rating: str) -> None:
        """Rate the current cell, announce it, and move to the next row."""
        key = self.current_key()
        if key is None:
            return
        self._model.set_rating(key, rating)
        self.rating_given.emit(key, rating)
        self.move_rows(+1)
        # Say where the next key press lands: rating moves on, so a "4" then a "P" rate two rows.
        after = self.current_key()
        where = (
            f"next key rates row {after.row_id}"
            if after is not None and after != key
            else "last row: next key rates it again"
        )
        self.show_message(f"Rated row {key.row_id} (column {key.column}) {rating}; {where}.")

    def move_rows(self, step: int) -> None:
        """Move the current cell `step` rows down (negative: up), staying in its column."""
        index = self.table.currentIndex()
        if not index.isValid():
            if self._proxy.rowCount() == 0:
                return
            target = self._proxy.index(0, 0)
        else:
            row = min(max(index.row() + step, 0), self._proxy.rowCount() - 1)
            target = self._proxy.index(row, index.column())
        self.table.setCurrentIndex(target)
        self.table.scrollTo(target)

    def fit_columns(self) -> None:
        """Share the grid's width between the columns (at least 150 px each)."""
        count = self._model.columnCount()
        if not count:
            return
        width = max(150, self.table.viewport().width() // count)
        self._fitting = True
        for column in range(count):
            self.table.setColumnWidth(column, width)
        self._fitting = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the columns sharing the width until the user sizes one by hand."""
        super().resizeEvent(event)
        if not self._user_sized_columns:
            QTimer.singleShot(0, self, self.fit_columns)  # once the splitter laid the grid out

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self._title)
        top.addSpacing(12)
        top.addWidget(self._progress, 1)
        top.addWidget(self._cancel)
        top.addWidget(self._resume)
        top.addWidget(self._retry)
        top.addSpacing(12)
        top.addWidget(self._compare_button)
        top.addWidget(self._charts_button)
        top.addWidget(self._approve_button)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show:"))
        filters.addWidget(self._filter)
        filters.addWidget(self._search, 1)
        filters.addWidget(QLabel("Diff against:"))
        filters.addWidget(self._compare)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("results-splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([3000, 1250])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self._message)
        layout.addLayout(filters)
        layout.addWidget(self.no_match)
        layout.addWidget(self.splitter, 1)

    def _build_actions(self) -> None:
        # Single-key shortcuts live on the grid only, so typing in an editor never rates a cell.
        def add(text: str, key: str, slot: Callable[[], None]) -> None:
            action = QAction(text, self.table)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _checked=False: slot())
            self.table.addAction(action)

        for key, rating in RATING_KEYS.items():
            add(f"Rate {rating}", key, functools.partial(self.rate_current, rating))
        add("Next row", "J", lambda: self.move_rows(+1))
        add("Previous row", "K", lambda: self.move_rows(-1))

    def _refresh_compare_choices(self) -> None:
        self._compare.clear()
        self._compare.addItem("(none)", None)
        for position, column in enumerate(self._model.frame.columns):
            self._compare.addItem(column.label, position)

    def _show_current_detail(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            self.detail.clear()
            return
        source = self._proxy.mapToSource(index)
        frame = self._model.frame
        row, column = source.row(), source.column()
        state = frame.state(row, column)
        key = frame.key_at(row, column)
        other = None
        other_column = self._compare.currentData()
        if other_column is not None and other_column != column:
            other_state = frame.state(row, other_column)
            label = frame.columns[other_column].label
            other = (
                label,
                unified_diff(
                    other_state.text if other_state else "",
                    state.text if state else "",
                    a_label=label,
                    b_label=frame.columns[column].label,
                ),
            )
        prompt = self._prompt_source(key) if self._prompt_source else None
        html = cell_detail_html(
            row_id=key.row_id,
            column_label=frame.columns[column].label,
            state=state,
            rendered_prompt=prompt,
            other=other,
        )
        self.detail.setHtml(html + self.variant_diffs.get(key.row_id, ""))

    def set_variant_diffs(self, diffs: dict[str, str]) -> None:
        """Show, under a noisy variant's cells, what changed against its original message."""
        self.variant_diffs = diffs
        self._show_current_detail()

    def _update_progress(self) -> None:
        self._progress_timer.stop()
        frame = self._model.frame
        errors = sum(frame.column_stats(c).errors for c in range(frame.column_count))
        text = f"{frame.done_count()} / {frame.total_cells} cells done"
        if self._running:
            text = f"Running · {text}"
        if errors:
            text += f" · {errors} error{'s' if errors > 1 else ''}"
        self._progress.setText(text)

    def _refit_unless_user_sized(self) -> None:
        if not self._user_sized_columns:
            self.fit_columns()

    def _on_header_section_resized(self, _section: int, _old: int, _new: int) -> None:
        if not self._fitting:
            self._user_sized_columns = True

    def _on_compare_button_clicked(self) -> None:
        frame = self._model.frame
        if frame.column_count < 2:
            self.show_message("Comparing needs a run with at least two columns.")
            return
        index = self.table.currentIndex()
        first = self._proxy.mapToSource(index).column() if index.isValid() else 0
        other = self._compare.currentData()
        if other is None or other == first:
            other = default_partner(frame.columns, first)
        self.compare_requested.emit(first, other)

    def _on_filter_current_text_changed(self, text: str) -> None:
        self._proxy.set_row_filter(RowFilter(text))

    def _show_no_match(self, *_args: object) -> None:
        """Say so when the filters leave no row, rather than showing a blank grid."""
        filtered = self._proxy.row_filter is not RowFilter.ALL or bool(self._proxy.text)
        empty = filtered and self._proxy.rowCount() == 0 and self._model.rowCount() > 0
        if empty:
            parts = []
            if self._proxy.row_filter is not RowFilter.ALL:
                parts.append(f"“{self._proxy.row_filter.value}”")
            if self._proxy.text:
                parts.append(f"text “{self._search.text().strip()}”")
            self.no_match.setText(
                f"No row matches {' and '.join(parts)} — out of {self._model.rowCount()} rows."
            )
        self.no_match.setVisible(empty)

    def _on_selection_model_current_changed(
        self, current: QModelIndex, _previous: QModelIndex
    ) -> None:
        self._show_current_detail()
        key = self.current_key()
        if key is not None:
            self.cell_selected.emit(key)

    def _on_selection_model_selection_changed(
        self, _selected: QItemSelection, _deselected: QItemSelection
    ) -> None:
        if not self.table.selectionModel().hasSelection():
            self.detail.clear()

    def _on_model_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        if not self._progress_timer.isActive():
            self._progress_timer.start()
        current = self.table.currentIndex()
        if not current.isValid():
            return
        source = self._proxy.mapToSource(current)
        if (
            top_left.row() <= source.row() <= bottom_right.row()
            and top_left.column() <= source.column() <= bottom_right.column()
        ):
            self._show_current_detail()  # the selected output is growing: keep it live
