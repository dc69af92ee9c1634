"""Token counts and prices for the cells of a plan, computed once and memoised.

Counting runs on demand: only when a budget or a tokens/min limit needs it, or when a provider
returned no usage. A prompt's count is memoised per (render group, row, model name), since columns
that differ only by model config often share both messages and tokenizer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from workbench.core.llm import Message
from workbench.core.models import ModelConfigContent
from workbench.engine.budget import Estimate
from workbench.engine.plan import RenderFailure, RunPlan


class TokenCountLike(Protocol):
    """What a token counter returns: a count and whether it is an approximation."""

    @property
    def n(self) -> int: ...

    @property
    def estimated(self) -> bool: ...


CountTokens = Callable[[tuple[Message, ...], str], TokenCountLike]
PriceCall = Callable[[ModelConfigContent, int, int], float | None]
ContextWindow = Callable[[ModelConfigContent], int | None]


@dataclass(frozen=True)
class Count:
    """A token count the engine computed itself."""

    n: int
    estimated: bool


def default_count_tokens() -> CountTokens:
    """The providers layer's counter for models with a tokenizer, a character estimate else.

    The tokenizer module loads on the first count: a run answered from the cache counts
    nothing, and its process need not import it.
    """
    counter: CountTokens | None = None

    def count(messages: tuple[Message, ...], model: str) -> TokenCountLike:
        nonlocal counter
        if counter is None:
            from workbench.providers.tokens import count_messages

            counter = lean_count_tokens(count_messages)
        return counter(messages, model)

    return count


def default_price() -> PriceCall:
    """The providers layer's price table lookup."""
    from workbench.providers.pricing import cost_usd

    return cost_usd


def default_context_window() -> ContextWindow:
    """The providers layer's context windows (from the price table)."""
    from workbench.providers.pricing import context_window_for

    return context_window_for


class Costing:
    """Token counts, output allowances and prices for one plan."""

    def __init__(
        self,
        plan: RunPlan,
        *,
        count_tokens: CountTokens,
        price: PriceCall,
        assumed_output_tokens: int,
        context_window: ContextWindow | None = None,
    ) -> None:
        self._plan = plan
        self._context_window = context_window
        self._count_tokens = count_tokens
        self._price = price
        self._assumed = assumed_output_tokens
        self._counts: dict[tuple[int, int, str], TokenCountLike] = {}

    def input_tokens(self, row_index: int, column: int) -> TokenCountLike:
        """Tokens of the rendered messages of a cell (0 for a render failure)."""
        plan = self._plan.columns[column]
        memo = (plan.group, row_index, plan.config.model)
        count = self._counts.get(memo)
        if count is None:
            rendered = self._plan.messages(row_index, column)
            if isinstance(rendered, RenderFailure):
                return Count(0, False)
            count = self._count_tokens(rendered, plan.config.model)
            self._counts[memo] = count
        return count

    def too_long(self, row_index: int, column: int) -> str | None:
        """Why a cell's prompt cannot be sent: longer than its model's context window; or None.

        Counting is skipped when the prompt's UTF-8 bytes alone fit: no tokenizer makes more
        tokens than bytes.
        """
        if self._context_window is None:
            return None
        config = self._plan.columns[column].config
        window = self._context_window(config)
        rendered = self._plan.messages(row_index, column)
        if window is None or isinstance(rendered, RenderFailure):
            return None
        size = sum(len(m.content.encode("utf-8", "surrogatepass")) + 8 for m in rendered)
        if size <= window:
            return None
        tokens = self.input_tokens(row_index, column).n
        if tokens <= window:
            return None
        about = "about " if self.input_tokens(row_index, column).estimated else ""
        return (
            f"the prompt has {about}{tokens:,} tokens, more than the {window:,}-token context"
            f" window of {config.provider}:{config.model}; not sent"
        )

    def output_tokens(self, text: str, model: str) -> TokenCountLike:
        """Tokens of an answer, for providers that report no usage."""
        return self._count_tokens((Message(role="assistant", content=text),), model)

    def output_allowance(self, column: int) -> int:
        """The output tokens a call may produce: its max_tokens, else the assumption."""
        params = self._plan.columns[column].params
        for name in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
            value = params.get(name)
            if isinstance(value, int) and value > 0:
                return value
        return self._assumed

    def cost(self, column: int, input_tokens: int, output_tokens: int) -> float | None:
        """Price of a call, or None when the model has no known price."""
        return self._price(self._plan.columns[column].config, input_tokens, output_tokens)

    def reservation(self, row_index: int, column: int) -> float:
        """The worst expected cost of a cell, reserved against the budget before its call."""
        tokens = self.input_tokens(row_index, column).n
        return self.cost(column, tokens, self.output_allowance(column)) or 0.0

    def estimate(
        self, cells: Iterable[tuple[int, int]], *, cached: int = 0, render_errors: int = 0
    ) -> Estimate:
        """Sum counts and prices over (row index, column) pairs that need a call."""
        calls = input_total = output_total = 0
        cost_total = 0.0
        estimated = False
        unpriced: dict[str, None] = {}
        for row_index, column in cells:
            count = self.input_tokens(row_index, column)
            allowance = self.output_allowance(column)
            calls += 1
            input_total += count.n
            output_total += allowance
            estimated = estimated or count.estimated
            cost = self.cost(column, count.n, allowance)
            if cost is None:
                unpriced[self._model_label(column)] = None
            else:
                cost_total += cost
        return Estimate(
            calls=calls,
            input_tokens=input_total,
            output_tokens_assumed=output_total,
            cost_usd=cost_total,
            unpriced_models=tuple(unpriced),
            tokens_estimated=estimated,
            cached_cells=cached,
            render_errors=render_errors,
        )

    def _model_label(self, column: int) -> str:
        config = self._plan.columns[column].config
        return f"{config.provider}:{config.model}"


def lean_count_tokens(count_exact: CountTokens) -> CountTokens:
    """Count with the model's own tokenizer when it has one, else estimate from characters.

    For a model without a tokenizer of its own (Claude, Llama, anything behind a local server)
    any count is an estimate; loading a BPE table just to produce that estimate costs ~75 MB of
    memory and a quarter second, so the engine estimates from characters instead (~4 per
    token, the providers layer's rule of thumb, plus the chat framing).
    """
    from workbench.providers.tokens import (
        TOKENS_PER_MESSAGE,
        TOKENS_PER_REPLY,
        encoding_for_model,
        estimate_from_chars,
    )

    def count(messages: tuple[Message, ...], model: str) -> TokenCountLike:
        _encoding, exact = encoding_for_model(model)
        if exact:
            return count_exact(messages, model)
        chars = "".join(m.role + m.content for m in messages)
        framing = TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY
        return Count(estimate_from_chars(chars) + framing, estimated=True)

    return count
