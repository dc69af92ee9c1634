"""The GUI and the CLI score the same run identically with a judge that answers 429 at first.

Both front ends run the same spec (same version ids: the two workspaces hold the same content)
against the same fake model, each with its own fake judge server that rate-limits its first
requests. Live scoring in the GUI and ``workbench run --rubric --judge`` in the CLI both go
through `workbench.app.run_execution.RunExecutor`, whose judge is an `EngineJudge`: a spy on the
engine's retry loop in `workbench.engine.judge` proves every judge call goes through the
scheduler (limits, retries honouring Retry-After, timeout), so the 429s are retried instead of
becoming errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import add_fake_model, wait_finished
from tests.gui.workspace_seed import seed_workspace
from workbench.app.runs import build_spec
from workbench.app.services import Services
from workbench.cli.main import main
from workbench.core.models import CriterionSpec, Kind, ModelConfigContent, RubricContent
from workbench.engine import judge as engine_judge
from workbench.gui.main_window import MainWindow
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply, last_user_text

RATE_LIMITED = 3
GREETS = RubricContent(
    criteria=(
        CriterionSpec(
            kind="llm-judge", name="greets", config={"criterion": "La réponse salue le client."}
        ),
    )
)


def judge_answer(body: dict[str, Any]) -> str:
    """Passes replies that greet the customer in French."""
    reply = last_user_text(body).split("## Reply to grade")[-1]
    verdict = "pass" if "Bonjour" in reply else "fail"
    return json.dumps({"reasoning": f"Salutation: {verdict}.", "verdict": verdict})


@pytest.fixture()
def judge_servers() -> Iterator[tuple[FakeLLMServer, FakeLLMServer]]:
    with FakeLLMServer(responder=judge_answer) as gui, FakeLLMServer(responder=judge_answer) as cli:
        for fake in (gui, cli):
            fake.script(*[Reply.rate_limited("0.05")] * RATE_LIMITED)
        yield gui, cli


@pytest.fixture()
def judge_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The judge model of every call that went through the engine's retry loop."""
    seen: list[str] = []
    original = engine_judge.run_with_retries

    async def spy(attempt: Any, policy: Any, **kwargs: Any) -> Any:
        outcome = await original(attempt, policy, **kwargs)
        seen.append("judged")
        return outcome

    monkeypatch.setattr(engine_judge, "run_with_retries", spy)
    return seen


def prepare(store: Store, run_server: FakeLLMServer, judge_server: FakeLLMServer) -> None:
    seed_workspace(store)
    add_fake_model(store, run_server)
    store.save_version(Kind.RUBRIC, "greets", GREETS, author="test")
    # The judge's own base URL differs per front end; its name and model do not.
    judge = ModelConfigContent(
        provider="openai-compatible", model="judge-model", base_url=judge_server.openai_base_url
    )
    store.save_version(Kind.MODEL, "judge", judge, author="test")


def spec(store: Store) -> Any:
    return build_spec(
        store,
        prompts=["order-tracking@v1", "order-tracking@v2"],
        personas=["camille"],
        models=["fake"],
        dataset="support-messages",
        rubric="greets",
    )


def scores_by_cell(store: Store, run_id: int) -> dict[tuple[str, int], Any]:
    rubric = store.resolve(Kind.RUBRIC, "greets")
    return {
        (s.key.row_id, s.key.column): (
            s.passed,
            s.score,
            s.error,
            tuple((c["name"], c["passed"]) for c in s.criteria),
        )
        for s in store.scores(run_id, rubric.id)
    }


def judge_posts(server: FakeLLMServer) -> tuple[int, int]:
    """(requests answered 429, requests answered) at the judge server."""
    posts = [r for r in server.requests if r.path == "/v1/chat/completions"]
    limited = sum(1 for r in posts if r.outcome != "ok")
    return limited, len(posts) - limited


def test_gui_and_cli_score_a_run_identically_through_the_engine_with_a_rate_limited_judge(
    qtbot: QtBot,
    services: Services,
    server: FakeLLMServer,
    judge_servers: tuple[FakeLLMServer, FakeLLMServer],
    judge_attempts: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gui_judge, cli_judge = judge_servers
    # GUI: the window's run sessions, default engine options, the judge chosen in run setup.
    prepare(services.store, server, gui_judge)
    window = MainWindow(services)
    qtbot.addWidget(window)
    judge_model = services.store.resolve(Kind.MODEL, "judge").content
    assert isinstance(judge_model, ModelConfigContent)
    controller = window.runs.start_run(spec(services.store), "gui", judge_model)
    wait_finished(qtbot, controller)
    assert controller.run_id is not None
    gui_scores = scores_by_cell(services.store, controller.run_id)
    gui_judged = len(judge_attempts)

    # CLI: another workspace with the same content, `workbench run --rubric --judge`.
    cli_home = tmp_path / "cli-home"
    monkeypatch.setenv("WORKBENCH_HOME", str(cli_home))
    cli_services = Services(cli_home)
    try:
        prepare(cli_services.store, server, cli_judge)
        cli_services.close()
        code = main(
            [
                "run",
                *("--prompt", "order-tracking@v1", "--prompt", "order-tracking@v2"),
                *("--persona", "camille", "--model", "fake", "--dataset", "support-messages"),
                *("--rubric", "greets", "--judge", "judge", "--json"),
            ]
        )
        assert code == 0
        cli_store = cli_services.store
        cli_run = cli_store.list_runs(limit=1)[0]
        cli_scores = scores_by_cell(cli_store, cli_run.id)
    finally:
        cli_services.close()

    assert len(gui_scores) == 6  # 2 prompt versions × 3 rows
    assert cli_scores == gui_scores
    assert all(error is None for _, _, error, _ in gui_scores.values())
    assert {passed for passed, _, _, _ in gui_scores.values()} == {True, False}
    # Each judge was rate-limited, and retried: nothing became an error.
    for fake in judge_servers:
        limited, answered = judge_posts(fake)
        assert limited == RATE_LIMITED and answered == 6
    # Every judge call of both front ends went through the engine's retry loop.
    assert gui_judged == 6 and len(judge_attempts) == 12
