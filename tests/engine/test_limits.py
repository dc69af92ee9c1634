"""Token buckets and endpoint limiters, paced on a virtual clock."""

from __future__ import annotations

import asyncio

import pytest

from tests.engine.fakes import VirtualClock
from workbench.engine.limits import (
    EndpointLimiter,
    EndpointLimits,
    Limits,
    TokenBucket,
    endpoint_key,
)


async def test_bucket_paces_requests_evenly_once_the_burst_is_spent() -> None:
    clock = VirtualClock()
    bucket = TokenBucket(rate_per_minute=60, capacity=2, clock=clock)
    starts = []
    for _ in range(5):
        await bucket.acquire()
        starts.append(clock.now())
    assert starts == pytest.approx([0.0, 0.0, 1.0, 2.0, 3.0])


async def test_concurrent_waiters_are_served_in_order_at_the_rate() -> None:
    clock = VirtualClock()
    bucket = TokenBucket(rate_per_minute=120, capacity=1, clock=clock)
    order: list[tuple[int, float]] = []

    async def take(i: int) -> None:
        await bucket.acquire()
        order.append((i, clock.now()))

    await asyncio.gather(*(take(i) for i in range(4)))
    assert [i for i, _ in order] == [0, 1, 2, 3]
    assert [t for _, t in order] == pytest.approx([0.0, 0.5, 1.0, 1.5])


async def test_token_debt_after_correction_delays_the_next_call() -> None:
    clock = VirtualClock()
    bucket = TokenBucket(rate_per_minute=600, capacity=100, clock=clock)  # 10 tokens/s
    await bucket.acquire(100)
    bucket.adjust(50)  # the call used 150 tokens, not the 100 estimated
    await bucket.acquire(10)
    # 50 of debt plus 10 wanted at 10 tokens/s
    assert clock.now() == pytest.approx(6.0)


async def test_request_larger_than_capacity_still_goes_through() -> None:
    clock = VirtualClock()
    bucket = TokenBucket(rate_per_minute=60, capacity=10, clock=clock)
    await bucket.acquire(25)
    assert bucket.level == pytest.approx(-15.0)


async def test_endpoint_concurrency_never_exceeds_its_limit() -> None:
    limiter = EndpointLimiter(EndpointLimits(concurrency=3), VirtualClock())
    in_flight = peak = 0

    async def call() -> None:
        nonlocal in_flight, peak
        async with limiter.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.001)
            in_flight -= 1

    await asyncio.gather(*(call() for _ in range(20)))
    assert peak == 3


async def test_limits_share_one_limiter_per_endpoint_and_fall_back_to_default() -> None:
    limits = Limits(
        4,
        {endpoint_key("openai", "https://api.openai.com/v1/"): EndpointLimits(concurrency=2)},
        default=EndpointLimits(requests_per_minute=30),
    )
    openai = limits.endpoint(endpoint_key("openai", "https://api.openai.com/v1"))
    assert openai is limits.endpoint("openai|https://api.openai.com/v1")
    assert openai.limits.concurrency == 2
    assert limits.endpoint("local|").limits.requests_per_minute == 30
