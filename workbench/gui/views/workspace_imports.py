"""`WorkspaceImporter`: import a promptfoo config, Langfuse prompts or a bundle folder.

The imports run off the GUI thread (`BackgroundJobs`); when one ends the importer says what
was saved and names every part it could not carry over, so nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from workbench.app.records import Store
    from workbench.gui.background_jobs import BackgroundJobs


@dataclass(frozen=True)
class ImportSummary:
    """What an import saved (``kind family@vN (new|unchanged)`` lines) and what it left out."""

    source: Path
    saved: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The summary as plain lines, for a message box."""
        lines = [f"Imported from {self.source}:"]
        lines += [f"  {line}" for line in self.saved] or ["  nothing new"]
        if self.unsupported:
            lines.append("Not imported:")
            lines += [f"  - {item}" for item in self.unsupported]
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {item}" for item in self.notes]
        return "\n".join(lines)


def _line(kind: str, family: str, number: int, created: bool) -> str:
    return f"{kind} {family}@v{number} ({'new' if created else 'unchanged'})"


class WorkspaceImporter(QObject):
    """Runs the workspace imports in the background and reports what they did.

    Args:
        jobs: runs the imports with their own store.
        author: recorded on the versions saved.

    Signals:
        imported(object): the `ImportSummary` of a finished import.
        failed(str): why an import did not happen (file, line and field named by the reader).
    """

    imported = Signal(object)
    failed = Signal(str)

    def __init__(self, jobs: BackgroundJobs, author: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._author = author
        self._pending: set[int] = set()
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)

    def import_promptfoo(self, path: Path) -> int:
        """Import a promptfooconfig.yaml; returns the job id."""
        from workbench.app.interchange import import_promptfoo  # the export code: loaded on use

        author = self._author

        def work(store: Store, _progress: Any) -> ImportSummary:
            report = import_promptfoo(store, path, author=author)
            return ImportSummary(
                source=path,
                saved=[_line(k.value, f, n, c) for k, f, n, c in report.saved],
                unsupported=list(report.unsupported),
                notes=list(report.notes),
            )

        return self._submit(work)

    def import_langfuse(self, path: Path) -> int:
        """Import Langfuse prompt JSON (one prompt or a list); returns the job id."""
        from workbench.app.interchange import import_langfuse  # the export code: loaded on use

        author = self._author

        def work(store: Store, _progress: Any) -> ImportSummary:
            report = import_langfuse(store, path, author=author)
            return ImportSummary(
                source=path,
                saved=[_line("prompt", f, n, c) for f, n, c in report.saved],
                unsupported=list(report.unsupported),
            )

        return self._submit(work)

    def import_bundle_folder(self, folder: Path) -> int:
        """Import a folder written by the files export; returns the job id."""
        from workbench.app.interchange import import_bundle_files  # the export code: loaded on use

        author = self._author

        def work(store: Store, _progress: Any) -> ImportSummary:
            report = import_bundle_files(store, folder, author=author)
            return ImportSummary(
                source=folder,
                saved=[_line(k.value, f, n, c) for k, f, n, c in report.saved],
                notes=[
                    f"the versions of {report.bundle}@v{report.approval}; approve them here to ship"
                ],
            )

        return self._submit(work)

    def _submit(self, work: Any) -> int:
        job = self._jobs.submit(work)
        self._pending.add(job)
        return job

    def _on_jobs_job_succeeded(self, job: int, result: object) -> None:
        if job in self._pending:
            self._pending.discard(job)
            self.imported.emit(result)

    def _on_jobs_job_failed(self, job: int, message: str) -> None:
        if job in self._pending:
            self._pending.discard(job)
            self.failed.emit(message)
