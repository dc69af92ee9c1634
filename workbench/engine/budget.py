"""Cost estimates before a run and the budget guard during it.

Before a run, the cost is estimated from the token count of every rendered prompt plus an output
allowance per call: the call's ``max_tokens`` when set, otherwise an assumption per model
(`EngineOptions.assumed_output_tokens`). A run whose estimate is above its budget does not start.

During a run each call *reserves* its estimated worst cost before it is sent and settles to the
real cost when it ends, so spent + reserved never exceeds the budget; when the next call does not
fit, the engine first lets in-flight calls settle (they usually cost less than reserved) and stops
scheduling only when nothing is in flight and it still does not fit. The guarantee is exact when
calls carry ``max_tokens``; without it, the output allowance is an assumption and a long answer can
overshoot it, which the next reservation then sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.errors import KnownError


class BudgetExceededError(KnownError):
    """The estimated cost of a run is above its budget, or prices needed for it are unknown."""


@dataclass(frozen=True)
class Estimate:
    """What a run (or the rest of it) is expected to cost.

    Attributes:
        calls: cells that need a provider call (render failures and cache hits excluded).
        input_tokens: tokens of the rendered prompts of those calls.
        output_tokens_assumed: output allowance (max_tokens or the per-model assumption).
        cost_usd: estimated cost of the priced models.
        unpriced_models: labels of models with no known price (their cost is not included).
        tokens_estimated: whether some counts are approximations (no exact tokenizer known).
        cached_cells: cells answered from the cache (no call, no cost).
        render_errors: cells whose templates fail to render.
    """

    calls: int
    input_tokens: int
    output_tokens_assumed: int
    cost_usd: float
    unpriced_models: tuple[str, ...] = ()
    tokens_estimated: bool = False
    cached_cells: int = 0
    render_errors: int = 0

    def describe(self) -> str:
        """One line for people: calls, tokens and cost."""
        approx = "~" if self.tokens_estimated else ""
        text = (
            f"{self.calls} calls, {approx}{self.input_tokens} input tokens, "
            f"{self.output_tokens_assumed} output tokens assumed, ${self.cost_usd:.4f}"
        )
        if self.unpriced_models:
            text += f" (no price known for {', '.join(self.unpriced_models)})"
        return text


def check_budget(estimate: Estimate, budget_usd: float | None) -> None:
    """Refuse a run whose estimate does not fit its budget, saying why and by how much.

    Raises:
        BudgetExceededError: the estimate is above the budget, or a model has no price.
    """
    if budget_usd is None:
        return
    if estimate.unpriced_models:
        raise BudgetExceededError(
            f"cannot hold this run to a ${budget_usd:g} budget: no price is known for "
            f"{', '.join(estimate.unpriced_models)}. Set input_usd_per_mtok and "
            "output_usd_per_mtok in the model config, or run without a budget."
        )
    if estimate.cost_usd > budget_usd * (1 + 1e-9):  # sums of float prices are inexact
        raise BudgetExceededError(
            f"estimated cost ${estimate.cost_usd:.4f} is above the budget of ${budget_usd:g} "
            f"({estimate.describe()}). Raise the budget, lower max_tokens, or select fewer rows."
        )


class BudgetGuard:
    """Tracks spent and reserved money against an optional limit."""

    def __init__(self, limit_usd: float | None, spent_usd: float = 0.0) -> None:
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        self.reserved_usd = 0.0

    def try_reserve(self, amount_usd: float) -> bool:
        """Reserve `amount_usd` if it fits under the limit; returns whether it did."""
        if self.limit_usd is None:
            return True
        if self.spent_usd + self.reserved_usd + amount_usd > self.limit_usd * (1 + 1e-9):
            return False
        self.reserved_usd += amount_usd
        return True

    def settle(self, reserved_usd: float, actual_usd: float) -> None:
        """Release a reservation and record what the call really cost."""
        self.reserved_usd = max(0.0, self.reserved_usd - reserved_usd)
        self.spent_usd += actual_usd

    def describe_stop(self) -> str:
        """Why the run stopped, for the summary and the cells left out."""
        return (
            f"not run: the budget of ${self.limit_usd:g} would be exceeded "
            f"(spent ${self.spent_usd:.4f})"
        )
