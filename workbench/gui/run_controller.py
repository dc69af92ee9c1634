"""`RunController`: one run's life in the GUI — create, execute, score live, cancel, resume, retry.

Everything slow happens on the engine bridge's thread with a store connection opened there (a
`Store` belongs to one thread): creating the run (rendering every row, estimating), executing
it, and scoring each finished cell with the run's rubric as it completes. The GUI thread only
receives batched, tagged events and re-emits the ones of its run; it never waits on the network,
the disk or scoring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workbench.app.run_execution import EngineOptions, Event, Mode, RunExecutor, RunSummary
from workbench.app.services import ProviderFactory
from workbench.core.models import ModelConfigContent
from workbench.core.runs import RunSpec
from workbench.gui.bridge import EngineBridge
from workbench.gui.engine_task import CancellableWork, EngineTaskController, Sink
from workbench.gui.run_events import (
    CellsScored,
    RunCreated,
    RunDelta,
    RunEvent,
    ScoringFailed,
    tag,
    untag,
)

if TYPE_CHECKING:
    from workbench.app.records import Store

StoreOpener = Callable[[], "Store"]


class RunController(EngineTaskController):
    """Drives one run on the engine thread and reports its events on the GUI thread.

    Args:
        bridge: the engine bridge (its coalescer must be `coalesce_run_events`).
        open_store: opens a store connection for the engine thread (`Services.open_store`).
        provider_factory: builds a provider for a model config (called on the engine thread).
        options: engine tuning (tests shorten timeouts and retries).

    Signals:
        run_created(int): the run was stored with this id (its view can open now).
        events_received(list): engine events of this run, coalesced, in order.
        cells_scored(list): `CellScore` results of cells that finished, already stored.
        running_changed(bool): an execution started (True) or ended (False).
        run_finished(object): the `RunSummary` of an execution that completed.
        run_failed(str): the run could not be created or executed; what went wrong, in words.
        scoring_failed(str): the rubric could not score this run; the run itself goes on.
    """

    run_created = Signal(int)
    cells_scored = Signal(list)
    run_finished = Signal(object)
    run_failed = Signal(str)

    WHAT = "run"
    STOPPED_MESSAGE = "The run was stopped before it finished; Resume continues it."
    CREATED = RunCreated
    EVENTS = (RunDelta, RunEvent)
    SCORED = CellsScored
    SCORING_FAILED = ScoringFailed
    CREATED_SIGNAL = "run_created"
    SCORES_SIGNAL = "cells_scored"
    FINISHED_SIGNAL = "run_finished"
    FAILED_SIGNAL = "run_failed"

    def __init__(
        self,
        bridge: EngineBridge,
        open_store: StoreOpener,
        provider_factory: ProviderFactory,
        *,
        options: EngineOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(bridge, parent=parent)
        # What runs on the engine thread: a plain object, so that thread never holds this QObject.
        self._work: _RunWork = _RunWork(open_store, provider_factory, options, self._token)
        self._judge: ModelConfigContent | None = None
        self.last_summary: RunSummary | None = None

    def attach(self, run_id: int, *, judge_model: ModelConfigContent | None = None) -> None:
        """Drive an existing run (for resume and retry-errors)."""
        self._attach(run_id)
        self._judge = judge_model

    def start(
        self, spec: RunSpec, name: str, *, judge_model: ModelConfigContent | None = None
    ) -> None:
        """Create a run from `spec` and execute it; `run_created` tells its id."""
        self._check_can_start()
        self._judge = judge_model
        self._start(spec, name)

    # -- what EngineTaskController asks of a controller ----------------------------------------

    def _prepare_submit(self) -> None:
        self._work.judge = self._judge

    def _unwrap(self, item: Any) -> Event:
        return untag(item)

    def _is_summary(self, result: Any) -> bool:
        return isinstance(result, RunSummary)


class _RunWork(CancellableWork):
    """The engine-thread side of a `RunController`: creates, executes and scores a run.

    It holds no Qt object, so whatever the engine thread keeps or drops of it never touches a
    Qt wrapper (see `workbench.gui.garbage_collection`).
    """

    def __init__(
        self,
        open_store: StoreOpener,
        factory: ProviderFactory,
        options: EngineOptions | None,
        token: int,
    ) -> None:
        super().__init__()
        self._open_store = open_store
        self._factory = factory
        self._options = options
        self._token = token
        self.judge: ModelConfigContent | None = None

    async def create_and_execute(self, sink: Sink, spec: RunSpec, name: str) -> RunSummary:
        store = self._open_store()
        try:
            executor = self._executor(store)
            run_id = executor.create_run(spec, name)
            sink(RunCreated(self._token, run_id))
            return await self._execute(sink, executor, run_id, "missing")
        finally:
            store.close()

    async def execute_stored(self, sink: Sink, run_id: int, mode: Mode) -> RunSummary:
        store = self._open_store()
        try:
            return await self._execute(sink, self._executor(store), run_id, mode)
        finally:
            store.close()

    def _executor(self, store: Store) -> RunExecutor:
        return RunExecutor(store, self._factory, options=self._options)

    async def _execute(
        self, sink: Sink, executor: RunExecutor, run_id: int, mode: Mode
    ) -> RunSummary:
        cancel = self._begin_execution()

        def tagged(event: Event) -> None:
            sink(tag(run_id, event))

        try:
            return await executor.execute(
                run_id,
                mode=mode,
                cancel_event=cancel,
                sink=tagged,
                judge_model=self.judge,
                on_scoring=sink,
            )
        finally:
            self._end_execution()
