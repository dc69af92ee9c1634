"""`ApprovalViewer`: one approved bundle — its versions, the evidence, who approved it and why.

A bundle proposed for review ("Needs a second person's sign-off") shows a "Sign off…" button:
it asks for an optional note and signs off as the current author off the GUI thread
(`sign_off_bundle`, which refuses the proposer's own sign-off, a revoked or an already signed
proposal). Until then the export buttons are disabled with the reason, as the export refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.app.approvals import sign_off_bundle
from workbench.app.bundle_refs import version_refs
from workbench.gui.document_view import DocumentView
from workbench.gui.views.bundle_export_panel import BundleExportPanel

if TYPE_CHECKING:
    from workbench.app.records import Approval, Store
    from workbench.gui.background_jobs import BackgroundJobs


def export_blocked_reason(approval: Approval) -> str | None:
    """Why the bundle cannot be exported now (the export refuses it), or None."""
    if approval.revocation is not None:
        return f"Export is off: {approval.ref} was revoked by {approval.revocation.actor}."
    if approval.awaiting_review:
        return (
            f"Export is off until someone other than {approval.reviewer} signs this proposal off."
        )
    return None


def approval_html(approval: Approval, refs: Mapping[str, str] | None = None) -> str:
    """The approval as a short report: versions first, then the evidence and the reasons.

    `refs` names versions (``order-tracking@v3``, from `version_refs`); an id it lacks is shown
    as a short hash.
    """
    named = refs or {}

    def shown(family: str, version_id: str) -> str:
        ref = named.get(version_id)
        return f"<b>{escape(ref)}</b>" if ref else f"<b>{escape(family)}</b> {version_id[:8]}"

    versions = approval.versions
    evidence = approval.evidence
    state = (
        f"<b>revoked</b> by {escape(approval.revocation.actor)}: "
        f"{escape(approval.revocation.reason)}"
        if approval.revocation is not None
        else f"<b>awaiting review by another person</b> than {escape(approval.reviewer)}"
        if approval.awaiting_review
        else "in force"
    )
    parts = [
        f"<h3>{escape(approval.ref)}</h3>",
        f"<p>{state} · {'proposed' if approval.requires_reviewer else 'approved'}"
        f" by {escape(approval.reviewer)}"
        f" on {approval.approved_at:%Y-%m-%d %H:%M}</p>",
    ]
    if approval.signoff is not None:
        parts.append(
            f"<p>Signed off by {escape(approval.signoff.reviewer)}"
            f" on {approval.signoff.at:%Y-%m-%d %H:%M}"
            + (f": {escape(approval.signoff.note)}" if approval.signoff.note else "")
            + "</p>"
        )
    if approval.labels:
        parts.append(f"<p>Labels: {escape(', '.join(approval.labels))}</p>")
    parts.append("<h4>Versions</h4><ul>")
    parts.append(f"<li>prompt {shown(versions.prompt_family, versions.prompt_id)}</li>")
    if versions.persona_family and versions.persona_id:
        parts.append(f"<li>persona {shown(versions.persona_family, versions.persona_id)}</li>")
    parts.append(f"<li>model {shown(versions.model_family, versions.model_id)}</li>")
    parts.append(f"<li>rubric {shown(versions.rubric_family, versions.rubric_id)}</li>")
    parts.append("</ul><h4>Evidence</h4>")
    if evidence.pass_rate is not None:
        parts.append(
            f"<p>{evidence.passed} of {evidence.judged} judged cells passed"
            f" ({evidence.pass_rate:.0%}; {evidence.min_pass_rate:.0%} required)</p>"
        )
    runs = ", ".join(f"#{run.run_id} {escape(run.run_name)}" for run in evidence.runs)
    parts.append(f"<p>Runs: {runs or 'none'}</p>")
    if approval.override_reason:
        unmet = "".join(f"<li>{escape(item)}</li>" for item in evidence.unmet)
        parts.append(
            f"<p><b>Approved despite:</b></p><ul>{unmet}</ul>"
            f"<p>Reason: {escape(approval.override_reason)}</p>"
        )
    if approval.note:
        parts.append(f"<p>{escape(approval.note)}</p>")
    return "\n".join(parts)


class ApprovalViewer(DocumentView):
    """View of one approval, opened from the navigator's Approved section.

    With `jobs`, export buttons (files, promptfoo, Langfuse, code) sit above the report; with
    `jobs` and `author` (who is signing: read when the sign-off starts), a proposal awaiting
    review offers "Sign off…".

    Signals:
        signed_off(object): the signed-off `Approval` (the viewer has reloaded).
        sign_off_failed(str): why the sign-off was refused, also shown in the viewer.
    """

    signed_off = Signal(object)
    sign_off_failed = Signal(str)

    def __init__(
        self,
        store: Store,
        ref: str,
        parent: QWidget | None = None,
        *,
        jobs: BackgroundJobs | None = None,
        author: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._ref = ref
        self._jobs = jobs
        self.author_source = author
        self._sign_off_job: int | None = None
        self.approval: Approval | None = None
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.review_label = QLabel()
        self.review_label.setWordWrap(True)
        self.sign_off_button = QPushButton("Sign off…")
        self.sign_off_button.setToolTip(
            "Sign this proposal off on its recorded evidence, as someone other than its"
            " proposer; it then counts as approved (labels, exports)"
        )
        self.sign_off_button.clicked.connect(self.ask_sign_off)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828")
        self.error_label.hide()
        review = QHBoxLayout()
        review.addWidget(self.review_label, 1)
        review.addWidget(self.sign_off_button)
        self.review_box = QWidget()
        review_layout = QVBoxLayout(self.review_box)
        review_layout.setContentsMargins(0, 0, 0, 0)
        review_layout.addLayout(review)
        review_layout.addWidget(self.error_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.review_box)
        self.export_panel = BundleExportPanel(jobs, ref) if jobs is not None else None
        if self.export_panel is not None:
            layout.addWidget(self.export_panel)
        layout.addWidget(self.browser, 1)
        if jobs is not None:
            jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
            jobs.job_failed.connect(self._on_jobs_job_failed)
        self.reload()

    @property
    def name(self) -> str:
        """The approval's address."""
        return self._ref

    @property
    def can_sign_off(self) -> bool:
        """Whether this viewer offers a sign-off at all (jobs and an author to sign as)."""
        return self._jobs is not None and self.author_source is not None

    def reload(self) -> None:
        """Read the approval again (a sign-off or a revocation may have happened)."""
        approval = self._store.get_approval(self._ref)
        self.approval = approval
        self.browser.setHtml(approval_html(approval, version_refs(self._store, approval.versions)))
        awaiting = approval.awaiting_review and approval.revocation is None
        if awaiting:
            self.review_label.setText(
                f"<b>Awaiting sign-off</b> by someone other than {escape(approval.reviewer)},"
                " who proposed it. Until then it cannot be labelled or exported."
            )
        self.review_box.setVisible(awaiting or not self.error_label.isHidden())
        self.review_label.setVisible(awaiting)
        self.sign_off_button.setVisible(awaiting and self.can_sign_off)
        self.sign_off_button.setEnabled(self._sign_off_job is None)
        if self.export_panel is not None:
            self.export_panel.set_blocked(export_blocked_reason(approval))

    def ask_sign_off(self) -> QInputDialog:
        """Ask for an optional note, then sign off (Cancel signs nothing)."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle(f"Sign off {self._ref}")
        dialog.setLabelText(
            f"Sign off {self._ref} as {self._author()} on its recorded evidence.\nNote (optional):"
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setOkButtonText("Sign off")
        dialog.textValueSelected.connect(self.sign_off)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def sign_off(self, note: str = "") -> int | None:
        """Sign off as the current author in the background; returns the job id."""
        if self._jobs is None or self._sign_off_job is not None:
            return None
        ref, reviewer, remark = self._ref, self._author(), note.strip()
        self.error_label.hide()
        self.sign_off_button.setEnabled(False)

        def work(store: Store, _progress: Any) -> Approval:
            return sign_off_bundle(store, ref, reviewer=reviewer, note=remark)

        self._sign_off_job = self._jobs.submit(work)
        return self._sign_off_job

    def _author(self) -> str:
        return self.author_source() if self.author_source is not None else ""

    def _on_jobs_job_succeeded(self, job: int, result: object) -> None:
        if job != self._sign_off_job:
            return
        self._sign_off_job = None
        self.error_label.hide()
        self.reload()
        self.signed_off.emit(result)

    def _on_jobs_job_failed(self, job: int, message: str) -> None:
        if job != self._sign_off_job:
            return
        self._sign_off_job = None
        self.error_label.setText(f"Not signed off: {message}")
        self.error_label.show()
        self.reload()  # it may have been signed off or revoked meanwhile
        self.sign_off_failed.emit(message)
