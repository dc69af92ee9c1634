"""Unsaved edits of a dataset version, and the cells of its table, without any Qt.

The table shows a stored version's rows without loading them all: a row is a *slot* that is
either a stored row (by position, read from the store page by page) or a row added here. Edited
rows are kept whole beside the slots. Saving applies the edits to the stored rows and makes a
new version, so nothing is written until the user saves and a failed save loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pydantic

from workbench.core.errors import ValidationError
from workbench.core.models import DatasetContent, DatasetRow

FIXED_COLUMNS = ("id", "tags", "expected", "facts")
"""The columns every dataset has, besides one per variable."""
VAR_PREFIX = "var:"


@dataclass(frozen=True)
class Slot:
    """One row of the table: a stored row (`position`) or a new one (`new_id`)."""

    position: int | None = None
    new_id: int | None = None


@dataclass(frozen=True)
class DatasetEdits:
    """Everything unsaved, as plain data a worker thread can apply."""

    slots: tuple[Slot, ...]
    rows: dict[Slot, DatasetRow]
    description: str = ""


def column_title(column: str) -> str:
    """The header of a table column (a variable shows as its name)."""
    return column.removeprefix(VAR_PREFIX) if column.startswith(VAR_PREFIX) else column


def cell_text(row: DatasetRow, column: str) -> str:
    """What a cell shows and edits."""
    if column == "id":
        return row.id
    if column == "tags":
        return ", ".join(row.tags)
    if column == "expected":
        return row.expected or ""
    if column == "facts":
        return "; ".join(row.facts)
    value = row.vars.get(column.removeprefix(VAR_PREFIX))
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def with_cell(row: DatasetRow, column: str, text: str) -> DatasetRow:
    """`row` with one cell changed from its text.

    Raises:
        ValidationError: a blank id, or a value the row cannot hold; names the column.
    """
    if column == "id":
        if not text.strip():
            raise ValidationError("A row id cannot be blank.")
        return row.model_copy(update={"id": text.strip()})
    if column == "tags":
        tags = tuple(t.strip() for t in text.split(",") if t.strip())
        return row.model_copy(update={"tags": tags})
    if column == "expected":
        return row.model_copy(update={"expected": text or None})
    if column == "facts":
        facts = tuple(f.strip() for f in text.split(";") if f.strip())
        return row.model_copy(update={"facts": facts})
    name = column.removeprefix(VAR_PREFIX)
    old = row.vars.get(name)
    value: Any = text
    if old is not None and not isinstance(old, str) and text.strip():
        # A number, list or object stays one when the edit is still valid JSON.
        try:
            value = json.loads(text)
        except ValueError:
            value = text
    return row.model_copy(update={"vars": {**row.vars, name: value}})


def variable_columns(rows: Sequence[DatasetRow]) -> list[str]:
    """The variable columns for `rows`, in first-seen order."""
    names: dict[str, None] = {}
    for row in rows:
        for name in row.vars:
            names.setdefault(f"{VAR_PREFIX}{name}", None)
    return list(names)


def apply_edits(base: Sequence[DatasetRow], edits: DatasetEdits) -> DatasetContent:
    """The dataset the table shows: stored rows by position, replaced where edited, plus new.

    Raises:
        ValidationError: two rows share an id, or a row is invalid; names the row.
    """
    rows = []
    for slot in edits.slots:
        row = edits.rows.get(slot)
        if row is None:
            if slot.position is None or not 0 <= slot.position < len(base):
                raise ValidationError(f"row {slot} is no longer in the stored dataset")
            row = base[slot.position]
        rows.append(row)
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if row.id in seen:
            raise ValidationError(
                f"Rows {seen[row.id]} and {number} both have the id '{row.id}': ids must be unique."
            )
        seen[row.id] = number
    try:
        return DatasetContent(description=edits.description, rows=tuple(rows))
    except pydantic.ValidationError as error:
        reasons = "; ".join(item["msg"].removeprefix("Value error, ") for item in error.errors())
        raise ValidationError(f"Cannot save this dataset: {reasons}.") from None


def new_row_id(existing: set[str]) -> str:
    """A fresh id such as ``row-0073`` that no row has."""
    number = len(existing) + 1
    while f"row-{number:04d}" in existing:
        number += 1
    return f"row-{number:04d}"
