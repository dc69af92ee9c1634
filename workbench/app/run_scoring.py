"""Scoring a stored run: `score_run` scores every settled cell with one rubric version.

It reads only what the store holds (outputs, dataset rows, the columns' personas), so re-scoring
a run with another rubric version never calls the models again; an LLM-judge criterion calls
only the judge, built from ``judge_model`` through the engine (`workbench.app.judges`).
`score_run` is the synchronous door to the one implementation, `score_run_async`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.app.cell_scorer import (
    CellScorer,
    _rubric_content,
    from_cell_score,
    make_cell_scorer,
)
from workbench.app.defaults import JUDGE_CONCURRENCY
from workbench.app.embeddings import embedder_from_store
from workbench.app.judges import judge_call_from_config
from workbench.core.errors import KnownError
from workbench.core.models import ModelConfigContent, Version
from workbench.core.reviews import CellScore
from workbench.core.runs import CellKey, CellResult, CellStatus
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.runner import EngineOptions
from workbench.scoring.judge import JudgeCall
from workbench.scoring.promptfoo_asserts import criteria_from_promptfoo
from workbench.scoring.registry import JUDGE_KIND
from workbench.scoring.results import ScoreResult, TokenCounter
from workbench.scoring.rubric import needs_judge
from workbench.store import Store

Progress = Callable[[int, int], None]
"""Called with (cells scored so far, cells to score)."""

BATCH_SIZE = 200
"""Scores written per transaction: small enough for readers never to wait long."""

_SETTLED = (CellStatus.OK, CellStatus.ERROR, CellStatus.CANCELLED)


# --- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunScores:
    """What `score_run` did.

    Attributes:
        run_id: the run.
        rubric: the rubric version used.
        results: the result of every scored cell.
        unsettled: cells left out because they have not finished yet (pending or running).
    """

    run_id: int
    rubric: Version
    results: dict[CellKey, ScoreResult]
    unsettled: int = 0

    @property
    def passed(self) -> int:
        """Cells that passed."""
        return sum(1 for r in self.results.values() if r.passed is True)

    @property
    def failed(self) -> int:
        """Cells that failed."""
        return sum(1 for r in self.results.values() if r.passed is False)

    @property
    def errors(self) -> int:
        """Cells that could not be scored (no answer, or a judge failure): never fails."""
        return sum(1 for r in self.results.values() if r.error is not None)


def score_run(
    store: Store,
    run_id: int,
    rubric_version: Version,
    **options: Any,
) -> RunScores:
    """`score_run_async` for callers outside an event loop (the CLI, scripts, tests).

    Takes the same keyword arguments; see there.
    """
    if options.get("keep_stored") and options.get("live_scores"):
        # A run's usual end: every settled cell was scored live and the caller holds those
        # scores, so no event loop starts; the cells read here go on if anything is left.
        if options.get("cells") is None:
            options["cells"] = store.cells(run_id)
        settled = _settled_cells(store, run_id, options["cells"])
        found = _scored_live(
            store, run_id, rubric_version, settled, options["live_scores"], read_store=False
        )
        if found is not None:
            return found
    return asyncio.run(score_run_async(store, run_id, rubric_version, **options))


async def score_run_async(
    store: Store,
    run_id: int,
    rubric_version: Version,
    *,
    judge_call: JudgeCall | None = None,
    progress: Progress | None = None,
    token_counter: TokenCounter | None = None,
    batch_size: int = BATCH_SIZE,
    concurrency: int = JUDGE_CONCURRENCY,
    judge_model: ModelConfigContent | None = None,
    provider_factory: ProviderFactoryFn | None = None,
    engine_options: EngineOptions | None = None,
    keep_stored: bool = False,
    use_judge_cache: bool = True,
    cells: Sequence[CellResult] | None = None,
    live_scores: Sequence[CellScore] = (),
) -> RunScores:
    """Score every settled cell of a stored run and store the results in batches.

    A rubric without a judge is scored synchronously batch by batch (progress after each
    batch); with a judge, the judge criteria of up to `concurrency` cells run at once (progress
    after each cell). The judge is `judge_call`, or an `EngineJudge` built here from
    `judge_model` and `provider_factory` (the engine's limits, retries and response cache;
    `engine_options` tunes them; `use_judge_cache` False asks the judge again instead of reading
    its cached answers) and closed at the end. With `keep_stored`, cells that already
    hold a score of this rubric version (scored live during the run) are read back, not
    scored again. `cells`, the run's stored cells (every status, in key order) when the caller
    has just read them, saves reading them again; so do `live_scores`, the scores the caller saw
    stored live (`CellsScored`), when they cover every settled cell.

    Raises:
        NotFoundError: no such run.
        CriterionConfigError: a badly configured rubric, or a judge rubric without a judge.
    """
    if judge_call is None and judge_model is not None:
        if provider_factory is None:
            raise ValueError("a judge model needs a provider factory to build its provider")
        async with judge_call_from_config(
            store,
            judge_model,
            provider_factory,
            options=engine_options,
            concurrency=concurrency,
            use_cache=use_judge_cache,
        ) as judge:
            return await score_run_async(
                store,
                run_id,
                rubric_version,
                judge_call=judge,
                progress=progress,
                token_counter=token_counter,
                batch_size=batch_size,
                concurrency=concurrency,
                keep_stored=keep_stored,
                cells=cells,
                live_scores=live_scores,
            )
    settled, unsettled = _settled_cells(store, run_id, cells)
    if keep_stored:
        scored_live = _scored_live(
            store, run_id, rubric_version, (settled, unsettled), live_scores
        )
        if scored_live is not None:
            # Every settled cell was scored live with this rubric (which checked it then): no
            # scorer to build, whose set-up prepares every dataset row's own assertions.
            return scored_live
    scorer = make_cell_scorer(
        store, run_id, rubric_version, judge_call=judge_call, token_counter=token_counter
    )
    if not scorer.needs_embeddings:
        return await _score_cells(
            store, run_id, scorer, (settled, unsettled), progress, batch_size, concurrency,
            keep_stored,
        )
    # ``similar`` vectors come through the engine's embedder: never a blocking call in the loop.
    async with embedder_from_store(store, options=engine_options) as embedder:
        scorer.embed_call = embedder
        return await _score_cells(
            store, run_id, scorer, (settled, unsettled), progress, batch_size, concurrency,
            keep_stored,
        )


async def _score_cells(
    store: Store,
    run_id: int,
    scorer: CellScorer,
    settled: tuple[list[CellResult], int],
    progress: Progress | None,
    batch_size: int,
    concurrency: int,
    keep_stored: bool,
) -> RunScores:
    rubric_version = scorer.rubric
    cells, unsettled = settled
    results: dict[CellKey, ScoreResult] = {}
    if keep_stored:
        wanted = {cell.key for cell in cells}
        for stored in store.scores(run_id, rubric_version.id):
            if stored.key in wanted:
                results[stored.key] = from_cell_score(stored)
        cells = [cell for cell in cells if cell.key not in results]
    total = len(cells) + len(results)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(cell: CellResult) -> ScoreResult:
        async with gate:
            result = await scorer.evaluate_async(cell)
        if progress is not None:
            progress(len(results) + 1, total)
        results[cell.key] = result
        return result

    for start in range(0, len(cells), batch_size):
        batch = cells[start : start + batch_size]
        if scorer.scores_async:
            outcomes = await asyncio.gather(*(one(cell) for cell in batch))
        else:
            outcomes = [scorer.evaluate(cell) for cell in batch]
            results.update(zip((c.key for c in batch), outcomes, strict=True))
            if progress is not None:
                progress(len(results), total)
        # The write happens between awaits, never across one (a store belongs to one thread).
        scorer.store_results(zip((c.key for c in batch), outcomes, strict=True))
    return RunScores(run_id, rubric_version, results, unsettled)


def _scored_live(
    store: Store,
    run_id: int,
    rubric_version: Version,
    settled: tuple[list[CellResult], int],
    live_scores: Sequence[CellScore],
    *,
    read_store: bool = True,
) -> RunScores | None:
    """The run's scores if every settled cell already holds one of this rubric version (those
    in `live_scores` are not read back; without `read_store`, only those count)."""
    cells, unsettled = settled
    wanted = {cell.key for cell in cells}
    known = {
        score.key: score
        for score in live_scores
        if score.rubric_version_id == rubric_version.id and score.key in wanted
    }
    if len(known) < len(wanted) and read_store:
        known = {
            stored.key: stored
            for stored in store.scores(run_id, rubric_version.id)
            if stored.key in wanted
        }
    if not known or len(known) < len(wanted):
        return None
    results = {key: from_cell_score(stored) for key, stored in known.items()}
    return RunScores(run_id, rubric_version, results, unsettled)


def _settled_cells(
    store: Store, run_id: int, cells: Sequence[CellResult] | None = None
) -> tuple[list[CellResult], int]:
    if cells is None:
        cells = store.cells(run_id)
    settled = [cell for cell in cells if cell.status in _SETTLED]
    return settled, len(cells) - len(settled)



def judge_needed(store: Store, run_id: int, rubric_version: Version) -> str | None:
    """What makes scoring this run call a judge: ``rubric NAME@vN``, or the first dataset row
    whose own assertions have an llm-judge criterion (``row 'r7' of dataset NAME@vN``); None
    when nothing does."""
    content = _rubric_content(rubric_version)
    if needs_judge(content):
        return f"rubric {rubric_version.ref}"
    dataset_id = store.get_run(run_id).spec.dataset_id
    # Rows usually share their assertions' wording (templated per row): each distinct list is
    # converted once, not once per row.
    judged: dict[str, bool] = {}
    for row in store.dataset_rows(dataset_id):
        if not row.asserts:
            continue
        wording = json.dumps(row.asserts, sort_keys=True, default=str)
        if wording not in judged:
            try:
                converted = criteria_from_promptfoo(row.asserts, where=f"row '{row.id}' assert")
            except KnownError:
                judged[wording] = False  # scoring reports the row's malformed assertions
            else:
                judged[wording] = any(spec.kind == JUDGE_KIND for spec in converted.criteria)
        if judged[wording]:
            return f"row '{row.id}' of dataset {store.get_version(dataset_id).ref}"
    return None


