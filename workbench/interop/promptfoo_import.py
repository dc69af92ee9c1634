"""Import a promptfoo config: prompts, providers, tests and asserts become workbench families.

What becomes what:

* ``prompts`` (inline text or chat JSON, ``file://`` paths and globs, ``{id|raw, label}``
  objects; a text file holding several prompts separated by ``---`` lines) → prompt families;
  a text prompt is a user template, as promptfoo sends it;
* ``providers`` (``openai:chat:M``, ``openai:M``, ``anthropic:messages:M``, ``anthropic:M``,
  ``ollama:chat:M``, with ``config``) → model configs; ``apiBaseUrl`` makes an OpenAI provider
  OpenAI-compatible; ``apiKeyEnvar`` becomes ``api_key_env``; an ``apiKey`` is never imported;
* ``tests`` (inline, or a ``file://`` dataset file) with ``defaultTest.vars`` merged in, and
  array-valued vars expanded into one test per value as promptfoo does → one dataset;
* ``defaultTest.assert`` (and ``threshold``) → a rubric, through
  `workbench.scoring.promptfoo_asserts`; an assertion whose value uses ``{{ vars }}`` is kept on
  every row instead, since it differs per row. Each test's own ``assert`` is kept on its row
  (`DatasetRow.asserts`); scoring applies them with the rubric's criteria, under the rubric's
  threshold, as promptfoo combines them (`workbench.scoring.promptfoo_asserts.row_rubric`,
  re-exported here as `row_rubric`).

Everything else — unknown keys, provider types, config options, per-test thresholds or options,
unsupported assertion types — is listed by name in the report, never dropped silently. The whole
config is read and checked before anything is written.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import yaml

from workbench.core.errors import FileFormatError, KnownError, ValidationError
from workbench.core.models import (
    ChatMessage,
    Content,
    DatasetContent,
    Kind,
    ModelConfigContent,
    PromptContent,
    RubricContent,
)
from workbench.core.templates import template_variables
from workbench.interop.dataset_rows import RowCollector, describe_validation_error, row_id_from
from workbench.interop.datasets import EXTENSIONS, read_dataset
from workbench.interop.langfuse import family_name
from workbench.interop.promptfoo_compat import (
    Yaml12Loader,
    compatible_provider,
    csv_test_fields,
    openai_defaults,
    resolve_refs,
)
from workbench.interop.text import read_text
from workbench.interop.yaml_io import line_of, load_yaml
from workbench.scoring.promptfoo_asserts import (
    TEST_TRANSFORM,
    criteria_from_promptfoo,
    row_rubric,
    rubric_from_promptfoo,
)
from workbench.store import Store

KNOWN_TOP = ("description", "prompts", "providers", "tests", "defaultTest", "assertionTemplates")
# Run settings of promptfoo's own CLI: they change nothing that is imported.
RUN_SETTINGS = (
    "outputPath",
    "sharing",
    "writeLatestResults",
    "evaluateOptions",
    "commandLineOptions",
    "env",
    "tags",
    "metadata",
    "outputs",
)
# OpenAI request options promptfoo sends as given: kept as request parameters.
_PASSTHROUGH_KEYS = (
    "max_completion_tokens",
    "reasoning_effort",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "user",
    "verbosity",
)
_TEXT_FILES = (".txt", ".md", ".j2", ".html", ".xml", ".csv", ".tsv")
_PARAM_KEYS = (
    "temperature",
    "max_tokens",
    "top_p",
    "seed",
    "stop",
    "top_k",
    "frequency_penalty",
    "presence_penalty",
)
_PROMPT_SPLIT = re.compile(r"^---$", re.MULTILINE)


@dataclass
class PromptfooPlan:
    """A parsed config, every content validated, nothing written yet."""

    prefix: str
    prompts: list[tuple[str, PromptContent]] = field(default_factory=list)
    models: list[tuple[str, ModelConfigContent]] = field(default_factory=list)
    dataset: DatasetContent | None = None
    rubric: RubricContent | None = None
    unsupported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class PromptfooImportReport:
    """What `import_promptfoo` saved: (kind, family, number, created), and what it left out."""

    saved: list[tuple[Kind, str, int, bool]] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, path: Path, root: yaml.Node | None) -> None:
        self.path = path
        self.root = root

    def fail(self, message: str, keys: tuple[str | int, ...] = ()) -> FileFormatError:
        return FileFormatError(message, path=str(self.path), line=line_of(self.root, keys))


def read_promptfoo_config(path: Path, *, prefix: str | None = None) -> PromptfooPlan:
    """Parse and check a promptfoo config (see the module docstring).

    Raises:
        FileFormatError: naming the file and line of the first problem.
    """
    data, root = load_yaml(read_text(path), path=path, loader_class=Yaml12Loader)
    reader = _Reader(path, root)
    if not isinstance(data, dict):
        raise reader.fail("a promptfoo config is a mapping with prompts, providers and tests")
    try:
        data = resolve_refs(data, data)
    except ValidationError as error:
        raise reader.fail(str(error)) from None
    stem = path.stem if path.stem not in ("promptfooconfig", "config") else path.parent.name
    plan = PromptfooPlan(prefix=family_name(prefix or stem))
    for key in data:
        if key in RUN_SETTINGS:
            plan.notes.append(f"top-level '{key}' is a promptfoo run setting: not imported")
        elif key not in KNOWN_TOP:
            plan.unsupported.append(f"top-level '{key}'")
    _read_prompts(data.get("prompts"), reader, plan)
    _read_providers(data.get("providers"), reader, plan)
    default = data.get("defaultTest") or {}
    if not isinstance(default, dict):
        plan.unsupported.append("defaultTest given as a file reference")
        default = {}
    templated = _read_rubric(
        default, data.get("tests"), reader, plan, str(data.get("description") or "")
    )
    _read_tests(data.get("tests"), default, templated, reader, plan)
    return plan


def _read_prompts(value: Any, reader: _Reader, plan: PromptfooPlan) -> None:
    if value is None:
        raise reader.fail("the config has no 'prompts'")
    items = value if isinstance(value, list) else [value]
    found: list[tuple[str | None, PromptContent, str]] = []
    for index, item in enumerate(items):
        keys: tuple[str | int, ...] = (
            ("prompts", index) if isinstance(value, list) else ("prompts",)
        )
        label = None
        prompt_params: dict[str, Any] = {}
        if isinstance(item, dict):
            label = item.get("label")
            extra = sorted(set(item) - {"id", "raw", "label", "config"})
            if extra:
                plan.unsupported.append(f"prompt {index + 1}: key(s) {', '.join(extra)}")
            if isinstance(item.get("config"), dict):
                prompt_params = _prompt_params(item["config"], f"prompt {index + 1}", plan)
            item = item.get("raw", item.get("id"))
        if not isinstance(item, str):
            raise reader.fail("a prompt is text, a file:// path or {raw|id, label}", keys)
        for text, where in _prompt_texts(item, reader, keys, plan):
            content = _prompt_content(text, where, reader, keys)
            if content is not None:
                if prompt_params:
                    content = content.model_copy(update={"params": prompt_params})
                found.append((label, content, where))
    if not found:
        raise reader.fail("no prompt could be imported", ("prompts",))
    names: set[str] = set()
    for number, (label, content, _where) in enumerate(found, start=1):
        base = family_name(f"{plan.prefix}-{label}") if label else plan.prefix
        name = base if len(found) == 1 or label else f"{plan.prefix}-prompt-{number}"
        while name in names:
            name = f"{name}-{number}"
        names.add(name)
        plan.prompts.append((name, content))


def _prompt_params(config: Mapping[str, Any], where: str, plan: PromptfooPlan) -> dict[str, Any]:
    """A prompt's ``config`` (request options promptfoo merges into the provider's)."""
    params: dict[str, Any] = {}
    for key, value in config.items():
        if key in _PARAM_KEYS:
            params[key] = value
        elif key in ("response_format", "output_format") and _schema_params(value, params):
            continue
        else:
            plan.unsupported.append(f"{where}: config '{key}'")
    return params


def _schema_params(value: Any, params: dict[str, Any]) -> bool:
    """``response_format`` / ``output_format`` with a JSON schema → the workbench's params."""
    if not isinstance(value, dict):
        return False
    if value.get("type") == "json_object":
        params["response_format"] = {"type": "json_object"}
        return True
    schema = value.get("json_schema", value.get("schema"))
    if not isinstance(schema, dict):
        return False
    inner = schema.get("schema", schema) if "json_schema" in value else schema
    params["json_schema"] = inner
    if "json_schema" in value and schema.get("name"):
        params["json_schema_name"] = schema["name"]
    return True


