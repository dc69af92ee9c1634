"""Rubric scores of a run's cells.

A score is keyed by (run, row, column, repeat, rubric version) and upserted, so re-scoring a run
with the same rubric version replaces its results while scoring it with another version keeps
both side by side. A score may be written before the cell it belongs to (a cell is scored as it
finishes, while the engine's writer may still hold the cell in its queue), so there is no foreign
key from scores to cells.

A big run's scores are read in pages (`ScoresMixin.iter_scores`), like its cells: keyset
pagination on the primary key, each page its own short read transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.reviews import CellScore
from workbench.core.runs import CellKey
from workbench.store.connection import Database
from workbench.store.paging import DEFAULT_BATCH_SIZE, check_batch_size, key_batches
from workbench.store.tables import from_db_time, to_db_time

_FIELDS = (
    "run_id",
    "row_id",
    "column_index",
    "repeat",
    "rubric_version_id",
    "passed",
    "score",
    "error",
    "criteria_json",
    "scored_at",
)
_KEY = _FIELDS[:5]
_UPSERT = (
    f"INSERT INTO scores ({', '.join(_FIELDS)}) VALUES ({', '.join('?' * len(_FIELDS))})"
    f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _FIELDS[5:])
)
_SELECT = (
    "SELECT row_id, column_index, repeat, rubric_version_id, passed, score, error,"
    " criteria_json, scored_at FROM scores WHERE run_id = ?"
)
# The same columns without the criteria, which can be long (a judge's reasoning) and which a
# grid of pass/fail and scores never shows.
_SELECT_NO_CRITERIA = (
    "SELECT row_id, column_index, repeat, rubric_version_id, passed, score, error,"
    " NULL AS criteria_json, scored_at FROM scores WHERE run_id = ?"
)
_OF_RUBRIC = " AND rubric_version_id = ?"
_ROWS_CHUNK = 500  # row ids per IN (...) list, well under SQLite's parameter limit


class ScoresMixin:
    """Rubric scores of cells; mixed into `workbench.store.Store`."""

    _db: Database

    def upsert_scores(self, run_id: int, scores: Iterable[CellScore]) -> int:
        """Insert or replace scores in one transaction; returns how many were written.

        Raises:
            NotFoundError: no such run, or a rubric version that is not stored.
            ValidationError: a version id that is not a rubric, or criteria that are not JSON.
        """
        scores = list(scores)
        if not scores:
            return 0
        records = [_record(run_id, score) for score in scores]
        with self._db.write() as connection:
            _require_run(connection, run_id)
            _require_rubrics(connection, {score.rubric_version_id for score in scores})
            connection.exec_driver_sql(_UPSERT, records)
        return len(records)

    def scores(self, run_id: int, rubric_id: str) -> list[CellScore]:
        """A rubric version's scores of a run, ordered by row, column and repeat."""
        return [score for batch in self.iter_scores(run_id, rubric_id) for score in batch]

    def iter_scores(
        self,
        run_id: int,
        rubric_id: str,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        with_criteria: bool = True,
    ) -> Iterator[list[CellScore]]:
        """A rubric version's scores of a run in batches of at most `batch_size`, in key order.

        Each batch is read in its own short transaction, resuming after the last key read, so
        the database and the interpreter are free between batches. With `with_criteria` False
        the criteria are neither read nor decoded and every score has empty `criteria`.

        Raises:
            NotFoundError: no such run (raised here, not on the first batch).
            ValidationError: a batch size below 1.
        """
        check_batch_size(batch_size)
        with self._db.read() as connection:
            _require_run(connection, run_id)
        sql = (_SELECT if with_criteria else _SELECT_NO_CRITERIA) + _OF_RUBRIC
        return key_batches(self._db, sql, (run_id, rubric_id), batch_size, _cell_score)

    def scores_of_rows(
        self, run_id: int, rubric_id: str, row_ids: Sequence[str]
    ) -> list[CellScore]:
        """A rubric version's scores of some rows of a run, in key order."""
        found: list[CellScore] = []
        with self._db.read() as connection:
            _require_run(connection, run_id)
            for start in range(0, len(row_ids), _ROWS_CHUNK):
                chunk = tuple(row_ids[start : start + _ROWS_CHUNK])
                rows = connection.exec_driver_sql(
                    _SELECT
                    + _OF_RUBRIC
                    + f" AND row_id IN ({', '.join('?' * len(chunk))})"
                    + " ORDER BY row_id, column_index, repeat",
                    (run_id, rubric_id, *chunk),
                ).all()
                found.extend(_cell_score(row) for row in rows)
        return found

    def get_score(self, run_id: int, key: CellKey, rubric_id: str) -> CellScore | None:
        """One cell's score with one rubric version, or None."""
        with self._db.read() as connection:
            row = connection.exec_driver_sql(
                _SELECT + " AND row_id = ? AND column_index = ? AND repeat = ?"
                " AND rubric_version_id = ?",
                (run_id, key.row_id, key.column, key.repeat, rubric_id),
            ).first()
        return None if row is None else _cell_score(row)

    def rubric_ids_scored(self, run_id: int) -> list[str]:
        """Rubric versions this run has scores for, the first used first."""
        with self._db.read() as connection:
            _require_run(connection, run_id)
            rows = connection.exec_driver_sql(
                "SELECT rubric_version_id FROM scores WHERE run_id = ?"
                " GROUP BY rubric_version_id ORDER BY min(scored_at), rubric_version_id",
                (run_id,),
            ).all()
        return [rubric_id for (rubric_id,) in rows]

    def delete_scores(self, run_id: int, rubric_id: str) -> int:
        """Forget a rubric version's scores of a run; returns how many were removed."""
        with self._db.write() as connection:
            _require_run(connection, run_id)
            return int(
                connection.exec_driver_sql(
                    "DELETE FROM scores WHERE run_id = ? AND rubric_version_id = ?",
                    (run_id, rubric_id),
                ).rowcount
            )


