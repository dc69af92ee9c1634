"""Building engines for tests: fake token counts and prices, fast retries, quick flushes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tests.engine.fakes import VirtualClock, count_chars, price_per_token
from workbench.core.runs import CellResult
from workbench.engine.clock import Clock
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions, RunEngine
from workbench.store import Store


def make_engine(
    store: Store,
    factory: ProviderFactoryFn,
    *,
    clock: Clock | None = None,
    usd_per_token: float = 1e-6,
    on_flushed: Callable[[Sequence[CellResult]], None] | None = None,
    **options: Any,
) -> RunEngine:
    """An engine with a virtual clock for waits, a fake tokenizer and a flat price."""
    options.setdefault("retry", RetryPolicy(base_delay_s=0.01, timeout_s=5.0))
    options.setdefault("flush_interval_s", 0.005)
    options.setdefault("seed", 1)
    return RunEngine(
        store,
        factory,
        options=EngineOptions(**options),
        clock=clock or VirtualClock(),
        count_tokens=count_chars,
        price=price_per_token(usd_per_token),
        on_flushed=on_flushed,
    )
