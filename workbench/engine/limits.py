"""Concurrency and rate limits: a global cap, plus per-endpoint concurrency and rates.

Token buckets refill continuously. Waiters queue behind a lock so they are served in arrival
order (no starvation of large token requests). Tokens for a call are taken from its estimate
before the call and corrected with the real count afterwards; the bucket may go into debt, which
delays later calls rather than refusing them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass

from workbench.engine.clock import Clock, MonotonicClock


@dataclass(frozen=True)
class EndpointLimits:
    """Limits for one provider endpoint; None means unlimited.

    Attributes:
        concurrency: calls in flight at once.
        requests_per_minute: call starts per minute.
        tokens_per_minute: input + output tokens per minute (estimated, then corrected).
        burst_seconds: how many seconds' worth of rate may be spent at once after idling; the
            default (60) mirrors providers' per-minute windows, a small value paces evenly.
    """

    concurrency: int | None = None
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    burst_seconds: float = 60.0


class TokenBucket:
    """An async token bucket refilled continuously at `rate_per_minute`."""

    def __init__(self, rate_per_minute: float, capacity: float, clock: Clock) -> None:
        if rate_per_minute <= 0 or capacity <= 0:
            raise ValueError("a token bucket needs a positive rate and capacity")
        self._rate_per_s = rate_per_minute / 60.0
        self._capacity = capacity
        self._clock = clock
        self._level = capacity
        self._stamp = clock.now()
        self._lock = asyncio.Lock()

    @property
    def level(self) -> float:
        """Tokens available now (negative while in debt)."""
        self._refill()
        return self._level

    def _refill(self) -> None:
        now = self._clock.now()
        self._level = min(self._capacity, self._level + (now - self._stamp) * self._rate_per_s)
        self._stamp = now

    async def acquire(self, amount: float = 1.0) -> None:
        """Take `amount` tokens, waiting until they are there.

        A request larger than the capacity waits for a full bucket and leaves it in debt, so it
        is slow rather than impossible.
        """
        needed = min(amount, self._capacity)
        async with self._lock:
            self._refill()
            while self._level < needed:
                await self._clock.sleep((needed - self._level) / self._rate_per_s)
                self._refill()
            self._level -= amount

    def adjust(self, extra: float) -> None:
        """Take `extra` more tokens (or give some back when negative) after the fact."""
        self._refill()
        self._level = min(self._capacity, self._level - extra)


_NO_LIMIT: AbstractAsyncContextManager[None] = nullcontext()


class EndpointLimiter:
    """The limits of one endpoint, combined into one `slot` context."""

    def __init__(self, limits: EndpointLimits, clock: Clock) -> None:
        self.limits = limits
        self._semaphore = (
            asyncio.Semaphore(limits.concurrency) if limits.concurrency is not None else None
        )
        burst = max(limits.burst_seconds, 1e-3) / 60.0
        self.requests = (
            TokenBucket(
                limits.requests_per_minute,
                max(1.0, limits.requests_per_minute * burst),
                clock,
            )
            if limits.requests_per_minute
            else None
        )
        self.tokens = (
            TokenBucket(limits.tokens_per_minute, max(1.0, limits.tokens_per_minute * burst), clock)
            if limits.tokens_per_minute
            else None
        )

    @property
    def counts_tokens(self) -> bool:
        """Whether calls through this endpoint need a token estimate."""
        return self.tokens is not None

    def slot(self, estimated_tokens: int = 0) -> AbstractAsyncContextManager[None]:
        """Hold one of the endpoint's concurrent slots, after paying its rate tokens.

        An endpoint without limits (the default) gives a shared no-op context: no generator
        is made and driven for each call.
        """
        if self._semaphore is None and self.requests is None and self.tokens is None:
            return _NO_LIMIT
        return self._slot(estimated_tokens)

    @asynccontextmanager
    async def _slot(self, estimated_tokens: int) -> AsyncIterator[None]:
        if self._semaphore is not None:
            await self._semaphore.acquire()
        try:
            if self.requests is not None:
                await self.requests.acquire(1)
            if self.tokens is not None and estimated_tokens > 0:
                await self.tokens.acquire(estimated_tokens)
            yield
        finally:
            if self._semaphore is not None:
                self._semaphore.release()

    def correct_tokens(self, estimated: int, actual: int) -> None:
        """Settle the tokens/min bucket once the real count is known."""
        if self.tokens is not None and actual != estimated:
            self.tokens.adjust(actual - estimated)


class Limits:
    """The global concurrency cap plus a limiter per endpoint key.

    Endpoint keys are strings such as ``openai|https://api.openai.com/v1``; see `endpoint_key`.
    Limits for keys not listed in `per_endpoint` fall back to `default`.
    """

    def __init__(
        self,
        global_concurrency: int,
        per_endpoint: dict[str, EndpointLimits] | None = None,
        *,
        default: EndpointLimits | None = None,
        clock: Clock | None = None,
    ) -> None:
        if global_concurrency < 1:
            raise ValueError("global concurrency must be at least 1")
        self.global_concurrency = global_concurrency
        self.global_slots = asyncio.Semaphore(global_concurrency)
        self._config = dict(per_endpoint or {})
        self._default = default or EndpointLimits()
        self._clock = clock or MonotonicClock()
        self._limiters: dict[str, EndpointLimiter] = {}

    def endpoint(self, key: str) -> EndpointLimiter:
        """The limiter for an endpoint key, created on first use."""
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = EndpointLimiter(self._config.get(key, self._default), self._clock)
            self._limiters[key] = limiter
        return limiter


def endpoint_key(provider: str, base_url: str | None) -> str:
    """The key that groups model configs sharing one endpoint's limits."""
    return f"{provider}|{(base_url or '').rstrip('/')}"
