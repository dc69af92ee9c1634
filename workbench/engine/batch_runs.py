"""Runs sent through the providers' batch APIs: submit now, collect later, from any process.

`BatchRunner.submit` plans a stored run like `RunEngine.execute` does, settles at once every
cell that needs no call (render failures, prompts over the context window, cache hits: those
are never sent), and writes the rest as provider batch input: grouped by model config, chunked to
the provider's limits, each chunk one *job* recorded in the store (custom id → cell, cache key)
*before* it is submitted, then marked submitted with the provider's batch id. Everything needed
to collect is then in the store, so the program can close.

`BatchRunner.collect` polls every open job of a run once. A job that has ended is read result by
result: answers become ok cells priced at batch rates and go to the response cache; errored,
expired or cancelled requests become error cells with the provider's reason; a request the
provider returned nothing for becomes an error too, never silently dropped. Cells are written in
pages, each page one short transaction, and announced as `CellFinished` so the caller can score
them. When no job is left open, the run is finished.

A job recorded but never accepted (the program died between the two) is submitted again on the
next collect.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from workbench.core.batches import BatchEntry, BatchJob, BatchJobState, BatchProgress
from workbench.core.errors import KnownError, ValidationError
from workbench.core.llm import ChatResult, ErrorKind, ProviderError
from workbench.core.models import ModelConfigContent
from workbench.core.runs import CellKey, CellResult, CellStatus, RunSpec, RunStatus
from workbench.engine.budget import Estimate, check_budget
from workbench.engine.cache import ResponseCache, cache_key
from workbench.engine.costing import Costing, CountTokens, PriceCall, default_context_window
from workbench.engine.events import CellFinished, EventSink
from workbench.engine.plan import RenderFailure, RunPlan, expand
from workbench.engine.runner import EngineOptions, EngineStore, RunEngine
from workbench.providers.batch_common import (
    BATCH_PROVIDERS,
    BatchApiError,
    BatchClient,
    BatchRequest,
    chunk,
    missing_error,
)

log = logging.getLogger(__name__)

BatchClientFactory = Callable[[ModelConfigContent], BatchClient | Awaitable[BatchClient]]
BatchMode = Literal["missing", "errors"]
WRITE_PAGE = 1000
"""Cells written per transaction while settling or collecting."""


class BatchStore(EngineStore, Protocol):
    """The store API batch runs use on top of the engine's (`workbench.store.batches`)."""

    def create_batch_job(
        self, run_id: int, provider: str, model_id: str, entries: Sequence[BatchEntry]
    ) -> BatchJob: ...

    def set_batch_submitted(self, job_id: int, batch_id: str) -> BatchJob: ...

    def record_batch_progress(
        self,
        job_id: int,
        *,
        provider_status: str,
        done: int,
        failed: int,
        total: int | None = None,
    ) -> BatchJob: ...

    def close_batch_job(
        self, job_id: int, state: BatchJobState, *, message: str | None = None
    ) -> BatchJob: ...

    def batch_jobs(self, run_id: int, *, open_only: bool = False) -> list[BatchJob]: ...

    def batch_entries(self, job_id: int) -> Iterator[BatchEntry]: ...

    def batch_progress(self, run_id: int) -> BatchProgress: ...

    def batch_in_flight_keys(self, run_id: int) -> set[CellKey]: ...


def default_batch_price() -> PriceCall:
    """Batch prices (genai-prices' batch variant, else the documented 50%)."""
    from workbench.providers.batch_pricing import batch_cost_usd

    return batch_cost_usd


@dataclass(frozen=True)
class BatchSubmission:
    """What `BatchRunner.submit` did.

    Attributes:
        jobs: provider batches submitted.
        sent: requests sent in them.
        cached: cells answered from the cache (never sent).
        settled_errors: cells settled as errors before sending (render, too long, refused jobs).
        failures: why a job could not be submitted, one line each.
    """

    run_id: int
    jobs: int
    sent: int
    cached: int
    settled_errors: int
    failures: tuple[str, ...] = ()


@dataclass
class BatchCollection:
    """What one `BatchRunner.collect` pass did.

    Attributes:
        progress: the run's batches after this pass.
        collected: cells written from ended jobs in this pass.
        errors: of those, cells that became errors.
        resubmitted: jobs submitted again (recorded but never accepted).
        status: the run's status after this pass.
        messages: notes for people (a job that failed as a whole, a poll that failed).
    """

    run_id: int
    progress: BatchProgress
    collected: int = 0
    errors: int = 0
    resubmitted: int = 0
    status: RunStatus = RunStatus.PENDING
    messages: list[str] = field(default_factory=list)


