"""Reports over a scored run: per-column figures and two columns compared.

* `column_report` gives the per-column figures of a run under a rubric version (pass rate with
  its Wilson interval, mean score with a bootstrap interval, latency, tokens, cost, errors,
  unanswered, repeats, and the agreement of the rubric and its judge with human ratings).
* `compare` pairs two columns on the same rows and says in plain words whether they differ,
  adding the win rate of the reviewers' pairwise preferences when there are some.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from workbench.app.cell_scorer import from_cell_score
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunInfo
from workbench.scoring.registry import JUDGE_KIND
from workbench.scoring.results import ScoreResult
from workbench.scoring.stats import (
    Agreement,
    CellRecord,
    ColumnStats,
    Comparison,
    RepeatSummary,
    WinRate,
    cell_record,
    column_stats,
    compare_columns,
    judge_agreement,
    repeat_stats,
    win_rate,
)
from workbench.store import Store

_SETTLED = (CellStatus.OK, CellStatus.ERROR, CellStatus.CANCELLED)

# --- reports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnReport:
    """One column's figures under a rubric version.

    Attributes:
        column: the column (its label names the prompt, persona and model versions).
        stats: pass rate and interval, mean score and interval, latency, tokens, cost, error
            and unanswered rates (`ColumnStats`).
        scored: cells with a stored score of this rubric version.
        repeats: pass@k and pass^k with k = the run's repeats, distinct answers and flaky
            rows; None for a run without repeats.
        agreement: agreement with human pass/fail ratings, keyed ``rubric`` (the rubric's
            verdict) and by the name of each LLM-judge criterion; empty without ratings.
    """

    column: Column
    stats: ColumnStats
    scored: int
    repeats: RepeatSummary | None = None
    agreement: dict[str, Agreement] = field(default_factory=dict)


@dataclass(frozen=True)
class RunComparison:
    """Two columns of a run compared on the rows they share.

    Attributes:
        comparison: McNemar on pass/fail, paired bootstrap and Wilcoxon on scores.
        preferences: the win rate of `column_a` from reviewers' pairwise preferences, or
            None when nobody compared the two columns.
        verdict: the plain-words conclusion of both.
    """

    run_id: int
    rubric_id: str
    column_a: Column
    column_b: Column
    stats_a: ColumnStats
    stats_b: ColumnStats
    comparison: Comparison
    preferences: WinRate | None
    verdict: str


def _require_rubric_scores(
    store: Store, run: RunInfo, rubric_id: str
) -> dict[CellKey, ScoreResult]:
    stored = {score.key: from_cell_score(score) for score in store.scores(run.id, rubric_id)}
    if not stored:
        version = store.get_version(rubric_id)
        raise NotFoundError(f"run {run.id} has not been scored with rubric {version.ref} yet")
    return stored


def _records(
    cells: Iterable[CellResult], results: Mapping[CellKey, ScoreResult]
) -> dict[int, list[tuple[CellResult, ScoreResult | None]]]:
    by_column: dict[int, list[tuple[CellResult, ScoreResult | None]]] = defaultdict(list)
    for cell in cells:
        if cell.status in _SETTLED:
            by_column[cell.key.column].append((cell, results.get(cell.key)))
    return by_column


def column_report(
    store: Store,
    run_id: int,
    rubric_id: str,
    *,
    seed: int = 0,
    cells: Sequence[CellResult] | None = None,
    results: Mapping[CellKey, ScoreResult] | None = None,
) -> list[ColumnReport]:
    """Figures for every column of a run under one rubric version (by version id).

    Cells without a stored score count in latency, tokens, cost and errors but not in pass
    rates. Raises `NotFoundError` when the run has no score of that rubric version.

    A caller that has just read the run's cells (every status, in key order) and scored them
    (`score_run`'s results) passes them as `cells` and `results` instead of having them read
    back.
    """
    run = store.get_run(run_id)
    if not results:
        results = _require_rubric_scores(store, run, rubric_id)
    by_column = _records(store.cells(run.id, _SETTLED) if cells is None else cells, results)
    ratings: dict[CellKey, list[bool]] = defaultdict(list)
    for rating in store.ratings(run_id):
        if rating.passed is not None:
            ratings[rating.key].append(rating.passed)
    reports = []
    for column in run.columns:
        pairs = by_column.get(column.index, [])
        records = [cell_record(cell, result) for cell, result in pairs]
        repeats = repeat_stats(records, run.spec.repeats) if run.spec.repeats > 1 else None
        reports.append(
            ColumnReport(
                column=column,
                stats=column_stats(records, seed=seed),
                scored=sum(1 for _, result in pairs if result is not None),
                repeats=repeats,
                agreement=_agreement(pairs, ratings),
            )
        )
    return reports


def _agreement(
    pairs: Sequence[tuple[CellResult, ScoreResult | None]],
    ratings: dict[CellKey, list[bool]],
) -> dict[str, Agreement]:
    """Human pass/fail against the rubric's verdict and each judge criterion's verdict."""
    labels: dict[str, tuple[list[bool], list[bool]]] = defaultdict(lambda: ([], []))
    for cell, result in pairs:
        if result is None or not ratings.get(cell.key):
            continue
        machine: dict[str, bool | None] = {"rubric": result.passed}
        for criterion in result.criteria:
            if criterion.kind == JUDGE_KIND:
                machine[criterion.name] = criterion.passed
        for name, verdict in machine.items():
            if verdict is None:
                continue
            for human in ratings[cell.key]:
                labels[name][0].append(human)
                labels[name][1].append(verdict)
    return {
        name: judge_agreement(human, judged, labels=[True, False])
        for name, (human, judged) in labels.items()
    }


def resolve_column(run: RunInfo, wanted: str) -> Column:
    """A column by index (``0``) or by a piece of its label (``v3``, ``complice``).

    Raises:
        NotFoundError: no column matches, or the piece of label matches several.
    """
    text = wanted.strip()
    if text.isdigit():
        index = int(text)
        if index < len(run.columns):
            return run.columns[index]
        raise NotFoundError(
            f"run {run.id} has no column {index} (columns 0 to {len(run.columns) - 1})"
        )
    matches = [c for c in run.columns if text.casefold() in c.label.casefold()]
    if len(matches) == 1:
        return matches[0]
    listed = "; ".join(f"{c.index}: {c.label}" for c in (matches or run.columns))
    if matches:
        raise NotFoundError(
            f"'{wanted}' matches {len(matches)} columns of run {run.id} ({listed});"
            " give more of the label or the column number"
        )
    raise NotFoundError(f"no column of run {run.id} matches '{wanted}' (columns: {listed})")


def compare(
    store: Store, run_id: int, col_a: int, col_b: int, rubric_id: str, *, seed: int = 0
) -> RunComparison:
    """Compare two columns of a run under one rubric version, with the reviewers' preferences.

    Raises:
        NotFoundError: no such run or column, or no score of that rubric version.
        ValidationError: the same column twice.
    """
    run = store.get_run(run_id)
    if col_a == col_b:
        raise ValidationError("compare two different columns")
    column_a, column_b = (resolve_column(run, str(index)) for index in (col_a, col_b))
    results = _require_rubric_scores(store, run, rubric_id)
    by_column = _records(store.cells(run.id, _SETTLED), results)
    records: list[list[CellRecord]] = [
        [cell_record(cell, result) for cell, result in by_column.get(index, [])]
        for index in (col_a, col_b)
    ]
    label_a, label_b = _short_labels(column_a, column_b)
    comparison = compare_columns(
        records[0], records[1], label_a=label_a, label_b=label_b, seed=seed
    )
    winners = [p.winner for p in store.preferences(run_id, col_a, col_b)]
    preferences = win_rate(winners, label_a=label_a, label_b=label_b) if winners else None
    verdict = comparison.verdict
    if preferences is not None:
        verdict += f" Reviewers' preferences: {preferences.verdict}"
    return RunComparison(
        run_id=run_id,
        rubric_id=rubric_id,
        column_a=column_a,
        column_b=column_b,
        stats_a=column_stats(records[0], seed=seed),
        stats_b=column_stats(records[1], seed=seed),
        comparison=comparison,
        preferences=preferences,
        verdict=verdict,
    )


def _short_labels(a: Column, b: Column) -> tuple[str, str]:
    """Labels for a verdict: the columns' labels, with their index when they are equal."""
    if a.label == b.label:
        return f"#{a.index} {a.label}", f"#{b.index} {b.label}"
    return a.label, b.label


