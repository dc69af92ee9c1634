"""Anthropic through the official async SDK, with its retries off (the engine owns retrying).

System messages are joined into the ``system`` field; ``max_tokens`` is required by the API, so
1024 is sent when the prompt sets none. Usage comes from ``message_start`` (input) and
``message_delta`` (output). ``seed`` has no Anthropic equivalent and is not sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

import anthropic

from workbench.core.llm import ChatRequest, ChatResult, DeltaSink, Message, Outcome, ProviderError
from workbench.providers.sdk_errors import MalformedAnswer, classify_sdk_exception, guarded_sdk_call

DEFAULT_MAX_TOKENS = 1024
_DROPPED_PARAMS = frozenset({"seed", "json_schema_name", "max_tokens", "json_schema", "stop"})


def split_system(messages: tuple[Message, ...]) -> tuple[str | None, list[dict[str, str]]]:
    """System messages joined by blank lines, and the remaining messages for ``messages=``."""
    system = [m.content for m in messages if m.role == "system"]
    rest = [{"role": m.role, "content": m.content} for m in messages if m.role != "system"]
    return ("\n\n".join(system) if system else None), rest


def anthropic_arguments(request: ChatRequest) -> dict[str, Any]:
    """The keyword arguments of ``messages.create`` for `request`."""
    params = request.params
    system, messages = split_system(request.messages)
    arguments: dict[str, Any] = {
        "model": request.model,
        "messages": messages,
        "max_tokens": int(params.get("max_tokens") or DEFAULT_MAX_TOKENS),
    }
    if system is not None:
        arguments["system"] = system
    stop = params.get("stop")
    if stop:
        arguments["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if params.get("json_schema") is not None:
        arguments["output_config"] = {
            "format": {"type": "json_schema", "schema": params["json_schema"]}
        }
    # temperature, top_p, top_k and anything newer travel in the body: this SDK's create()
    # signature no longer lists the sampling parameters, while the API still accepts them.
    extra = {k: v for k, v in params.items() if k not in _DROPPED_PARAMS}
    if extra:
        arguments["extra_body"] = extra
    return arguments


class AnthropicProvider:
    """Messages through `anthropic.AsyncAnthropic`.

    Args:
        name: how results and errors name this provider.
        api_key: the key (from `SecretStore`); it never appears in an error message.
        base_url: None for api.anthropic.com.
        timeout_s: limit for one whole call, streaming included.
    """

    def __init__(
        self,
        *,
        name: str = "anthropic",
        api_key: str | None,
        base_url: str | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.name = name
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )
        self._where = str(self._client.base_url).rstrip("/")

    async def complete(self, request: ChatRequest, on_delta: DeltaSink | None = None) -> Outcome:
        """Send one request; a `ChatResult` or a classified `ProviderError`, never raises."""
        started = time.perf_counter()

        def call() -> Awaitable[ChatResult]:
            if request.stream:
                return self._stream(request, started, on_delta)
            return self._once(request, started)

        return await guarded_sdk_call(
            call, anthropic, timeout_s=self._timeout_s, secrets=[self._api_key], where=self._where
        )

    async def _once(self, request: ChatRequest, started: float) -> ChatResult:
        message = await self._client.messages.create(**anthropic_arguments(request))
        if message.content is None:
            raise MalformedAnswer("the answer has no content")
        text = "".join(block.text for block in message.content if block.type == "text")
        return ChatResult(
            text=text,
            finish_reason=message.stop_reason,
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            model=message.model,
        )

    async def _stream(
        self, request: ChatRequest, started: float, on_delta: DeltaSink | None
    ) -> ChatResult:
        stream = await self._client.messages.create(**anthropic_arguments(request), stream=True)
        pieces: list[str] = []
        stop_reason: str | None = None
        input_tokens: int | None = None
        output_tokens: int | None = None
        model: str | None = None
        ttft: float | None = None
        stopped = False
        async with stream:
            async for event in stream:
                if event.type == "message_start":
                    model = event.message.model
                    input_tokens = event.message.usage.input_tokens
                    output_tokens = event.message.usage.output_tokens
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    if ttft is None:
                        ttft = time.perf_counter()
                    pieces.append(event.delta.text)
                    if on_delta is not None:
                        on_delta(event.delta.text)
                elif event.type == "message_delta":
                    stop_reason = event.delta.stop_reason or stop_reason
                    output_tokens = event.usage.output_tokens
                    if getattr(event.usage, "input_tokens", None) is not None:
                        input_tokens = event.usage.input_tokens
                elif event.type == "message_stop":
                    stopped = True
        if not stopped:
            raise ConnectionResetError("the stream ended before the answer was complete")
        return ChatResult(
            text="".join(pieces),
            finish_reason=stop_reason,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            ttft_ms=None if ttft is None else (ttft - started) * 1000,
            model=model,
        )

    async def count_tokens(self, messages: tuple[Message, ...], model: str) -> int | ProviderError:
        """Input tokens as Anthropic counts them (``messages.count_tokens``; needs the network)."""
        system, rest = split_system(messages)
        arguments: dict[str, Any] = {"model": model, "messages": rest}
        if system is not None:
            arguments["system"] = system
        try:
            async with asyncio.timeout(self._timeout_s):
                counted = await self._client.messages.count_tokens(**arguments)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return classify_sdk_exception(
                exc, anthropic, secrets=[self._api_key], where=self._where
            )
        return counted.input_tokens

    async def aclose(self) -> None:
        await self._client.close()
