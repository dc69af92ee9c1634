"""`ApprovalViewer`: one approved bundle — its versions, the evidence, who approved it and why."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from workbench.app.bundle_refs import version_refs
from workbench.gui.document_view import DocumentView
from workbench.gui.views.bundle_export_panel import BundleExportPanel

if TYPE_CHECKING:
    from workbench.app.records import Approval, Store
    from workbench.gui.background_jobs import BackgroundJobs


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
    """Read-only view of one approval, opened from the navigator's Approved section.

    With `jobs`, export buttons (files, promptfoo, Langfuse, code) sit above the report.
    """

    def __init__(
        self,
        store: Store,
        ref: str,
        parent: QWidget | None = None,
        *,
        jobs: BackgroundJobs | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._ref = ref
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.export_panel = BundleExportPanel(jobs, ref) if jobs is not None else None
        if self.export_panel is not None:
            layout.addWidget(self.export_panel)
        layout.addWidget(self.browser, 1)
        self.reload()

    @property
    def name(self) -> str:
        """The approval's address."""
        return self._ref

    def reload(self) -> None:
        """Read the approval again (a revocation may have happened)."""
        approval = self._store.get_approval(self._ref)
        self.browser.setHtml(approval_html(approval, version_refs(self._store, approval.versions)))
