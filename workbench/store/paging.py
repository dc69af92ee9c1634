"""Reading a run's cells or scores in batches, resuming after the last key read.

Each batch is its own short read transaction and is decoded outside it, so neither the database
(a writer) nor the interpreter (the GUI thread) waits on one huge fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from workbench.core.errors import ValidationError
from workbench.store.connection import Database

T = TypeVar("T")

DEFAULT_BATCH_SIZE = 5000
_AFTER_KEY = " AND (row_id, column_index, repeat) > (?, ?, ?)"
_KEY_ORDER = " ORDER BY row_id, column_index, repeat LIMIT ?"


def check_batch_size(batch_size: int) -> None:
    """Refuse a batch size below 1."""
    if batch_size < 1:
        raise ValidationError(f"batch_size must be at least 1; got {batch_size}")


def key_batches(
    db: Database,
    sql: str,
    params: tuple[object, ...],
    batch_size: int,
    decode: Callable[[Any], T],
) -> Iterator[list[T]]:
    """Batches of decoded rows of `sql` (a SELECT over a table keyed by row, column, repeat
    whose WHERE clause the key condition can extend), in key order."""
    after: tuple[object, ...] = ()
    while True:
        with db.read() as connection:
            rows = connection.exec_driver_sql(
                sql + (_AFTER_KEY if after else "") + _KEY_ORDER,
                (*params, *after, batch_size),
            ).all()
        # Decoding happens outside the transaction, so a writer is never kept waiting on it.
        if rows:
            yield [decode(row) for row in rows]
        if len(rows) < batch_size:
            return
        last = rows[-1]
        after = (last.row_id, last.column_index, last.repeat)
