"""Parity on real configs: promptfoo's public examples, imported here and evaluated by promptfoo.

The configs in ``promptfoo_examples/`` are promptfoo's own examples (MIT, see the licence file
there); only their providers are changed, to point at the fake server. Both sides get the same
deterministic replies (`reply`), chosen so that about half of the assertions pass. For every
cell both evaluate, the verdict must be the same. A cell whose rubric needs an LLM judge is not
given the same fake judge: the workbench's judge and promptfoo's grader both call the fake
server, which grades by the rubric's wording (`grade`), so llm-rubric cells are compared too.

`test_example_configs_import_whole` runs without promptfoo; the parity test needs it (see
`test_promptfoo_parity.find_promptfoo`).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.interop.test_promptfoo_parity import find_promptfoo, run_promptfoo
from workbench.app.scoring import score_run
from workbench.core.models import Kind, ModelConfigContent
from workbench.core.runs import RunSpec
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions, RunEngine
from workbench.interop.promptfoo_import import import_promptfoo, read_promptfoo_config
from workbench.providers.registry import create_provider
from workbench.providers.secrets import SecretStore
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, last_user_text

EXAMPLES = Path(__file__).parent / "promptfoo_examples"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
KEYS = {
    name: "test-key"
    for name in (
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "CEREBRAS_API_KEY",
        "MISTRAL_API_KEY",
        "XAI_API_KEY",
        "GROQ_API_KEY",
    )
}
# A grading request (promptfoo's llm-rubric grader or the workbench's judge) gets an answer
# both read: promptfoo takes `pass` / `score`, the workbench `verdict`. Rubrics that mention
# these words fail, the others pass.
FAILING_RUBRICS = ("apologize", "accurately", "rabbits", "remaining apples")


def grade(request_text: str) -> str:
    passed = not any(word in request_text for word in FAILING_RUBRICS)
    return json.dumps(
        {
            "reasoning": "graded by the fake server",
            "reason": "graded by the fake server",
            "verdict": "pass" if passed else "fail",
            "pass": passed,
            "score": 1 if passed else 0,
        }
    )


# (words that must all be in the last user message, model prefix or "", reply); first match.
REPLIES: list[tuple[tuple[str, ...], str, str]] = [
    (("english to french", "hello world"), "", "Bonjour le monde"),
    (("translate to french", "hello world"), "", "Bonjour à tous"),
    (("spanish", "library"), "", "¿Dónde está la biblioteca?"),
    (("banana", "json"), "", '{"color": "yellow", "countries": ["Ecuador", "Brazil"]}'),
    (("passion fruit",), "", '{"color": "purple", "countries": ["Brazil", "Peru"]}'),
    (("conversational", "hello world"), "", "Hey there, world!"),
    (("french", "hello world"), "", "Bonjour le monde"),
    (("french", "hungry"), "", "J'ai faim"),
    (("pirate", "hello world"), "", "Ahoy, world!"),
    (("pirate", "hungry"), "", "I be wantin' food, matey"),
    (("pirate", "yes"), "", "Yarr"),
    (("pirate", "life in json"), "", "Once upon a time on the seven seas"),
    (("pirate", "quick brown fox"), "", "Arrr, the quick brown fox leaps over the lazy dog"),
    (("quantum entanglement",), "cerebras:llama-3.3", "I am not sure."),
    (("quantum entanglement",), "llama-3.3", "I am not sure."),
    (("quantum entanglement",), "", "Two particles keep a correlation over any distance."),
    (("transformer architecture",), "", "It reads all the words of a sentence at once."),
    (("black hole",), "", "Information may escape through Hawking radiation."),
    (
        ("john smith",),
        "",
        '{"name": "John Smith", "age": 35, "occupation": "software engineer",'
        ' "location": "San Francisco"}',
    ),
    (
        ("maria garcia",),
        "",
        '{"name": "Maria Garcia", "age": "28", "occupation": "data scientist",'
        ' "location": "New York City"}',
    ),
    (
        ("ahmed hassan",),
        "",
        '{"name": "Ahmed Hassan", "age": 42, "occupation": "cardiologist", "location": "London"}',
    ),
    (
        ("factorial",),
        "",
        'def factorial(n: int) -> int:\n    """Factorial by recursion."""\n'
        "    return 1 if n < 2 else n * factorial(n - 1)",
    ),
    (
        ("email address",),
        "",
        "function validate(email) { return /^[^@]+@[^@]+$/.test(email); } // a regex for email",
    ),
    (("fastapi",), "", "from fastapi import FastAPI\napp = FastAPI()"),
    (("react component",), "", "export default function Card() { return null; }"),
    (("baker",), "grok-3-fast", "33 cookies."),
    (("baker",), "grok-4.3", "33 cookies."),
    (
        ("baker",),
        "",
        "He starts with 3 boxes of 15 cookies, that is 45 cookies. After selling 12"
        " cookies, 45 - 12 = 33 cookies are left.",
    ),
    (("chickens and rabbits",), "magistral-small", "16 chickens and 14 rabbits."),
    (("chickens and rabbits",), "", "Step 1: 30 heads. Step 2: 16 chickens, 14 rabbits."),
    (("split a restaurant bill",), "", "Let Bob pay x; the equation 4x + 15 = 105 gives $22.50."),
    (("water tank",), "", "The net rate is 17 gallons/minute, so about 20 min."),
    (("machine learning and deep learning",), "grok-4.20", "Deep learning uses deep networks."),
    (
        ("machine learning and deep learning",),
        "",
        "Machine learning learns patterns from data"
        " with many methods; deep learning is the part of it that trains neural networks with many"
        " layers.",
    ),
    (("tweet", "bananas"), "", "Bananas: the best snack! #bananas"),
    (("tweet", "potatoes"), "", "Potatoes are great."),
    (("15 * 7",), "", '{"answer": 105, "explanation": "15 times 7 is 105"}'),
    (("23 + 19",), "", '{"answer": 41, "explanation": "adding"}'),
    (
        ("apples and oranges",),
        "",
        '{"item1": "apples", "item2": "oranges", "winner": "tie",'
        ' "reasoning": "Both are healthy fruits with different tastes."}',
    ),
    (("cats and dogs",), "", '{"winner": "cats", "reasoning": "quiet"}'),
    (("mouth and hear",), "", "An echo."),
    (("boat filled",), "", "They are all married."),
    (("less you see",), "", "Darkness."),
    (("keys but no locks",), "", "A piano."),
    (("water kills me",), "", "Fire."),
    (("staying in a corner",), "", "A letter."),
    (("forward i am heavy",), "", "Ton."),
    (("person who makes it",), "", "A coffin."),
    (("cracked, made",), "", "A joke."),
    (("keys but can't open",), "", "A keyboard."),
    (("light as a feather",), "", "Your breath."),
    (("fly without wings",), "", "Rain."),
    (("taken from a mine",), "", "Pencil lead."),
    (("snap, crackle",), "", "David."),
    (("machine learning",), "", "A field where an algorithm learns from data."),
    (("quantum physics",), "", "The physics of very small things."),
    (("climate change",), "", "Rising global temperature."),
    (("monkeys",), "", "Monkeys can count."),
]


def reply(body: dict[str, Any]) -> str:
    """The fake server's deterministic answer for both promptfoo and the workbench."""
    every = json.dumps(body.get("messages") or [], ensure_ascii=False) + str(body.get("system"))
    lowered = every.lower()
    if ("rubric" in lowered and "grad" in lowered) or "## reply to grade" in lowered:
        return grade(lowered)
    text = last_user_text(body).lower()
    model = str(body.get("model", ""))
    for words, model_prefix, answer in REPLIES:
        if all(word in text for word in words) and model.startswith(model_prefix):
            return answer
    return "I do not know."


