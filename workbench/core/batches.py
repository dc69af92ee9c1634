"""Provider batch jobs of a run: which cells went in which batch, and how far it has got.

A run sent as a batch is split into jobs (one per model config and size-limited chunk), each one
provider batch. A job records everything needed to collect it later from another process: the
provider's batch id, and for each custom id the cell (row, column, repeat) and the response-cache
key its answer goes under.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from workbench.core.runs import CellKey


class BatchJobState(StrEnum):
    """Life of a batch job, as the workbench sees it."""

    SUBMITTING = "submitting"
    """Recorded, not yet accepted by the provider (a crash here resubmits it on resume)."""
    SUBMITTED = "submitted"
    """Accepted by the provider; polled until it ends."""
    COLLECTED = "collected"
    """Ended and every result written to its cell."""
    FAILED = "failed"
    """Refused or failed as a whole; its cells became errors with the provider's reason."""


OPEN_STATES = frozenset({BatchJobState.SUBMITTING, BatchJobState.SUBMITTED})


@dataclass(frozen=True)
class BatchJob:
    """One provider batch of a run.

    Attributes:
        provider: ``openai`` or ``anthropic``.
        model_id: the model config version the requests run on.
        batch_id: the provider's id (None until submitted).
        provider_status: the provider's last word on it (``in_progress``, ``ended``, …).
        total, done, failed: requests in it, settled so far, failed so far.
        message: why it failed as a whole, when it did.
    """

    id: int
    run_id: int
    provider: str
    model_id: str
    batch_id: str | None
    state: BatchJobState
    provider_status: str | None
    total: int
    done: int
    failed: int
    message: str | None
    created_at: datetime
    polled_at: datetime | None = None
    collected_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class BatchEntry:
    """One request of a job: its custom id, its cell and its response-cache key."""

    custom_id: str
    key: CellKey
    cache_key: str


@dataclass(frozen=True)
class BatchProgress:
    """A run's batches at a glance (for ``runs list``/``runs show`` and the GUI)."""

    jobs: int
    open_jobs: int
    total: int
    done: int
    failed: int
    collected: int

    @property
    def pending(self) -> bool:
        return self.open_jobs > 0

    def describe(self) -> str:
        """``batch: in progress, 120 of 20,000 done`` and the like."""
        if self.jobs == 0:
            return ""
        if not self.pending:
            failed = f", {self.failed:,} failed" if self.failed else ""
            return f"batch: collected, {self.collected:,} of {self.total:,} requests{failed}"
        state = "submitted" if self.done == 0 else "in progress"
        return f"batch: {state}, {self.done:,} of {self.total:,} done"
