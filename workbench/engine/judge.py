"""LLM-judge calls through the engine's limits, retries, timeouts and response cache.

Scoring asks a judge model about each output through a plain `JudgeCall` callable
(``ChatRequest -> ChatResult | ProviderError``). `EngineJudge` is that callable for a judge
model config, with the same machinery a run's cells go through:

* the endpoint's limits (concurrency, requests/min, tokens/min) from `EngineOptions`, or a
  `Limits` shared with other callers, plus a cap on judge calls in flight;
* retries of retryable errors with the engine's `RetryPolicy`, Retry-After as a floor, and the
  per-attempt timeout; slots are given back before each wait;
* the store's response cache under the engine's versioned key (`cache_key`, repeat 0): a second
  scoring of the same outputs with the same judge calls no model; errors and answers holding no
  readable verdict are never cached.

A failure comes back as a `ProviderError` (a provider that cannot be built is a ``config``
error, a provider bug a ``crashed`` one), so the scorer records an *error*, never a *fail*.

An `EngineJudge` belongs to the event loop that first calls it (its provider's HTTP client
does); build one per loop and close it with `aclose` (or ``async with``).
"""

from __future__ import annotations

import dataclasses
import logging
import random

from workbench.core.errors import KnownError
from workbench.core.llm import (
    ChatRequest,
    ChatResult,
    ErrorKind,
    Outcome,
    Provider,
    ProviderError,
)
from workbench.core.models import ModelConfigContent
from workbench.engine.cache import CacheBackend, ResponseCache, cache_key
from workbench.engine.clock import Clock, MonotonicClock
from workbench.engine.costing import CountTokens, default_count_tokens
from workbench.engine.execution import ProviderFactoryFn, ProviderPool
from workbench.engine.limits import Limits, endpoint_key
from workbench.engine.loop_bound import LoopBound
from workbench.engine.retry import attempt_with_timeout, run_with_retries
from workbench.engine.runner import EngineOptions
from workbench.scoring.judge import readable_judge_answer

log = logging.getLogger(__name__)

JUDGE_CONCURRENCY = 8
"""Judge calls in flight at once by default (the endpoint's own limits may allow fewer)."""

_POOL_KEY = "judge"
_OUTPUT_LIMIT_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


