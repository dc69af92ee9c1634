"""promptfoo configs as people write them: what the importer reads with promptfoo's meaning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.models import DatasetRow, ModelConfigContent, RubricContent
from workbench.core.templates import render_template
from workbench.interop.promptfoo_compat import assertion_from_string, csv_test_fields
from workbench.interop.promptfoo_import import read_promptfoo_config, row_rubric
from workbench.scoring.results import ScoringContext
from workbench.scoring.rubric import score_output_sync
from workbench.store import Store
from workbench.testing.fake_llm import last_user_text

Write = Callable[[str, str], Path]


def verdict(rubric: RubricContent, row: DatasetRow, output: str) -> bool | None:
    from workbench.providers.embeddings import embed_texts  # as the app layer supplies it

    context = ScoringContext(output=output, row=row, embed=embed_texts)
    return score_output_sync(row_rubric(rubric, row), context).passed


@pytest.mark.parametrize(
    ("provider", "base_url", "key_env", "model"),
    [
        (
            "groq:llama-3.1-8b-instant",
            "https://api.groq.com/openai/v1",
            "GROQ_API_KEY",
            "llama-3.1-8b-instant",
        ),
        ("cerebras:llama3.1-8b", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY", "llama3.1-8b"),
        (
            "mistral:mistral-large-latest",
            "https://api.mistral.ai/v1",
            "MISTRAL_API_KEY",
            "mistral-large-latest",
        ),
        ("xai:grok-4", "https://api.x.ai/v1", "XAI_API_KEY", "grok-4"),
        (
            "together:meta-llama/Llama-3-8b-chat-hf",
            "https://api.together.xyz/v1",
            "TOGETHER_API_KEY",
            "meta-llama/Llama-3-8b-chat-hf",
        ),
        (
            "deepseek:deepseek-chat",
            "https://api.deepseek.com/v1",
            "DEEPSEEK_API_KEY",
            "deepseek-chat",
        ),
        (
            "openrouter:openai/gpt-4o",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            "openai/gpt-4o",
        ),
        ("perplexity:sonar", "https://api.perplexity.ai", "PERPLEXITY_API_KEY", "sonar"),
        (
            "fireworks:accounts/fireworks/models/llama-v3-8b-instruct",
            "https://api.fireworks.ai/inference/v1",
            "FIREWORKS_API_KEY",
            "accounts/fireworks/models/llama-v3-8b-instruct",
        ),
    ],
)
def test_openai_compatible_provider_ids_map_to_base_url_and_key(
    write: Write, provider: str, base_url: str, key_env: str, model: str
) -> None:
    config = write("c/promptfooconfig.yaml", f"prompts: ['{{{{q}}}}']\nproviders: ['{provider}']\n")
    plan = read_promptfoo_config(config)
    assert not plan.unsupported
    [(_, content)] = plan.models
    assert content == ModelConfigContent(
        provider="openai-compatible",
        model=model,
        base_url=base_url,
        api_key_env=key_env,
        params={"temperature": 0, "max_tokens": 1024},
    )


def test_azure_uses_the_api_host_and_request_defaults_follow_promptfoo(write: Write) -> None:
    config = write(
        "c/promptfooconfig.yaml",
        """\
prompts: ['{{q}}']
providers:
  - id: azure:chat:my-deployment
    config: {apiHost: my-org.openai.azure.com, temperature: 0.5}
  - openai:gpt-5
  - id: openai:gpt-4.1
    config: {max_tokens: 50}
""",
    )
    plan = read_promptfoo_config(config)
    azure, gpt5, gpt41 = (content for _, content in plan.models)
    assert azure.base_url == "https://my-org.openai.azure.com/openai/v1"
    assert azure.api_key_env == "AZURE_API_KEY"
    assert azure.params == {"temperature": 0.5, "max_tokens": 1024}
    assert gpt5.params == {}  # reasoning models get neither default
    assert gpt41.params == {"temperature": 0, "max_tokens": 50}


def test_yaml_12_booleans_refs_transforms_and_no_assertions(write: Write) -> None:
    config = write(
        "c/promptfooconfig.yaml",
        """\
