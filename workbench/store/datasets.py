"""Reading dataset versions row by row.

Rows are stored one per record with their position, so a page is a range scan on the primary
key: showing rows 50,000–50,100 of a 100,000-row dataset reads only those rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlmodel import col, func, select

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import DatasetRow, Kind
from workbench.store.codec import rows_from_json
from workbench.store.connection import Database
from workbench.store.tables import DatasetRowRow, VersionContentRow

# SQLite accepts 32,766 bound parameters since 3.32; stay well below for older builds.
_CHUNK = 500


class DatasetsMixin:
    """Paged access to dataset rows; mixed into `workbench.store.Store`."""

    _db: Database

    def dataset_rows(
        self,
        version_id: str,
        offset: int = 0,
        limit: int | None = None,
        *,
        ids: Sequence[str] | None = None,
    ) -> list[DatasetRow]:
        """Rows of a dataset version in dataset order: a page, or the rows with the given `ids`.

        Raises:
            NotFoundError: `version_id` is not a stored dataset version, or an id in `ids` is
                not one of its rows.
        """
        if offset < 0 or (limit is not None and limit < 0):
            raise ValidationError(f"bad page: offset {offset}, limit {limit}")
        with self._db.read() as connection:
            _require_dataset(connection, version_id)
            if ids is not None:
                return _rows_by_id(connection, version_id, ids)
            query = (
                select(DatasetRowRow.row_json)
                .where(
                    col(DatasetRowRow.version_id) == version_id,
                    col(DatasetRowRow.position) >= offset,
                )
                .order_by(col(DatasetRowRow.position))
            )
            if limit is not None:
                # Positions are 0..n-1 without gaps, so a range beats LIMIT/OFFSET scanning.
                query = query.where(col(DatasetRowRow.position) < offset + limit)
            return list(rows_from_json(list(connection.scalars(query))))

    def dataset_row_count(self, version_id: str) -> int:
        """How many rows a dataset version has."""
        with self._db.read() as connection:
            _require_dataset(connection, version_id)
            return int(
                connection.scalar(
                    select(func.count()).where(col(DatasetRowRow.version_id) == version_id)
                )
                or 0
            )

    def dataset_row_ids(self, version_id: str) -> list[str]:
        """Row ids of a dataset version, in order, without parsing the rows."""
        with self._db.read() as connection:
            _require_dataset(connection, version_id)
            return list(
                connection.scalars(
                    select(DatasetRowRow.row_id)
                    .where(col(DatasetRowRow.version_id) == version_id)
                    .order_by(col(DatasetRowRow.position))
                )
            )


def _require_dataset(connection: Connection, version_id: str) -> None:
    kind = connection.scalar(
        select(VersionContentRow.kind).where(col(VersionContentRow.version_id) == version_id)
    )
    if kind is None:
        raise NotFoundError(f"no dataset version with id {version_id}")
    if kind != Kind.DATASET.value:
        raise NotFoundError(f"version {version_id[:12]} is a {kind}, not a dataset")


def _rows_by_id(connection: Connection, version_id: str, ids: Sequence[str]) -> list[DatasetRow]:
    found: dict[str, tuple[int, str]] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        for row_id, position, text in connection.execute(
            select(DatasetRowRow.row_id, DatasetRowRow.position, DatasetRowRow.row_json).where(
                col(DatasetRowRow.version_id) == version_id, col(DatasetRowRow.row_id).in_(chunk)
            )
        ):
            found[row_id] = (position, text)
    missing = [row_id for row_id in unique if row_id not in found]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise NotFoundError(f"dataset {version_id[:12]} has no row {shown}{more}")
    ordered = sorted(found.values())
    return list(rows_from_json([text for _, text in ordered]))
