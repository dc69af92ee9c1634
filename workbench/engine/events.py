"""Plain events the run engine emits while it works.

A sink is any callable taking one event. The engine calls it on its own event-loop thread, so a
sink must be cheap and must not block: the GUI's sink puts events on a queue that a timer on the
GUI thread drains and coalesces. Events are frozen dataclasses with no behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from workbench.core.runs import CellKey, CellResult, RunStatus


@dataclass(frozen=True, slots=True)
class RunStarted:
    """A run began executing; `total` is the number of cells this execution will settle."""

    run_id: int
    total: int


@dataclass(frozen=True, slots=True)
class CellStarted:
    """A cell's first call was sent (cache hits skip this and go straight to `CellFinished`)."""

    key: CellKey


@dataclass(frozen=True, slots=True)
class CellDelta:
    """A fragment of streamed text for a cell; fragments arrive in order."""

    key: CellKey
    text: str


@dataclass(frozen=True, slots=True)
class CellFinished:
    """A cell settled (ok, error or cancelled); the result is queued for the store."""

    result: CellResult


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run stopped; `counts` maps cell status values to how many cells this execution set."""

    run_id: int
    status: RunStatus
    counts: Mapping[str, int]


Event = RunStarted | CellStarted | CellDelta | CellFinished | RunFinished
EventSink = Callable[[Event], None]


def discard(_event: Event) -> None:
    """A sink that ignores everything (the default when the caller wants no events)."""
