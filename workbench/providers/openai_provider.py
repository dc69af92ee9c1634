"""OpenAI through the official async SDK, with its retries off (the engine owns retrying).

Streams by default (``stream_options.include_usage`` for token counts), measuring time to first
token and latency with `time.perf_counter`. Every failure becomes a `ProviderError`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any, cast

import openai
from openai import AsyncStream
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from workbench.core.llm import ChatRequest, ChatResult, DeltaSink, Outcome
from workbench.providers.openai_params import (
    JsonSchemaStyle,
    MaxTokensField,
    openai_chat_params,
    openai_messages,
)
from workbench.providers.sdk_errors import MalformedAnswer, guarded_sdk_call

# Fields the SDK's create() accepts as keyword arguments; any other param goes in extra_body.
_SDK_FIELDS = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "seed",
        "stop",
        "response_format",
        "frequency_penalty",
        "presence_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "n",
        "reasoning_effort",
        "service_tier",
        "user",
        "verbosity",
    }
)


class OpenAIProvider:
    """Chat completions through `openai.AsyncOpenAI`.

    Args:
        name: how results and errors name this provider.
        api_key: the key (from `SecretStore`); it never appears in an error message.
        base_url: None for api.openai.com.
        timeout_s: limit for one whole call, streaming included.
        max_tokens_field: ``max_completion_tokens`` for api.openai.com.
    """

    def __init__(
        self,
        *,
        name: str = "openai",
        api_key: str | None,
        base_url: str | None = None,
        timeout_s: float = 60.0,
        max_tokens_field: MaxTokensField = "max_completion_tokens",
        json_schema_style: JsonSchemaStyle = "openai",
    ) -> None:
        self.name = name
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._max_tokens_field: MaxTokensField = max_tokens_field
        self._json_schema_style: JsonSchemaStyle = json_schema_style
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "unused", base_url=base_url, max_retries=0, timeout=timeout_s
        )
        self._where = str(self._client.base_url).rstrip("/")

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        params = openai_chat_params(
            request.params,
            max_tokens_field=self._max_tokens_field,
            json_schema_style=self._json_schema_style,
        )
        arguments: dict[str, Any] = {k: v for k, v in params.items() if k in _SDK_FIELDS}
        extra = {k: v for k, v in params.items() if k not in _SDK_FIELDS}
        if extra:
            arguments["extra_body"] = extra
        return arguments

    async def complete(self, request: ChatRequest, on_delta: DeltaSink | None = None) -> Outcome:
        """Send one chat request; a `ChatResult` or a classified `ProviderError`, never raises."""
        started = time.perf_counter()

        def call() -> Awaitable[ChatResult]:
            if request.stream:
                return self._stream(request, started, on_delta)
            return self._once(request, started)

        return await guarded_sdk_call(
            call, openai, timeout_s=self._timeout_s, secrets=[self._api_key], where=self._where
        )

    async def _once(self, request: ChatRequest, started: float) -> ChatResult:
        arguments = {
            "model": request.model,
            "messages": openai_messages(request.messages),
            **self._arguments(request),
        }
        completion = cast(ChatCompletion, await self._client.chat.completions.create(**arguments))
        if not completion.choices or completion.choices[0].message is None:
            raise MalformedAnswer("the answer has no choices")
        choice = completion.choices[0]
        usage = completion.usage
        return ChatResult(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason,
            input_tokens=usage.prompt_tokens if usage else None,
            output_tokens=usage.completion_tokens if usage else None,
            latency_ms=(time.perf_counter() - started) * 1000,
            model=completion.model,
        )

    async def _stream(
        self, request: ChatRequest, started: float, on_delta: DeltaSink | None
    ) -> ChatResult:
        arguments = {
            "model": request.model,
            "messages": openai_messages(request.messages),
            "stream": True,
            "stream_options": {"include_usage": True},
            **self._arguments(request),
        }
        stream = cast(
            AsyncStream[ChatCompletionChunk],
            await self._client.chat.completions.create(**arguments),
        )
        pieces: list[str] = []
        finish_reason: str | None = None
        input_tokens: int | None = None
        output_tokens: int | None = None
        model: str | None = None
        ttft: float | None = None
        async with stream:
            async for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    input_tokens = chunk.usage.prompt_tokens
                    output_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices or ():
                    text = choice.delta.content if choice.delta else None
                    if text:
                        if ttft is None:
                            ttft = time.perf_counter()
                        pieces.append(text)
                        if on_delta is not None:
                            on_delta(text)
                    finish_reason = choice.finish_reason or finish_reason
        if finish_reason is None and not pieces:
            raise MalformedAnswer("the stream ended without an answer (no text, no finish reason)")
        if finish_reason is None:
            raise ConnectionResetError("the stream ended before the answer was complete")
        return ChatResult(
            text="".join(pieces),
            finish_reason=finish_reason,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            ttft_ms=None if ttft is None else (ttft - started) * 1000,
            model=model,
        )

    async def aclose(self) -> None:
        await self._client.close()
