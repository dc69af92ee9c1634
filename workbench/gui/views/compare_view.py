"""`CompareView`: two columns of a run side by side, their paired statistics and verdict, and
pairwise review row by row.

The statistics (McNemar on pass/fail, paired bootstrap and Wilcoxon on scores) and the verdict
come from `workbench.app.scoring.compare`, computed on a worker thread. Below them, one dataset
row at a time, the two answers sit next to each other with the words that differ highlighted.
The reviewer says which is better from the keyboard — L (left), R (right), T (tie), J / K to
move between rows — and each preference is stored at once. In blind mode the column names,
scores and statistics are hidden and each row shows the columns in a fixed random order, so the
judgement is about the words alone; the preference is still stored against the right column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.core.reviews import PairwisePreference, Winner
from workbench.core.runs import Column
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.document_view import DocumentView
from workbench.gui.models.compare_data import (
    CompareData,
    PairRow,
    blind_swapped,
    comparison_html,
    load_compare_data,
)
from workbench.gui.models.word_diff import word_diff_html
from workbench.gui.serial_writes import SerialWrites

Side = str  # "left" | "right" | "tie"


class CompareView(DocumentView):
    """Compare two columns of one run.

    Args:
        jobs: runs the store reads and writes off the GUI thread.
        run_id: the run.
        columns: the run's columns.
        rubric_id: the rubric version whose scores the statistics use (None: no statistics).
        reviewer: who is reviewing (preferences are stored under this name).
        column_a / column_b: the run column indexes to compare first.

    Signals:
        loaded(object): the `CompareData` now shown.
        preference_saved(object): a `PairwisePreference` was stored.
        message_posted(str): something to tell the user (a failed save).
    """

    loaded = Signal(object)
    preference_saved = Signal(object)

    def __init__(
        self,
        jobs: BackgroundJobs,
        *,
        run_id: int,
        columns: Sequence[Column],
        rubric_id: str | None,
        reviewer: str,
        column_a: int,
        column_b: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._run_id = run_id
        self._columns = list(columns)
        self._rubric_id = rubric_id
        self._reviewer = reviewer
        self._data: CompareData | None = None
        self._position = 0
        self._load_job: int | None = None
        # In order, the last word winning: a reviewer may change their mind on a row at once.
        self._preferences = SerialWrites(jobs, self)
        self._preferences.written.connect(self._on_preferences_written)
        self._preferences.failed.connect(self._on_preferences_failed)

        self.column_a = QComboBox()
        self.column_b = QComboBox()
        for combo in (self.column_a, self.column_b):
            for column in self._columns:
                combo.addItem(f"{column.index}: {column.label}", column.index)
        self.column_a.setCurrentIndex(max(0, self.column_a.findData(column_a)))
        self.column_b.setCurrentIndex(max(0, self.column_b.findData(column_b)))
        self.blind = QCheckBox("Blind review")
        self.blind.setToolTip("Hide column names, scores and statistics; shuffle sides per row")
        self.stats = QTextBrowser()
        self.stats.setObjectName("compare-stats")
        self.stats.setOpenLinks(False)
        self.position_label = QLabel()
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.left_title, self.right_title = QLabel(), QLabel()
        self.left, self.right = QTextBrowser(), QTextBrowser()
        self.preference_label = QLabel()
        self.previous = QPushButton("◀ Previous (K)")
        self.next = QPushButton("Next (J) ▶")
        self.prefer_left = QPushButton("Left is better (L)")
        self.tie = QPushButton("Tie (T)")
        self.prefer_right = QPushButton("Right is better (R)")

        self._build_layout()
        self._build_actions()
        self.column_a.currentIndexChanged.connect(self._on_columns_changed)
        self.column_b.currentIndexChanged.connect(self._on_columns_changed)
        self.blind.toggled.connect(self._on_blind_toggled)
        self.previous.clicked.connect(lambda: self.move(-1))
        self.next.clicked.connect(lambda: self.move(+1))
        self.prefer_left.clicked.connect(lambda: self.prefer("left"))
        self.prefer_right.clicked.connect(lambda: self.prefer("right"))
        self.tie.clicked.connect(lambda: self.prefer("tie"))
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self.reload()

    @property
    def name(self) -> str:
        """The tab's title."""
        return f"Compare #{self._run_id}"

    @property
    def data(self) -> CompareData | None:
        """What is shown, once loaded."""
        return self._data

    @property
    def loading(self) -> bool:
        """Whether a read of the columns and statistics is under way (the stats say so)."""
        return self._load_job is not None

    def current_row(self) -> PairRow | None:
        """The row under review."""
        if self._data is None or not self._data.rows:
            return None
        return self._data.rows[self._position]

    def reload(self) -> None:
        """Read both columns, the statistics and the preferences again (off the GUI thread)."""
        run_id, rubric_id, reviewer = self._run_id, self._rubric_id, self._reviewer
        a, b = self.column_a.currentData(), self.column_b.currentData()
        self.stats.setHtml("<p><i>Computing the paired statistics…</i></p>")
        self._load_job = self._jobs.submit(
            lambda store, _progress: load_compare_data(store, run_id, a, b, rubric_id, reviewer)
        )

    def move(self, step: int) -> None:
        """Show the row `step` rows further (negative: back)."""
        if self._data is None or not self._data.rows:
            return
        self._position = min(max(self._position + step, 0), len(self._data.rows) - 1)
        self._show_row()

    def prefer(self, side: Side) -> None:
        """Store which side the reviewer prefers for the current row, then move on."""
        row = self.current_row()
        data = self._data
        if row is None or data is None:
            return
        winner: Winner = "tie"
        if side != "tie":
            left_is_a = not (self.blind.isChecked() and blind_swapped(self._run_id, row.row_id))
            winner = "a" if (side == "left") == left_is_a else "b"
        preference = PairwisePreference(
            run_id=self._run_id,
            row_id=row.row_id,
            column_a=data.column_a.index,
            column_b=data.column_b.index,
            winner=winner,
            blinded=self.blind.isChecked(),
            reviewer=self._reviewer,
            at=datetime.now(UTC),
        )
        key = (preference.row_id, preference.column_a, preference.column_b)
        self._preferences.write(key, lambda store: store.save_preference(preference))
        data.preferences[row.row_id] = winner
        self.move(+1)
        if self.current_row() is row:
            self._show_row()

    # -- building ------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        pick = QHBoxLayout()
        pick.addWidget(QLabel("<b>A</b>"))
        pick.addWidget(self.column_a, 1)
        pick.addWidget(QLabel("<b>B</b>"))
        pick.addWidget(self.column_b, 1)
        pick.addWidget(self.blind)

        nav = QHBoxLayout()
        nav.addWidget(self.previous)
        nav.addWidget(self.position_label, 1, Qt.AlignmentFlag.AlignCenter)
        nav.addWidget(self.next)

        answers = QGridLayout()
        answers.addWidget(self.left_title, 0, 0)
        answers.addWidget(self.right_title, 0, 1)
        answers.addWidget(self.left, 1, 0)
        answers.addWidget(self.right, 1, 1)
        answers_box = QWidget()
        answers_box.setLayout(answers)

        choose = QHBoxLayout()
        choose.addWidget(self.prefer_left)
        choose.addWidget(self.tie)
        choose.addWidget(self.prefer_right)
        choose.addStretch(1)
        choose.addWidget(self.preference_label)

        review = QWidget()
        review_layout = QVBoxLayout(review)
        review_layout.setContentsMargins(0, 0, 0, 0)
        review_layout.addLayout(nav)
        review_layout.addWidget(self.question)
        review_layout.addWidget(answers_box, 1)
        review_layout.addLayout(choose)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("compare-splitter")
        self.splitter.addWidget(self.stats)
        self.splitter.addWidget(review)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([230, 600])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(pick)
        layout.addWidget(self.splitter, 1)

    def _build_actions(self) -> None:
        def add(key: str, slot: Callable[[], None]) -> None:
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False: slot())
            self.addAction(action)

        add("J", lambda: self.move(+1))
        add("K", lambda: self.move(-1))
        add("L", lambda: self.prefer("left"))
        add("R", lambda: self.prefer("right"))
        add("T", lambda: self.prefer("tie"))

    # -- showing -------------------------------------------------------------------------------

    def _show_data(self, data: CompareData) -> None:
        previous = self.current_row()
        self._data = data
        ids = [row.row_id for row in data.rows]
        self._position = ids.index(previous.row_id) if previous and previous.row_id in ids else 0
        self.stats.setHtml(comparison_html(data))
        self._show_row()
        self.loaded.emit(data)

    def _show_row(self) -> None:
        blind = self.blind.isChecked()
        self.stats.setVisible(not blind)
        row, data = self.current_row(), self._data
        if row is None or data is None:
            self.position_label.setText("No row has answers in both columns yet.")
            for browser in (self.left, self.right):
                browser.clear()
            self.question.clear()
            return
        self.position_label.setText(
            f"Row {self._position + 1} of {len(data.rows)}: <b>{escape(row.row_id)}</b>"
        )
        swapped = blind and blind_swapped(self._run_id, row.row_id)
        texts = (row.text_b, row.text_a) if swapped else (row.text_a, row.text_b)
        left_html, right_html = word_diff_html(*texts)
        self.left.setHtml(f"<div style='white-space: pre-wrap'>{left_html}</div>")
        self.right.setHtml(f"<div style='white-space: pre-wrap'>{right_html}</div>")
        if blind:
            self.left_title.setText("<b>Left</b>")
            self.right_title.setText("<b>Right</b>")
        else:
            self.left_title.setText(_title("A", data.column_a, row.verdict_a))
            self.right_title.setText(_title("B", data.column_b, row.verdict_b))
        self.question.setText(f"<i>{escape(_question(row))}</i>" if _question(row) else "")
        winner = data.preferences.get(row.row_id)
        self.preference_label.setText(_preference_text(winner, blind, swapped))

    # -- slots ---------------------------------------------------------------------------------

    def _on_columns_changed(self, _index: int) -> None:
        if self.column_a.currentData() == self.column_b.currentData():
            self.stats.setHtml("<p><i>Choose two different columns.</i></p>")
            return
        self.reload()

    def _on_blind_toggled(self, _checked: bool) -> None:
        self._show_row()

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id == self._load_job and isinstance(result, CompareData):
            self._load_job = None
            self._show_data(result)

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._load_job:
            self._load_job = None
            self.stats.setHtml(f"<p><b>Cannot compare:</b> {escape(message)}</p>")

    def _on_preferences_written(self, _key: object, stored: object) -> None:
        self.preference_saved.emit(stored)
        if self._preferences.idle:
            self.reload()  # the reviewers' win rate joins the verdict

    def _on_preferences_failed(self, key: object, message: str) -> None:
        row_id = key[0] if isinstance(key, tuple) else "a row"
        if self._data is not None and isinstance(row_id, str):
            self._data.preferences.pop(row_id, None)
        self.message_posted.emit(f"Preference for {row_id} not saved: {message}")


def _title(side: str, column: Column, verdict: str) -> str:
    extra = f"  <small>({escape(verdict)})</small>" if verdict else ""
    return f"<b>{side}</b> · {escape(column.label)}{extra}"


def _question(row: PairRow) -> str:
    return row.question


def _preference_text(winner: Winner | None, blind: bool, swapped: bool) -> str:
    if winner is None:
        return "<i>No preference yet</i>"
    if winner == "tie":
        return "Your preference: <b>tie</b>"
    if blind:
        left_wins = (winner == "a") != swapped
        return f"Your preference: <b>{'left' if left_wins else 'right'}</b>"
    return f"Your preference: <b>{winner.upper()}</b>"
