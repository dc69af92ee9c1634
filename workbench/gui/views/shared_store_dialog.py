"""Workspace > Shared store…: the PostgreSQL URL of a team's store and the user's name.

The URL is checked (server reached, schema created or migrated) on a worker thread before it is
saved; a failure is shown in the dialog and changes nothing. The new store is used from the next
start (the window's threads hold connections to the current one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.app.shared_store import configure_workspace, workspace_settings
from workbench.gui.background_jobs import BackgroundJobs

if TYPE_CHECKING:
    from workbench.app.services import Services


class SharedStoreDialog(QDialog):
    """Edit the workspace's database URL and user name."""

    def __init__(
        self, services: Services, jobs: BackgroundJobs, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shared store")
        self._services = services
        self._jobs = jobs
        self._job: int | None = None
        url, user = workspace_settings(services)
        self.url = QLineEdit(url or "")
        self.url.setPlaceholderText("postgresql://user@host:5432/db — empty: this computer's file")
        # Wide enough for the placeholder and a real URL (the dialog opened at 238 px, showing
        # only a URL's tail).
        hint = self.url.fontMetrics().horizontalAdvance(self.url.placeholderText())
        self.url.setMinimumWidth(hint + 24)
        self.user = QLineEdit(user or "")
        self.user.setPlaceholderText(services.current_author())
        self.status = QLabel(
            "The password is never saved: set PGPASSWORD or use ~/.pgpass.", wordWrap=True
        )
        form = QFormLayout()
        form.addRow("Database URL", self.url)
        form.addRow("Your name", self.user)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        # A message the label wraps to several lines (a connection error with its advice)
        # must fit: the layout sets the dialog's minimum size from the label's height for width.
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)

    def _save(self) -> None:
        services, url, user = self._services, self.url.text().strip(), self.user.text()
        self._say("Checking the database…")
        self.buttons.setEnabled(False)
        self._job = self._jobs.submit_call(
            lambda _progress: configure_workspace(
                services, database=url or "local", user=user, reopen=False
            )
        )

    def _on_jobs_job_succeeded(self, job_id: int, _result: object) -> None:
        if job_id != self._job:
            return
        self._job = None
        self.buttons.setEnabled(True)
        self._say("Saved. Restart Prompt Workbench to use this store.")

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id != self._job:
            return
        self._job = None
        self.buttons.setEnabled(True)
        self._say(message)

    def _say(self, text: str) -> None:
        """Show `text` under the fields, the dialog growing to the lines it wraps to."""
        self.status.setText(text)
        self.adjustSize()
