"""promptfoo's conventions the importer follows: YAML 1.2 scalars, OpenAI-compatible provider
ids, ``$ref`` to ``assertionTemplates``, CSV test columns and OpenAI request defaults.

* YAML: promptfoo reads YAML 1.2 (js-yaml), where only ``true`` / ``false`` are booleans —
  ``Yes``, ``no``, ``on``, ``off`` stay text — `Yaml12Loader` does the same.
* Provider ids of OpenAI-compatible services (``groq:llama-3.1-8b-instant``,
  ``openrouter:meta-llama/...``, ``azure:chat:my-deployment``...) map to their base URL and the
  environment variable promptfoo reads the key from (`COMPATIBLE_PROVIDERS`).
* ``{$ref: '#/assertionTemplates/name'}`` (any JSON pointer into the config) is replaced by what
  it points at (`resolve_refs`).
* CSV tests: ``__expected``, ``__expected1``..``N`` hold assertions written as text
  (``contains: foo``, ``javascript: output.length > 3``, ``grade: ...``, plain text = equals);
  ``__metadata:key`` and ``__config:__expectedN:threshold`` set metadata and an assertion's
  threshold; ``__description`` names the test (`csv_test_fields`).
* OpenAI chat requests: promptfoo sends ``temperature: 0`` and ``max_tokens: 1024`` unless the
  config sets them (not to reasoning models) (`openai_defaults`).
"""

from __future__ import annotations

import re
from typing import Any

from workbench.core.errors import ValidationError
from workbench.interop.yaml_io import BoundedLoader


class Yaml12Loader(BoundedLoader):
    """Bounded safe loading with YAML 1.2 booleans: only true/false (any case) are booleans."""


Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in BoundedLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)

