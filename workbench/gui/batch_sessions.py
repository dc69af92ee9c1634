"""`BatchSessions`: runs sent as provider batches, from the GUI — submit, then collect later.

Submitting and collecting run on the engine bridge's thread with a store opened there, through
`workbench.app.batch_runs` (the same use cases as ``run --batch`` and ``runs resume``). The
engine-thread side (`_BatchWork`) holds no Qt object; it posts plain `BatchNotice` events that
the bridge delivers on the GUI thread. On start the window calls `collect_pending`, which polls
every run with batches still out and collects what has arrived, with progress in the status bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workbench.app.batch_runs import BatchRunService, runs_with_pending_batches
from workbench.app.services import ProviderFactory
from workbench.core.errors import KnownError
from workbench.core.models import ModelConfigContent
from workbench.core.runs import RunSpec
from workbench.gui.bridge import EngineBridge

if TYPE_CHECKING:
    from workbench.app.records import Store

_log = logging.getLogger(__name__)

StoreOpener = Callable[[], "Store"]
Sink = Callable[[Any], None]


@dataclass(frozen=True)
class BatchNotice:
    """Progress of batch work, posted from the engine thread.

    Attributes:
        kind: ``submitted``, ``progress`` or ``collected``.
        run_id: the run concerned.
        text: one line for people (``Run #3: batch: in progress, 120 of 2,000 done``).
        pending: whether the run still has batches out.
    """

    kind: str
    run_id: int
    text: str
    pending: bool


class BatchSessions(QObject):
    """Submits runs as batches and collects pending ones, off the GUI thread.

    Args:
        store: the GUI thread's store (only read, to find runs with pending batches).
        bridge: the engine bridge.
        open_store: opens a store connection for the engine thread.
        client_factory: `workbench.app.batch_runs.batch_client_factory(services)`.
        provider_factory: builds the judge's provider for LLM-judge rubrics.

    Signals:
        run_submitted(int): a run was stored and its batches submitted.
        run_updated(int, str, bool): a run's batches were polled: run id, state line, pending.
        message_posted(str): a line for the status bar.
        busy_changed(bool): batch work started (True) or ended (False).
    """

    run_submitted = Signal(int)
    run_updated = Signal(int, str, bool)
    message_posted = Signal(str)
    busy_changed = Signal(bool)

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        open_store: StoreOpener,
        client_factory: Any,
        provider_factory: ProviderFactory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._bridge = bridge
        self._work = _BatchWork(open_store, client_factory, provider_factory)
        self._tasks: set[int] = set()
        bridge.events_arrived.connect(self._on_bridge_events_arrived)
        bridge.task_finished.connect(self._on_bridge_task_finished)

    @property
    def busy(self) -> bool:
        """Whether a submission or a collection is under way."""
        return bool(self._tasks)

    def submit(self, spec: RunSpec, name: str, judge: ModelConfigContent | None = None) -> None:
        """Create the run and send its cells as provider batches."""
        work = self._work
        self._start(lambda sink: work.create_and_submit(sink, spec, name, judge))
        self.message_posted.emit(f"Sending {name} as a batch…")

    def collect_pending(self) -> bool:
        """Poll every run with batches out and collect what arrived; False when there are none."""
        run_ids = runs_with_pending_batches(self._store)
        if not run_ids:
            return False
        work = self._work
        self._start(lambda sink: work.collect(sink, run_ids))
        self.message_posted.emit(f"Checking the batches of {len(run_ids)} run(s)…")
        return True

    def _start(self, make: Callable[[Sink], Any]) -> None:
        was_busy = self.busy
        self._tasks.add(self._bridge.submit(make))
        if not was_busy:
            self.busy_changed.emit(True)

    def _on_bridge_events_arrived(self, events: list[Any]) -> None:
        for event in events:
            if not isinstance(event, BatchNotice):
                continue
            if event.kind == "submitted":
                self.run_submitted.emit(event.run_id)
            self.run_updated.emit(event.run_id, event.text, event.pending)
            self.message_posted.emit(event.text)

    def _on_bridge_task_finished(self, task_id: int, _result: Any, error: Any) -> None:
        if task_id not in self._tasks:
            return
        self._tasks.discard(task_id)
        if error is not None:
            if isinstance(error, KnownError):
                self.message_posted.emit(f"Batch: {error}")
            else:
                _log.error("batch work failed", exc_info=error)
                self.message_posted.emit(f"Batch work stopped on an unexpected error: {error!r}")
        if not self._tasks:
            self.busy_changed.emit(False)


class _BatchWork:
    """The engine-thread side of `BatchSessions` (no Qt object in here)."""

    def __init__(
        self, open_store: StoreOpener, client_factory: Any, provider_factory: ProviderFactory
    ) -> None:
        self._open_store = open_store
        self._client_factory = client_factory
        self._provider_factory = provider_factory

    def _service(self, store: Store) -> BatchRunService:
        return BatchRunService(store, self._client_factory, self._provider_factory)

    async def create_and_submit(
        self, sink: Sink, spec: RunSpec, name: str, judge: ModelConfigContent | None
    ) -> int:
        store = self._open_store()
        try:
            service = self._service(store)
            run_id = service.create_run(spec, name)
            submission = await service.submit(run_id, judge_model=judge)
            progress = store.batch_progress(run_id)
            failures = "; ".join(submission.failures)
            text = (
                f"Run #{run_id} sent as {submission.jobs} batch(es): {submission.sent:,} "
                f"requests, {submission.cached:,} from the cache. "
                "Results come within 24 h; they are collected when the app starts."
                + (f" {failures}" if failures else "")
            )
            sink(BatchNotice("submitted", run_id, text, progress.pending))
            return run_id
        finally:
            store.close()

    async def collect(self, sink: Sink, run_ids: list[int]) -> int:
        store = self._open_store()
        collected = 0
        try:
            service = self._service(store)
            for run_id in run_ids:
                outcome = await service.collect(run_id)
                collected += outcome.collected
                notes = " ".join(outcome.messages)
                text = (
                    f"Run #{run_id}: {outcome.progress.describe()}"
                    + (f" ({outcome.collected:,} cells collected now)" if outcome.collected else "")
                    + (f" {notes}" if notes else "")
                )
                sink(BatchNotice("progress", run_id, text, outcome.progress.pending))
            return collected
        finally:
            store.close()
