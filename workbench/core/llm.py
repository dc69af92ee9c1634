"""Plain types exchanged with model providers: requests, results and errors as data.

Providers return either a `ChatResult` or a `ProviderError`; they never raise for an HTTP or
network failure, so the engine owns the only retry layer and an infrastructure error is never
mistaken for a failed answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One chat message sent to a model."""

    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """What to send: model name, messages and parameters.

    Known `params` keys: temperature, top_p, max_tokens, seed, stop, and ``json_schema``
    (a JSON schema the answer must follow; providers map it to their structured-output option).
    """

    model: str
    messages: tuple[Message, ...]
    params: dict[str, Any] = field(default_factory=dict)
    stream: bool = True


@dataclass(frozen=True)
class ChatResult:
    """A completed answer and what it cost in tokens and time."""

    text: str
    finish_reason: str | None
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: float
    ttft_ms: float | None = None
    model: str | None = None


class ErrorKind(StrEnum):
    """Why a call produced no answer."""

    RATE_LIMITED = "rate_limited"
    SERVER = "server"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    AUTH = "auth"
    BAD_REQUEST = "bad_request"
    MALFORMED = "malformed"
    CANCELLED = "cancelled"
    CRASHED = "crashed"
    BUDGET = "budget"
    RENDER = "render"
    CONFIG = "config"
    EXPIRED = "expired"
    """A batch request the provider did not run before the batch's completion window ended."""


RETRYABLE_KINDS = frozenset(
    {
        ErrorKind.RATE_LIMITED,
        ErrorKind.SERVER,
        ErrorKind.TIMEOUT,
        ErrorKind.CONNECTION,
        ErrorKind.MALFORMED,
    }
)


@dataclass(frozen=True)
class ProviderError:
    """A classified failure, returned as data."""

    kind: ErrorKind
    message: str
    status: int | None = None
    retry_after_s: float | None = None

    @property
    def retryable(self) -> bool:
        """Whether trying again may succeed (rate limits, 5xx, timeouts, dropped connections)."""
        return self.kind in RETRYABLE_KINDS


Outcome = ChatResult | ProviderError
DeltaSink = Callable[[str], None]


class Provider(Protocol):
    """One configured endpoint able to answer chat requests.

    Implementations turn SDK retries off and convert every failure to a `ProviderError`.
    `on_delta` receives text fragments as they stream in (it must be cheap and non-blocking).
    """

    name: str

    async def complete(
        self, request: ChatRequest, on_delta: DeltaSink | None = None
    ) -> Outcome: ...

    async def aclose(self) -> None: ...


ProviderFactory = Callable[..., Awaitable[Provider]]