# id prefix → (base URL, environment variable of the key). Sources: promptfoo's provider docs.
COMPATIBLE_PROVIDERS: dict[str, tuple[str, str]] = {
    "cerebras": ("https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"),
    "mistral": ("https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
    "xai": ("https://api.x.ai/v1", "XAI_API_KEY"),
    "groq": ("https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    "together": ("https://api.together.xyz/v1", "TOGETHER_API_KEY"),
    "togetherai": ("https://api.together.xyz/v1", "TOGETHER_API_KEY"),
    "deepseek": ("https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"),
    "openrouter": ("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "perplexity": ("https://api.perplexity.ai", "PERPLEXITY_API_KEY"),
    "fireworks": ("https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"),
    "hyperbolic": ("https://api.hyperbolic.xyz/v1", "HYPERBOLIC_API_KEY"),
    "deepinfra": ("https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY"),
    "github": ("https://models.github.ai/inference", "GITHUB_TOKEN"),
    "nscale": ("https://inference.api.nscale.com/v1", "NSCALE_SERVICE_TOKEN"),
    "lambdalabs": ("https://api.lambda.ai/v1", "LAMBDA_API_KEY"),
    "aimlapi": ("https://api.aimlapi.com/v1", "AIML_API_KEY"),
    "cohere": ("https://api.cohere.ai/compatibility/v1", "COHERE_API_KEY"),
    "google": ("https://generativelanguage.googleapis.com/v1beta/openai", "GOOGLE_API_KEY"),
    "localai": ("http://localhost:8080/v1", ""),
    "lmstudio": ("http://localhost:1234/v1", ""),
    "vllm": ("http://localhost:8000/v1", ""),
    "llamacpp": ("http://localhost:8080/v1", ""),
}
AZURE_PREFIXES = ("azure", "azureopenai")
AZURE_KEY_ENV = "AZURE_API_KEY"

_REASONING = re.compile(r"^(o1|o3|o4|gpt-5)")


def compatible_provider(
    vendor: str, rest: list[str], config: dict[str, Any]
) -> tuple[str, str | None, str | None] | None:
    """(model, base URL, key variable) for an OpenAI-compatible provider id, or None.

    `rest` is the id after the vendor, split on ``:`` (``chat:`` and ``completion:`` dropped).
    """
    if rest and rest[0] in ("chat", "completion", "responses"):
        rest = rest[1:]
    model = ":".join(rest)
    if not model:
        return None
    if vendor in AZURE_PREFIXES:
        host = config.get("apiHost") or config.get("apiBaseUrl")
        url = None
        if isinstance(host, str) and host:
            url = host if host.startswith("http") else f"https://{host}"
            url = url.rstrip("/") + "/openai/v1"
        return model, url, AZURE_KEY_ENV
    if vendor not in COMPATIBLE_PROVIDERS:
        return None
    url, key = COMPATIBLE_PROVIDERS[vendor]
    return model, url, key or None


def openai_defaults(model: str, params: dict[str, Any]) -> dict[str, Any]:
    """promptfoo's request defaults for an OpenAI(-compatible) chat model, under `params`."""
    if _REASONING.match(model.split("/")[-1]):
        return params
    defaults: dict[str, Any] = {"temperature": 0, "max_tokens": 1024}
    if "max_completion_tokens" in params:
        defaults.pop("max_tokens")
    return {**defaults, **params}


def resolve_refs(data: Any, root: Any, *, depth: int = 0) -> Any:
    """`data` with every ``{$ref: '#/a/b'}`` replaced by the part of `root` it names.

    Raises:
        ValidationError: a reference that points nowhere, or references that loop.
    """
    if depth > 20:
        raise ValidationError("$ref: references nest too deeply (a loop?)")
    if isinstance(data, dict):
        ref = data.get("$ref")
        if isinstance(ref, str) and len(data) == 1:
            return resolve_refs(_pointer(root, ref), root, depth=depth + 1)
        return {key: resolve_refs(value, root, depth=depth) for key, value in data.items()}
    if isinstance(data, list):
        return [resolve_refs(item, root, depth=depth) for item in data]
    return data


def _pointer(root: Any, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValidationError(f"$ref '{ref}': only references inside the config (#/...) are read")
    found = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(found, dict) and part in found:
            found = found[part]
        elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
            found = found[int(part)]
        else:
            raise ValidationError(f"$ref '{ref}': nothing at '{part}' in the config")
    return found


_TYPED = re.compile(
    r"^(not-)?(contains-any|contains-all|icontains-any|icontains-all|contains-json|is-json|"
    r"is-valid-openai-tools-call|is-valid-openai-function-call|is-sql|contains-sql|is-xml|"
    r"contains-xml|is-html|contains-html|icontains|contains|equals|regex|starts-with|"
    r"levenshtein|similar|rouge-n|bleu|gleu|meteor|latency|cost|perplexity-score|perplexity|"
    r"answer-relevance|context-faithfulness|context-recall|context-relevance|factuality|"
    r"model-graded-closedqa|model-graded-factuality|select-best|classifier|webhook|"
    r"word-count|finish-reason|moderation|guardrails|trace-span-count|trace-span-duration|"
    r"trace-error-spans)"
    r"(?:\((\d+(?:\.\d+)?)\))?(?::([\s\S]*))?$"
)


def assertion_from_string(text: str) -> dict[str, Any]:
    """promptfoo's reading of an ``__expected`` cell as one assertion."""
    for prefix, kind in (
        ("javascript:", "javascript"),
        ("fn:", "javascript"),
        ("eval:", "javascript"),
        ("python:", "python"),
        ("grade:", "llm-rubric"),
        ("llm-rubric:", "llm-rubric"),
    ):
        if text.startswith(prefix):
            return {"type": kind, "value": text[len(prefix) :].strip()}
    if text.startswith("file://"):
        kind = "python" if text.split(":")[1].endswith(".py") else "javascript"
        return {"type": kind, "value": text}
    found = _TYPED.match(text)
    if found is None:
        return {"type": "equals", "value": text}
    inverse, base, threshold, value = found.groups()
    entry: dict[str, Any] = {"type": f"{inverse or ''}{base}"}
    value = (value or "").strip()
    if base in ("contains-any", "contains-all", "icontains-any", "icontains-all"):
        entry["value"] = [item.strip() for item in value.split(",") if item.strip()]
    elif base in ("is-json", "contains-json") and not value:
        pass
    elif value:
        entry["value"] = value
    if threshold is not None:
        entry["threshold"] = float(threshold)
    elif base in ("similar",):
        entry["threshold"] = 0.75
    return entry


def csv_test_fields(variables: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a CSV row's columns into (plain vars, test fields: assert, metadata, ...).

    The test fields use promptfoo's keys: ``assert``, ``metadata``, ``description``,
    ``threshold``, ``options``.
    """
    plain: dict[str, Any] = {}
    asserts: dict[str, dict[str, Any]] = {}
    configs: dict[str, dict[str, Any]] = {}
    fields: dict[str, Any] = {}
    for key, value in variables.items():
        text = "" if value is None else str(value)
        if key == "__expected" or re.fullmatch(r"__expected\d+", key):
            if text.strip():
                asserts[key] = assertion_from_string(text.strip())
        elif key.startswith("__metadata:"):
            name = key.split(":", 1)[1]
            if name.endswith("[]"):
                fields.setdefault("metadata", {})[name[:-2]] = [
                    item.strip() for item in re.split(r"(?<!\\),", text) if item.strip()
                ]
            elif text != "":
                fields.setdefault("metadata", {})[name] = text
        elif key.startswith("__config:"):
            parts = key.split(":")
            if len(parts) == 3 and text != "":
                configs.setdefault(parts[1], {})[parts[2]] = _number_or_text(text)
        elif key == "__description":
            if text:
                fields["description"] = text
        elif key == "__threshold":
            if text:
                fields["threshold"] = float(text)
        elif key in ("__prefix", "__suffix"):
            if text:
                fields.setdefault("options", {})[key[2:]] = text
        else:
            plain[key] = value
    for column, options in configs.items():
        if column in asserts:
            asserts[column].update(options)
    if asserts:
        fields["assert"] = list(asserts.values())
    return plain, fields


def _number_or_text(text: str) -> Any:
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text
