"""`ApproveDialog`: approve the bundle of one results column on the evidence of its run.

The dialog is prefilled with the column's prompt, persona and model versions and the run's
rubric, shows the evidence (`gather_evidence`: pass rate against the required share, mean
score, every unmet check) and asks for a bundle name, a note and the required pass rate. An
override reason is asked for, and required, only when the evidence falls short. "Needs a second
person's sign-off" records a proposal that counts only once someone else signs it off. Reading the
evidence and recording the approval both run off the GUI thread (`BackgroundJobs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.app.approvals import (
    DEFAULT_MIN_PASS_RATE,
    ApprovalRequest,
    approve_bundle,
    gather_evidence,
    resolve_bundle,
)
from workbench.app.records import ApprovalEvidence
from workbench.core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from workbench.app.records import Store
    from workbench.gui.background_jobs import BackgroundJobs


@dataclass(frozen=True)
class ColumnBundle:
    """The ``NAME@vN`` addresses of one run column's bundle, and the rubric it is judged by."""

    run_id: int
    column: int
    label: str
    prompt: str
    persona: str | None
    model: str
    rubric: str


def column_bundle(store: Store, run_id: int, column: int) -> ColumnBundle:
    """The bundle of column `column` (its run index) of run `run_id`.

    The rubric is the run's own; a run set up without one uses the first rubric it was scored
    with afterwards.

    Raises:
        NotFoundError: the run or column does not exist.
        ValidationError: the run is not scored with any rubric.
    """
    run = store.get_run(run_id)
    chosen = next((c for c in run.columns if c.index == column), None)
    if chosen is None:
        raise NotFoundError(f"run {run_id} has no column {column}")
    rubric_id = run.spec.rubric_id or next(iter(store.rubric_ids_scored(run_id)), None)
    if rubric_id is None:
        raise ValidationError(
            f"run {run_id} ({run.name}) is not scored: score it with a rubric before approving"
        )
    return ColumnBundle(
        run_id=run_id,
        column=column,
        label=chosen.label,
        prompt=store.get_version(chosen.prompt_id).ref,
        persona=store.get_version(chosen.persona_id).ref if chosen.persona_id else None,
        model=store.get_version(chosen.model_id).ref,
        rubric=store.get_version(rubric_id).ref,
    )


def evidence_html(evidence: ApprovalEvidence) -> str:
    """The evidence in plain words: pass rate against the required share, mean score, gaps."""
    if evidence.pass_rate is None:
        rate = "no judged cell"
    else:
        rate = (
            f"pass rate <b>{evidence.pass_rate:.0%}</b> ({evidence.passed}/{evidence.judged}"
            f" judged cells), {evidence.min_pass_rate:.0%} required"
        )
    score = "–" if evidence.mean_score is None else f"{evidence.mean_score:.2f}"
    parts = [f"<p>{rate} · mean score {score}</p>"]
    if evidence.unmet:
        items = "".join(f"<li>{escape(item)}</li>" for item in evidence.unmet)
        parts.append(f"<p><b>The evidence falls short:</b></p><ul>{items}</ul>")
    else:
        parts.append("<p>The evidence meets every check.</p>")
    return "".join(parts)


