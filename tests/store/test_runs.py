"""Runs and cells: creation checks, upserts keyed by (run, row, column, repeat), resume queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.store.conftest import dataset, prompt
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import Kind, ModelConfigContent, PersonaContent
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunSpec, RunStatus
from workbench.store import Store


@pytest.fixture
def spec(store: Store) -> RunSpec:
    prompts = [
        store.save_version(Kind.PROMPT, "greet", prompt(t)).version.id for t in ("Bonjour", "Salut")
    ]
    persona = store.save_version(
        Kind.PERSONA, "camille", PersonaContent(display_name="Camille", role="conseillère")
    ).version.id
    model = store.save_version(
        Kind.MODEL, "small", ModelConfigContent(provider="local", model="smollm2")
    ).version.id
    data = store.save_version(Kind.DATASET, "cases", dataset(4)).version.id
    return RunSpec(
        prompt_ids=tuple(prompts), persona_ids=(persona,), model_ids=(model,), dataset_id=data
    )


def _columns(spec: RunSpec) -> list[Column]:
    return [
        Column(
            index=index,
            prompt_id=prompt_id,
            persona_id=spec.persona_ids[0],
            model_id=spec.model_ids[0],
            label=f"v{index + 1}",
        )
        for index, prompt_id in enumerate(spec.prompt_ids)
    ]


def _cell(row: str, column: int, status: CellStatus, **fields: object) -> CellResult:
    return CellResult(key=CellKey(row, column), status=status, **fields)  # type: ignore[arg-type]


def test_create_get_and_list_runs(store: Store, spec: RunSpec) -> None:
    first = store.create_run(spec, _columns(spec), name="premier essai", estimated_cost_usd=0.02)
    second = store.create_run(spec, _columns(spec), name="second")
    assert first.status is RunStatus.PENDING
    assert first.spec == spec
    assert first.columns == tuple(_columns(spec))
    assert first.estimated_cost_usd == 0.02
    assert store.get_run(first.id) == first
    assert [run.id for run in store.list_runs()] == [second.id, first.id]
    assert [run.id for run in store.list_runs(limit=1)] == [second.id]
    with pytest.raises(NotFoundError, match="no run with id 999"):
        store.get_run(999)


def test_create_run_checks_versions_rows_and_columns(store: Store, spec: RunSpec) -> None:
    missing = spec.model_copy(update={"model_ids": ("f" * 64,)})
    with pytest.raises(NotFoundError, match="run 'x': model version ffffffffffff is not stored"):
        store.create_run(missing, [], name="x")
    swapped = spec.model_copy(update={"dataset_id": spec.prompt_ids[0]})
    with pytest.raises(ValidationError, match="is a prompt, given as a dataset"):
        store.create_run(swapped, [], name="x")
    bad_rows = spec.model_copy(update={"row_ids": ("row-0001", "row-9999")})
    with pytest.raises(NotFoundError, match="the dataset has no row 'row-9999'"):
        store.create_run(bad_rows, [], name="x")
    columns = _columns(spec)
    with pytest.raises(ValidationError, match=r"numbered 0\.\.1"):
        store.create_run(spec, [columns[1], columns[1]], name="x")
    stray = columns[0].model_copy(update={"model_id": "a" * 64})
    with pytest.raises(ValidationError, match="column 0: model aaaaaaaaaaaa is not in the run"):
        store.create_run(spec, [stray, columns[1]], name="x")
    assert store.list_runs() == []


def test_upsert_then_resume_and_retry_queries(store: Store, spec: RunSpec) -> None:
    run = store.create_run(spec, _columns(spec), name="r")
    finished = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    written = store.upsert_cells(
        run.id,
        [
            _cell(
                "row-0000",
                0,
                CellStatus.OK,
                output="Bonjour !",
                input_tokens=12,
                output_tokens=3,
                latency_ms=120.5,
                ttft_ms=40.0,
                cost_usd=0.0001,
                attempts=1,
                finish_reason="stop",
                finished_at=finished,
            ),
            _cell(
                "row-0000",
                1,
                CellStatus.ERROR,
                error_kind="rate_limit",
                error_message="429 Too Many Requests",
                attempts=3,
            ),
            _cell(
                "row-0001", 0, CellStatus.OK, output="Salut", cache_hit=True, tokens_estimated=True
            ),
        ],
    )
    assert written == 3
    stored = {cell.key: cell for cell in store.cells(run.id)}
    first = stored[CellKey("row-0000", 0)]
    assert (first.output, first.input_tokens, first.output_tokens) == ("Bonjour !", 12, 3)
    assert (first.latency_ms, first.ttft_ms, first.cost_usd) == (120.5, 40.0, 0.0001)
    assert (first.finish_reason, first.finished_at, first.attempts) == ("stop", finished, 1)
    assert stored[CellKey("row-0001", 0)].cache_hit is True
    assert stored[CellKey("row-0001", 0)].tokens_estimated is True
    assert stored[CellKey("row-0000", 1)].error_message == "429 Too Many Requests"
    # Resume: everything stored is skipped; retry-errors: only errored cells run again.
    assert store.cell_keys(run.id) == set(stored)
    assert store.cell_keys(run.id, [CellStatus.ERROR]) == {CellKey("row-0000", 1)}
    assert store.cell_keys(run.id, []) == set()
    # A retry replaces the errored cell in place.
    store.upsert_cells(run.id, [_cell("row-0000", 1, CellStatus.OK, output="Salut !", attempts=1)])
    retried = store.get_cell(run.id, CellKey("row-0000", 1))
    assert retried is not None
    assert (retried.status, retried.output, retried.error_kind) == (CellStatus.OK, "Salut !", None)
    assert store.cell_keys(run.id, [CellStatus.ERROR]) == set()
    assert len(store.cells(run.id)) == 3
    assert [c.key for c in store.cells(run.id, [CellStatus.OK])] == [
        CellKey("row-0000", 0),
        CellKey("row-0000", 1),
        CellKey("row-0001", 0),
    ]
    assert store.get_cell(run.id, CellKey("row-0003", 0)) is None


def test_repeats_are_separate_cells(store: Store, spec: RunSpec) -> None:
    run = store.create_run(spec, _columns(spec), name="r")
    base = _cell("row-0000", 0, CellStatus.OK, output="a")
    store.upsert_cells(run.id, [replace(base, key=CellKey("row-0000", 0, n)) for n in range(3)])
    assert store.cell_keys(run.id) == {CellKey("row-0000", 0, n) for n in range(3)}


def test_cells_of_one_run_do_not_leak_into_another(store: Store, spec: RunSpec) -> None:
    one = store.create_run(spec, _columns(spec), name="one")
    two = store.create_run(spec, _columns(spec), name="two")
    store.upsert_cells(one.id, [_cell("row-0000", 0, CellStatus.OK)])
    assert store.cells(two.id) == []
    assert store.upsert_cells(two.id, []) == 0


def test_upsert_into_unknown_run_writes_nothing(store: Store, spec: RunSpec) -> None:
    with pytest.raises(NotFoundError, match="no run with id 42"):
        store.upsert_cells(42, [_cell("row-0000", 0, CellStatus.OK)])
    with pytest.raises(NotFoundError):
        store.cells(42)


def test_run_summary_counts_per_column_and_status(store: Store, spec: RunSpec) -> None:
    run = store.create_run(spec, _columns(spec), name="r")
    store.upsert_cells(
        run.id,
        [
            _cell("row-0000", 0, CellStatus.OK),
            _cell("row-0001", 0, CellStatus.OK),
            _cell("row-0002", 0, CellStatus.ERROR),
            _cell("row-0000", 1, CellStatus.CANCELLED),
        ],
    )
    assert store.run_summary(run.id) == {
        0: {CellStatus.OK: 2, CellStatus.ERROR: 1},
        1: {CellStatus.CANCELLED: 1},
    }


def test_run_status_and_finish_time(store: Store, spec: RunSpec) -> None:
    run = store.create_run(spec, _columns(spec), name="r")
    running = store.set_run_status(run.id, RunStatus.RUNNING)
    assert (running.status, running.finished_at) == (RunStatus.RUNNING, None)
    done_at = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    done = store.set_run_status(run.id, RunStatus.BUDGET_STOPPED, finished_at=done_at)
    assert (done.status, done.finished_at) == (RunStatus.BUDGET_STOPPED, done_at)
    resumed = store.set_run_status(run.id, RunStatus.RUNNING)
    assert resumed.finished_at is None
    finished = store.set_run_status(run.id, RunStatus.FINISHED)
    assert finished.finished_at is not None
    assert store.get_run(run.id).status is RunStatus.FINISHED
    with pytest.raises(NotFoundError):
        store.set_run_status(999, RunStatus.FINISHED)


def test_response_cache(store: Store) -> None:
    assert store.cache_get("k1") is None
    store.cache_put("k1", {"text": "Bonjour", "usage": {"output_tokens": 2}})
    assert store.cache_get("k1") == {"text": "Bonjour", "usage": {"output_tokens": 2}}
    store.cache_put("k1", {"text": "Salut"})
    assert store.cache_get("k1") == {"text": "Salut"}
    with pytest.raises(ValidationError, match="is not JSON"):
        store.cache_put("k2", {"when": datetime.now(UTC)})
    with pytest.raises(ValidationError, match="must be a dict"):
        store.cache_put("k2", ["a"])  # type: ignore[arg-type]
    assert store.cache_get("k2") is None
    assert store.cache_clear() == 1
    assert store.cache_get("k1") is None


def test_cache_many_reads_and_writes_in_batches(store: Store) -> None:
    items = [(f"key-{i}", {"text": f"réponse {i}", "n": i}) for i in range(1_234)]
    store.cache_put_many(items)
    wanted = [f"key-{i}" for i in range(0, 1_300, 7)]  # some past the end, so absent
    found = store.cache_get_many(wanted)
    assert set(found) == {k for k in wanted if int(k.split("-")[1]) < 1_234}
    assert found["key-700"] == {"text": "réponse 700", "n": 700}
    store.cache_put_many([("key-0", {"text": "remplacée"})])
    assert store.cache_get("key-0") == {"text": "remplacée"}
    assert store.cache_get_many([]) == {}


def test_cache_many_refuses_non_objects_and_writes_nothing(store: Store) -> None:
    with pytest.raises(ValidationError):
        store.cache_put_many([("ok", {"a": 1}), ("bad", ["not", "a", "dict"])])  # type: ignore[list-item]
    assert store.cache_get("ok") is None


def _many_cells() -> list[CellResult]:
    """Cells whose row ids sort in byte order differently from their natural order."""
    row_ids = [f"row-{n}" for n in range(12)] + ["Row-A", "row-é", "row-Z"]
    statuses = [CellStatus.OK, CellStatus.ERROR, CellStatus.PENDING]
    return [
        CellResult(
            key=CellKey(row_id, column, repeat),
            status=statuses[(index + column + repeat) % 3],
            output=f"réponse {row_id}/{column}/{repeat}",
            latency_ms=float(index),
        )
        for index, row_id in enumerate(row_ids)
        for column in (0, 1)
        for repeat in (0, 1)
    ]


@pytest.mark.parametrize("batch_size", [1, 7, 20, 60, 5000])
def test_iter_cells_pages_exactly_what_cells_returns(
    store: Store, spec: RunSpec, batch_size: int
) -> None:
    run = store.create_run(spec, _columns(spec), name="paged")
    other = store.create_run(spec, _columns(spec), name="other")
    store.upsert_cells(run.id, reversed(_many_cells()))
    store.upsert_cells(other.id, _many_cells()[:5])
    for statuses in (None, [CellStatus.ERROR], [CellStatus.OK, CellStatus.PENDING], []):
        expected = store.cells(run.id, statuses)
        batches = list(store.iter_cells(run.id, statuses=statuses, batch_size=batch_size))
        assert [cell for batch in batches for cell in batch] == expected
        assert all(0 < len(batch) <= batch_size for batch in batches)
        assert all(len(batch) == batch_size for batch in batches[:-1])
    everything = store.cells(run.id)
    assert len(everything) == 60
    keys = [(c.key.row_id, c.key.column, c.key.repeat) for c in everything]
    assert keys == sorted(keys, key=lambda k: (k[0].encode(), k[1], k[2]))
    assert {cell.key for cell in everything} == {cell.key for cell in _many_cells()}


def test_iter_cells_exact_multiple_ends_without_an_empty_batch(store: Store, spec: RunSpec) -> None:
    run = store.create_run(spec, _columns(spec), name="paged")
    store.upsert_cells(run.id, _many_cells())
    assert [len(batch) for batch in store.iter_cells(run.id, batch_size=20)] == [20, 20, 20]
    empty = store.create_run(spec, _columns(spec), name="empty")
    assert list(store.iter_cells(empty.id)) == []


def test_iter_cells_reads_each_batch_in_its_own_transaction(store: Store, spec: RunSpec) -> None:
    run = store.create_run(spec, _columns(spec), name="paged")
    store.upsert_cells(run.id, [_cell("row-1", 0, CellStatus.OK), _cell("row-3", 0, CellStatus.OK)])
    batches = store.iter_cells(run.id, batch_size=1)
    assert [c.key.row_id for c in next(batches)] == ["row-1"]
    # Written between batches: a key after the cursor shows up, one before it is not re-read.
    writer = store.reopen()
    try:
        writer.upsert_cells(
            run.id, [_cell("row-0", 0, CellStatus.OK), _cell("row-2", 0, CellStatus.ERROR)]
        )
    finally:
        writer.close()
    assert [c.key.row_id for batch in batches for c in batch] == ["row-2", "row-3"]


def test_iter_cells_checks_the_run_and_batch_size_when_called(store: Store, spec: RunSpec) -> None:
    with pytest.raises(NotFoundError, match="no run with id 999"):
        store.iter_cells(999)
    run = store.create_run(spec, _columns(spec), name="paged")
    with pytest.raises(ValidationError, match="batch_size must be at least 1; got 0"):
        store.iter_cells(run.id, batch_size=0)
