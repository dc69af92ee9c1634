"""Estimating, creating and executing runs with live scoring, for the CLI and the GUI alike.

`RunExecutor` is the one way both front ends run cells: it wraps the engine (built with the
defaults of `workbench.app.defaults` unless told otherwise) and scores each finished cell with
the run's rubric as it completes (`LiveScoring`), the judge going through the engine's limits,
retries, timeout and response cache. Where `execute` is called decides the thread: the CLI calls
it under `asyncio.run`, the GUI on its engine thread.

The types the front ends read from an execution are re-exported here, so neither imports the
engine: its events (`RunStarted`, `CellStarted`, `CellDelta`, `CellFinished`, `RunFinished`),
`RunSummary`, `Estimate`, `EngineOptions`, `Mode`, and the scoring events `CellsScored` and
`ScoringFailed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from workbench.app.defaults import engine_options
from workbench.app.live_scoring import CellsScored, LiveScoring, ScoringFailed
from workbench.core.llm import Provider
from workbench.core.models import ModelConfigContent
from workbench.core.runs import RunSpec
from workbench.engine.budget import Estimate
from workbench.engine.events import (
    CellDelta,
    CellFinished,
    CellStarted,
    Event,
    RunFinished,
    RunStarted,
)
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions, Mode, RunEngine, RunSummary

if TYPE_CHECKING:
    from workbench.app.cell_scorer import CellScorer
    from workbench.store import Store

EventSink = Callable[[Event], None]
"""Receives the engine's events of one run, on the loop that executes it."""
ScoringSink = Callable[[CellsScored | ScoringFailed], None]
"""Receives live-scoring results and failures, on the loop that executes the run."""
T = TypeVar("T")


class RunExecutor:
    """Estimate, create and execute runs on one store, scoring cells live.

    Args:
        store: the store of the thread that calls `estimate`, `create_run` and `execute`.
        provider_factory: builds a provider per model config (`Services.provider_factory()`).
        options: engine tuning; `workbench.app.defaults.engine_options()` when None.
    """

    def __init__(
        self,
        store: Store,
        provider_factory: ProviderFactoryFn,
        *,
        options: EngineOptions | None = None,
    ) -> None:
        self.store = store
        self.options = options or engine_options()
        self._factory = provider_factory
        self._engine = RunEngine(store, provider_factory, options=self.options)

    def estimate(self, spec: RunSpec) -> Estimate:
        """Calls, tokens and cost a run of `spec` would take (nothing is called)."""
        return self._engine.estimate(spec)

    def create_run(self, spec: RunSpec, name: str) -> int:
        """Store a run of `spec` (refused when its estimate is over budget); its id."""
        return self._engine.create_run(spec, name)

    async def execute(
        self,
        run_id: int,
        *,
        mode: Mode = "missing",
        cancel_event: asyncio.Event | None = None,
        sink: EventSink | None = None,
        judge_model: ModelConfigContent | None = None,
        on_scoring: ScoringSink | None = None,
        also_score: Sequence[CellScorer] = (),
    ) -> RunSummary:
        """Run the cells that need it and score each answered cell with the run's rubric (and
        with the scorers of `also_score`: other rubrics, re-scored as a resume lands cells).

        Scores are stored as cells finish and announced to `on_scoring`; a rubric that cannot
        score the run is announced as `ScoringFailed` and the run goes on.
        """
        return await scored_live(
            self.store,
            run_id,
            lambda forward: self._engine.execute(
                run_id, mode=mode, cancel_event=cancel_event, sink=forward
            ),
            sink=sink,
            judge_model=judge_model,
            provider_factory=self._factory,
            options=self.options,
            on_scoring=on_scoring,
            also_score=also_score,
        )


async def scored_live(
    store: Store,
    run_id: int,
    work: Callable[[EventSink], Awaitable[T]],
    *,
    sink: EventSink | None,
    judge_model: ModelConfigContent | None,
    provider_factory: ProviderFactoryFn,
    options: EngineOptions,
    on_scoring: ScoringSink | None,
    also_score: Sequence[CellScorer] = (),
) -> T:
    """Do `work` (which lands cells through the sink it is given) while every finished cell is
    scored live with the run's rubric and `also_score`; events also go on to `sink`. Interactive
    runs and batch collections both land cells this way."""
    live = LiveScoring(on_scoring or _ignore, run_id, also=also_score)
    try:
        await live.prepare(store, judge_model, provider_factory, options=options)

        def forward(event: Event) -> None:
            if sink is not None:
                sink(event)
            if isinstance(event, CellFinished):
                live.add(event.result)

        live.start()
        result = await work(forward)
        await live.finish()
        return result
    finally:
        live.stop()
        await live.aclose()


def estimate_only(store: Store, spec: RunSpec) -> Estimate:
    """The estimate of `spec` without a provider (nothing is called to estimate)."""
    return RunExecutor(store, _no_provider).estimate(spec)


def _no_provider(_config: ModelConfigContent) -> Provider:
    raise RuntimeError("estimating a run calls no provider")


def _ignore(_event: Any) -> None:
    return None


__all__ = [
    "CellDelta",
    "CellFinished",
    "CellStarted",
    "CellsScored",
    "EngineOptions",
    "Estimate",
    "Event",
    "EventSink",
    "Mode",
    "RetryPolicy",
    "RunExecutor",
    "RunFinished",
    "RunStarted",
    "RunSummary",
    "ScoringFailed",
    "ScoringSink",
    "estimate_only",
]
