"""Export an approved bundle as a small standalone Python module that calls the provider's SDK.

The module carries the approved messages (persona composed in), model, parameters and the name
of the environment variable holding the key; it depends on the provider's SDK only (``openai``
or ``anthropic``), never on this app. Templates that are only text and ``{{ variables }}`` are
filled by a few lines of `string.Template`; templates with conditions or loops are rendered with
Jinja2 set up as the workbench renders them (the module then also needs ``jinja2``).

The base URL can be overridden at run time with ``<NAME>_BASE_URL`` (tests point it at a local
fake server); the key always comes from the environment.

A bundle on the embedded model becomes code for the ``openai`` SDK against llama.cpp's
OpenAI-compatible server on ``http://127.0.0.1:8080/v1``; the module's docstring (and the export's
warnings) give the command that starts that server with the same GGUF file.
"""

from __future__ import annotations

import pprint
import re
from typing import Any

from workbench.core.errors import KnownError
from workbench.interop.bundle_model import ApprovedBundle, RenderedExport
from workbench.interop.bundle_templates import PortableTemplate, Var
from workbench.providers.compat import resolve_base_url

_DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


LLAMA_PORT = 8080


def _local_model_file(model: str) -> str:
    """The GGUF file the embedded model config names (the bundled file for its short name)."""
    try:
        from workbench.providers.local_llama import resolve_model_path

        return str(resolve_model_path(model))
    except KnownError:
        return model


def module_name(bundle: ApprovedBundle) -> str:
    """A valid Python module name for the bundle (``order_support_v2``)."""
    return re.sub(r"\W", "_", f"{bundle.approval.bundle}_v{bundle.approval.number}").lower()


def _dollar_template(template: PortableTemplate) -> str:
    assert template.parts is not None
    out = []
    for part in template.parts:
        out.append(f"${{{part.path}}}" if isinstance(part, Var) else part.replace("$", "$$"))
    return "".join(out)


def _literal(value: Any) -> str:
    return pprint.pformat(value, width=96, sort_dicts=False)


_SIMPLE_RENDER = '''
class _Template(string.Template):
    # ${name} or ${name.field}; a literal $ is written $$.
    braceidpattern = r"[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*"


def _lookup(variables: Mapping[str, Any], path: str) -> str:
    value: Any = variables
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            raise KeyError(f"variable '{path}' is missing")
        value = value[key]
    return str(value)


def render(template: str, variables: Mapping[str, Any]) -> str:
    """Fill a template's ${name} fields from `variables` (KeyError names a missing one)."""
    names = {m.group("braced") for m in _Template.pattern.finditer(template) if m.group("braced")}
    return _Template(template).substitute({name: _lookup(variables, name) for name in names})
'''

_JINJA_RENDER = '''
def render(template: str, variables: Mapping[str, Any]) -> str:
    """Render a Jinja2 template strictly, as Prompt Workbench does (needs jinja2)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    environment = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    return environment.from_string(template).render(variables)
'''

_OPENAI_CALL = '''
def complete(variables: Mapping[str, Any]) -> str:
    """Send the approved prompt, filled with `variables`, and return the answer text."""
    from openai import OpenAI

    client = OpenAI(
        api_key=os.environ[API_KEY_ENV] if API_KEY_ENV else "not-needed",
        base_url=os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
    )
    params = dict(PARAMS)
    schema = params.pop("json_schema", None)
    name = params.pop("json_schema_name", "answer")
    if schema is not None:
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema},
        }
    response = client.chat.completions.create(
        model=MODEL, messages=build_messages(variables), **params
    )
    return response.choices[0].message.content or ""


def build_messages(variables: Mapping[str, Any]) -> list[dict[str, str]]:
    """The chat messages for one set of variables."""
    return [{"role": role, "content": render(text, variables)} for role, text in MESSAGES]
'''

