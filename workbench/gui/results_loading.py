"""`ResultsLoader`: a big run's stored results reach its shown grid in parts.

Opening a 100,000 × 4 run used to read every result, score and rating on a worker thread and
show them all at once, 20 s later. The worker now hands over parts as plain data
(`run_loading.iter_frame_parts`): the rows on screen first, then whatever rows the user scrolls
to, then the rest in key order; the GUI thread merges each part into the frame and signals the
changed cells only. No Qt object is made or touched off the GUI thread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.gui.models.run_loading import FramePart, WantedRows, iter_frame_parts

if TYPE_CHECKING:
    from workbench.app.records import Store
    from workbench.core.runs import RunInfo
    from workbench.gui.background_jobs import BackgroundJobs
    from workbench.gui.views.results_view import ResultsView

# Rows read by id around what is on screen, so a small scroll finds its rows already there.
_MARGIN_ROWS = 40
# Cells per part: merging one part is a few milliseconds of the GUI thread.
_PART_CELLS = 2000


class ResultsLoader(QObject):
    """Reads a stored run's results into `view`'s model on a worker thread, part by part.

    Args:
        jobs: runs the reading with a store connection of its own.
        view: the shown results grid (its model holds live updates until the last part).
        run: the run to read.
        rubric_id: whose scores to show (None: no scores).
        reviewer: whose ratings to show.

    Signals:
        loaded(): every part is in (live updates held meanwhile were applied).
        failed(str): why the results could not be read.
    """

    loaded = Signal()
    failed = Signal(str)

    def __init__(
        self,
        jobs: BackgroundJobs,
        view: ResultsView,
        run: RunInfo,
        rubric_id: str | None,
        reviewer: str | None,
    ) -> None:
        super().__init__(view)
        self._view = view
        self._wanted = wanted = WantedRows()
        self.parts = 0
        # Parts that arrived together are merged one per event-loop pass, so painting and
        # input are served between them.
        self._queue: deque[FramePart] = deque()
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._merge_next)
        view.model.start_loading()

        def work(store: Store, deliver: Callable[[Any], None]) -> None:
            for part in iter_frame_parts(
                store,
                run,
                rubric_id=rubric_id,
                reviewer=reviewer,
                wanted=wanted,
                batch_size=_PART_CELLS,
            ):
                deliver(part)

        # A closed view stops the worker at its next batch (a plain flag, set from here).
        view.destroyed.connect(lambda *_: setattr(wanted, "cancelled", True))
        jobs.job_part.connect(self._on_jobs_job_part)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        view.table.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self._job = jobs.submit_parts(work)

    @property
    def loading(self) -> bool:
        """Whether parts are still to come."""
        return self._job is not None

    def visible_rows(self) -> list[int]:
        """Source rows on screen (plus a margin), in display order."""
        table = self._view.table
        proxy = self._view.proxy
        count = proxy.rowCount()
        if count == 0:
            return []
        top = table.rowAt(0)
        bottom = table.rowAt(table.viewport().height() - 1)
        top = 0 if top < 0 else top
        bottom = count - 1 if bottom < 0 else bottom
        first, last = max(0, top - _MARGIN_ROWS), min(count - 1, bottom + _MARGIN_ROWS)
        return [proxy.mapToSource(proxy.index(row, 0)).row() for row in range(first, last + 1)]

    def _on_scrolled(self, _value: int) -> None:
        if self._job is not None:
            self._wanted.want(self.visible_rows())

    def _on_jobs_job_part(self, job: int, part: object) -> None:
        if job != self._job or not isinstance(part, FramePart):
            return
        self._queue.append(part)
        if not self._timer.isActive():
            self._timer.start()

    def _merge_next(self) -> None:
        if not self._queue:
            self._timer.stop()
            return
        part = self._queue.popleft()
        self.parts += 1
        model = self._view.model
        model.merge_part(part.states, part.stats)
        if part.last:
            self._timer.stop()
            self._job = None
            model.finish_loading(part.ratings, part.row_texts)
            self.loaded.emit()

    def _on_jobs_job_failed(self, job: int, message: str) -> None:
        if job != self._job:
            return
        self._job = None
        self._timer.stop()
        self._queue.clear()
        self._view.model.finish_loading()
        self.failed.emit(message)
