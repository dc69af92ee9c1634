"""`BundleExportPanel`: export an approved bundle as files, promptfoo, Langfuse or code.

Each button asks for a folder, then renders and writes the export off the GUI thread
(`export_bundle`, which refuses any export holding a key). The panel then lists the files
written, the caveats and the parts the format has no place for, each by name.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.app.interchange import BUNDLE_FORMATS as FORMATS
from workbench.app.interchange import ExportResult, export_bundle_ref

if TYPE_CHECKING:
    from workbench.app.records import Store
    from workbench.gui.background_jobs import BackgroundJobs

FORMAT_TITLES = {"files": "Files", "promptfoo": "promptfoo", "langfuse": "Langfuse", "code": "Code"}


def export_html(result: ExportResult) -> str:
    """What an export wrote and what it could not carry, in plain words."""
    files = "".join(f"<li>{escape(str(path))}</li>" for path in result.files)
    parts = [
        f"<p>Exported as <b>{escape(result.format)}</b> to {escape(str(result.out_dir))}:</p>"
        f"<ul>{files}</ul>"
    ]
    if result.unsupported:
        items = "".join(f"<li>{escape(item)}</li>" for item in result.unsupported)
        parts.append(f"<p><b>Not exported (no equivalent in this format):</b></p><ul>{items}</ul>")
    if result.warnings:
        items = "".join(f"<li>{escape(item)}</li>" for item in result.warnings)
        parts.append(f"<p><b>Notes:</b></p><ul>{items}</ul>")
    return "".join(parts)


class BundleExportPanel(QWidget):
    """Export buttons for one approved bundle and the report of the last export.

    Args:
        jobs: runs the export off the GUI thread with its own store.
        ref: the approval's address (``NAME@vN``).

    Signals:
        exported(object): the `ExportResult` of a finished export.
        failed(str): why an export did not happen.
    """

    exported = Signal(object)
    failed = Signal(str)

    def __init__(self, jobs: BackgroundJobs, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._ref = ref
        self._pending: dict[int, str] = {}
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.addWidget(QLabel("Export:"))
        for fmt in FORMATS:
            button = QPushButton(f"{FORMAT_TITLES.get(fmt, fmt)}…")
            button.setToolTip(f"Write the bundle as {fmt} into a folder you choose")
            button.clicked.connect(lambda _checked=False, f=fmt: self.choose_folder(f))
            self.buttons[fmt] = button
            row.addWidget(button)
        row.addStretch(1)
        self.blocked_label = QLabel(self)
        self.blocked_label.setWordWrap(True)
        self.blocked_label.hide()
        self.report = QTextBrowser()
        self.report.setOpenLinks(False)
        self.report.setMaximumHeight(160)
        self.report.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.blocked_label)
        layout.addWidget(self.report)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)

    def set_blocked(self, reason: str | None) -> None:
        """Disable every export button and say why in one line (None: exports allowed)."""
        for fmt, button in self.buttons.items():
            button.setEnabled(reason is None)
            button.setToolTip(
                f"Write the bundle as {fmt} into a folder you choose" if reason is None else reason
            )
        self.blocked_label.setText(reason or "")
        self.blocked_label.setVisible(reason is not None)

    @property
    def blocked_reason(self) -> str | None:
        """Why the bundle cannot be exported now, or None."""
        return self.blocked_label.text() or None

    def folder_dialog(self, fmt: str) -> QFileDialog:
        """The folder picker: an existing folder, or the name of a new one to create.

        A directory-mode picker refuses a folder that does not exist yet; the export creates
        its folder, so the picker is a save dialog that shows folders only.
        """
        dialog = QFileDialog(self, f"Export {self._ref} as {fmt} into")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Export here")
        dialog.setLabelText(QFileDialog.DialogLabel.FileName, "Folder")
        return dialog

    def choose_folder(self, fmt: str) -> None:
        """Ask for a folder (an existing one or a new name), then export into it."""
        dialog = self.folder_dialog(fmt)
        if dialog.exec() and dialog.selectedFiles():
            self.export_to(fmt, Path(dialog.selectedFiles()[0]))

    def export_to(self, fmt: str, folder: Path) -> int:
        """Export the bundle as `fmt` into `folder` in the background; returns the job id."""
        ref = self._ref

        def work(store: Store, _progress: Any) -> ExportResult:
            return export_bundle_ref(store, ref, fmt, folder)

        job = self._jobs.submit(work)
        self._pending[job] = fmt
        self._show(f"<p>Exporting {escape(ref)} as {escape(fmt)}…</p>")
        return job

    def _show(self, html: str) -> None:
        self.report.setHtml(html)
        self.report.show()

    def _on_jobs_job_succeeded(self, job: int, result: object) -> None:
        if self._pending.pop(job, None) is None:
            return
        assert isinstance(result, ExportResult)
        self._show(export_html(result))
        self.exported.emit(result)

    def _on_jobs_job_failed(self, job: int, message: str) -> None:
        fmt = self._pending.pop(job, None)
        if fmt is None:
            return
        self._show(f"<p><b>The {escape(fmt)} export failed:</b> {escape(message)}</p>")
        self.failed.emit(message)
