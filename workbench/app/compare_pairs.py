"""Two columns of a run side by side, row by row: the compare use case of the GUI (no Qt).

`load_compare_data` runs on the GUI's worker thread: it reads both columns' answers row by row, the
paired statistics and plain-words verdict of `workbench.app.scoring.compare` (when the run is
scored), and the reviewer's pairwise preferences so far. `blind_swapped` decides, per row and
reproducibly, whether a blind review shows column A on the right.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.app.scoring import RunComparison, compare, from_cell_score
from workbench.core.errors import KnownError
from workbench.core.reviews import Winner
from workbench.core.runs import CellResult, CellStatus, Column

if TYPE_CHECKING:
    from workbench.app.records import Store


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
