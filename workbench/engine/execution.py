"""One execution of a stored run: schedule its cells, call providers, settle every cell.

A single scheduler coroutine walks the cells row-major. Cells that need no call (render failures,
cache hits, cells left out by the budget) are settled inline, without a task. Cells that need a
call get a task, at most `window` of them alive at once so a 5,000-row run holds a few hundred
tasks, not thousands. A task waits for its endpoint's slot and rate tokens, then a global slot,
makes one attempt, and gives every slot back before sleeping to retry, so backing-off cells never
hold concurrency other cells could use.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workbench.core.errors import KnownError
from workbench.core.llm import (
    ChatRequest,
    ChatResult,
    DeltaSink,
    ErrorKind,
    Message,
    Outcome,
    Provider,
)
from workbench.core.models import ModelConfigContent
from workbench.core.runs import CellKey, CellResult, CellStatus, RunStatus
from workbench.engine.budget import BudgetGuard
from workbench.engine.cache import ResponseCache
from workbench.engine.clock import Clock
from workbench.engine.costing import Costing
from workbench.engine.events import (
    CellDelta,
    CellFinished,
    CellStarted,
    EventSink,
)
from workbench.engine.limits import Limits, endpoint_key
from workbench.engine.plan import RenderFailure, RunPlan
from workbench.engine.retry import RetryPolicy, attempt_with_timeout, run_with_retries
from workbench.engine.writer import ResultWriter

log = logging.getLogger(__name__)

ProviderFactoryFn = Callable[[ModelConfigContent], Provider | Awaitable[Provider]]


@dataclass
class ExecutionSettings:
    """What an execution needs from the engine, gathered in one place."""

    retry: RetryPolicy
    limits: Limits
    clock: Clock
    rng: random.Random
    stream: bool
    use_cache: bool
    window: int
    live_text: bool = True


class Execution:
    """Runs the given cells of a plan once; see the module docstring for the scheduling."""

    def __init__(
        self,
        plan: RunPlan,
        cells: Sequence[tuple[int, CellKey]],
        *,
        settings: ExecutionSettings,
        costing: Costing,
        cache: ResponseCache,
        writer: ResultWriter,
        budget: BudgetGuard,
        providers: ProviderPool,
        sink: EventSink | None,
    ) -> None:
        self._plan = plan
        self._cells = cells
        self._s = settings
        self._costing = costing
        self._cache = cache
        self._writer = writer
        self._budget = budget
        self._providers = providers
        self._sink = sink
        self._window = asyncio.Semaphore(settings.window)
        self._live: set[asyncio.Task[None]] = set()
        self._settled = asyncio.Event()
        self._unsettled = 0  # calls whose budget reservation is not settled yet
        self.counts: Counter[str] = Counter()
        self.calls = 0
        self.cache_hits = 0
        self.budget_stopped = False
        self.cancelled = False

    async def run(self, cancel_event: asyncio.Event | None) -> RunStatus:
        """Schedule every cell and wait for all to settle; returns the run's final status."""
        scheduler = asyncio.create_task(self._schedule(), name="workbench-scheduler")
        drain = asyncio.create_task(self._drain(scheduler), name="workbench-drain")
        watcher = (
            asyncio.create_task(cancel_event.wait(), name="workbench-cancel-watch")
            if cancel_event is not None
            else None
        )
        try:
            if watcher is not None:
                await asyncio.wait({drain, watcher}, return_when=asyncio.FIRST_COMPLETED)
                if not drain.done():
                    self._cancel(scheduler)
            await drain
        except BaseException:
            # The caller cancelled us, or a bug surfaced: settle in-flight cells, then propagate.
            self._cancel(scheduler)
            await asyncio.gather(drain, *self._live, return_exceptions=True)
            raise
        finally:
            if watcher is not None:
                watcher.cancel()
        if self.cancelled:
            return RunStatus.CANCELLED
        if self.budget_stopped:
            return RunStatus.BUDGET_STOPPED
        return RunStatus.FINISHED

    async def _drain(self, scheduler: asyncio.Task[None]) -> None:
        """Wait for the scheduler, then for every call it started."""
        try:
            await scheduler
        except asyncio.CancelledError:
            if not self.cancelled:
                raise
        while self._live:
            await asyncio.wait(set(self._live))

    def _cancel(self, scheduler: asyncio.Task[None]) -> None:
        self.cancelled = True
        scheduler.cancel()
        for task in self._live:
            task.cancel()

    def _emit_finished(
        self, result: CellResult, cache_entry: tuple[str, dict[str, Any]] | None
    ) -> None:
        self.counts[result.status.value] += 1
        self._writer.add(result, cache_entry)
        if self._sink is not None:
            self._sink(CellFinished(result))

    async def _schedule(self) -> None:
        plan = self._plan
        budget_on = self._budget.limit_usd is not None
        for row_index, key in self._cells:
            rendered = plan.messages(row_index, key.column)
            if isinstance(rendered, RenderFailure):
                self._emit_finished(_error_result(key, ErrorKind.RENDER, rendered.message, 0), None)
                continue
            too_long = self._costing.too_long(row_index, key.column)
            if too_long is not None:
                # Refused before any call: the provider would only answer 400 after the upload.
                self._emit_finished(_error_result(key, ErrorKind.BAD_REQUEST, too_long, 0), None)
                continue
            ckey = plan.cache_key(row_index, key.column, key.repeat)
            if self._s.use_cache:
                cached = self._cache.get(ckey)
                if cached is not None:
                    self.cache_hits += 1
                    self._emit_finished(
                        self._ok_result(key, row_index, rendered, cached, 0, True), None
                    )
                    continue
            if self.budget_stopped:
                self._emit_finished(self._budget_result(key), None)
                continue
            await self._window.acquire()
            reserve = self._costing.reservation(row_index, key.column) if budget_on else 0.0
            while not self._budget.try_reserve(reserve):
                if not self._unsettled:
                    self.budget_stopped = True
                    break
                # In-flight calls usually cost less than they reserved: let them settle first.
                self._settled.clear()
                await self._settled.wait()
            if self.budget_stopped:
                self._window.release()
                self._emit_finished(self._budget_result(key), None)
                continue
            self._unsettled += 1
            task = asyncio.create_task(self._call(row_index, key, rendered, ckey, reserve))
            self._live.add(task)
            task.add_done_callback(self._live.discard)

    async def _call(
        self,
        row_index: int,
        key: CellKey,
        messages: tuple[Message, ...],
        ckey: str,
        reserve: float,
    ) -> None:
        column = self._plan.columns[key.column]
        config = column.config
        limiter = self._s.limits.endpoint(endpoint_key(config.provider, config.base_url))
        global_slots = self._s.limits.global_slots
        attempts = 0
        spent = 0.0
        estimated_tokens = 0
        if limiter.counts_tokens:
            estimated_tokens = self._costing.input_tokens(row_index, key.column).n
            estimated_tokens += self._costing.output_allowance(key.column)
        on_delta: DeltaSink | None = None
        if self._sink is not None and self._s.stream and self._s.live_text:
            sink = self._sink

            def on_delta(text: str) -> None:
                sink(CellDelta(key, text))

        request = ChatRequest(
            model=config.model, messages=messages, params=column.params, stream=self._s.stream
        )
        result: CellResult
        cache_entry: tuple[str, dict[str, Any]] | None = None
        unsent = False
        try:
            provider = await self._providers.get(column.column.model_id, config)

            async def attempt() -> Outcome:
                nonlocal attempts
                async with limiter.slot(estimated_tokens), global_slots:
                    attempts += 1
                    self.calls += 1
                    if attempts == 1 and self._sink is not None:
                        self._sink(CellStarted(key))
                    return await attempt_with_timeout(
                        lambda: provider.complete(request, on_delta), self._s.retry.timeout_s
                    )

            outcome, attempts = await run_with_retries(
                attempt, self._s.retry, sleep=self._s.clock.sleep, rng=self._s.rng
            )
            if isinstance(outcome, ChatResult):
                result = self._ok_result(key, row_index, messages, outcome, attempts, False)
                spent = result.cost_usd or 0.0
                cache_entry = (ckey, self._cache.remember(ckey, outcome))
                if estimated_tokens:
                    actual = (result.input_tokens or 0) + (result.output_tokens or 0)
                    limiter.correct_tokens(estimated_tokens, actual)
            else:
                result = _error_result(key, outcome.kind, outcome.message, attempts)
        except asyncio.CancelledError:
            if attempts == 0:
                # Never sent: the cell stays missing (pending), like the cells never scheduled.
                unsent = True
            result = _error_result(key, ErrorKind.CANCELLED, "cancelled", attempts)
            result.status = CellStatus.CANCELLED
        except KnownError as exc:  # a provider that cannot be built: missing key, bad config
            result = _error_result(key, ErrorKind.CONFIG, str(exc), attempts)
        except Exception as exc:  # a provider bug must cost one cell, not the whole run
            log.exception("provider %s crashed on cell %s", config.provider, key)
            result = _error_result(key, ErrorKind.CRASHED, f"{type(exc).__name__}: {exc}", attempts)
        finally:
            self._budget.settle(reserve, spent)
            self._unsettled -= 1
            self._window.release()
            self._settled.set()
        if not unsent:
            self._emit_finished(result, cache_entry)

    def _ok_result(
        self,
        key: CellKey,
        row_index: int,
        messages: tuple[Message, ...],
        answer: ChatResult,
        attempts: int,
        cache_hit: bool,
    ) -> CellResult:
        estimated = False
        input_tokens = answer.input_tokens
        output_tokens = answer.output_tokens
        model = self._plan.columns[key.column].config.model
        if input_tokens is None:
            count = self._costing.input_tokens(row_index, key.column)
            input_tokens, estimated = count.n, True
        if output_tokens is None:
            output_tokens, estimated = self._costing.output_tokens(answer.text, model).n, True
        return CellResult(
            key=key,
            status=CellStatus.OK,
            output=answer.text,
            finish_reason=answer.finish_reason,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            tokens_estimated=estimated,
            ttft_ms=answer.ttft_ms,
            latency_ms=answer.latency_ms,
            cost_usd=self._costing.cost(key.column, input_tokens, output_tokens),
            cache_hit=cache_hit,
            attempts=attempts,
            finished_at=datetime.now(UTC),
        )

    def _budget_result(self, key: CellKey) -> CellResult:
        result = _error_result(key, ErrorKind.BUDGET, self._budget.describe_stop(), 0)
        result.status = CellStatus.CANCELLED
        return result


