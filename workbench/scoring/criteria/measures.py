"""Measured limits: length (characters, words or tokens), latency and cost.

Each of these passes or fails on a threshold; the measured figure is kept in the result's
``value`` so that reports can show it.
"""

from __future__ import annotations

from workbench.core.models import CriterionSpec
from workbench.scoring.config import check_known_keys, config_error, get_choice, get_number
from workbench.scoring.criteria.base import CriterionKind
from workbench.scoring.results import (
    CriterionResult,
    ScoringContext,
    not_applicable,
    passed_result,
)
from workbench.scoring.text import words

TOKENS_PER_WORD_ESTIMATE = 1.3
"""Tokens per word when no tokenizer is available: a rough figure for English and French with
BPE tokenizers. Lengths computed with it are reported as estimates."""


def estimate_tokens(text: str) -> int:
    """Rough token count: words × 1.3, rounded (see `TOKENS_PER_WORD_ESTIMATE`)."""
    return round(len(words(text)) * TOKENS_PER_WORD_ESTIMATE)


def _parse_length(spec: CriterionSpec) -> tuple[str, float | None, float | None]:
    check_known_keys(spec, {"unit", "min", "max"})
    unit = get_choice(spec, "unit", {"chars", "words", "tokens"}, "chars")
    low = get_number(spec, "min", None, minimum=0)
    high = get_number(spec, "max", None, minimum=0)
    if low is None and high is None:
        raise config_error(spec, "needs 'min', 'max' or both")
    if low is not None and high is not None and low > high:
        raise config_error(spec, f"'min' ({low:g}) is greater than 'max' ({high:g})")
    return unit, low, high


def evaluate_length(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """The output's length lies within ``min`` and ``max`` (``unit``: chars, words or tokens).

    Tokens are counted with the context's token counter; without one they are estimated
    (`estimate_tokens`) and the detail says so.
    """
    unit, low, high = _parse_length(spec)
    text = ctx.output.strip()
    note = ""
    if unit == "chars":
        size = len(text)
    elif unit == "words":
        size = len(words(text))
    elif ctx.token_counter is not None:
        size = ctx.token_counter(text)
    else:
        size = estimate_tokens(text)
        note = f" (estimate: words × {TOKENS_PER_WORD_ESTIMATE})"
    too_short = low is not None and size < low
    too_long = high is not None and size > high
    bounds = f"[{'' if low is None else f'{low:g}'}, {'' if high is None else f'{high:g}'}]"
    if too_short:
        verdict = "too short"
    elif too_long:
        verdict = "too long"
    else:
        verdict = "within"
    detail = f"{size} {unit}{note}: {verdict} {bounds}"
    return passed_result(spec, not (too_short or too_long), detail, value=float(size))


def _parse_latency(spec: CriterionSpec) -> float:
    check_known_keys(spec, {"max_ms"})
    return float(get_number(spec, "max_ms", minimum=0))


def evaluate_latency(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """The call took at most ``max_ms`` milliseconds.

    Not applicable without a measured call: outside a run, for a cache hit (the time is not
    the model's) or when no latency was recorded.
    """
    limit = _parse_latency(spec)
    cell = ctx.cell
    if cell is None or cell.latency_ms is None:
        return not_applicable(spec, "no latency measured for this output")
    if cell.cache_hit:
        return not_applicable(spec, "answer came from the cache: latency not measured")
    passed = cell.latency_ms <= limit
    detail = f"{cell.latency_ms:.0f} ms {'≤' if passed else '>'} {limit:g} ms"
    return passed_result(spec, passed, detail, value=cell.latency_ms)


def _parse_cost(spec: CriterionSpec) -> float:
    check_known_keys(spec, {"max_usd"})
    return float(get_number(spec, "max_usd", minimum=0))


def evaluate_cost(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
    """The call cost at most ``max_usd`` dollars; not applicable when the cost is unknown."""
    limit = _parse_cost(spec)
    cell = ctx.cell
    if cell is None or cell.cost_usd is None:
        return not_applicable(spec, "cost unknown for this output")
    passed = cell.cost_usd <= limit
    detail = f"${cell.cost_usd:.6f} {'≤' if passed else '>'} ${limit:g}"
    return passed_result(spec, passed, detail, value=cell.cost_usd)


KINDS = (
    CriterionKind("length", evaluate_length, _parse_length, "length in chars, words or tokens"),
    CriterionKind("latency", evaluate_latency, _parse_latency, "answered within max_ms"),
    CriterionKind("cost", evaluate_cost, _parse_cost, "cost at most max_usd"),
)
