"""The store's batch jobs (migration m010) on a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.batches import BatchEntry, BatchJobState
from workbench.core.models import (
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PromptContent,
)
from workbench.core.runs import CellKey, Column, RunSpec
from workbench.store import Store
from workbench.store.migrations import SCHEMA_VERSION


def _run(store: Store) -> int:
    prompt = store.save_version(Kind.PROMPT, "p", PromptContent(user="{{ m }}")).version
    model = store.save_version(
        Kind.MODEL, "m", ModelConfigContent(provider="openai", model="gpt-4o-mini")
    ).version
    data = store.save_version(
        Kind.DATASET, "d", DatasetContent(rows=(DatasetRow(id="r0", vars={"m": "x"}),))
    ).version
    spec = RunSpec(prompt_ids=(prompt.id,), model_ids=(model.id,), dataset_id=data.id)
    column = Column(index=0, prompt_id=prompt.id, persona_id=None, model_id=model.id, label="c")
    return store.create_run(spec, [column], name="r").id


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """Opens the same store again each time it is called, on an SQLite file or PostgreSQL."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        local = tmp_path / "workspace" / "workbench.postgres"
        return lambda: Store.open_url(url, local_path=local)
    return lambda: Store.open(tmp_path / "w.sqlite")


def test_batch_jobs_live_through_reopening_the_store(open_store: Callable[[], Store]) -> None:
    entries = [BatchEntry(f"c{i:05d}", CellKey(f"r{i}", 0, 0), f"k{i}") for i in range(12_000)]
    with open_store() as store:
        assert store.schema_version == SCHEMA_VERSION
        run_id = _run(store)
        job = store.create_batch_job(run_id, "openai", "model-id", entries)
        assert (job.state, job.total, job.batch_id) == (BatchJobState.SUBMITTING, 12_000, None)
        store.set_batch_submitted(job.id, "batch_abc")
    with open_store() as store:  # another process, the next day
        assert store.runs_with_open_batches() == [run_id]
        (job,) = store.batch_jobs(run_id, open_only=True)
        assert job.batch_id == "batch_abc" and job.state is BatchJobState.SUBMITTED
        assert list(store.batch_entries(job.id)) == entries  # paged reads, custom-id order
        assert len(store.batch_in_flight_keys(run_id)) == 12_000
        store.record_batch_progress(job.id, provider_status="in_progress", done=300, failed=2)
        progress = store.batch_progress(run_id)
        assert progress.describe() == "batch: in progress, 300 of 12,000 done"
        store.close_batch_job(job.id, BatchJobState.COLLECTED)
        assert store.runs_with_open_batches() == []
        assert store.batch_in_flight_keys(run_id) == set()
        assert not store.batch_progress(run_id).pending
        assert store.batch_progress_many([run_id, 999]).keys() == {run_id}
