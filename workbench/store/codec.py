"""Conversions between content models and the JSON text kept in the database.

Content is stored as canonical JSON (sorted keys, no default values), the same dump the version
hash is computed from, so reading a version back gives content with the same id. A dataset's
rows are kept apart, one JSON object per row, and read back in one pass through a pydantic
`TypeAdapter`, which is far faster than validating rows one by one.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from workbench.core.models import CONTENT_TYPES, Content, DatasetContent, DatasetRow, Kind

_ROWS = TypeAdapter(tuple[DatasetRow, ...])


def dumps(data: Any) -> str:
    """Compact JSON with sorted keys and real (not escaped) accented letters."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_to_json(kind: Kind, content: Content) -> str:
    """The stored text of a version's content; a dataset's rows are left out."""
    exclude = {"rows"} if kind is Kind.DATASET else None
    return dumps(content.model_dump(mode="json", exclude_defaults=True, exclude=exclude))


def content_from_json(kind: Kind, text: str, rows: tuple[DatasetRow, ...] | None = None) -> Content:
    """Rebuild a content model; for a dataset, `rows` are put back in."""
    data = json.loads(text)
    if kind is Kind.DATASET:
        data["rows"] = rows or ()
    return CONTENT_TYPES[kind].model_validate(data)


def dataset_row_records(
    version_id: str, content: DatasetContent
) -> list[tuple[str, int, str, str]]:
    """``(version_id, position, row_id, row_json)`` tuples ready for ``executemany``."""
    return [
        (version_id, position, row.id, row.model_dump_json(exclude_defaults=True))
        for position, row in enumerate(content.rows)
    ]


def rows_from_json(texts: list[str]) -> tuple[DatasetRow, ...]:
    """Validate many stored rows at once."""
    if not texts:
        return ()
    return _ROWS.validate_json("[" + ",".join(texts) + "]")
