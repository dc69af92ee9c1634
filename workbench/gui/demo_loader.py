"""`DemoLoader`: the first launch fills an empty workspace with the demo after the window is up.

Importing the demo workspace (prompts with their histories, personas, a 72-row dataset, rubrics)
takes seconds; done before the first window it made the app look frozen at start. It runs as a
background job instead, with a busy bar in the status bar, and the window refreshes when it lands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar, QStatusBar

from workbench.app.services import load_demo_workspace

if TYPE_CHECKING:
    from workbench.app.records import Store
    from workbench.gui.background_jobs import BackgroundJobs


class DemoLoader(QObject):
    """Loads the demo workspace on a worker thread and says when it is there.

    Args:
        jobs: runs the import with a store connection of its own.
        author: recorded on the versions the demo creates.
        status_bar: where the busy bar and the outcome are shown.

    Signals:
        loaded(): the demo is in the store (the window should read it again).
        failed(str): why it could not be loaded.
    """

    loaded = Signal()
    failed = Signal(str)

    def __init__(
        self,
        jobs: BackgroundJobs,
        author: str,
        status_bar: QStatusBar,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._author = author
        self._status_bar = status_bar
        self._job: int | None = None
        self._busy = QProgressBar()
        self._busy.setRange(0, 0)  # an indeterminate bar: the import reports no steps
        self._busy.setMaximumWidth(160)
        self._busy.hide()
        status_bar.addPermanentWidget(self._busy)
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)

    @property
    def loading(self) -> bool:
        """Whether the import is under way."""
        return self._job is not None

    def start(self) -> None:
        """Start loading (a second call while loading does nothing)."""
        if self._job is not None:
            return
        author = self._author

        def work(store: Store, _progress: Any) -> bool:
            return load_demo_workspace(store, author=author) is not None

        self._busy.show()
        self._status_bar.showMessage("Loading the demo workspace…")
        self._job = self._jobs.submit(work)

    def _finish(self) -> None:
        self._job = None
        self._busy.hide()

    def _on_jobs_job_succeeded(self, job: int, _result: object) -> None:
        if job != self._job:
            return
        self._finish()
        self._status_bar.showMessage("Demo workspace loaded.", 5000)
        self.loaded.emit()

    def _on_jobs_job_failed(self, job: int, message: str) -> None:
        if job != self._job:
            return
        self._finish()
        self._status_bar.showMessage(f"Demo workspace not loaded: {message}", 15_000)
        self.failed.emit(message)