def _check_inside(relative: str, reader: _Reader, keys: tuple[str | int, ...]) -> Path:
    """The file a ``file://`` path names, refused when it lies outside the config's folder.

    A config copied from elsewhere must not make the import read ``~/.ssh`` or ``/etc``: every
    file it loads sits in its own folder or below.
    """
    base = reader.path.parent.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        raise reader.fail(
            f"file://{relative} points outside the config's folder ({base}): refused."
            " Copy that file into the folder (or below it) and point to the copy",
            keys,
        )
    return target


def _prompt_texts(
    item: str, reader: _Reader, keys: tuple[str | int, ...], plan: PromptfooPlan
) -> list[tuple[str, str]]:
    if not item.startswith("file://"):
        return [(item, f"{reader.path} ({'.'.join(map(str, keys))})")]
    pattern = item.removeprefix("file://")
    if ":" in pattern.split("/")[-1] or pattern.endswith((".py", ".js", ".ts", ".mjs", ".cjs")):
        plan.unsupported.append(f"prompt {pattern}: prompt functions (Python/JavaScript)")
        return []
    base = reader.path.parent
    _check_inside(pattern, reader, keys)
    paths = sorted(base.glob(pattern)) if any(c in pattern for c in "*?[") else [base / pattern]
    if not paths:
        raise reader.fail(f"no prompt file matches {pattern}", keys)
    for file in paths:
        _check_inside(str(file.relative_to(base)), reader, keys)
    texts: list[tuple[str, str]] = []
    for file in paths:
        text = read_text(file)
        if file.suffix.lower() in (".json", ".yaml", ".yml"):
            texts.append((text, str(file)))
            continue
        parts = [p.strip("\n") for p in _PROMPT_SPLIT.split(text)]
        texts.extend((part, str(file)) for part in parts if part.strip())
    return texts


