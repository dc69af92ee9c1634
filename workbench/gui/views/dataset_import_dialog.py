"""`DatasetImportDialog`: read a CSV / TSV / JSONL / JSON / YAML file, preview it, save it.

The file is read and parsed on a worker thread (a large file takes a while), with a progress bar.
A bad file is not imported at all: the dialog shows the first problem with its file, line and
column, exactly as the reader reports it, and the lines around it, so it can be fixed in an
editor. A good file shows its
first rows and its size before anything is saved as a new version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.app.interchange import read_dataset_text, read_text
from workbench.app.versions import save_version
from workbench.core.errors import FileFormatError, KnownError
from workbench.core.models import DatasetContent, Kind, validate_name
from workbench.gui.background_jobs import BackgroundJobs, Progress
from workbench.gui.widgets.field_errors import ERROR_STYLE

PREVIEW_ROWS = 50
FILE_FILTER = "Datasets (*.csv *.tsv *.jsonl *.json *.yaml *.yml);;All files (*)"


@dataclass(frozen=True)
class ImportProblem:
    """Why a file cannot be imported, with the lines around the place it names."""

    message: str
    line: int | None
    column: int | None
    excerpt: str


def read_dataset_file(path: Path, progress: Progress) -> DatasetContent | ImportProblem:
    """Read and parse a dataset file, reporting the two steps (a worker-thread job)."""
    progress(0, 2)
    text = read_text(path)
    progress(1, 2)
    try:
        content = read_dataset_text(text, filename=str(path))
    except FileFormatError as error:
        return ImportProblem(str(error), error.line, error.column, _excerpt(text, error.line))
    progress(2, 2)
    return content


def _excerpt(text: str, line: int | None, around: int = 2) -> str:
    """The lines around `line`, numbered, the named one marked with an arrow."""
    if line is None:
        return ""
    lines = text.splitlines()
    first, last = max(1, line - around), min(len(lines), line + around)
    width = len(str(last))
    return "\n".join(
        f"{'→' if number == line else ' '} {number:>{width}} │ {lines[number - 1]}"
        for number in range(first, last + 1)
    )


class DatasetImportDialog(QDialog):
    """Import a dataset file as a new version of a dataset family.

    Args:
        jobs: runs the reading and the saving off the GUI thread.
        family: the dataset family to save into (editable in the dialog).
        author: who is importing.

    Signals:
        parsed(object): the file was read: its `DatasetContent`, or None when it cannot be
            imported (the dialog shows why).
        imported(object): the import was saved as this `Version`.
    """

    parsed = Signal(object)
    imported = Signal(object)

    def __init__(
        self,
        jobs: BackgroundJobs,
        *,
        family: str,
        author: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a dataset file")
        self._jobs = jobs
        self._author = author
        self._read_job: int | None = None
        self._save_job: int | None = None
        self.content: DatasetContent | None = None

        self.path = QLineEdit(placeholderText="A .csv, .tsv, .jsonl, .json or .yaml file")
        self.browse = QPushButton("Browse…")
        self.family = QLineEdit(family)
        self.progress = QProgressBar()
        self.progress.setRange(0, 2)
        self.progress.hide()
        self.status = QLabel("Choose a file to preview it.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.excerpt = QPlainTextEdit(readOnly=True)
        self.excerpt.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.excerpt.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.excerpt.hide()
        self.preview_model = QStandardItemModel(self)
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.preview.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = QPushButton("Import as a new version")
        self.import_button.setEnabled(False)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)

        line = QHBoxLayout()
        line.addWidget(self.path, 1)
        line.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("File", line)
        form.addRow("Into dataset", self.family)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.excerpt, 1)  # either the lines around a problem, or the preview
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)
        self.resize(860, 520)

        self.browse.clicked.connect(self._on_browse_clicked)
        self.path.returnPressed.connect(lambda: self.read(Path(self.path.text().strip())))
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        jobs.job_progressed.connect(self._on_jobs_job_progressed)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)

    def read(self, path: Path) -> None:
        """Read `path` on a worker thread and preview it."""
        self.path.setText(str(path))
        self.content = None
        self.import_button.setEnabled(False)
        self.preview_model.clear()
        self.excerpt.hide()
        self.preview.show()
        self.progress.setValue(0)
        self.progress.show()
        self.status.setStyleSheet("")
        self.status.setText(f"Reading {path.name}…")
        self._read_job = self._jobs.submit_call(lambda progress: read_dataset_file(path, progress))

    def _show_preview(self, content: DatasetContent) -> None:
        rows = content.rows[:PREVIEW_ROWS]
        variables = list(dict.fromkeys(name for row in rows for name in row.vars))
        headers = ["id", *variables, "expected", "tags"]
        self.preview_model.setHorizontalHeaderLabels(headers)
        for row in rows:
            values = [row.id]
            for name in variables:
                value = row.vars.get(name, "")
                values.append(value if isinstance(value, str) else json.dumps(value))
            values += [row.expected or "", ", ".join(row.tags)]
            items = [QStandardItem(value.replace("\n", " ⏎ ")) for value in values]
            for item in items:
                item.setEditable(False)
            self.preview_model.appendRow(items)
        shown = f"the first {len(rows)} of " if len(content.rows) > len(rows) else ""
        self.status.setText(
            f"{len(content.rows)} rows, {len(variables)} variable(s) ({', '.join(variables)})."
            f" Showing {shown}the rows."
        )

    def _on_browse_clicked(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, "Import a dataset", "", FILE_FILTER)
        if name:
            self.read(Path(name))

    def _on_buttons_accepted(self) -> None:
        content = self.content
        family = self.family.text().strip()
        if content is None:
            return
        try:
            validate_name(family)
        except KnownError as error:
            self._show_error(str(error))
            return
        note = f"Imported from {Path(self.path.text()).name}"
        author = self._author
        self.import_button.setEnabled(False)
        self._save_job = self._jobs.submit(
            lambda store, _p: (
                save_version(store, Kind.DATASET, family, content, author=author, note=note).version
            )
        )

    def _show_error(self, message: str) -> None:
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(message)

    def _on_jobs_job_progressed(self, job_id: int, done: int, total: int) -> None:
        if job_id == self._read_job:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id == self._read_job and isinstance(result, ImportProblem):
            self._read_job = None
            self.progress.hide()
            self._show_error(f"Not imported — {result.message}")
            if result.excerpt:
                self.excerpt.setPlainText(result.excerpt)
                self.excerpt.show()
                self.preview.hide()
            self.parsed.emit(None)
        elif job_id == self._read_job and isinstance(result, DatasetContent):
            self._read_job = None
            self.progress.hide()
            self.content = result
            self._show_preview(result)
            self.import_button.setEnabled(True)
            self.parsed.emit(result)
        elif job_id == self._save_job:
            self._save_job = None
            self.imported.emit(result)
            self.accept()

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._read_job:
            self._read_job = None
            self.progress.hide()
            self._show_error(f"Not imported — {message}")
            self.parsed.emit(None)
        elif job_id == self._save_job:
            self._save_job = None
            self.import_button.setEnabled(True)
            self._show_error(f"Not saved: {message}")
