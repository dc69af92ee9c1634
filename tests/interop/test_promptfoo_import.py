"""Importing promptfoo configs: prompts, providers, tests, asserts, and nothing lost silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.core.compose import render_messages
from workbench.core.errors import FileFormatError, KnownError
from workbench.core.models import (
    DatasetContent,
    Kind,
    ModelConfigContent,
    PromptContent,
    RubricContent,
)
from workbench.interop.promptfoo_import import import_promptfoo, read_promptfoo_config, row_rubric
from workbench.scoring.results import ScoringContext
from workbench.scoring.rubric import score_output_sync
from workbench.store import Store

CONFIG = """\
description: Order tracking checks
prompts:
  - id: file://prompts/chat.json
    label: chat
  - file://prompts/variants.txt
providers:
  - id: openai:chat:gpt-4o-mini
    config:
      temperature: 0.2
      max_tokens: 300
      apiKeyEnvar: SUPPORT_OPENAI_KEY
  - id: openai:chat:llama3
    label: local-llama
    config:
      apiBaseUrl: http://127.0.0.1:8080/v1
      apiKeyRequired: false
      frequency_penalty: 0.5
  - anthropic:messages:claude-haiku-4-5
  - id: openai:chat:gpt-4o
    config:
      apiKey: sk-should-never-be-stored-0123456789
  - echo
defaultTest:
  vars:
    shop: Maison Lumière
  assert:
    - type: icontains
      value: commande
    - type: not-contains
      value: désolé
      metric: no-apology
    - type: icontains
      value: "{{ order_id }}"
  threshold: 1
tests:
  - description: shipped
    vars:
      message: Où est ma commande ?
      order_id: ML-104522
    assert:
      - type: regex
        value: "ML-\\\\d{6}"
      - type: javascript
        value: output.length < 500
  - vars:
      message: Je veux me faire rembourser
      order_id: ML-200001
    options:
      provider: openai:gpt-4o
  - description: languages
    vars:
      message: Hello
      order_id: ML-300003
      language: [French, German]
    metadata:
      tags: [en]
      owner: camille
