"""`DatasetEditor`: a dataset's rows in a virtualised table — filter by tag, edit cells, add and
delete rows, import a file, and save as a new version.

The table reads rows page by page (`DatasetTableModel`); the tag filter and the save read or
write every row, so they run on a worker thread. A save that fails (two rows with one id, a
blank id) says which rows, keeps every edit, and selects the first row concerned.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.app.versions import save_version
from workbench.core.errors import KnownError
from workbench.core.models import DatasetContent, Kind
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.document_view import DocumentView
from workbench.gui.models.dataset_edits import DatasetEdits, apply_edits
from workbench.gui.models.dataset_table_model import DatasetTableModel, stored_tags
from workbench.gui.models.run_setup_form import dataset_tags
from workbench.gui.models.save_outcome import describe_save
from workbench.gui.views.dataset_import_dialog import DatasetImportDialog
from workbench.gui.views.noisy_variants_dialog import NoisyVariantsDialog
from workbench.gui.widgets.field_errors import ERROR_STYLE

if TYPE_CHECKING:
    from workbench.app.records import SaveResult, Store

ALL_ROWS = "All rows"
_ROWS_IN_MESSAGE = re.compile(r"Rows (\d+) and (\d+)")


def save_dataset(
    store: Store, name: str, version_id: str | None, edits: DatasetEdits, author: str
) -> SaveResult:
    """Apply the edits to the stored rows and save a new version (a worker-thread job)."""
    base: DatasetContent | None = None
    if version_id is not None:
        base = store.get_version(version_id).content_as(DatasetContent)
    rows = base.rows if base is not None else ()
    description = base.description if base is not None else ""
    content = apply_edits(rows, DatasetEdits(edits.slots, edits.rows, description))
    return save_version(store, Kind.DATASET, name, content, author=author, note="Edited in the app")


class DatasetEditor(DocumentView):
    """Edit one dataset family's head version.

    Signals:
        version_saved(object): a new `Version` was saved.
        dirty_changed(bool): whether there are unsaved edits.
        message_posted(str): something for the status bar.
        tags_loaded(list): the tags offered by the filter were read.
    """

    tags_loaded = Signal(list)

    def __init__(
        self,
        store: Store,
        jobs: BackgroundJobs,
        name: str,
        *,
        author: str,
        provider_factory: object | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._provider_factory = provider_factory
        self._jobs = jobs
        self._name = name
        self._author = author
        self._version_id: str | None = None
        self._tags_job: int | None = None
        self._filter_job: tuple[int, str] | None = None
        self._save_job: int | None = None
        self.model: DatasetTableModel | None = None

        self.title = QLabel()
        self.tag_filter = QComboBox()
        self.tag_filter.setToolTip("Show only the rows with this tag")
        self.add_button = QPushButton("Add row")
        self.delete_button = QPushButton("Delete rows")
        self.import_button = QPushButton("Import file…")
        self.noisy_button = QPushButton("Add noisy variants…")
        self.noisy_button.setToolTip(
            "Save a new version with copies of the rows written the way customers write"
            " (typos, no accents, SMS-speak…), tagged noise:KIND"
        )
        self.save_button = QPushButton("Save (new version)")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.hide()
        self.table = QTableView()
        self.table.setObjectName("dataset-table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        horizontal = self.table.horizontalHeader()
        horizontal.setDefaultSectionSize(220)
        horizontal.setStretchLastSection(True)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Show"))
        top.addWidget(self.tag_filter)
        top.addWidget(self.add_button)
        top.addWidget(self.delete_button)
        top.addWidget(self.import_button)
        top.addWidget(self.noisy_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)

        delete = QAction("Delete rows", self.table)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.delete_selected_rows)
        self.table.addAction(delete)
        self.add_button.clicked.connect(self.add_row)
        self.delete_button.clicked.connect(self.delete_selected_rows)
        self.import_button.clicked.connect(self.open_import)
        self.noisy_button.clicked.connect(self.open_noisy_variants)
        self.save_button.clicked.connect(self.save)
        self.tag_filter.currentTextChanged.connect(self._on_tag_filter_current_text_changed)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self.reload()

    @property
    def name(self) -> str:
        """The dataset family."""
        return self._name

    def is_dirty(self) -> bool:
        """Whether there are unsaved edits."""
        return self.model is not None and self.model.is_dirty()

    def reload(self) -> None:
        """Open the family's head version again (unsaved edits are dropped)."""
        try:
            version = self._store.resolve(Kind.DATASET, self._name)
        except KnownError:
            version = None  # a new dataset
        self._version_id = version.id if version is not None else None
        old = self.model
        self.model = DatasetTableModel(self._store, self._version_id, self)
        self.model.dirty_changed.connect(self._on_model_dirty_changed)
        self.model.edit_refused.connect(self._show_problem)
        self.table.setModel(self.model)
        if old is not None:
            old.deleteLater()
        ref = version.ref if version is not None else f"{self._name} (new)"
        self.title.setText(f"<b>{ref}</b> · {self.model.stored_rows} rows")
        self._show_problem("")
        self.tag_filter.blockSignals(True)
        self.tag_filter.clear()
        self.tag_filter.addItem(ALL_ROWS)
        self.tag_filter.blockSignals(False)
        if version is not None:
            name = self._name
            self._tags_job = self._jobs.submit(lambda store, _p: dataset_tags(store, name))
        self.dirty_changed.emit(False)

    def add_row(self) -> None:
        """Append a row and start editing its first variable."""
        assert self.model is not None
        row = self.model.add_row()
        columns = self.model.columns
        column = 1 if len(columns) > 1 and columns[1].startswith("var:") else 0
        index = self.model.index(row, column)
        self.table.scrollTo(index)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def delete_selected_rows(self) -> None:
        """Delete the selected rows (a new version only once saved)."""
        assert self.model is not None
        rows = sorted({index.row() for index in self.table.selectionModel().selectedIndexes()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        self.model.delete_rows(rows)
        if rows:
            self.message_posted.emit(f"Deleted {len(rows)} row(s); save to keep the change.")

    def open_import(self) -> DatasetImportDialog:
        """Show the import dialog for this dataset family."""
        dialog = DatasetImportDialog(
            self._jobs, family=self._name, author=self._author, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._on_dialog_imported)
        dialog.open()
        return dialog

    def can_save(self) -> bool:
        return True

    def open_noisy_variants(self) -> NoisyVariantsDialog | None:
        """Show the "add noisy variants" dialog (the stored head is perturbed, not edits)."""
        if self.model is not None and self.model.is_dirty():
            self._show_problem("Save your edits first: variants are made from a saved version.")
            return None
        dialog = NoisyVariantsDialog(
            self._jobs,
            self._name,
            author=self._author,
            models=[f.name for f in self._store.list_families(Kind.MODEL)],
            provider_factory=self._provider_factory,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._on_noisy_dialog_saved)
        dialog.open()
        return dialog

    def _on_noisy_dialog_saved(self, result: Any) -> None:
        skipped = f", {result.skipped} already there" if result.skipped else ""
        notes = f" ({' '.join(result.notes)})" if result.notes else ""
        self.message_posted.emit(
            f"Saved {result.version.ref}: {result.added} noisy variants added{skipped}.{notes}"
        )
        self.reload()
        self.version_saved.emit(result.version)

    def save(self) -> None:
        """Save the edits as a new version, on a worker thread."""
        if self.model is None or not self.model.is_dirty():
            self.message_posted.emit("No changes to save.")
            return
        edits = self.model.edits()
        name, version_id, author = self._name, self._version_id, self._author
        self.save_button.setEnabled(False)
        self._save_job = self._jobs.submit(
            lambda store, _p: save_dataset(store, name, version_id, edits, author)
        )

    def _show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    # -- slots ---------------------------------------------------------------------------------

    def _on_tag_filter_current_text_changed(self, text: str) -> None:
        if self.model is None:
            return
        if text in ("", ALL_ROWS) or self._version_id is None:
            self.model.set_tag_filter(None)
            return
        version_id = self._version_id
        job = self._jobs.submit(lambda store, _p: stored_tags(store, version_id))
        self._filter_job = (job, text)

    def _on_model_dirty_changed(self, dirty: bool) -> None:
        self.dirty_changed.emit(dirty)

    def _on_dialog_imported(self, version: Any) -> None:
        self.message_posted.emit(f"Imported {version.ref}.")
        if version.family == self._name:
            self.reload()
        self.version_saved.emit(version)

    def _on_jobs_job_succeeded(self, job_id: int, result: Any) -> None:
        if job_id == self._tags_job:
            self._tags_job = None
            self.tag_filter.addItems([str(tag) for tag in result])
            self.tags_loaded.emit(list(result))
        elif self._filter_job is not None and job_id == self._filter_job[0]:
            tag = self._filter_job[1]
            self._filter_job = None
            if self.model is not None and self.tag_filter.currentText() == tag:
                self.model.set_tag_filter(tag, result)
        elif job_id == self._save_job:
            self._save_job = None
            self.save_button.setEnabled(True)
            if self.model is not None:
                self.model.mark_saved()
            version = result.version
            # The edits were made on `_version_id`, the head when the save started.
            self.message_posted.emit(describe_save(result, self._version_id))
            self.reload()
            self.version_saved.emit(version)

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._save_job:
            self._save_job = None
            self.save_button.setEnabled(True)
            self._show_problem(f"Not saved (your edits are kept): {message}")
            found = _ROWS_IN_MESSAGE.search(message)
            if found and self.model is not None:
                row = int(found.group(2)) - 1
                if 0 <= row < self.model.rowCount():
                    self.table.selectRow(row)
        elif job_id in (self._tags_job, self._filter_job[0] if self._filter_job else None):
            self._tags_job = None
            self._filter_job = None
            self._show_problem(f"Cannot read the dataset's tags: {message}")
