"""Exporting approved bundles: files (and back), code that really runs, and no secret anywhere."""

from __future__ import annotations

import json
import os
import py_compile
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tests.interop.test_bundle_helpers import BundleWorld, build_world
from workbench.app.approvals import ApprovalRequest, approve_bundle
from workbench.core.compose import render_messages
from workbench.core.errors import FileFormatError, KnownError
from workbench.core.models import Kind, ModelConfigContent, PromptContent
from workbench.core.versioning import content_hash
from workbench.interop.bundle_export import FORMATS, check_no_secrets, export_bundle
from workbench.interop.bundle_files import import_bundle_files
from workbench.interop.bundle_model import load_bundle
from workbench.interop.bundle_templates import TemplateExportError
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer

SENTINELS = {
    "OPENAI_API_KEY": "sk-sentinel-openai-0123456789abcdef",
    "ANTHROPIC_API_KEY": "sk-ant-sentinel-0123456789abcdef",
    "SUPPORT_KEY": "sentinel-custom-key-0123456789",
}


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture
def world(store: Store, server: FakeLLMServer) -> BundleWorld:
    return build_world(store, server)


def _override_bundle(
    store: Store, name: str, prompt: PromptContent, model: ModelConfigContent
) -> str:
    """Approve prompt + persona + model + rubric without a run (a written override)."""
    p = store.save_version(Kind.PROMPT, f"{name}-prompt", prompt).version
    m = store.save_version(Kind.MODEL, f"{name}-model", model).version
    approval = approve_bundle(
        store,
        ApprovalRequest(
            bundle=name,
            prompt=p.ref,
            persona="conseiller-vous",
            model=m.ref,
            rubric="support-basics",
            override_reason="approved from the design review, no run needed yet",
        ),
        reviewer="camille",
    )
    return approval.ref


def test_files_export_reimports_into_an_empty_workspace_with_the_same_hashes(
    store: Store, world: BundleWorld, open_store: Callable[[str], Store], tmp_path: Path
) -> None:
    bundle = load_bundle(store, "order-support")
    result = export_bundle(bundle, "files", tmp_path / "out")
    names = sorted(str(p.relative_to(tmp_path / "out")) for p in result.files)
    assert names == [
        "dataset.jsonl",
        "manifest.yaml",
        "model.yaml",
        "persona/persona.yaml",
        "persona/section.md",
        "prompt/prompt.yaml",
        "prompt/system.j2",
        "prompt/user.j2",
        "rubric.yaml",
    ]
    assert (tmp_path / "out/prompt/system.j2").read_text(encoding="utf-8") == (
        world.prompt.content.system
    )
    manifest = yaml.safe_load((tmp_path / "out/manifest.yaml").read_text(encoding="utf-8"))
    assert manifest["versions"]["prompt"]["id"] == world.prompt.id
    assert manifest["evidence"]["pass_rate"] == 1.0
    assert manifest["params"] == {"temperature": 0.2, "max_tokens": 200}

    other = open_store("elsewhere")
    report = import_bundle_files(other, tmp_path / "out", author="bob")
    assert {(kind, created) for kind, _, _, created in report.saved} == {
        (kind, True) for kind in (Kind.PROMPT, Kind.PERSONA, Kind.MODEL, Kind.RUBRIC, Kind.DATASET)
    }
    for version in (world.prompt, world.persona, world.model, world.rubric, world.dataset):
        copied = other.resolve(version.kind, version.family)
        assert copied.id == version.id == content_hash(version.kind, copied.content)
    again = import_bundle_files(other, tmp_path / "out", author="bob")
    assert not any(created for *_, created in again.saved)


def test_an_edited_bundle_file_is_refused_naming_it(
    store: Store, world: BundleWorld, open_store: Callable[[str], Store], tmp_path: Path
) -> None:
    export_bundle(load_bundle(store, "order-support"), "files", tmp_path / "out")
    user = tmp_path / "out/prompt/user.j2"
    user.write_text("Message : {{ message }}\n", encoding="utf-8")
    other = open_store("elsewhere")
    with pytest.raises(FileFormatError, match=r"prompt/user\.j2 no longer matches"):
        import_bundle_files(other, tmp_path / "out", author="bob")
    assert other.list_families() == []


