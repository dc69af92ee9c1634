"""What the compare view shows for two columns of a run, read from the store without any Qt.

`load_compare_data` runs on a worker thread: it reads both columns' answers row by row, the
paired statistics and plain-words verdict of `workbench.app.scoring.compare` (when the run is
scored), and the reviewer's pairwise preferences so far. `blind_swapped` decides, per row and
reproducibly, whether a blind review shows column A on the right.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from workbench.app.scoring import RunComparison, compare, from_cell_score
from workbench.core.errors import KnownError
from workbench.core.reviews import Winner
from workbench.core.runs import CellResult, CellStatus, Column

if TYPE_CHECKING:
    from workbench.app.records import Store
    from workbench.scoring.stats import ColumnStats


@dataclass(frozen=True)
class PairRow:
    """One dataset row's answers in the two columns (first repeat)."""

    row_id: str
    text_a: str
    text_b: str
    verdict_a: str = ""
    verdict_b: str = ""
    question: str = ""


@dataclass(frozen=True)
class CompareData:
    """Two columns of a run, side by side.

    Attributes:
        rows: the rows both columns have an answer or an error for, in dataset order.
        comparison: the paired statistics and verdict, or None when the run is not scored.
        problem: why there are no statistics, in words.
        preferences: row id → this reviewer's preference (``a`` = `column_a`).
    """

    run_id: int
    column_a: Column
    column_b: Column
    rows: tuple[PairRow, ...]
    comparison: RunComparison | None = None
    problem: str | None = None
    preferences: dict[str, Winner] = field(default_factory=dict)


def load_compare_data(
    store: Store,
    run_id: int,
    column_a: int,
    column_b: int,
    rubric_id: str | None,
    reviewer: str,
) -> CompareData:
    """Everything the compare view needs for columns `column_a` and `column_b` (run indexes)."""
    run = store.get_run(run_id)
    columns = {c.index: c for c in run.columns}
    by_cell: dict[tuple[str, int], CellResult] = {
        (cell.key.row_id, cell.key.column): cell
        for cell in store.cells(run_id)
        if cell.key.repeat == 0 and cell.key.column in (column_a, column_b)
    }
    verdicts: dict[tuple[str, int], str] = {}
    comparison = None
    problem = None
    if rubric_id is None:
        problem = "This run has no rubric: choose one in Run setup to get paired statistics."
    else:
        for stored in store.scores(run_id, rubric_id):
            if stored.key.repeat == 0 and stored.key.column in (column_a, column_b):
                verdicts[(stored.key.row_id, stored.key.column)] = _verdict(
                    from_cell_score(stored).passed, stored.score, stored.error
                )
        try:
            comparison = compare(store, run_id, column_a, column_b, rubric_id)
        except KnownError as error:
            problem = str(error)
    row_ids = [
        row_id
        for row_id in run.spec.row_ids or store.dataset_row_ids(run.spec.dataset_id)
        if (row_id, column_a) in by_cell and (row_id, column_b) in by_cell
    ]
    questions = {
        row.id: _question(row.vars)
        for row in (store.dataset_rows(run.spec.dataset_id, ids=row_ids) if row_ids else [])
    }
    rows = tuple(
        PairRow(
            row_id=row_id,
            text_a=_text(by_cell[(row_id, column_a)]),
            text_b=_text(by_cell[(row_id, column_b)]),
            verdict_a=verdicts.get((row_id, column_a), ""),
            verdict_b=verdicts.get((row_id, column_b), ""),
            question=questions.get(row_id, ""),
        )
        for row_id in row_ids
    )
    preferences = {
        p.row_id: p.winner
        for p in store.preferences(run_id, column_a, column_b)
        if p.reviewer == reviewer
    }
    return CompareData(
        run_id, columns[column_a], columns[column_b], rows, comparison, problem, preferences
    )


def blind_swapped(run_id: int, row_id: str) -> bool:
    """Whether a blind review shows column A on the right for this row (stable per row)."""
    digest = hashlib.sha256(f"{run_id}:{row_id}".encode()).digest()
    return digest[0] % 2 == 1