prompts: ['{{ body }}']
providers: [openai:gpt-4.1-mini]
assertionTemplates:
  pirate: {type: icontains, value: arrr}
defaultTest:
  options:
    transform: output.trim()
tests:
  - description: yes stays text
    vars: {body: Yes, flag: on, real: true}
    assert:
      - $ref: '#/assertionTemplates/pirate'
  - description: json transform
    vars: {body: json}
    options:
      transform: JSON.parse(output)
    assert:
      - type: javascript
        value: output.score > 0.5
      - type: contains-any
        transform: output.tags
        value: [red, blue]
  - description: nothing to check
    vars: {body: anything}
""",
    )
    plan = read_promptfoo_config(config)
    assert not plan.unsupported
    assert plan.rubric is not None and plan.dataset is not None
    yes, as_json, nothing = plan.dataset.rows
    assert yes.vars == {"body": "Yes", "flag": "on", "real": True}
    assert verdict(plan.rubric, yes, "  Arrr!  ") is True
    assert verdict(plan.rubric, yes, "Hello") is False
    assert verdict(plan.rubric, as_json, '{"score": 0.9, "tags": ["red"]}') is True
    assert verdict(plan.rubric, as_json, '{"score": 0.9, "tags": ["green"]}') is False
    assert verdict(plan.rubric, as_json, '{"score": 0.1, "tags": ["red"]}') is False
    assert verdict(plan.rubric, nothing, "whatever") is True  # promptfoo: no assertions = pass


def test_csv_expected_metadata_and_config_columns(write: Write) -> None:
    write(
        "c/tests.csv",
        "topic,__expected1,__expected2,__metadata:category,__config:__expected2:threshold\n"
        'ml,"contains: algorithm","javascript: output.length / 100",tech,0.5\n'
        "sea,\"fn:output.includes('wave')\",is-json,nature,\n",
    )
    config = write(
        "c/promptfooconfig.yaml",
        "prompts: ['{{topic}}']\nproviders: [openai:gpt-4.1]\ntests: file://tests.csv\n",
    )
    plan = read_promptfoo_config(config)
    assert plan.rubric is not None and plan.dataset is not None
    ml, sea = plan.dataset.rows
    assert ml.vars == {"topic": "ml"}
    assert ml.asserts == (
        {"type": "contains", "value": "algorithm"},
        {"type": "javascript", "value": "output.length / 100", "threshold": 0.5},
    )
    assert verdict(plan.rubric, ml, "an algorithm " + "x" * 60) is True
    assert verdict(plan.rubric, ml, "an algorithm") is False  # 0.12 < threshold 0.5
    assert verdict(plan.rubric, sea, "a wave") is False  # not JSON
    assert any("metadata 'category'" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("icontains:bonjour", {"type": "icontains", "value": "bonjour"}),
        ("not-contains: sorry", {"type": "not-contains", "value": "sorry"}),
        ("contains-any: a, b", {"type": "contains-any", "value": ["a", "b"]}),
        ("levenshtein(3): hello", {"type": "levenshtein", "value": "hello", "threshold": 3.0}),
        ("grade: is polite", {"type": "llm-rubric", "value": "is polite"}),
        ("python: len(output) > 3", {"type": "python", "value": "len(output) > 3"}),
        ("is-json", {"type": "is-json"}),
        ("Just the answer", {"type": "equals", "value": "Just the answer"}),
    ],
)
def test_expected_cells_read_like_promptfoo(text: str, entry: dict[str, object]) -> None:
    assert assertion_from_string(text) == entry


def test_metadata_list_columns_split_on_unescaped_commas() -> None:
    plain, fields = csv_test_fields({"q": "x", "__metadata:tags[]": "a,b\\,c"})
    assert plain == {"q": "x"} and fields["metadata"] == {"tags": ["a", "b\\,c"]}


def test_prompt_files_with_messages_and_content_parts_and_the_load_filter(write: Write) -> None:
    write(
        "c/prompt.yaml",
        """\
messages:
  - role: system
    content:
      - type: text
        text: 'Be concise'
  - role: user
    content: 'Tone {{ (style | load).tone }}: {{ riddle }}'