def test_code_export_compiles_and_really_calls_the_sdk(
    store: Store, world: BundleWorld, server: FakeLLMServer, tmp_path: Path
) -> None:
    bundle = load_bundle(store, "order-support")
    result = export_bundle(bundle, "code", tmp_path / "code")
    [module] = result.files
    py_compile.compile(str(module), doraise=True)
    assert "workbench" not in module.read_text(encoding="utf-8").replace("Prompt Workbench", "")
    assert any("jinja2" in warning for warning in result.warnings)  # the prompt has {% if %}
    variables = {"message": "Où est mon colis 42 ?", "order_status": "expédiée"}
    server.clear_log()
    answer = _run_module(module, variables, {"ORDER_SUPPORT_V1_BASE_URL": server.openai_base_url})
    # The fake server answers with the first 40 characters of the user message.
    assert answer == ("Réponse à: " + "Message du client : Où est mon colis 42 ?"[:40]).strip()
    [request] = [r for r in server.requests if r.path == "/v1/chat/completions"]
    assert request.body is not None
    expected = render_messages(
        world.prompt.content,
        variables,
        prompt_name="p",
        persona_section=bundle.persona_section,
    )
    assert request.body["messages"] == [{"role": m.role, "content": m.content} for m in expected]
    assert request.body["temperature"] == 0.2 and request.body["max_tokens"] == 200


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_simple_templates_use_string_template_with_either_sdk(
    store: Store, world: BundleWorld, server: FakeLLMServer, tmp_path: Path, provider: str
) -> None:
    prompt = PromptContent(
        system="Tu es l'assistant de Maison Lumière. Livraison : 5 $.",
        user="Commande {{ order.id }} : {{ message }}",
    )
    base = server.base_url if provider == "anthropic" else server.openai_base_url
    model = ModelConfigContent(
        provider=provider,  # type: ignore[arg-type]
        model=f"{provider}-model",
        base_url=base,
        api_key_env="SUPPORT_KEY",
        params={"temperature": 0.1, "max_tokens": 64},
    )
    ref = _override_bundle(store, f"simple-{provider}", prompt, model)
    bundle = load_bundle(store, ref)
    [module] = export_bundle(bundle, "code", tmp_path / provider, environ=SENTINELS).files
    text = module.read_text(encoding="utf-8")
    assert "string.Template" in text and "jinja2" not in text
    assert "Livraison : 5 $$." in text and "${order.id}" in text
    server.clear_log()
    answer = _run_module(
        module,
        {"order": {"id": "ML-104522"}, "message": "où est-elle ?"},
        {f"SIMPLE_{provider.upper()}_V1_BASE_URL": base, **SENTINELS},
    )
    assert answer == "Réponse à: Commande ML-104522 : où est-elle ?"
    [request] = [r for r in server.requests if r.method == "POST"]
    assert request.auth_present
    body = request.body or {}
    if provider == "anthropic":
        assert body["system"].startswith("Tu es Camille, conseillère Maison Lumière.")
        assert body["system"].endswith("Tu es l'assistant de Maison Lumière. Livraison : 5 $.")
    else:
        assert body["messages"][0]["role"] == "system"
    assert body["max_tokens"] == 64 and body["temperature"] == 0.1
    assert SENTINELS["SUPPORT_KEY"] not in text


def _run_module(module: Path, variables: dict[str, object], env: dict[str, str]) -> str:
    # A clean interpreter in another folder: the module must not need this repository.
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = subprocess.run(
        [sys.executable, str(module), json.dumps(variables, ensure_ascii=False)],
        cwd=module.parent,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_no_export_format_ever_contains_a_key(
    store: Store,
    server: FakeLLMServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    build_world(store, server)
    exports = tmp_path / "exports"
    prompt = PromptContent(system="Tu aides les clients.", user="{{ message }}")
    for provider in ("openai", "anthropic", "openai-compatible"):
        model = ModelConfigContent(
            provider=provider,  # type: ignore[arg-type]
            model="m",
            base_url=server.openai_base_url,
            api_key_env="SUPPORT_KEY",
        )
        ref = _override_bundle(store, f"keys-{provider}", prompt, model)
        for fmt in FORMATS:
            export_bundle(load_bundle(store, ref), fmt, exports / provider / fmt)
    for fmt in ("files", "promptfoo", "code"):
        export_bundle(load_bundle(store, "order-support"), fmt, exports / "world" / fmt)
    written = [p for p in exports.rglob("*") if p.is_file()]
    assert len(written) > 30
    for path in written:
        text = path.read_text(encoding="utf-8")
        for value in SENTINELS.values():
            assert value not in text, path
    assert "SUPPORT_KEY" in (exports / "openai/promptfoo/promptfooconfig.yaml").read_text()


def test_a_key_pasted_into_content_refuses_the_export(
    store: Store, world: BundleWorld, tmp_path: Path
) -> None:
    with pytest.raises(KnownError, match=r"prompt\.json would contain the value of OPENAI_API_KEY"):
        check_no_secrets(
            {"prompt.json": f"use {SENTINELS['OPENAI_API_KEY']}"},
            [("OPENAI_API_KEY", SENTINELS["OPENAI_API_KEY"])],
        )
    prompt = PromptContent(user=f"Clé : {SENTINELS['OPENAI_API_KEY']} {{{{ message }}}}")
    model = ModelConfigContent(provider="openai", model="gpt-4o-mini")
    ref = _override_bundle(store, "leaky", prompt, model)
    with pytest.raises(KnownError, match="would contain the value of OPENAI_API_KEY"):
        export_bundle(load_bundle(store, ref), "files", tmp_path / "leak", environ=SENTINELS)
    assert not (tmp_path / "leak").exists()


def test_revoked_bundles_and_unportable_templates_are_refused(
    store: Store, world: BundleWorld, tmp_path: Path
) -> None:
    prompt = PromptContent(
        system="Tu es l'assistant.\n{{ message.strip() }}\n{% set x = 1 %}", user="{{ message }}"
    )
    model = ModelConfigContent(provider="openai", model="gpt-4o-mini")
    ref = _override_bundle(store, "fancy", prompt, model)
    with pytest.raises(TemplateExportError) as refused:
        export_bundle(load_bundle(store, ref), "promptfoo", tmp_path / "pf")
    message = str(refused.value)
    assert "fancy-prompt@v1:system, line 2: the method call '.strip()'" in message
    assert "line 3: {% set %} is not exported" in message
    store.revoke_approval("order-support", reason="persona changed", actor="camille")
    with pytest.raises(KnownError, match=r"was revoked by camille .* cannot be exported"):
        load_bundle(store, "order-support@v1")
