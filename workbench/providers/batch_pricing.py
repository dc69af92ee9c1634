"""Batch prices: what a call costs when it goes through a provider's batch API.

genai-prices carries batch rates as a price variant (``price_context={"processing": "batch"}``)
for the models in the providers' batch price tables. Where it has none (an older model, or a
price the model config sets itself), the providers' documented batch discount applies: OpenAI
and Anthropic both bill batch requests at 50% of the standard input and output rates
(platform.openai.com/docs/guides/batch, docs.anthropic.com batch-processing#pricing).
"""

from __future__ import annotations

import functools

from genai_prices import Usage, calc_price
from genai_prices.types import TieredPrices

from workbench.core.models import ModelConfigContent
from workbench.providers.pricing import cost_usd, price_for

BATCH_DISCOUNT = 0.5
"""The documented batch price as a share of the standard one (both providers)."""

_PRICE_PROVIDER = {"openai": "openai", "anthropic": "anthropic"}


@functools.cache
def batch_ratio(provider: str, model: str) -> float:
    """Batch price / standard price for `model` (genai-prices' variant, else the discount)."""
    provider_id = _PRICE_PROVIDER.get(provider)
    if provider_id is None:
        return BATCH_DISCOUNT
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    try:
        standard = calc_price(usage, model, provider_id=provider_id)
        batch = calc_price(
            usage, model, provider_id=provider_id, price_context={"processing": "batch"}
        )
    except LookupError:
        return BATCH_DISCOUNT
    if not standard.total_price or batch.total_price >= standard.total_price:
        # No batch variant in the table for this model: the documented 50% applies.
        return BATCH_DISCOUNT
    return float(batch.total_price / standard.total_price)


@functools.cache
def _first_tier_start(provider: str, model: str) -> int | None:
    """Input tokens above which a tiered price leaves its base rate; None when not tiered."""
    provider_id = _PRICE_PROVIDER.get(provider)
    if provider_id is None:
        return None
    try:
        price = calc_price(Usage(input_tokens=1, output_tokens=1), model, provider_id=provider_id)
    except LookupError:
        return None
    starts = [
        tier.start
        for rate in (price.model_price.input_mtok, price.model_price.output_mtok)
        if isinstance(rate, TieredPrices)
        for tier in rate.tiers
    ]
    return min(starts) if starts else None


def batch_cost_usd(
    config: ModelConfigContent, input_tokens: int, output_tokens: int
) -> float | None:
    """What a call costs through the batch API; None when no price is known."""
    standard: float | None
    price = price_for(config.provider, config.model)
    start = _first_tier_start(config.provider, config.model) if price and price.tiered else None
    own_price = config.input_usd_per_mtok is not None or config.output_usd_per_mtok is not None
    if price is not None and not own_price and (start is None or input_tokens <= start):
        # Below the first tier the base rates apply: no table calculation per cell (collecting
        # 20,000 cells would otherwise spend 2 ms each in genai-prices for tiered models).
        standard = (
            price.input_usd_per_mtok * input_tokens + price.output_usd_per_mtok * output_tokens
        ) / 1_000_000
    else:
        standard = cost_usd(config, input_tokens, output_tokens)
    if standard is None:
        return None
    if config.input_usd_per_mtok is not None or config.output_usd_per_mtok is not None:
        return standard * BATCH_DISCOUNT  # the config's own price is a standard price
    return standard * batch_ratio(config.provider, config.model)
