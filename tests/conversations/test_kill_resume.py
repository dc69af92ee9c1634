"""A real SIGKILL mid-simulation, then resume: no stored turn lost, changed or called again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conversations.conftest import ConvWorkspace, make_engine, scenario
from workbench.core.conversations import ConversationStatus
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer

REPO = Path(__file__).resolve().parents[2]


def _messages(store: Store, run_id: int) -> dict[tuple[str, int], str]:
    return {
        (r.key.case_id, m.index): m.content for r in store.conversations(run_id) for m in r.messages
    }


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_resume_after_sigkill_calls_no_stored_turn_again(
    cws: ConvWorkspace, server: FakeLLMServer
) -> None:
    server.faults.latency_ms = 30
    spec = cws.spec(
        [cws.prompt()],
        [cws.model()],
        cws.cases(*(scenario(f"c{i:02d}", goal=f"Commande ML-{i:02d}") for i in range(24))),
        customers=[cws.customer()],
        simulator=cws.model("sim"),
        concurrency=4,
    )
    run_id = make_engine(cws.store).create(spec, "to be killed")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.conversations.kill_child", str(cws.store.path), str(run_id)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stderr=subprocess.PIPE,
    )
    try:
        with Store.open(cws.store.path) as watcher:
            deadline = time.monotonic() + 120
            while len(_messages(watcher, run_id)) < 40:
                assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
                assert time.monotonic() < deadline, "the child made no progress"
                time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        if child.stderr:
            child.stderr.close()
    kept = _messages(cws.store, run_id)
    assert 40 <= len(kept) < 24 * 7
    summary = await make_engine(cws.store).execute(run_id)
    assert summary.status == "finished"
    final = _messages(cws.store, run_id)
    assert {k: final[k] for k in kept} == kept  # nothing stored was lost or changed
    added = len(final) - len(kept)
    # Every call of the resume added exactly one message: no stored turn was called again.
    # (The engine's count: the server may still log calls the killed child had in flight.)
    assert summary.calls == added and summary.cache_hits == 0
    results = cws.store.conversations(run_id)
    assert len(results) == 24 and all(r.status is ConversationStatus.FINISHED for r in results)
    assert len(final) == 24 * 7
