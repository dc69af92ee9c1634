"""The one writer: batching by time and size, and nothing dropped when the store fails."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from workbench.core.errors import KnownError
from workbench.core.runs import CellKey, CellResult, CellStatus
from workbench.engine.writer import ResultWriter


class RecordingStore:
    """Records each transaction; can be told to fail the next N of them."""

    def __init__(self) -> None:
        self.batches: list[list[CellResult]] = []
        self.cache: dict[str, dict[str, Any]] = {}
        self.fail_next = 0

    def upsert_cells(self, run_id: int, results: Sequence[CellResult]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("disk I/O error")
        self.batches.append(list(results))

    def cache_put(self, key: str, value: dict[str, Any]) -> None:
        self.cache[key] = value


def cell(i: int) -> CellResult:
    return CellResult(CellKey(f"r{i}", 0), CellStatus.OK, output=str(i))


async def test_cells_are_batched_within_the_flush_window() -> None:
    store = RecordingStore()
    writer = ResultWriter(store, 1, interval_s=0.02, max_batch=1000)
    writer.start()
    for i in range(10):
        writer.add(cell(i), (f"k{i}", {"text": str(i)}))
    assert store.batches == []  # nothing written synchronously
    await asyncio.sleep(0.1)
    assert [len(b) for b in store.batches] == [10]
    assert len(store.cache) == 10
    await writer.close()


async def test_a_full_batch_is_written_at_once() -> None:
    store = RecordingStore()
    writer = ResultWriter(store, 1, interval_s=60, max_batch=4)
    writer.start()
    for i in range(9):
        writer.add(cell(i))
    assert [len(b) for b in store.batches] == [4, 4]
    await writer.close()
    assert [len(b) for b in store.batches] == [4, 4, 1]


async def test_interval_zero_writes_every_cell_as_it_finishes() -> None:
    store = RecordingStore()
    writer = ResultWriter(store, 1, interval_s=0)
    for i in range(3):
        writer.add(cell(i))
    assert [len(b) for b in store.batches] == [1, 1, 1]
    await writer.close()


async def test_a_failed_flush_keeps_its_cells_for_the_next_one() -> None:
    store = RecordingStore()
    store.fail_next = 1
    writer = ResultWriter(store, 1, interval_s=60, max_batch=2)
    writer.add(cell(0))
    writer.add(cell(1))  # this flush fails; the cells stay queued
    assert store.batches == []
    writer.add(cell(2))
    await writer.close()
    assert [c.key.row_id for b in store.batches for c in b] == ["r0", "r1", "r2"]


async def test_close_raises_when_the_store_still_fails() -> None:
    store = RecordingStore()
    writer = ResultWriter(store, 1, interval_s=60)
    writer.add(cell(0))
    store.fail_next = 5
    with pytest.raises(OSError):
        await writer.close()


async def test_a_busy_store_is_logged_in_words_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BusyOnce(RecordingStore):
        def upsert_cells(self, run_id: int, results: Sequence[CellResult]) -> None:
            if self.fail_next:
                self.fail_next -= 1
                raise KnownError("workbench.sqlite is busy: another program has been writing")
            super().upsert_cells(run_id, results)

    store = BusyOnce()
    store.fail_next = 1
    writer = ResultWriter(store, 1, interval_s=60, max_batch=1)
    writer.add(cell(0))
    await writer.close()
    assert [c.key.row_id for b in store.batches for c in b] == ["r0"]
    [record] = [r for r in caplog.records if "not written yet" in r.getMessage()]
    assert record.exc_info is None and "is busy" in record.getMessage()
