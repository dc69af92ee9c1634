"""End to end: ``run --perturb paraphrase --perturb-model`` and ``dataset add-noisy … --model``.

The rewriter is an ``openai`` model config, so its calls go through the real openai SDK, to the
fake server's `paraphrase_responder` (``Re-bonjour ! Salut, …``, numbers kept; a
``[[para:drop]]`` mark in a message makes it drop the order number every time).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from workbench.testing.fake_llm import FakeLLMServer, paraphrase_responder

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
name: mentions-order
version: 1
threshold: 1.0
criteria:
- kind: contains
  config:
    value: commande
"""


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=paraphrase_responder) as srv:
        yield srv


@pytest.fixture
def workspace(
    tmp_path: Path, server: FakeLLMServer, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("PARAPHRASE_TEST_KEY", "sk-fake-paraphrase")
    ws = tmp_path / "ws"
    for folder in ("prompts", "datasets", "models", "rubrics"):
        (ws / folder).mkdir(parents=True)
    (ws / "prompts" / "ask.yaml").write_text(PROMPT, encoding="utf-8")
    lines = [
        f'{{"id": "r{i}", "vars": {{"message": "Bonjour, où est ma commande ML-10{i} ?"}},'
        f' "tags": ["fr"]}}\n'
        for i in range(1, 6)
    ]
    lines.append(
        '{"id": "r6", "vars": {"message": "Bonjour, ma commande ML-106 [[para:drop]] ?"},'
        ' "tags": ["fr"]}\n'
    )
    (ws / "datasets" / "msgs.jsonl").write_text("".join(lines), encoding="utf-8")
    (ws / "models" / "fake.yaml").write_text(
        "kind: model\nname: fake\nversion: 1\nprovider: openai-compatible\nmodel: fake-model\n"
        f"base_url: {server.openai_base_url}\n",
        encoding="utf-8",
    )
    (ws / "models" / "rewriter.yaml").write_text(
        "kind: model\nname: rewriter\nversion: 1\nprovider: openai\nmodel: rewriter-model\n"
        f"base_url: {server.openai_base_url}\napi_key_env: PARAPHRASE_TEST_KEY\n"
        "input_usd_per_mtok: 1000\noutput_usd_per_mtok: 1000\n",
        encoding="utf-8",
    )
    (ws / "rubrics" / "mentions-order.yaml").write_text(RUBRIC, encoding="utf-8")
    assert cli("import", *(str(ws / f) for f in sorted(p.name for p in ws.iterdir()))).code == 0
    return ws


def rewrites_asked(server: FakeLLMServer) -> int:
    return sum(
        1
        for r in server.requests
        if r.body and "Tu réécris" in str(r.body["messages"][0]["content"])
    )


def _run(cli: Cli, *extra: str) -> object:
    return cli(
        "run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs",
        "--rubric", "mentions-order", "--perturb", "paraphrase,accents",
        "--perturb-model", "rewriter", *extra,
    )  # fmt: skip


def test_run_with_paraphrases_reports_their_delta_and_reuses_the_cache(
    cli: Cli, workspace: Path, server: FakeLLMServer
) -> None:
    result = _run(cli, "--json")
    assert result.code == 0, result.err  # type: ignore[attr-defined]
    err = result.err  # type: ignore[attr-defined]
    assert "Paraphrased 6 text(s) with rewriter@v1: 7 call(s), 0 from cache" in err
    assert "1 row(s) kept their original text (tagged paraphrase:fallback)" in err
    assert "first: r6 — the rewrite dropped 'ML-106'" in err
    assert rewrites_asked(server) == 7  # r6 asked twice
    rewrites = [r for r in server.requests if r.body and "Tu réécris" in str(r.body["messages"])]
    assert all(r.auth_present for r in rewrites)  # the SDK sent the key
    assert all("OpenAI/Python" in r.headers["user-agent"] for r in rewrites)
    sent = [r.body["messages"][-1]["content"].strip() for r in server.requests if r.body]
    assert "Re-bonjour ! Salut, où est ma commande ML-101 ?" in sent  # the run used it
    deltas = {(d["column"], d["perturbation"]) for d in result.json()["robustness"]["deltas"]}  # type: ignore[attr-defined]
    assert deltas == {(0, "paraphrase"), (0, "accents")}
    run_id = result.json()["run"]  # type: ignore[attr-defined]

    variants = cli("runs", "variants", str(run_id), "--row", "r1")
    assert "r1~paraphrase  (paraphrase, message)" in variants.out
    assert "{+ ! Salut+}" in variants.out

    again = _run(cli)
    assert again.code == 0  # type: ignore[attr-defined]
    assert "7 call(s)" not in again.err  # type: ignore[attr-defined]
    assert "0 call(s), 7 from cache, $0.0000" in again.err  # type: ignore[attr-defined]
    assert rewrites_asked(server) == 7


def test_paraphrase_without_a_model_is_a_usage_error(cli: Cli, workspace: Path) -> None:
    result = cli(
        "run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs", "--perturb", "paraphrase"
    )
    assert result.code == 2
    assert "--perturb-model" in result.err
    alone = cli(
        "run", "--prompt", "ask", "--model", "fake", "--dataset", "msgs",
        "--perturb-model", "rewriter",
    )  # fmt: skip
    assert alone.code == 2
    intensity = cli("dataset", "add-noisy", "msgs", "--perturb", "paraphrase:0.5")
    assert intensity.code == 2
    assert "takes no intensity" in " ".join(intensity.err.split())


def test_add_noisy_paraphrases_within_a_budget(
    cli: Cli, workspace: Path, server: FakeLLMServer
) -> None:
    stopped = cli(
        "dataset", "add-noisy", "msgs", "--perturb", "paraphrase", "--model", "rewriter",
        "--budget", "0.5",
    )  # fmt: skip
    assert stopped.code == 1
    err = " ".join(stopped.err.split())
    assert "paraphrasing stopped after" in err and "budget of $0.5" in err
    assert "Nothing was saved" in err
    paid = rewrites_asked(server)
    assert 0 < paid < 6
    assert cli("dataset", "show", "msgs@v2").code == 1

    saved = cli(
        "dataset", "add-noisy", "msgs", "--perturb", "paraphrase", "--model", "rewriter", "--json"
    )
    assert saved.code == 0, saved.err
    data = saved.json()
    assert data["added"] == 6
    assert data["paraphrase"]["cache_hits"] == paid
    assert [f["row"] for f in data["paraphrase"]["fallbacks"]] == ["r6"]
    shown = cli("dataset", "show", "msgs", "--json", "--rows", "0").json()
    rows = {row["id"]: row for row in shown["rows"]}
    assert rows["r2~paraphrase"]["vars"]["message"] == (
        "Re-bonjour ! Salut, où est ma commande ML-102 ?"
    )
    assert rows["r2~paraphrase"]["tags"] == ["fr", "noise:paraphrase", "variant-of:r2"]
    assert "paraphrase:fallback" in rows["r6~paraphrase"]["tags"]
    assert rows["r6~paraphrase"]["vars"]["message"] == rows["r6"]["vars"]["message"]