def _prompt_content(
    text: str, where: str, reader: _Reader, keys: tuple[str | int, ...]
) -> PromptContent | None:
    messages = _chat_messages(text, where)
    try:
        content = PromptContent(messages=tuple(messages)) if messages else PromptContent(user=text)
    except pydantic.ValidationError as error:
        raise reader.fail(f"{where}: {describe_validation_error(error)}", keys) from None
    variables: set[str] = set()
    for message in content.messages or (ChatMessage(role="user", content=content.user or ""),):
        variables |= template_variables(message.content, name=where)
    return content.model_copy(update={"variables": dict.fromkeys(sorted(variables), "")})


def _chat_messages(text: str, where: str) -> list[ChatMessage] | None:
    stripped = text.strip()
    data: Any = None
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            return None
    elif where.endswith((".yaml", ".yml")):
        data = load_yaml(text, path=where, loader_class=Yaml12Loader)[0]
    elif where.endswith(".json") and stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            return None
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        data = data["messages"]
    if not isinstance(data, list) or not all(
        isinstance(m, dict) and {"role", "content"} <= set(m) for m in data
    ):
        if where.endswith((".yaml", ".yml")):
            raise FileFormatError(
                "a YAML prompt file must be a list of {role, content} or {messages: [...]}",
                path=where,
            )
        return None
    try:
        return [ChatMessage(role=m["role"], content=_text_content(m["content"])) for m in data]
    except pydantic.ValidationError as error:
        raise FileFormatError(describe_validation_error(error), path=where) from None


def _text_content(content: Any) -> Any:
    """A message's content: text, or the text of its ``{type: text, text}`` parts joined."""
    if isinstance(content, list) and all(
        isinstance(part, dict) and part.get("type") == "text" for part in content
    ):
        return "".join(str(part.get("text", "")) for part in content)
    return content