class BatchRunner:
    """Submits runs as provider batches and collects them.

    Args:
        store: the workspace store (this thread's).
        client_factory: builds a `BatchClient` per model config.
        options: engine tuning (the output allowance for estimates).
        count_tokens: token counter for estimates and answers without usage.
        price: call pricing; batch prices by default.
    """

    def __init__(
        self,
        store: BatchStore,
        client_factory: BatchClientFactory,
        *,
        options: EngineOptions | None = None,
        count_tokens: CountTokens | None = None,
        price: PriceCall | None = None,
    ) -> None:
        self._store = store
        self._factory = client_factory
        self.options = options or EngineOptions()
        self._price = price or default_batch_price()
        self._engine = RunEngine(
            store,
            _no_provider,
            options=self.options,
            count_tokens=count_tokens,
            price=self._price,
        )
        self._count_tokens = count_tokens
        self._estimated: tuple[RunSpec, RunPlan, Estimate] | None = None
        self._plans: dict[int, RunPlan] = {}

    # -- before submission -------------------------------------------------------------------

    def check(self, spec: RunSpec) -> None:
        """Refuse a spec with a model that has no batch API, naming the model."""
        for model_id in spec.model_ids:
            version = self._store.get_version(model_id)
            config = version.content
            if not isinstance(config, ModelConfigContent):
                continue
            if config.provider not in BATCH_PROVIDERS:
                raise ValidationError(
                    f"model config {version.ref} ({config.provider}:{config.model}) cannot run "
                    "as a batch: only OpenAI and Anthropic models have a batch API; run it "
                    "without --batch"
                )
            # A missing API key is said before the run is stored, not after.
            check_key = getattr(self._factory, "check", None)
            if check_key is not None:
                check_key(config)

    def estimate(self, spec: RunSpec) -> Estimate:
        """The run's calls, tokens and cost at batch prices (cache hits free)."""
        plan = expand(spec, self._store)
        estimate = self._engine.estimate(spec, plan)
        # Kept for `create_run` of the same spec: counting tokens is the slow part of planning.
        self._estimated = (spec, plan, estimate)
        return estimate

    def create_run(self, spec: RunSpec, name: str) -> int:
        """Store the run after checking its models and its batch-priced estimate (budget)."""
        self.check(spec)
        known, self._estimated = self._estimated, None
        if known is not None and known[0] == spec:
            _, plan, estimate = known
        else:
            plan = expand(spec, self._store)
            estimate = self._engine.estimate(spec, plan)
        check_budget(estimate, spec.budget_usd)
        info = self._store.create_run(
            spec,
            [c.column for c in plan.columns],
            name=name,
            estimated_cost_usd=estimate.cost_usd,
        )
        self._plans[info.id] = plan
        return info.id

    # -- submission --------------------------------------------------------------------------

    async def submit(
        self, run_id: int, *, mode: BatchMode = "missing", sink: EventSink | None = None
    ) -> BatchSubmission:
        """Settle what needs no call and submit the rest as batches (see the module doc).

        Raises:
            ValidationError: a model of the run has no batch API.
            KnownError: a client cannot be built (a missing API key); nothing is submitted.
            BudgetExceededError: under a budget, sending these cells would go over it.
        """
        run = self._store.get_run(run_id)
        spec = run.spec
        self.check(spec)
        plan = self._plans.pop(run_id, None) or expand(spec, self._store)
        costing = self._costing(plan)
        cells = self._select(run_id, plan, mode)
        cache = ResponseCache(self._store)
        keyed: list[tuple[int, CellKey, str]] = []
        settled: list[CellResult] = []
        for row_index, key in cells:
            rendered = plan.messages(row_index, key.column)
            if isinstance(rendered, RenderFailure):
                settled.append(_error_cell(key, ErrorKind.RENDER, rendered.message))
                continue
            too_long = costing.too_long(row_index, key.column)
            if too_long is not None:
                settled.append(_error_cell(key, ErrorKind.BAD_REQUEST, too_long))
                continue
            column = plan.columns[key.column]
            keyed.append(
                (row_index, key, cache_key(column.config, column.params, rendered, key.repeat))
            )
        if spec.use_cache:
            cache.preload(k for _, _, k in keyed)
        to_send: dict[int, list[tuple[int, CellKey, str]]] = {}
        cached = 0
        for row_index, key, ckey in keyed:
            answer = cache.get(ckey) if spec.use_cache else None
            if answer is not None:
                cached += 1
                settled.append(_ok_cell(costing, plan, key, row_index, answer, cache_hit=True))
            else:
                to_send.setdefault(key.column, []).append((row_index, key, ckey))
        if spec.budget_usd is not None:
            pending = [(r, k.column) for group in to_send.values() for r, k, _ in group]
            estimate = costing.estimate(pending)
            spent = sum(
                c.cost_usd or 0.0
                for c in self._store.cells(run_id, [CellStatus.OK])
                if not c.cache_hit
            )
            check_budget(
                Estimate(
                    calls=estimate.calls,
                    input_tokens=estimate.input_tokens,
                    output_tokens_assumed=estimate.output_tokens_assumed,
                    cost_usd=estimate.cost_usd + spent,
                    unpriced_models=estimate.unpriced_models,
                ),
                spec.budget_usd,
            )
        # Build every client first: a missing key stops the submission before anything is sent.
        clients: dict[str, BatchClient] = {}
        by_model: dict[str, list[tuple[int, CellKey, str]]] = {}
        for column_index, group in to_send.items():
            column = plan.columns[column_index]
            model_id = column.column.model_id
            if model_id not in clients:
                clients[model_id] = await self._client(column.config)
            by_model.setdefault(model_id, []).extend(group)
        self._write(run_id, settled, sink)
        jobs = sent = 0
        failures: list[str] = []
        errors = sum(1 for c in settled if c.status is CellStatus.ERROR)
        try:
            for model_id, group in by_model.items():
                client = clients[model_id]
                group.sort(key=lambda item: (item[0], item[1].column, item[1].repeat))
                encoded = [
                    client.encode(_request(plan, row_index, key, f"c{index}"))
                    for index, (row_index, key, _) in enumerate(group)
                ]
                sizes = [
                    len(json.dumps(item, ensure_ascii=False).encode("utf-8")) for item in encoded
                ]
                for part in chunk(sizes, client.limits, item_overhead=1, fixed_overhead=64):
                    entries = [BatchEntry(f"c{i}", group[i][1], group[i][2]) for i in part]
                    job = self._store.create_batch_job(run_id, client.provider, model_id, entries)
                    items = [encoded[i] for i in part]
                    failure = await self._submit_job(client, job, items, run_id, sink)
                    if failure is None:
                        jobs += 1
                        sent += len(items)
                    else:
                        failures.append(failure)
                        errors += len(items)
                    del items
                del encoded
        finally:
            for client in clients.values():
                await _close(client)
        if not self._store.batch_jobs(run_id, open_only=True):
            self._store.set_run_status(run_id, RunStatus.FINISHED)
        else:
            self._store.set_run_status(run_id, RunStatus.PENDING)
        return BatchSubmission(run_id, jobs, sent, cached, errors, tuple(failures))

    async def _submit_job(
        self,
        client: BatchClient,
        job: BatchJob,
        items: Sequence[dict[str, Any]],
        run_id: int,
        sink: EventSink | None,
    ) -> str | None:
        """Submit one recorded job; on refusal, fail it and its cells. The failure, or None."""
        try:
            batch_id = await client.submit(items, label=f"workbench-run{run_id}-job{job.id}")
        except BatchApiError as error:
            reason = f"{client.provider} refused batch job {job.id}: {error.error.message}"
            self._fail_job(job, reason, error.error.kind, sink)
            return reason
        self._store.set_batch_submitted(job.id, batch_id)
        return None

    def _fail_job(self, job: BatchJob, reason: str, kind: ErrorKind, sink: EventSink | None) -> int:
        cells = [
            _error_cell(entry.key, kind, reason) for entry in self._store.batch_entries(job.id)
        ]
        self._write(job.run_id, cells, sink)
        self._store.close_batch_job(job.id, BatchJobState.FAILED, message=reason)
        return len(cells)

    # -- collection --------------------------------------------------------------------------

    async def collect(self, run_id: int, *, sink: EventSink | None = None) -> BatchCollection:
        """Poll each open job once and collect those that ended (see the module doc)."""
        store = self._store
        run = self._store.get_run(run_id)
        jobs = store.batch_jobs(run_id, open_only=True)
        outcome = BatchCollection(run_id, store.batch_progress(run_id))
        if not jobs:
            outcome.status = run.status
            return outcome
        plan = expand(run.spec, self._store)
        costing = self._costing(plan)
        row_index = {row_id: i for i, row_id in enumerate(plan.row_ids)}
        clients: dict[str, BatchClient] = {}
        try:
            for job in jobs:
                config = plan_config(plan, job.model_id)
                if job.model_id not in clients:
                    clients[job.model_id] = await self._client(config)
                client = clients[job.model_id]
                if job.state is BatchJobState.SUBMITTING:
                    entries = list(store.batch_entries(job.id))
                    items = [
                        client.encode(_request(plan, row_index[e.key.row_id], e.key, e.custom_id))
                        for e in entries
                    ]
                    if await self._submit_job(client, job, items, run_id, sink) is None:
                        outcome.resubmitted += 1
                    continue
                assert job.batch_id is not None
                try:
                    state = await client.poll(job.batch_id)
                except BatchApiError as error:
                    outcome.messages.append(
                        f"polling {job.provider} batch {job.batch_id} failed: {error}"
                    )
                    continue
                store.record_batch_progress(
                    job.id,
                    provider_status=state.provider_status,
                    done=state.done,
                    failed=state.failed,
                    total=state.total or None,
                )
                if not state.ended:
                    continue
                if state.message is not None:
                    outcome.messages.append(state.message)
                    outcome.collected += self._fail_job(
                        job, state.message, ErrorKind.BAD_REQUEST, sink
                    )
                    outcome.errors += job.total
                    continue
                try:
                    written, errors = await self._collect_job(
                        client, job, state.provider_status, plan, costing, row_index, sink
                    )
                except BatchApiError as error:
                    outcome.messages.append(
                        f"reading the results of {job.provider} batch {job.batch_id} failed: "
                        f"{error}; collect again later"
                    )
                    continue
                outcome.collected += written
                outcome.errors += errors
        finally:
            for client in clients.values():
                await _close(client)
        outcome.progress = store.batch_progress(run_id)
        if not outcome.progress.pending:
            self._store.set_run_status(run_id, RunStatus.FINISHED)
            outcome.status = RunStatus.FINISHED
        else:
            outcome.status = self._store.get_run(run_id).status
        return outcome

    async def _collect_job(
        self,
        client: BatchClient,
        job: BatchJob,
        provider_status: str,
        plan: RunPlan,
        costing: Costing,
        row_index: dict[str, int],
        sink: EventSink | None,
    ) -> tuple[int, int]:
        store = self._store
        entries = {e.custom_id: e for e in store.batch_entries(job.id)}
        assert job.batch_id is not None
        page: list[CellResult] = []
        cache_page: list[tuple[str, dict[str, Any]]] = []
        written = errors = 0
        seen: set[str] = set()
        async for item in client.results(job.batch_id):
            entry = entries.get(item.custom_id)
            if entry is None or item.custom_id in seen:
                log.warning(
                    "batch %s: unknown or repeated custom id %r", job.batch_id, item.custom_id
                )
                continue
            seen.add(item.custom_id)
            cell = self._cell(plan, costing, row_index, entry, item.outcome)
            if isinstance(item.outcome, ChatResult):
                cache_page.append((entry.cache_key, _cache_entry(item.outcome)))
            else:
                errors += 1
            page.append(cell)
            if len(page) >= WRITE_PAGE:
                written += self._write(job.run_id, page, sink, cache_page)
                page, cache_page = [], []
        for custom_id, entry in entries.items():
            if custom_id not in seen:  # never silently dropped
                page.append(
                    self._cell(
                        plan,
                        costing,
                        row_index,
                        entry,
                        missing_error(job.provider, provider_status),
                    )
                )
                errors += 1
        written += self._write(job.run_id, page, sink, cache_page)
        failed = errors
        store.record_batch_progress(
            job.id, provider_status=provider_status, done=len(entries), failed=failed
        )
        store.close_batch_job(job.id, BatchJobState.COLLECTED)
        return written, errors

    def _cell(
        self,
        plan: RunPlan,
        costing: Costing,
        row_index: dict[str, int],
        entry: BatchEntry,
        outcome: ChatResult | ProviderError,
    ) -> CellResult:
        if isinstance(outcome, ChatResult):
            return _ok_cell(
                costing, plan, entry.key, row_index[entry.key.row_id], outcome, cache_hit=False
            )
        cell = _error_cell(entry.key, outcome.kind, outcome.message)
        if outcome.kind is ErrorKind.CANCELLED:
            cell.status = CellStatus.CANCELLED
        return cell

    async def cancel(self, run_id: int) -> list[str]:
        """Ask the providers to stop the run's open batches; what finished is still collected."""
        store = self._store
        run = self._store.get_run(run_id)
        plan = expand(run.spec, self._store)
        notes: list[str] = []
        for job in store.batch_jobs(run_id, open_only=True):
            if job.batch_id is None:
                self._fail_job(job, "cancelled before it was submitted", ErrorKind.CANCELLED, None)
                continue
            client = await self._client(plan_config(plan, job.model_id))
            try:
                state = await client.cancel(job.batch_id)
                notes.append(f"{job.provider} batch {job.batch_id}: {state.provider_status}")
            except BatchApiError as error:
                notes.append(f"cancelling {job.provider} batch {job.batch_id} failed: {error}")
            finally:
                await _close(client)
        return notes

    # -- helpers -----------------------------------------------------------------------------

    def _costing(self, plan: RunPlan) -> Costing:
        count = self._count_tokens
        if count is None:
            from workbench.engine.costing import default_count_tokens

            count = self._count_tokens = default_count_tokens()
        return Costing(
            plan,
            count_tokens=count,
            price=self._price,
            assumed_output_tokens=self.options.assumed_output_tokens,
            context_window=default_context_window(),
        )

    def _select(self, run_id: int, plan: RunPlan, mode: BatchMode) -> list[tuple[int, CellKey]]:
        in_flight = self._store.batch_in_flight_keys(run_id)
        if mode == "missing":
            done = self._store.cell_keys(run_id, [CellStatus.OK])
            return [c for c in plan.cells() if c[1] not in done and c[1] not in in_flight]
        if mode == "errors":
            errored = self._store.cell_keys(run_id, [CellStatus.ERROR])
            return [c for c in plan.cells() if c[1] in errored and c[1] not in in_flight]
        raise ValueError(f"unknown mode {mode!r}: use 'missing' or 'errors'")

    async def _client(self, config: ModelConfigContent) -> BatchClient:
        made = self._factory(config)
        return await made if inspect.isawaitable(made) else made

    def _write(
        self,
        run_id: int,
        cells: Sequence[CellResult],
        sink: EventSink | None,
        cache_entries: Iterable[tuple[str, dict[str, Any]]] = (),
    ) -> int:
        for start in range(0, len(cells), WRITE_PAGE):
            self._store.upsert_cells(run_id, cells[start : start + WRITE_PAGE])
        entries = list(cache_entries)
        if entries:
            put_many = getattr(self._store, "cache_put_many", None)
            if put_many is not None:
                put_many(entries)
            else:
                for key, value in entries:
                    self._store.cache_put(key, value)
        if sink is not None:
            for cell in cells:
                sink(CellFinished(cell))
        return len(cells)


