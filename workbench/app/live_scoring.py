"""`LiveScoring`: scores a run's cells as they finish, for the GUI and the CLI alike (no Qt).

Cells are gathered for a moment and scored in small batches, each stored in one transaction and
announced with one `CellsScored` event, so hundreds of cells a second cost a few writes a second.
Rubrics with an LLM judge call it through an `EngineJudge` (the engine's endpoint limits,
retries honouring Retry-After, per-call timeout and response cache, so a 429 from the judge is
retried, never turned into an error at once); ``similar`` criteria fetch their vectors through
an `EngineEmbedder` the same way, so a slow embeddings endpoint never holds up the cells the
engine is landing meanwhile; the rest are plain function calls.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.app.embeddings import embedder_from_store
from workbench.app.scoring import judge_call_from_config, make_cell_scorer
from workbench.core.errors import KnownError
from workbench.core.models import ModelConfigContent
from workbench.core.reviews import CellScore
from workbench.core.runs import CellResult, CellStatus
from workbench.engine.embedder import EngineEmbedder
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.judge import EngineJudge
from workbench.engine.runner import EngineOptions

if TYPE_CHECKING:
    from workbench.app.scoring import CellScorer
    from workbench.store import Store

SCORE_BATCH_WAIT_S = 0.05
"""How long the first finished cell waits for others, so they are scored in one transaction."""

Sink = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class CellsScored:
    """Rubric results of finished cells, stored already."""

    run_id: int
    scores: tuple[CellScore, ...]


@dataclass(frozen=True, slots=True)
class ScoringFailed:
    """Scoring could not run for this run (a bad rubric, a judge without model)."""

    run_id: int
    message: str


class LiveScoring:
    """Scores cells of one run on the engine thread as they finish, in small batches.

    Use from the engine's event loop: `prepare`, `start`, `add` each finished cell, then
    `finish` (or `stop` on cancellation). Only answered (ok) cells are scored: an error is
    shown as an error, never as a fail, and a cancelled cell will run again on resume.

    `also` are scorers of other rubrics (without a judge) that score the same cells, each
    result stored once and announced with its own `CellsScored` (the re-scoring of a resume).
    """

    def __init__(self, sink: Sink, run_id: int, *, also: Sequence[CellScorer] = ()) -> None:
        self._sink = sink
        self._run_id = run_id
        self._scorer: CellScorer | None = None
        self._also = list(also)
        self._pending: list[CellResult] = []
        self._wake = asyncio.Event()
        self._finished = asyncio.Event()
        self._done = False
        self._task: asyncio.Task[None] | None = None
        self.judge: EngineJudge | None = None
        self.embedder: EngineEmbedder | None = None

    async def prepare(
        self,
        store: Store,
        judge: ModelConfigContent | None,
        factory: ProviderFactoryFn,
        *,
        options: EngineOptions | None = None,
    ) -> None:
        """Build the scorer for the run's rubric and, with a judge model, its `EngineJudge`;
        with ``similar`` criteria, its `EngineEmbedder` (both closed by `aclose`)."""
        run = store.get_run(self._run_id)
        if run.spec.rubric_id is not None:
            if judge is not None:
                self.judge = judge_call_from_config(store, judge, factory, options=options)
            try:
                self._scorer = make_cell_scorer(
                    store,
                    self._run_id,
                    store.get_version(run.spec.rubric_id),
                    judge_call=self.judge,
                )
            except KnownError as error:
                self._sink(ScoringFailed(self._run_id, f"Cells are not scored: {error}"))
        for scorer in self._scorers():
            if scorer.needs_embeddings:
                if self.embedder is None:
                    self.embedder = embedder_from_store(store, options=options)
                scorer.embed_call = self.embedder

    def _scorers(self) -> list[CellScorer]:
        return ([self._scorer] if self._scorer is not None else []) + self._also

    async def aclose(self) -> None:
        """Close the judge's provider and the embedder's clients, if built."""
        if self.judge is not None:
            await self.judge.aclose()
        if self.embedder is not None:
            await self.embedder.aclose()

    def start(self) -> None:
        if self._scorers():
            self._task = asyncio.get_running_loop().create_task(self._loop())

    def add(self, result: CellResult) -> None:
        if self._scorers() and result.status is CellStatus.OK:
            self._pending.append(result)
            self._wake.set()

    async def finish(self) -> None:
        self._done = True
        self._finished.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _loop(self) -> None:
        scorers = self._scorers()
        while True:
            await self._wake.wait()
            if not self._done:
                await self._gather_more()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                try:
                    for scorer in scorers:
                        await self._score(scorer, batch)
                except KnownError as error:
                    self._sink(ScoringFailed(self._run_id, f"Scoring stopped: {error}"))
                    return
            if self._done and not self._pending:
                return

    async def _gather_more(self) -> None:
        """Let more cells land for one transaction, for at most `SCORE_BATCH_WAIT_S`; stop
        waiting as soon as the run finishes (no more cells can come: a run whose cells were all
        cached waited out the whole time after its last one)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._finished.wait(), SCORE_BATCH_WAIT_S)

    async def _score(self, scorer: CellScorer, batch: list[CellResult]) -> None:
        if scorer.scores_async:
            results = await asyncio.gather(*(scorer.evaluate_async(cell) for cell in batch))
        else:
            results = [scorer.evaluate(cell) for cell in batch]
        pairs = list(zip((cell.key for cell in batch), results, strict=True))
        # Written between awaits, never across one: the store is this thread's alone.
        self._sink(CellsScored(self._run_id, scorer.store_results(pairs)))