class EngineJudge(LoopBound):
    """A `JudgeCall` for one judge model config, through the engine's limits, retries and cache.

    Args:
        config: the judge's model config; its model fills a request that names none, and its
            parameters are defaults the request's own parameters override.
        provider_factory: builds the provider (sync or async), on the first call that needs it.
        cache: the store (``cache_get`` / ``cache_put``); None disables caching.
        options: retry policy, endpoint limits and output allowance (engine defaults if None).
        limits: limits to share with other callers (a run on the same endpoint); built from
            `options` with `concurrency` when None.
        concurrency: judge calls in flight at once when `limits` is None.
        use_cache: False bypasses cache reads but still writes fresh answers, as runs do.
        clock: time for rate limits and retry waits (tests pass a virtual one).
        count_tokens: token estimate for a tokens/min limit (the engine's counter if None).
        seed: seed of the retry jitter (None: unpredictable; the engine's option if given).

    Attributes:
        calls: judge requests received.
        requests: attempts sent to the provider (retries included).
        cache_hits: requests answered from the cache.
    """

    WHAT = "judge"

    def __init__(
        self,
        config: ModelConfigContent,
        provider_factory: ProviderFactoryFn,
        *,
        cache: CacheBackend | None = None,
        options: EngineOptions | None = None,
        limits: Limits | None = None,
        concurrency: int = JUDGE_CONCURRENCY,
        use_cache: bool = True,
        clock: Clock | None = None,
        count_tokens: CountTokens | None = None,
        seed: int | None = None,
    ) -> None:
        self.config = config
        self.options = options or EngineOptions()
        self._clock = clock or MonotonicClock()
        self._limits = limits or Limits(
            concurrency,
            dict(self.options.endpoint_limits),
            default=self.options.default_endpoint_limits,
            clock=self._clock,
        )
        self._endpoint = self._limits.endpoint(endpoint_key(config.provider, config.base_url))
        self._providers = ProviderPool(provider_factory)
        self._backend = cache
        self._cache = ResponseCache(cache) if cache is not None else None
        self._use_cache = use_cache
        self._count_tokens = count_tokens
        self._rng = random.Random(seed if seed is not None else self.options.seed)
        self.calls = 0
        self.requests = 0
        self.cache_hits = 0

    def prepare(self, request: ChatRequest) -> ChatRequest:
        """The request as sent: the config's model when it names none, the config's params
        under the request's own."""
        return dataclasses.replace(
            request,
            model=request.model or self.config.model,
            params={**self.config.params, **request.params},
        )

    def cache_key(self, request: ChatRequest) -> str:
        """The engine's cache key of a prepared request (the model it names, repeat 0)."""
        config = self.config
        if request.model != config.model:
            config = config.model_copy(update={"model": request.model})
        return cache_key(config, request.params, request.messages, 0)

    async def __call__(self, request: ChatRequest) -> ChatResult | ProviderError:
        """Answer one judge request: from the cache, else from the provider with retries."""
        self._check_loop()
        self.calls += 1
        sent = self.prepare(request)
        key = self.cache_key(sent)
        cached = self._cached(sent, key)
        if cached is not None:
            return cached
        outcome = await self._call_with_retries(sent)
        self._remember(sent, key, outcome)
        return outcome

    def _keeps(self, request: ChatRequest, answer: ChatResult) -> bool:
        """Whether `answer` may be served from or written to the cache. A judge keeps only
        answers the scorer can read: fixing the judge must re-ask the others, and an unreadable
        answer cached by an older version is asked again."""
        return readable_judge_answer(request, answer)

    def _cached(self, request: ChatRequest, key: str) -> ChatResult | None:
        """The cached answer to the prepared `request`, counted as a hit; None to ask."""
        if self._cache is None or not self._use_cache:
            return None
        self._cache.preload([key])
        cached = self._cache.get(key)
        if cached is None or not self._keeps(request, cached):
            return None
        self.cache_hits += 1
        return cached

    def _remember(self, request: ChatRequest, key: str, outcome: Outcome) -> None:
        """Cache an answer worth keeping."""
        if (
            isinstance(outcome, ChatResult)
            and self._cache is not None
            and self._backend is not None
            and self._keeps(request, outcome)
        ):
            # A plain synchronous write between awaits: no transaction spans a network call.
            self._backend.cache_put(key, self._cache.remember(key, outcome))

    async def _call_with_retries(self, request: ChatRequest) -> Outcome:
        try:
            provider = await self._providers.get(_POOL_KEY, self.config)
        except KnownError as error:  # a missing key or a bad config: every call says the same
            return ProviderError(ErrorKind.CONFIG, str(error))
        estimated = self._estimated_tokens(request) if self._endpoint.counts_tokens else 0
        global_slots = self._limits.global_slots
        retry = self.options.retry

        async def attempt() -> Outcome:
            async with self._endpoint.slot(estimated), global_slots:
                self.requests += 1
                return await attempt_with_timeout(
                    lambda: provider.complete(request), retry.timeout_s
                )

        try:
            outcome, _attempts = await run_with_retries(
                attempt, retry, sleep=self._clock.sleep, rng=self._rng
            )
        except Exception as error:  # a provider bug costs this judgement, not the scoring
            log.exception("the judge provider %s crashed", self.config.provider)
            return ProviderError(ErrorKind.CRASHED, f"{type(error).__name__}: {error}")
        if isinstance(outcome, ChatResult) and estimated:
            actual = (outcome.input_tokens or 0) + (outcome.output_tokens or 0)
            self._endpoint.correct_tokens(estimated, actual)
        return outcome

    def _estimated_tokens(self, request: ChatRequest) -> int:
        if self._count_tokens is None:
            self._count_tokens = default_count_tokens()
        tokens = self._count_tokens(request.messages, request.model).n
        for name in _OUTPUT_LIMIT_KEYS:
            value = request.params.get(name)
            if isinstance(value, int) and value > 0:
                return tokens + value
        return tokens + self.options.assumed_output_tokens

    async def aclose(self) -> None:
        """Close the provider built for the judge, if any."""
        await self._providers.aclose()


def provider_as_factory(provider: Provider) -> ProviderFactoryFn:
    """A factory that always returns `provider`, for callers that built one already (closing
    the judge then closes that provider)."""

    def factory(_config: ModelConfigContent) -> Provider:
        return provider

    return factory
