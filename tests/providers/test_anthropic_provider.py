"""Anthropic messages through the real `anthropic` SDK against the fake server on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from tests.providers.conftest import FAKE_ANTHROPIC_KEY
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Message, ProviderError
from workbench.providers.anthropic_provider import DEFAULT_MAX_TOKENS, AnthropicProvider
from workbench.testing.fake_llm import FakeLLMServer, Reply

MESSAGES = (
    Message("system", "Tu es l'assistant de Maison Lumière."),
    Message("system", "Tu vouvoies toujours le client."),
    Message("user", "Bonjour, ma lampe est arrivée cassée."),
)


@pytest.fixture
async def provider(fake_server: FakeLLMServer) -> AsyncIterator[AnthropicProvider]:
    instance = AnthropicProvider(api_key=FAKE_ANTHROPIC_KEY, base_url=fake_server.base_url)
    yield instance
    await instance.aclose()


def request_for(stream: bool = True, **params: object) -> ChatRequest:
    return ChatRequest(
        model="claude-haiku-4-5", messages=MESSAGES, params=dict(params), stream=stream
    )


async def test_json_answer(provider: AnthropicProvider, fake_server: FakeLLMServer) -> None:
    result = await provider.complete(request_for(stream=False))

    assert isinstance(result, ChatResult)
    assert result.text == "Réponse à: Bonjour, ma lampe est arrivée cassée."
    assert result.finish_reason == "end_turn"
    assert result.output_tokens == 8 and result.input_tokens is not None
    assert result.model == "claude-haiku-4-5"


async def test_system_messages_go_to_system_field(
    provider: AnthropicProvider, fake_server: FakeLLMServer
) -> None:
    await provider.complete(request_for())

    [seen] = fake_server.requests
    assert seen.path == "/v1/messages"
    assert seen.body is not None
    assert seen.body["system"] == (
        "Tu es l'assistant de Maison Lumière.\n\nTu vouvoies toujours le client."
    )
    assert seen.body["messages"] == [
        {"role": "user", "content": "Bonjour, ma lampe est arrivée cassée."}
    ]
    assert seen.body["max_tokens"] == DEFAULT_MAX_TOKENS
    assert seen.auth_present


async def test_stream_deltas_and_usage(
    provider: AnthropicProvider, fake_server: FakeLLMServer
) -> None:
    fake_server.faults.chunk_delay_ms = 5
    deltas: list[str] = []

    result = await provider.complete(request_for(), deltas.append)

    assert isinstance(result, ChatResult)
    assert deltas[:3] == ["Réponse ", "à: ", "Bonjour, "]
    assert "".join(deltas) == result.text
    assert result.output_tokens == len(deltas) == 8  # from message_delta
    assert result.ttft_ms is not None and 0 < result.ttft_ms < result.latency_ms


async def test_input_tokens_from_message_start(provider: AnthropicProvider) -> None:
    result = await provider.complete(request_for())
    counted = await provider.count_tokens(MESSAGES, "claude-haiku-4-5")

    assert isinstance(result, ChatResult)
    assert isinstance(counted, int) and counted > 0
    assert result.input_tokens == counted  # the fake counts the same way in both places


async def test_params_are_mapped(provider: AnthropicProvider, fake_server: FakeLLMServer) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    result = await provider.complete(
        request_for(
            temperature=0.1, top_p=0.8, max_tokens=3, seed=5, stop="FIN", json_schema=schema
        )
    )

    assert isinstance(result, ChatResult)
    assert result.finish_reason == "max_tokens" and result.output_tokens == 3
    body = fake_server.requests[0].body
    assert body is not None
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.1, 0.8, 3)
    assert body["stop_sequences"] == ["FIN"]
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert "seed" not in body and "stop" not in body and "json_schema" not in body


@pytest.mark.parametrize("stream", [True, False])
async def test_rate_limit(
    provider: AnthropicProvider, fake_server: FakeLLMServer, stream: bool
) -> None:
    fake_server.script(Reply.rate_limited("12"))

    error = await provider.complete(request_for(stream=stream))

    assert isinstance(error, ProviderError)
    assert (error.kind, error.status, error.retry_after_s) == (ErrorKind.RATE_LIMITED, 429, 12.0)
    assert len(fake_server.requests) == 1


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply.error(500), ErrorKind.SERVER),
        (Reply.error(529), ErrorKind.SERVER),  # Anthropic's "overloaded"
        (Reply.error(400), ErrorKind.BAD_REQUEST),
        (Reply("malformed"), ErrorKind.MALFORMED),
        (Reply("cut"), ErrorKind.CONNECTION),
        (Reply("disconnect"), ErrorKind.CONNECTION),
    ],
)
async def test_errors(
    provider: AnthropicProvider, fake_server: FakeLLMServer, reply: Reply, kind: ErrorKind
) -> None:
    fake_server.script(reply)

    error = await provider.complete(request_for())

    assert isinstance(error, ProviderError) and error.kind == kind
    assert len(fake_server.requests) == 1


async def test_timeout(fake_server: FakeLLMServer) -> None:
    provider = AnthropicProvider(
        api_key=FAKE_ANTHROPIC_KEY, base_url=fake_server.base_url, timeout_s=0.5
    )
    fake_server.faults.hang = True
    try:
        error = await provider.complete(request_for())
    finally:
        await provider.aclose()

    assert isinstance(error, ProviderError) and error.kind == ErrorKind.TIMEOUT


async def test_connection_refused(closed_port: int) -> None:
    provider = AnthropicProvider(
        api_key=FAKE_ANTHROPIC_KEY, base_url=f"http://127.0.0.1:{closed_port}"
    )
    try:
        error = await provider.complete(request_for())
        counted = await provider.count_tokens(MESSAGES, "claude-haiku-4-5")
    finally:
        await provider.aclose()

    assert isinstance(error, ProviderError) and error.kind == ErrorKind.CONNECTION
    assert isinstance(counted, ProviderError) and counted.kind == ErrorKind.CONNECTION


async def test_auth_error_hides_key(
    provider: AnthropicProvider, fake_server: FakeLLMServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_server.script(Reply.error(401, f"invalid x-api-key: {FAKE_ANTHROPIC_KEY}"))

    error = await provider.complete(request_for())

    assert isinstance(error, ProviderError)
    assert (error.kind, error.retryable) == (ErrorKind.AUTH, False)
    assert FAKE_ANTHROPIC_KEY not in error.message and "invalid x-api-key" in error.message
    assert FAKE_ANTHROPIC_KEY not in caplog.text