def _error_result(key: CellKey, kind: ErrorKind, message: str, attempts: int) -> CellResult:
    return CellResult(
        key=key,
        status=CellStatus.ERROR,
        attempts=attempts,
        error_kind=kind.value,
        error_message=message,
        finished_at=datetime.now(UTC),
    )


class ProviderPool:
    """Builds one provider per model config on first use and closes them all at the end.

    A provider that cannot be built (a missing API key) is remembered as its error, so every
    cell of that model fails fast with the same clear message instead of retrying the factory.
    """

    def __init__(self, factory: ProviderFactoryFn) -> None:
        self._factory = factory
        self._providers: dict[str, Provider] = {}
        self._failures: dict[str, KnownError] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, model_id: str, config: ModelConfigContent) -> Provider:
        """The provider for a model config; raises the `KnownError` its factory raised."""
        provider = self._providers.get(model_id)
        if provider is not None:
            return provider
        lock = self._locks.setdefault(model_id, asyncio.Lock())
        async with lock:
            if model_id in self._failures:
                raise self._failures[model_id]
            if model_id not in self._providers:
                try:
                    made = self._factory(config)
                    self._providers[model_id] = await made if inspect.isawaitable(made) else made
                except KnownError as exc:
                    self._failures[model_id] = exc
                    raise
        return self._providers[model_id]

    async def aclose(self) -> None:
        """Close every provider built here; a failing close is logged, not raised."""
        for model_id, provider in self._providers.items():
            try:
                await provider.aclose()
            except Exception:
                log.exception("closing the provider of model config %s failed", model_id[:8])
        self._providers.clear()
