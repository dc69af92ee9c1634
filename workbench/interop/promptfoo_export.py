"""Export an approved bundle as a promptfoo config that the promptfoo CLI runs as is.

Files written: ``promptfooconfig.yaml`` and ``prompt.json``, a chat prompt with the persona
composed in. promptfoo renders each string of a JSON chat prompt with Nunjucks; the templates are
printed in the subset Jinja2 and Nunjucks read alike (`workbench.interop.bundle_templates`), and
an export with a construct outside it is refused, naming the template and line.

Providers: ``openai:chat:MODEL`` (``apiBaseUrl`` for another endpoint, ``apiKeyEnvar`` for a key
variable other than ``OPENAI_API_KEY``), ``anthropic:messages:MODEL``, and OpenAI-compatible
servers as ``openai:chat:MODEL`` with ``apiBaseUrl`` (and ``apiKeyRequired: false`` when they
need no key). Keys appear only as variable names. Tests come from the approval's dataset, asserts
from the rubric (see `workbench.interop.promptfoo_rubric`); what has no equivalent is listed in a
comment at the top of the file and in the export's ``unsupported`` list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from workbench.core.models import DatasetRow, ModelConfigContent
from workbench.core.templates import render_template
from workbench.interop.bundle_model import ApprovedBundle, RenderedExport
from workbench.interop.bundle_templates import PortableTemplate, TemplateExportError, iter_issues
from workbench.interop.promptfoo_rubric import row_asserts, rubric_asserts
from workbench.interop.yaml_io import dump_yaml
from workbench.providers.compat import resolve_base_url

CONFIG_FILE = "promptfooconfig.yaml"
PROMPT_FILE = "prompt.json"
LOCAL_SERVER_URL = "http://127.0.0.1:8080/v1"
_OPENAI_KNOWN = ("temperature", "top_p", "seed", "stop", "max_tokens")
_ANTHROPIC_KNOWN = ("temperature", "top_p", "top_k", "max_tokens")


def provider_entry(
    config: ModelConfigContent, params: Mapping[str, Any], *, label: str
) -> tuple[dict[str, Any], list[str]]:
    """The promptfoo provider for a model config and its merged params, and any caveats."""
    warnings: list[str] = []
    options: dict[str, Any] = {}
    if config.provider == "anthropic":
        provider_id = f"anthropic:messages:{config.model}"
        for key, value in params.items():
            if key in _ANTHROPIC_KNOWN:
                options[key] = value
            else:
                warnings.append(f"model parameter '{key}' is not passed to promptfoo's Anthropic")
        if config.base_url:
            options["apiBaseUrl"] = config.base_url
        if config.api_key_env and config.api_key_env != "ANTHROPIC_API_KEY":
            warnings.append(
                f"promptfoo reads the Anthropic key from ANTHROPIC_API_KEY: set it from"
                f" {config.api_key_env} before running"
            )
        return {"id": provider_id, "label": label, "config": options}, warnings
    provider_id = f"openai:chat:{config.model}"
    passthrough: dict[str, Any] = {}
    for key, value in params.items():
        if key in _OPENAI_KNOWN:
            options[key] = value
        elif key == "json_schema":
            options["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": params.get("json_schema_name", "answer"), "schema": value},
            }
        elif key != "json_schema_name":
            passthrough[key] = value
    if passthrough:
        options["passthrough"] = passthrough
    if config.provider == "openai":
        if config.base_url:
            options["apiBaseUrl"] = config.base_url
        if config.api_key_env and config.api_key_env != "OPENAI_API_KEY":
            options["apiKeyEnvar"] = config.api_key_env
    else:
        if config.provider == "local":
            warnings.append(
                f"the embedded model runs here only: serve it with `python -m llama_cpp.server`"
                f" and point apiBaseUrl at it (exported as {LOCAL_SERVER_URL})"
            )
            options["apiBaseUrl"] = LOCAL_SERVER_URL
        else:
            options["apiBaseUrl"] = resolve_base_url(config.base_url or "")
        if config.api_key_env:
            options["apiKeyEnvar"] = config.api_key_env
        else:
            options["apiKeyRequired"] = False
    return {"id": provider_id, "label": label, "config": options}, warnings


def chat_prompt_json(templates: list[PortableTemplate]) -> str:
    """The JSON chat prompt promptfoo reads from a file (each string rendered by Nunjucks)."""
    messages = [{"role": t.role, "content": t.source} for t in templates]
    return json.dumps(messages, ensure_ascii=False, indent=2) + "\n"


def promptfoo_vars(
    row: DatasetRow, templates: list[PortableTemplate], warnings: list[str]
) -> dict[str, Any]:
    """A row's variables as promptfoo must receive them to render the same text.

    A variable that is only printed gets Jinja's text for it (``True``, ``1.0``, a list's
    Python form), since JavaScript would print another; variables used in conditions or loops
    keep their JSON value. Values promptfoo changes before rendering are reported.
    """
    printed = set().union(*(t.printed for t in templates)) if templates else set()
    tested = set().union(*(t.tested for t in templates)) if templates else set()
    out: dict[str, Any] = {}
    for name, value in row.vars.items():
        if name in printed and name not in tested and not isinstance(value, str):
            value = render_template("{{ value }}", {"value": value}, name=f"row {row.id}")
        out[name] = value
        where = f"row {row.id}, variable '{name}'"
        if isinstance(value, str):
            if value.endswith("\n"):
                warnings.append(f"{where}: promptfoo drops one trailing line break from values")
            if value.startswith("file://"):
                warnings.append(f"{where}: promptfoo loads values starting with file:// as files")
            if "{{" in value:
                warnings.append(f"{where}: promptfoo substitutes {{{{ }}}} inside values")
        elif name in tested and isinstance(value, list | dict) and not value:
            warnings.append(
                f"{where}: an empty list or object is false in Jinja but true in Nunjucks"
            )
        elif name in tested and isinstance(value, float | bool) and name in printed:
            warnings.append(f"{where}: Jinja and Nunjucks print {value!r} differently")
    return out


def render_promptfoo(bundle: ApprovedBundle) -> RenderedExport:
    """Render the config and prompt files of the promptfoo export.

    Raises:
        TemplateExportError: a template uses a construct Nunjucks cannot render the same way.
    """
    templates = bundle.messages()
    issues = list(iter_issues(templates))
    if issues:
        raise TemplateExportError("promptfoo", issues)
    export = RenderedExport()
    converted = rubric_asserts(bundle.rubric_content)
    export.unsupported.extend(f"rubric {bundle.rubric.ref} {u}" for u in converted.unsupported)
    export.warnings.extend(converted.notes)
    provider, provider_warnings = provider_entry(
        bundle.model_content, bundle.params, label=bundle.model.ref
    )
    export.warnings.extend(provider_warnings)
    tests: list[dict[str, Any]] = []
    dataset = bundle.dataset_content
    if dataset is None:
        export.warnings.append("the approval names no dataset: the config has no tests")
    else:
        for row in dataset.rows:
            test: dict[str, Any] = {
                "description": row.id,
                "vars": promptfoo_vars(row, templates, export.warnings),
            }
            asserts = row_asserts(row, converted)
            if asserts:
                test["assert"] = asserts
            tests.append(test)
    default_test: dict[str, Any] = {}
    if converted.asserts:
        default_test["assert"] = converted.asserts
    if converted.threshold is not None:
        default_test["threshold"] = converted.threshold
    parts = [bundle.prompt.ref, *([bundle.persona.ref] if bundle.persona else [])]
    document: dict[str, Any] = {
        "description": f"{bundle.approval.ref}: {' + '.join(parts)} on {bundle.model.ref}",
        "prompts": [{"id": f"file://{PROMPT_FILE}", "label": " + ".join(parts)}],
        "providers": [provider],
    }
    if default_test:
        document["defaultTest"] = default_test
    document["tests"] = tests
    export.files[PROMPT_FILE] = chat_prompt_json(templates)
    export.files[CONFIG_FILE] = _header(bundle, export) + dump_yaml(document)
    return export


def _header(bundle: ApprovedBundle, export: RenderedExport) -> str:
    ids = bundle.approval.versions
    lines = [
        f"# promptfoo config exported by Prompt Workbench from bundle {bundle.approval.ref}",
        f"# prompt {bundle.prompt.ref} ({ids.prompt_id[:12]})",
    ]
    if bundle.persona is not None and ids.persona_id:
        lines.append(
            f"# persona {bundle.persona.ref} ({ids.persona_id[:12]}), composed into the prompt"
        )
    lines += [
        f"# model {bundle.model.ref} ({ids.model_id[:12]})",
        f"# rubric {bundle.rubric.ref} ({ids.rubric_id[:12]})",
        "# Run it with: npx promptfoo eval -c promptfooconfig.yaml (API keys from the environment)",
    ]
    if export.unsupported:
        lines.append("# Not exported (no promptfoo equivalent):")
        lines += [f"#   - {item}" for item in export.unsupported]
    if export.warnings:
        lines.append("# Notes:")
        lines += [f"#   - {item}" for item in export.warnings]
    return "\n".join(line.replace("\n", " ") for line in lines) + "\n"
