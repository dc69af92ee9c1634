"""Re-scoring cells as a resume or retry lands them, so no score stays stale.

A cell that ended in an error holds an error score ("no answer") under every rubric that scored
its run. When `runs retry-errors` (or `runs resume`) answers it, that score must follow at once,
not wait for someone to run `workbench score` again. `LandingRescorer` scores each answered cell
with every other rubric already scored for the run, in small batches, as the engine reports it.
The run's own rubric is not among them: `RunExecutor` scores the cells it lands with that rubric
already (live scoring), and scoring them twice would only repeat the work.

Rubrics that need an LLM judge are left for `workbench score --judge ...`, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.app.scoring import CellScorer, make_cell_scorer
from workbench.core.errors import KnownError
from workbench.core.runs import CellResult, CellStatus
from workbench.store import Store

BATCH = 50


@dataclass
class RescoreReport:
    """What a `LandingRescorer` did.

    Attributes:
        rescored: cells scored again (counted once per rubric).
        rubrics: refs of the rubrics used.
        skipped: rubrics left alone, each with the reason.
    """

    rescored: int = 0
    rubrics: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class LandingRescorer:
    """Scores the cells of one run with its rubrics as they land (see the module doc).

    Args:
        store: the store the engine writes the cells to.
        run_id: the run being resumed or retried.
        batch: cells scored per transaction.
        include_run_rubric: score with the run's own rubric too (only for an execution that
            does not score live, which `RunExecutor` always does).
    """

    def __init__(
        self, store: Store, run_id: int, *, batch: int = BATCH, include_run_rubric: bool = False
    ) -> None:
        self.report = RescoreReport()
        self._batch = batch
        self._pending: list[CellResult] = []
        self._scorers: list[CellScorer] = []
        run = store.get_run(run_id)
        rubric_ids = list(store.rubric_ids_scored(run_id))
        own = run.spec.rubric_id
        if own is not None and own not in rubric_ids and include_run_rubric:
            rubric_ids.append(own)
        if own is not None and not include_run_rubric:
            rubric_ids = [rubric_id for rubric_id in rubric_ids if rubric_id != own]
        for rubric_id in rubric_ids:
            version = store.get_version(rubric_id)
            try:
                scorer = make_cell_scorer(store, run_id, version)
            except KnownError as error:
                self.report.skipped.append(f"{version.ref}: {error}")
                continue
            if scorer.needs_judge or scorer.rows_need_judge:
                self.report.skipped.append(
                    f"{version.ref}: needs an LLM judge (workbench score --judge ...)"
                )
                continue
            self._scorers.append(scorer)
            self.report.rubrics.append(version.ref)

    def add(self, cell: CellResult) -> None:
        """Take a cell the engine just finished; answered cells are scored in batches."""
        if not self._scorers or cell.status is not CellStatus.OK:
            return
        self._pending.append(cell)
        if len(self._pending) >= self._batch:
            self.flush()

    def flush(self) -> int:
        """Score and store the cells waiting; returns how many cells were scored."""
        cells, self._pending = self._pending, []
        if not cells:
            return 0
        for scorer in self._scorers:
            scorer.score_many(cells)
            self.report.rescored += len(cells)
        return len(cells)
