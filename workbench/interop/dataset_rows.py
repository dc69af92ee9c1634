"""Building dataset rows from parsed files, with errors that name file and line.

Every reader (CSV, JSONL, JSON, YAML) hands its rows to a `RowCollector`, which validates each
row with the core model, refuses duplicate ids (naming both lines) and only returns a
`DatasetContent` once the whole file has been read, so nothing is ever half-imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic

from workbench.core.errors import FileFormatError
from workbench.core.models import DatasetContent, DatasetRow

# Keys of one row object in JSONL / JSON files, in the order they are written.
ROW_KEYS = ("id", "vars", "expected", "facts", "tags", "assert")

# Field names as the person wrote them in the file (the model calls the assertions `asserts`).
_FILE_FIELD = {"asserts": "assert"}


def describe_validation_error(error: pydantic.ValidationError) -> str:
    """One line per problem: ``field.path: message`` using the names found in files."""
    parts = []
    for problem in error.errors():
        loc = ".".join(_FILE_FIELD.get(str(p), str(p)) for p in problem["loc"])
        parts.append(f"{loc}: {problem['msg']}" if loc else str(problem["msg"]))
    return "; ".join(parts)


def row_id_from(value: Any) -> str | None:
    """An id given in a file as text or a whole number; None when it is neither."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


class RowCollector:
    """Collects the rows of one file and turns them into a `DatasetContent`.

    Args:
        path: the file name used in error messages.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._rows: list[DatasetRow] = []
        self._lines: dict[str, int | None] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def add(
        self,
        fields: dict[str, Any],
        *,
        line: int | None,
        column: int | None = None,
        field_line: Callable[[tuple[str | int, ...]], int | None] | None = None,
    ) -> None:
        """Validate one row (`fields` use the model's names) read at `line` of the file.

        `field_line`, when given, maps a field path of the model (``("facts", 0)``) to the line
        where the file wrote it, so an error points at the value rather than the row.
        """
        try:
            row = DatasetRow.model_validate(fields)
        except pydantic.ValidationError as error:
            loc = error.errors()[0]["loc"] if error.errors() else ()
            field_at = field_line(tuple(loc)) if field_line else None
            raise FileFormatError(
                describe_validation_error(error),
                path=self.path,
                line=field_at or line,
                column=None if field_at else column,
            ) from None
        if row.id in self._lines:
            first = self._lines[row.id]
            where = f" (first on line {first})" if first is not None else ""
            raise FileFormatError(
                f"row id '{row.id}' appears twice{where}; every row needs its own id",
                path=self.path,
                line=line,
                column=column,
            )
        self._lines[row.id] = line
        self._rows.append(row)

    def finish(self, *, description: str = "") -> DatasetContent:
        """The dataset, once every row was read; an empty dataset is an error."""
        if not self._rows:
            raise FileFormatError("the file holds no rows", path=self.path)
        return DatasetContent(description=description, rows=tuple(self._rows))


def row_to_object(row: DatasetRow) -> dict[str, Any]:
    """A row as written in JSONL / JSON: keys in `ROW_KEYS` order, empty optional keys left out."""
    obj: dict[str, Any] = {"id": row.id, "vars": row.vars}
    if row.expected is not None:
        obj["expected"] = row.expected
    if row.facts:
        obj["facts"] = list(row.facts)
    if row.tags:
        obj["tags"] = list(row.tags)
    if row.asserts:
        obj["assert"] = list(row.asserts)
    return obj
