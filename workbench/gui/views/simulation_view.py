"""`SimulationView`: a simulation's live conversation grid, its transcripts, and two side by side.

Rows are scenario × customer (× repeat), columns the assistant variants. Cells fill in as turns
arrive — outcome, turns and score badges — without a model reset. The right-hand side reads the
selected conversation as chat bubbles, or the same scenario under two columns side by side, or
the column summaries with their intervals and the paired comparison.

Keys on the grid: Enter reads the transcript, B shows both columns side by side, J / K move
down / up, Esc cancels a running simulation; in a transcript Ctrl+J jumps to where it went wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.app.conversation_grid import ConversationGrid
from workbench.app.conversation_live import LiveConversations, RowKey
from workbench.app.conversation_views import TranscriptView
from workbench.app.conversations import ConversationKey, SimulationStarted, SimulationSummary
from workbench.gui.delegates.conversation_cell_delegate import ConversationCellDelegate
from workbench.gui.document_view import DocumentView
from workbench.gui.models.conversation_table_model import ConversationRole, ConversationTableModel
from workbench.gui.widgets.transcript_pair import TranscriptPair
from workbench.gui.widgets.transcript_view import TranscriptWidget

TRANSCRIPT_TAB, PAIR_TAB, SUMMARY_TAB = 0, 1, 2


class SimulationView(DocumentView):
    """The screen of one simulation.

    Args:
        live: the simulation's conversations (already holding what is stored).
        title: shown above the grid.

    Signals:
        cancel_requested(): stop the running simulation (finished turns are kept).
        resume_requested(): run the conversations not finished yet.
        retry_errors_requested(): run again the conversations that ended in an error.
        score_requested(): score the stored conversations again.
        summary_requested(int, int): the column summaries and the paired comparison of two
            columns (run column indexes) are wanted.
        conversation_selected(object): the `ConversationKey` now read.
        approve_requested(int): approve this column's bundle (run column index) on the evidence.
    """

    cancel_requested = Signal()
    resume_requested = Signal()
    retry_errors_requested = Signal()
    score_requested = Signal()
    summary_requested = Signal(int, int)
    conversation_selected = Signal(object)
    approve_requested = Signal(int)

    def __init__(
        self, live: LiveConversations, *, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("simulation-view")
        self.live = live
        layout = live.layout
        self.model = ConversationTableModel(ConversationGrid(layout.rows, layout.columns), self)
        self.model.update_cells(live.all_cells())
        self._running = False
        self._total: int | None = None
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self.model)
        self._proxy.setSortRole(ConversationRole.SORT)

        self.title = QLabel(f"<b>{title}</b>")
        self.progress_label = QLabel()
        # Long names and figures clip rather than widen the window past the screen.
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setToolTip(title)
        self.progress_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%v / %m")
        self.cancel_button = QPushButton("Cancel  (Esc)")
        self.cancel_button.setToolTip("Stop now: finished turns are kept and Resume continues")
        self.resume_button = QPushButton("Resume")
        self.retry_button = QPushButton("Retry errors")
        self.score_button = QPushButton("Score again")
        self.approve_button = QPushButton("Approve bundle…")
        self.approve_button.setToolTip(
            "Approve the selected column's prompt, persona and model with this simulation as"
            " evidence"
        )
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()

        self.table = QTableView()
        self.table.setObjectName("conversation-grid")
        self.table.setMinimumWidth(360)
        self.table.setModel(self._proxy)
        self.table.setItemDelegate(ConversationCellDelegate(self.table))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        horizontal = self.table.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setDefaultSectionSize(330)
        horizontal.setStretchLastSection(True)
        horizontal.sectionResized.connect(self._on_header_section_resized)
        self._fitting = False
        self._user_sized_columns = False
        horizontal.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.transcript = TranscriptWidget()
        self.pair = TranscriptPair()
        self.column_a = QComboBox()
        self.column_b = QComboBox()
        for combo in (self.column_a, self.column_b):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(16)
            for column in layout.columns:
                combo.addItem(column.label, column.index)
        self.column_b.setCurrentIndex(min(1, self.column_b.count() - 1))
        self.summary = QTextBrowser()
        self.summary.setObjectName("simulation-summary")
        self.summary.setPlaceholderText(
            "Column summaries and the paired comparison appear once the conversations are scored."
        )
        self.details = QTabWidget()
        self._build_layout()
        self._build_actions()

        self.cancel_button.clicked.connect(self.cancel_requested)
        self.resume_button.clicked.connect(self.resume_requested)
        self.retry_button.clicked.connect(self.retry_errors_requested)
        self.score_button.clicked.connect(self.score_requested)
        self.approve_button.clicked.connect(self.request_approval)
        self.table.selectionModel().currentChanged.connect(self._on_selection_current_changed)
        self.table.activated.connect(lambda _index: self.read_transcript())
        self.column_a.currentIndexChanged.connect(lambda _i: self._on_columns_changed())
        self.column_b.currentIndexChanged.connect(lambda _i: self._on_columns_changed())
        self.details.currentChanged.connect(lambda _i: self._show_current())
        self.set_running(False)

    # -- public --------------------------------------------------------------------------------

    def set_running(self, running: bool) -> None:
        """Enable Cancel while the simulation runs, Resume / Retry / Score otherwise."""
        self._running = running
        self.cancel_button.setEnabled(running)
        for button in (
            self.resume_button, self.retry_button, self.score_button, self.approve_button
        ):  # fmt: skip
            button.setEnabled(not running)
        self._update_progress()

    def apply_events(self, events: list[object]) -> None:
        """Fold engine events into the grid and the transcript being read."""
        for event in events:
            if isinstance(event, SimulationStarted):
                self._total = event.total
        changed = self.live.apply_events(events)
        self._apply(changed)

    def apply_scores(self, scores: list[object]) -> None:
        """Show stored conversation scores."""
        self._apply(self.live.apply_scores(scores))  # type: ignore[arg-type]
        self.summary_requested.emit(self.column_a.currentData(), self.column_b.currentData())

    def show_message(self, text: str) -> None:
        """A line under the toolbar (how it ended, why it stopped); empty hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_summary(self, summary: object) -> None:
        """Say how an execution ended: counts, calls, cache hits, cost and time."""
        self.show_message(describe_summary(summary))

    def show_scoring_failure(self, message: str) -> None:
        """Say that scoring failed (the transcripts are kept)."""
        self.show_message(f"Not scored: {message}")

    def show_summary_html(self, html: str) -> None:
        """The column summaries and comparison, as prepared by the caller."""
        self.summary.setHtml(html)

    def current_key(self) -> ConversationKey | None:
        """The conversation under the grid's cursor."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        source = self._proxy.mapToSource(index)
        row, column = self.model.grid.address(source.row(), source.column())
        return self.live.key_for(row, column)  # type: ignore[arg-type]

    def select(self, key: ConversationKey) -> bool:
        """Put the grid's cursor on a conversation."""
        position = self.model.grid.position((key.case_id, key.customer, key.repeat), key.column)
        if position is None:
            return False
        index = self._proxy.mapFromSource(self.model.index(*position))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def request_approval(self) -> None:
        """Ask to approve the selected column's bundle (the left compared column when none)."""
        key = self.current_key()
        column = key.column if key is not None else self.column_a.currentData()
        if column is not None:
            self.approve_requested.emit(column)

    def read_transcript(self) -> None:
        """Show the selected conversation's transcript and give it the keyboard."""
        self.details.setCurrentIndex(TRANSCRIPT_TAB)
        self.transcript.scroll.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_side_by_side(self) -> None:
        """Show the selected scenario under the two chosen columns."""
        key = self.current_key()
        if key is not None and self.column_a.currentData() != key.column:
            # Compare the column being read with the other chosen one.
            if self.column_b.currentData() == key.column:
                self.column_b.setCurrentIndex(self.column_a.currentIndex())
            self.column_a.setCurrentIndex(self.column_a.findData(key.column))
        self.details.setCurrentIndex(PAIR_TAB)

    def move_rows(self, step: int) -> None:
        """Move the cursor `step` rows, staying in its column."""
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
        """Share the grid's width between the columns (at least 220 px each)."""
        count = self.model.columnCount()
        if not count or self._user_sized_columns:
            return
        width = max(220, self.table.viewport().width() // count)
        self._fitting = True
        for column in range(count):
            self.table.setColumnWidth(column, width)
        self._fitting = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the columns sharing the width until the user sizes one by hand."""
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self.fit_columns)  # once the splitter laid the grid out

    def _on_header_section_resized(self, _section: int, _old: int, _new: int) -> None:
        if not self._fitting:
            self._user_sized_columns = True

    # -- building ------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.progress_label, 1)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)
        top.addWidget(self.resume_button)
        top.addWidget(self.retry_button)
        top.addWidget(self.score_button)
        top.addWidget(self.approve_button)

        pair_page = QWidget()
        pair_layout = QVBoxLayout(pair_page)
        pair_layout.setContentsMargins(4, 4, 4, 4)
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Left"))
        choose.addWidget(self.column_a, 1)
        choose.addWidget(QLabel("Right"))
        choose.addWidget(self.column_b, 1)
        pair_layout.addLayout(choose)
        pair_layout.addWidget(self.pair, 1)
        self.details.addTab(self.transcript, "Transcript")
        self.details.addTab(pair_page, "Side by side")
        self.details.addTab(self.summary, "Summary")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("simulation-splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([2600, 1700])
        self.splitter.splitterMoved.connect(lambda _pos, _index: self.fit_columns())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

    def _build_actions(self) -> None:
        def add(text: str, key: str, slot: Callable[[], None], target: QWidget) -> None:
            action = QAction(text, target)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False: slot())
            target.addAction(action)

        # Single keys live on the grid only, so typing elsewhere never triggers them.
        add("Next row", "J", lambda: self.move_rows(+1), self.table)
        add("Previous row", "K", lambda: self.move_rows(-1), self.table)
        add("Side by side", "B", self.show_side_by_side, self.table)
        add("Cancel the simulation", "Esc", self._cancel_if_running, self)

    # -- updating ------------------------------------------------------------------------------

    def _apply(self, changed: list[tuple[RowKey, int, object]]) -> None:
        if not changed:
            return
        self.model.update_cells(changed)  # type: ignore[arg-type]
        self._update_progress()
        current = self.current_key()
        touched = {(row, column) for row, column, _cell in changed}
        if current is None:
            return
        row = (current.case_id, current.customer, current.repeat)
        if (row, current.column) in touched or any(r == row for r, _c in touched):
            self._show_current()

    def _update_progress(self) -> None:
        settled, total = self.model.grid.progress()
        summaries = [self.model.grid.column_summary(c) for c in range(self.model.columnCount())]
        errors = sum(s.errors for s in summaries)
        running = sum(
            1
            for r in range(self.model.rowCount())
            for c in range(self.model.columnCount())
            if self.model.cell_at(r, c).phase == "running"
        )
        text = f"{settled} / {total} conversations done"
        if self._running:
            text = f"Simulating · {text} · {running} in progress"
        if errors:
            text += f" · {errors} error{'s' if errors > 1 else ''}"
        self.progress_label.setText(text)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(settled)
        self.progress.setVisible(self._running or settled < total)

    def _show_current(self) -> None:
        key = self.current_key()
        if key is None:
            self.transcript.clear()
            self.pair.set_transcripts(None, None)
            return
        if self.details.currentIndex() == TRANSCRIPT_TAB:
            self.transcript.set_transcript(self.live.transcript(key))
        elif self.details.currentIndex() == PAIR_TAB:
            left, right = self.column_a.currentData(), self.column_b.currentData()
            self.pair.set_transcripts(
                self._transcript_in(key, left), self._transcript_in(key, right)
            )

    def _transcript_in(self, key: ConversationKey, column: int | None) -> TranscriptView | None:
        if column is None:
            return None
        other = ConversationKey(key.case_id, column, key.customer, key.repeat)
        if other not in self.live.results:
            return None
        return self.live.transcript(other)

    def _cancel_if_running(self) -> None:
        if self._running:
            self.cancel_requested.emit()

    # -- slots ---------------------------------------------------------------------------------

    def _on_selection_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_current()
        key = self.current_key()
        if key is not None:
            self.conversation_selected.emit(key)

    def _on_columns_changed(self) -> None:
        self._show_current()
        a, b = self.column_a.currentData(), self.column_b.currentData()
        if a is not None and b is not None:
            QTimer.singleShot(0, self, lambda: self.summary_requested.emit(a, b))


def describe_summary(summary: object) -> str:
    """How an execution ended, in one line."""
    if not isinstance(summary, SimulationSummary):
        return ""
    counts = ", ".join(f"{n} {state}" for state, n in sorted(summary.counts.items()))
    text = (
        f"Simulation {summary.status}: {counts or 'nothing to do'} — {summary.calls} call(s),"
        f" {summary.cache_hits} from cache, ${summary.cost_usd:.4f}, {summary.elapsed_s:.1f} s."
    )
    if summary.message:
        text += f" {summary.message}"
    if summary.status in ("cancelled", "budget_stopped", "failed"):
        text += " Finished turns are kept; Resume continues the rest."
    return text
