"""Backoff with jitter, Retry-After, attempt caps and per-call timeouts."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.engine.fakes import VirtualClock
from workbench.core.llm import ChatResult, ErrorKind, Outcome, ProviderError
from workbench.engine.retry import RetryPolicy, attempt_with_timeout, run_with_retries

OK = ChatResult(text="ok", finish_reason="stop", input_tokens=1, output_tokens=1, latency_ms=1)


def scripted(outcomes: list[Outcome]):  # type: ignore[no-untyped-def]
    calls = []

    async def attempt() -> Outcome:
        calls.append(1)
        return outcomes[min(len(calls), len(outcomes)) - 1]

    return attempt, calls


def test_delay_is_full_jitter_under_an_exponential_ceiling() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_wait_s=10.0)
    error = ProviderError(ErrorKind.SERVER, "boom", status=500)
    rng = random.Random(7)
    for failed in range(1, 8):
        ceiling = min(10.0, 2 ** (failed - 1))
        draws = [policy.delay(failed, error, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in draws)
        assert max(draws) > ceiling * 0.8  # jitter spans the range, not a fixed step


def test_retry_after_is_a_floor_and_the_cap_bounds_it() -> None:
    policy = RetryPolicy(base_delay_s=0.1, max_wait_s=30.0)
    rng = random.Random(1)
    limited = ProviderError(ErrorKind.RATE_LIMITED, "slow down", status=429, retry_after_s=7)
    assert all(policy.delay(1, limited, rng) == 7 for _ in range(50))
    huge = ProviderError(ErrorKind.RATE_LIMITED, "later", status=429, retry_after_s=3600)
    assert policy.delay(1, huge, rng) == 30.0


async def test_retries_until_success_sleeping_at_least_retry_after() -> None:
    clock = VirtualClock()
    limited = ProviderError(ErrorKind.RATE_LIMITED, "429", status=429, retry_after_s=2.5)
    attempt, calls = scripted([limited, limited, OK])
    outcome, attempts = await run_with_retries(
        attempt, RetryPolicy(base_delay_s=0.01), sleep=clock.sleep, rng=random.Random(0)
    )
    assert outcome == OK
    assert attempts == 3 == len(calls)
    assert clock.sleeps == [2.5, 2.5]


async def test_non_retryable_errors_are_never_retried() -> None:
    clock = VirtualClock()
    for kind in (ErrorKind.AUTH, ErrorKind.BAD_REQUEST, ErrorKind.CONFIG):
        attempt, calls = scripted([ProviderError(kind, "no", status=400)])
        outcome, attempts = await run_with_retries(
            attempt, RetryPolicy(), sleep=clock.sleep, rng=random.Random(0)
        )
        assert isinstance(outcome, ProviderError) and outcome.kind == kind
        assert attempts == 1 == len(calls)
    assert clock.sleeps == []


async def test_attempts_are_capped_and_the_last_error_is_returned() -> None:
    clock = VirtualClock()
    attempt, calls = scripted([ProviderError(ErrorKind.SERVER, "500", status=500)])
    outcome, attempts = await run_with_retries(
        attempt, RetryPolicy(max_attempts=4), sleep=clock.sleep, rng=random.Random(0)
    )
    assert isinstance(outcome, ProviderError) and outcome.status == 500
    assert attempts == 4 == len(calls)
    assert len(clock.sleeps) == 3


async def test_a_slow_attempt_becomes_a_timeout_error() -> None:
    async def never() -> Outcome:
        await asyncio.sleep(3600)
        return OK

    outcome = await attempt_with_timeout(never, 0.01)
    assert isinstance(outcome, ProviderError)
    assert outcome.kind == ErrorKind.TIMEOUT and outcome.retryable


@pytest.mark.parametrize("timeout", [None, 5.0])
async def test_a_fast_attempt_passes_through(timeout: float | None) -> None:
    async def quick() -> Outcome:
        return OK

    assert await attempt_with_timeout(quick, timeout) == OK
