"""Mapping a `ChatRequest` to the OpenAI chat-completions body (SDK and lean client alike).

Known `params` keys: temperature, top_p, max_tokens, seed, stop, json_schema (with an optional
json_schema_name). Any other key is passed through unchanged, so a server-specific option
(``frequency_penalty``, ``reasoning_effort``, ``top_k`` for llama.cpp, ...) needs no code here.
"""

from __future__ import annotations

from typing import Any, Literal

from workbench.core.llm import Message

MaxTokensField = Literal["max_tokens", "max_completion_tokens"]
JsonSchemaStyle = Literal["openai", "llama_cpp"]

_INTERNAL_KEYS = frozenset({"json_schema", "json_schema_name", "max_tokens"})


def openai_messages(messages: tuple[Message, ...]) -> list[dict[str, str]]:
    """Messages as the chat-completions API takes them."""
    return [{"role": m.role, "content": m.content} for m in messages]


def openai_chat_params(
    params: dict[str, Any],
    *,
    max_tokens_field: MaxTokensField = "max_tokens",
    json_schema_style: JsonSchemaStyle = "openai",
) -> dict[str, Any]:
    """The request body fields for `params`.

    Args:
        max_tokens_field: api.openai.com wants ``max_completion_tokens`` (reasoning models refuse
            ``max_tokens``); most OpenAI-compatible servers only know ``max_tokens``.
        json_schema_style: ``openai`` sends ``response_format: {type: json_schema, ...}``;
            ``llama_cpp`` sends llama-cpp-python's ``{type: json_object, schema: ...}``, which its
            server turns into a grammar.
    """
    body = {key: value for key, value in params.items() if key not in _INTERNAL_KEYS}
    if params.get("max_tokens") is not None:
        body[max_tokens_field] = params["max_tokens"]
    schema = params.get("json_schema")
    if schema is not None:
        if json_schema_style == "llama_cpp":
            body["response_format"] = {"type": "json_object", "schema": schema}
        else:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": params.get("json_schema_name", "answer"), "schema": schema},
            }
    return body
