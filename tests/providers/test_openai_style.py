"""Chat completions through the real `openai` SDK and through the lean aiohttp client.

Every test runs against both transports and the fake server on 127.0.0.1, and checks what
the server received as well as what the provider returned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from tests.providers.conftest import FAKE_OPENAI_KEY
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Message, ProviderError
from workbench.providers.compat import OpenAICompatibleProvider
from workbench.providers.openai_provider import OpenAIProvider
from workbench.testing.fake_llm import FakeLLMServer, Reply

Provider = OpenAIProvider | OpenAICompatibleProvider

MESSAGES = (
    Message("system", "Tu es l'assistant de Maison Lumière."),
    Message("user", "Bonjour, où en est ma commande 1234 ?"),
)


def make_provider(kind: str, base_url: str, *, timeout_s: float = 10.0) -> Provider:
    if kind == "sdk":
        return OpenAIProvider(api_key=FAKE_OPENAI_KEY, base_url=base_url, timeout_s=timeout_s)
    return OpenAICompatibleProvider(
        name="compat", base_url=base_url, api_key=FAKE_OPENAI_KEY, timeout_s=timeout_s
    )


@pytest.fixture(params=["sdk", "lean"])
async def provider(
    request: pytest.FixtureRequest, fake_server: FakeLLMServer
) -> AsyncIterator[Provider]:
    instance = make_provider(request.param, fake_server.openai_base_url)
    yield instance
    await instance.aclose()


def request_for(stream: bool = True, **params: object) -> ChatRequest:
    return ChatRequest(model="fake-small", messages=MESSAGES, params=dict(params), stream=stream)


async def test_json_answer_with_usage(provider: Provider, fake_server: FakeLLMServer) -> None:
    result = await provider.complete(request_for(stream=False))

    assert isinstance(result, ChatResult)
    assert result.text == "Réponse à: Bonjour, où en est ma commande 1234 ?"
    assert result.finish_reason == "stop"
    assert result.output_tokens == len(result.text.split())
    assert result.input_tokens is not None and result.input_tokens > 0
    assert result.ttft_ms is None and result.latency_ms > 0
    [seen] = fake_server.requests
    assert seen.body is not None and "stream" not in seen.body
    assert seen.body["messages"] == [
        {"role": "system", "content": MESSAGES[0].content},
        {"role": "user", "content": MESSAGES[1].content},
    ]


async def test_stream_deltas_arrive_in_order(
    provider: Provider, fake_server: FakeLLMServer
) -> None:
    fake_server.faults.chunk_delay_ms = 5
    deltas: list[str] = []

    result = await provider.complete(request_for(), deltas.append)

    assert isinstance(result, ChatResult)
    assert deltas == [
        "Réponse ",
        "à: ",
        "Bonjour, ",
        "où ",
        "en ",
        "est ",
        "ma ",
        "commande ",
        "1234 ",
        "?",
    ]
    assert "".join(deltas) == result.text
    assert result.output_tokens == 10 and result.input_tokens is not None
    assert result.ttft_ms is not None and 0 < result.ttft_ms < result.latency_ms
    assert result.latency_ms - result.ttft_ms >= 9 * 5 * 0.8  # nine more chunks, 5 ms apart
    [seen] = fake_server.requests
    assert seen.body is not None
    assert seen.body["stream"] is True
    assert seen.body["stream_options"] == {"include_usage": True}


async def test_params_are_mapped(provider: Provider, fake_server: FakeLLMServer) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    await provider.complete(
        request_for(
            temperature=0.2,
            top_p=0.9,
            max_tokens=3,
            seed=7,
            stop=["\n"],
            json_schema=schema,
            frequency_penalty=0.5,
        )
    )

    [seen] = fake_server.requests
    body = seen.body
    assert body is not None
    assert body["model"] == "fake-small"
    assert (body["temperature"], body["top_p"], body["seed"], body["stop"]) == (0.2, 0.9, 7, ["\n"])
    assert body["frequency_penalty"] == 0.5
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": schema},
    }
    assert "json_schema" not in body
    # api.openai.com wants max_completion_tokens; compatible servers know max_tokens.
    if isinstance(provider, OpenAIProvider):
        assert body["max_completion_tokens"] == 3 and "max_tokens" not in body
    else:
        assert body["max_tokens"] == 3 and "max_completion_tokens" not in body


async def test_max_tokens_truncates_with_length_reason(provider: Provider) -> None:
    result = await provider.complete(request_for(max_tokens=2))

    assert isinstance(result, ChatResult)
    assert (result.text, result.finish_reason, result.output_tokens) == ("Réponse à: ", "length", 2)


@pytest.mark.parametrize("stream", [True, False])
async def test_rate_limit_carries_retry_after(
    provider: Provider, fake_server: FakeLLMServer, stream: bool
) -> None:
    fake_server.script(Reply.rate_limited("7"))

    error = await provider.complete(request_for(stream=stream))

    assert isinstance(error, ProviderError)
    assert (error.kind, error.status, error.retry_after_s) == (ErrorKind.RATE_LIMITED, 429, 7.0)
    assert error.retryable
    assert "Rate limit reached" in error.message
    assert len(fake_server.requests) == 1  # no retry below the engine


@pytest.mark.parametrize("stream", [True, False])
async def test_server_error(provider: Provider, fake_server: FakeLLMServer, stream: bool) -> None:
    fake_server.script(Reply.error(503))

    error = await provider.complete(request_for(stream=stream))

    assert isinstance(error, ProviderError)
    assert (error.kind, error.status, error.retryable) == (ErrorKind.SERVER, 503, True)
    assert len(fake_server.requests) == 1


async def test_then_recovers_on_next_call(provider: Provider, fake_server: FakeLLMServer) -> None:
    fake_server.script(Reply.error(500), Reply.rate_limited(), "ok")

    outcomes = [await provider.complete(request_for()) for _ in range(3)]

    kinds = [o.kind if isinstance(o, ProviderError) else "ok" for o in outcomes]
    assert kinds == [ErrorKind.SERVER, ErrorKind.RATE_LIMITED, "ok"]
    assert [r.outcome for r in fake_server.requests] == ["error", "rate_limited", "ok"]


@pytest.mark.parametrize("kind", ["sdk", "lean"])
async def test_timeout_on_hang(kind: str, fake_server: FakeLLMServer) -> None:
    provider = make_provider(kind, fake_server.openai_base_url, timeout_s=0.5)
    fake_server.faults.hang = True
    try:
        error = await provider.complete(request_for())
    finally:
        await provider.aclose()

    assert isinstance(error, ProviderError)
    assert (error.kind, error.retryable) == (ErrorKind.TIMEOUT, True)
    assert len(fake_server.requests) == 1


@pytest.mark.parametrize("kind", ["sdk", "lean"])
async def test_timeout_on_slow_stream(kind: str, fake_server: FakeLLMServer) -> None:
    provider = make_provider(kind, fake_server.openai_base_url, timeout_s=0.3)
    fake_server.faults.chunk_delay_ms = 100  # 11 events: well over the limit in total
    deltas: list[str] = []
    try:
        error = await provider.complete(request_for(), deltas.append)
    finally:
        await provider.aclose()

    assert isinstance(error, ProviderError) and error.kind == ErrorKind.TIMEOUT
    assert 0 < len(deltas) < 10  # it was streaming when the limit hit


@pytest.mark.parametrize("stream", [True, False])
async def test_malformed_body(provider: Provider, fake_server: FakeLLMServer, stream: bool) -> None:
    fake_server.script("malformed")

    error = await provider.complete(request_for(stream=stream))

    assert isinstance(error, ProviderError)
    assert (error.kind, error.retryable) == (ErrorKind.MALFORMED, True)
    assert len(fake_server.requests) == 1


async def test_answer_without_choices_is_malformed(
    provider: Provider, fake_server: FakeLLMServer
) -> None:
    fake_server.script("no_choices")

    error = await provider.complete(request_for(stream=False))

    assert isinstance(error, ProviderError) and error.kind == ErrorKind.MALFORMED


async def test_stream_with_no_answer_is_malformed_not_empty(
    provider: Provider, fake_server: FakeLLMServer
) -> None:
    fake_server.script("empty_stream")

    error = await provider.complete(request_for(stream=True))

    assert isinstance(error, ProviderError)
    assert (error.kind, error.retryable) == (ErrorKind.MALFORMED, True)


@pytest.mark.parametrize("reply", ["disconnect", "cut"])
async def test_dropped_connection(
    provider: Provider, fake_server: FakeLLMServer, reply: str
) -> None:
    fake_server.script(reply)

    error = await provider.complete(request_for())

    assert isinstance(error, ProviderError)
    assert (error.kind, error.retryable) == (ErrorKind.CONNECTION, True)


@pytest.mark.parametrize("kind", ["sdk", "lean"])
async def test_connection_refused(kind: str, closed_port: int) -> None:
    provider = make_provider(kind, f"http://127.0.0.1:{closed_port}/v1")
    try:
        error = await provider.complete(request_for())
    finally:
        await provider.aclose()

    assert isinstance(error, ProviderError)
    assert (error.kind, error.retryable) == (ErrorKind.CONNECTION, True)


async def test_auth_error_never_shows_the_key(
    provider: Provider, fake_server: FakeLLMServer, caplog: pytest.LogCaptureFixture
) -> None:
    fake_server.faults.require_api_key = "sk-the-right-one-000000"
    caplog.set_level(logging.DEBUG)

    error = await provider.complete(request_for())

    assert isinstance(error, ProviderError)
    assert (error.kind, error.status, error.retryable) == (ErrorKind.AUTH, 401, False)
    assert FAKE_OPENAI_KEY not in error.message
    assert FAKE_OPENAI_KEY not in caplog.text
    [seen] = fake_server.requests
    assert seen.auth_present
    assert FAKE_OPENAI_KEY not in repr(seen)  # the log keeps a flag, not the value


async def test_echoed_key_is_scrubbed(provider: Provider, fake_server: FakeLLMServer) -> None:
    """Some servers quote the key back in their error text; it must not reach the result."""
    fake_server.script(Reply.error(401, f"Incorrect API key provided: {FAKE_OPENAI_KEY}."))

    error = await provider.complete(request_for())

    assert isinstance(error, ProviderError) and error.kind == ErrorKind.AUTH
    assert "Incorrect API key provided: ***" in error.message
    assert FAKE_OPENAI_KEY not in error.message
    assert FAKE_OPENAI_KEY[:12] not in error.message


async def test_concurrent_calls(provider: Provider, fake_server: FakeLLMServer) -> None:
    fake_server.faults.latency_ms = 50
    results = await asyncio.gather(*(provider.complete(request_for()) for _ in range(20)))

    assert all(isinstance(r, ChatResult) for r in results)
    assert fake_server.stats["requests"] == 20
