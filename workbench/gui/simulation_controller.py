"""`SimulationController`: a simulation in the GUI — create, execute, score, cancel, resume.

Everything slow runs on the engine bridge's thread through the application layer
(`workbench.app.conversations`): creating the run, executing its conversations (turns stay in
order inside one conversation, many conversations run at once) and scoring them. The GUI thread
receives the engine's plain events, tagged with the run, in batches drained by the bridge's
timer; it never waits on the network, the disk or scoring.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workbench.app import conversations as app_conversations
from workbench.app.services import ProviderFactory
from workbench.core.errors import KnownError
from workbench.gui.bridge import EngineBridge

if TYPE_CHECKING:
    from workbench.app.conversations import ConversationScore, SimulationSpec
    from workbench.app.services import Services

_log = logging.getLogger(__name__)
_TOKENS = itertools.count(1)
Sink = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class SimulationCreated:
    """Controller `token` stored simulation `run_id` and is about to execute it."""

    token: int
    run_id: int


@dataclass(frozen=True, slots=True)
class SimulationEventOf:
    """An engine event of simulation `run_id` (several simulations share one bridge)."""

    run_id: int
    event: Any


@dataclass(frozen=True, slots=True)
class SimulationScored:
    """Scores of simulation `run_id`, already stored."""

    run_id: int
    scores: tuple[ConversationScore, ...]


@dataclass(frozen=True, slots=True)
class SimulationScoringFailed:
    """Scoring simulation `run_id` failed; the transcripts are kept."""

    run_id: int
    message: str


class SimulationController(QObject):
    """Drives one simulation on the engine thread and reports on the GUI thread.

    Args:
        bridge: the engine bridge.
        services: the workspace's services (the app layer opens the engine thread's store).
        provider_factory: builds providers for model configs (called on the engine thread).

    Signals:
        simulation_created(int): the simulation was stored with this id.
        events_received(list): engine events of this simulation, in order.
        running_changed(bool): an execution started (True) or ended (False).
        simulation_finished(object): the `SimulationSummary` of an execution that completed.
        simulation_failed(str): it could not be created or executed; what went wrong, in words.
        scores_received(list): `ConversationScore`s, stored.
        scoring_failed(str): scoring failed; the transcripts are kept.
    """

    simulation_created = Signal(int)
    events_received = Signal(list)
    running_changed = Signal(bool)
    simulation_finished = Signal(object)
    simulation_failed = Signal(str)
    scores_received = Signal(list)
    scoring_failed = Signal(str)

    def __init__(
        self,
        bridge: EngineBridge,
        services: Services,
        provider_factory: ProviderFactory | None = None,
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._token = next(_TOKENS)
        # What runs on the engine thread holds no Qt object (see `_SimulationWork`).
        self._work = _SimulationWork(services, provider_factory, self._token)
        self._run_id: int | None = None
        self._task: int | None = None
        self.last_summary: object | None = None
        bridge.events_arrived.connect(self._on_bridge_events_arrived)
        bridge.task_finished.connect(self._on_bridge_task_finished)

    @property
    def run_id(self) -> int | None:
        """The simulation driven, once created or attached."""
        return self._run_id

    @property
    def running(self) -> bool:
        """Whether an execution (or its scoring) is under way."""
        return self._task is not None

    def attach(self, run_id: int) -> None:
        """Drive a stored simulation (resume, retry errors, score)."""
        if self.running:
            raise RuntimeError("cannot attach a controller while it runs")
        self._run_id = run_id

    def start(self, spec: SimulationSpec, name: str) -> None:
        """Create a simulation from `spec` and execute it; `simulation_created` tells its id."""
        if self.running:
            raise RuntimeError("this controller is already running")
        work = self._work
        self._submit(lambda sink: work.create_and_execute(sink, spec, name))

    def resume(self) -> None:
        """Run every conversation not finished yet (after a cancel or a crash)."""
        self._continue("missing")

    def retry_errors(self) -> None:
        """Run again the conversations that ended in an error."""
        self._continue("errors")

    def score(self) -> None:
        """Score the stored conversations again (after a resume, or for an unscored run)."""
        if self._run_id is None or self.running:
            return
        run_id, work = self._run_id, self._work
        self._submit(lambda sink: work.score(sink, run_id))

    def cancel(self) -> bool:
        """Stop: in-flight calls are cancelled, every finished turn stays stored."""
        if not self.running:
            return False
        self._work.request_cancel()
        return True

    # -- engine thread -------------------------------------------------------------------------

    def _continue(self, mode: str) -> None:
        if self._run_id is None:
            raise RuntimeError("no simulation to continue: start or attach one first")
        if self.running:
            return
        run_id, work = self._run_id, self._work
        self._submit(lambda sink: work.execute(sink, run_id, mode))

    def _submit(self, make: Callable[[Sink], Any]) -> None:
        self._work.cancel_wanted = False
        self._task = self._bridge.submit(make)
        self.running_changed.emit(True)

    # -- GUI thread ----------------------------------------------------------------------------

    def _on_bridge_events_arrived(self, events: list[Any]) -> None:
        mine: list[Any] = []
        for item in events:
            if isinstance(item, SimulationCreated):
                if item.token == self._token:
                    self._run_id = item.run_id
                    self.simulation_created.emit(item.run_id)
            elif isinstance(item, SimulationEventOf):
                if item.run_id == self._run_id:
                    mine.append(item.event)
            elif isinstance(item, SimulationScored):
                if item.run_id == self._run_id:
                    mine = self._flush(mine)
                    self.scores_received.emit(list(item.scores))
            elif isinstance(item, SimulationScoringFailed) and item.run_id == self._run_id:
                self.scoring_failed.emit(item.message)
        self._flush(mine)

    def _flush(self, events: list[Any]) -> list[Any]:
        if events:
            self.events_received.emit(events)
        return []

    def _on_bridge_task_finished(self, task_id: int, result: Any, error: Any) -> None:
        if task_id != self._task:
            return
        self._task = None
        self.running_changed.emit(False)
        if error is None:
            if result is not None:
                self.last_summary = result
                self.simulation_finished.emit(result)
        elif isinstance(error, asyncio.CancelledError):
            self.simulation_failed.emit(
                "The simulation was stopped; finished turns are kept and Resume continues it."
            )
        elif isinstance(error, KnownError):
            self.simulation_failed.emit(str(error))
        else:
            _log.error("simulation failed", exc_info=error)
            self.simulation_failed.emit(f"The simulation stopped on an unexpected error: {error!r}")


class _SimulationWork:
    """The engine-thread side of a `SimulationController`: create, execute and score.

    It holds no Qt object, so whatever the engine thread keeps or drops of it never touches a
    Qt wrapper (the bridge refuses work that does; see `workbench.gui.qt_free`).
    """

    def __init__(
        self, services: Services, provider_factory: ProviderFactory | None, token: int
    ) -> None:
        self._services = services
        self._factory = provider_factory
        self._token = token
        # Written on the engine thread when an execution starts, read by `request_cancel`.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel_event: asyncio.Event | None = None
        self.cancel_wanted = False

    def request_cancel(self) -> None:
        """Ask the current execution to stop (from the GUI thread)."""
        # The flag first: `execute` stores the loop before reading the flag, so one of the two
        # always sees the other.
        self.cancel_wanted = True
        loop, event = self._loop, self._cancel_event
        if loop is not None and event is not None:
            loop.call_soon_threadsafe(event.set)

    async def create_and_execute(self, sink: Sink, spec: SimulationSpec, name: str) -> Any:
        services, factory = self._services, self._factory

        def create() -> int:
            store = services.open_store()  # a Store belongs to the thread that opened it
            try:
                engine = app_conversations.simulation_engine(
                    services, store=store, provider_factory=factory
                )
                return engine.create(spec, name)
            finally:
                store.close()

        run_id = await asyncio.to_thread(create)
        sink(SimulationCreated(self._token, run_id))
        return await self.execute(sink, run_id, "missing")

    async def execute(self, sink: Sink, run_id: int, mode: str) -> Any:
        self._loop = asyncio.get_running_loop()
        cancel = self._cancel_event = asyncio.Event()
        if self.cancel_wanted:
            cancel.set()
        store = self._services.open_store()
        try:
            summary = await app_conversations.execute_simulation(
                self._services,
                run_id,
                mode=mode,  # type: ignore[arg-type]
                cancel_event=cancel,
                sink=lambda event: sink(SimulationEventOf(run_id, event)),
                provider_factory=self._factory,
                store=store,
            )
        finally:
            store.close()
            self._loop = self._cancel_event = None
        if not cancel.is_set():
            await self.score(sink, run_id)
        return summary

    async def score(self, sink: Sink, run_id: int) -> None:
        services = self._services

        def score() -> list[ConversationScore]:
            store = services.open_store()
            try:
                return app_conversations.score_simulation(store, run_id)
            finally:
                store.close()

        try:
            scores = await asyncio.to_thread(score)
        except KnownError as error:
            sink(SimulationScoringFailed(run_id, str(error)))
            return
        except Exception as error:  # a scoring bug must not lose the finished simulation
            _log.error("scoring simulation %d failed", run_id, exc_info=error)
            sink(SimulationScoringFailed(run_id, f"{type(error).__name__}: {error}"))
            return
        sink(SimulationScored(run_id, tuple(scores)))
