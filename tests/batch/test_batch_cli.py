"""Batch runs end to end through the real CLI, the real SDKs and the fake batch endpoints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.batch.conftest import Cli, open_store, seed
from workbench.core.batches import BatchJobState
from workbench.core.models import Kind
from workbench.core.reviews import CellScore
from workbench.core.runs import CellStatus, RunStatus
from workbench.providers.batch_pricing import batch_cost_usd
from workbench.providers.pricing import cost_usd
from workbench.store import Store
from workbench.testing.fake_batches import ERROR_MARKER, ERROR_REASON
from workbench.testing.fake_llm import FakeLLMServer

ROOT = Path(__file__).resolve().parents[2]
BOTH = ("--model", "gpt", "--model", "claude")


def _scores(store: Store, run_id: int) -> list[CellScore]:
    return store.scores(run_id, store.resolve(Kind.RUBRIC, "answers").id)


def _run(cli: Cli, *extra: str) -> int:
    result = cli(
        "run",
        "--prompt",
        "ask",
        "--dataset",
        "qs",
        "--rubric",
        "answers",
        "--batch",
        "--json",
        *extra,
    )
    assert result.code == 0, result.err
    return int(result.json()["run"])


def test_submit_poll_collect_and_score_with_both_providers(
    cli: Cli, home: Path, server: FakeLLMServer
) -> None:
    seed(home, server, [f"question {i}" for i in range(5)])
    result = cli(
        "run",
        "--prompt",
        "ask",
        "--dataset",
        "qs",
        "--rubric",
        "answers",
        *BOTH,
        "--batch",
        "--json",
    )
    assert result.code == 0, result.err
    sent = result.json()
    assert (sent["jobs"], sent["sent"], sent["cached"]) == (2, 10, 0)
    assert sent["state"] == "batch: submitted, 0 of 10 done"
    run_id = sent["run"]
    kinds = sorted(b.kind for b in server.batches.batches.values())
    assert kinds == ["anthropic", "openai"]

    listed = cli("runs", "list")
    assert "batch: submitted" in listed.out

    first = cli("runs", "resume", str(run_id), "--json").json()
    assert first["batch"]["pending"] is True  # one poll: progress, not yet ended
    with open_store(home) as store:
        assert store.cells(run_id) == []
        assert store.get_run(run_id).status is RunStatus.PENDING
        jobs = store.batch_jobs(run_id)
        assert [j.state for j in jobs] == [BatchJobState.SUBMITTED] * 2
        assert jobs[0].done == 2  # the OpenAI batch reports partial progress (2 of 5)
    shown = cli("runs", "show", str(run_id))
    assert "batch: in progress, 2 of 10 done" in shown.err

    second = cli("runs", "resume", str(run_id), "--json").json()
    assert second["batch"]["pending"] is False
    assert second["batch"]["collected"] == 10
    with open_store(home) as store:
        cells = store.cells(run_id)
        assert len(cells) == 10
        assert all(c.status is CellStatus.OK for c in cells)
        assert {c.output for c in cells if c.key.row_id == "r3"} == {"Réponse à: question 3"}
        scores = _scores(store, run_id)
        assert len(scores) == 10 and all(s.passed for s in scores)
        assert store.get_run(run_id).status is RunStatus.FINISHED
        info = store.get_run(run_id)
        configs = {c.index: store.get_version(c.model_id).content for c in info.columns}
        for cell in cells:
            config = configs[cell.key.column]
            standard = cost_usd(config, cell.input_tokens or 0, cell.output_tokens or 0)
            assert cell.cost_usd == pytest.approx(
                batch_cost_usd(config, cell.input_tokens or 0, cell.output_tokens or 0)
            )
            assert standard is not None and cell.cost_usd == pytest.approx(standard / 2)
    assert "status" in cli("runs", "list").out


def test_expired_and_failed_requests_become_error_cells_with_reasons(
    cli: Cli, home: Path, server: FakeLLMServer
) -> None:
    seed(home, server, ["q0", f"q1 {ERROR_MARKER}", "q2", "q3"])
    server.batches.knobs.expire_after_fraction = 0.5  # r2 and r3 never run
    run_id = _run(cli, *BOTH)
    server.batches.finish_all()
    cli("runs", "resume", str(run_id))
    with open_store(home) as store:
        cells = {(c.key.row_id, c.key.column): c for c in store.cells(run_id)}
    assert len(cells) == 8  # none dropped
    for column in (0, 1):
        assert cells[("r0", column)].status is CellStatus.OK
        failed = cells[("r1", column)]
        assert failed.status is CellStatus.ERROR and failed.error_kind == "bad_request"
        assert ERROR_REASON in (failed.error_message or "")
        for row in ("r2", "r3"):
            expired = cells[(row, column)]
            assert expired.status is CellStatus.ERROR and expired.error_kind == "expired"
            assert "expired" in (expired.error_message or "")
    assert "OpenAI expired" in (cells[("r2", 0)].error_message or "")
    assert "Anthropic expired" in (cells[("r2", 1)].error_message or "")


def test_errors_retry_in_a_new_batch_and_interactively(
    cli: Cli, home: Path, server: FakeLLMServer
) -> None:
    seed(home, server, ["q0", "q1", "q2", "q3"])
    server.batches.knobs.expire_after_fraction = 0.5
    run_id = _run(cli, "--model", "gpt")
    server.batches.finish_all()
    cli("runs", "resume", str(run_id))
    server.batches.knobs.expire_after_fraction = None
    again = cli("runs", "retry-errors", str(run_id), "--batch", "--json")
    assert again.code == 0, again.err
    assert again.json()["sent"] == 2  # only the two expired cells
    retried = list(server.batches.batches.values())[-1]
    assert sorted(
        r["body"]["messages"][-1]["content"] for r in server.batches.sent_requests()[-2:]
    ) == ["q2", "q3"]
    assert retried.total == 2
    server.batches.finish_all()
    cli("runs", "resume", str(run_id))
    with open_store(home) as store:
        assert all(c.status is CellStatus.OK for c in store.cells(run_id))
        assert len(store.cells(run_id)) == 4


def test_interactive_retry_of_batch_errors(cli: Cli, home: Path, server: FakeLLMServer) -> None:
    seed(home, server, ["q0", "q1"])
    server.batches.knobs.expire_after_fraction = 0.5
    run_id = _run(cli, "--model", "claude")
    server.batches.finish_all()
    cli("runs", "resume", str(run_id))
    result = cli("runs", "retry-errors", str(run_id))
    assert result.code == 0, result.err
    with open_store(home) as store:
        cells = store.cells(run_id)
        assert [c.status for c in cells] == [CellStatus.OK, CellStatus.OK]
        assert _scores(store, run_id) and all(s.passed for s in _scores(store, run_id))


def test_cache_hits_are_never_sent(cli: Cli, home: Path, server: FakeLLMServer) -> None:
    seed(home, server, ["q0", "q1", "q2"])
    first = _run(cli, "--model", "gpt")
    server.batches.finish_all()
    cli("runs", "resume", str(first))
    sent_before = len(server.batches.sent_requests())
    again = cli(
        "run",
        "--prompt",
        "ask",
        "--dataset",
        "qs",
        "--model",
        "gpt",
        "--rubric",
        "answers",
        "--batch",
        "--json",
    ).json()
    assert (again["jobs"], again["sent"], again["cached"]) == (0, 0, 3)
    assert len(server.batches.sent_requests()) == sent_before
    with open_store(home) as store:
        cells = store.cells(again["run"])
        assert len(cells) == 3 and all(c.cache_hit and c.status is CellStatus.OK for c in cells)
        assert store.get_run(again["run"]).status is RunStatus.FINISHED
        assert len(_scores(store, again["run"])) == 3


def test_a_model_without_batch_api_is_refused_by_name(
    cli: Cli, home: Path, server: FakeLLMServer
) -> None:
    seed(home, server, ["q0"])
    result = cli("run", "--prompt", "ask", "--dataset", "qs", "--model", "tiny", "--batch")
    assert result.code != 0
    assert "tiny@v1" in result.err and "batch" in result.err
    assert "Traceback" not in result.err
    with open_store(home) as store:
        assert store.list_runs() == []


def test_a_second_process_collects_what_the_first_submitted(
    home: Path, server: FakeLLMServer
) -> None:
    seed(home, server, [f"question {i}" for i in range(4)])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", "from workbench.cli.main import entry_point; entry_point()"]
    submitted = subprocess.run(
        [
            *command,
            "run",
            "--prompt",
            "ask",
            "--dataset",
            "qs",
            *BOTH,
            "--rubric",
            "answers",
            "--batch",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert submitted.returncode == 0, submitted.stderr
    assert "runs resume 1" in submitted.stderr
    collected = subprocess.run(
        [*command, "runs", "resume", "1", "--wait", "--poll-interval", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert collected.returncode == 0, collected.stderr
    with open_store(home) as store:
        cells = store.cells(1)
        assert len(cells) == 8 and all(c.status is CellStatus.OK for c in cells)
        assert len(_scores(store, 1)) == 8
        assert store.get_run(1).status is RunStatus.FINISHED


def test_an_interactive_resume_never_sends_cells_out_in_a_batch(
    cli: Cli, home: Path, server: FakeLLMServer
) -> None:
    import asyncio

    from workbench.app.run_execution import RunExecutor
    from workbench.app.services import Services

    seed(home, server, ["q0", "q1"])
    run_id = _run(cli, "--model", "gpt")
    services = Services(home)
    try:
        executor = RunExecutor(services.store, services.provider_factory())
        summary = asyncio.run(executor.execute(run_id, mode="missing"))
    finally:
        services.close()
    assert summary.calls == 0
    assert server.stats.get("requests", 0) == 0  # no interactive call reached the server
    # The batch is still out: the run stays pending (not finished) until it is collected.
    assert summary.status is RunStatus.PENDING
    again = Services(home)
    try:
        assert again.store.get_run(run_id).status is RunStatus.PENDING
    finally:
        again.close()
    shown = cli("runs", "show", str(run_id))
    assert "pending" in shown.err and "batch: submitted, 0 of 2 done" in shown.err


def test_cancelled_batches_keep_what_finished_and_the_rest_can_run_again(
    cli: Cli, home: Path, server: FakeLLMServer
) -> None:
    seed(home, server, ["q0", "q1", "q2", "q3"])
    run_id = _run(cli, "--model", "claude")
    cli("runs", "resume", str(run_id))  # one poll: half of the requests are done
    cancelled = cli("runs", "cancel-batch", str(run_id), "--json")
    assert cancelled.code == 0, cancelled.err
    assert "ended" in cancelled.json()["batches"][0]
    cli("runs", "resume", str(run_id))
    with open_store(home) as store:
        statuses = sorted(c.status.value for c in store.cells(run_id))
        assert statuses == ["cancelled", "cancelled", "ok", "ok"]
        assert not store.batch_progress(run_id).pending
    # The cancelled cells are missing answers: an interactive resume runs just those two.
    resumed = cli("runs", "resume", str(run_id), "--json")
    assert resumed.code == 0, resumed.err
    assert resumed.json()["summary"]["calls"] == 2


def test_a_missing_key_is_said_before_the_run_is_stored(
    cli: Cli, home: Path, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.batch.conftest import ANTHROPIC_KEY_ENV

    seed(home, server, ["q0"])
    monkeypatch.delenv(ANTHROPIC_KEY_ENV)
    result = cli("run", "--prompt", "ask", "--dataset", "qs", *BOTH, "--batch")
    assert result.code == 1
    assert ANTHROPIC_KEY_ENV in result.err and "Traceback" not in result.err
    with open_store(home) as store:
        assert store.list_runs() == []
    assert server.batches.batches == {}