@pytest.fixture(scope="module")
def promptfoo_cli() -> tuple[list[str], dict[str, str]]:
    found = find_promptfoo()
    if isinstance(found, str):
        pytest.skip(found)
    return found


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=reply) as srv:
        yield srv


def copy_example(name: str, folder: Path, server: FakeLLMServer) -> Path:
    """The example with its FAKE_* placeholders pointing at `server`; returns the config."""
    target = folder / name
    shutil.copytree(EXAMPLES / name, target)
    for path in target.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = text.replace("FAKE_BASE_URL", server.openai_base_url)
        text = text.replace("FAKE_ANTHROPIC_URL", server.base_url)
        path.write_text(text, encoding="utf-8")
    return target / "promptfooconfig.yaml"


def our_verdicts(
    store: Store, config: Path, base_url: str
) -> dict[tuple[int, int, int], bool | None]:
    """(model index, prompt index, test index) → verdict, from importing and running here."""
    import_promptfoo(store, config, author="parity")
    prompts = sorted(store.list_families(Kind.PROMPT), key=lambda f: f.created_at)
    models = sorted(store.list_families(Kind.MODEL), key=lambda f: f.created_at)
    dataset = store.list_families(Kind.DATASET)[0]
    prompt_ids = [store.resolve(Kind.PROMPT, f.name).id for f in prompts]
    model_ids = [store.resolve(Kind.MODEL, f.name).id for f in models]
    spec = RunSpec(
        prompt_ids=tuple(prompt_ids),
        model_ids=tuple(model_ids),
        dataset_id=store.resolve(Kind.DATASET, dataset.name).id,
        concurrency=4,
        use_cache=False,
    )
    secrets = SecretStore(KEYS, use_keyring=False)

    def factory(model: ModelConfigContent) -> Any:
        return create_provider(model, secrets=secrets, timeout_s=10)

    engine = RunEngine(
        store, factory, options=EngineOptions(retry=RetryPolicy(base_delay_s=0.01), seed=0)
    )
    run_id = engine.create_run(spec, "parity")
    asyncio.run(engine.execute(run_id))
    run = store.get_run(run_id)
    rows = {row.id: index for index, row in enumerate(store.dataset_rows(spec.dataset_id))}
    columns = {
        column.index: (model_ids.index(column.model_id), prompt_ids.index(column.prompt_id))
        for column in run.columns
    }
    rubric = store.resolve(Kind.RUBRIC, dataset.name)
    judge = ModelConfigContent(
        provider="openai-compatible", model="judge", base_url=base_url, params={"temperature": 0}
    )
    scored = score_run(store, run_id, rubric, judge_model=judge, provider_factory=factory)
    return {
        (*columns[key.column], rows[key.row_id]): result.passed
        for key, result in scored.results.items()
    }


