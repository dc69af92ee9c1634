"""Hand-written fakes for engine tests: scripted providers, a virtual clock, counters, prices."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from workbench.core.llm import ChatRequest, ChatResult, DeltaSink, Message, Outcome
from workbench.core.models import ModelConfigContent


class VirtualClock:
    """Time that passes only when someone sleeps; sleeps are recorded and return at once."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.t += seconds
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Count:
    n: int
    estimated: bool = False


def count_chars(messages: Sequence[Message], model: str) -> Count:
    """A deterministic stand-in tokenizer: one token per four characters, plus one per message."""
    return Count(sum(len(m.content) // 4 + 1 for m in messages))


def price_per_token(usd: float) -> Callable[[ModelConfigContent, int, int], float | None]:
    """Every token costs `usd`, unless the model is called 'unpriced'."""

    def price(config: ModelConfigContent, input_tokens: int, output_tokens: int) -> float | None:
        if config.model == "unpriced":
            return None
        return (input_tokens + output_tokens) * usd

    return price


def row_of(request: ChatRequest) -> str:
    """The row id a test prompt embeds as the last user message ('row=<id>')."""
    text = request.messages[-1].content
    return text.split("row=", 1)[1].split()[0] if "row=" in text else text


@dataclass
class Tally:
    """Calls in flight across several providers, and the peak."""

    in_flight: int = 0
    peak: int = 0


Behaviour = Callable[[ChatRequest, int], Outcome]


def answer(request: ChatRequest, attempt: int) -> Outcome:
    """The default behaviour: echo the row with fixed usage."""
    return ChatResult(
        text=f"answer {row_of(request)} from {request.model}",
        finish_reason="stop",
        input_tokens=10,
        output_tokens=5,
        latency_ms=1.0,
        ttft_ms=0.5,
        model=request.model,
    )


@dataclass
class FakeProvider:
    """A scripted provider recording every call and the peak number in flight.

    `behaviour(request, attempt)` decides the outcome of each attempt for a row (attempts counted
    per row and model from 1). `delay` holds each call that long (real time); `gate`, when
    given, holds every call until it is set.
    """

    name: str = "fake"
    behaviour: Behaviour = answer
    delay: float = 0.0
    gate: asyncio.Event | None = None
    deltas: tuple[str, ...] = ()
    calls: list[tuple[str, str]] = field(default_factory=list)
    attempts: Counter[tuple[str, str]] = field(default_factory=Counter)
    in_flight: int = 0
    peak: int = 0
    closed: bool = False
    started: asyncio.Event = field(default_factory=asyncio.Event)
    tally: Tally = field(default_factory=Tally)

    async def complete(self, request: ChatRequest, on_delta: DeltaSink | None = None) -> Outcome:
        row = row_of(request)
        self.calls.append((row, request.model))
        self.attempts[(row, request.model)] += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.tally.in_flight += 1
        self.tally.peak = max(self.tally.peak, self.tally.in_flight)
        self.started.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.delay:
                await asyncio.sleep(self.delay)
            for piece in self.deltas:
                if on_delta is not None:
                    on_delta(piece)
            return self.behaviour(request, self.attempts[(row, request.model)])
        finally:
            self.in_flight -= 1
            self.tally.in_flight -= 1

    async def aclose(self) -> None:
        self.closed = True


class SharedFactory:
    """A provider factory handing out one shared `FakeProvider` (or one per model name)."""

    def __init__(self, provider: FakeProvider | None = None, **per_model: FakeProvider) -> None:
        self.provider = provider or FakeProvider()
        self.per_model = per_model
        self.built: list[str] = []

    def __call__(self, config: ModelConfigContent) -> FakeProvider:
        self.built.append(config.model)
        return self.per_model.get(config.model, self.provider)