""",
    )
    config = write(
        "c/promptfooconfig.yaml",
        "prompts: [file://prompt.yaml]\nproviders:\n  - id: anthropic:messages:claude-x\n"
        "    config: {cache_control: {type: ephemeral}}\n",
    )
    plan = read_promptfoo_config(config)
    assert not plan.unsupported
    [(_, prompt)] = plan.prompts
    assert prompt.messages is not None
    assert prompt.messages[0].content == "Be concise"
    rendered = render_template(
        prompt.messages[1].content, {"style": '{"tone": "dry"}', "riddle": "r"}, name="t"
    )
    assert rendered == "Tone dry: r"


def test_unsupported_parts_are_listed_and_the_rest_imported(write: Write) -> None:
    config = write(
        "c/promptfooconfig.yaml",
        """\
prompts: ['{{q}}']
providers:
  - id: openai:gpt-4.1
    prompts: [p1]
defaultTest:
  assert:
    - type: select-best
      value: pick the best
tests:
  - vars: {q: a}
    providers: [openai:gpt-4.1]
    assert:
      - type: javascript
        value: output.length > 1
""",
    )
    plan = read_promptfoo_config(config)
    assert plan.rubric is not None and plan.dataset is not None
    assert any("'prompts' filter" in line for line in plan.unsupported)
    assert any("'providers' filter" in line for line in plan.unsupported)
    assert any("type 'select-best'" in line for line in plan.unsupported)
    assert [a["type"] for a in plan.dataset.rows[0].asserts] == ["javascript"]


def test_similar_uses_the_embedding_provider_promptfoo_would(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.testing.fake_llm import FakeLLMServer

    config = write(
        "c/promptfooconfig.yaml",
        """\
prompts: ['{{q}}']
providers: [openai:gpt-4.1]
defaultTest:
  options:
    provider:
      embedding: {id: openai:embedding:text-embedding-3-small, config: {apiBaseUrl: BASE}}
tests:
  - vars: {q: a}
    assert:
      - {type: similar, value: the cat sat on the mat, threshold: 0.8}
      - {type: not-similar, value: stock prices fell sharply}
""",
    )
    with FakeLLMServer() as server:
        config.write_text(config.read_text().replace("BASE", server.openai_base_url))
        plan = read_promptfoo_config(config)
        assert not plan.unsupported and plan.rubric is not None and plan.dataset is not None
        [row] = plan.dataset.rows
        assert verdict(plan.rubric, row, "The cat sat on the mat") is True
        assert verdict(plan.rubric, row, "A dog ran in the park") is False
        requests = [r for r in server.requests if r.path == "/v1/embeddings"]
        assert requests and all(
            r.body is not None and r.body["model"] == "text-embedding-3-small" for r in requests
        )


def test_the_benchmark_config_contains_plus_javascript_imports_and_runs(
    write: Write, store: Store
) -> None:
    # The peer benchmark's config: its only default assertions are contains + javascript.
    from tests.interop.test_promptfoo_examples_parity import our_verdicts
    from workbench.testing.fake_llm import FakeLLMServer

    with FakeLLMServer(responder=lambda body: f"Answer: {last_user_text(body)}") as server:
        config = write(
            "bench/promptfooconfig.yaml",
            f"""\
prompts: ['Summarise {{{{topic}}}}', 'Explain {{{{topic}}}} briefly']
providers:
  - id: openai:chat:fake-small
    config: {{apiBaseUrl: {server.openai_base_url}}}
defaultTest:
  assert:
    - type: contains
      value: Answer
    - type: javascript
      value: output.length > 25
tests:
  - vars: {{topic: tides}}
  - vars: {{topic: the history of printing}}
""",
        )
        plan = read_promptfoo_config(config)
        assert not plan.unsupported and plan.rubric is not None
        assert [c.kind for c in plan.rubric.criteria] == ["contains", "javascript"]
        verdicts = our_verdicts(store, config, server.openai_base_url)
    # "Answer: Summarise tides" is 23 characters: only that cell fails the javascript check.
    assert verdicts == {(0, 0, 0): False, (0, 1, 0): True, (0, 0, 1): True, (0, 1, 1): True}