def _read_providers(value: Any, reader: _Reader, plan: PromptfooPlan) -> None:
    if value is None:
        raise reader.fail("the config has no 'providers'")
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items):
        keys: tuple[str | int, ...] = ("providers", index)
        config: dict[str, Any] = {}
        label = None
        if isinstance(item, dict) and "id" not in item and len(item) == 1:
            ((provider_id, options),) = item.items()
            item = {"id": provider_id, **(options or {})}
        if isinstance(item, dict):
            provider_id = item.get("id")
            label = item.get("label")
            config = item.get("config") or {}
            extra = sorted(set(item) - {"id", "label", "config", "prompts", "delay"})
            if extra:
                plan.unsupported.append(f"provider {provider_id}: key(s) {', '.join(extra)}")
            if item.get("prompts") is not None:
                plan.unsupported.append(
                    f"provider {provider_id}: 'prompts' filter (the workbench runs every prompt"
                    " on every model)"
                )
        else:
            provider_id = item
        if not isinstance(provider_id, str) or not isinstance(config, dict):
            raise reader.fail("a provider is an id such as openai:chat:gpt-4o-mini", keys)
        model = _model_config(provider_id, config, plan)
        if model is not None:
            name = family_name(f"{plan.prefix}-{label or model.model}")
            plan.models.append((name, model))
    if not plan.models:
        raise reader.fail("no provider could be imported", ("providers",))


def _model_config(
    provider_id: str, config: Mapping[str, Any], plan: PromptfooPlan
) -> ModelConfigContent | None:
    parts = provider_id.split(":")
    vendor = parts[0]
    compatible = compatible_provider(vendor, parts[1:], dict(config))
    if compatible is not None:
        return _compatible_model(provider_id, compatible, config, plan)
    if vendor not in ("openai", "anthropic", "ollama") or len(parts) < 2:
        plan.unsupported.append(
            f"provider '{provider_id}' (not an OpenAI-compatible, OpenAI, Anthropic or Ollama id)"
        )
        return None
    kind = parts[1] if len(parts) > 2 else "chat" if vendor != "anthropic" else "messages"
    model = ":".join(parts[2:]) if len(parts) > 2 else parts[1]
    if (vendor, kind) not in {("openai", "chat"), ("anthropic", "messages"), ("ollama", "chat")}:
        plan.unsupported.append(f"provider '{provider_id}' (API '{kind}' is not supported)")
        return None
    params: dict[str, Any] = {}
    fields: dict[str, Any] = {"provider": vendor, "model": model}
    if vendor == "ollama":
        fields.update(provider="openai-compatible", base_url="ollama")
    for key, value in config.items():
        if key in _PARAM_KEYS or key in _PASSTHROUGH_KEYS:
            params[key] = value
        elif key == "passthrough" and isinstance(value, dict):
            params.update(value)
        elif key in ("apiBaseUrl", "apiHost") and isinstance(value, str):
            url = value if key == "apiBaseUrl" else f"https://{value}/v1"
            fields["base_url"] = url
            if vendor == "openai" and "api.openai.com" not in url:
                fields["provider"] = "openai-compatible"
        elif key == "apiKeyEnvar" and isinstance(value, str):
            fields["api_key_env"] = value
        elif key == "apiKeyRequired":
            continue
        elif key == "cache_control":
            plan.notes.append(
                f"provider '{provider_id}': cache_control (prompt caching) is not sent; it"
                " changes cost, not answers"
            )
        elif key == "apiKey":
            plan.unsupported.append(
                f"provider '{provider_id}': apiKey (keys are never stored; set apiKeyEnvar)"
            )
        elif key in ("response_format", "output_format") and _schema_params(value, params):
            continue
        else:
            plan.unsupported.append(f"provider '{provider_id}': config '{key}'")
    if vendor in ("openai", "ollama") or fields["provider"] == "openai-compatible":
        params = openai_defaults(model, params)
    if params:
        fields["params"] = params
    try:
        return ModelConfigContent(**fields)
    except pydantic.ValidationError as error:
        raise ValidationError(
            f"provider '{provider_id}': {describe_validation_error(error)}"
        ) from None


