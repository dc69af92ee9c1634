"""Judge mode of unanswered detection for a conversation log (``logs analyse --judge NAME``).

Every (customer question, bot reply) pair of the log is put to the judge model through the
engine (`judge_call_from_config`: endpoint limits, retries, per-call timeout and the response
cache, which keeps only readable verdicts, so a second analysis asks nothing again). A pair whose
judge call fails or answers unreadably, or that comes after `budget_usd` is spent, is decided by
the deterministic detector and counted as a fallback, so the figures say how many turns the
judge did not decide. Tokens and cost of the judge's calls are summed (cost from the price
table; None when the model has no price).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.analytics.conversations import analyse_conversation, group_conversations
from workbench.app.judges import judge_call_from_config
from workbench.core.errors import KnownError, ValidationError
from workbench.core.llm import ChatRequest, ChatResult, ProviderError
from workbench.core.models import DatasetRow, Kind, ModelConfigContent
from workbench.engine.costing import default_price
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.runner import EngineOptions
from workbench.scoring.judge import JudgeCall
from workbench.scoring.results import ScoringContext
from workbench.scoring.unanswered_judge import judge_unanswered
from workbench.store import Store

Progress = Callable[[str, int, int], None]
BATCH = 32
"""Pairs sent to the judge at once (the engine's limits still apply)."""


@dataclass
class LogJudgement:
    """What the judge decided about a log's replies, and what it cost.

    Attributes:
        verdicts: (questions, reply) → unanswered, for every pair the judge or the fallback
            decided.
        judged: pairs the judge decided.
        fallbacks: pairs the deterministic detector decided (judge failed or unreadable).
        over_budget: pairs not sent because the budget was spent (decided deterministically).
        cache_hits: judge answers read from the response cache.
        input_tokens, output_tokens: the judge's tokens (cache hits included).
        cost_usd: their price, None when the judge model has no price.
        errors: the first few judge failures, for the message shown to the user.
    """

    verdicts: dict[tuple[str, str], bool] = field(default_factory=dict)
    judged: int = 0
    fallbacks: int = 0
    over_budget: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    errors: list[str] = field(default_factory=list)

    def decide(self, questions: str, reply: str) -> bool | None:
        """The verdict on a pair (None: not judged, the deterministic detector decides)."""
        return self.verdicts.get((questions, reply))

    def as_json(self) -> dict[str, object]:
        return {
            "judged": self.judged,
            "fallbacks": self.fallbacks,
            "over_budget": self.over_budget,
            "cache_hits": self.cache_hits,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "errors": self.errors,
        }


def log_pairs(store: Store, family: str) -> list[tuple[str, str]]:
    """The distinct (customer questions, bot reply) pairs of a log, in log order."""
    pairs: dict[tuple[str, str], None] = {}

    def record(questions: str, reply: str) -> bool | None:
        pairs.setdefault((questions, reply), None)
        return None

    for messages in group_conversations(store.iter_log_messages(family)):
        analyse_conversation(messages, judge=record)
    return list(pairs)


class _Metered:
    """A judge call that sums the tokens of what it returns."""

    def __init__(self, call: JudgeCall, out: LogJudgement) -> None:
        self._call = call
        self._out = out

    async def __call__(self, request: ChatRequest) -> ChatResult | ProviderError:
        outcome = await self._call(request)
        if isinstance(outcome, ChatResult):
            self._out.input_tokens += outcome.input_tokens or 0
            self._out.output_tokens += outcome.output_tokens or 0
        elif len(self._out.errors) < 3:
            self._out.errors.append(f"{outcome.kind}: {outcome.message}")
        return outcome


def judge_log_with(
    store: Store,
    family: str,
    judge: str,
    provider_factory: ProviderFactoryFn,
    **options: Any,
) -> LogJudgement:
    """`judge_log` with the judge model config named ``NAME[@VERSION]`` in the store."""
    model = store.resolve(Kind.MODEL, judge).content_as(ModelConfigContent)
    return judge_log(store, family, model, provider_factory, **options)


def judge_log(
    store: Store,
    family: str,
    judge_model: ModelConfigContent,
    provider_factory: ProviderFactoryFn,
    *,
    engine_options: EngineOptions | None = None,
    use_cache: bool = True,
    budget_usd: float | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> LogJudgement:
    """Ask the judge whether each reply of the log answers the questions before it."""
    if budget_usd is not None and default_price()(judge_model, 1, 1) is None:
        raise ValidationError(
            f"no price is known for the judge model '{judge_model.model}': give the model"
            " config its input/output prices per million tokens to use a judge budget"
        )
    pairs = log_pairs(store, family)
    return asyncio.run(
        _judge_pairs(
            store,
            pairs,
            judge_model,
            provider_factory,
            engine_options=engine_options,
            use_cache=use_cache,
            budget_usd=budget_usd,
            progress=progress,
            cancel=cancel,
        )
    )


async def _judge_pairs(
    store: Store,
    pairs: list[tuple[str, str]],
    judge_model: ModelConfigContent,
    provider_factory: ProviderFactoryFn,
    *,
    engine_options: EngineOptions | None,
    use_cache: bool,
    budget_usd: float | None,
    progress: Progress | None,
    cancel: Callable[[], bool] | None,
) -> LogJudgement:
    out = LogJudgement()
    price = default_price()
    async with judge_call_from_config(
        store, judge_model, provider_factory, options=engine_options, use_cache=use_cache
    ) as judge:
        metered = _Metered(judge, out)
        for start in range(0, len(pairs), BATCH):
            if cancel is not None and cancel():
                raise KnownError("analysis cancelled")
            cost = price(judge_model, out.input_tokens, out.output_tokens)
            out.cost_usd = cost
            batch = pairs[start : start + BATCH]
            if budget_usd is not None and cost is not None and cost >= budget_usd:
                out.over_budget += len(batch)
                continue
            verdicts = await asyncio.gather(
                *(
                    judge_unanswered(
                        ScoringContext(
                            output=reply,
                            row=DatasetRow(id="log", vars={"message": questions}),
                        ),
                        metered,
                    )
                    for questions, reply in batch
                )
            )
            for pair, verdict in zip(batch, verdicts, strict=True):
                out.verdicts[pair] = verdict.unanswered
                if verdict.source == "judge":
                    out.judged += 1
                elif verdict.detail != "empty output":  # an empty reply needs no judge
                    out.fallbacks += 1
            if progress is not None:
                progress("judging replies", min(start + BATCH, len(pairs)), len(pairs))
        out.cache_hits = judge.cache_hits
    out.cost_usd = price(judge_model, out.input_tokens, out.output_tokens)
    return out
