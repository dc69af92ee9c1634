"""`LiveScoring`: scores a run's cells on the engine thread as they finish (no Qt).

Cells are gathered for a moment and scored in small batches, each stored in one transaction and
announced with one `CellsScored` event, so hundreds of cells a second cost a few writes a second.
Rubrics with an LLM judge go through the judge's provider; the rest are plain function calls.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.app.scoring import make_cell_scorer, to_cell_score
from workbench.core.errors import KnownError
from workbench.core.llm import ChatRequest, ChatResult, ProviderError
from workbench.core.models import ModelConfigContent
from workbench.core.runs import CellResult, CellStatus
from workbench.app.services import ProviderFactory
from workbench.gui.run_events import CellsScored, ScoringFailed

if TYPE_CHECKING:
    from workbench.app.scoring import CellScorer
    from workbench.store import Store

SCORE_BATCH_WAIT_S = 0.05
"""How long the first finished cell waits for others, so they are scored in one transaction."""

Sink = Callable[[Any], None]


class LiveScoring:
    """Scores cells of one run on the engine thread as they finish, in small batches.

    Use from the engine's event loop: `prepare`, `start`, `add` each finished cell, then
    `finish` (or `stop` on cancellation). Only answered (ok) cells are scored: an error is
    shown as an error, never as a fail, and a cancelled cell will run again on resume.
    """

    def __init__(self, sink: Sink, run_id: int) -> None:
        self._sink = sink
        self._run_id = run_id
        self._scorer: CellScorer | None = None
        self._pending: list[CellResult] = []
        self._wake = asyncio.Event()
        self._done = False
        self._task: asyncio.Task[None] | None = None

    async def prepare(
        self,
        store: Store,
        judge: ModelConfigContent | None,
        factory: ProviderFactory,
    ) -> Any:
        """Build the scorer for the run's rubric; returns the judge provider to close, if any."""
        run = store.get_run(self._run_id)
        if run.spec.rubric_id is None:
            return None
        provider = None
        judge_call = None
        if judge is not None:
            provider = factory(judge)
            judge_call = _judge_call(provider, judge)
        try:
            self._scorer = make_cell_scorer(
                store, self._run_id, store.get_version(run.spec.rubric_id), judge_call=judge_call
            )
        except KnownError as error:
            self._sink(ScoringFailed(self._run_id, f"Cells are not scored: {error}"))
        return provider

    def start(self) -> None:
        if self._scorer is not None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    def add(self, result: CellResult) -> None:
        if self._scorer is not None and result.status is CellStatus.OK:
            self._pending.append(result)
            self._wake.set()

    async def finish(self) -> None:
        self._done = True
        self._wake.set()
        if self._task is not None:
            await self._task

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _loop(self) -> None:
        scorer = self._scorer
        assert scorer is not None
        while True:
            await self._wake.wait()
            if not self._done:
                await asyncio.sleep(SCORE_BATCH_WAIT_S)
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                try:
                    await self._score(scorer, batch)
                except KnownError as error:
                    self._sink(ScoringFailed(self._run_id, f"Scoring stopped: {error}"))
                    return
            if self._done and not self._pending:
                return

    async def _score(self, scorer: CellScorer, batch: list[CellResult]) -> None:
        if scorer.needs_judge:
            results = await asyncio.gather(*(scorer.evaluate_async(cell) for cell in batch))
        else:
            results = [scorer.evaluate(cell) for cell in batch]
        pairs = list(zip((cell.key for cell in batch), results, strict=True))
        # Written between awaits, never across one: the store is this thread's alone.
        scorer.store_results(pairs)
        rubric_id = scorer.rubric.id
        self._sink(
            CellsScored(self._run_id, tuple(to_cell_score(key, rubric_id, r) for key, r in pairs))
        )


def _judge_call(provider: Any, config: ModelConfigContent) -> Any:
    async def call(request: ChatRequest) -> ChatResult | ProviderError:
        params = {**config.params, **request.params}
        outcome: ChatResult | ProviderError = await provider.complete(
            dataclasses.replace(request, model=config.model, params=params, stream=False)
        )
        return outcome

    return call
