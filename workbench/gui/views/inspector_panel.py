"""`InspectorPanel`: facts about whatever is selected in the navigator (versions, labels, runs,
approvals)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from workbench.app.bundle_refs import version_refs
from workbench.app.conversation_summary import simulation_html
from workbench.core.errors import KnownError
from workbench.gui.models.navigator_entries import NavEntry

if TYPE_CHECKING:
    from workbench.app.records import Store

_HISTORY_SHOWN = 8


class InspectorPanel(QWidget):
    """Read-only details of the selected navigator entry."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setPlaceholderText("Select an item to see its details.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.browser)

    def show_entry(self, entry: NavEntry | None) -> None:
        """Show the details of `entry` (clears the panel for None)."""
        if entry is None:
            self.browser.clear()
            return
        try:
            if entry.approval is not None:
                approval = self._store.get_approval(entry.approval)
                # Imported when first needed: the approval viewer brings the export code.
                from workbench.gui.views.approval_viewer import approval_html

                html = approval_html(approval, version_refs(self._store, approval.versions))
            elif entry.run_id is not None:
                html = self._run_html(entry)
            elif entry.simulation_id is not None:
                html = simulation_html(self._store, entry.simulation_id)
            else:
                html = self._family_html(entry)
        except KnownError as error:
            html = f"<p><b>{escape(entry.title)}</b></p><p>{escape(str(error))}</p>"
        self.browser.setHtml(html)

    def _family_html(self, entry: NavEntry) -> str:
        assert entry.kind is not None
        family = self._store.get_family(entry.kind, entry.name)
        history = self._store.history(entry.kind, entry.name)
        by_number = {number: label for label, number in family.labels.items()}
        parts = [
            f"<h3>{escape(family.name)}</h3>",
            f"<p>{escape(family.kind.value)} · {family.version_count} version(s)"
            f" · head v{family.head_number}</p>",
        ]
        if family.description:
            parts.append(f"<p>{escape(family.description)}</p>")
        if family.labels:
            labels = ", ".join(
                f"<b>{escape(label)}</b> → v{number}"
                for label, number in sorted(family.labels.items())
            )
            parts.append(f"<p>Labels: {labels}</p>")
        parts.append("<h4>Recent versions</h4><ul>")
        for version in reversed(history[-_HISTORY_SHOWN:]):
            label = f" [{escape(by_number[version.number])}]" if version.number in by_number else ""
            when = version.created_at.strftime("%Y-%m-%d %H:%M")
            author = f" by {escape(version.author)}" if version.author else ""
            note = f"<br/>{escape(version.note)}" if version.note else ""
            parts.append(f"<li><b>v{version.number}</b>{label} · {when}{author}{note}</li>")
        parts.append("</ul>")
        return "\n".join(parts)

    def _run_html(self, entry: NavEntry) -> str:
        assert entry.run_id is not None
        run = self._store.get_run(entry.run_id)
        summary = self._store.run_summary(run.id)
        parts = [
            f"<h3>#{run.id} {escape(run.name)}</h3>",
            f"<p>{escape(run.status.value)} · created {run.created_at:%Y-%m-%d %H:%M}"
            f" · {run.spec.repeats} repeat(s)</p>",
        ]
        if run.estimated_cost_usd is not None:
            parts.append(f"<p>Estimated cost ${run.estimated_cost_usd:.4f}</p>")
        parts.append("<h4>Columns</h4><ul>")
        for column in run.columns:
            counts = summary.get(column.index, {})
            figures = ", ".join(f"{count} {status.value}" for status, count in counts.items())
            parts.append(f"<li>{escape(column.label)}<br/><small>{figures}</small></li>")
        parts.append("</ul>")
        return "\n".join(parts)
