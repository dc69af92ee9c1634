"""Human reviews of a run: ratings of cells and pairwise preferences between columns.

A rating is keyed by (run, row, column, repeat, reviewer): a reviewer who rates a cell again
replaces their earlier rating, and two reviewers' ratings stay side by side. A preference is
keyed by (run, row, pair of columns, reviewer) and stored with the lower column index as side
``a`` whatever order it was given in, so "0 vs 1" and "1 vs 0" are the same judgement.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.reviews import PairwisePreference, Rating, Winner
from workbench.core.runs import CellKey
from workbench.store.connection import Database
from workbench.store.tables import from_db_time, to_db_time

_RATING_FIELDS = (
    "run_id",
    "row_id",
    "column_index",
    "repeat",
    "reviewer",
    "passed",
    "score",
    "comment",
    "tags_json",
    "at",
)
_PREFERENCE_FIELDS = (
    "run_id",
    "row_id",
    "column_a",
    "column_b",
    "reviewer",
    "winner",
    "blinded",
    "at",
)


def _upsert(table: str, fields: tuple[str, ...], key_length: int) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})"
        f" ON CONFLICT ({', '.join(fields[:key_length])}) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in fields[key_length:])
    )


_UPSERT_RATING = _upsert("ratings", _RATING_FIELDS, 5)
_UPSERT_PREFERENCE = _upsert("preferences", _PREFERENCE_FIELDS, 5)


class ReviewsMixin:
    """Human ratings and pairwise preferences; mixed into `workbench.store.Store`."""

    _db: Database

    def save_rating(self, rating: Rating) -> Rating:
        """Store a rating, replacing the same reviewer's earlier rating of that cell.

        Raises:
            NotFoundError: no such run, or the run has no such cell.
        """
        with self._db.write() as connection:
            _require_cell(connection, rating.run_id, rating.key)
            connection.exec_driver_sql(
                _UPSERT_RATING,
                (
                    rating.run_id,
                    rating.row_id,
                    rating.column,
                    rating.repeat,
                    rating.reviewer,
                    None if rating.passed is None else int(rating.passed),
                    rating.score,
                    rating.comment,
                    json.dumps(list(rating.tags), ensure_ascii=False),
                    to_db_time(rating.at),
                ),
            )
        return rating

    def remove_rating(self, run_id: int, key: CellKey, reviewer: str) -> bool:
        """Delete one reviewer's rating of a cell; False when there was none."""
        with self._db.write() as connection:
            removed = connection.exec_driver_sql(
                "DELETE FROM ratings WHERE run_id = ? AND row_id = ? AND column_index = ?"
                " AND repeat = ? AND reviewer = ?",
                (run_id, key.row_id, key.column, key.repeat, reviewer),
            ).rowcount
        return bool(removed)

    def ratings(
        self, run_id: int, *, column: int | None = None, reviewer: str | None = None
    ) -> list[Rating]:
        """A run's ratings (optionally of one column or by one reviewer), by cell then reviewer."""
        sql = f"SELECT {', '.join(_RATING_FIELDS)} FROM ratings WHERE run_id = ?"
        params: list[object] = [run_id]
        if column is not None:
            sql += " AND column_index = ?"
            params.append(column)
        if reviewer is not None:
            sql += " AND reviewer = ?"
            params.append(reviewer)
        with self._db.read() as connection:
            _require_run_columns(connection, run_id)
            rows = connection.exec_driver_sql(
                sql + " ORDER BY row_id, column_index, repeat, reviewer", tuple(params)
            ).all()
        return [_rating(row) for row in rows]

    def save_preference(self, preference: PairwisePreference) -> PairwisePreference:
        """Store a preference, replacing the same reviewer's earlier one on that row and pair.

        Returns it as stored: the lower column index is side ``a``.

        Raises:
            NotFoundError: no such run, a column the run does not have, or a row without
                cells in both columns.
        """
        low, high = sorted((preference.column_a, preference.column_b))
        stored = preference.oriented(low, high)
        with self._db.write() as connection:
            columns = _require_run_columns(connection, preference.run_id)
            for column in (low, high):
                if not 0 <= column < columns:
                    raise NotFoundError(
                        f"run {preference.run_id} has no column {column}"
                        f" (it has {columns}: 0..{columns - 1})"
                    )
                _require_row_in_column(connection, preference.run_id, preference.row_id, column)
            connection.exec_driver_sql(
                _UPSERT_PREFERENCE,
                (
                    stored.run_id,
                    stored.row_id,
                    stored.column_a,
                    stored.column_b,
                    stored.reviewer,
                    stored.winner,
                    int(stored.blinded),
                    to_db_time(stored.at),
                ),
            )
        return stored

    def preferences(
        self, run_id: int, column_a: int | None = None, column_b: int | None = None
    ) -> list[PairwisePreference]:
        """A run's preferences; given two columns, only theirs, with `column_a` as side ``a``."""
        if (column_a is None) != (column_b is None):
            raise ValidationError("give both columns of the pair, or neither")
        sql = f"SELECT {', '.join(_PREFERENCE_FIELDS)} FROM preferences WHERE run_id = ?"
        params: tuple[object, ...] = (run_id,)
        if column_a is not None and column_b is not None:
            low, high = sorted((column_a, column_b))
            sql += " AND column_a = ? AND column_b = ?"
            params = (run_id, low, high)
        with self._db.read() as connection:
            _require_run_columns(connection, run_id)
            rows = connection.exec_driver_sql(
                sql + " ORDER BY row_id, column_a, column_b, reviewer", params
            ).all()
        found = [_preference(row) for row in rows]
        if column_a is not None and column_b is not None:
            return [p.oriented(column_a, column_b) for p in found]
        return found