def their_verdicts(output: dict[str, Any]) -> dict[tuple[int, int, int], bool | None]:
    """The same keys from promptfoo's results: columns are (provider, prompt) pairs."""
    providers: list[str] = []
    column_of: dict[int, tuple[int, int]] = {}
    seen: dict[str, int] = {}
    for index, column in enumerate(output["results"]["prompts"]):
        provider = str(column["provider"])
        if provider not in providers:
            providers.append(provider)
        column_of[index] = (providers.index(provider), seen.get(provider, 0))
        seen[provider] = seen.get(provider, 0) + 1
    verdicts: dict[tuple[int, int, int], bool | None] = {}
    for result in output["results"]["results"]:
        key = (*column_of[result["promptIdx"]], result["testIdx"])
        # A request promptfoo itself got wrong (the API refused it) has no verdict to compare.
        failed_call = (result.get("response") or {}).get("error")
        verdicts[key] = None if failed_call else bool(result["success"])
    return verdicts


def test_example_configs_import_whole() -> None:
    """≥ 90% of the examples import with nothing left out; the rest list what they leave."""
    whole = []
    for name in NAMES:
        plan = read_promptfoo_config(EXAMPLES / name / "promptfooconfig.yaml")
        assert plan.prompts and plan.models and plan.dataset is not None, name
        if not plan.unsupported:
            whole.append(name)
    assert len(NAMES) >= 15
    assert len(whole) / len(NAMES) >= 0.9, sorted(set(NAMES) - set(whole))


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_example_verdicts_match_promptfoo(
    name: str,
    store: Store,
    server: FakeLLMServer,
    tmp_path: Path,
    promptfoo_cli: tuple[list[str], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `similar` assertions embed through the OpenAI SDK's default endpoint on both sides.
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    config = copy_example(name, tmp_path / "configs", server)
    ours = our_verdicts(store, config, server.openai_base_url)
    command, env = promptfoo_cli
    env = {**env, **KEYS, "OPENAI_BASE_URL": server.openai_base_url}
    results_file = run_promptfoo((command, env), config, tmp_path, raw=True)
    theirs = their_verdicts(results_file)
    assert set(ours) == set(theirs)
    compared = {k: v for k, v in ours.items() if v is not None and theirs[k] is not None}
    # Only claude-vs-gpt has cells promptfoo cannot send: 0.123.1 passes a prompt file's
    # {messages: [...]} object to OpenAI as is, which the API refuses.
    assert len(compared) == len(ours) or name == "claude-vs-gpt", (name, ours, theirs)
    assert all(v is not None for v in ours.values()), name
    mismatches = {
        key: (value, theirs[key]) for key, value in compared.items() if value != theirs[key]
    }
    assert not mismatches, f"{name}: (model, prompt, test) → (ours, promptfoo): {mismatches}"
    checks = [
        bool(part.get("pass"))
        for result in results_file["results"]["results"]
        for part in (result.get("gradingResult") or {}).get("componentResults") or []
    ]
    print(
        f"PARITY {name}: cells={len(theirs)} compared={len(compared)}"
        f" promptfoo-pass={sum(1 for v in theirs.values() if v)} mismatches=0"
        f" assertions={len(checks)} assertions-passed={sum(checks)}"
    )
