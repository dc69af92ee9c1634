"""A run whose process is gone (killed, crashed) shows as interrupted, not running forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.store.conftest import dataset, prompt
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.runs import Column, RunSpec, RunStatus
from workbench.store import Store

REPO = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from workbench.core.runs import RunStatus
from workbench.store import Store
store = Store.open(sys.argv[1])
store.set_run_status(int(sys.argv[2]), RunStatus.RUNNING)
print("running", flush=True)
sys.stdin.read()  # runs until killed
"""


def _make_run(store: Store) -> int:
    prompt_id = store.save_version(Kind.PROMPT, "greet", prompt("Bonjour")).version.id
    model_id = store.save_version(
        Kind.MODEL, "small", ModelConfigContent(provider="local", model="smollm2")
    ).version.id
    dataset_id = store.save_version(Kind.DATASET, "cases", dataset(3)).version.id
    spec = RunSpec(prompt_ids=(prompt_id,), model_ids=(model_id,), dataset_id=dataset_id)
    column = Column(index=0, prompt_id=prompt_id, persona_id=None, model_id=model_id, label="v1")
    return store.create_run(spec, [column], name="states").id


@pytest.mark.sqlite_only
def test_a_killed_runs_process_leaves_it_interrupted(store: Store) -> None:
    run_id = _make_run(store)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store.path), str(run_id)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"running\n"
        assert store.get_run(run_id).status is RunStatus.RUNNING
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert store.get_run(run_id).status is RunStatus.INTERRUPTED
    assert [r.status for r in store.list_runs()] == [RunStatus.INTERRUPTED]


def test_running_in_this_process_stays_running_until_it_ends(db_path: Path) -> None:
    with Store.open(db_path) as engine_store, Store.open(db_path) as reader:
        run_id = _make_run(engine_store)
        engine_store.set_run_status(run_id, RunStatus.RUNNING)
        assert reader.get_run(run_id).status is RunStatus.RUNNING
        engine_store.set_run_status(run_id, RunStatus.CANCELLED)
        assert reader.get_run(run_id).status is RunStatus.CANCELLED
        engine_store.set_run_status(run_id, RunStatus.RUNNING)  # resumed
        assert reader.get_run(run_id).status is RunStatus.RUNNING
    with Store.open(db_path) as later:
        assert later.get_run(run_id).status is RunStatus.INTERRUPTED