_ANTHROPIC_CALL = '''
def complete(variables: Mapping[str, Any]) -> str:
    """Send the approved prompt, filled with `variables`, and return the answer text."""
    from anthropic import Anthropic

    client = Anthropic(
        api_key=os.environ[API_KEY_ENV], base_url=os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    )
    messages = build_messages(variables)
    system = "\\n\\n".join(m["content"] for m in messages if m["role"] == "system")
    dropped = ("max_tokens", "seed", "stop", "json_schema", "json_schema_name")
    params = {k: v for k, v in PARAMS.items() if k not in dropped}
    if PARAMS.get("stop"):
        stop = PARAMS["stop"]
        params["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    response = client.messages.create(
        model=MODEL,
        max_tokens=int(PARAMS.get("max_tokens") or 1024),
        messages=[m for m in messages if m["role"] != "system"],
        **({"system": system} if system else {}),
        # Sampling parameters travel in the body: recent SDKs no longer list them as arguments.
        **({"extra_body": params} if params else {}),
    )
    return "".join(block.text for block in response.content if block.type == "text")


def build_messages(variables: Mapping[str, Any]) -> list[dict[str, str]]:
    """The chat messages for one set of variables."""
    return [{"role": role, "content": render(text, variables)} for role, text in MESSAGES]
'''

_MAIN = """
if __name__ == "__main__":
    # Variables as JSON: the first argument, or standard input.
    source = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    print(complete(json.loads(source)))
"""


def render_code(bundle: ApprovedBundle) -> RenderedExport:
    """The standalone module of a bundle (see the module docstring)."""
    model = bundle.model_content
    export = RenderedExport()
    server_command: str | None = None
    if model.provider == "local":
        gguf = _local_model_file(model.model)
        server_command = (
            f'python -m llama_cpp.server --model "{gguf}" --host 127.0.0.1 --port {LLAMA_PORT}'
        )
        export.warnings.append(
            "the bundle runs on the embedded model: the module calls llama.cpp's"
            f" OpenAI-compatible server; start it first with: {server_command}"
            f' (or: llama-server -m "{gguf}" --port {LLAMA_PORT})'
        )
    templates = bundle.messages()
    simple = all(t.simple for t in templates)
    name = module_name(bundle)
    sdk = "anthropic" if model.provider == "anthropic" else "openai"
    key_env = model.api_key_env or _DEFAULT_KEY_ENV.get(model.provider)
    base_url = resolve_base_url(model.base_url) if model.base_url else None
    if server_command is not None:
        key_env, base_url = None, f"http://127.0.0.1:{LLAMA_PORT}/v1"
    if sdk == "anthropic" and "json_schema" in bundle.params:
        export.warnings.append(
            "the JSON schema parameter is not sent by the generated Anthropic call; add"
            " output_config to messages.create if the answer must follow it"
        )
    if not simple:
        export.warnings.append(
            "the templates use conditions or loops: the module renders them with jinja2,"
            " so install jinja2 beside the SDK"
        )
    messages = [(t.role, _dollar_template(t) if simple else t.source) for t in templates]
    ids = bundle.approval.versions
    header = [
        f'"""Approved prompt bundle {bundle.title}.',
        "",
        "Generated by Prompt Workbench; it needs only the",
        f"``{sdk}`` SDK{'' if simple else ' and ``jinja2``'}. Versions:",
        f"prompt {ids.prompt_id}, persona {ids.persona_id or 'none'},",
        f"model {ids.model_id}, rubric {ids.rubric_id}.",
        "",
        f"Usage: {key_env + '=... ' if key_env else ''}python {name}.py '<variables as JSON>'",
        *(
            [
                "",
                "The model runs in llama.cpp's OpenAI-compatible server; start it first:",
                f"    {server_command}",
            ]
            if server_command
            else []
        ),
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import json",
        "import os",
        *(["import string"] if simple else []),
        "import sys",
        "from collections.abc import Mapping",
        "from typing import Any",
        "",
        f"MODEL = {model.model!r}",
        f"PARAMS: dict[str, Any] = {_literal(bundle.params)}",
        f"API_KEY_ENV = {key_env!r}",
        f"BASE_URL_ENV = {(name.upper() + '_BASE_URL')!r}",
        f"DEFAULT_BASE_URL = {base_url!r}",
        f"MESSAGES: list[tuple[str, str]] = {_literal(messages)}",
        "",
    ]
    sections = [
        "\n".join(header).strip(),
        (_SIMPLE_RENDER if simple else _JINJA_RENDER).strip(),
        (_ANTHROPIC_CALL if sdk == "anthropic" else _OPENAI_CALL).strip(),
        _MAIN.strip(),
    ]
    export.files[f"{name}.py"] = "\n\n\n".join(sections) + "\n"
    return export
