"""One-off model calls outside a run's grid, through the engine, with a budget and their cost.

`EngineCall` serves work that asks a model something for every row before or beside a run —
the paraphrase perturbation rewrites each customer message this way. It is an `EngineJudge`
(the endpoint's limits, retries honouring Retry-After, the per-attempt timeout and the store's
response cache under the engine's versioned key) that also

* caches every successful answer (a judge keeps only answers holding a verdict), so asking the
  same thing again costs nothing;
* reserves each call's worst cost against a `BudgetGuard` before sending it and settles to the
  real cost after, so a budget is never overshot by more than an output allowance can; a call
  that does not fit comes back as a ``budget`` error and sets `budget_stopped`;
* counts what it spent (`cost_usd`; cached answers cost nothing).
"""

from __future__ import annotations

import asyncio

from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Message, ProviderError
from workbench.core.models import ModelConfigContent
from workbench.engine.budget import BudgetGuard
from workbench.engine.cache import CacheBackend
from workbench.engine.costing import PriceCall, default_count_tokens, default_price
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.judge import EngineJudge
from workbench.engine.runner import EngineOptions

_OUTPUT_LIMIT_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


class EngineCall(EngineJudge):
    """A model call for one config through the engine, held to a budget.

    Args:
        config: the model config; its parameters are defaults under the request's own.
        provider_factory: builds the provider on the first call that needs it.
        budget: spent and reserved money (shared with the caller); None: no limit.
        price: the price of a call (the providers layer's table if None).
        concurrency: calls in flight at once.
        Other arguments as for `EngineJudge`.

    Attributes:
        cost_usd: what the calls made here cost (cached answers cost nothing).
        unpriced: a call was made whose model has no known price.
        budget_stopped: a call was refused because it would have exceeded the budget.
    """

    def __init__(
        self,
        config: ModelConfigContent,
        provider_factory: ProviderFactoryFn,
        *,
        cache: CacheBackend | None = None,
        options: EngineOptions | None = None,
        budget: BudgetGuard | None = None,
        price: PriceCall | None = None,
        concurrency: int = 4,
        use_cache: bool = True,
        seed: int | None = None,
    ) -> None:
        super().__init__(
            config,
            provider_factory,
            cache=cache,
            options=options,
            concurrency=concurrency,
            use_cache=use_cache,
            seed=seed,
        )
        self.budget = budget or BudgetGuard(None)
        self._price = price
        self.cost_usd = 0.0
        self.unpriced = False
        self.budget_stopped = False
        self._in_flight = 0
        self._settled: asyncio.Condition | None = None
        self._wakers: set[asyncio.Task[None]] = set()

    def price(self, input_tokens: int, output_tokens: int) -> float | None:
        """What a call of this config costs; None when its model has no known price."""
        if self._price is None:
            self._price = default_price()
        return self._price(self.config, input_tokens, output_tokens)

    async def __call__(self, request: ChatRequest) -> ChatResult | ProviderError:
        """Answer one request: from the cache, else from the provider within the budget."""
        self._check_loop()
        self.calls += 1
        sent = self.prepare(request)
        key = self.cache_key(sent)
        cached = self._cached(sent, key)
        if cached is not None:
            return cached
        input_tokens = self._input_tokens(sent)
        reserve = self.price(input_tokens, self._output_allowance(sent)) or 0.0
        if not await self._reserve(reserve):
            self.budget_stopped = True
            return ProviderError(ErrorKind.BUDGET, self.budget.describe_stop())
        try:
            outcome = await self._call_with_retries(sent)
        except asyncio.CancelledError:
            self._settle(reserve, 0.0)
            raise
        if not isinstance(outcome, ChatResult):
            self._settle(reserve, 0.0)
            return outcome
        output_tokens = outcome.output_tokens
        if output_tokens is None:
            output_tokens = self._count(
                (Message(role="assistant", content=outcome.text),), sent.model
            )
        cost = self.price(outcome.input_tokens or input_tokens, output_tokens)
        if cost is None:
            self.unpriced = True
        self._settle(reserve, cost or 0.0)
        self.cost_usd += cost or 0.0
        self._remember(sent, key, outcome)
        return outcome

    def _keeps(self, request: ChatRequest, answer: ChatResult) -> bool:
        """Every answer is kept (a rewrite is checked by its caller, not here)."""
        return True

    async def _reserve(self, amount_usd: float) -> bool:
        """Reserve a call's worst cost; when it does not fit, let the calls in flight settle
        first (they usually cost less than reserved) and give up only when none is left."""
        if self._settled is None:
            self._settled = asyncio.Condition()
        async with self._settled:
            while not self.budget.try_reserve(amount_usd):
                if self._in_flight == 0:
                    return False
                await self._settled.wait()
            self._in_flight += 1
            return True

    def _settle(self, reserved_usd: float, actual_usd: float) -> None:
        self.budget.settle(reserved_usd, actual_usd)
        self._in_flight -= 1
        if self._settled is not None:
            settled = self._settled

            async def wake() -> None:
                async with settled:
                    settled.notify_all()

            # Waking the waiters needs the condition's lock: done in a task of its own, so
            # settling stays synchronous (it also runs while a call is being cancelled).
            task = asyncio.get_running_loop().create_task(wake())
            self._wakers.add(task)
            task.add_done_callback(self._wakers.discard)

    def _input_tokens(self, request: ChatRequest) -> int:
        return self._count(request.messages, request.model)

    def _count(self, messages: tuple[Message, ...], model: str) -> int:
        if self._count_tokens is None:
            self._count_tokens = default_count_tokens()
        return self._count_tokens(messages, model).n

    def _output_allowance(self, request: ChatRequest) -> int:
        for name in _OUTPUT_LIMIT_KEYS:
            value = request.params.get(name)
            if isinstance(value, int) and value > 0:
                return value
        return self.options.assumed_output_tokens
