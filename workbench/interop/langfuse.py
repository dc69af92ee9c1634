"""Langfuse prompts: export an approved bundle as prompt JSON, and import prompt JSON.

The JSON is the body Langfuse's create-prompt API takes (``POST /api/public/v2/prompts``):
``{name, type: "chat", prompt: [{role, content}], config: {model, temperature, ...}, labels,
tags, commitMessage}``. Langfuse fills ``{{variable}}`` by plain substitution, with no logic and
no fields. Templates that are only text and variables (once the persona is composed in) are
written in that form. A template with Jinja logic (``{% if %}``, loops, fields) is exported as
it is, as Langfuse advises Jinja users (store it, render it client-side): the config then says
``template_format: jinja2`` and lists the variables it needs, and the export warns.

Import reads one such object or a list of them (``type`` ``chat`` or ``text``); each becomes a
prompt family. Message placeholders, unknown roles, config keys other than model parameters, and
labels are listed as not imported rather than dropped silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.errors import FileFormatError
from workbench.core.models import ChatMessage, Kind, PromptContent
from workbench.core.templates import template_variables
from workbench.interop.bundle_model import ApprovedBundle, RenderedExport
from workbench.interop.bundle_templates import TemplateExportError, mustache_text
from workbench.interop.text import read_text
from workbench.store import Store

EXPORT_FILE = "langfuse-prompt.json"
PARAM_KEYS = ("temperature", "top_p", "max_tokens", "seed", "stop", "top_k")
_VARIABLE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def render_langfuse(bundle: ApprovedBundle) -> RenderedExport:
    """The Langfuse prompt JSON of a bundle.

    Templates Langfuse cannot fill by substitution are kept as Jinja2 (see the module
    docstring); the export then carries a warning instead of being refused.
    """
    export = RenderedExport()
    templates = bundle.messages()
    jinja = False
    try:
        messages = [
            {"role": t.role, "content": mustache_text(t, target="Langfuse")} for t in templates
        ]
    except TemplateExportError as error:
        jinja = True
        messages = [{"role": t.role, "content": t.source} for t in templates]
        export.warnings.append(
            "Langfuse fills {{variable}} by substitution only; these templates use Jinja"
            f" ({error}). They are exported as Jinja2 source with config.template_format"
            " 'jinja2': fetch the prompt and render it with jinja2 in your application"
        )
    model = bundle.model_content
    config: dict[str, Any] = {"model": model.model, "provider": model.provider, **bundle.params}
    if jinja:
        config["template_format"] = "jinja2"
        config["template_variables"] = sorted(set().union(*(t.variables for t in templates)))
    if model.base_url:
        config["base_url"] = model.base_url
    if model.api_key_env:
        config["api_key_env"] = model.api_key_env
    ids = bundle.approval.versions
    config["workbench"] = {
        "approval": bundle.approval.ref,
        "prompt": f"{bundle.prompt.ref} {ids.prompt_id}",
        "persona": f"{bundle.persona.ref} {ids.persona_id}" if bundle.persona else None,
        "model": f"{bundle.model.ref} {ids.model_id}",
        "rubric": f"{bundle.rubric.ref} {ids.rubric_id}",
    }
    body = {
        "name": bundle.approval.bundle,
        "type": "chat",
        "prompt": messages,
        "config": config,
        "labels": list(bundle.approval.labels),
        "tags": ["prompt-workbench", f"approval-{bundle.approval.number}"],
        "commitMessage": f"Approved bundle {bundle.title}"
        + (f": {bundle.approval.note}" if bundle.approval.note else ""),
    }
    export.files[EXPORT_FILE] = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    return export


@dataclass
class LangfuseImport:
    """What an import did: one entry per prompt, and what was not carried over."""

    saved: list[tuple[str, int, bool]] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def langfuse_template(text: str, *, where: str) -> str:
    """Langfuse ``{{variable}}`` text as a Jinja2 template that renders the same.

    Raises:
        FileFormatError: a variable name Jinja cannot read (naming it and its line).
    """
    out: list[str] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        out.append(_jinja_literal(text[position : match.start()]))
        name = match.group(1).strip()
        if not _IDENTIFIER.match(name):
            line = text.count("\n", 0, match.start()) + 1
            raise FileFormatError(
                f"{where}: variable '{{{{{match.group(1)}}}}}' on line {line} of the message is"
                " not a plain name (letters, digits and _)",
                path=where.split(",")[0],
            )
        out.append(f"{{{{ {name} }}}}")
        position = match.end()
    out.append(_jinja_literal(text[position:]))
    return "".join(out)


def _jinja_literal(text: str) -> str:
    if "{%" in text or "{#" in text or "{{" in text:
        return f"{{% raw %}}{text}{{% endraw %}}"
    return text


def family_name(text: str) -> str:
    """A valid family name from a prompt name: ``support/Orders v2`` → ``support-orders-v2``."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-._")
    return (slug or "imported")[:80]


