"""``workbench logs …`` end to end through the real CLI, on the shipped demo-shop sample."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli
from workbench.testing.shop_logs import write_jsonl


def _sample(tmp_path: Path, n: int = 120) -> Path:
    path = tmp_path / "shop.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(out, n, seed=21)
    return path


def test_import_list_analyse_show_to_dataset(cli: Cli, tmp_path: Path) -> None:
    path = _sample(tmp_path)
    imported = cli("logs", "import", str(path), "--name", "shop", "--no-ner", "--json")
    assert imported.code == 0, imported.err
    data = imported.json()
    assert data["status"] == "imported" and data["version"] == "shop@v1"
    assert data["replacements"]["EMAIL"] > 0
    again = cli("logs", "import", str(path), "--name", "shop", "--no-ner", "--json")
    assert again.json()["status"] == "already-imported"

    listed = cli("logs", "list", "--json").json()
    assert listed[0]["family"] == "shop" and listed[0]["conversations"] == 120

    analysis = cli("logs", "analyse", "shop", "--by", "week", "--json").json()
    assert analysis["conversations"] == 120 and analysis["gaps"]
    assert {"containment", "handoff", "unanswered", "csat"} <= set(analysis["kpis"][0])
    human = cli("logs", "analyse", "shop", "--top", "3")
    assert human.code == 0 and "Knowledge-base gaps" in human.out

    worst = analysis["gaps"][0]
    made = cli(
        "logs",
        "to-dataset",
        "shop",
        "--cluster",
        str(worst),
        "--dataset",
        "kb-gaps",
        "--unanswered",
        "--json",
    )
    assert made.code == 0, made.err
    assert made.json()["rows"] > 0
    rows = cli("dataset", "show", "kb-gaps", "--json").json()["rows"]
    conversation = rows[0]["vars"]["source_conversation"]

    transcript = cli("logs", "show", "shop", conversation, "--json").json()
    assert transcript["summary"]["conversation"] == conversation
    assert any(m["id"] == rows[0]["vars"]["source_message"] for m in transcript["messages"])
    found = cli("logs", "show", "shop", "--search", "commande", "--json").json()
    assert found and all("conversation" in s for s in found)


def test_bad_lines_are_listed_and_refused_then_skipped(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = {
        "conversation_id": "a",
        "timestamp": "2026-11-02T10:00:00Z",
        "role": "user",
        "text": "Bonjour",
    }
    path.write_text(json.dumps(good) + "\n{broken\n", encoding="utf-8")
    refused = cli("logs", "import", str(path), "--no-ner")
    assert refused.code == 1
    assert f"{path}:2: not valid JSON" in refused.err and "Traceback" not in refused.err
    skipped = cli("logs", "import", str(path), "--no-ner", "--skip-bad")
    assert skipped.code == 0 and f"skipped {path}:2" in skipped.err


def test_unknown_log_and_usage_errors(cli: Cli) -> None:
    missing = cli("logs", "analyse", "nope")
    assert missing.code == 1 and "no conversation log named 'nope'" in missing.err
    usage = cli("logs", "to-dataset", "nope", "--dataset", "x")
    assert usage.code == 1 and "--cluster" in usage.err


def test_to_scenarios_from_the_worst_gap_then_simulate(cli: Cli, tmp_path: Path) -> None:
    from workbench.testing.fake_llm import FakeLLMServer, conversation_responder

    path = _sample(tmp_path, 80)
    assert cli("logs", "import", str(path), "--name", "shop", "--no-ner").code == 0
    usage = cli("logs", "to-scenarios", "shop", "--name", "replays", "--gap", "1")
    assert usage.code == 1 and "has not been analysed yet" in usage.err
    assert cli("logs", "analyse", "shop", "--json").code == 0
    both = cli("logs", "to-scenarios", "shop", "--name", "x", "--gap", "1", "--cluster", "0")
    assert both.code == 1 and "choose one of" in both.err and "Traceback" not in both.err
    made = cli(
        "logs", "to-scenarios", "shop", "--gap", "1", "--unanswered", "--name", "replays", "--json"
    )
    assert made.code == 0, made.err
    data = made.json()
    assert data["conversations"] == "replays@v1" and data["cases"] > 0
    assert data["shape"] == "script" and data["left_to_fill"] > 0
    human = cli("logs", "to-scenarios", "shop", "--gap", "1", "--unanswered", "--name", "replays")
    assert human.code == 0 and "Unchanged: replays@v1" in human.err
    picked = cli(
        "logs", "to-scenarios", "shop", "--name", "picked", "--shape", "scenario",
        "--conversation", "conv-21-0000001", "--conversation", "conv-21-0000002", "--json",
    )  # fmt: skip
    assert picked.code == 0, picked.err
    assert picked.json()["cases"] == 2

    with FakeLLMServer(responder=conversation_responder) as server:
        model = tmp_path / "fake.yaml"
        model.write_text(
            "kind: model\nname: fake\nprovider: openai-compatible\nmodel: fake\n"
            f"base_url: {server.openai_base_url}\n"
        )
        prompt = tmp_path / "helpdesk.yaml"
        prompt.write_text(
            "kind: prompt\nname: helpdesk\nsystem: Tu aides les clients de la boutique.\n"
            "user: '{{ message }}'\n"
        )
        assert cli("import", str(model), str(prompt)).code == 0
        run = cli(
            "simulate", "--prompt", "helpdesk", "--model", "fake", "--conversations", "replays",
            "--json",
        )  # fmt: skip
        assert run.code == 0, run.err
        report = run.json()
        assert report["status"] == "finished"
        assert report["columns"][0]["conversations"] == data["cases"]
        assert report["columns"][0]["errors"] == 0


def test_analyse_with_embeddings_from_a_configured_model(cli: Cli, tmp_path: Path) -> None:
    from workbench.testing.fake_llm import FakeLLMServer

    path = _sample(tmp_path, 60)
    assert cli("logs", "import", str(path), "--name", "shop", "--no-ner").code == 0
    with FakeLLMServer() as server:
        for name, extra in (
            ("emb", f"provider: openai-compatible\nmodel: e\nbase_url: {server.openai_base_url}"),
            ("claude", "provider: anthropic\nmodel: claude-x"),
        ):
            model = tmp_path / f"{name}.yaml"
            model.write_text(f"kind: model\nname: {name}\n{extra}\n")
            assert cli("import", str(model)).code == 0
        done = cli("logs", "analyse", "shop", "--embeddings", "emb", "--clusters", "4", "--json")
        assert done.code == 0, done.err
        assert done.json()["clustering"] == "embeddings:emb" and done.json()["gaps"]
        assert any(r.path.endswith("/embeddings") for r in server.requests)
        refused = cli("logs", "analyse", "shop", "--embeddings", "claude")
        assert refused.code == 1 and "Anthropic has no embeddings endpoint" in refused.err
        assert "Traceback" not in refused.err
