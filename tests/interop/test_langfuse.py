"""Langfuse prompt JSON: export of an approved bundle, and import as prompt families."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.test_bundle_helpers import bundle_request, run_and_score, save_versions
from workbench.app.approvals import approve_bundle
from workbench.core.compose import render_messages
from workbench.core.errors import FileFormatError
from workbench.core.models import Kind, PromptContent
from workbench.interop.bundle_export import export_bundle
from workbench.interop.bundle_model import load_bundle
from workbench.interop.langfuse import import_langfuse, langfuse_template
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer

SIMPLE = PromptContent(
    system="{{ persona }}\n\nTu suis les commandes de Maison Lumière.",
    user="Statut : {{ order_status }}\nMessage : {{ message }}",
    params={"temperature": 0.3},
)


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


def _substitute(text: str, variables: dict[str, str]) -> str:
    """Langfuse's compile: each {{name}} replaced by the value, nothing else interpreted."""
    for name, value in variables.items():
        text = text.replace(f"{{{{{name}}}}}", value)
    return text


def test_export_is_the_create_prompt_body_and_renders_like_the_workbench(
    store: Store, server: FakeLLMServer, tmp_path: Path
) -> None:
    versions = save_versions(store, server, prompt=SIMPLE)
    run_id = run_and_score(store, versions)
    approval = approve_bundle(store, bundle_request(versions, run_id), reviewer="camille")
    store.set_bundle_label(approval.ref, "production", actor="camille")
    bundle = load_bundle(store, "order-support@production")
    [path] = export_bundle(bundle, "langfuse", tmp_path).files
    body = json.loads(path.read_text(encoding="utf-8"))
    assert set(body) == {"name", "type", "prompt", "config", "labels", "tags", "commitMessage"}
    assert (body["name"], body["type"], body["labels"]) == ("order-support", "chat", ["production"])
    assert body["config"]["model"] == "fake-gpt" and body["config"]["temperature"] == 0.3
    assert body["config"]["workbench"]["prompt"] == f"order-tracking@v1 {versions['prompt'].id}"
    assert [m["role"] for m in body["prompt"]] == ["system", "user"]
    assert body["prompt"][1]["content"] == "Statut : {{order_status}}\nMessage : {{message}}"
    assert "{{persona}}" not in body["prompt"][0]["content"]
    variables = {"order_status": "expédiée", "message": "Où est ma lampe ?"}
    expected = render_messages(
        SIMPLE, variables, prompt_name="p", persona_section=bundle.persona_section
    )
    compiled = [_substitute(m["content"], variables) for m in body["prompt"]]
    assert compiled == [m.content for m in expected]


def test_templates_with_logic_are_exported_as_jinja_with_a_warning(
    store: Store, server: FakeLLMServer, tmp_path: Path
) -> None:
    versions = save_versions(store, server)  # its system template has {% if order_status %}
    run_id = run_and_score(store, versions)
    approve_bundle(store, bundle_request(versions, run_id), reviewer="camille")
    result = export_bundle(load_bundle(store, "order-support"), "langfuse", tmp_path / "out")
    assert any("order-tracking@v1:system, line 3: {% if %}" in w for w in result.warnings)
    assert any("jinja2" in w for w in result.warnings)
    body = json.loads((tmp_path / "out" / "langfuse-prompt.json").read_text(encoding="utf-8"))
    assert body["config"]["template_format"] == "jinja2"
    assert "order_status" in body["config"]["template_variables"]
    assert "{% if order_status %}" in body["prompt"][0]["content"]


def test_import_reads_chat_and_text_prompts_and_lists_what_it_leaves_out(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "prompts.json"
    path.write_text(
        json.dumps(
            [
                {
                    "name": "support/Order Tracking",
                    "type": "chat",
                    "prompt": [
                        {"role": "system", "content": "Tu aides {{customer}}. Tarif {% fixe %}."},
                        {"type": "placeholder", "name": "history"},
                        {"role": "user", "content": "{{ message }}"},
                    ],
                    "config": {"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 300},
                    "labels": ["production"],
                },
                {"name": "greeting", "type": "text", "prompt": "Bonjour {{name}} !"},
            ]
        ),
        encoding="utf-8",
    )
    report = import_langfuse(store, path, author="camille")
    assert report.saved == [("support-order-tracking", 1, True), ("greeting", 1, True)]
    assert report.unsupported == [
        "support/Order Tracking: message 2 is a placeholder (history)",
        "support/Order Tracking: config 'model' (only model parameters are imported)",
        "support/Order Tracking: label 'production' (set labels after review)",
    ]
    chat = store.resolve(Kind.PROMPT, "support-order-tracking").content
    assert isinstance(chat, PromptContent) and chat.messages is not None
    assert chat.params == {"temperature": 0.2, "max_tokens": 300}
    assert set(chat.variables) == {"customer", "message"}
    rendered = render_messages(chat, {"customer": "Léa", "message": "Salut"}, prompt_name="c")
    assert [m.content for m in rendered] == ["Tu aides Léa. Tarif {% fixe %}.", "Salut"]
    text = store.resolve(Kind.PROMPT, "greeting").content
    assert isinstance(text, PromptContent) and text.user == "Bonjour {{ name }} !"
    again = import_langfuse(store, path, author="camille")
    assert [created for *_, created in again.saved] == [False, False]


def test_bad_variable_names_and_bad_json_are_located(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"'\{\{order-id\}\}' on line 2"):
        langfuse_template("Bonjour\nCommande {{order-id}}", where="p.json, prompt 1")
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x",\n "prompt": [}', encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"broken\.json:2:\d+: not valid JSON"):
        import_langfuse(Store.open(tmp_path / "s.sqlite"), path, author="a")
