"""End to end: ``run --perturb``, the robustness delta in ``runs show`` and ``compare``,
``runs variants`` and ``dataset add-noisy``, against the fake OpenAI-compatible server.

The fake server answers ``Réponse à: <the message>``, so a rubric asking for the word
``commande`` passes on the clean rows and fails wherever SMS-speak wrote ``cmd`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from workbench.testing.fake_llm import FakeLLMServer

PROMPT = """kind: prompt
name: ask{n}
version: 1
system: |
  Tu réponds aux clients{n}.
user: |
  {{{{ message }}}}
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
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture
def workspace(tmp_path: Path, server: FakeLLMServer, cli: Cli) -> Path:
    ws = tmp_path / "ws"
    for folder in ("prompts", "datasets", "models", "rubrics"):
        (ws / folder).mkdir(parents=True)
    for n in ("", "2"):
        (ws / "prompts" / f"ask{n}.yaml").write_text(PROMPT.format(n=n), encoding="utf-8")
    (ws / "datasets" / "msgs.jsonl").write_text(
        "".join(
            f'{{"id": "r{i}", "vars": {{"message": "Bonjour, où est ma commande ML-10{i}?",'
            f' "order_id": "ML-10{i}"}}, "tags": ["fr"]}}\n'
            for i in range(1, 13)
        ),
        encoding="utf-8",
    )
    (ws / "models" / "fake.yaml").write_text(
        "kind: model\nname: fake\nversion: 1\nprovider: openai-compatible\nmodel: fake-model\n"
        f"base_url: {server.openai_base_url}\n",
        encoding="utf-8",
    )
    (ws / "rubrics" / "mentions-order.yaml").write_text(RUBRIC, encoding="utf-8")
    assert cli("import", *(str(ws / f) for f in sorted(p.name for p in ws.iterdir()))).code == 0
    return ws


def _run(cli: Cli, *extra: str) -> object:
    return cli(
        "run", "--prompt", "ask", "--prompt", "ask2", "--model", "fake", "--dataset", "msgs",
        "--rubric", "mentions-order", *extra,
    )  # fmt: skip


def test_run_with_perturbations_reports_the_delta_and_gates(
    cli: Cli, workspace: Path, server: FakeLLMServer
) -> None:
    result = _run(cli, "--perturb", "sms,accents", "--perturb-seed", "7", "--json")
    assert result.code == 0, result.err  # type: ignore[attr-defined]
    data = result.json()  # type: ignore[attr-defined]
    assert "Perturbed 12 rows with sms,accents (seed 7): 24 noisy variants in msgs.noisy@v1" in (
        result.err  # type: ignore[attr-defined]
    )
    # Every original and every variant reached the model, the variants as written.
    sent = [r.body["messages"][-1]["content"].strip() for r in server.requests]
    assert len(sent) == 2 * 36
    assert "Bjr, où est ma cmd ML-101?" in sent
    assert "Bonjour, ou est ma commande ML-101?" in sent
    deltas = {(d["column"], d["perturbation"]): d for d in data["robustness"]["deltas"]}
    sms = deltas[(0, "sms")]
    assert (sms["original_pass_rate"], sms["variant_pass_rate"], len(sms["flipped"])) == (1, 0, 12)
    assert sms["mcnemar_p"] == pytest.approx(2 / 2**12)
    assert sms["verdict"] == (
        "sms cost 100 points of pass rate (100% → 0% on 12 pairs), p < 0.001; 12 rows flip"
        " pass→fail"
    )
    assert deltas[(1, "accents")]["variant_pass_rate"] == 1
    run_id = data["run"]

    shown = cli("runs", "show", str(run_id))
    assert shown.code == 0
    assert "Robustness: originals vs noisy variants" in shown.out
    assert "#0: sms cost 100 points of pass rate" in shown.out
    assert "look first at: r1, r2, r3" in shown.out
    as_json = cli("runs", "show", str(run_id), "--json").json()
    assert len(as_json["robustness"]["deltas"]) == 4

    compared = cli("compare", str(run_id), "0", "1")
    assert compared.code == 0
    assert "#1: accents left the pass rate unchanged" in compared.out

    variants = cli("runs", "variants", str(run_id), "--row", "r1")
    assert variants.code == 0
    assert "r1~sms  (sms, message)" in variants.out
    assert "[-onjou-]{+j+}r" in variants.out or "B[-on-]j[-ou-]r" in variants.out
    assert "ML-101" in variants.out

    # The gate applies to the noisy pass rates too.
    gated = _run(cli, "--perturb", "sms,accents", "--perturb-seed", "7", "--fail-under", "0.5")
    assert gated.code == 3  # type: ignore[attr-defined]
    assert "under sms: pass rate 0%" in gated.err  # type: ignore[attr-defined]
    # The same seed reuses the same dataset version of variants.
    assert "msgs.noisy@v1" in gated.err  # type: ignore[attr-defined]


def test_bad_perturbations_are_usage_errors_naming_the_valid_ones(
    cli: Cli, workspace: Path
) -> None:
    for bad, problem in (
        ("typoes", "unknown perturbation 'typoes'"),
        ("typos:1.5", "intensity 1.5 of perturbation 'typos' is outside 0–1"),
    ):
        result = _run(cli, "--perturb", bad)
        assert result.code == 2  # type: ignore[attr-defined]
        err = " ".join(result.err.split())  # type: ignore[attr-defined]
        assert problem in err
        assert "accents, typos, letters, sms, caps, punctuation, phonetic" in err


def test_missing_protected_fields_are_said_once(cli: Cli, workspace: Path) -> None:
    result = _run(cli, "--perturb", "caps", "--protect", "customer_email")
    assert result.code == 0  # type: ignore[attr-defined]
    err = result.err  # type: ignore[attr-defined]
    assert err.count("lack the protected field(s) customer_email") == 1
    assert "12 row(s)" in err


def test_dataset_add_noisy_saves_a_new_version(cli: Cli, workspace: Path) -> None:
    result = cli("dataset", "add-noisy", "msgs", "--perturb", "typos:0.2,caps", "--rows", "r1,r2")
    assert result.code == 0, result.err
    assert "Saved msgs@v2" in result.err and "4 noisy variants added" in result.err
    shown = cli("dataset", "show", "msgs", "--json", "--rows", "0").json()
    ids = [row["id"] for row in shown["rows"]]
    assert ids[:4] == ["r1", "r1~typos", "r1~caps", "r2"]
    caps = shown["rows"][2]
    assert caps["vars"]["message"] == "BONJOUR, OÙ EST MA COMMANDE ML-101?"
    assert caps["tags"] == ["fr", "noise:caps", "variant-of:r1"]
    original = cli("dataset", "show", "msgs@v1", "--json", "--rows", "0").json()
    assert len(original["rows"]) == 12
    bad = cli("dataset", "add-noisy", "msgs", "--perturb", "nope")
    assert bad.code == 2
