"""The demo's kind of bundle — Jinja logic in the system prompt, on the embedded model — exports
in all four formats: Langfuse keeps the Jinja with a warning, code targets llama.cpp's server."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.interop.test_bundle_helpers import bundle_request, run_and_score, save_versions
from workbench.app.approvals import approve_bundle
from workbench.core.models import Kind, ModelConfigContent
from workbench.interop.bundle_export import FORMATS, export_bundle
from workbench.interop.bundle_model import load_bundle
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer


def test_a_bundle_on_the_embedded_model_exports_in_every_format(
    store: Store, tmp_path: Path
) -> None:
    with FakeLLMServer() as server:
        versions = save_versions(store, server)  # the system template has {% if order_status %}
        run_id = run_and_score(store, versions)
    approve_bundle(store, bundle_request(versions, run_id), reviewer="camille")
    local = store.save_version(
        Kind.MODEL, "smollm2-local", ModelConfigContent(provider="local", model="smollm2")
    ).version
    bundle = dataclasses.replace(load_bundle(store, "order-support"), model=local)

    results = {fmt: export_bundle(bundle, fmt, tmp_path / fmt) for fmt in FORMATS}
    assert all(result.files for result in results.values())

    langfuse = json.loads((tmp_path / "langfuse" / "langfuse-prompt.json").read_text("utf-8"))
    assert langfuse["config"]["template_format"] == "jinja2"
    assert {"message", "order_status"} <= set(langfuse["config"]["template_variables"])
    assert any("jinja2" in warning for warning in results["langfuse"].warnings)

    [module] = results["code"].files
    code = module.read_text(encoding="utf-8")
    ast.parse(code)
    assert "from openai import OpenAI" in code
    assert "DEFAULT_BASE_URL = 'http://127.0.0.1:8080/v1'" in code
    assert "API_KEY_ENV = None" in code
    assert "python -m llama_cpp.server --model" in code and ".gguf" in code
    assert any("llama_cpp.server" in warning for warning in results["code"].warnings)
    # The module really calls an OpenAI-compatible server (here the fake one, via its override).
    name = module.stem
    with FakeLLMServer() as server:
        completed = subprocess.run(
            [sys.executable, str(module), json.dumps({"message": "Où ?", "order_status": "ok"})],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, f"{name.upper()}_BASE_URL": server.openai_base_url},
            check=False,
        )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("Réponse à:")
