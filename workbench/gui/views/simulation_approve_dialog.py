"""`SimulationApproveDialog`: approve a simulation column's bundle with the simulation as evidence.

The bundle is the column's prompt, persona and model versions with a rubric; the simulation's
figures for that column (outcome rate, drift, loops) are checked and kept in the approval. A
check that is not met is listed by name; approving anyway needs a written reason. The approval is
recorded on a worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.app import conversations as app_conversations
from workbench.app.approvals import ApprovalRequest
from workbench.app.conversation_choices import family_names
from workbench.core.models import Kind
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.widgets.field_errors import error_label

if TYPE_CHECKING:
    from workbench.app.records import Store


class SimulationApproveDialog(QDialog):
    """Approve one column's bundle of a simulation.

    Args:
        store: the GUI thread's store (lists the rubrics).
        jobs: records the approval off the GUI thread.
        run_id: the simulation.
        refs: the column's prompt, persona, model and the run's rubric (``name@vN``).
        reviewer: who approves.

    Signals:
        approved(object): the recorded `Approval`.
    """

    approved = Signal(object)

    def __init__(
        self,
        store: Store,
        jobs: BackgroundJobs,
        run_id: int,
        refs: tuple[str, str | None, str, str | None],
        *,
        reviewer: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Approve a bundle on sim-{run_id}")
        self.setObjectName("simulation-approve")
        self._jobs = jobs
        self._run_id = run_id
        self._reviewer = reviewer
        self._job: int | None = None
        prompt, persona, model, rubric = refs
        self._prompt, self._persona, self._model = prompt, persona, model
        self.bundle = QLineEdit(prompt.split("@")[0])
        self.versions = QLabel(f"{prompt} · {persona or 'no persona'} · {model}")
        self.versions.setWordWrap(True)
        self.rubric = QComboBox()
        self.rubric.addItems(family_names(store, Kind.RUBRIC))
        if rubric:
            self.rubric.setCurrentText(rubric.split("@")[0])
        self.note = QLineEdit(placeholderText="Why this bundle (kept with the approval)")
        self.override = QPlainTextEdit()
        self.override.setPlaceholderText(
            "Only when a check is not met: why approve anyway (at least a sentence)."
        )
        self.override.setMaximumHeight(70)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.approve = QPushButton("Approve")
        self.approve.setDefault(True)
        self.buttons.addButton(self.approve, QDialogButtonBox.ButtonRole.AcceptRole)

        form = QFormLayout()
        form.addRow("Bundle name", self.bundle)
        form.addRow("Versions", self.versions)
        form.addRow("Rubric", self.rubric)
        form.addRow("Note", self.note)
        form.addRow("Override reason", self.override)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"The simulation <b>sim-{run_id}</b> is the evidence: this column's conversations"
            " must be finished and reach the outcome rate the approval asks for."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self.resize(620, 380)

    def request(self) -> ApprovalRequest:
        """What the dialog asks to approve."""
        reason = self.override.toPlainText().strip()
        return ApprovalRequest(
            bundle=self.bundle.text().strip(),
            prompt=self._prompt,
            persona=self._persona,
            model=self._model,
            rubric=self.rubric.currentText(),
            note=self.note.text().strip(),
            override_reason=reason or None,
        )

    def submit(self) -> None:
        """Record the approval on a worker thread (errors come back under the form)."""
        if self._job is not None:
            return
        request, run_id, reviewer = self.request(), self._run_id, self._reviewer
        self.approve.setEnabled(False)
        self.error.hide()
        self._job = self._jobs.submit(
            lambda store, _progress: app_conversations.approve_with_simulations(
                store, request, [run_id], reviewer=reviewer
            )
        )

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id != self._job:
            return
        self._job = None
        self.approved.emit(result)
        self.accept()

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        if job_id != self._job:
            return
        self._job = None
        self.approve.setEnabled(True)
        self.error.setText(f"Not approved: {message}")
        self.error.show()