def _record(run_id: int, score: CellScore) -> tuple[object, ...]:
    try:
        criteria = json.dumps(
            list(score.criteria), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except (TypeError, ValueError) as error:
        raise ValidationError(
            f"the criteria of cell {score.key.row_id}/{score.key.column}/{score.key.repeat}"
            f" are not JSON: {error}"
        ) from error
    return (
        run_id,
        score.key.row_id,
        score.key.column,
        score.key.repeat,
        score.rubric_version_id,
        None if score.passed is None else int(score.passed),
        score.score,
        score.error,
        criteria,
        to_db_time(score.scored_at),
    )


def _cell_score(row: Any) -> CellScore:
    return CellScore(
        key=CellKey(row_id=row.row_id, column=row.column_index, repeat=row.repeat),
        rubric_version_id=row.rubric_version_id,
        passed=None if row.passed is None else bool(row.passed),
        score=row.score,
        error=row.error,
        criteria=() if row.criteria_json is None else tuple(json.loads(row.criteria_json)),
        scored_at=from_db_time(row.scored_at),
    )


def _require_run(connection: Connection, run_id: int) -> None:
    found = connection.exec_driver_sql("SELECT 1 FROM runs WHERE id = ?", (run_id,)).first()
    if found is None:
        raise NotFoundError(f"no run with id {run_id}")


def _require_rubrics(connection: Connection, rubric_ids: set[str]) -> None:
    for rubric_id in sorted(rubric_ids):
        kind = connection.exec_driver_sql(
            "SELECT kind FROM version_contents WHERE version_id = ?", (rubric_id,)
        ).scalar()
        if kind is None:
            raise NotFoundError(f"rubric version {rubric_id[:12]} is not stored")
        if kind != "rubric":
            raise ValidationError(f"version {rubric_id[:12]} is a {kind}, not a rubric")
