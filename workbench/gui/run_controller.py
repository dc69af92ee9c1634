"""`RunController`: one run's life in the GUI — create, execute, score live, cancel, resume, retry.

Everything slow happens on the engine bridge's thread with a store connection opened there (a
`Store` belongs to one thread): creating the run (rendering every row, estimating), executing
it, and scoring each finished cell with the run's rubric as it completes. The GUI thread only
receives batched, tagged events and re-emits the ones of its run; it never waits on the network,
the disk or scoring.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workbench.app.run_execution import EngineOptions, Event, Mode, RunExecutor, RunSummary
from workbench.app.services import ProviderFactory
from workbench.core.errors import KnownError
from workbench.core.models import ModelConfigContent
from workbench.core.runs import RunSpec
from workbench.gui.bridge import EngineBridge
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

_log = logging.getLogger(__name__)
_TOKENS = itertools.count(1)

StoreOpener = Callable[[], "Store"]
Sink = Callable[[Any], None]


class RunController(QObject):
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
    events_received = Signal(list)
    cells_scored = Signal(list)
    running_changed = Signal(bool)
    run_finished = Signal(object)
    run_failed = Signal(str)
    scoring_failed = Signal(str)

    def __init__(
        self,
        bridge: EngineBridge,
        open_store: StoreOpener,
        provider_factory: ProviderFactory,
        *,
        options: EngineOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._token = next(_TOKENS)
        # What runs on the engine thread: a plain object, so that thread never holds this QObject.
        self._work = _RunWork(open_store, provider_factory, options, self._token)
        self._run_id: int | None = None
        self._task: int | None = None
        self._judge: ModelConfigContent | None = None
        self.last_summary: RunSummary | None = None
        bridge.events_arrived.connect(self._on_bridge_events_arrived)
        bridge.task_finished.connect(self._on_bridge_task_finished)

    @property
    def run_id(self) -> int | None:
        """The run this controller drives, once created or attached."""
        return self._run_id

    @property
    def running(self) -> bool:
        """Whether an execution is under way."""
        return self._task is not None

    def attach(self, run_id: int, *, judge_model: ModelConfigContent | None = None) -> None:
        """Drive an existing run (for resume and retry-errors)."""
        if self.running:
            raise RuntimeError("cannot attach a controller while it runs")
        self._run_id = run_id
        self._judge = judge_model

    def start(
        self, spec: RunSpec, name: str, *, judge_model: ModelConfigContent | None = None
    ) -> None:
        """Create a run from `spec` and execute it; `run_created` tells its id."""
        if self.running:
            raise RuntimeError("this controller is already running")
        self._judge = judge_model
        work = self._work
        self._submit(lambda sink: work.create_and_execute(sink, spec, name))

    def resume(self) -> None:
        """Run every cell not yet ok (after a cancel, a crash or errors)."""
        self._continue("missing")

    def retry_errors(self) -> None:
        """Run again only the cells that ended in an error."""
        self._continue("errors")

    def cancel(self) -> bool:
        """Stop scheduling; in-flight cells end as cancelled. False when nothing runs."""
        if not self.running:
            return False
        self._work.request_cancel()
        return True

    # -- starting work on the engine thread ----------------------------------------------------

    def _continue(self, mode: Mode) -> None:
        if self._run_id is None:
            raise RuntimeError("no run to continue: start or attach one first")
        if self.running:
            return
        run_id, work = self._run_id, self._work
        self._submit(lambda sink: work.execute_stored(sink, run_id, mode))

    def _submit(self, make: Callable[[Sink], Any]) -> None:
        self._work.cancel_wanted = False
        self._work.judge = self._judge
        self._task = self._bridge.submit(make)
        self.running_changed.emit(True)

    # -- GUI thread ----------------------------------------------------------------------------

    def _on_bridge_events_arrived(self, events: list[Any]) -> None:
        mine: list[Event] = []
        for item in events:
            if isinstance(item, RunCreated):
                if item.token == self._token:
                    self._run_id = item.run_id
                    self.run_created.emit(item.run_id)
            elif isinstance(item, RunDelta | RunEvent):
                if item.run_id == self._run_id:
                    mine.append(untag(item))
            elif isinstance(item, CellsScored):
                if item.run_id == self._run_id:
                    # A cell's score must land after the cell itself.
                    mine = self._flush(mine)
                    self.cells_scored.emit(list(item.scores))
            elif isinstance(item, ScoringFailed) and item.run_id == self._run_id:
                self.scoring_failed.emit(item.message)
        self._flush(mine)

    def _flush(self, events: list[Event]) -> list[Event]:
        if events:
            self.events_received.emit(events)
        return []

    def _on_bridge_task_finished(self, task_id: int, result: Any, error: Any) -> None:
        if task_id != self._task:
            return
        self._task = None
        self.running_changed.emit(False)
        if isinstance(result, RunSummary):
            self.last_summary = result
            self.run_finished.emit(result)
        elif isinstance(error, asyncio.CancelledError):
            self.run_failed.emit("The run was stopped before it finished; Resume continues it.")
        elif isinstance(error, KnownError):
            self.run_failed.emit(str(error))
        else:
            _log.error("run execution failed", exc_info=error)
            self.run_failed.emit(f"The run stopped on an unexpected error: {error!r}")


class _RunWork:
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
        self._open_store = open_store
        self._factory = factory
        self._options = options
        self._token = token
        self.judge: ModelConfigContent | None = None
        # Written on the engine thread when an execution starts, read by `request_cancel`.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel_event: asyncio.Event | None = None
        self.cancel_wanted = False

    def request_cancel(self) -> None:
        """Ask the current execution to stop (from the GUI thread)."""
        # Set the flag before reading the loop: `_execute` stores the loop before it reads the
        # flag, so one of the two always sees the other.
        self.cancel_wanted = True
        loop, event = self._loop, self._cancel_event
        if loop is not None and event is not None:
            loop.call_soon_threadsafe(event.set)

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
        self._loop = asyncio.get_running_loop()
        cancel = self._cancel_event = asyncio.Event()
        if self.cancel_wanted:
            cancel.set()

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
            self._loop = self._cancel_event = None