def _compatible_model(
    provider_id: str,
    found: tuple[str, str | None, str | None],
    config: Mapping[str, Any],
    plan: PromptfooPlan,
) -> ModelConfigContent | None:
    model, url, key_env = found
    params: dict[str, Any] = {}
    for key, value in config.items():
        if key in _PARAM_KEYS or key in _PASSTHROUGH_KEYS:
            params[key] = value
        elif key == "passthrough" and isinstance(value, dict):
            params.update(value)
        elif key == "apiBaseUrl" and isinstance(value, str):
            url = value
        elif key == "apiHost":
            continue  # read by compatible_provider (Azure)
        elif key == "apiKeyEnvar" and isinstance(value, str):
            key_env = value
        elif key in ("apiKeyRequired", "apiVersion", "deployment_id"):
            continue
        elif key == "apiKey":
            plan.unsupported.append(
                f"provider '{provider_id}': apiKey (keys are never stored; set apiKeyEnvar)"
            )
        elif key in ("response_format", "output_format") and _schema_params(value, params):
            continue
        else:
            plan.unsupported.append(f"provider '{provider_id}': config '{key}'")
    if url is None:
        plan.unsupported.append(
            f"provider '{provider_id}': no endpoint (set config.apiHost or apiBaseUrl)"
        )
        return None
    plan.notes.append(
        f"provider '{provider_id}': OpenAI-compatible at {url}"
        + (f", key from ${key_env}" if key_env else "")
    )
    try:
        return ModelConfigContent(
            provider="openai-compatible",
            model=model,
            base_url=url,
            api_key_env=key_env,
            params=openai_defaults(model, params),
        )
    except pydantic.ValidationError as error:
        raise ValidationError(
            f"provider '{provider_id}': {describe_validation_error(error)}"
        ) from None


def _options_transform(owner: Mapping[str, Any], where: str, plan: PromptfooPlan) -> str | None:
    """The ``options.transform`` of a test or of defaultTest (other options are listed)."""
    options = owner.get("options") or {}
    if not isinstance(options, dict):
        plan.unsupported.append(f"{where}: options given as {type(options).__name__}")
        return None
    for key in options:
        if key == "transform":
            continue
        if key in ("provider", "rubricPrompt"):
            plan.notes.append(
                f"{where}: options.{key} (the grader) is not imported; llm-rubric criteria use"
                " the judge chosen when scoring"
            )
        else:
            plan.unsupported.append(f"{where}: options.{key}")
    code = options.get("transform")
    if code is None:
        return None
    if not isinstance(code, str) or code.startswith("file://"):
        plan.unsupported.append(f"{where}: options.transform from a file or not text")
        return None
    return code


def _with_test_transform(asserts: list[Any], code: str | None, embedding: Any = None) -> list[Any]:
    """The assertions with the test's transform, and the grader's embedding provider on
    ``similar`` assertions that name none (promptfoo's ``options.provider.embedding``)."""
    out = []
    for entry in asserts:
        if isinstance(entry, dict):
            if code is not None:
                entry = {**entry, TEST_TRANSFORM: code}
            similar = str(entry.get("type", "")).removeprefix("not-") == "similar"
            if embedding is not None and similar and "provider" not in entry:
                entry = {**entry, "provider": embedding}
        out.append(entry)
    return out


def _embedding_provider(owner: Mapping[str, Any]) -> Any:
    options = owner.get("options")
    provider = options.get("provider") if isinstance(options, dict) else None
    return provider.get("embedding") if isinstance(provider, dict) else None


def _read_rubric(
    default: dict[str, Any],
    tests: Any,
    reader: _Reader,
    plan: PromptfooPlan,
    description: str,
) -> list[dict[str, Any]]:
    """Build the rubric; returns the defaultTest assertions kept on every row instead."""
    for key in default:
        if key == "metadata":
            plan.notes.append("defaultTest.metadata is not imported (it changes no verdict)")
        elif key not in ("vars", "assert", "threshold", "options"):
            plan.unsupported.append(f"defaultTest.{key}")
    asserts = default.get("assert") or []
    if not isinstance(asserts, list):
        raise reader.fail("defaultTest.assert must be a list", ("defaultTest", "assert"))
    transform = _options_transform(default, "defaultTest", plan)
    own_transforms = isinstance(tests, list) and any(
        isinstance(t, dict) and isinstance(t.get("options"), dict) and "transform" in t["options"]
        for t in tests
    )
    if own_transforms:
        # Some tests transform the output their own way: each row keeps the default assertions.
        shared: list[Any] = []
        templated = list(asserts)
    else:
        asserts = _with_test_transform(asserts, transform, _embedding_provider(default))
        shared = [a for a in asserts if not _templated(a)]
        templated = [a for a in asserts if _templated(a)]
    threshold = default.get("threshold")
    where = f"{reader.path}, defaultTest.assert"
    text = description or f"imported from promptfoo config {reader.path.name}"
    limit = 1.0 if threshold is None else min(1.0, max(0.0, float(threshold)))
    rubric = RubricContent(description=text, threshold=limit, criteria=())
    if shared:
        converted = criteria_from_promptfoo(shared, where=where, raw_scores=threshold is not None)
        plan.unsupported.extend(converted.unsupported)
        plan.notes.extend(converted.notes)
        if converted.criteria:
            rubric, converted = rubric_from_promptfoo(
                shared, threshold=threshold, where=where, description=text
            )
            plan.notes.extend(n for n in converted.notes if n not in plan.notes)
    plan.rubric = rubric
    return templated


