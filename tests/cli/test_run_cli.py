"""End to end: ``workbench run`` and ``runs …`` against the fake OpenAI-compatible server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from workbench.app.paths import STORE_FILENAME
from workbench.core.reviews import CellScore
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply

PROMPT = """kind: prompt
name: ask
version: 1
system: |
  Tu réponds aux clients.
user: |
  {{ message }}
variables:
  message: The message.
"""

RUBRIC = """kind: rubric
name: {name}
version: 1
threshold: 1.0
criteria:
- kind: contains
  config:
    value: {needle}
"""


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture
def workspace(tmp_path: Path, server: FakeLLMServer, cli: Cli) -> Path:
    ws = tmp_path / "ws"
    for folder in ("prompts", "datasets", "models", "rubrics"):
        (ws / folder).mkdir(parents=True)
    (ws / "prompts" / "ask.yaml").write_text(PROMPT, encoding="utf-8")
    (ws / "prompts" / "ask.yaml").write_text(PROMPT, encoding="utf-8")
    (ws / "datasets" / "msgs.jsonl").write_text(
        "".join(
            f'{{"id": "r{i}", "vars": {{"message": "Où est ma commande {i} ?"}}}}\n'
            for i in range(1, 5)
        ),
        encoding="utf-8",
    )
    (ws / "models" / "fake.yaml").write_text(
        "kind: model\nname: fake\nversion: 1\nprovider: openai-compatible\nmodel: fake-model\n"
        f"base_url: {server.openai_base_url}\n",
        encoding="utf-8",
    )
    (ws / "rubrics" / "polite.yaml").write_text(
        RUBRIC.format(name="polite", needle="Réponse"), encoding="utf-8"
    )
    (ws / "rubrics" / "carrier.yaml").write_text(
        RUBRIC.format(name="carrier", needle="Colissimo"), encoding="utf-8"
    )
    assert cli("import", *(str(ws / f) for f in sorted(p.name for p in ws.iterdir()))).code == 0
    return ws


def test_run_fills_every_cell_and_reports_columns(cli: Cli, workspace: Path) -> None:
    result = cli(
        "run",
        "--prompt",
        "ask",
        "--model",
        "fake",
        "--dataset",
        "msgs",
        "--repeat",
        "2",
        "--json",
    )
    assert result.code == 0, result.err
    data = result.json()
    assert data["summary"]["counts"] == {"ok": 8}
    assert data["columns"][0]["cells"] == 8
    listing = cli("runs", "list", "--json").json()
    assert [r["id"] for r in listing] == [data["run"]["id"]]


def test_second_run_is_served_from_the_cache(
    cli: Cli, workspace: Path, server: FakeLLMServer
) -> None:
    args = ("run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs", "--json")
    assert cli(*args).code == 0
    calls = server.stats["requests"]
    again = cli(*args).json()
    assert again["summary"]["cache_hits"] == 4
    assert server.stats["requests"] == calls
    assert cli(*args, "--no-cache").json()["summary"]["cache_hits"] == 0


def test_rubric_scores_and_fail_under_gates(cli: Cli, workspace: Path) -> None:
    base = ("run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs", "--json")
    passing = cli(*base, "--rubric", "polite", "--fail-under", "0.9")
    assert passing.code == 0, passing.err
    assert passing.json()["passed"] == 4
    failing = cli(*base, "--rubric", "carrier", "--fail-under", "0.5")
    assert failing.code == 3
    assert failing.json()["failing_columns"]
    assert "--rubric" in cli(*base, "--fail-under", "0.5").err


def test_fail_under_on_a_column_whose_every_cell_errored_is_an_outage_not_a_quality_failure(
    cli: Cli, workspace: Path, server: FakeLLMServer
) -> None:
    server.script(*(Reply.error(400, "bad request") for _ in range(4)))
    base = ("run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs")
    result = cli(*base, "--rubric", "polite", "--fail-under", "0.5", "--json")
    assert result.code == 4, result.err
    data = result.json()
    assert data["failing_columns"] == []
    [unjudged] = data["unjudged_columns"]
    assert unjudged.startswith("#0 ") and unjudged.endswith(": all 4 cell(s) errored")
    server.script(*(Reply.error(400, "bad request") for _ in range(4)))
    shown = cli(*base, "--rubric", "polite", "--fail-under", "0.5", "--no-cache")
    assert shown.code == 4
    assert "an outage, not a quality result (exit code 4" in shown.err


def test_retry_errors_reruns_only_errored_cells(
    cli: Cli, workspace: Path, server: FakeLLMServer
) -> None:
    server.script(Reply.error(400, "bad request"), Reply.error(400, "bad request"))
    first = cli(
        "run",
        "--prompt",
        "ask",
        "--model",
        "fake",
        "--dataset",
        "msgs",
        "--concurrency",
        "1",
        "--json",
    )
    assert first.code == 0, first.err
    run_id = first.json()["run"]["id"]
    assert first.json()["summary"]["counts"] == {"ok": 2, "error": 2}
    before = server.stats["requests"]
    retried = cli("runs", "retry-errors", str(run_id), "--json")
    assert retried.json()["summary"]["counts"] == {"ok": 2}
    assert server.stats["requests"] - before == 2
    assert cli("runs", "resume", str(run_id), "--json").json()["summary"]["counts"] == {}


def test_unknown_names_are_user_errors(cli: Cli, workspace: Path) -> None:
    missing = cli("run", "--prompt", "nope", "--model", "fake", "--dataset", "msgs")
    assert missing.code == 1 and "nope" in missing.err
    no_dataset = cli("run", "--prompt", "ask", "--model", "fake")
    assert no_dataset.code == 1 and "--dataset" in no_dataset.err


def test_models_list_says_what_can_run_and_what_a_server_offers(
    cli: Cli, workspace: Path, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (workspace / "models" / "hosted.yaml").write_text(
        "kind: model\nname: hosted\nversion: 1\nprovider: openai\nmodel: gpt-4o-mini\n"
        "api_key_env: WORKBENCH_TEST_MISSING_KEY\n",
        encoding="utf-8",
    )
    assert cli("import", str(workspace / "models")).code == 0
    listing = {m["name"]: m for m in cli("models", "list", "--json").json()}
    assert listing["fake"]["ready"] is True
    assert listing["hosted"]["ready"] is False
    assert "WORKBENCH_TEST_MISSING_KEY" in listing["hosted"]["detail"]
    offered = cli("models", "list", "--endpoint", server.openai_base_url, "--json").json()
    assert offered["models"]


def test_retry_errors_rescores_the_fixed_cells_as_they_land(
    cli: Cli, workspace: Path, home: Path, server: FakeLLMServer
) -> None:
    server.script(Reply.error(400, "bad request"), Reply.error(400, "bad request"))
    args = ("run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs")
    first = cli(*args, "--concurrency", "1", "--json")
    run_id = first.json()["run"]["id"]
    scored = cli("score", str(run_id), "--rubric", "polite", "--json").json()
    assert (scored["passed"], scored["errors"]) == (2, 2)

    retried = cli("runs", "retry-errors", str(run_id))
    assert retried.code == 0, retried.err
    assert "Re-scored the answered cells with polite@v1" in retried.err
    with Store.open(home / STORE_FILENAME) as store:  # read before anyone scores again
        [rubric_id] = store.rubric_ids_scored(run_id)
        scores = store.scores(run_id, rubric_id)
    assert len(scores) == 4 and all(s.passed and s.error is None for s in scores)


def test_retry_errors_scores_each_landed_cell_once_per_rubric(
    cli: Cli, workspace: Path, home: Path, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's own rubric is scored live by the executor; the landing re-scorer adds the
    other rubrics only, so no cell is scored (and written) twice with the same rubric."""
    server.script(Reply.error(400, "bad request"), Reply.error(400, "bad request"))
    args = ("run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs")
    first = cli(*args, "--rubric", "polite", "--concurrency", "1", "--json")
    run_id = first.json()["run"]
    assert cli("score", str(run_id), "--rubric", "carrier", "--json").code == 0

    written: Counter[tuple[str, str]] = Counter()
    original = Store.upsert_scores

    def counting(store: Store, run: int, scores: Sequence[CellScore]) -> int:
        for score in scores:
            written[(score.rubric_version_id, score.key.row_id)] += 1
        return original(store, run, scores)

    monkeypatch.setattr(Store, "upsert_scores", counting)
    retried = cli("runs", "retry-errors", str(run_id))
    assert retried.code == 0, retried.err
    with Store.open(home / STORE_FILENAME) as store:
        rubric_ids = set(store.rubric_ids_scored(run_id))
        answered = {cell.key.row_id for cell in store.cells(run_id) if cell.output}
    assert len(rubric_ids) == 2
    # Two cells landed; each was scored exactly once with each of the two rubrics.
    assert sorted(written.values()) == [1, 1, 1, 1], written
    assert {rubric for rubric, _ in written} == rubric_ids
    assert {row for _, row in written} <= answered
    assert "Re-scored the answered cells with carrier@v1\n" in retried.err


def test_progress_off_a_terminal_is_a_plain_line_not_a_redrawn_bar(
    cli: Cli, workspace: Path
) -> None:
    args = ("run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs", "--repeat", "3")
    result = cli(*args)
    assert result.code == 0, result.err
    progress = [line for line in result.err.splitlines() if line.startswith("run ")]
    assert len(progress) == 1 and progress[0].startswith("run 1: 12/12 cells"), result.err
    assert "━" not in result.err  # no bar characters in a log
    quiet = cli(*args, "--quiet")
    assert quiet.code == 0, quiet.err
    assert not [line for line in quiet.err.splitlines() if line.startswith("run ")], quiet.err
