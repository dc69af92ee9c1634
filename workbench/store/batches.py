"""Provider batch jobs of runs (`workbench.core.batches`): recorded before submission,
updated as they are polled, closed once collected.

Statements are plain SQL with named parameters (no SQLite-only syntax), in short transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import text

from workbench.core.batches import (
    OPEN_STATES,
    BatchEntry,
    BatchJob,
    BatchJobState,
    BatchProgress,
)
from workbench.core.errors import NotFoundError
from workbench.core.runs import CellKey
from workbench.store.connection import Database
from workbench.store.tables import from_db_time, now_utc, to_db_time

_JOB_COLUMNS = (
    "id, run_id, provider, model_id, batch_id, state, provider_status, total, done, failed,"
    " message, created_at, polled_at, collected_at"
)
_OPEN = tuple(s.value for s in OPEN_STATES)
_PAGE = 5000


class BatchesMixin:
    """Batch jobs and their requests; mixed into `workbench.store.Store`."""

    _db: Database

    def create_batch_job(
        self, run_id: int, provider: str, model_id: str, entries: Sequence[BatchEntry]
    ) -> BatchJob:
        """Record a job (state submitting) and its requests in one transaction."""
        with self._db.write() as connection:
            job_id = connection.execute(
                text(
                    "INSERT INTO batch_jobs (run_id, provider, model_id, state, total, created_at)"
                    " VALUES (:run_id, :provider, :model_id, :state, :total, :created_at)"
                    " RETURNING id"
                ),
                {
                    "run_id": run_id,
                    "provider": provider,
                    "model_id": model_id,
                    "state": BatchJobState.SUBMITTING.value,
                    "total": len(entries),
                    "created_at": to_db_time(now_utc()),
                },
            ).scalar_one()
            if entries:
                connection.execute(
                    text(
                        "INSERT INTO batch_requests"
                        " (job_id, custom_id, row_id, column_index, repeat, cache_key)"
                        " VALUES (:job_id, :custom_id, :row_id, :column_index, :repeat, :cache_key)"
                    ),
                    [
                        {
                            "job_id": job_id,
                            "custom_id": e.custom_id,
                            "row_id": e.key.row_id,
                            "column_index": e.key.column,
                            "repeat": e.key.repeat,
                            "cache_key": e.cache_key,
                        }
                        for e in entries
                    ],
                )
            return _job(connection, int(job_id))

    def set_batch_submitted(self, job_id: int, batch_id: str) -> BatchJob:
        """The provider accepted the job as `batch_id`."""
        return self._update_job(
            job_id,
            {"batch_id": batch_id, "state": BatchJobState.SUBMITTED.value},
        )

    def record_batch_progress(
        self,
        job_id: int,
        *,
        provider_status: str,
        done: int,
        failed: int,
        total: int | None = None,
    ) -> BatchJob:
        """Store what the provider said of the job at this poll."""
        values: dict[str, Any] = {
            "provider_status": provider_status,
            "done": done,
            "failed": failed,
            "polled_at": to_db_time(now_utc()),
        }
        if total is not None:
            values["total"] = total
        return self._update_job(job_id, values)

    def close_batch_job(
        self, job_id: int, state: BatchJobState, *, message: str | None = None
    ) -> BatchJob:
        """Mark a job collected or failed."""
        if state in OPEN_STATES:
            raise ValueError("close_batch_job takes a final state")
        return self._update_job(
            job_id,
            {"state": state.value, "message": message, "collected_at": to_db_time(now_utc())},
        )

    def _update_job(self, job_id: int, values: dict[str, Any]) -> BatchJob:
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        with self._db.write() as connection:
            connection.execute(
                text(f"UPDATE batch_jobs SET {assignments} WHERE id = :job_id"),
                {**values, "job_id": job_id},
            )
            return _job(connection, job_id)

    def batch_jobs(self, run_id: int, *, open_only: bool = False) -> list[BatchJob]:
        """The jobs of a run, oldest first."""
        query = f"SELECT {_JOB_COLUMNS} FROM batch_jobs WHERE run_id = :run_id"
        params: dict[str, Any] = {"run_id": run_id}
        if open_only:
            query += " AND state IN :open"
            params["open"] = _OPEN
        with self._db.read() as connection:
            rows = connection.execute(_expanding(text(query + " ORDER BY id")), params).all()
        return [_job_from_row(row) for row in rows]

    def runs_with_open_batches(self) -> list[int]:
        """Ids of runs that have a job not collected yet, oldest first."""
        with self._db.read() as connection:
            rows = connection.execute(
                _expanding(
                    text(
                        "SELECT DISTINCT run_id FROM batch_jobs WHERE state IN :open"
                        " ORDER BY run_id"
                    )
                ),
                {"open": _OPEN},
            ).all()
        return [int(r[0]) for r in rows]

    def batch_entries(self, job_id: int) -> Iterator[BatchEntry]:
        """A job's requests in custom-id order, read in pages."""
        after = ""
        while True:
            with self._db.read() as connection:
                rows = connection.execute(
                    text(
                        "SELECT custom_id, row_id, column_index, repeat, cache_key"
                        " FROM batch_requests WHERE job_id = :job_id AND custom_id > :after"
                        " ORDER BY custom_id LIMIT :limit"
                    ),
                    {"job_id": job_id, "after": after, "limit": _PAGE},
                ).all()
            for row in rows:
                yield BatchEntry(
                    str(row[0]), CellKey(str(row[1]), int(row[2]), int(row[3])), str(row[4])
                )
            if len(rows) < _PAGE:
                return
            after = str(rows[-1][0])

    def batch_in_flight_keys(self, run_id: int) -> set[CellKey]:
        """Cells of the run that are out in a batch not collected yet (never to be re-sent)."""
        with self._db.read() as connection:
            rows = connection.execute(
                _expanding(
                    text(
                        "SELECT r.row_id, r.column_index, r.repeat FROM batch_requests r"
                        " JOIN batch_jobs j ON j.id = r.job_id"
                        " WHERE j.run_id = :run_id AND j.state IN :open"
                    )
                ),
                {"run_id": run_id, "open": _OPEN},
            ).all()
        return {CellKey(str(r[0]), int(r[1]), int(r[2])) for r in rows}

    def batch_progress(self, run_id: int) -> BatchProgress:
        """A run's batches summed up."""
        return summarise(self.batch_jobs(run_id))

    def batch_progress_many(self, run_ids: Iterable[int]) -> dict[int, BatchProgress]:
        """Batch summaries for several runs (runs without batches are left out)."""
        wanted = list(run_ids)
        if not wanted:
            return {}
        with self._db.read() as connection:
            rows = connection.execute(
                _expanding(
                    text(f"SELECT {_JOB_COLUMNS} FROM batch_jobs WHERE run_id IN :ids ORDER BY id")
                ),
                {"ids": tuple(wanted)},
            ).all()
        jobs: dict[int, list[BatchJob]] = {}
        for row in rows:
            job = _job_from_row(row)
            jobs.setdefault(job.run_id, []).append(job)
        return {run_id: summarise(run_jobs) for run_id, run_jobs in jobs.items()}


