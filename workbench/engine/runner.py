"""`RunEngine`: estimate, create and execute runs against the store.

The engine is plain asyncio and knows nothing of Qt or threads: the CLI calls `asyncio.run` on
`execute`, the GUI runs it on its own event-loop thread and drains the events its sink queues.

Providers come from an injected factory (``ModelConfigContent -> Provider``, sync or async) so
tests and the app choose the transport; the engine closes every provider it built when an
execution ends.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from workbench.core.runs import (
    CellKey,
    CellResult,
    CellStatus,
    Column,
    RunInfo,
    RunSpec,
    RunStatus,
)
from workbench.engine.budget import BudgetGuard, Estimate, check_budget
from workbench.engine.cache import ResponseCache
from workbench.engine.clock import Clock, MonotonicClock
from workbench.engine.costing import (
    Costing,
    CountTokens,
    PriceCall,
    default_context_window,
    default_count_tokens,
    default_price,
)
from workbench.engine.events import EventSink, RunFinished, RunStarted
from workbench.engine.execution import Execution, ExecutionSettings, ProviderFactoryFn, ProviderPool
from workbench.engine.limits import EndpointLimits, Limits, endpoint_key
from workbench.engine.plan import PlanStore, RenderFailure, RunPlan, expand
from workbench.engine.retry import RetryPolicy
from workbench.engine.writer import ResultWriter

Mode = Literal["missing", "errors"]


class EngineStore(PlanStore, Protocol):
    """The store API the engine uses (see docs/contracts.md)."""

    def create_run(
        self,
        spec: RunSpec,
        columns: Sequence[Column],
        *,
        name: str,
        estimated_cost_usd: float | None = None,
    ) -> RunInfo: ...

    def get_run(self, run_id: int) -> RunInfo: ...

    def set_run_status(self, run_id: int, status: RunStatus) -> Any: ...

    def upsert_cells(self, run_id: int, results: Sequence[CellResult]) -> Any: ...

    def cells(self, run_id: int, statuses: Any = None) -> list[CellResult]: ...

    def cell_keys(self, run_id: int, statuses: Any = None) -> set[CellKey]: ...

    def cache_get(self, key: str) -> dict[str, Any] | None: ...

    def cache_put(self, key: str, value: dict[str, Any]) -> Any: ...


# The embedded llama.cpp server computes one answer at a time; sending it more only makes
# requests queue (or, with its default settings, interrupt each other).
DEFAULT_ENDPOINT_LIMITS: Mapping[str, EndpointLimits] = {
    endpoint_key("local", None): EndpointLimits(concurrency=1),
}


@dataclass(frozen=True)
class EngineOptions:
    """Tuning of the engine; the defaults suit hosted APIs.

    Attributes:
        retry: attempts, backoff and per-call timeout.
        endpoint_limits: limits per endpoint key (`workbench.engine.limits.endpoint_key`).
        default_endpoint_limits: limits for endpoints not listed.
        assumed_output_tokens: output allowance for a call without max_tokens (budget, estimate).
        stream: ask providers to stream (needed for `CellDelta` events and time to first token).
        live_text: send each streamed piece of an answer as a `CellDelta` event (the app shows
            answers as they stream; a command line that prints no answer text turns it off and
            still gets each cell's time to first token).
        flush_interval_s: longest time a finished cell waits before it is written.
        flush_max_batch: write at once when this many cells are waiting.
        window_per_slot: call tasks kept alive per global slot (bounds memory on big runs).
        seed: seed of the retry jitter (None: unpredictable).
    """

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    endpoint_limits: Mapping[str, EndpointLimits] = field(
        default_factory=lambda: dict(DEFAULT_ENDPOINT_LIMITS)
    )
    default_endpoint_limits: EndpointLimits = field(default_factory=EndpointLimits)
    assumed_output_tokens: int = 512
    stream: bool = True
    live_text: bool = True
    flush_interval_s: float = 0.05
    flush_max_batch: int = 256
    window_per_slot: int = 4
    seed: int | None = None


@dataclass(frozen=True)
class RunSummary:
    """What one execution did.

    Attributes:
        counts: cell status value -> cells this execution settled with it.
        calls: provider attempts made (retries included).
        cache_hits: cells answered from the cache.
        cost_usd: money spent by this execution's calls (cache hits are free).
        message: why the run stopped early, when it did.
    """

    run_id: int
    status: RunStatus
    counts: Mapping[str, int]
    calls: int
    cache_hits: int
    cost_usd: float
    elapsed_s: float
    message: str | None = None


class RunEngine:
    """Estimates, creates and executes runs.

    Args:
        store: the workspace store (`workbench.store.Store`).
        provider_factory: builds a provider for a model config.
        options: tuning (limits, retries, flushing).
        clock: time source for rate limits and retry waits (tests pass a virtual one).
        count_tokens: token counter; defaults to `workbench.providers.tokens.count_messages`.
        price: call pricing; defaults to `workbench.providers.pricing.cost_usd`.
        on_flushed: called with each batch of cells once committed (diagnostics and tests).
    """

    def __init__(
        self,
        store: EngineStore,
        provider_factory: ProviderFactoryFn,
        *,
        options: EngineOptions | None = None,
        clock: Clock | None = None,
        count_tokens: CountTokens | None = None,
        price: PriceCall | None = None,
        on_flushed: Callable[[Sequence[CellResult]], None] | None = None,
    ) -> None:
        self._store = store
        self._factory = provider_factory
        self.options = options or EngineOptions()
        self._clock = clock or MonotonicClock()
        self._count_tokens = count_tokens
        self._price = price
        self._on_flushed = on_flushed
        self._prepared: tuple[int, RunPlan, ResponseCache] | None = None
        self._planned: RunPlan | None = None  # the latest plan expanded, for the same spec again

    def _costing(self, plan: RunPlan) -> Costing:
        if self._count_tokens is None:
            self._count_tokens = default_count_tokens()
        if self._price is None:
            self._price = default_price()
        return Costing(
            plan,
            count_tokens=self._count_tokens,
            price=self._price,
            assumed_output_tokens=self.options.assumed_output_tokens,
            context_window=default_context_window(),
        )

    def expand(self, spec: RunSpec) -> RunPlan:
        """The plan of a spec (versions loaded, rows rendered).

        The latest plan is kept and given again for an equal spec (an estimate, then the run
        created from it): a spec names immutable versions by their content hash, so its plan
        cannot have changed. Only the plan is reused; the cache is read again each time.
        """
        planned = self._planned
        if planned is not None and planned.spec == spec:
            return planned
        plan = expand(spec, self._store)
        self._planned = plan  # only the latest: nothing piles up
        return plan

    def estimate(self, spec: RunSpec, plan: RunPlan | None = None) -> Estimate:
        """Calls, tokens and cost the spec would need now (cache hits and render errors free)."""
        return self._estimate(spec, plan or self.expand(spec))[0]

    def _estimate(self, spec: RunSpec, plan: RunPlan) -> tuple[Estimate, ResponseCache]:
        cache = ResponseCache(self._store)
        keys: list[tuple[int, int, str]] = []
        render_errors = 0
        for row_index, key in plan.cells():
            rendered = plan.messages(row_index, key.column)
            if isinstance(rendered, RenderFailure):
                render_errors += 1
                continue
            keys.append((row_index, key.column, plan.cache_key(row_index, key.column, key.repeat)))
        if spec.use_cache:
            cache.preload(k for _, _, k in keys)
            calls = [(r, c) for r, c, k in keys if not cache.has(k)]
        else:
            calls = [(r, c) for r, c, _ in keys]
        estimate = self._costing(plan).estimate(
            calls, cached=len(keys) - len(calls), render_errors=render_errors
        )
        return estimate, cache

    def create_run(self, spec: RunSpec, name: str) -> int:
        """Store a new run after checking its estimate against its budget; returns its id.

        The plan and the cache entries loaded for the estimate are kept for the next `execute`
        of this run, so a run created and executed at once renders and reads the cache once.

        Raises:
            BudgetExceededError: the estimate is above the budget (nothing is stored).
        """
        plan = self.expand(spec)
        estimate, cache = self._estimate(spec, plan)
        check_budget(estimate, spec.budget_usd)
        columns = [c.column for c in plan.columns]
        info = self._store.create_run(
            spec, columns, name=name, estimated_cost_usd=estimate.cost_usd
        )
        self._prepared = (info.id, plan, cache)  # only the latest: nothing piles up
        return info.id

    async def execute(
        self,
        run_id: int,
        *,
        mode: Mode = "missing",
        cancel_event: asyncio.Event | None = None,
        sink: EventSink | None = None,
    ) -> RunSummary:
        """Run the cells of a stored run that need it and record their results.

        `mode` "missing" runs every cell not yet ``ok`` (a first run, or resume after a kill or
        a cancel); "errors" re-runs only cells in ``error``. Setting `cancel_event` stops
        scheduling and marks in-flight cells cancelled.
        """
        started = time.perf_counter()
        run = self._store.get_run(run_id)
        spec = run.spec
        prepared, self._prepared = self._prepared, None
        self._planned = None  # held by this execution only, not beyond it
        if prepared is not None and prepared[0] == run_id:
            # The estimate of `create_run` already looked up every key of this plan.
            _, plan, cache = prepared
            preloaded = True
        else:
            plan, cache = self.expand(spec), ResponseCache(self._store)
            preloaded = False
            if [c.column for c in plan.columns] != list(run.columns):
                raise RuntimeError(f"run {run_id}: its stored columns no longer match its spec")
        cells = self._select(run_id, plan, mode)
        if spec.use_cache and not preloaded:
            cache.preload(self._cache_keys(plan, cells))

        options = self.options
        costing = self._costing(plan)
        budget = BudgetGuard(spec.budget_usd, self._spent_before(run_id, spec))
        writer = ResultWriter(
            self._store,
            run_id,
            interval_s=options.flush_interval_s,
            max_batch=options.flush_max_batch,
            on_flushed=self._on_flushed,
        )
        providers = ProviderPool(self._factory)
        limits = Limits(
            spec.concurrency,
            dict(options.endpoint_limits),
            default=options.default_endpoint_limits,
            clock=self._clock,
        )
        settings = ExecutionSettings(
            retry=options.retry,
            limits=limits,
            clock=self._clock,
            rng=random.Random(options.seed),
            stream=options.stream,
            live_text=options.live_text,
            use_cache=spec.use_cache,
            # Under a budget every live call holds a reservation, so look no further ahead than
            # the calls that can run: reservations then track what is really in flight.
            window=spec.concurrency
            if spec.budget_usd is not None
            else spec.concurrency * max(1, options.window_per_slot),
        )
        execution = Execution(
            plan,
            cells,
            settings=settings,
            costing=costing,
            cache=cache,
            writer=writer,
            budget=budget,
            providers=providers,
            sink=sink,
        )
        spent_before = budget.spent_usd
        self._store.set_run_status(run_id, RunStatus.RUNNING)
        if sink is not None:
            sink(RunStarted(run_id, len(cells)))
        writer.start()
        status = RunStatus.FAILED
        try:
            status = await execution.run(cancel_event)
        except asyncio.CancelledError:
            status = RunStatus.CANCELLED
            raise
        finally:
            try:
                await writer.close()
            finally:
                await providers.aclose()
                status = self._status_after(run_id, status)
                self._store.set_run_status(run_id, status)
                if sink is not None:
                    sink(RunFinished(run_id, status, dict(execution.counts)))
        return RunSummary(
            run_id=run_id,
            status=status,
            counts=dict(execution.counts),
            calls=execution.calls,
            cache_hits=execution.cache_hits,
            cost_usd=budget.spent_usd - spent_before,
            elapsed_s=time.perf_counter() - started,
            message=budget.describe_stop() if execution.budget_stopped else None,
        )

    def _status_after(self, run_id: int, status: RunStatus) -> RunStatus:
        """What a finished execution leaves the run as: pending while some of its cells are
        still out in a provider batch (collecting them finishes it), else `status`."""
        in_flight_keys = getattr(self._store, "batch_in_flight_keys", None)
        if status is RunStatus.FINISHED and in_flight_keys is not None and in_flight_keys(run_id):
            return RunStatus.PENDING
        return status

    def _select(self, run_id: int, plan: RunPlan, mode: Mode) -> list[tuple[int, CellKey]]:
        # Cells out in a provider batch are answered by it: running them here would pay twice.
        in_flight_keys = getattr(self._store, "batch_in_flight_keys", None)
        busy: set[CellKey] = in_flight_keys(run_id) if in_flight_keys is not None else set()
        if mode == "missing":
            done = self._store.cell_keys(run_id, [CellStatus.OK])
            return [cell for cell in plan.cells() if cell[1] not in done and cell[1] not in busy]
        if mode == "errors":
            errored = self._store.cell_keys(run_id, [CellStatus.ERROR])
            return [cell for cell in plan.cells() if cell[1] in errored and cell[1] not in busy]
        raise ValueError(f"unknown mode {mode!r}: use 'missing' or 'errors'")

    @staticmethod
    def _cache_keys(plan: RunPlan, cells: Sequence[tuple[int, CellKey]]) -> list[str]:
        keys: list[str] = []
        for row_index, key in cells:
            rendered = plan.messages(row_index, key.column)
            if not isinstance(rendered, RenderFailure):
                keys.append(plan.cache_key(row_index, key.column, key.repeat))
        return keys

    def _spent_before(self, run_id: int, spec: RunSpec) -> float:
        """Money earlier executions of this run spent (only needed under a budget)."""
        if spec.budget_usd is None:
            return 0.0
        done = self._store.cells(run_id, [CellStatus.OK])
        return sum(c.cost_usd or 0.0 for c in done if not c.cache_hit)
