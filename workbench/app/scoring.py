"""Scoring stored runs, for the CLI and the GUI alike: one import for every scoring use case.

The code lives in modules split by responsibility; this module re-exports them so callers keep
one import:

* `workbench.app.cell_scorer`: `CellScorer` / `make_cell_scorer` score cells one by one with a
  rubric version plus each row's own promptfoo assertions; `to_cell_score` / `from_cell_score`.
* `workbench.app.run_scoring`: `score_run` (sync door) / `score_run_async` (the one
  implementation) score every settled cell of a stored run in batches; `judge_needed`.
* `workbench.app.judges`: `judge_call_from_config` / `judge_call_from_provider`, the judge as an
  `EngineJudge` (the engine's limits, retries, timeout and response cache).
* `workbench.app.score_reports`: `column_report`, `compare`, `resolve_column`.
* `workbench.app.live_scoring`: `LiveScoring`, scoring cells as a run produces them.
"""

from __future__ import annotations

from workbench.app.cell_scorer import CellScorer, from_cell_score, make_cell_scorer, to_cell_score
from workbench.app.defaults import JUDGE_CONCURRENCY
from workbench.app.judges import (
    judge_call_from_config,
    judge_call_from_provider,
    no_judge_call,
)
from workbench.app.run_scoring import (
    BATCH_SIZE,
    Progress,
    RunScores,
    judge_needed,
    score_run,
    score_run_async,
)
from workbench.app.score_reports import (
    ColumnReport,
    RunComparison,
    column_report,
    compare,
    resolve_column,
)

__all__ = [
    "BATCH_SIZE",
    "JUDGE_CONCURRENCY",
    "CellScorer",
    "ColumnReport",
    "Progress",
    "RunComparison",
    "RunScores",
    "column_report",
    "compare",
    "from_cell_score",
    "judge_call_from_config",
    "judge_call_from_provider",
    "judge_needed",
    "make_cell_scorer",
    "no_judge_call",
    "resolve_column",
    "score_run",
    "score_run_async",
    "to_cell_score",
]