def plan_config(plan: RunPlan, model_id: str) -> ModelConfigContent:
    """The model config of `model_id` in a plan."""
    for column in plan.columns:
        if column.column.model_id == model_id:
            return column.config
    raise KnownError(f"the run no longer has model config {model_id[:8]}")


def _request(plan: RunPlan, row_index: int, key: CellKey, custom_id: str) -> BatchRequest:
    column = plan.columns[key.column]
    messages = plan.messages(row_index, key.column)
    assert not isinstance(messages, RenderFailure)
    return BatchRequest(custom_id, column.config.model, messages, dict(column.params))


def _ok_cell(
    costing: Costing,
    plan: RunPlan,
    key: CellKey,
    row_index: int,
    answer: ChatResult,
    *,
    cache_hit: bool,
) -> CellResult:
    estimated = False
    input_tokens = answer.input_tokens
    output_tokens = answer.output_tokens
    if input_tokens is None:
        input_tokens, estimated = costing.input_tokens(row_index, key.column).n, True
    if output_tokens is None:
        model = plan.columns[key.column].config.model
        output_tokens, estimated = costing.output_tokens(answer.text, model).n, True
    return CellResult(
        key=key,
        status=CellStatus.OK,
        output=answer.text,
        finish_reason=answer.finish_reason,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        tokens_estimated=estimated,
        # A batch answer has no latency of its own (it waited in the provider's queue).
        latency_ms=answer.latency_ms if cache_hit else None,
        ttft_ms=answer.ttft_ms if cache_hit else None,
        cost_usd=costing.cost(key.column, input_tokens, output_tokens),
        cache_hit=cache_hit,
        attempts=0 if cache_hit else 1,
        finished_at=datetime.now(UTC),
    )


def _error_cell(key: CellKey, kind: ErrorKind, message: str) -> CellResult:
    return CellResult(
        key=key,
        status=CellStatus.ERROR,
        attempts=0,
        error_kind=kind.value,
        error_message=message,
        finished_at=datetime.now(UTC),
    )


def _cache_entry(result: ChatResult) -> dict[str, Any]:
    from workbench.engine.cache import result_to_entry

    return result_to_entry(result)


async def _close(client: BatchClient) -> None:
    try:
        await client.aclose()
    except Exception:
        log.exception("closing a %s batch client failed", client.provider)


def _no_provider(_config: ModelConfigContent) -> Any:
    raise RuntimeError("a batch run calls no interactive provider")
