"""``workbench simulate …`` end to end: the real CLI, the demo workspace, the fake server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import CliResult
from workbench.cli.main import main
from workbench.providers.local_llama import llama_cpp_available
from workbench.testing.fake_llm import FakeLLMServer, conversation_responder

Cli = Callable[..., CliResult]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_AUTHOR", "tester")

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def fake(tmp_path: Path, cli: Cli) -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=conversation_responder) as srv:
        model = tmp_path / "fake.yaml"
        model.write_text(
            "kind: model\nname: fake\nprovider: openai-compatible\nmodel: fake\n"
            f"base_url: {srv.openai_base_url}\n"
        )
        assert cli("import", str(Path(__file__).resolve().parents[2])).code == 0
        assert cli("import", str(model)).code == 0
        yield srv


SIM = (
    "simulate", "--prompt", "order-tracking@v2", "--prompt", "order-tracking@v3",
    "--persona", "conseiller-vous", "--model", "fake", "--conversations", "maison-lumiere",
    "--customer", "teen-sms", "--customer", "elderly-formal", "--simulator", "fake",
    "--max-turns", "3",
)  # fmt: skip


def test_simulate_reports_columns_and_gates_on_outcomes(cli: Cli, fake: FakeLLMServer) -> None:
    result = cli(*SIM, "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["status"] == "finished" and len(data["columns"]) == 2
    # 4 scenarios × 2 customers + 1 scripted case per column; the tourist's scenario is
    # written for the tourist-en customer only, who is not in this simulation.
    assert [c["conversations"] for c in data["columns"]] == [9, 9]
    assert all(c["errors"] == 0 for c in data["columns"])
    gated = cli(*SIM, "--fail-under", "0.99", "--json")
    assert gated.code == 3
    assert gated.json()["failed"] == [0, 1]
    assert gated.json()["calls"] == 0  # replayed from the cache


def test_judge_gives_the_final_mood(cli: Cli, fake: FakeLLMServer) -> None:
    result = cli(*SIM, "--cases", "late-parcel", "--judge", "fake", "--json")
    assert result.code == 0, result.err
    assert [c["moods"] for c in result.json()["columns"]] == [{"neutral": 2}, {"neutral": 2}]


def test_list_show_export_and_compare(cli: Cli, fake: FakeLLMServer, tmp_path: Path) -> None:
    assert cli(*SIM, "--cases", "late-parcel,scripted-tracking").code == 0
    listed = cli("simulate", "list", "--json").json()
    run = listed[0]["id"]
    shown = cli("simulate", "show", run, "--case", "scripted-tracking")
    assert shown.code == 0 and "Bonjour, où en est ma commande ML-104522 ?" in shown.out
    out = tmp_path / "x.jsonl"
    assert cli("simulate", "export", run, str(out)).code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 2 * (2 + 1)
    assert all(line["messages"][0]["role"] == "user" for line in lines)
    via_runs = cli("runs", "show", run, "--json")
    assert via_runs.code == 0 and len(via_runs.json()["columns"]) == 2
    out2 = tmp_path / "y.jsonl"
    assert cli("runs", "export", run, "--out", str(out2)).code == 0
    assert out2.read_text() == out.read_text()
    compared = cli("simulate", "compare", run, "0", "1", "--json")
    assert compared.code == 0 and compared.json()["rows"] >= 1


def test_bad_selection_is_a_clear_error(cli: Cli, fake: FakeLLMServer) -> None:
    no_customer = cli(
        "simulate", "--prompt", "order-tracking", "--model", "fake",
        "--conversations", "maison-lumiere", "--simulator", "fake",
    )  # fmt: skip
    assert no_customer.code == 1 and "--customer" in no_customer.err
    unknown = cli(*SIM[:-2], "--customer", "nobody")
    assert unknown.code == 1 and "nobody" in unknown.err and "Traceback" not in unknown.err


def test_conversations_import_lists_what_is_not_mapped(cli: Cli, tmp_path: Path) -> None:
    convo = tmp_path / "order.convo.txt"
    convo.write_text("Order\n\n#me\nBonjour\nBUTTONS a|b\n\n#bot\nBonjour !\n")
    result = cli("conversations", "import", str(convo))
    assert result.code == 0, result.err
    assert "order@v1: 1 cases" in result.err and "not mapped: BUTTONS" in result.err
    bad = tmp_path / "bad.convo.txt"
    bad.write_text("T\n\n#me\nA\n\n#me\nB\n")
    refused = cli("conversations", "import", str(bad))
    assert refused.code == 1 and "bad.convo.txt:6: two #me sections in a row" in refused.err


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(not llama_cpp_available(), reason="the embedded model needs the 'local' extra")
def test_short_simulation_on_the_embedded_model(cli: Cli) -> None:
    # One scenario, one customer, one prompt version, 2 exchanges: at most 4 calls.
    result = cli(
        "simulate", "--demo", "--prompt", "order-tracking@v3", "--cases", "late-parcel",
        "--max-turns", "2", "--no-cache", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    (column,) = result.json()["columns"]
    assert column["conversations"] == 1 and sum(column["stop_reasons"].values()) == 1
    run = cli("simulate", "list", "--json").json()[0]["id"]
    (conversation,) = cli("simulate", "show", run, "--case", "late-parcel", "--json").json()
    roles = [m["role"] for m in conversation["messages"]]
    if conversation["status"] == "error":
        # A 135M simulator may write an empty or runaway message: an error, never a fail.
        assert conversation["stop_reason"] == "simulator_error", conversation
        assert column["errors"] == 1
    else:
        assert roles[:2] == ["user", "assistant"], conversation
        assert all(m["content"].strip() for m in conversation["messages"])
