"""Embedding calls (the ``similar`` criterion) through the engine's limits, retries and cache.

Scoring asks for vectors through an asynchronous `AsyncEmbedder` callable
(``texts, target -> vectors``). `EngineEmbedder` is that callable with the machinery the judge
and a run's cells go through, so scoring live while a run is under way never blocks the run's
event loop on an embeddings endpoint:

* the endpoint's limits (concurrency, requests/min) from `EngineOptions`, keyed like a model
  config on the same endpoint, plus a cap on embedding calls in flight;
* retries of retryable errors with the engine's `RetryPolicy` (Retry-After as a floor) and the
  per-attempt timeout; slots are given back before each wait;
* a cache per (endpoint, model, text): in memory for the embedder's life and in the store's
  response cache, so scoring the same outputs again calls no endpoint.

A call that fails for good raises `EmbeddingFailed` with the classified error's message; the
``similar`` criterion turns it into an *error* result, never a *fail*. An `EngineEmbedder`
belongs to the event loop that first calls it (its HTTP clients do); close it with `aclose`
(or ``async with``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from workbench.core.llm import ErrorKind, ProviderError
from workbench.engine.cache import CacheBackend
from workbench.engine.clock import Clock, MonotonicClock
from workbench.engine.limits import Limits, endpoint_key
from workbench.engine.loop_bound import LoopBound
from workbench.engine.retry import attempt_with_timeout, run_with_retries
from workbench.engine.runner import EngineOptions
from workbench.scoring.criteria.embedding import DEFAULT_MODEL

log = logging.getLogger(__name__)

EMBED_CONCURRENCY = 8
"""Embedding calls in flight at once by default (the endpoint's own limits may allow fewer)."""

Vectors = list[list[float]]
EmbedFn = Callable[[list[str], Mapping[str, Any]], Awaitable[Vectors | ProviderError]]
"""One embeddings request: vectors, or a classified error (the providers' `AsyncEmbeddings`)."""

_CACHE_VERSION = 1


class EmbeddingFailed(Exception):
    """The embeddings endpoint gave no vectors (after the retries the error allowed)."""


def embedding_cache_key(base_url: str | None, model: str, text: str) -> str:
    """The response-cache key of one text's vector (never the same as a chat call's key)."""
    payload = json.dumps(
        ["embedding", _CACHE_VERSION, (base_url or "").rstrip("/"), model, text],
        ensure_ascii=False,
    )
    return "embedding:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


class EngineEmbedder(LoopBound):
    """An `AsyncEmbedder` through the engine's limits, retries, timeout and cache.

    Args:
        embed: sends one request (the providers' `AsyncEmbeddings`); closed by `aclose` when
            it has an ``aclose``.
        cache: the store (``cache_get`` / ``cache_put``); None keeps vectors in memory only.
        options: retry policy and endpoint limits (engine defaults if None).
        limits: limits to share with other callers; built from `options` when None.
        concurrency: embedding calls in flight at once when `limits` is None.
        use_cache: False bypasses store reads but still writes fresh vectors.
        clock: time for rate limits and retry waits (tests pass a virtual one).
        seed: seed of the retry jitter (the engine's option if None).

    Attributes:
        calls: texts asked for (a request for three texts counts three).
        requests: attempts sent to the endpoint (retries included).
        cache_hits: texts answered from the memory or store cache.
    """

    WHAT = "embedder"

    def __init__(
        self,
        embed: EmbedFn,
        *,
        cache: CacheBackend | None = None,
        options: EngineOptions | None = None,
        limits: Limits | None = None,
        concurrency: int = EMBED_CONCURRENCY,
        use_cache: bool = True,
        clock: Clock | None = None,
        seed: int | None = None,
    ) -> None:
        self.options = options or EngineOptions()
        self._embed = embed
        self._clock = clock or MonotonicClock()
        self._limits = limits or Limits(
            concurrency,
            dict(self.options.endpoint_limits),
            default=self.options.default_endpoint_limits,
            clock=self._clock,
        )
        self._cache = cache
        self._use_cache = use_cache
        self._memory: dict[str, list[float]] = {}
        self._rng = random.Random(seed if seed is not None else self.options.seed)
        self.calls = 0
        self.requests = 0
        self.cache_hits = 0

    async def __call__(self, texts: list[str], target: Mapping[str, Any]) -> Vectors:
        """One vector per text of `texts` from `target`'s endpoint (``{model, base_url,
        api_key_env}``), from the cache when known.

        Raises:
            EmbeddingFailed: the endpoint gave no vectors.
        """
        self._check_loop()
        self.calls += len(texts)
        base_url = target.get("base_url")
        model = str(target.get("model") or DEFAULT_MODEL)
        keys = {text: embedding_cache_key(base_url, model, text) for text in texts}
        missing = [text for text in dict.fromkeys(texts) if not self._known(keys[text])]
        self.cache_hits += len(texts) - len(missing)
        if missing:
            answer = await self._call_with_retries(missing, target, base_url)
            if isinstance(answer, ProviderError):
                raise EmbeddingFailed(answer.message)
            for text, vector in zip(missing, answer, strict=True):
                self._memory[keys[text]] = vector
                if self._cache is not None:
                    # A plain synchronous write between awaits: no transaction spans a call.
                    self._cache.cache_put(keys[text], {"vector": vector})
        return [self._memory[keys[text]] for text in texts]

    def _known(self, key: str) -> bool:
        if key in self._memory:
            return True
        if self._cache is None or not self._use_cache:
            return False
        entry = self._cache.cache_get(key)
        vector = entry.get("vector") if entry else None
        if not isinstance(vector, list):
            return False
        self._memory[key] = [float(value) for value in vector]
        return True

    async def _call_with_retries(
        self, texts: list[str], target: Mapping[str, Any], base_url: str | None
    ) -> Vectors | ProviderError:
        endpoint = self._limits.endpoint(endpoint_key("openai", base_url))
        global_slots = self._limits.global_slots
        retry = self.options.retry

        async def attempt() -> Vectors | ProviderError:
            async with endpoint.slot(), global_slots:
                self.requests += 1
                return await attempt_with_timeout(
                    lambda: self._embed(texts, target), retry.timeout_s
                )

        try:
            answer, _attempts = await run_with_retries(
                attempt, retry, sleep=self._clock.sleep, rng=self._rng
            )
        except Exception as error:  # a client bug costs these vectors, not the scoring
            log.exception("the embeddings client crashed")
            return ProviderError(ErrorKind.CRASHED, f"{type(error).__name__}: {error}")
        return answer

    async def aclose(self) -> None:
        """Close the embeddings client, if it can be closed."""
        close = getattr(self._embed, "aclose", None)
        if close is not None:
            await close()
