"""Runs and their cells.

A cell is keyed by (run, row, column, repeat) and written with an upsert, so resuming a run is
"run the keys not stored yet" and retrying errors is "run the keys stored with status error".
The engine writes batches of cells from one thread; each batch is one short transaction of a
single ``executemany``, which readers in other connections see whole or not at all.

A big run is read in pages (`RunsMixin.iter_cells`): keyset pagination on the primary key, each
page its own short read transaction, so a reader never holds the database or the interpreter for
the whole run and a concurrent writer is never starved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, insert, update
from sqlmodel import col, select

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunInfo, RunSpec, RunStatus
from workbench.store.connection import Database
from workbench.store.paging import DEFAULT_BATCH_SIZE, check_batch_size, key_batches
from workbench.store.run_locks import RunLocks
from workbench.store.tables import (
    DatasetRowRow,
    RunRow,
    VersionContentRow,
    from_db_time,
    now_utc,
    to_db_time,
)

_CELL_FIELDS = (
    "status",
    "output",
    "finish_reason",
    "input_tokens",
    "output_tokens",
    "tokens_estimated",
    "ttft_ms",
    "latency_ms",
    "cost_usd",
    "cache_hit",
    "attempts",
    "error_kind",
    "error_message",
    "finished_at",
)
_KEY_FIELDS = ("run_id", "row_id", "column_index", "repeat")
_UPSERT_CELL = (
    f"INSERT INTO cells ({', '.join(_KEY_FIELDS + _CELL_FIELDS)})"
    f" VALUES ({', '.join('?' * (len(_KEY_FIELDS) + len(_CELL_FIELDS)))})"
    f" ON CONFLICT ({', '.join(_KEY_FIELDS)}) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _CELL_FIELDS)
)
_SELECT_CELLS = (
    f"SELECT row_id, column_index, repeat, {', '.join(_CELL_FIELDS)} FROM cells WHERE run_id = ?"
)
_FINAL = frozenset(
    {RunStatus.FINISHED, RunStatus.CANCELLED, RunStatus.FAILED, RunStatus.BUDGET_STOPPED}
)
_CHUNK = 500
# Keyset pagination: the page after the last key read, in primary-key order (the index serves it).


class RunsMixin:
    """Runs and cell results; mixed into `workbench.store.Store`."""

    _db: Database
    user: str
    _run_locks: RunLocks

    def create_run(
        self,
        spec: RunSpec,
        columns: Iterable[Column],
        *,
        name: str,
        estimated_cost_usd: float | None = None,
    ) -> RunInfo:
        """Record a new pending run.

        Raises:
            NotFoundError: a version id of the spec is not stored, or a row id is not in the
                dataset.
            ValidationError: a version id of the wrong kind, or columns that do not match the
                spec.
        """
        columns = tuple(columns)
        _check_columns(spec, columns)
        created_at = now_utc()
        with self._db.write() as connection:
            _check_spec_versions(connection, spec, name)
            run_id = cast(
                int,
                connection.execute(
                    insert(RunRow)
                    .values(
                        name=name,
                        spec_json=spec.model_dump_json(),
                        columns_json=json.dumps([c.model_dump(mode="json") for c in columns]),
                        status=RunStatus.PENDING.value,
                        created_at=created_at,
                        estimated_cost_usd=estimated_cost_usd,
                        made_by=self.user,
                    )
                    .returning(col(RunRow.id))
                ).scalar_one(),
            )
            return _require_run(connection, run_id)

    def get_run(self, run_id: int) -> RunInfo:
        """A run's header."""
        with self._db.read() as connection:
            return self._live(_require_run(connection, run_id))

    def list_runs(self, *, limit: int | None = None) -> list[RunInfo]:
        """Runs, newest first."""
        with self._db.read() as connection:
            rows = connection.execute(
                select(RunRow).order_by(col(RunRow.id).desc()).limit(limit)
            ).all()
        return [self._live(_run_info(row)) for row in rows]

    def _live(self, info: RunInfo) -> RunInfo:
        """`info`, shown as interrupted when it says running but no process executes it."""
        if info.status is RunStatus.RUNNING and self._run_locks.is_running(info.id) is False:
            return info.model_copy(update={"status": RunStatus.INTERRUPTED})
        return info

    def set_run_status(
        self, run_id: int, status: RunStatus, *, finished_at: datetime | None = None
    ) -> RunInfo:
        """Change a run's status; a final status stamps `finished_at`, a live one clears it."""
        status = RunStatus(status)
        if status is RunStatus.INTERRUPTED:
            raise ValueError("interrupted is derived from the run locks, never stored")
        stamp = (finished_at or now_utc()) if status in _FINAL else None
        if status is RunStatus.RUNNING:
            self._run_locks.hold(run_id)  # before the status: never running without its lock
        else:
            self._run_locks.release(run_id)
        with self._db.write() as connection:
            _check_run(connection, run_id)
            connection.execute(
                update(RunRow)
                .where(col(RunRow.id) == run_id)
                .values(status=status.value, finished_at=stamp)
            )
            return _require_run(connection, run_id)

    def upsert_cells(self, run_id: int, results: Iterable[CellResult]) -> int:
        """Insert or replace cell results in one transaction; returns how many were written."""
        records = [_cell_record(run_id, result) for result in results]
        if not records:
            return 0
        with self._db.write() as connection:
            _check_run(connection, run_id)
            connection.exec_driver_sql(_UPSERT_CELL, records)
        return len(records)

    def cells(self, run_id: int, statuses: Iterable[CellStatus] | None = None) -> list[CellResult]:
        """Stored cells of a run (optionally only those with the given statuses), in key order."""
        return [cell for batch in self.iter_cells(run_id, statuses=statuses) for cell in batch]

    def iter_cells(
        self,
        run_id: int,
        *,
        statuses: Iterable[CellStatus] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[list[CellResult]]:
        """Stored cells of a run in batches of at most `batch_size`, in key order.

        Each batch is read in its own short transaction, resuming after the last key read, so
        the database and the interpreter are free between batches. Cells written meanwhile
        appear if their key comes after the batches already read.

        Raises:
            NotFoundError: no such run (raised here, not on the first batch).
            ValidationError: a batch size below 1.
        """
        check_batch_size(batch_size)
        sql, params = _with_statuses(_SELECT_CELLS, run_id, statuses)
        with self._db.read() as connection:
            _check_run(connection, run_id)
        return key_batches(self._db, sql, params, batch_size, _cell_result)

    def cells_of_rows(self, run_id: int, row_ids: Sequence[str]) -> list[CellResult]:
        """Stored cells of some rows of a run (every column and repeat), in key order.

        For a view that shows a few rows of a big run first (the rows on screen).
        """
        found: list[CellResult] = []
        with self._db.read() as connection:
            _require_run(connection, run_id)
            for start in range(0, len(row_ids), _CHUNK):
                chunk = tuple(row_ids[start : start + _CHUNK])
                rows = connection.exec_driver_sql(
                    _SELECT_CELLS
                    + f" AND row_id IN ({', '.join('?' * len(chunk))})"
                    + " ORDER BY row_id, column_index, repeat",
                    (run_id, *chunk),
                ).all()
                found.extend(_cell_result(row) for row in rows)
        return found

    def get_cell(self, run_id: int, key: CellKey) -> CellResult | None:
        """One stored cell, or None."""
        with self._db.read() as connection:
            row = connection.exec_driver_sql(
                _SELECT_CELLS + " AND row_id = ? AND column_index = ? AND repeat = ?",
                (run_id, key.row_id, key.column, key.repeat),
            ).first()
        return None if row is None else _cell_result(row)

    def cell_keys(self, run_id: int, statuses: Iterable[CellStatus] | None = None) -> set[CellKey]:
        """Keys of stored cells (optionally with the given statuses), e.g. to resume a run."""
        base = "SELECT row_id, column_index, repeat FROM cells WHERE run_id = ?"
        sql, params = _with_statuses(base, run_id, statuses)
        with self._db.read() as connection:
            _check_run(connection, run_id)
            rows = connection.exec_driver_sql(sql, params).all()
        return {CellKey(row_id=r, column=c, repeat=n) for r, c, n in rows}

    def run_summary(self, run_id: int) -> dict[int, dict[CellStatus, int]]:
        """Counts of stored cells per column and status."""
        with self._db.read() as connection:
            _check_run(connection, run_id)
            rows = connection.exec_driver_sql(
                "SELECT column_index, status, count(*) FROM cells WHERE run_id = ?"
                " GROUP BY column_index, status ORDER BY column_index",
                (run_id,),
            ).all()
        summary: dict[int, dict[CellStatus, int]] = {}
        for column, status, count in rows:
            summary.setdefault(column, {})[CellStatus(status)] = count
        return summary


def _with_statuses(
    sql: str, run_id: int, statuses: Iterable[CellStatus] | None
) -> tuple[str, tuple[object, ...]]:
    if statuses is None:
        return sql, (run_id,)
    values = tuple(CellStatus(s).value for s in statuses)
    if not values:
        return sql + " AND 1 = 0", (run_id,)
    return sql + f" AND status IN ({', '.join('?' * len(values))})", (run_id, *values)


def _cell_record(run_id: int, result: CellResult) -> tuple[object, ...]:
    return (
        run_id,
        result.key.row_id,
        result.key.column,
        result.key.repeat,
        CellStatus(result.status).value,
        result.output,
        result.finish_reason,
        result.input_tokens,
        result.output_tokens,
        int(result.tokens_estimated),
        result.ttft_ms,
        result.latency_ms,
        result.cost_usd,
        int(result.cache_hit),
        result.attempts,
        result.error_kind,
        result.error_message,
        None if result.finished_at is None else to_db_time(result.finished_at),
    )


def _cell_result(row: Any) -> CellResult:
    """Build a `CellResult` from a row of `_SELECT_CELLS` (columns by name)."""
    return CellResult(
        key=CellKey(row_id=row.row_id, column=row.column_index, repeat=row.repeat),
        status=CellStatus(row.status),
        output=row.output,
        finish_reason=row.finish_reason,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        tokens_estimated=bool(row.tokens_estimated),
        ttft_ms=row.ttft_ms,
        latency_ms=row.latency_ms,
        cost_usd=row.cost_usd,
        cache_hit=bool(row.cache_hit),
        attempts=row.attempts,
        error_kind=row.error_kind,
        error_message=row.error_message,
        finished_at=None if row.finished_at is None else from_db_time(row.finished_at),
    )


def _run_info(row: Any) -> RunInfo:
    return RunInfo(
        id=row.id,
        name=row.name,
        spec=RunSpec.model_validate_json(row.spec_json),
        columns=tuple(Column.model_validate(c) for c in json.loads(row.columns_json)),
        status=RunStatus(row.status),
        created_at=row.created_at,
        finished_at=row.finished_at,
        estimated_cost_usd=row.estimated_cost_usd,
        made_by=row.made_by,
    )


def _check_run(connection: Connection, run_id: int) -> None:
    """`NotFoundError` when there is no run `run_id`; reads no more than its id (a writer
    checks this on every batch of cells, where parsing the run's spec each time showed)."""
    if connection.execute(select(RunRow.id).where(col(RunRow.id) == run_id)).first() is None:
        raise NotFoundError(f"no run with id {run_id}")


def _require_run(connection: Connection, run_id: int) -> RunInfo:
    row = connection.execute(select(RunRow).where(col(RunRow.id) == run_id)).first()
    if row is None:
        raise NotFoundError(f"no run with id {run_id}")
    return _run_info(row)


def _check_columns(spec: RunSpec, columns: tuple[Column, ...]) -> None:
    indexes = [c.index for c in columns]
    if sorted(indexes) != list(range(len(columns))):
        raise ValidationError(f"run columns must be numbered 0..{len(columns) - 1}; got {indexes}")
    personas = set(spec.persona_ids)
    for column in columns:
        if column.prompt_id not in spec.prompt_ids:
            raise ValidationError(
                f"column {column.index}: prompt {column.prompt_id[:12]} is not in the run"
            )
        if column.persona_id not in personas:
            raise ValidationError(
                f"column {column.index}: persona {str(column.persona_id)[:12]} is not in the run"
            )
        if column.model_id not in spec.model_ids:
            raise ValidationError(
                f"column {column.index}: model {column.model_id[:12]} is not in the run"
            )


def _check_spec_versions(connection: Connection, spec: RunSpec, run_name: str) -> None:
    wanted: dict[str, str] = {version_id: "prompt" for version_id in spec.prompt_ids}
    wanted.update({version_id: "persona" for version_id in spec.persona_ids if version_id})
    wanted.update({version_id: "model" for version_id in spec.model_ids})
    wanted[spec.dataset_id] = "dataset"
    if spec.rubric_id is not None:
        wanted[spec.rubric_id] = "rubric"
    stored = dict(
        connection.execute(
            select(VersionContentRow.version_id, VersionContentRow.kind).where(
                col(VersionContentRow.version_id).in_(list(wanted))
            )
        ).all()
    )
    for version_id, kind in wanted.items():
        if version_id not in stored:
            raise NotFoundError(f"run '{run_name}': {kind} version {version_id[:12]} is not stored")
        if stored[version_id] != kind:
            raise ValidationError(
                f"run '{run_name}': version {version_id[:12]} is a {stored[version_id]},"
                f" given as a {kind}"
            )
    if spec.row_ids:
        unique = list(dict.fromkeys(spec.row_ids))
        present: set[str] = set()
        for start in range(0, len(unique), _CHUNK):
            present.update(
                connection.scalars(
                    select(DatasetRowRow.row_id).where(
                        col(DatasetRowRow.version_id) == spec.dataset_id,
                        col(DatasetRowRow.row_id).in_(unique[start : start + _CHUNK]),
                    )
                )
            )
        missing = [row_id for row_id in unique if row_id not in present]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:10])
            raise NotFoundError(f"run '{run_name}': the dataset has no row {shown}")
