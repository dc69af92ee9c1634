"""`LogsDashboard`: the botmaster's view of a conversation log.

KPI tiles and trends, the knowledge-base gaps (clusters ranked by unanswered share × volume),
a searchable list of (anonymised) conversations and a transcript viewer. One click turns a
cluster, or the customer turns selected in a transcript, into a dataset version, and a cluster
or the chosen conversations into a conversation set that replays them in a simulation. Imports and
analyses run as background jobs with a progress bar and a Cancel button; every store read
goes through `workbench.app.logs` on a worker thread.

Without a log (or with one that cannot be read) the chart says what to do instead of drawing
empty axes, and the actions that need a log are disabled with a tooltip saying why.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.app import log_embeddings, log_scenarios
from workbench.app import logs as log_service
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.document_view import DocumentView
from workbench.gui.widgets.kpi_tiles import KpiTiles
from workbench.gui.widgets.kpi_trend_chart import KpiTrendChart

_ROLE_MESSAGE = Qt.ItemDataRole.UserRole
NO_LOG_REASON = "Import a conversation log first (Import log…): there is nothing to analyse yet."
ANALYSE_TIP = "Compute this log's KPIs, topics and knowledge-base gaps (Ctrl+Shift+A)"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class LogsDashboard(DocumentView):
    """Dashboard of one conversation log (or an empty one offering to import).

    Signals:
        message_posted(str): a status line for the main window.
        dataset_made(str): the ``name@vN`` of a dataset made from questions.
        scenarios_made(str): the ``name@vN`` of a conversation set made from conversations.
        log_imported(str): the log name after an import finished.
    """

    message_posted = Signal(str)
    dataset_made = Signal(str)
    scenarios_made = Signal(str)
    log_imported = Signal(str)

    def __init__(
        self,
        jobs: BackgroundJobs,
        family: str = "",
        *,
        author: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("logs-dashboard")
        self._jobs = jobs
        self.family = family
        self._author = author
        self._cancel = threading.Event()
        self._handlers: dict[int, tuple[Any, str]] = {}
        self._busy_job: int | None = None
        self._unreadable: str | None = None  # why the log named `family` could not be read
        self.analysis: dict[str, Any] | None = None
        self.conversation: str | None = None
        self._build()
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        jobs.job_progressed.connect(self._on_jobs_job_progressed)
        if family:
            self.reload()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.title = QLabel(self)
        self.import_button = QPushButton("Import log…", self)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.period = QComboBox(self)
        self.period.addItems(["day", "week", "month"])
        self.period.setCurrentText("week")
        self.period.setToolTip("The period of the KPI trend: one point per day, week or month")
        self.clustering = QComboBox(self)
        self.clustering.setObjectName("clustering")
        self.clustering.addItem("TF-IDF topics (on this machine)", None)
        self.clustering.setToolTip(
            "How customer questions are grouped into topics: TF-IDF on this machine, or the "
            "embeddings of a configured model (only anonymised text is sent; vectors are cached)"
        )
        self.analyse_button = QPushButton("Analyse", self)
        self.analyse_button.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.analyse_button.clicked.connect(self.analyse)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        QShortcut(QKeySequence("Esc"), self, activated=self.cancel)
        for widget in (self.title,):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (
            self.import_button,
            QLabel("by", self),
            self.period,
            self.clustering,
            self.analyse_button,
            self.progress,
            self.cancel_button,
        ):
            bar.addWidget(widget)
        layout.addLayout(bar)

        self.tiles = KpiTiles(self)
        layout.addWidget(self.tiles)
        self.trend = KpiTrendChart(self)
        self.trend.setMinimumHeight(150)

        self.gaps = QTableWidget(0, 4, self)
        self.gaps.setObjectName("gaps-table")
        self.gaps.setHorizontalHeaderLabels(["Questions", "Unanswered", "Gap", "Typical question"])
        _fit_columns(self.gaps, stretch=3)
        self.gaps.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.gaps.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.gaps.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.gaps.verticalHeader().setVisible(False)
        self.gaps.itemSelectionChanged.connect(self._on_gaps_selection_changed)
        self.dataset_name = QLineEdit("log-gaps", self)
        self.dataset_name.setToolTip("Dataset to create or version from the chosen questions")
        self.unanswered_only = QComboBox(self)
        self.unanswered_only.addItems(["unanswered questions", "all questions"])
        self.unanswered_only.setToolTip(
            "Which questions of a cluster go into a dataset or a conversation set"
        )
        self.cluster_button = QPushButton("Make a dataset from this cluster", self)
        self.cluster_button.setEnabled(False)
        self.cluster_button.clicked.connect(self.make_dataset_from_cluster)
        gaps_box = QWidget(self)
        gaps_layout = QVBoxLayout(gaps_box)
        gaps_layout.setContentsMargins(0, 0, 0, 0)
        gaps_layout.addWidget(QLabel("<b>Knowledge-base gaps</b> (unanswered share × volume)"))
        gaps_layout.addWidget(self.gaps)
        row = QHBoxLayout()
        row.addWidget(QLabel("Dataset:"))
        row.addWidget(self.dataset_name)
        row.addWidget(self.unanswered_only)
        gaps_layout.addLayout(row)
        self.scenarios_name = QLineEdit("log-replays", self)
        self.scenarios_name.setToolTip(
            "Conversation set to create or version: each case replays a logged conversation's "
            "customer turns (anonymised), with the log's answers as references where it has them"
        )
        self.cluster_scenarios_button = QPushButton("Make scenarios from this cluster", self)
        self.cluster_scenarios_button.setEnabled(False)
        self.cluster_scenarios_button.setToolTip(
            "Replay this cluster's conversations (unanswered ones or all, as chosen) in the "
            "conversation set named under the conversation list"
        )
        self.cluster_scenarios_button.clicked.connect(self.make_scenarios_from_cluster)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cluster_button)
        buttons.addWidget(self.cluster_scenarios_button)
        gaps_layout.addLayout(buttons)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search conversations (anonymised text)…")
        self.search.setToolTip("Words to find in the log's anonymised conversations (Enter)")
        self.search.returnPressed.connect(self.load_conversations)
        self.conversations = QTableWidget(0, 4, self)
        self.conversations.setObjectName("conversations-table")
        self.conversations.setHorizontalHeaderLabels(
            ["Conversation", "Unanswered", "Hand-off", "First question"]
        )
        self.conversations.setWordWrap(False)
        _fit_columns(self.conversations, stretch=3)
        self.conversations.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.conversations.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.conversations.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.conversations.verticalHeader().setVisible(False)
        self.conversations.itemSelectionChanged.connect(self._on_conversations_selection_changed)
        list_box = QWidget(self)
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.search)
        list_layout.addWidget(self.conversations)
        scenario_row = QHBoxLayout()
        scenario_row.addWidget(QLabel("Conversation set:"))
        scenario_row.addWidget(self.scenarios_name)
        list_layout.addLayout(scenario_row)
        self.conversations_scenarios_button = QPushButton(
            "Make scenarios from these conversations", self
        )
        self.conversations_scenarios_button.setToolTip(
            "The selected conversations, or every listed one when none is selected"
        )
        self.conversations_scenarios_button.setEnabled(False)
        self.conversations_scenarios_button.clicked.connect(self.make_scenarios_from_conversations)
        list_layout.addWidget(self.conversations_scenarios_button)

        self.transcript = QListWidget(self)
        self.transcript.setObjectName("transcript")
        self.transcript.setWordWrap(True)
        self.transcript.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.transcript.itemSelectionChanged.connect(self._on_transcript_selection_changed)
        self.turns_button = QPushButton("Make a dataset from the selected questions", self)
        self.turns_button.setEnabled(False)
        self.turns_button.clicked.connect(self.make_dataset_from_selection)
        transcript_box = QWidget(self)
        transcript_layout = QVBoxLayout(transcript_box)
        transcript_layout.setContentsMargins(0, 0, 0, 0)
        transcript_layout.addWidget(QLabel("<b>Transcript</b> (anonymised)"))
        transcript_layout.addWidget(self.transcript)
        transcript_layout.addWidget(self.turns_button)

        lower = QSplitter(Qt.Orientation.Horizontal, self)
        lower.setObjectName("logs-lower-splitter")
        lower.addWidget(gaps_box)
        lower.addWidget(list_box)
        lower.addWidget(transcript_box)
        lower.setSizes([500, 420, 360])
        upper = QSplitter(Qt.Orientation.Vertical, self)
        upper.setObjectName("logs-splitter")
        upper.addWidget(self.trend)
        upper.addWidget(lower)
        upper.setSizes([180, 420])
        layout.addWidget(upper, 1)
        self._tooltips = {
            widget: widget.toolTip()
            for widget in (
                self.analyse_button,
                self.period,
                self.clustering,
                self.search,
                self.dataset_name,
                self.unanswered_only,
                self.scenarios_name,
            )
        }
        self._tooltips[self.analyse_button] = ANALYSE_TIP
        self._update_title()

    # -- actions -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the latest analysis and the conversation list again."""
        family = self.family
        self._submit(lambda store, _p: log_service.latest_analysis(store, family), "analysis")
        self._submit(lambda store, _p: log_embeddings.embedding_model_choices(store), "models")
        self.load_conversations()

    def load_conversations(self) -> None:
        if not self.family:
            return
        family, text = self.family, self.search.text()
        self._submit(
            lambda store, _p: log_service.list_conversations(store, family, search=text, limit=300),
            "conversations" if text.strip() else "listing",
        )

    def import_file(self, path: str, family: str | None = None) -> int:
        """Import `path` into `family` (default: this log, or one named after the file)."""
        from pathlib import Path as _Path

        source = _Path(path)
        target = family or self.family or _family_from(source)
        cancel = self._start_busy()
        author = self._author

        def job(store: Any, progress: Any) -> Any:
            return log_service.import_log(
                store,
                source,
                family=target,
                author=author,
                cancel=cancel,
                progress=lambda _phase, done, total: progress(done, total),
            )

        return self._submit(job, "imported", busy=True)

    def analyse(self) -> int | None:
        if not self.family:
            self.message_posted.emit("Import a conversation log first.")
            return None
        family, period = self.family, self.period.currentText()
        embeddings = self.clustering.currentData()
        cancel = self._start_busy()

        def job(store: Any, progress: Any) -> Any:
            result = log_service.analyse_log(
                store,
                family,
                period=period,
                embeddings=embeddings,
                cancel=cancel,
                progress=lambda _phase, done, total: progress(done, total),
            )
            return log_service.analysis_json(result)

        return self._submit(job, "analysis", busy=True)

    def cancel(self) -> None:
        if self._busy_job is not None:
            self._cancel.set()
            self.message_posted.emit("Stopping… (an import resumes where it stopped)")

    def selected_cluster(self) -> int | None:
        rows = self.gaps.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.gaps.item(rows[0].row(), 0)
        return None if item is None else int(item.data(_ROLE_MESSAGE))

    def make_dataset_from_cluster(self) -> int | None:
        cluster = self.selected_cluster()
        if cluster is None:
            return None
        family, name = self.family, self.dataset_name.text().strip()
        unanswered = self.unanswered_only.currentIndex() == 0
        author = self._author
        return self._submit(
            lambda store, _p: log_service.questions_to_dataset(
                store,
                family,
                dataset=name,
                cluster=cluster,
                unanswered_only=unanswered,
                author=author,
            ),
            "dataset",
        )

    def make_dataset_from_selection(self) -> int | None:
        ids = [
            int(i.data(_ROLE_MESSAGE))
            for i in self.transcript.selectedItems()
            if i.data(Qt.ItemDataRole.UserRole + 1) == "user"
        ]
        if not ids:
            return None
        family, name, author = self.family, self.dataset_name.text().strip(), self._author
        return self._submit(
            lambda store, _p: log_service.questions_to_dataset(
                store, family, dataset=name, message_ids=ids, author=author
            ),
            "dataset",
        )

    def make_scenarios_from_cluster(self) -> int | None:
        """The selected cluster's conversations as a conversation set (script replays)."""
        cluster = self.selected_cluster()
        if cluster is None:
            return None
        selection = log_scenarios.LogSelection(
            cluster=cluster, unanswered_only=self.unanswered_only.currentIndex() == 0
        )
        return self._make_scenarios(selection)

    def chosen_conversations(self) -> list[str]:
        """The selected conversations, or every listed one when none is selected."""
        rows = sorted(r.row() for r in self.conversations.selectionModel().selectedRows())
        if not rows:
            rows = list(range(self.conversations.rowCount()))
        items = (self.conversations.item(row, 0) for row in rows)
        return [item.text() for item in items if item is not None]

    def make_scenarios_from_conversations(self) -> int | None:
        chosen = self.chosen_conversations()
        if not chosen:
            return None
        return self._make_scenarios(log_scenarios.LogSelection(conversations=tuple(chosen)))

    def _make_scenarios(self, selection: log_scenarios.LogSelection) -> int:
        family, name, author = self.family, self.scenarios_name.text().strip(), self._author
        return self._submit(
            lambda store, _p: log_scenarios.conversations_to_scenarios(
                store, family, selection, name=name, author=author
            ),
            "scenarios",
        )

    # -- jobs ----------------------------------------------------------------------------------

    def _start_busy(self) -> threading.Event:
        self._cancel = threading.Event()
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.import_button.setEnabled(False)
        self.analyse_button.setEnabled(False)
        return self._cancel

    def _end_busy(self) -> None:
        self._busy_job = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.import_button.setEnabled(True)
        self._update_actions()

    @property
    def unavailable_reason(self) -> str | None:
        """Why the actions that need a log are off (no log yet, or it cannot be read), or None."""
        if not self.family:
            return NO_LOG_REASON
        if self._unreadable is not None:
            return f"This log cannot be read: {self._unreadable}"
        return None

    def _update_actions(self) -> None:
        """Enable what needs a log only when there is one, each tooltip saying why not."""
        reason = self.unavailable_reason
        for widget, tip in self._tooltips.items():
            widget.setEnabled(reason is None)
            widget.setToolTip(tip if reason is None else reason)
        if self._busy_job is not None:
            self.analyse_button.setEnabled(False)
        if not self.family:
            self.trend.set_placeholder(
                "Import a conversation log (Import log…) to see its containment, hand-off,"
                " unanswered and CSAT trends."
            )
        elif self._unreadable is not None:
            self.trend.set_placeholder(f"This log cannot be read: {self._unreadable}")
        elif self.analysis is None:
            self.trend.set_placeholder("Analyse this log to see its KPIs by day, week or month.")
        else:
            self.trend.set_placeholder("This analysis has no dated conversation to chart.")

    def _submit(self, job: Any, kind: str, *, busy: bool = False) -> int:
        job_id = self._jobs.submit(job)
        self._handlers[job_id] = (job, kind)
        if busy:
            self._busy_job = job_id
        return job_id

    def _on_jobs_job_progressed(self, job_id: int, done: int, total: int) -> None:
        if job_id == self._busy_job:
            self.progress.setRange(0, max(total, 0))
            self.progress.setValue(min(done, total) if total else 0)

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        entry = self._handlers.pop(job_id, None)
        if entry is None:
            return
        if job_id == self._busy_job:
            self._end_busy()
        elif entry[1] in ("analysis", "listing"):  # reading the log itself failed
            self._unreadable = message
            self._update_actions()
        self.message_posted.emit(message)

    def _on_jobs_job_succeeded(self, job_id: int, result: Any) -> None:
        entry = self._handlers.pop(job_id, None)
        if entry is None:
            return
        kind = entry[1]
        if job_id == self._busy_job:
            self._end_busy()
        if kind == "analysis":
            self.show_analysis(result)
        elif kind in ("conversations", "listing"):
            if kind == "listing" and self._unreadable is not None:
                self._unreadable = None  # the log reads again
                self._update_actions()
            self._show_conversations(result)
        elif kind == "transcript":
            self._show_transcript(*result)
        elif kind == "imported":
            self._on_imported(result)
        elif kind == "dataset":
            ref = result.version.ref
            verb = "Made" if result.created else "Unchanged:"
            self.message_posted.emit(f"{verb} dataset {ref} with {result.rows} question(s).")
            self.dataset_made.emit(ref)
        elif kind == "scenarios":
            self._on_scenarios_made(result)
        elif kind == "models":
            self._show_embedding_models(result)

    def _show_embedding_models(self, names: list[str]) -> None:
        chosen = self.clustering.currentData()
        while self.clustering.count() > 1:
            self.clustering.removeItem(1)
        for name in names:
            self.clustering.addItem(f"Embeddings of {name}", name)
        index = self.clustering.findData(chosen)
        self.clustering.setCurrentIndex(max(index, 0))

    def _on_scenarios_made(self, result: log_scenarios.ScenariosFromLog) -> None:
        ref = result.version.ref
        verb = "Made" if result.created else "Unchanged:"
        blanks = (
            f"; {result.blanks} reference answer(s) left blank to fill" if result.blanks else ""
        )
        more = f"; {result.truncated} more left out" if result.truncated else ""
        self.message_posted.emit(
            f"{verb} conversation set {ref} with {result.cases} replayed conversation(s)"
            f"{blanks}{more}."
        )
        self.scenarios_made.emit(ref)

    def _on_imported(self, result: log_service.LogImportResult) -> None:
        if result.status == "stopped":
            self.message_posted.emit(
                f"Import stopped after {result.messages_added} message(s); import the same file"
                " again to resume."
            )
            return
        self.family = result.family
        self._unreadable = None
        self._update_title()
        replaced = ", ".join(f"{n} {k}" for k, n in sorted(result.replacements.items()))
        warn = " ".join(result.warnings)
        self.message_posted.emit(
            f"Imported {result.messages_added} message(s) into {result.family}"
            + (f"; anonymised {replaced}" if replaced else "")
            + (f". {warn}" if warn else "")
        )
        self.log_imported.emit(result.family)
        self.reload()

    # -- showing -------------------------------------------------------------------------------

    def show_analysis(self, analysis: dict[str, Any] | None) -> None:
        self.analysis = analysis
        self._update_actions()
        if analysis is None:
            self.tiles.set_values({})
            self.trend.set_points([])
            self.gaps.setRowCount(0)
            return
        self.tiles.set_values(
            {
                "conversations": f"{analysis['conversations']:,}".replace(",", " "),
                "containment": _percent(analysis["containment"]),
                "handoff": _percent(analysis["handoff_rate"]),
                "unanswered": _percent(analysis["unanswered_rate"]),
                "csat": _percent(analysis["csat"]),
            }
        )
        self.trend.set_points(analysis["kpis"])
        clusters = {c["id"]: c for c in analysis["clusters"]}
        order = [clusters[i] for i in analysis["gaps"] if i in clusters]
        order += [c for c in analysis["clusters"] if c["id"] not in analysis["gaps"]]
        self.gaps.setRowCount(len(order))
        for row, cluster in enumerate(order):
            size = QTableWidgetItem(str(cluster["size"]))
            size.setData(_ROLE_MESSAGE, cluster["id"])
            share = QTableWidgetItem(_percent(cluster["unanswered_share"]))
            if cluster["unanswered_share"] >= 0.5:
                share.setForeground(QColor(200, 60, 60))
            gap = QTableWidgetItem(f"{cluster['gap_score']:.0f}")
            label = QTableWidgetItem(cluster["label"])
            label.setToolTip(
                "\n".join(cluster["examples"]) + "\nTerms: " + ", ".join(cluster["terms"])
            )
            for column, item in enumerate((size, share, gap, label)):
                self.gaps.setItem(row, column, item)

    def _show_conversations(self, summaries: list[Any]) -> None:
        self.conversations.clearSelection()
        self.conversations.setRowCount(len(summaries))
        self.conversations_scenarios_button.setEnabled(bool(summaries))
        for row, s in enumerate(summaries):
            values = (
                s.conversation,
                str(s.unanswered),
                "yes" if s.handoff else "",
                s.first_question,
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 1 and s.unanswered:
                    item.setForeground(QColor(200, 60, 60))
                self.conversations.setItem(row, column, item)

    def show_conversation(self, conversation: str) -> int:
        family = self.family
        self.conversation = conversation
        return self._submit(
            lambda store, _p: log_service.show_conversation(store, family, conversation),
            "transcript",
        )

    def _show_transcript(self, summary: Any, messages: list[Any], turns: list[Any]) -> None:
        flagged = {t.message_id for t in turns if t.unanswered}
        self.transcript.clear()
        for message in messages:
            mark = "   ✗ unanswered" if message.id in flagged else ""
            item = QListWidgetItem(f"{message.role}: {message.text}{mark}")
            item.setData(_ROLE_MESSAGE, message.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, message.role)
            if message.role != "user":
                item.setForeground(QColor(90, 90, 90))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            if message.id in flagged:
                item.setForeground(QColor(200, 60, 60))
            item.setToolTip(f"{message.at or ''} · message #{message.id}")
            self.transcript.addItem(item)

    def _update_title(self) -> None:
        self.title.setText(
            f"<b>Conversation log:</b> {self.family}"
            if self.family
            else "<b>No conversation log yet</b> — import one (JSONL or CSV)"
        )
        self._update_actions()

    # -- slots ---------------------------------------------------------------------------------

    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a conversation log", "", "Conversation logs (*.jsonl *.csv *.tsv)"
        )
        if path:
            self.import_file(path)

    def _on_gaps_selection_changed(self) -> None:
        chosen = self.selected_cluster() is not None
        self.cluster_button.setEnabled(chosen)
        self.cluster_scenarios_button.setEnabled(chosen)

    def _on_conversations_selection_changed(self) -> None:
        rows = self.conversations.selectionModel().selectedRows()
        if rows:
            current = self.conversations.currentRow()
            row = current if any(r.row() == current for r in rows) else rows[0].row()
            item = self.conversations.item(row, 0)
            if item is not None and item.text() != self.conversation:
                self.show_conversation(item.text())

    def _on_transcript_selection_changed(self) -> None:
        self.turns_button.setEnabled(bool(self.transcript.selectedItems()))


def _fit_columns(table: QTableWidget, *, stretch: int) -> None:
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)


def _family_from(path: Any) -> str:
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in path.stem.lower())
    return stem.strip("-._")[:80] or "log"
