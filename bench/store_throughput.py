"""Store write throughput (cells/s): SQLite file vs PostgreSQL, 1 and 4 concurrent writers.

Each writer is its own process with its own `Store`, creates its own run and upserts finished
cells in transactions of `--batch` cells (as the run engine does), all writers starting together.
Throughput = all cells written / wall time from the start signal to the last writer done.
PostgreSQL is a throwaway local server (`workbench.testing.pg_server.TempPostgres`, fsync off
like a CI server; the figures compare the store's own overhead, not disks).

    PYTHONPATH=. python bench/store_throughput.py --cells 4000 --batch 50
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

from workbench.core.models import (
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PromptContent,
)
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunSpec
from workbench.store import Store


def _open(target: str, anchor: Path) -> Store:
    if target.startswith("postgresql://"):
        return Store.open_url(target, local_path=anchor)
    return Store.open(target)


def _prepare(target: str, anchor: Path, rows: int) -> RunSpec:
    with _open(target, anchor) as store:
        prompt = store.save_version(
            Kind.PROMPT, "greet", PromptContent(system="Bonjour", user="{{ message }}")
        ).version.id
        model = store.save_version(
            Kind.MODEL, "m", ModelConfigContent(provider="local", model="smollm2")
        ).version.id
        rows_content = tuple(
            DatasetRow(id=f"row-{i:06d}", vars={"message": f"question {i}"}) for i in range(rows)
        )
        data = store.save_version(Kind.DATASET, "d", DatasetContent(rows=rows_content)).version.id
    return RunSpec(prompt_ids=(prompt,), model_ids=(model,), dataset_id=data)


def _writer(target: str, anchor: str, spec_json: str, cells: int, batch: int, go: object) -> None:
    spec = RunSpec.model_validate_json(spec_json)
    store = _open(target, Path(anchor))
    column = Column(
        index=0,
        prompt_id=spec.prompt_ids[0],
        persona_id=None,
        model_id=spec.model_ids[0],
        label="v1",
    )
    run = store.create_run(spec, [column], name="bench")
    go.wait()  # type: ignore[attr-defined]
    for start in range(0, cells, batch):
        store.upsert_cells(
            run.id,
            [
                CellResult(
                    key=CellKey(f"row-{i:06d}", 0),
                    status=CellStatus.OK,
                    output=f"Réponse {i} " * 8,
                    input_tokens=40,
                    output_tokens=30,
                    latency_ms=120.0,
                )
                for i in range(start, min(start + batch, cells))
            ],
        )
    store.close()


def measure(target: str, anchor: Path, writers: int, cells: int, batch: int) -> float:
    spec = _prepare(target, anchor, cells)
    context = mp.get_context("spawn")
    go = context.Event()
    processes = [
        context.Process(
            target=_writer,
            args=(target, str(anchor), spec.model_dump_json(), cells, batch, go),
        )
        for _ in range(writers)
    ]
    for process in processes:
        process.start()
    time.sleep(3)  # let every writer open its store and create its run before the clock starts
    started = time.perf_counter()
    go.set()
    for process in processes:
        process.join()
        assert process.exitcode == 0
    return writers * cells / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=4000, help="cells per writer")
    parser.add_argument("--batch", type=int, default=50, help="cells per transaction")
    args = parser.parse_args()
    from workbench.testing.pg_server import TempPostgres

    with tempfile.TemporaryDirectory() as folder, TempPostgres() as server:
        root = Path(folder)
        print(f"{args.cells} cells per writer, {args.batch} cells per transaction")
        print(f"{'backend':<12}{'writers':>8}{'cells/s':>12}")
        for writers in (1, 4):
            sqlite_file = root / f"w{writers}.sqlite"
            rate = measure(str(sqlite_file), root / "a", writers, args.cells, args.batch)
            print(f"{'sqlite':<12}{writers:>8}{rate:>12.0f}")
            url = server.create_database(f"bench_{writers}")
            rate = measure(url, root / "a", writers, args.cells, args.batch)
            print(f"{'postgresql':<12}{writers:>8}{rate:>12.0f}")


if __name__ == "__main__":
    main()
