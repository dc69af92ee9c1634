"""Export a run's cells as CSV or JSONL, one line per cell with its rubric score.

JSONL keeps everything nested (the row's variables, each criterion's result); CSV flattens it
for spreadsheets, with the variables and criteria as JSON text in their own columns. Both are
written in (row, column, repeat) order, in the dataset's row order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.errors import ValidationError
from workbench.core.models import DatasetRow
from workbench.core.reviews import CellScore
from workbench.core.runs import CellKey, CellResult, Column, RunInfo
from workbench.interop.text import write_text
from workbench.store import Store

RUN_FORMATS = ("csv", "jsonl")
CSV_FIELDS = (
    "run_id",
    "row_id",
    "column",
    "column_label",
    "repeat",
    "prompt_id",
    "persona_id",
    "model_id",
    "status",
    "output",
    "passed",
    "score",
    "score_error",
    "latency_ms",
    "ttft_ms",
    "input_tokens",
    "output_tokens",
    "tokens_estimated",
    "cost_usd",
    "cache_hit",
    "attempts",
    "error_kind",
    "error_message",
    "finished_at",
    "vars",
    "criteria",
)


@dataclass(frozen=True)
class ExportedCell:
    """A cell with what it was asked (its row and column) and its score, if scored."""

    cell: CellResult
    column: Column
    row: DatasetRow | None
    score: CellScore | None


@dataclass(frozen=True)
class RunCells:
    """A run's cells in export order, under one rubric version (or none)."""

    run: RunInfo
    rubric_id: str | None
    cells: tuple[ExportedCell, ...]


def load_run_cells(store: Store, run_id: int, rubric_id: str | None = None) -> RunCells:
    """Read a run's cells, rows and scores; `rubric_id` None takes the first rubric scored."""
    run = store.get_run(run_id)
    if rubric_id is None:
        scored = store.rubric_ids_scored(run_id)
        rubric_id = scored[0] if scored else None
    scores: dict[CellKey, CellScore] = {}
    if rubric_id is not None:
        scores = {s.key: s for s in store.scores(run_id, rubric_id)}
    rows = store.dataset_rows(run.spec.dataset_id)
    order = {row.id: position for position, row in enumerate(rows)}
    by_id = {row.id: row for row in rows}
    columns = {c.index: c for c in run.columns}
    cells = sorted(
        store.cells(run_id),
        key=lambda c: (order.get(c.key.row_id, len(order)), c.key.column, c.key.repeat),
    )
    return RunCells(
        run=run,
        rubric_id=rubric_id,
        cells=tuple(
            ExportedCell(c, columns[c.key.column], by_id.get(c.key.row_id), scores.get(c.key))
            for c in cells
        ),
    )


def cell_object(run_id: int, item: ExportedCell, rubric_id: str | None) -> dict[str, Any]:
    """One cell as a JSON object (the JSONL line)."""
    cell, column, score = item.cell, item.column, item.score
    data: dict[str, Any] = {
        "run_id": run_id,
        "row_id": cell.key.row_id,
        "column": cell.key.column,
        "column_label": column.label,
        "repeat": cell.key.repeat,
        "prompt_id": column.prompt_id,
        "persona_id": column.persona_id,
        "model_id": column.model_id,
        "vars": item.row.vars if item.row else None,
        "expected": item.row.expected if item.row else None,
        "status": cell.status.value,
        "output": cell.output,
        "latency_ms": cell.latency_ms,
        "ttft_ms": cell.ttft_ms,
        "input_tokens": cell.input_tokens,
        "output_tokens": cell.output_tokens,
        "tokens_estimated": cell.tokens_estimated,
        "cost_usd": cell.cost_usd,
        "cache_hit": cell.cache_hit,
        "attempts": cell.attempts,
        "error_kind": cell.error_kind,
        "error_message": cell.error_message,
        "finished_at": cell.finished_at.isoformat() if cell.finished_at else None,
        "score": None,
    }
    if score is not None:
        data["score"] = {
            "rubric_id": rubric_id,
            "passed": score.passed,
            "score": score.score,
            "error": score.error,
            "criteria": list(score.criteria),
        }
    return data


def cells_jsonl(cells: RunCells) -> str:
    """The JSONL text: one object per cell."""
    return "".join(
        json.dumps(cell_object(cells.run.id, item, cells.rubric_id), ensure_ascii=False) + "\n"
        for item in cells.cells
    )


def cells_csv(cells: RunCells) -> str:
    """The CSV text: one row per cell, `CSV_FIELDS` as the header."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for item in cells.cells:
        data = cell_object(cells.run.id, item, cells.rubric_id)
        score = data.pop("score") or {}
        data.pop("expected")
        data.update(
            passed=_text(score.get("passed")),
            score=_text(score.get("score")),
            score_error=score.get("error") or "",
            vars=json.dumps(data["vars"], ensure_ascii=False) if data["vars"] is not None else "",
            criteria=json.dumps(score.get("criteria", []), ensure_ascii=False) if score else "",
        )
        writer.writerow({key: _text(data.get(key)) for key in CSV_FIELDS})
    return buffer.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_run_export(
    store: Store, run_id: int, path: Path, fmt: str | None = None, *, rubric_id: str | None = None
) -> RunCells:
    """Write a run as CSV or JSONL (the format from `fmt` or the file extension)."""
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen not in RUN_FORMATS:
        raise ValidationError(f"unknown run export format '{chosen}': use {', '.join(RUN_FORMATS)}")
    cells = load_run_cells(store, run_id, rubric_id)
    write_text(path, cells_csv(cells) if chosen == "csv" else cells_jsonl(cells))
    return cells


def column_cells(cells: RunCells) -> dict[int, list[ExportedCell]]:
    """Cells grouped by column index."""
    grouped: dict[int, list[ExportedCell]] = {c.index: [] for c in cells.run.columns}
    for item in cells.cells:
        grouped[item.cell.key.column].append(item)
    return grouped


__all__: Sequence[str] = (
    "CSV_FIELDS",
    "ExportedCell",
    "RunCells",
    "cell_object",
    "cells_csv",
    "cells_jsonl",
    "column_cells",
    "load_run_cells",
    "write_run_export",
)
