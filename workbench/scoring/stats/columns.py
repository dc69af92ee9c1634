"""Per-column figures: pass rate, mean score, latency, tokens, cost, errors, unanswered."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.core.runs import CellResult, CellStatus
from workbench.scoring.results import ScoreResult
from workbench.scoring.stats.intervals import (
    DEFAULT_RESAMPLES,
    Interval,
    bootstrap_mean_interval,
    wilson_interval,
)
from workbench.scoring.unanswered import detect_unanswered


@dataclass(frozen=True)
class CellRecord:
    """What statistics need from one scored cell.

    ``error`` covers both an infrastructure failure and a scoring error; such a cell is left
    out of pass rates and scores and counted in the error rate instead. ``completed`` says the
    model produced an answer (status ok), which is what the unanswered rate is counted over.
    """

    row_id: str
    repeat: int = 0
    completed: bool = True
    passed: bool | None = None
    score: float | None = None
    error: bool = False
    unanswered: bool = False
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    output: str = ""


def cell_record(cell: CellResult, result: ScoreResult | None = None) -> CellRecord:
    """Combine a stored cell and its rubric result (if scored) into a `CellRecord`."""
    failed = cell.status != CellStatus.OK or (result is not None and result.error is not None)
    answered_cell = cell.status == CellStatus.OK
    return CellRecord(
        row_id=cell.key.row_id,
        repeat=cell.key.repeat,
        completed=answered_cell,
        passed=None if result is None or failed else result.passed,
        score=None if result is None or failed else result.score,
        error=failed,
        unanswered=answered_cell and detect_unanswered(cell.output) is not None,
        latency_ms=cell.latency_ms,
        input_tokens=cell.input_tokens,
        output_tokens=cell.output_tokens,
        cost_usd=cell.cost_usd,
        output=cell.output,
    )


@dataclass(frozen=True)
class ColumnStats:
    """Figures for one column.

    Rates: ``pass_rate`` is over cells with a pass/fail verdict (errors excluded);
    ``error_rate`` over all cells; ``unanswered_rate`` over cells that produced an answer.
    """

    cells: int
    judged: int
    passed: int
    pass_rate: float | None
    pass_interval: Interval | None
    mean_score: float | None
    score_interval: Interval | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    errors: int
    error_rate: float | None
    unanswered: int
    unanswered_rate: float | None


def _percentile(values: list[float], q: int) -> float | None:
    """numpy's default (linear) percentile, which is the standard library's inclusive method:
    a column's figures need no numpy (importing it is a tenth of a second of every run)."""
    if len(values) < 2:
        return float(values[0]) if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def column_stats(
    records: Sequence[CellRecord], *, seed: int = 0, n_resamples: int = DEFAULT_RESAMPLES
) -> ColumnStats:
    """Summarise one column's cells (see `ColumnStats` for the denominators)."""
    judged = [r for r in records if not r.error and r.passed is not None]
    passed = sum(1 for r in judged if r.passed)
    scores = [r.score for r in records if not r.error and r.score is not None]
    answered = [r for r in records if r.completed]
    latencies = [r.latency_ms for r in records if r.latency_ms is not None and not r.error]
    errors = sum(1 for r in records if r.error)
    unanswered = sum(1 for r in answered if r.unanswered)
    costs = [r.cost_usd for r in records if r.cost_usd is not None]
    return ColumnStats(
        cells=len(records),
        judged=len(judged),
        passed=passed,
        pass_rate=passed / len(judged) if judged else None,
        pass_interval=wilson_interval(passed, len(judged)),
        mean_score=statistics.fmean(scores) if scores else None,
        score_interval=bootstrap_mean_interval(scores, seed=seed, n_resamples=n_resamples),
        latency_p50_ms=_percentile(latencies, 50),
        latency_p95_ms=_percentile(latencies, 95),
        input_tokens=sum(r.input_tokens or 0 for r in records),
        output_tokens=sum(r.output_tokens or 0 for r in records),
        cost_usd=sum(costs) if costs else None,
        errors=errors,
        error_rate=errors / len(records) if records else None,
        unanswered=unanswered,
        unanswered_rate=unanswered / len(answered) if answered else None,
    )
