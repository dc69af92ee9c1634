"""Simulations: many conversations at once, the turns within each strictly in order.

Each conversation (case × customer persona × assistant column × repeat) is one task; at most
``2 × concurrency`` are alive at a time. Every model call — the simulated customer's and the
assistant's — goes through the engine's machinery: endpoint limits and the global concurrency
slots, retries with backoff (``Retry-After`` honoured), the per-call timeout, the budget guard and
the response cache (keyed by the full message history and the repeat index, so a re-run with the
cache replays every conversation byte for byte).

Every transcript message is written (with its cache entry) in one short transaction as soon as
it exists, on the loop thread between awaits. Resuming a run re-reads the stored messages and
continues after the last one: a finished turn is never called again. A simulator message that is
empty or longer than the cap ends that conversation as an error (``simulator_error``), never as
a failure of the assistant.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from workbench.core.compose import render_messages
from workbench.core.conversations import (
    END_MARKER,
    ConversationCase,
    ConversationFinished,
    ConversationKey,
    ConversationResult,
    ConversationSetContent,
    ConversationStarted,
    ConversationStatus,
    SimulationEvent,
    SimulationFinished,
    SimulationInfo,
    SimulationSpec,
    SimulationStarted,
    StopReason,
    TranscriptMessage,
    TurnFinished,
)
from workbench.core.customers import CustomerContent, opening_cue, render_customer
from workbench.core.errors import KnownError, ValidationError
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Message, Outcome, ProviderError
from workbench.core.models import (
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    Version,
)
from workbench.core.personas import render_persona
from workbench.core.runs import Column
from workbench.engine.budget import BudgetGuard
from workbench.engine.cache import cache_key, entry_to_result, result_to_entry
from workbench.engine.clock import Clock, MonotonicClock
from workbench.engine.costing import PriceCall, default_price
from workbench.engine.execution import ProviderFactoryFn, ProviderPool
from workbench.engine.limits import Limits, endpoint_key
from workbench.engine.plan import build_columns
from workbench.engine.retry import attempt_with_timeout, run_with_retries
from workbench.engine.runner import EngineOptions
from workbench.scoring.text import fold

log = logging.getLogger(__name__)

SimulationSink = Callable[[SimulationEvent], None]
Mode = Literal["missing", "errors"]


class SimulationStore(Protocol):
    """The store methods a simulation uses (see `workbench.store.conversations`)."""

    def get_version(self, version_id: str) -> Version: ...

    def create_simulation(
        self,
        spec: SimulationSpec,
        columns: Sequence[Column],
        *,
        name: str,
        estimated_cost_usd: float | None = None,
    ) -> SimulationInfo: ...

    def get_simulation(self, run_id: int) -> SimulationInfo: ...

    def set_simulation_status(self, run_id: int, status: str) -> None: ...

    def conversations(self, run_id: int, statuses: Any = None) -> list[ConversationResult]: ...

    def add_conversation_message(
        self,
        run_id: int,
        key: ConversationKey,
        message: TranscriptMessage,
        cache_entry: tuple[str, dict[str, Any]] | None = None,
    ) -> None: ...

    def add_conversation_messages(
        self,
        run_id: int,
        items: Sequence[
            tuple[ConversationKey, TranscriptMessage, tuple[str, dict[str, Any]] | None]
        ],
    ) -> None: ...

    def cache_get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def finish_conversation(
        self,
        run_id: int,
        key: ConversationKey,
        status: ConversationStatus,
        *,
        stop_reason: StopReason | None,
        error_kind: str | None = None,
        error_message: str | None = None,
    ) -> None: ...

    def cache_get(self, key: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class AssistantColumn:
    """A column ready to talk: its model and how its system messages are made."""

    column: Column
    prompt: Version
    persona_section: str | None
    persona: PersonaContent | None
    config: ModelConfigContent
    params: dict[str, Any]


@dataclass(frozen=True)
class SimulationPlan:
    """A simulation spec with its versions loaded and its conversations listed."""

    spec: SimulationSpec
    columns: tuple[AssistantColumn, ...]
    cases: dict[str, ConversationCase]
    customers: tuple[tuple[Version, CustomerContent] | None, ...]
    simulator: tuple[Version, ModelConfigContent] | None
    keys: tuple[ConversationKey, ...]

    def max_turns(self, case: ConversationCase) -> int:
        """Exchanges at most for a case (the run's limit wins)."""
        if case.scenario is None:
            return len(case.user_turns())
        return self.spec.max_turns or case.max_turns


@dataclass(frozen=True)
class SimulationEstimate:
    """Upper bounds: every conversation runs to its turn limit (cache hits not counted)."""

    conversations: int
    max_calls: int
    cost_usd_max: float | None


@dataclass(frozen=True)
class SimulationSummary:
    """What one execution did."""

    run_id: int
    status: str
    counts: dict[str, int]
    calls: int
    cache_hits: int
    cost_usd: float
    elapsed_s: float
    message: str | None = None


def _load(store: SimulationStore, version_id: str, expected: type, what: str) -> Version:
    version = store.get_version(version_id)
    if not isinstance(version.content, expected):
        raise ValidationError(f"version {version_id[:8]} is a {version.kind}, not a {what}")
    return version


def plan_simulation(spec: SimulationSpec, store: SimulationStore) -> SimulationPlan:
    """Load every version a spec names and list its conversations.

    Raises:
        ValidationError: scenarios without a customer persona or a simulator model, a case id
            not in the set, a version of the wrong kind, a persona that does not render.
    """
    prompts = [_load(store, v, PromptContent, "prompt") for v in spec.prompt_ids]
    personas = [
        _load(store, v, PersonaContent, "persona") if v is not None else None
        for v in spec.persona_ids
    ]
    models = [_load(store, v, ModelConfigContent, "model config") for v in spec.model_ids]
    if not prompts or not models:
        raise ValidationError("a simulation needs at least one prompt and one model config")
    conversations = _load(store, spec.conversations_id, ConversationSetContent, "conversation set")
    content = conversations.content
    assert isinstance(content, ConversationSetContent)
    if spec.case_ids is not None:
        known = {c.id for c in content.cases}
        missing = [c for c in spec.case_ids if c not in known]
        if missing:
            raise ValidationError(f"{conversations.ref} has no case {', '.join(missing)}")
        wanted = set(spec.case_ids)
        cases = [c for c in content.cases if c.id in wanted]
    else:
        cases = list(content.cases)
    customers: list[tuple[Version, CustomerContent] | None] = []
    for cid in spec.customer_ids:
        if cid is None:
            customers.append(None)
            continue
        version = _load(store, cid, CustomerContent, "customer persona")
        assert isinstance(version.content, CustomerContent)
        customers.append((version, version.content))
    has_scenarios = any(c.scenario is not None for c in cases)
    if has_scenarios and not any(customers):
        raise ValidationError("scenario cases need at least one customer persona (--customer)")
    if has_scenarios and any(c is None for c in customers):
        raise ValidationError("every customer persona must be named (no empty customer)")
    simulator: tuple[Version, ModelConfigContent] | None = None
    if spec.simulator_model_id is not None:
        sim = _load(store, spec.simulator_model_id, ModelConfigContent, "model config")
        assert isinstance(sim.content, ModelConfigContent)
        simulator = (sim, sim.content)
    elif has_scenarios:
        raise ValidationError("scenario cases need a simulator model (--simulator MODEL)")

    columns: list[AssistantColumn] = []
    by_id = {v.id: v for v in [*prompts, *models, *(p for p in personas if p)]}
    sections: dict[str, str] = {}
    for column in build_columns(prompts, personas, models):
        persona_version = by_id[column.persona_id] if column.persona_id else None
        persona_content: PersonaContent | None = None
        section = None
        if persona_version is not None:
            assert isinstance(persona_version.content, PersonaContent)
            persona_content = persona_version.content
            if persona_version.id not in sections:
                sections[persona_version.id] = render_persona(
                    persona_content, name=persona_version.ref
                )
            section = sections[persona_version.id]
        prompt = by_id[column.prompt_id]
        config = by_id[column.model_id].content
        assert isinstance(prompt.content, PromptContent)
        assert isinstance(config, ModelConfigContent)
        columns.append(
            AssistantColumn(
                column=column,
                prompt=prompt,
                persona_section=section,
                persona=persona_content,
                config=config,
                params={**prompt.content.params, **config.params},
            )
        )
    keys: list[ConversationKey] = []
    for case in cases:
        if case.scenario is None:
            customer_range: list[int] = [0]
        else:
            customer_range = [
                index
                for index, entry in enumerate(customers)
                if entry is not None and (not case.customers or entry[0].family in case.customers)
            ]
        for customer in customer_range:
            for index in range(len(columns)):
                for repeat in range(spec.repeats):
                    keys.append(ConversationKey(case.id, index, customer, repeat))
    return SimulationPlan(
        spec=spec,
        columns=tuple(columns),
        cases={c.id: c for c in cases},
        customers=tuple(customers),
        simulator=simulator,
        keys=tuple(keys),
    )


def facts_given(facts: Sequence[str], assistant_texts: Sequence[str]) -> bool:
    """Whether every fact appears in what the assistant said (case-, accent- and
    apostrophe-insensitive, as the conversation score counts it)."""
    if not facts:
        return False
    said = fold("\n".join(assistant_texts))
    return all(fold(f) in said for f in facts)


def has_marker(text: str, markers: Sequence[str]) -> bool:
    """Whether a hand-off marker appears in the text."""
    return any(m and m in text for m in markers)


def assistant_messages(
    column: AssistantColumn, case: ConversationCase, history: Sequence[TranscriptMessage]
) -> tuple[Message, ...]:
    """What the assistant under test receives: its system part, then the conversation.

    The first customer message goes through the prompt's user template as ``message`` (with
    the case vars), later ones verbatim.

    Raises:
        KnownError: the prompt does not render with the case's variables.
    """
    prompt = column.prompt.content
    assert isinstance(prompt, PromptContent)
    first = history[0].content if history else ""
    rendered = render_messages(
        prompt,
        {**case.vars, "message": first},
        prompt_name=column.prompt.ref,
        persona_section=column.persona_section,
        row=case.id,
    )
    # The rendered prompt ends with the first customer message (its user template).
    head = list(rendered)
    if prompt.user is None and not any(m.role == "user" for m in head):
        head.append(Message("user", first))
    out = head
    for message in history[1:]:
        out.append(Message("user" if message.role == "customer" else "assistant", message.content))
    return tuple(out)


def simulator_messages(
    system: str, customer: CustomerContent, history: Sequence[TranscriptMessage]
) -> tuple[Message, ...]:
    """What the simulated customer receives: its brief, then the mirrored conversation."""
    out = [Message("system", system), Message("user", opening_cue(customer))]
    for message in history:
        out.append(Message("assistant" if message.role == "customer" else "user", message.content))
    return tuple(out)


class _Stop(Exception):
    """Ends a conversation with a status and reason."""

    def __init__(
        self,
        status: ConversationStatus,
        reason: StopReason,
        kind: str | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(message or reason.value)
        self.status = status
        self.reason = reason
        self.kind = kind
        self.message = message


class SimulationEngine:
    """Plans, estimates, creates and executes simulations (plain asyncio, no threads).

    Args:
        store: the workspace store.
        provider_factory: builds a provider for a model config.
        options: the run engine's options (retries, endpoint limits, seed of the jitter).
        clock: time source for rate limits and retry waits.
        price: call pricing (default: the providers' price table).
    """

    def __init__(
        self,
        store: SimulationStore,
        provider_factory: ProviderFactoryFn,
        *,
        options: EngineOptions | None = None,
        clock: Clock | None = None,
        price: PriceCall | None = None,
    ) -> None:
        self._store = store
        self._factory = provider_factory
        self.options = options or EngineOptions()
        self._clock = clock or MonotonicClock()
        self._price = price

    def _pricing(self) -> PriceCall:
        if self._price is None:
            self._price = default_price()
        return self._price

    def plan(self, spec: SimulationSpec) -> SimulationPlan:
        """The plan of a spec."""
        return plan_simulation(spec, self._store)

    def estimate(
        self, spec: SimulationSpec, plan: SimulationPlan | None = None
    ) -> SimulationEstimate:
        """Upper bounds of calls and cost (every conversation to its turn limit)."""
        plan = plan or self.plan(spec)
        price = self._pricing()
        calls = 0
        cost: float | None = 0.0
        allowance = self.options.assumed_output_tokens
        for key in plan.keys:
            case = plan.cases[key.case_id]
            turns = plan.max_turns(case)
            column = plan.columns[key.column]
            per_turn = [(column.config, column.params)]
            if case.scenario is not None and plan.simulator is not None:
                per_turn.append((plan.simulator[1], dict(plan.simulator[1].params)))
            for config, params in per_turn:
                calls += turns
                out_tokens = int(params.get("max_tokens") or allowance)
                # History grows each turn: input ≈ 400 tokens of system + 150 per earlier turn.
                for turn in range(turns):
                    one = price(config, 400 + 150 * 2 * turn, out_tokens)
                    if one is None or cost is None:
                        cost = None
                    else:
                        cost += one
        return SimulationEstimate(len(plan.keys), calls, cost)

    def create(self, spec: SimulationSpec, name: str) -> int:
        """Store a new simulation after checking its estimate against its budget."""
        plan = self.plan(spec)
        estimate = self.estimate(spec, plan)
        if (
            spec.budget_usd is not None
            and estimate.cost_usd_max is not None
            and estimate.cost_usd_max > spec.budget_usd
        ):
            log.info(
                "simulation estimate %.4f above budget; it will stop at the budget",
                estimate.cost_usd_max,
            )
        info = self._store.create_simulation(
            spec,
            [c.column for c in plan.columns],
            name=name,
            estimated_cost_usd=estimate.cost_usd_max,
        )
        return info.id

    async def execute(
        self,
        run_id: int,
        *,
        mode: Mode = "missing",
        cancel_event: asyncio.Event | None = None,
        sink: SimulationSink | None = None,
    ) -> SimulationSummary:
        """Run the conversations of a stored simulation that need it.

        `mode` "missing" runs every conversation not finished and not in error (first run,
        resume after a kill or a cancel); "errors" re-runs the errored ones. Stored messages
        are kept and continued from.
        """
        started = time.perf_counter()
        info = self._store.get_simulation(run_id)
        plan = self.plan(info.spec)
        stored = {c.key: c for c in self._store.conversations(run_id)}
        if mode == "missing":
            done = {ConversationStatus.FINISHED, ConversationStatus.ERROR}
            keys = [k for k in plan.keys if k not in stored or stored[k].status not in done]
        elif mode == "errors":
            keys = [
                k for k in plan.keys if k in stored and stored[k].status is ConversationStatus.ERROR
            ]
        else:
            raise ValueError(f"unknown mode {mode!r}: use 'missing' or 'errors'")
        execution = _SimulationRun(
            self,
            run_id,
            plan,
            {k: stored[k].messages for k in keys if k in stored},
            sink,
        )
        self._store.set_simulation_status(run_id, "running")
        if sink is not None:
            sink(SimulationStarted(run_id, len(keys)))
        status = "failed"
        try:
            status = await execution.run(keys, cancel_event)
        except asyncio.CancelledError:
            status = "cancelled"
            raise
        finally:
            await execution.providers.aclose()
            self._store.set_simulation_status(run_id, status)
            if sink is not None:
                sink(SimulationFinished(run_id, status, dict(execution.counts)))
        return SimulationSummary(
            run_id=run_id,
            status=status,
            counts=dict(execution.counts),
            calls=execution.calls,
            cache_hits=execution.cache_hits,
            cost_usd=execution.budget.spent_usd,
            elapsed_s=time.perf_counter() - started,
            message=execution.budget.describe_stop() if execution.budget_stopped else None,
        )


class _StoreBatcher:
    """Groups the store work of concurrent conversations into few short transactions.

    Conversations ask for cache entries and hand over finished messages; both wait for the next
    flush, a few milliseconds later, which reads every asked key in one query and writes every
    waiting message (with its cache entry) in one transaction, on the loop thread. A
    conversation goes on only once its message is committed, so a kill loses no turn that a
    resume would skip, and the loop is no longer held by one transaction per message.
    """

    def __init__(self, store: SimulationStore, run_id: int, *, window_s: float = 0.005) -> None:
        self._store = store
        self._run_id = run_id
        self._window_s = window_s
        self._reads: dict[str, list[asyncio.Future[dict[str, Any] | None]]] = {}
        self._writes: list[
            tuple[
                ConversationKey,
                TranscriptMessage,
                tuple[str, dict[str, Any]] | None,
                asyncio.Future[None],
            ]
        ] = []
        self._handle: asyncio.TimerHandle | None = None

    def _schedule(self) -> None:
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(self._window_s, self.flush)

    async def cache_get(self, key: str) -> dict[str, Any] | None:
        future: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
        self._reads.setdefault(key, []).append(future)
        self._schedule()
        return await future

    async def add(
        self,
        key: ConversationKey,
        message: TranscriptMessage,
        cache_entry: tuple[str, dict[str, Any]] | None,
    ) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writes.append((key, message, cache_entry, future))
        self._schedule()
        await asyncio.shield(future)

    def flush(self) -> None:
        """Do the waiting reads and writes now (also called once more at the end)."""
        self._handle = None
        reads, self._reads = self._reads, {}
        writes, self._writes = self._writes, []
        if reads:
            try:
                found = self._store.cache_get_many(list(reads))
            except Exception as exc:
                for futures in reads.values():
                    for f in futures:
                        if not f.done():
                            f.set_exception(exc)
            else:
                for key, futures in reads.items():
                    for f in futures:
                        if not f.done():
                            f.set_result(found.get(key))
        if writes:
            try:
                self._store.add_conversation_messages(
                    self._run_id, [(k, m, e) for k, m, e, _ in writes]
                )
            except Exception as exc:
                for *_, done in writes:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for *_, done in writes:
                    if not done.done():
                        done.set_result(None)


class _SimulationRun:
    """One execution: conversation tasks sharing limits, budget, providers and the store."""

    def __init__(
        self,
        engine: SimulationEngine,
        run_id: int,
        plan: SimulationPlan,
        resumed: dict[ConversationKey, tuple[TranscriptMessage, ...]],
        sink: SimulationSink | None,
    ) -> None:
        spec = plan.spec
        options = engine.options
        self._engine = engine
        self._store = engine._store
        self._run_id = run_id
        self._plan = plan
        self._resumed = resumed
        self._sink = sink
        self._options = options
        self._rng = random.Random(options.seed)
        self.limits = Limits(
            spec.concurrency,
            dict(options.endpoint_limits),
            default=options.default_endpoint_limits,
            clock=engine._clock,
        )
        self.providers = ProviderPool(engine._factory)
        self.budget = BudgetGuard(spec.budget_usd, 0.0)
        self.budget_stopped = False
        self.counts: Counter[str] = Counter()
        self.calls = 0
        self.cache_hits = 0
        self._customer_prompts: dict[tuple[str, int], str] = {}
        self.batcher = _StoreBatcher(self._store, run_id)

    async def run(self, keys: Sequence[ConversationKey], cancel_event: asyncio.Event | None) -> str:
        window = asyncio.Semaphore(max(1, self._plan.spec.concurrency * 2))
        cancelled = False

        async def one(key: ConversationKey) -> None:
            async with window:
                await self._converse(key)

        tasks = [asyncio.create_task(one(k), name=f"conversation-{k.label()}") for k in keys]
        if not tasks:
            return "finished"
        everything: asyncio.Future[list[Any]] = asyncio.gather(*tasks, return_exceptions=True)
        watcher = asyncio.create_task(cancel_event.wait()) if cancel_event is not None else None
        try:
            if watcher is not None:
                waited: set[asyncio.Future[Any]] = {everything, watcher}
                await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
                if not everything.done():
                    cancelled = True
                    for task in tasks:
                        task.cancel()
            results = await everything
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            if watcher is not None:
                watcher.cancel()
            self.batcher.flush()  # messages of cancelled conversations that were finished
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                log.error("a conversation task crashed", exc_info=result)
        if cancelled:
            return "cancelled"
        if self.budget_stopped:
            return "budget_stopped"
        return "finished"

    # ------------------------------------------------------------------ one conversation

    def _customer_prompt(self, key: ConversationKey, case: ConversationCase) -> str:
        cache_id = (case.id, key.customer)
        if cache_id not in self._customer_prompts:
            entry = self._plan.customers[key.customer]
            assert entry is not None and case.scenario is not None
            version, customer = entry
            self._customer_prompts[cache_id] = render_customer(
                customer, case.scenario, name=version.ref
            )
        return self._customer_prompts[cache_id]

    async def _converse(self, key: ConversationKey) -> None:
        plan = self._plan
        case = plan.cases[key.case_id]
        column = plan.columns[key.column]
        history: list[TranscriptMessage] = list(self._resumed.get(key, ()))
        stored_count = len(history)
        if self._sink is not None:
            self._sink(ConversationStarted(key, sum(1 for m in history if m.role == "assistant")))
        max_turns = plan.max_turns(case)
        markers = plan.spec.handoff_markers
        status = ConversationStatus.FINISHED
        reason: StopReason | None = None
        kind: str | None = None
        text: str | None = None
        try:
            turn = 0
            position = 0
            while True:
                # --- the customer speaks
                if position < stored_count:
                    customer_message = history[position]
                else:
                    customer_message = await self._customer_turn(key, case, history, turn)
                    history.append(customer_message)
                position += 1
                if END_MARKER in customer_message.content:
                    raise _Stop(ConversationStatus.FINISHED, StopReason.CUSTOMER_END)
                # --- the assistant answers
                if position < stored_count:
                    answer = history[position]
                else:
                    answer = await self._assistant_turn(key, case, column, history, turn)
                    history.append(answer)
                position += 1
                assistant_texts = [m.content for m in history if m.role == "assistant"]
                if has_marker(answer.content, markers):
                    raise _Stop(ConversationStatus.FINISHED, StopReason.HANDOFF)
                if case.scenario is not None and facts_given(
                    case.scenario.expected.facts, assistant_texts
                ):
                    raise _Stop(ConversationStatus.FINISHED, StopReason.OUTCOME_REACHED)
                turn += 1
                if turn >= max_turns:
                    reason = (
                        StopReason.SCRIPT_END if case.scenario is None else StopReason.TURN_LIMIT
                    )
                    raise _Stop(ConversationStatus.FINISHED, reason)
        except _Stop as stop:
            status, reason, kind, text = stop.status, stop.reason, stop.kind, stop.message
        except asyncio.CancelledError:
            status, reason = ConversationStatus.CANCELLED, StopReason.CANCELLED
            self._finish(key, status, reason, history, "cancelled", "cancelled")
            raise
        except KnownError as exc:
            status, reason, kind, text = (
                ConversationStatus.ERROR,
                StopReason.RENDER_ERROR,
                ErrorKind.RENDER.value,
                str(exc),
            )
        except Exception as exc:  # a bug must cost one conversation, not the run
            log.exception("conversation %s crashed", key.label())
            status, reason, kind, text = (
                ConversationStatus.ERROR,
                StopReason.ASSISTANT_ERROR,
                ErrorKind.CRASHED.value,
                f"{type(exc).__name__}: {exc}",
            )
        self._finish(key, status, reason, history, kind, text)

    def _finish(
        self,
        key: ConversationKey,
        status: ConversationStatus,
        reason: StopReason | None,
        history: Sequence[TranscriptMessage],
        kind: str | None,
        text: str | None,
    ) -> None:
        self._store.finish_conversation(
            self._run_id, key, status, stop_reason=reason, error_kind=kind, error_message=text
        )
        self.counts[status.value] += 1
        if self._sink is not None:
            self._sink(
                ConversationFinished(
                    ConversationResult(
                        key=key,
                        status=status,
                        messages=tuple(history),
                        stop_reason=reason,
                        error_kind=kind,
                        error_message=text,
                        finished_at=datetime.now(UTC),
                    )
                )
            )

    async def _write(
        self,
        key: ConversationKey,
        message: TranscriptMessage,
        cache_entry: tuple[str, dict[str, Any]] | None,
    ) -> None:
        await self.batcher.add(key, message, cache_entry)
        if self._sink is not None:
            self._sink(TurnFinished(key, message))

    async def _customer_turn(
        self,
        key: ConversationKey,
        case: ConversationCase,
        history: Sequence[TranscriptMessage],
        turn: int,
    ) -> TranscriptMessage:
        index = len(history)
        if case.scenario is None:
            users = case.user_turns()
            if turn >= len(users):
                raise _Stop(ConversationStatus.FINISHED, StopReason.SCRIPT_END)
            message = _scripted(index, turn, users[turn])
            await self._write(key, message, None)
            return message
        if turn == 0 and case.scenario.opening:
            message = _scripted(index, turn, case.scenario.opening)
            await self._write(key, message, None)
            return message
        plan = self._plan
        assert plan.simulator is not None
        sim_version, sim_config = plan.simulator
        entry = plan.customers[key.customer]
        assert entry is not None
        messages = simulator_messages(self._customer_prompt(key, case), entry[1], history)
        params = {**sim_config.params, "seed": plan.spec.seed}
        outcome = await self._call(sim_version.id, sim_config, params, messages, key.repeat)
        if isinstance(outcome, _Failed):
            if outcome.error.kind is ErrorKind.BUDGET:
                raise _Stop(
                    ConversationStatus.CANCELLED,
                    StopReason.BUDGET,
                    "budget",
                    outcome.error.message,
                )
            raise _Stop(
                ConversationStatus.ERROR,
                StopReason.SIMULATOR_ERROR,
                outcome.error.kind.value,
                f"simulator: {outcome.error.message}",
            )
        text = outcome.result.text.strip()
        if not text or (text == END_MARKER and turn == 0):
            raise _Stop(
                ConversationStatus.ERROR,
                StopReason.SIMULATOR_ERROR,
                "simulator_empty",
                f"the simulator wrote an empty customer message at turn {turn + 1}",
            )
        if len(text) > plan.spec.simulator_cap:
            raise _Stop(
                ConversationStatus.ERROR,
                StopReason.SIMULATOR_ERROR,
                "simulator_runaway",
                f"the simulator wrote {len(text)} characters at turn {turn + 1}"
                f" (cap {plan.spec.simulator_cap})",
            )
        message = outcome.message(index, turn, "customer", text)
        await self._write(key, message, outcome.cache_entry)
        return message

    async def _assistant_turn(
        self,
        key: ConversationKey,
        case: ConversationCase,
        column: AssistantColumn,
        history: Sequence[TranscriptMessage],
        turn: int,
    ) -> TranscriptMessage:
        messages = assistant_messages(column, case, history)
        outcome = await self._call(
            column.column.model_id, column.config, column.params, messages, key.repeat
        )
        if isinstance(outcome, _Failed):
            if outcome.error.kind is ErrorKind.BUDGET:
                raise _Stop(
                    ConversationStatus.CANCELLED, StopReason.BUDGET, "budget", outcome.error.message
                )
            raise _Stop(
                ConversationStatus.ERROR,
                StopReason.ASSISTANT_ERROR,
                outcome.error.kind.value,
                outcome.error.message,
            )
        message = outcome.message(len(history), turn, "assistant", outcome.result.text)
        await self._write(key, message, outcome.cache_entry)
        return message

    async def _call(
        self,
        model_id: str,
        config: ModelConfigContent,
        params: dict[str, Any],
        messages: tuple[Message, ...],
        repeat: int,
    ) -> _Done | _Failed:
        spec = self._plan.spec
        ckey = cache_key(config, params, messages, repeat)
        if spec.use_cache:
            cached = await self.batcher.cache_get(ckey)
            if cached is not None:
                self.cache_hits += 1
                return _Done(entry_to_result(cached), 0, True, None, 0.0)
        price = self._engine._pricing()
        reserve = 0.0
        if self.budget.limit_usd is not None:
            chars = sum(len(m.content) for m in messages)
            out = int(params.get("max_tokens") or self._options.assumed_output_tokens)
            reserve = price(config, chars // 4 + 1, out) or 0.0
            if not self.budget.try_reserve(reserve):
                self.budget_stopped = True
                return _Failed(ProviderError(ErrorKind.BUDGET, self.budget.describe_stop()), 0)
        limiter = self.limits.endpoint(endpoint_key(config.provider, config.base_url))
        attempts = 0
        spent = 0.0
        request = ChatRequest(model=config.model, messages=messages, params=params, stream=False)
        try:
            provider = await self.providers.get(model_id, config)
            timeout = self._options.retry.timeout_s

            async def attempt() -> Outcome:
                nonlocal attempts
                async with limiter.slot(0), self.limits.global_slots:
                    attempts += 1
                    self.calls += 1
                    return await attempt_with_timeout(
                        lambda: provider.complete(request, None), timeout
                    )

            outcome, attempts = await run_with_retries(
                attempt, self._options.retry, sleep=self._engine._clock.sleep, rng=self._rng
            )
        except KnownError as exc:
            self.budget.settle(reserve, 0.0)
            return _Failed(ProviderError(ErrorKind.CONFIG, str(exc)), attempts)
        except asyncio.CancelledError:
            self.budget.settle(reserve, 0.0)
            raise
        if isinstance(outcome, ProviderError):
            self.budget.settle(reserve, 0.0)
            return _Failed(outcome, attempts)
        cost = price(config, outcome.input_tokens or 0, outcome.output_tokens or 0)
        spent = cost or 0.0
        self.budget.settle(reserve, spent)
        return _Done(outcome, attempts, False, (ckey, result_to_entry(outcome)), cost)


@dataclass(frozen=True)
class _Done:
    result: ChatResult
    attempts: int
    cache_hit: bool
    cache_entry: tuple[str, dict[str, Any]] | None
    cost_usd: float | None

    def message(
        self, index: int, turn: int, role: Literal["customer", "assistant"], text: str
    ) -> TranscriptMessage:
        return TranscriptMessage(
            index=index,
            turn=turn,
            role=role,
            content=text,
            input_tokens=self.result.input_tokens,
            output_tokens=self.result.output_tokens,
            latency_ms=self.result.latency_ms,
            cost_usd=None if self.cache_hit else self.cost_usd,
            cache_hit=self.cache_hit,
            attempts=self.attempts,
            finished_at=datetime.now(UTC),
        )


@dataclass(frozen=True)
class _Failed:
    error: ProviderError
    attempts: int


def _scripted(index: int, turn: int, text: str) -> TranscriptMessage:
    return TranscriptMessage(
        index=index,
        turn=turn,
        role="customer",
        content=text,
        scripted=True,
        finished_at=datetime.now(UTC),
    )


__all__ = [
    "SimulationEngine",
    "SimulationEstimate",
    "SimulationPlan",
    "SimulationSummary",
    "assistant_messages",
    "facts_given",
    "has_marker",
    "plan_simulation",
    "simulator_messages",
]
