"""Two `Store` instances on one file: the engine writing cells while the GUI reads (WAL)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from tests.store.conftest import dataset, prompt
from workbench.core.errors import KnownError
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunSpec
from workbench.store import Store
from workbench.store import connection as connection_module

BATCH = 50
BATCHES = 40


def _make_run(store: Store) -> int:
    prompt_id = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version.id
    model_id = store.save_version(
        Kind.MODEL, "small", ModelConfigContent(provider="local", model="smollm2")
    ).version.id
    dataset_id = store.save_version(Kind.DATASET, "cases", dataset(BATCH * BATCHES)).version.id
    spec = RunSpec(prompt_ids=(prompt_id,), model_ids=(model_id,), dataset_id=dataset_id)
    column = Column(index=0, prompt_id=prompt_id, persona_id=None, model_id=model_id, label="v1")
    return store.create_run(spec, [column], name="concurrent").id


@pytest.mark.timeout(120)
def test_reader_sees_whole_batches_while_writer_writes(db_path: Path) -> None:
    with Store.open(db_path) as setup:
        run_id = _make_run(setup)
    errors: list[BaseException] = []
    seen_counts: list[int] = []
    writer_done = threading.Event()

    def write() -> None:
        try:
            with Store.open(db_path) as writer:
                for batch in range(BATCHES):
                    cells = [
                        CellResult(
                            key=CellKey(f"row-{batch * BATCH + i:04d}", 0),
                            status=CellStatus.OK,
                            output=f"réponse {batch}-{i} " * 20,
                            attempts=1,
                        )
                        for i in range(BATCH)
                    ]
                    writer.upsert_cells(run_id, cells)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            writer_done.set()

    def read() -> None:
        try:
            with Store.open(db_path) as reader:
                while True:
                    finished = writer_done.is_set()
                    seen_counts.append(len(reader.cells(run_id)))
                    reader.cell_keys(run_id, [CellStatus.ERROR])
                    reader.get_run(run_id)
                    if finished:
                        break
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=100)
    assert not errors, errors
    assert seen_counts[-1] == BATCH * BATCHES
    # Each upsert is one transaction: a reader never sees part of a batch...
    assert all(count % BATCH == 0 for count in seen_counts)
    # ...and never goes back in time.
    assert seen_counts == sorted(seen_counts)


def test_two_writers_on_one_file_both_succeed(db_path: Path) -> None:
    Store.open(db_path).close()
    errors: list[BaseException] = []

    def save(name: str) -> None:
        try:
            with Store.open(db_path) as store:
                for index in range(30):
                    store.save_version(Kind.PROMPT, name, prompt(f"{name} {index}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=save, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=100)
    assert not errors, errors
    with Store.open(db_path) as store:
        assert [f.version_count for f in store.list_families(Kind.PROMPT)] == [30, 30]


def test_writer_blocked_past_the_busy_timeout_gets_a_clear_error(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(db_path).close()
    # A short timeout keeps the test quick; the behaviour is the same at 5 s.
    monkeypatch.setattr(connection_module, "BUSY_TIMEOUT_MS", 200)
    with Store.open(db_path) as store, closing(sqlite3.connect(db_path)) as other:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(KnownError, match="is busy: another program"):
            store.save_version(Kind.PROMPT, "greet", prompt("Bonjour"))
        other.rollback()
        assert store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).created