def _templated(entry: Any) -> bool:
    return isinstance(entry, dict) and "{{" in json.dumps(entry.get("value"), ensure_ascii=False)


def _read_tests(
    value: Any,
    default: dict[str, Any],
    templated: list[dict[str, Any]],
    reader: _Reader,
    plan: PromptfooPlan,
) -> None:
    default_vars = default.get("vars") or {}
    if not isinstance(default_vars, dict):
        raise reader.fail("defaultTest.vars must be a mapping", ("defaultTest", "vars"))
    if value is None:
        plan.notes.append("the config has no tests: no dataset was created")
        return
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise reader.fail("'tests' must be a list or a file:// path", ("tests",))
    tests: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    for index, item in enumerate(value):
        keys: tuple[str | int, ...] = ("tests", index)
        if isinstance(item, str):
            tests.extend((keys, test) for test in _tests_file(item, reader, keys))
        elif isinstance(item, dict):
            tests.append((keys, item))
        else:
            raise reader.fail("a test is a mapping with vars and assert", keys)
    default_transform = (
        default.get("options", {}).get("transform")
        if isinstance(default.get("options"), dict)
        else None
    )
    plan.dataset = _inline_tests(
        tests,
        reader,
        plan,
        default_vars,
        templated,
        default_transform,
        _embedding_provider(default),
    )
    assert plan.dataset is not None and plan.rubric is not None
    for row in plan.dataset.rows:
        converted = criteria_from_promptfoo(
            row.asserts, variables=row.vars, where=f"test '{row.id}' assert", row_id=row.id
        )
        plan.unsupported.extend(converted.unsupported)
        plan.notes.extend(converted.notes)


def _tests_file(value: str, reader: _Reader, keys: tuple[str | int, ...]) -> list[dict[str, Any]]:
    """The tests of a ``file://`` tests file, as promptfoo test mappings."""
    relative = value.removeprefix("file://")
    path = _check_inside(relative, reader, keys)
    if path.suffix.lower() not in EXTENSIONS:
        raise reader.fail(f"tests file {relative}: use a .yaml, .csv, .jsonl or .json file", keys)
    content = read_dataset(path)
    tests: list[dict[str, Any]] = []
    for row in content.rows:
        plain, fields = csv_test_fields(row.vars)
        test: dict[str, Any] = {"description": fields.get("description", row.id), "vars": plain}
        asserts = [*row.asserts, *fields.get("assert", [])]
        if asserts:
            test["assert"] = asserts
        metadata = dict(fields.get("metadata", {}))
        if row.expected is not None:
            metadata["expected"] = row.expected
        if row.facts:
            metadata["facts"] = list(row.facts)
        if row.tags:
            metadata["tags"] = list(row.tags)
        if metadata:
            test["metadata"] = metadata
        for key in ("threshold", "options"):
            if key in fields:
                test[key] = fields[key]
        tests.append(test)
    return tests


def _var_value(value: Any, reader: _Reader, name: str, var: str, plan: PromptfooPlan) -> Any:
    """A test variable as promptfoo reads it: ``file://`` text files are loaded."""
    if not (isinstance(value, str) and value.startswith("file://")):
        return value
    path = _check_inside(value.removeprefix("file://"), reader, ("tests", name, "vars", var))
    if path.suffix.lower() in _TEXT_FILES and path.is_file():
        return read_text(path)
    if path.suffix.lower() in (".json", ".yaml", ".yml") and path.is_file():
        return load_yaml(read_text(path), path=path, loader_class=Yaml12Loader)[0]
    plan.unsupported.append(f"test '{name}': variable '{var}' loads {value} (kept as the text)")
    return value


