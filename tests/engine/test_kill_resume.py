"""A real process kill mid-run, then resume: no committed cell lost, only missing cells called."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.conftest import Workspace
from tests.engine.fakes import FakeProvider, SharedFactory
from tests.engine.helpers import make_engine
from workbench.core.runs import CellStatus, RunStatus
from workbench.store import Store

REPO = Path(__file__).resolve().parents[2]
ROWS = 300


def _log(path: Path) -> list[tuple[float, str]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        stamp, row = line.split()
        entries.append((float(stamp), row))
    return entries


@pytest.mark.slow
async def test_resume_after_sigkill_runs_only_missing_cells(ws: Workspace, tmp_path: Path) -> None:
    spec = ws.spec([ws.prompt()], [ws.model()], ws.dataset(ROWS), concurrency=4)
    engine = make_engine(ws.store, SharedFactory(FakeProvider()))
    run_id = engine.create_run(spec, "to be killed")
    logs = tmp_path / "logs"
    logs.mkdir()

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.engine.kill_child", str(ws.store.path), str(run_id), logs],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        with Store.open(ws.store.path) as watcher:
            deadline = time.monotonic() + 60
            while len(watcher.cell_keys(run_id)) < 40:
                assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
                assert time.monotonic() < deadline, "the child made no progress"
                time.sleep(0.01)
        time.sleep(0.03)  # land the kill between flushes, with calls in flight
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    stored = {c.key.row_id: c for c in ws.store.cells(run_id)}
    completed = _log(logs / "completed")
    flushed = _log(logs / "flushed")
    assert {c.status for c in stored.values()} == {CellStatus.OK}
    assert 40 <= len(stored) < ROWS, "the kill should land midway"
    # Every batch the child saw committed survived the kill...
    assert {row for _, row in flushed} <= set(stored)
    # ...nothing was stored that was not really answered...
    assert set(stored) <= {row for _, row in completed}
    # ...and the only answers lost finished after the last commit (inside one flush window).
    last_flush = max(stamp for stamp, _ in flushed)
    lost = [(stamp, row) for stamp, row in completed if row not in stored]
    assert all(stamp > last_flush for stamp, _ in lost)
    # It never got to finish, and no process executes it any more.
    assert ws.store.get_run(run_id).status == RunStatus.INTERRUPTED

    provider = FakeProvider()
    summary = await make_engine(ws.store, SharedFactory(provider)).execute(run_id)
    called = [row for row, _ in provider.calls]
    assert len(called) == len(set(called))
    assert set(called) == {f"r{i:04d}" for i in range(ROWS)} - set(stored)
    assert summary.status == RunStatus.FINISHED
    assert summary.counts == {"ok": ROWS - len(stored)}
    after = {c.key.row_id: c for c in ws.store.cells(run_id)}
    assert len(after) == ROWS and {c.status for c in after.values()} == {CellStatus.OK}
    assert all(after[row].finished_at == cell.finished_at for row, cell in stored.items())
