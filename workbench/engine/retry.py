"""Retries: exponential backoff with full jitter that honours Retry-After, and per-call timeouts.

The engine owns the only retry layer (providers turn SDK retries off). Only errors whose
`retryable` flag is set are retried. The wait before attempt n+1 is
``min(max_wait, max(retry_after, uniform(0, min(max_wait, base * 2**(n-1)))))``: full jitter
spreads retries of many cells that failed together, Retry-After is a floor because the server
said so, and the cap keeps one absurd header from stalling a run.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from workbench.core.llm import ErrorKind, ProviderError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    Attributes:
        max_attempts: attempts in total, the first included.
        base_delay_s: backoff scale; the n-th wait is drawn from [0, base * 2**(n-1)].
        max_wait_s: cap on any single wait, Retry-After included.
        timeout_s: limit on one attempt; exceeding it is a retryable TIMEOUT error.
    """

    max_attempts: int = 6
    base_delay_s: float = 0.5
    max_wait_s: float = 30.0
    timeout_s: float | None = 120.0

    def delay(self, failed_attempts: int, error: ProviderError, rng: random.Random) -> float:
        """Seconds to wait after `failed_attempts` attempts failed, the last with `error`."""
        ceiling = min(self.max_wait_s, self.base_delay_s * 2 ** (failed_attempts - 1))
        backoff = rng.uniform(0.0, ceiling)
        return min(self.max_wait_s, max(error.retry_after_s or 0.0, backoff))


async def attempt_with_timeout(
    call: Callable[[], Awaitable[T | ProviderError]], timeout_s: float | None
) -> T | ProviderError:
    """Run one attempt; turn exceeding `timeout_s` into a TIMEOUT error instead of raising."""
    if timeout_s is None:
        return await call()
    try:
        async with asyncio.timeout(timeout_s):
            return await call()
    except TimeoutError:
        return ProviderError(ErrorKind.TIMEOUT, f"no answer within {timeout_s:g} s")


async def run_with_retries(
    attempt: Callable[[], Awaitable[T | ProviderError]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]],
    rng: random.Random,
) -> tuple[T | ProviderError, int]:
    """Call `attempt` until it succeeds, fails for good, or attempts run out.

    `attempt` acquires whatever slots it needs and releases them before returning, so a cell
    waiting to retry holds no concurrency. Returns the last outcome and the attempts made.
    """
    attempts = 0
    while True:
        attempts += 1
        outcome = await attempt()
        if not isinstance(outcome, ProviderError) or not outcome.retryable:
            return outcome, attempts
        if attempts >= policy.max_attempts:
            return outcome, attempts
        await sleep(policy.delay(attempts, outcome, rng))
