"""Embeddings from an OpenAI-compatible endpoint, for the ``similar`` criterion.

Scoring does not talk to the network itself: the application layer hands the scorer these
calls, so the SDK stays in the providers layer. `embed_texts` is the synchronous call (scoring
outside any event loop); `AsyncEmbeddings` is the asynchronous one the engine's
`EngineEmbedder` sends through its limits, retries and cache, so an embedding call made while
a run is under way never blocks the run's event loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from typing import Any

from workbench.core.errors import KnownError
from workbench.core.llm import ErrorKind, ProviderError
from workbench.providers.errors import provider_error

DEFAULT_MODEL = "text-embedding-3-large"
TIMEOUT_S = 30.0


def embed_texts(texts: list[str], target: Mapping[str, Any]) -> list[list[float]]:
    """One vector per text from ``target``'s endpoint: ``{model, base_url, api_key_env}``.

    Defaults follow promptfoo: ``text-embedding-3-large`` at the OpenAI SDK's base URL
    (``OPENAI_BASE_URL`` when set) with the key in ``OPENAI_API_KEY``.

    Raises:
        Exception: whatever the SDK raises (the caller turns it into an error result).
    """
    from openai import OpenAI

    client = OpenAI(
        api_key=os.environ.get(str(target.get("api_key_env") or "OPENAI_API_KEY")) or "not-needed",
        base_url=target.get("base_url"),
        timeout=TIMEOUT_S,
        max_retries=1,
    )
    try:
        response = client.embeddings.create(
            model=str(target.get("model") or DEFAULT_MODEL), input=texts
        )
    finally:
        client.close()
    return [list(item.embedding) for item in response.data]


Vectors = list[list[float]]


class AsyncEmbeddings:
    """Embeddings over `openai.AsyncOpenAI`, one client per endpoint and key variable.

    Calling it returns one vector per text, or a classified `ProviderError` (never raises but
    on cancellation), so the engine can retry rate limits and server errors. SDK retries are
    off: the engine owns the only retry layer. Belongs to the event loop that first calls it;
    close it with `aclose`.
    """

    def __init__(self, *, timeout_s: float = TIMEOUT_S) -> None:
        self._timeout_s = timeout_s
        self._clients: dict[tuple[str | None, str], Any] = {}

    def _client(self, target: Mapping[str, Any]) -> tuple[Any, str | None]:
        from openai import AsyncOpenAI

        key_env = str(target.get("api_key_env") or "OPENAI_API_KEY")
        api_key = os.environ.get(key_env)
        base_url = target.get("base_url")
        client = self._clients.get((base_url, key_env))
        if client is None:
            client = AsyncOpenAI(
                api_key=api_key or "not-needed",
                base_url=base_url,
                timeout=self._timeout_s,
                max_retries=0,
            )
            self._clients[(base_url, key_env)] = client
        return client, api_key

    async def __call__(
        self, texts: list[str], target: Mapping[str, Any]
    ) -> Vectors | ProviderError:
        """One vector per text from ``target``'s endpoint (see `embed_texts` for the defaults)."""
        import openai

        from workbench.providers.sdk_errors import classify_sdk_exception

        client, api_key = self._client(target)
        where = str(client.base_url).rstrip("/")
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await client.embeddings.create(
                    model=str(target.get("model") or DEFAULT_MODEL), input=texts
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return classify_sdk_exception(exc, openai, secrets=[api_key], where=where)
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(texts):
            return provider_error(
                ErrorKind.MALFORMED,
                f"unreadable answer from {where}: {len(data)} vectors for {len(texts)} texts",
            )
        return [list(item.embedding) for item in data]

    async def aclose(self) -> None:
        """Close every client opened."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()
class EmbeddingsError(KnownError):
    """The embeddings endpoint cannot give vectors (none there, unreachable, refused)."""


#: Statuses by which servers say they serve no embeddings (llama.cpp without ``--embeddings``
#: answers 501; a chat-only server 404 or 405).
NO_ENDPOINT_STATUSES = frozenset({404, 405, 501})


def embed_or_explain(
    texts: list[str], target: Mapping[str, Any], *, what: str
) -> list[list[float]]:
    """`embed_texts`, with SDK failures turned into an `EmbeddingsError` naming `what` (the
    model config), the URL and the cause; the vectors' count is checked."""
    import openai

    url = target.get("base_url") or os.environ.get("OPENAI_BASE_URL") or "api.openai.com"
    try:
        vectors = embed_texts(texts, target)
    except openai.APIStatusError as error:
        if error.status_code in NO_ENDPOINT_STATUSES:
            raise EmbeddingsError(
                f"{what} has no embeddings endpoint at {url} (HTTP {error.status_code}): "
                "choose a model config whose server serves /embeddings, or cluster with "
                "TF-IDF (the default)"
            ) from None
        detail = str(error.message)[:200]
        raise EmbeddingsError(
            f"the embeddings endpoint of {what} at {url} answered HTTP {error.status_code}: "
            f"{detail}"
        ) from None
    except openai.APIConnectionError as error:
        raise EmbeddingsError(
            f"cannot reach the embeddings endpoint of {what} at {url}: {error}"
        ) from None
    if len(vectors) != len(texts):
        raise EmbeddingsError(
            f"the embeddings endpoint of {what} returned {len(vectors)} vectors "
            f"for {len(texts)} texts"
        )
    return vectors