def comparison_html(data: CompareData) -> str:
    """The statistics panel: the verdict first, then the figures behind it."""
    if data.comparison is None:
        return f"<p><i>{escape(data.problem or 'No statistics yet.')}</i></p>"
    result = data.comparison
    # The verdict names the columns by their full labels; A and B read better next to the
    # table and the pickers above, which say what A and B are.
    verdict = result.verdict
    for label, letter in ((result.comparison.label_a, "A"), (result.comparison.label_b, "B")):
        verdict = verdict.replace(label, letter)
    parts = [f"<p><b>{escape(verdict)}</b></p>", "<table cellpadding='3'>"]
    parts.append("<tr><th></th><th align='left'>A</th><th align='left'>B</th></tr>")
    for name, a, b in _figure_rows(result.stats_a, result.stats_b):
        parts.append(f"<tr><td>{name}</td><td>{a}</td><td>{b}</td></tr>")
    parts.append("</table>")
    details = []
    pass_fail = result.comparison.pass_fail
    if pass_fail is not None:
        details.append(
            f"Pass/fail on {pass_fail.pairs} paired cells: both pass {pass_fail.both_pass},"
            f" only A {pass_fail.only_a}, only B {pass_fail.only_b}, both fail"
            f" {pass_fail.both_fail} (exact McNemar p = {pass_fail.p_value:.3f})."
        )
    scores = result.comparison.scores
    if scores is not None:
        interval = (
            f", 95% interval {scores.interval.low:+.3f} to {scores.interval.high:+.3f}"
            if scores.interval is not None
            else ""
        )
        wilcoxon = (
            f", Wilcoxon p = {scores.wilcoxon_p:.3f}" if scores.wilcoxon_p is not None else ""
        )
        details.append(
            f"Score difference B − A over {scores.pairs} pairs: {scores.mean_difference:+.3f}"
            f"{interval}{wilcoxon}."
        )
    if result.preferences is not None:
        details.append(f"Reviewers: {result.preferences.verdict}")
    parts.extend(f"<p>{escape(line)}</p>" for line in details)
    return "\n".join(parts)


def _figure_rows(a: ColumnStats, b: ColumnStats) -> list[tuple[str, str, str]]:
    def rate(stats: ColumnStats) -> str:
        if stats.pass_rate is None:
            return "–"
        interval = stats.pass_interval
        span = f" ({interval.low:.0%}–{interval.high:.0%})" if interval is not None else ""
        return f"{stats.pass_rate:.0%} of {stats.judged}{span}"

    def score(stats: ColumnStats) -> str:
        return "–" if stats.mean_score is None else f"{stats.mean_score:.2f}"

    def latency(stats: ColumnStats) -> str:
        return "–" if stats.latency_p50_ms is None else f"{stats.latency_p50_ms:.0f} ms"

    def cost(stats: ColumnStats) -> str:
        return "–" if stats.cost_usd is None else f"${stats.cost_usd:.4f}"

    return [
        ("Pass rate", rate(a), rate(b)),
        ("Mean score", score(a), score(b)),
        ("Median latency", latency(a), latency(b)),
        ("Cost", cost(a), cost(b)),
        ("Errors", str(a.errors), str(b.errors)),
    ]


def _question(variables: dict[str, Any]) -> str:
    """The row's input as a reviewer reads it: its message, else its first text variable."""
    message = variables.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()
    return next((v.strip() for v in variables.values() if isinstance(v, str) and v.strip()), "")


def _text(cell: CellResult) -> str:
    if cell.status is CellStatus.ERROR:
        return f"[error] {cell.error_message or cell.error_kind or ''}"
    return cell.output


def _verdict(passed: bool | None, score: float | None, error: str | None) -> str:
    if error:
        return "not scored"
    if passed is None:
        return ""
    mark = "pass" if passed else "fail"
    return mark if score is None else f"{mark} {score:.2f}"
