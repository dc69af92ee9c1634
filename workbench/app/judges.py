"""Judge calls for LLM-judge criteria, through the engine (limits, retries, timeout, cache).

A judge model config becomes an `EngineJudge`: the engine's endpoint limits, retries honouring
Retry-After, per-call timeout and the store's response cache, so scoring a run from the CLI,
live in the GUI or live from ``workbench run`` calls the judge the same way.
"""

from __future__ import annotations

from workbench.app.defaults import JUDGE_CONCURRENCY
from workbench.core.llm import ChatRequest, ChatResult, ErrorKind, Provider, ProviderError
from workbench.core.models import ModelConfigContent
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.judge import EngineJudge, provider_as_factory
from workbench.engine.runner import EngineOptions
from workbench.store import Store


def judge_call_from_config(
    store: Store | None,
    config: ModelConfigContent,
    provider_factory: ProviderFactoryFn,
    *,
    options: EngineOptions | None = None,
    concurrency: int = JUDGE_CONCURRENCY,
    use_cache: bool = True,
) -> EngineJudge:
    """The judge call for a judge model config: an `EngineJudge` (the engine's endpoint limits,
    retries honouring Retry-After, per-call timeout, and `store`'s response cache).

    The config's model fills a request whose criterion names none; its parameters are defaults
    under the criterion's. Build it inside the event loop that uses it and close it
    (``async with``, or ``await judge.aclose()``): it closes the provider it built.
    """
    return EngineJudge(
        config,
        provider_factory,
        cache=store,
        options=options,
        concurrency=concurrency,
        use_cache=use_cache,
    )


def judge_call_from_provider(
    provider: Provider,
    config: ModelConfigContent,
    *,
    store: Store | None = None,
    options: EngineOptions | None = None,
) -> EngineJudge:
    """A judge call over a provider the caller built (and still closes).

    Kept for callers written before `judge_call_from_config`: requests now go through the
    engine's limits, retries and timeout, and through `store`'s response cache when given.
    """
    return EngineJudge(config, provider_as_factory(provider), cache=store, options=options)


async def no_judge_call(request: ChatRequest) -> ChatResult | ProviderError:
    """A judge that is not there: every llm-judge criterion becomes an error, never a fail,
    so the deterministic criteria are still scored."""
    return ProviderError(
        kind=ErrorKind.CONFIG,
        message="no judge model was chosen (--judge NAME); this criterion is not scored",
    )