def summarise(jobs: Sequence[BatchJob]) -> BatchProgress:
    """Sum the jobs of one run."""
    collected = sum(j.total for j in jobs if j.state is BatchJobState.COLLECTED)
    return BatchProgress(
        jobs=len(jobs),
        open_jobs=sum(1 for j in jobs if j.open),
        total=sum(j.total for j in jobs),
        done=sum(j.total if not j.open else j.done for j in jobs),
        failed=sum(j.failed for j in jobs),
        collected=collected,
    )


def _expanding(clause: Any) -> Any:
    from sqlalchemy import bindparam

    names = [name for name in ("open", "ids") if f":{name}" in str(clause)]
    return clause.bindparams(*(bindparam(name, expanding=True) for name in names))


def _job(connection: Any, job_id: int) -> BatchJob:
    row = connection.execute(
        text(f"SELECT {_JOB_COLUMNS} FROM batch_jobs WHERE id = :id"), {"id": job_id}
    ).first()
    if row is None:
        raise NotFoundError(f"no batch job {job_id}")
    return _job_from_row(row)


def _job_from_row(row: Any) -> BatchJob:
    return BatchJob(
        id=int(row[0]),
        run_id=int(row[1]),
        provider=str(row[2]),
        model_id=str(row[3]),
        batch_id=row[4],
        state=BatchJobState(row[5]),
        provider_status=row[6],
        total=int(row[7]),
        done=int(row[8]),
        failed=int(row[9]),
        message=row[10],
        created_at=from_db_time(row[11]),
        polled_at=from_db_time(row[12]) if row[12] else None,
        collected_at=from_db_time(row[13]) if row[13] else None,
    )
