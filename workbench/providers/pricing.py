"""Prices per million tokens from the `genai-prices` package's bundled table (offline).

The table ships inside the package; it is never refreshed at run time, so a run's estimate
does not depend on the network. A model config may override either price
(``input_usd_per_mtok`` / ``output_usd_per_mtok``). Without a price: the embedded local model
costs 0.0, an OpenAI-compatible server's model is unknown (None).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from workbench.core.models import ModelConfigContent

if TYPE_CHECKING:  # the table loads on the first look-up (its import takes ~0.2 s)
    from genai_prices.types import PriceCalculation, TieredPrices

# genai-prices provider ids for the workbench's provider names that have a public price list.
_PRICE_PROVIDER = {"openai": "openai", "anthropic": "anthropic"}


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens (base tier for tiered prices)."""

    input_usd_per_mtok: float
    output_usd_per_mtok: float
    tiered: bool = False


@functools.cache
def price_for(provider: str, model: str) -> Price | None:
    """The table's price of `model` at `provider` (``openai``, ``anthropic``); None if unknown.

    Cached: the bundled table never changes while the program runs, and the engine asks once
    per cell.
    """
    provider_id = _PRICE_PROVIDER.get(provider)
    if provider_id is None:
        return None
    from genai_prices.types import TieredPrices

    calculation = _calculate(1, 1, model, provider_id)
    if calculation is None:
        return None
    model_price = calculation.model_price
    input_price = getattr(model_price, "input_mtok", None)
    output_price = getattr(model_price, "output_mtok", None)
    if input_price is None or output_price is None:
        return None
    tiered = isinstance(input_price, TieredPrices) or isinstance(output_price, TieredPrices)
    return Price(_base(input_price), _base(output_price), tiered)


@functools.cache
def context_window(provider: str, model: str) -> int | None:
    """The table's context window of `model` at `provider`, in tokens; None if unknown."""
    provider_id = _PRICE_PROVIDER.get(provider)
    if provider_id is None:
        return None
    calculation = _calculate(1, 1, model, provider_id)
    if calculation is None:
        return None
    window = getattr(calculation.model, "context_window", None)
    return window if isinstance(window, int) and window > 0 else None


def context_window_for(config: ModelConfigContent) -> int | None:
    """How many tokens a prompt for `config` may have; None when the table does not know."""
    return context_window(config.provider, config.model)


def cost_usd(config: ModelConfigContent, input_tokens: int, output_tokens: int) -> float | None:
    """What a call costs in USD; None when no price is known for this model."""
    if config.input_usd_per_mtok is not None and config.output_usd_per_mtok is not None:
        return _per_mtok(
            config.input_usd_per_mtok, config.output_usd_per_mtok, input_tokens, output_tokens
        )
    table = _table_cost(config, input_tokens, output_tokens)
    if config.input_usd_per_mtok is None and config.output_usd_per_mtok is None:
        if table is not None:
            return table
        return 0.0 if config.provider == "local" else None
    # One side overridden: take the other side from the table (or free for the local model).
    price = price_for(config.provider, config.model)
    free = config.provider == "local"
    input_rate = config.input_usd_per_mtok
    output_rate = config.output_usd_per_mtok
    if input_rate is None:
        input_rate = price.input_usd_per_mtok if price else (0.0 if free else None)
    if output_rate is None:
        output_rate = price.output_usd_per_mtok if price else (0.0 if free else None)
    if input_rate is None or output_rate is None:
        return None
    return _per_mtok(input_rate, output_rate, input_tokens, output_tokens)


def _table_cost(config: ModelConfigContent, input_tokens: int, output_tokens: int) -> float | None:
    provider_id = _PRICE_PROVIDER.get(config.provider)
    price = price_for(config.provider, config.model)
    if provider_id is None or price is None:
        return None
    if not price.tiered:
        return _per_mtok(
            price.input_usd_per_mtok, price.output_usd_per_mtok, input_tokens, output_tokens
        )
    calculation = _calculate(input_tokens, output_tokens, config.model, provider_id)
    if calculation is None:
        return None
    return float(calculation.total_price)  # tier thresholds applied by the table itself


def _per_mtok(
    input_rate: float, output_rate: float, input_tokens: int, output_tokens: int
) -> float:
    return (input_rate * input_tokens + output_rate * output_tokens) / 1_000_000


def _calculate(
    input_tokens: int, output_tokens: int, model: str, provider_id: str
) -> PriceCalculation | None:
    """The table's calculation for these token counts; None when it does not know `model`."""
    from genai_prices import Usage, calc_price

    try:
        return calc_price(
            Usage(input_tokens=input_tokens, output_tokens=output_tokens),
            model,
            provider_id=provider_id,
        )
    except LookupError:
        return None


def _base(price: Decimal | TieredPrices) -> float:
    from genai_prices.types import TieredPrices

    return float(price.base if isinstance(price, TieredPrices) else price)
