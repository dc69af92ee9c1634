"""Re-scoring cells as a resume or retry lands them, so no score stays stale.

A cell that ended in an error holds an error score ("no answer") under every rubric that scored
its run. When `runs retry-errors` (or `runs resume`) answers it, that score must follow at once,
not wait for someone to run `workbench score` again. `LandingRescorer` chooses the scorers of
every other rubric already scored for the run; `RunExecutor.execute(also_score=...)` hands them
to its live scoring, which scores each answered cell with them as it lands (in small batches, on
the engine's loop without blocking it: ``similar`` vectors come through the engine's embedder).
The run's own rubric is not among them: live scoring scores the cells with it already, and
scoring them twice would only repeat the work.

Rubrics that need an LLM judge are left for `workbench score --judge ...`, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.app.scoring import CellScorer, make_cell_scorer
from workbench.core.errors import KnownError
from workbench.store import Store


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
        include_run_rubric: score with the run's own rubric too (only for an execution that
            does not score live, which `RunExecutor` always does).
    """

    def __init__(self, store: Store, run_id: int, *, include_run_rubric: bool = False) -> None:
        self.report = RescoreReport()
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

    @property
    def scorers(self) -> list[CellScorer]:
        """The scorers to hand to `RunExecutor.execute(also_score=...)`."""
        return list(self._scorers)

    def flush(self) -> int:
        """Settle the report once the execution ended; returns the results stored."""
        self.report.rescored = sum(scorer.stored for scorer in self._scorers)
        return self.report.rescored
