"""The paraphrase perturbation: a model rewrites each customer message as a customer would.

Every rewrite is a call through the engine (`workbench.engine.calls.EngineCall`): the
endpoint's limits, retries honouring Retry-After, the per-attempt timeout, the store's response
cache (asking again with the same seed costs nothing), the cost counted against a budget, and
cancellation. The request is deterministic: temperature 0, the seed sent where the provider
takes one, and a customer style drawn from the seed (`workbench.core.perturb.paraphrase`).

A rewrite that comes back empty, cut or far too long, in another language, or without one of
the message's protected spans (order and tracking numbers, e-mails, amounts, URLs, the row's
facts and ``--protect`` fields) is asked again once, with the reason; if the second rewrite is
refused too, the variant keeps the original text and is tagged ``paraphrase:fallback``, and the
outcome lists the row with the reason.

The rewrites then become variants like every other perturbation's
(`workbench.app.robustness`): in the ``<dataset>.noisy`` version a run uses, or in a new
version of the dataset for the "add noisy variants" action.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.app.robustness import (
    NoisyVariantsResult,
    PerturbedSpec,
    PerturbOptions,
    add_noisy_variants,
    noisy_candidates,
    perturb_spec,
    selected_rows,
    wants_model,
)
from workbench.core.errors import KnownError, ValidationError
from workbench.core.llm import ChatRequest, ErrorKind, ProviderError
from workbench.core.models import DatasetContent, DatasetRow, Kind, ModelConfigContent
from workbench.core.perturb import RowRewrite, noise_of, original_of
from workbench.core.perturb.paraphrase import (
    PARAPHRASE,
    Detect,
    RewriteTarget,
    assemble_rewrites,
    check_paraphrase,
    clean_paraphrase,
    rewrite_targets,
)
from workbench.core.runs import RunSpec
from workbench.store import Store

if TYPE_CHECKING:  # the engine is imported when a rewrite is asked, not at start-up
    from workbench.engine.budget import BudgetGuard
    from workbench.engine.calls import EngineCall
    from workbench.engine.execution import ProviderFactoryFn

PARAPHRASE_CONCURRENCY = 4
"""Rewrites in flight at once (the endpoint's own limits may allow fewer)."""
LANGUAGE_CONFIDENCE = 0.7
"""A rewrite is refused as "another language" only when the detector is at least this sure."""

Progress = Callable[[int, int], None]


class ParaphraseStoppedError(KnownError):
    """Paraphrasing stopped before every text was rewritten: budget reached or cancelled.

    Nothing is saved; every rewrite already made is in the response cache, so running the same
    thing again continues where it stopped at no cost for those.
    """


@dataclass(frozen=True)
class ParaphraseSettings:
    """Which model rewrites, and within what.

    Attributes:
        model: a model config NAME[@VERSION] (any configured model, the embedded one included).
        budget_usd: stop before spending more than this (None: no limit).
        use_cache: False asks the model again even for rewrites already cached.
        concurrency: rewrites in flight at once.
    """

    model: str
    budget_usd: float | None = None
    use_cache: bool = True
    concurrency: int = PARAPHRASE_CONCURRENCY


@dataclass(frozen=True)
class ParaphraseOutcome:
    """What paraphrasing did.

    Attributes:
        model: the model config's reference (``name@vN``).
        texts: texts rewritten (a conversation's user turns count one each).
        accepted: texts whose rewrite passed the checks.
        fallbacks: (row id, reason) of rows that kept an original text.
        requests: calls sent to the model (cache hits and engine retries excluded).
        cache_hits: rewrites answered from the cache.
        cost_usd: what the calls cost.
        unpriced: some call's model has no known price (its cost is not included).
    """

    model: str
    texts: int
    accepted: int
    fallbacks: tuple[tuple[str, str], ...]
    requests: int
    cache_hits: int
    cost_usd: float
    unpriced: bool = False
    rewrites: dict[str, RowRewrite] = field(default_factory=dict, repr=False)

    def notes(self) -> tuple[str, ...]:
        """Plain sentences for the user: what was asked, what fell back and why."""
        lines = [
            f"Paraphrased {self.texts} text(s) with {self.model}: {self.requests} call(s),"
            f" {self.cache_hits} from cache, ${self.cost_usd:.4f}"
            + (" (no price known for this model)" if self.unpriced else "")
        ]
        if self.fallbacks:
            first_row, first_reason = self.fallbacks[0]
            lines.append(
                f"{len(self.fallbacks)} row(s) kept their original text (tagged"
                f" paraphrase:fallback) after two refused rewrites; first: {first_row} —"
                f" {first_reason}"
            )
        return tuple(lines)


def lingua_detect(text: str) -> str | None:
    """The language of `text` when the offline detector is sure of it, else None."""
    from workbench.scoring.language import detect_language

    guess = detect_language(text)
    if guess is None or guess.confidence < LANGUAGE_CONFIDENCE:
        return None
    return guess.code


async def paraphrase_rows(
    store: Store,
    rows: Sequence[DatasetRow],
    options: PerturbOptions,
    settings: ParaphraseSettings,
    provider_factory: ProviderFactoryFn,
    *,
    budget: BudgetGuard | None = None,
    cancel: threading.Event | asyncio.Event | None = None,
    progress: Progress | None = None,
    detect: Detect | None = lingua_detect,
) -> ParaphraseOutcome:
    """Rewrite the free text of `rows` through the engine (see the module docstring).

    Args:
        budget: money already spent and the limit (shared with a run that follows); built
            from `settings.budget_usd` when None.
        cancel: set to stop; in-flight calls are cancelled.
        progress: ``progress(done, total)`` after each text.
        detect: a language guess for the "another language" check (None: no check).

    Raises:
        ParaphraseStoppedError: the budget was reached or `cancel` was set (nothing is lost:
            every rewrite made is cached).
        KnownError: the model config cannot be used (unknown, no key, no price for a budget).
    """
    from workbench.engine.budget import BudgetExceededError, BudgetGuard
    from workbench.engine.calls import EngineCall

    version = store.resolve(Kind.MODEL, settings.model)
    config = version.content_as(ModelConfigContent)
    guard = budget or BudgetGuard(settings.budget_usd)
    targets = rewrite_targets(
        rows,
        seed=options.seed,
        fields=options.fields,
        protected_fields=options.protected_fields,
        language=options.language,
    )
    caller = EngineCall(
        config,
        provider_factory,
        cache=store,
        budget=guard,
        concurrency=max(1, settings.concurrency),
        use_cache=settings.use_cache,
        seed=options.seed,
    )
    if guard.limit_usd is not None and caller.price(1000, 1000) is None:
        raise BudgetExceededError(
            f"cannot hold paraphrasing to a ${guard.limit_usd:g} budget: no price is known for"
            f" {config.provider}:{config.model}. Set input_usd_per_mtok and output_usd_per_mtok"
            " in the model config, or run without a budget."
        )
    texts: dict[tuple[str, str, int | None], str] = {}
    reasons: dict[str, str] = {}
    accepted = 0
    done = 0
    if progress is not None:
        progress(0, len(targets))

    async def one(target: RewriteTarget) -> None:
        nonlocal accepted, done
        text, reason = await _rewrite(caller, config, target, detect)
        texts[target.key] = text
        if reason is None:
            accepted += 1
        else:
            reasons.setdefault(target.row_id, reason)
        done += 1
        if progress is not None:
            progress(done, len(targets))

    try:
        async with caller:
            await _all_or_stop([one(t) for t in targets], cancel)
    except _BudgetReached:
        raise ParaphraseStoppedError(
            f"paraphrasing stopped after {done} of {len(targets)} texts: {guard.describe_stop()}."
            " Nothing was saved; the rewrites made are cached, so raising the budget and running"
            " again costs only the rest"
        ) from None
    except _Cancelled:
        raise ParaphraseStoppedError(
            f"paraphrasing cancelled after {done} of {len(targets)} texts; nothing was saved."
            " The rewrites made are cached: running again continues at no cost for those"
        ) from None
    order = {row.id: i for i, row in enumerate(rows)}
    fallbacks = tuple(sorted(reasons.items(), key=lambda item: order.get(item[0], 0)))
    rewrites = assemble_rewrites(rows, texts, reasons)
    return ParaphraseOutcome(
        model=version.ref,
        texts=len(targets),
        accepted=accepted,
        fallbacks=fallbacks,
        requests=caller.requests,
        cache_hits=caller.cache_hits,
        cost_usd=caller.cost_usd,
        unpriced=caller.unpriced,
        rewrites=dict(rewrites),
    )


class _BudgetReached(Exception):
    pass


class _Cancelled(Exception):
    pass


async def _rewrite(
    caller: EngineCall,
    config: ModelConfigContent,
    target: RewriteTarget,
    detect: Detect | None,
) -> tuple[str, str | None]:
    """The accepted rewrite of one text, or the original text and why no rewrite was kept."""
    expected = (detect(target.text) if detect is not None else None) or target.language
    reason: str | None = None
    for _attempt in range(2):
        asked = target.request(reason)
        outcome = await caller(
            ChatRequest(
                model=config.model, messages=asked.messages, params=dict(asked.params), stream=False
            )
        )
        if isinstance(outcome, ProviderError):
            if outcome.kind is ErrorKind.BUDGET:
                raise _BudgetReached
            if outcome.kind in (ErrorKind.CONFIG, ErrorKind.AUTH):
                raise KnownError(f"the paraphrase model cannot be used: {outcome.message}")
            # The engine has already retried what can be retried: asking again is pointless.
            return (
                target.text,
                f"the model gave no answer ({outcome.kind.value}: {outcome.message})",
            )
        candidate = clean_paraphrase(outcome.text)
        reason = check_paraphrase(
            target.text,
            candidate,
            kept=asked.kept,
            language=expected,
            detect=detect,
            finish_reason=outcome.finish_reason,
        )
        if reason is None:
            return candidate, None
    return target.text, reason


async def _all_or_stop(
    jobs: Sequence[Coroutine[Any, Any, None]], cancel: threading.Event | asyncio.Event | None
) -> None:
    """Run the coroutines `jobs` together; stop them all on the first failure or on `cancel`."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    if not tasks:
        return
    pending: set[asyncio.Future[None]] = set(tasks)
    try:
        while pending:
            finished, pending = await asyncio.wait(
                pending, timeout=0.1, return_when=asyncio.FIRST_EXCEPTION
            )
            errors = [e for e in (task.exception() for task in finished) if e is not None]
            if errors:
                raise errors[0]
            if cancel is not None and cancel.is_set() and pending:
                raise _Cancelled
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


# --- the use cases both front ends call ------------------------------------------------------


@dataclass(frozen=True)
class ParaphrasedSpec:
    """A run spec with its noisy variants, and what paraphrasing did (None when not asked)."""

    perturbed: PerturbedSpec
    paraphrase: ParaphraseOutcome | None

    @property
    def notes(self) -> tuple[str, ...]:
        """Everything to tell the user once."""
        extra = () if self.paraphrase is None else self.paraphrase.notes()
        return (*extra, *self.perturbed.notes)


def perturb_spec_paraphrased(
    store: Store,
    spec: RunSpec,
    options: PerturbOptions,
    *,
    author: str,
    settings: ParaphraseSettings | None,
    provider_factory: ProviderFactoryFn,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
) -> ParaphrasedSpec:
    """`perturb_spec`, with the paraphrase rewrites made first when chosen.

    The run's budget pays for the rewrites: the returned spec's budget is what is left.

    Raises:
        ValidationError: ``paraphrase`` chosen without a model.
        ParaphraseStoppedError: budget reached or cancelled while rewriting.
    """
    if not wants_model(options):
        return ParaphrasedSpec(perturb_spec(store, spec, options, author=author), None)
    from workbench.engine.budget import BudgetGuard

    settings = _require(settings)
    budget_usd = spec.budget_usd if settings.budget_usd is None else settings.budget_usd
    guard = BudgetGuard(budget_usd)
    rows = selected_rows(store.get_version(spec.dataset_id), spec)
    outcome = asyncio.run(
        paraphrase_rows(
            store,
            rows,
            options,
            settings,
            provider_factory,
            budget=guard,
            cancel=cancel,
            progress=progress,
        )
    )
    perturbed = perturb_spec(
        store, spec, options, author=author, rewrites={PARAPHRASE: outcome.rewrites}
    )
    if spec.budget_usd is not None:
        left = max(0.0, spec.budget_usd - outcome.cost_usd)
        perturbed = _with_spec(perturbed, perturbed.spec.model_copy(update={"budget_usd": left}))
    return ParaphrasedSpec(perturbed, outcome)


def add_noisy_variants_paraphrased(
    store: Store,
    dataset: str,
    options: PerturbOptions,
    *,
    author: str,
    settings: ParaphraseSettings | None,
    provider_factory: ProviderFactoryFn,
    row_ids: Sequence[str] = (),
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
) -> tuple[NoisyVariantsResult, ParaphraseOutcome | None]:
    """`add_noisy_variants`, with the paraphrase rewrites made first when chosen (only for
    rows that have no paraphrase variant yet)."""
    if not wants_model(options):
        return add_noisy_variants(store, dataset, options, author=author, row_ids=row_ids), None
    settings = _require(settings)
    source = store.resolve(Kind.DATASET, dataset)
    assert isinstance(source.content, DatasetContent)
    done = {original_of(r) for r in source.content.rows if noise_of(r) == PARAPHRASE}
    rows = [r for r in noisy_candidates(source, row_ids) if r.id not in done]
    outcome = asyncio.run(
        paraphrase_rows(
            store, rows, options, settings, provider_factory, cancel=cancel, progress=progress
        )
    )
    # Rows paraphrased before get a stand-in: their variant is already there and is skipped.
    kept = {row_id: RowRewrite({}) for row_id in done if row_id is not None}
    result = add_noisy_variants(
        store,
        source.ref,
        options,
        author=author,
        row_ids=row_ids,
        rewrites={PARAPHRASE: {**kept, **outcome.rewrites}},
    )
    return result, outcome


def _require(settings: ParaphraseSettings | None) -> ParaphraseSettings:
    if settings is None or not settings.model.strip():
        raise ValidationError(
            "the paraphrase perturbation needs a model to rewrite the messages: choose one"
            " (--perturb-model NAME; any configured model, the embedded one included)"
        )
    return settings


def _with_spec(perturbed: PerturbedSpec, spec: RunSpec) -> PerturbedSpec:
    return PerturbedSpec(
        spec=spec,
        dataset=perturbed.dataset,
        originals=perturbed.originals,
        variants=perturbed.variants,
        notes=perturbed.notes,
    )
