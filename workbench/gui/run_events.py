"""Events a `RunController` posts through the engine bridge, tagged with their run.

The engine's own events carry no run id (a run's engine knows only its run). Several runs may
stream through the one bridge at once, so the controller's sink tags every event with its run
before it crosses to the GUI thread. Text deltas become `RunDelta`, which the bridge's coalescer
merges per (run, cell) so that a streaming answer costs one update per cell per tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.app.run_execution import (
    CellDelta,
    CellFinished,
    CellsScored,
    CellStarted,
    Event,
    ScoringFailed,
)
from workbench.core.runs import CellKey
from workbench.gui.event_coalescing import coalesce_deltas


@dataclass(frozen=True, slots=True)
class RunDelta:
    """Streamed text for a cell of a run (merged by `coalesce_run_events`)."""

    run_id: int
    key: CellKey
    text: str


@dataclass(frozen=True, slots=True)
class RunEvent:
    """Any other engine event of a run (started, finished, run started/finished)."""

    run_id: int
    event: Event

    @property
    def key(self) -> CellKey | None:
        """The cell the event is about, if any (the coalescer keeps a cell's events in order)."""
        if isinstance(self.event, CellStarted):
            return self.event.key
        if isinstance(self.event, CellFinished):
            return self.event.result.key
        return None


@dataclass(frozen=True, slots=True)
class RunCreated:
    """The controller `token` created run `run_id` and is about to execute it."""

    token: int
    run_id: int


def tag(run_id: int, event: Event) -> RunDelta | RunEvent:
    """The tagged form of an engine event."""
    if isinstance(event, CellDelta):
        return RunDelta(run_id, event.key, event.text)
    return RunEvent(run_id, event)


def untag(item: RunDelta | RunEvent) -> Event:
    """The engine event inside a tagged one."""
    if isinstance(item, RunDelta):
        return CellDelta(item.key, item.text)
    return item.event


__all__ = ["CellsScored", "RunCreated", "RunDelta", "RunEvent", "ScoringFailed", "tag", "untag"]


def coalesce_run_events(events: Sequence[Any]) -> list[Any]:
    """The bridge's coalescer: merge each run's cell deltas, leave everything else in order."""
    return coalesce_deltas(events, RunDelta)
