"""OpenAI-compatible servers (Ollama, LM Studio, vLLM, llama.cpp) through a lean aiohttp client.

Why not the `openai` SDK here: its HTTP layer costs several times more CPU per call than a plain
aiohttp request (see ``bench/providers_transport.py``), and a run of thousands of calls against a
local server is bound by that CPU. This client speaks exactly the chat-completions subset the
workbench needs — JSON and SSE streaming with the ``include_usage`` chunk — over one shared
`aiohttp.ClientSession` whose connection pool matches the run's concurrency. Errors are mapped
like the SDK providers map theirs (`workbench.providers.errors`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import aiohttp

from workbench.core.errors import KnownError
from workbench.core.llm import ChatRequest, ChatResult, DeltaSink, ErrorKind, Outcome
from workbench.providers.chat_stream import ChatStreamDecoder, MalformedResponse
from workbench.providers.errors import (
    error_from_status,
    message_from_body,
    provider_error,
    scrub_secrets,
)
from workbench.providers.openai_params import (
    JsonSchemaStyle,
    MaxTokensField,
    openai_chat_params,
    openai_messages,
)

PRESETS: dict[str, str] = {
    "ollama": "http://localhost:11434/v1",
    "lmstudio": "http://localhost:1234/v1",
    "vllm": "http://localhost:8000/v1",
    "llamacpp": "http://localhost:8080/v1",
}

log = logging.getLogger(__name__)


def resolve_base_url(base_url: str) -> str:
    """The URL for a preset name (``ollama``, ``lmstudio``, ``vllm``, ``llamacpp``) or a URL.

    The result has no trailing slash.
    """
    return PRESETS.get(base_url.strip().lower(), base_url).rstrip("/")


class OpenAICompatibleProvider:
    """Chat completions against any OpenAI-compatible ``base_url`` (``.../v1``).

    Args:
        name: how results and errors name this provider.
        base_url: the API root including ``/v1``, or a preset name.
        api_key: sent as a bearer token when given; many local servers need none.
        timeout_s: limit for one whole call, streaming included.
        max_connections: size of the connection pool (match the run's concurrency).
        max_tokens_field / json_schema_style: see `openai_chat_params`.
        count_stream_chunks: when a stream carries no usage, report the number of content
            chunks as output tokens (true of llama.cpp servers, which send one chunk per token
            and no usage in streams).
    """

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_connections: int = 64,
        max_tokens_field: MaxTokensField = "max_tokens",
        json_schema_style: JsonSchemaStyle = "openai",
        count_stream_chunks: bool = False,
    ) -> None:
        self.name = name
        self._count_stream_chunks = count_stream_chunks
        self.base_url = resolve_base_url(base_url)
        self._api_key = api_key
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_connections = max_connections
        self._max_tokens_field: MaxTokensField = max_tokens_field
        self._json_schema_style: JsonSchemaStyle = json_schema_style
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            # A session belongs to one event loop; a provider reused on a new loop gets a new one.
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, headers=self._headers()
            )
            self._session_loop = loop
        return self._session

    def body_for(self, request: ChatRequest) -> dict[str, Any]:
        """The JSON body sent for `request`."""
        body: dict[str, Any] = {
            "model": request.model,
            "messages": openai_messages(request.messages),
            **openai_chat_params(
                request.params,
                max_tokens_field=self._max_tokens_field,
                json_schema_style=self._json_schema_style,
            ),
        }
        if request.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(self, request: ChatRequest, on_delta: DeltaSink | None = None) -> Outcome:
        """Send one chat request; a `ChatResult` or a classified `ProviderError`, never raises."""
        started = time.perf_counter()
        try:
            session = self._get_session()
            async with session.post(
                f"{self.base_url}/chat/completions", data=json.dumps(self.body_for(request))
            ) as response:
                if response.status >= 400:
                    raw = await response.read()
                    return error_from_status(
                        response.status,
                        message_from_body(raw),
                        response.headers,
                        secrets=[self._api_key],
                    )
                if request.stream:
                    return await _read_stream(
                        response, started, on_delta, count_chunks=self._count_stream_chunks
                    )
                return _parse_completion(await response.read(), started)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            return provider_error(
                ErrorKind.TIMEOUT,
                f"no complete answer within {self._timeout.total:g} s from {self.base_url}",
            )
        except aiohttp.ClientConnectorError as exc:
            return provider_error(
                ErrorKind.CONNECTION,
                f"cannot connect to {self.base_url}: {exc.os_error or exc}",
                secrets=[self._api_key],
            )
        except (aiohttp.ClientError, ConnectionError) as exc:
            return provider_error(
                ErrorKind.CONNECTION,
                f"connection to {self.base_url} failed: {type(exc).__name__}: {exc}",
                secrets=[self._api_key],
            )
        except MalformedResponse as exc:
            return provider_error(ErrorKind.MALFORMED, str(exc), secrets=[self._api_key])
        except Exception as exc:  # a bug, or something new: keep the run going, log it loudly
            log.exception("unexpected failure calling %s", self.name)
            return provider_error(
                ErrorKind.CRASHED,
                f"unexpected {type(exc).__name__}: {exc}",
                secrets=[self._api_key],
            )

    async def list_models(self) -> list[str]:
        """Model ids from ``GET /models``; `KnownError` naming the URL when that fails."""
        url = f"{self.base_url}/models"
        try:
            async with self._get_session().get(url) as response:
                raw = await response.read()
                if response.status >= 400:
                    message = scrub_secrets(message_from_body(raw), [self._api_key])
                    raise KnownError(f"{url} answered HTTP {response.status}: {message}")
                data = json.loads(raw)
                return [str(item["id"]) for item in data.get("data", [])]
        except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
            raise KnownError(f"Cannot list models at {url}: {type(exc).__name__} {exc}") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise KnownError(f"{url} did not answer with an OpenAI model list") from None

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _parse_completion(raw: bytes, started: float) -> ChatResult:
    try:
        data = json.loads(raw)
        choice = data["choices"][0]
        text = choice["message"].get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise MalformedResponse(
            f"unreadable chat completion ({type(exc).__name__}): "
            f"{raw[:200].decode('utf-8', errors='replace')}"
        ) from None
    usage = data.get("usage") or {}
    return ChatResult(
        text=text,
        finish_reason=choice.get("finish_reason"),
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        latency_ms=(time.perf_counter() - started) * 1000,
        model=data.get("model"),
    )


async def _read_stream(
    response: aiohttp.ClientResponse,
    started: float,
    on_delta: DeltaSink | None,
    *,
    count_chunks: bool = False,
) -> ChatResult:
    """Read an SSE answer in the pieces the socket delivers (see `ChatStreamDecoder`)."""
    decoder = ChatStreamDecoder(on_delta)
    content = response.content
    while not decoder.done:
        data = await content.readany()
        if not data:
            break
        decoder.feed(data)
    decoder.finish()
    return decoder.result(started, count_chunks=count_chunks)


async def list_models(base_url: str, api_key: str | None = None) -> list[str]:
    """Model ids served at `base_url` (a URL ending in ``/v1`` or a preset name)."""
    provider = OpenAICompatibleProvider(
        name="list-models", base_url=base_url, api_key=api_key, timeout_s=10.0, max_connections=1
    )
    try:
        return await provider.list_models()
    finally:
        await provider.aclose()