def _inline_tests(
    tests: list[tuple[tuple[str | int, ...], dict[str, Any]]],
    reader: _Reader,
    plan: PromptfooPlan,
    default_vars: dict[str, Any],
    templated: list[dict[str, Any]],
    default_transform: Any,
    default_embedding: Any = None,
) -> DatasetContent:
    collector = RowCollector(str(reader.path))
    assert plan.rubric is not None
    used: set[str] = set()
    for index, (keys, test) in enumerate(tests):
        name = row_id_from(test.get("description")) or str(index + 1)
        if name in used:
            name = f"{name} ({index + 1})"
        used.add(name)
        for key in test:
            if key not in (
                "description",
                "vars",
                "assert",
                "threshold",
                "metadata",
                "options",
                "providers",
            ):
                plan.unsupported.append(f"test '{name}': key '{key}'")
        if test.get("providers") is not None:
            plan.unsupported.append(
                f"test '{name}': 'providers' filter (the workbench runs every test on every model)"
            )
        threshold = test.get("threshold")
        if threshold is not None and threshold != plan.rubric.threshold:
            plan.unsupported.append(
                f"test '{name}': threshold {threshold} (the rubric's threshold"
                f" {plan.rubric.threshold} applies to every row)"
            )
        variables = {**default_vars, **(test.get("vars") or {})}
        variables = {
            var: _var_value(item, reader, name, var, plan) for var, item in variables.items()
        }
        own = _options_transform(test, f"test '{name}'", plan)
        transform = own if own is not None else default_transform
        own_asserts = test.get("assert") or []
        if not isinstance(own_asserts, list):
            raise reader.fail("a test's assert must be a list", (*keys, "assert"))
        embedding = _embedding_provider(test) or default_embedding
        fields: dict[str, Any] = {
            "asserts": tuple(_with_test_transform([*templated, *own_asserts], transform, embedding))
        }
        metadata = test.get("metadata") or {}
        for key, item in metadata.items():
            if key in ("expected", "facts", "tags"):
                fields[key] = item
            else:
                plan.notes.append(f"test '{name}': metadata '{key}' is not imported")
        for suffix, expanded in _expand(variables):
            fields.update(id=name + suffix, vars=expanded)
            collector.add(dict(fields), line=line_of(reader.root, keys))
    return collector.finish(description=f"tests of promptfoo config {reader.path.name}")


def _expand(variables: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """promptfoo runs a test once per value of each array-valued variable (all combinations)."""
    arrays = {k: v for k, v in variables.items() if isinstance(v, list)}
    if not arrays:
        return [("", variables)]
    combos = []
    for values in itertools.product(*arrays.values()):
        chosen = dict(zip(arrays, values, strict=True))
        suffix = " [" + ", ".join(f"{k}={v}" for k, v in chosen.items()) + "]"
        combos.append((suffix, {**variables, **chosen}))
    return combos


def import_promptfoo(
    store: Store, path: Path, *, author: str, prefix: str | None = None
) -> PromptfooImportReport:
    """Read the whole config, then save its prompts, model configs, dataset and rubric."""
    plan = read_promptfoo_config(path, prefix=prefix)
    report = PromptfooImportReport(unsupported=plan.unsupported, notes=plan.notes)
    note = f"imported from promptfoo config {path.name}"
    planned: list[tuple[Kind, str, Content]] = [
        *((Kind.PROMPT, name, content) for name, content in plan.prompts),
        *((Kind.MODEL, name, content) for name, content in plan.models),
    ]
    if plan.dataset is not None:
        planned.append((Kind.DATASET, plan.prefix, plan.dataset))
    if plan.rubric is not None:
        planned.append((Kind.RUBRIC, plan.prefix, plan.rubric))
    for kind, name, content in planned:
        try:
            result = store.save_version(kind, name, content, author=author, note=note)
        except KnownError as error:
            raise KnownError(f"{path}: {kind.value} '{name}': {error}") from error
        report.saved.append((kind, name, result.version.number, result.created))
    return report


__all__ = [
    "PromptfooImportReport",
    "PromptfooPlan",
    "import_promptfoo",
    "read_promptfoo_config",
    "row_rubric",
]