def _rating(row: Any) -> Rating:
    return Rating(
        run_id=row.run_id,
        row_id=row.row_id,
        column=row.column_index,
        repeat=row.repeat,
        reviewer=row.reviewer,
        at=from_db_time(row.at),
        passed=None if row.passed is None else bool(row.passed),
        score=row.score,
        comment=row.comment,
        tags=tuple(json.loads(row.tags_json)),
    )


def _preference(row: Any) -> PairwisePreference:
    winner: Winner = row.winner
    return PairwisePreference(
        run_id=row.run_id,
        row_id=row.row_id,
        column_a=row.column_a,
        column_b=row.column_b,
        winner=winner,
        blinded=bool(row.blinded),
        reviewer=row.reviewer,
        at=from_db_time(row.at),
    )


def _require_run_columns(connection: Connection, run_id: int) -> int:
    """The number of columns of the run; NotFoundError when there is no such run."""
    text = connection.exec_driver_sql(
        "SELECT columns_json FROM runs WHERE id = ?", (run_id,)
    ).scalar()
    if text is None:
        raise NotFoundError(f"no run with id {run_id}")
    return len(json.loads(text))


def _require_cell(connection: Connection, run_id: int, key: CellKey) -> None:
    _require_run_columns(connection, run_id)
    found = connection.exec_driver_sql(
        "SELECT 1 FROM cells WHERE run_id = ? AND row_id = ? AND column_index = ? AND repeat = ?",
        (run_id, key.row_id, key.column, key.repeat),
    ).first()
    if found is None:
        raise NotFoundError(
            f"run {run_id} has no result for row '{key.row_id}', column {key.column},"
            f" repeat {key.repeat}"
        )


def _require_row_in_column(connection: Connection, run_id: int, row_id: str, column: int) -> None:
    found = connection.exec_driver_sql(
        "SELECT 1 FROM cells WHERE run_id = ? AND row_id = ? AND column_index = ? LIMIT 1",
        (run_id, row_id, column),
    ).first()
    if found is None:
        raise NotFoundError(f"run {run_id} has no result for row '{row_id}' in column {column}")