class ApproveDialog(QDialog):
    """Approve one column's bundle of a scored run.

    Args:
        store: the GUI thread's store (read once, for the column's versions).
        jobs: runs the evidence and the approval off the GUI thread.
        bundle: the column's bundle (`column_bundle`).
        reviewer: recorded as the approver.

    Signals:
        approved(object): the recorded `Approval`.
        evidence_shown(object): the `ApprovalEvidence` now on screen.
        failed(str): a message shown in the dialog.
    """

    approved = Signal(object)
    evidence_shown = Signal(object)
    failed = Signal(str)

    def __init__(
        self, jobs: BackgroundJobs, bundle: ColumnBundle, *, reviewer: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Approve bundle")
        self.bundle = bundle
        self._jobs = jobs
        self._reviewer = reviewer
        self._evidence_job: int | None = None
        self._approve_job: int | None = None
        self.evidence: ApprovalEvidence | None = None

        self.name = QLineEdit(bundle.prompt.split("@")[0])
        self.note = QLineEdit(placeholderText="Why this bundle is ready")
        self.min_pass_rate = QDoubleSpinBox()
        self.min_pass_rate.setRange(0.0, 100.0)
        self.min_pass_rate.setDecimals(0)
        self.min_pass_rate.setSuffix(" %")
        self.min_pass_rate.setValue(DEFAULT_MIN_PASS_RATE * 100)
        self.override_reason = QPlainTextEdit()
        self.override_reason.setPlaceholderText(
            "Only needed when the evidence falls short: say why it is approved anyway (kept)."
        )
        self.override_reason.setMaximumHeight(70)
        self.require_reviewer = QCheckBox("Needs a second person's sign-off")
        self.require_reviewer.setToolTip(
            "Record this as a proposal: the bundle cannot be labelled or exported until someone"
            " other than you signs it off (from its approval view, or with workbench approvals"
            " sign-off)."
        )
        self.evidence_label = QLabel("Reading the evidence…")
        self.evidence_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Approve")

        versions = QFormLayout()
        column_label = QLabel(bundle.label)
        column_label.setTextFormat(Qt.TextFormat.PlainText)
        versions.addRow("Column:", column_label)
        versions.addRow("Prompt:", QLabel(bundle.prompt))
        versions.addRow("Persona:", QLabel(bundle.persona or "(none)"))
        versions.addRow("Model:", QLabel(bundle.model))
        versions.addRow("Rubric:", QLabel(bundle.rubric))
        versions.addRow("Evidence:", QLabel(f"run {bundle.run_id}"))
        fields = QFormLayout()
        fields.addRow("Bundle name:", self.name)
        fields.addRow("Note:", self.note)
        fields.addRow("Required pass rate:", self.min_pass_rate)
        fields.addRow("Override reason:", self.override_reason)
        fields.addRow("", self.require_reviewer)
        layout = QVBoxLayout(self)
        layout.addLayout(versions)
        layout.addWidget(self.evidence_label)
        layout.addLayout(fields)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.approve)
        self.buttons.rejected.connect(self.reject)
        self.min_pass_rate.valueChanged.connect(self._on_min_pass_rate_value_changed)
        self.require_reviewer.toggled.connect(self._on_require_reviewer_toggled)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self._set_evidence(None)
        self.refresh_evidence()

    def request(self) -> ApprovalRequest:
        """The approval request the fields describe."""
        reason = self.override_reason.toPlainText().strip()
        return ApprovalRequest(
            bundle=self.name.text().strip(),
            prompt=self.bundle.prompt,
            persona=self.bundle.persona,
            model=self.bundle.model,
            rubric=self.bundle.rubric,
            run_ids=(self.bundle.run_id,),
            note=self.note.text().strip(),
            override_reason=reason if reason and self._falls_short() else None,
            min_pass_rate=self.min_pass_rate.value() / 100,
            require_reviewer=self.require_reviewer.isChecked(),
        )

    def refresh_evidence(self) -> None:
        """Read the evidence again (in the background) for the required pass rate shown."""
        request = self.request()
        self.ok_button.setEnabled(False)

        def work(store: Store, _progress: Any) -> ApprovalEvidence:
            bundle = resolve_bundle(store, request)
            return gather_evidence(
                store, bundle, request.run_ids, min_pass_rate=request.min_pass_rate
            )

        self._evidence_job = self._jobs.submit(work)

    def approve(self) -> None:
        """Check the fields, then record the approval in the background."""
        request = self.request()
        if not request.bundle:
            self.show_error("Give the bundle a name.")
            return
        if self._falls_short() and request.override_reason is None:
            self.show_error(
                "The evidence falls short of the checks listed above. Fix the evidence, or"
                " write an override reason saying why it is approved anyway."
            )
            return
        self.error_label.hide()
        self.ok_button.setEnabled(False)
        reviewer = self._reviewer
        self._approve_job = self._jobs.submit(
            lambda store, _progress: approve_bundle(store, request, reviewer=reviewer)
        )

    def show_error(self, message: str) -> None:
        """Show why the approval did not go through, in the dialog."""
        self.error_label.setText(message)
        self.error_label.show()
        self.failed.emit(message)

    def _falls_short(self) -> bool:
        return self.evidence is not None and bool(self.evidence.unmet)

    def _set_evidence(self, evidence: ApprovalEvidence | None) -> None:
        self.evidence = evidence
        short = self._falls_short()
        self.override_reason.setEnabled(short)
        if evidence is not None:
            self.evidence_label.setText(evidence_html(evidence))
            self.evidence_shown.emit(evidence)
        self.ok_button.setEnabled(evidence is not None)

    def _on_min_pass_rate_value_changed(self, _value: float) -> None:
        self.refresh_evidence()

    def _on_require_reviewer_toggled(self, checked: bool) -> None:
        self.ok_button.setText("Propose" if checked else "Approve")

    def _on_jobs_job_succeeded(self, job: int, result: object) -> None:
        if job == self._evidence_job:
            self._evidence_job = None
            assert isinstance(result, ApprovalEvidence)
            self._set_evidence(result)
        elif job == self._approve_job:
            self._approve_job = None
            self.approved.emit(result)
            self.accept()

    def _on_jobs_job_failed(self, job: int, message: str) -> None:
        if job == self._evidence_job:
            self._evidence_job = None
            self.evidence_label.setText("The evidence could not be read.")
            self.show_error(message)
        elif job == self._approve_job:
            self._approve_job = None
            self.ok_button.setEnabled(True)
            self.show_error(message)
