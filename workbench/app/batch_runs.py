"""Batch runs for the CLI and the GUI alike: estimate, submit, collect (scoring), cancel.

`BatchRunService` wraps the engine's `BatchRunner` and scores every cell it settles (cache hits
at submission, answers at collection) with the run's rubric through `LiveScoring`, exactly as an
interactive run does. Everything needed to collect lives in the store, so `collect` works from
any later process: ``workbench runs resume RUN``, or the GUI when it starts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from workbench.app.defaults import engine_options
from workbench.app.run_execution import EventSink, ScoringSink, scored_live
from workbench.core.batches import BatchJob, BatchProgress
from workbench.core.errors import KnownError
from workbench.core.models import ModelConfigContent
from workbench.core.runs import RunSpec
from workbench.engine.batch_runs import (
    BatchClientFactory,
    BatchCollection,
    BatchMode,
    BatchRunner,
    BatchSubmission,
)
from workbench.engine.budget import Estimate
from workbench.engine.execution import ProviderFactoryFn
from workbench.engine.runner import EngineOptions

if TYPE_CHECKING:
    from workbench.app.services import Services
    from workbench.providers.batch_common import BatchLimits
    from workbench.store import Store

T = TypeVar("T")


def batch_client_factory(
    services: Services, *, limits: BatchLimits | None = None
) -> BatchClientFactory:
    """Builds the batch client of a model config with the workspace's API keys."""
    return _ClientFactory(services.secrets, limits)


class _ClientFactory:
    """Callable batch-client factory; `check` says before a run is stored that a key is missing."""

    def __init__(self, secrets: Any, limits: BatchLimits | None) -> None:
        self._secrets = secrets
        self._limits = limits

    def __call__(self, config: ModelConfigContent) -> Any:
        from workbench.providers.batch_clients import create_batch_client

        return create_batch_client(config, secrets=self._secrets, limits=self._limits)

    def check(self, config: ModelConfigContent) -> None:
        from workbench.providers.batch_clients import require_batch_key

        require_batch_key(config, secrets=self._secrets)


class BatchRunService:
    """Submit and collect batch runs of one store, scoring cells as they land.

    Args:
        store: the store of the calling thread.
        client_factory: `batch_client_factory(services)` (tests may lower the limits).
        provider_factory: builds the judge's provider for llm-judge rubrics.
        options: engine tuning; `workbench.app.defaults.engine_options()` when None.
    """

    def __init__(
        self,
        store: Store,
        client_factory: BatchClientFactory,
        provider_factory: ProviderFactoryFn | None = None,
        *,
        options: EngineOptions | None = None,
    ) -> None:
        self.store = store
        self.options = options or engine_options()
        self._provider_factory = provider_factory
        self._runner = BatchRunner(store, client_factory, options=self.options)

    def check(self, spec: RunSpec) -> None:
        """Refuse a spec with a model that has no batch API (the error names it)."""
        self._runner.check(spec)

    def estimate(self, spec: RunSpec) -> Estimate:
        """Calls, tokens and cost at batch prices (cache hits free)."""
        return self._runner.estimate(spec)

    def create_run(self, spec: RunSpec, name: str) -> int:
        """Store the run (models checked, batch-priced estimate held to the budget)."""
        return self._runner.create_run(spec, name)

    async def submit(
        self,
        run_id: int,
        *,
        mode: BatchMode = "missing",
        sink: EventSink | None = None,
        judge_model: ModelConfigContent | None = None,
        on_scoring: ScoringSink | None = None,
    ) -> BatchSubmission:
        """Fill cache hits at once (scored), send the rest as batches; returns at once after."""
        return await self._scored(
            run_id,
            lambda forward: self._runner.submit(run_id, mode=mode, sink=forward),
            sink,
            judge_model,
            on_scoring,
        )

    async def collect(
        self,
        run_id: int,
        *,
        sink: EventSink | None = None,
        judge_model: ModelConfigContent | None = None,
        on_scoring: ScoringSink | None = None,
    ) -> BatchCollection:
        """Poll the run's open batches once; results of ended ones become scored cells."""
        return await self._scored(
            run_id,
            lambda forward: self._runner.collect(run_id, sink=forward),
            sink,
            judge_model,
            on_scoring,
        )

    async def cancel(self, run_id: int) -> list[str]:
        """Ask the providers to stop the run's open batches (collect what finished after)."""
        return await self._runner.cancel(run_id)

    async def _scored(
        self,
        run_id: int,
        work: Callable[[EventSink], Awaitable[T]],
        sink: EventSink | None,
        judge_model: ModelConfigContent | None,
        on_scoring: ScoringSink | None,
    ) -> T:
        return await scored_live(
            self.store,
            run_id,
            work,
            sink=sink,
            judge_model=judge_model,
            provider_factory=self._provider_factory or _no_provider,
            options=self.options,
            on_scoring=on_scoring,
        )


def batch_progress(store: Store, run_id: int) -> BatchProgress:
    """A run's batches at a glance (no batches: ``jobs == 0``)."""
    return store.batch_progress(run_id)


def batch_progress_many(store: Store, run_ids: list[int]) -> dict[int, BatchProgress]:
    """Batch summaries of several runs (runs without batches left out)."""
    return store.batch_progress_many(run_ids)


def runs_with_pending_batches(store: Store) -> list[int]:
    """Runs that have batches still to collect (the GUI polls them on start)."""
    return store.runs_with_open_batches()


def batch_jobs(store: Store, run_id: int) -> list[BatchJob]:
    """A run's batch jobs, oldest first."""
    return store.batch_jobs(run_id)


def batch_blocker(store: Store, model_refs: Sequence[str]) -> str | None:
    """Why these model configs cannot run as a batch (None when they all can, or none given)."""
    from workbench.core.models import Kind

    refused: list[str] = []
    for ref in model_refs:
        try:
            version = store.resolve(Kind.MODEL, ref)
        except KnownError:
            continue
        config = version.content
        if isinstance(config, ModelConfigContent) and config.provider not in BATCH_PROVIDER_KINDS:
            refused.append(f"{version.ref} ({config.provider})")
    if not refused:
        return None
    return "Only OpenAI and Anthropic models have a batch API, not " + ", ".join(refused)


BATCH_PROVIDER_KINDS = frozenset({"openai", "anthropic"})



def _no_provider(_config: ModelConfigContent) -> Any:
    from workbench.core.errors import ValidationError

    raise ValidationError("an LLM-judge rubric needs a judge model (--judge NAME)")


__all__ = [
    "BatchCollection",
    "BatchMode",
    "BatchProgress",
    "BatchRunService",
    "BatchSubmission",
    "batch_blocker",
    "batch_client_factory",
    "batch_jobs",
    "batch_progress",
    "batch_progress_many",
    "runs_with_pending_batches",
]