outputPath: results.json
"""


def write_config(folder: Path, text: str = CONFIG) -> Path:
    (folder / "prompts").mkdir(parents=True, exist_ok=True)
    (folder / "prompts" / "chat.json").write_text(
        json.dumps(
            [
                {"role": "system", "content": "Tu es l'assistant de {{ shop }}."},
                {"role": "user", "content": "{{message}}"},
            ]
        ),
        encoding="utf-8",
    )
    (folder / "prompts" / "variants.txt").write_text(
        "Réponds au client : {{ message }}\n---\nRéponds en {{ language }} : {{ message }}\n",
        encoding="utf-8",
    )
    path = folder / "promptfooconfig.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_becomes_prompts_models_a_dataset_and_a_rubric(
    store: Store, tmp_path: Path
) -> None:
    path = write_config(tmp_path / "tracking")
    report = import_promptfoo(store, path, author="camille")
    saved = {(kind, name) for kind, name, number, created in report.saved}
    assert saved == {
        (Kind.PROMPT, "tracking-chat"),
        (Kind.PROMPT, "tracking-prompt-2"),
        (Kind.PROMPT, "tracking-prompt-3"),
        (Kind.MODEL, "tracking-gpt-4o-mini"),
        (Kind.MODEL, "tracking-local-llama"),
        (Kind.MODEL, "tracking-claude-haiku-4-5"),
        (Kind.MODEL, "tracking-gpt-4o"),
        (Kind.DATASET, "tracking"),
        (Kind.RUBRIC, "tracking"),
    }
    chat = store.resolve(Kind.PROMPT, "tracking-chat").content
    assert isinstance(chat, PromptContent) and chat.messages is not None
    assert set(chat.variables) == {"shop", "message"}
    text = store.resolve(Kind.PROMPT, "tracking-prompt-3").content
    assert isinstance(text, PromptContent)
    assert text.user == "Réponds en {{ language }} : {{ message }}"

    gpt = store.resolve(Kind.MODEL, "tracking-gpt-4o-mini").content
    assert gpt == ModelConfigContent(
        provider="openai",
        model="gpt-4o-mini",
        api_key_env="SUPPORT_OPENAI_KEY",
        params={"temperature": 0.2, "max_tokens": 300},
    )
    local = store.resolve(Kind.MODEL, "tracking-local-llama").content
    assert isinstance(local, ModelConfigContent)
    assert (local.provider, local.base_url) == ("openai-compatible", "http://127.0.0.1:8080/v1")
    # unknown options pass through; promptfoo's request defaults fill what is not set
    assert local.params == {"frequency_penalty": 0.5, "temperature": 0, "max_tokens": 1024}
    stored = store.resolve(Kind.MODEL, "tracking-gpt-4o").content
    assert "sk-should-never" not in stored.model_dump_json()

    data = store.resolve(Kind.DATASET, "tracking").content
    assert isinstance(data, DatasetContent)
    assert [row.id for row in data.rows] == [
        "shipped",
        "2",
        "languages [language=French]",
        "languages [language=German]",
    ]
    shipped = data.rows[0]
    assert shipped.vars == {
        "shop": "Maison Lumière",
        "message": "Où est ma commande ?",
        "order_id": "ML-104522",
    }
    assert [a["type"] for a in shipped.asserts] == ["icontains", "regex", "javascript"]
    assert data.rows[2].tags == ("en",) and data.rows[2].vars["language"] == "French"

    rubric = store.resolve(Kind.RUBRIC, "tracking").content
    assert isinstance(rubric, RubricContent)
    assert [(c.kind, c.name) for c in rubric.criteria] == [
        ("icontains", None),
        ("not-contains", "no-apology"),
    ]
    assert rubric.description == "Order tracking checks"

    assert report.unsupported == [
        "provider 'openai:chat:gpt-4o': apiKey (keys are never stored; set apiKeyEnvar)",
        "provider 'echo' (not an OpenAI-compatible, OpenAI, Anthropic or Ollama id)",
    ]
    assert "top-level 'outputPath' is a promptfoo run setting: not imported" in report.notes
    assert "test 'languages': metadata 'owner' is not imported" in report.notes


def test_row_rubric_scores_like_promptfoo_combines_default_and_test_asserts(
    store: Store, tmp_path: Path
) -> None:
    plan = read_promptfoo_config(write_config(tmp_path / "tracking"))
    assert plan.rubric is not None and plan.dataset is not None
    shipped = plan.dataset.rows[0]
    rubric = row_rubric(plan.rubric, shipped)
    kinds = [c.kind for c in rubric.criteria]
    assert kinds == ["icontains", "not-contains", "icontains", "regex", "javascript"]
    assert rubric.criteria[2].config == {"value": "ML-104522"}  # rendered with the row's vars

    def verdict(output: str) -> bool | None:
        return score_output_sync(rubric, ScoringContext(output=output, row=shipped)).passed

    assert verdict("Votre commande ML-104522 est partie.") is True
    assert verdict("Votre commande ML-104522 : désolé du retard.") is False
    assert verdict("Votre commande ML-1045 est partie.") is False
    assert verdict("Votre commande ML-104522 est partie." + "!" * 500) is False  # javascript


def test_prompts_render_the_way_promptfoo_fills_them(store: Store, tmp_path: Path) -> None:
    plan = read_promptfoo_config(write_config(tmp_path / "tracking"))
    assert plan.dataset is not None
    row = plan.dataset.rows[0]
    name, chat = plan.prompts[0]
    messages = render_messages(chat, row.vars, prompt_name=name)
    assert [(m.role, m.content) for m in messages] == [
        ("system", "Tu es l'assistant de Maison Lumière."),
        ("user", "Où est ma commande ?"),
    ]


def test_problems_are_located_and_nothing_is_written(store: Store, tmp_path: Path) -> None:
    bad_yaml = write_config(tmp_path / "a", "prompts: [unclosed\n")
    with pytest.raises(FileFormatError, match=r"promptfooconfig\.yaml:\d+:\d+: not valid YAML"):
        import_promptfoo(store, bad_yaml, author="x")
    missing = write_config(
        tmp_path / "b", "prompts:\n  - file://nope/*.txt\nproviders: [openai:gpt-4o]\n"
    )
    with pytest.raises(FileFormatError, match=r"promptfooconfig\.yaml:2: no prompt file matches"):
        import_promptfoo(store, missing, author="x")
    bad_template = write_config(
        tmp_path / "c",
        'prompts: ["Bonjour {{ name "]\nproviders: [openai:gpt-4o]\ntests:\n  - vars: {name: a}\n',
    )
    with pytest.raises(KnownError, match="syntax error"):
        import_promptfoo(store, bad_template, author="x")
    no_provider = write_config(tmp_path / "d", "prompts: [Bonjour]\nproviders: [echo]\n")
    with pytest.raises(FileFormatError, match="no provider could be imported"):
        import_promptfoo(store, no_provider, author="x")
    assert store.list_families() == []