def read_langfuse_prompts(path: Path) -> list[tuple[str, PromptContent, list[str]]]:
    """Parse a Langfuse prompt JSON file: (family name, content, not-imported parts) per prompt.

    Raises:
        FileFormatError: not JSON, or a prompt without a name or text (naming its position).
    """
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise FileFormatError(
            f"not valid JSON: {error.msg}", path=str(path), line=error.lineno, column=error.colno
        ) from None
    items = data if isinstance(data, list) else [data]
    parsed = []
    for number, item in enumerate(items, start=1):
        where = f"{path}, prompt {number}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise FileFormatError(f"prompt {number} needs a 'name'", path=str(path))
        parsed.append(_prompt(item, where=where, path=path))
    return parsed


def _prompt(
    item: dict[str, Any], *, where: str, path: Path
) -> tuple[str, PromptContent, list[str]]:
    name = family_name(item["name"])
    skipped: list[str] = []
    kind = item.get("type", "chat" if isinstance(item.get("prompt"), list) else "text")
    body = item.get("prompt")
    content: dict[str, Any] = {}
    if kind == "text":
        if not isinstance(body, str):
            raise FileFormatError(f"{where}: a text prompt needs 'prompt' as text", path=str(path))
        content["user"] = langfuse_template(body, where=where)
    elif kind == "chat":
        if not isinstance(body, list):
            raise FileFormatError(
                f"{where}: a chat prompt needs a list of messages", path=str(path)
            )
        messages = []
        for index, message in enumerate(body, start=1):
            if not isinstance(message, dict) or message.get("type") == "placeholder":
                label = message.get("name") if isinstance(message, dict) else message
                skipped.append(f"{item['name']}: message {index} is a placeholder ({label})")
                continue
            role = message.get("role")
            if role not in ("system", "user", "assistant") or not isinstance(
                message.get("content"), str
            ):
                skipped.append(f"{item['name']}: message {index} with role {role!r}")
                continue
            text = langfuse_template(message["content"], where=f"{where}, message {index}")
            messages.append(ChatMessage(role=role, content=text))
        if not messages:
            raise FileFormatError(f"{where}: no message could be imported", path=str(path))
        content["messages"] = tuple(messages)
    else:
        raise FileFormatError(f"{where}: unknown prompt type {kind!r}", path=str(path))
    config = item.get("config") or {}
    params = {key: config[key] for key in PARAM_KEYS if key in config}
    if params:
        content["params"] = params
    for key in config:
        if key not in PARAM_KEYS:
            skipped.append(f"{item['name']}: config '{key}' (only model parameters are imported)")
    for label in item.get("labels") or []:
        skipped.append(f"{item['name']}: label '{label}' (set labels after review)")
    prompt = PromptContent(**content)
    variables: set[str] = set()
    for message in prompt.messages or ():
        variables |= template_variables(message.content, name=name)
    if prompt.user is not None:
        variables |= template_variables(prompt.user, name=name)
    prompt = prompt.model_copy(update={"variables": dict.fromkeys(sorted(variables), "")})
    return name, PromptContent.model_validate(prompt.model_dump()), skipped


def import_langfuse(
    store: Store, path: Path, *, author: str, prefix: str | None = None
) -> LangfuseImport:
    """Save each prompt of a Langfuse JSON file as a version of a prompt family."""
    report = LangfuseImport()
    prompts = read_langfuse_prompts(path)
    for name, content, skipped in prompts:
        family = family_name(f"{prefix}-{name}") if prefix else name
        result = store.save_version(
            Kind.PROMPT, family, content, author=author, note=f"imported from Langfuse {path.name}"
        )
        report.saved.append((family, result.version.number, result.created))
        report.unsupported.extend(skipped)
    return report
