"""`SimulationController`: a simulation in the GUI — create, execute, score, cancel, resume.

Everything slow runs on the engine bridge's thread through the application layer
(`workbench.app.conversations`): creating the run, executing its conversations (turns stay in
order inside one conversation, many conversations run at once) and scoring them. The GUI thread
receives the engine's plain events, tagged with the run, in batches drained by the bridge's
timer; it never waits on the network, the disk or scoring.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workbench.app import conversations as app_conversations
from workbench.app.services import ProviderFactory
from workbench.core.errors import KnownError
from workbench.gui.bridge import EngineBridge
from workbench.gui.engine_task import CancellableWork, EngineTaskController, Sink

if TYPE_CHECKING:
    from workbench.app.conversations import ConversationScore, SimulationSpec
    from workbench.app.services import Services

_log = logging.getLogger(__name__)


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


class SimulationController(EngineTaskController):
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
    simulation_finished = Signal(object)
    simulation_failed = Signal(str)
    scores_received = Signal(list)

    WHAT = "simulation"
    STOPPED_MESSAGE = "The simulation was stopped; finished turns are kept and Resume continues it."
    CREATED = SimulationCreated
    EVENTS = SimulationEventOf
    SCORED = SimulationScored
    SCORING_FAILED = SimulationScoringFailed
    CREATED_SIGNAL = "simulation_created"
    SCORES_SIGNAL = "scores_received"
    FINISHED_SIGNAL = "simulation_finished"
    FAILED_SIGNAL = "simulation_failed"

    def __init__(
        self,
        bridge: EngineBridge,
        services: Services,
        provider_factory: ProviderFactory | None = None,
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(bridge, parent=parent)
        # What runs on the engine thread holds no Qt object (see `_SimulationWork`).
        self._work: _SimulationWork = _SimulationWork(services, provider_factory, self._token)

    def attach(self, run_id: int) -> None:
        """Drive a stored simulation (resume, retry errors, score)."""
        self._attach(run_id)

    def start(self, spec: SimulationSpec, name: str) -> None:
        """Create a simulation from `spec` and execute it; `simulation_created` tells its id."""
        self._start(spec, name)

    def score(self) -> None:
        """Score the stored conversations again (after a resume, or for an unscored run)."""
        if self._run_id is None or self.running:
            return
        run_id, work = self._run_id, self._work
        self._submit(lambda sink: work.score(sink, run_id))

    # -- what EngineTaskController asks of a controller ----------------------------------------

    def _unwrap(self, item: Any) -> Any:
        return item.event


class _SimulationWork(CancellableWork):
    """The engine-thread side of a `SimulationController`: create, execute and score.

    It holds no Qt object, so whatever the engine thread keeps or drops of it never touches a
    Qt wrapper (the bridge refuses work that does; see `workbench.gui.qt_free`).
    """

    def __init__(
        self, services: Services, provider_factory: ProviderFactory | None, token: int
    ) -> None:
        super().__init__()
        self._services = services
        self._factory = provider_factory
        self._token = token

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
        return await self.execute_stored(sink, run_id, "missing")

    async def execute_stored(self, sink: Sink, run_id: int, mode: str) -> Any:
        cancel = self._begin_execution()
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
            self._end_execution()
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
