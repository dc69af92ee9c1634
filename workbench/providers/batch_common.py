"""What the provider batch clients share: requests, states, results, limits and chunking.

A batch client (`workbench.providers.batch_openai`, `workbench.providers.batch_anthropic`)
turns cells into the provider's batch input, submits it, polls it and streams its results back
as `BatchItem` (custom id → `ChatResult` or `ProviderError`), so the engine maps results to
cells through the custom ids it chose and never sees a wire format.

Limits are the providers' documented ones: OpenAI takes at most 50,000 requests and 200 MB per
input file; Anthropic at most 100,000 requests and 256 MB per message batch. `chunk` splits the
encoded requests so every batch fits both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from workbench.core.llm import ChatResult, ErrorKind, Message, ProviderError

BATCH_PROVIDERS = frozenset({"openai", "anthropic"})
"""Provider kinds that offer a batch API."""


@dataclass(frozen=True)
class BatchLimits:
    """Most requests and bytes one submitted batch may hold."""

    max_requests: int
    max_bytes: int


OPENAI_LIMITS = BatchLimits(max_requests=50_000, max_bytes=200 * 1024 * 1024)
ANTHROPIC_LIMITS = BatchLimits(max_requests=100_000, max_bytes=256 * 1024 * 1024)


@dataclass(frozen=True)
class BatchRequest:
    """One cell as a batch request."""

    custom_id: str
    model: str
    messages: tuple[Message, ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchState:
    """What the provider says of a batch.

    Attributes:
        provider_status: the provider's own word (``in_progress``, ``completed``, ``ended``, …).
        ended: results can be collected (nothing more will change).
        total: requests in the batch.
        done: requests settled so far (answered or failed), as far as the provider tells.
        failed: requests failed so far.
        message: why a batch failed as a whole (invalid input), if it did.
    """

    batch_id: str
    provider_status: str
    ended: bool
    total: int
    done: int
    failed: int = 0
    message: str | None = None


@dataclass(frozen=True)
class BatchItem:
    """The result of one request: an answer, or why there is none."""

    custom_id: str
    outcome: ChatResult | ProviderError


class BatchClient(Protocol):
    """A provider's batch API (see the module docstring)."""

    provider: str
    limits: BatchLimits

    def encode(self, request: BatchRequest) -> dict[str, Any]:
        """The JSON object that carries `request` in the provider's batch input."""
        ...

    async def submit(self, items: Sequence[dict[str, Any]], *, label: str) -> str:
        """Submit encoded requests as one batch; the provider's batch id."""
        ...

    async def poll(self, batch_id: str) -> BatchState:
        """The batch's state now."""
        ...

    def results(self, batch_id: str) -> AsyncIterator[BatchItem]:
        """Every result of an ended batch."""
        ...

    async def cancel(self, batch_id: str) -> BatchState:
        """Ask the provider to stop the batch."""
        ...

    async def aclose(self) -> None: ...


class BatchApiError(Exception):
    """A batch call the provider refused or that could not reach it (message is scrubbed)."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.message)
        self.error = error


def chunk(
    sizes: Sequence[int], limits: BatchLimits, *, item_overhead: int = 1, fixed_overhead: int = 0
) -> list[range]:
    """Split items (their encoded sizes in bytes) into consecutive ranges within `limits`.

    Each item costs its size plus `item_overhead` (a newline, a comma); each batch costs
    `fixed_overhead` once (the JSON envelope). An item that alone exceeds the byte limit still
    gets a batch of its own, so the provider names it rather than the program dropping it.
    """
    ranges: list[range] = []
    start = 0
    used = fixed_overhead
    for index, size in enumerate(sizes):
        cost = size + item_overhead
        full = index - start >= limits.max_requests or used + cost > limits.max_bytes
        if index > start and full:
            ranges.append(range(start, index))
            start, used = index, fixed_overhead
        used += cost
    if start < len(sizes):
        ranges.append(range(start, len(sizes)))
    return ranges


def expired_error(provider: str) -> ProviderError:
    """The error of a request the provider expired."""
    return ProviderError(
        ErrorKind.EXPIRED,
        f"{provider} expired this request: the batch's 24-hour window ended before it ran",
    )


def missing_error(provider: str, status: str) -> ProviderError:
    """The error of a request the provider returned no result for."""
    return ProviderError(
        ErrorKind.CANCELLED
        if status in ("cancelled", "canceled", "canceling", "cancelling")
        else ErrorKind.SERVER,
        f"{provider} returned no result for this request (batch {status})",
    )
