"""The asyncio run engine: plan, limits, retries, cache, one writer, events.

Knows nothing of Qt or threads. Entry points: `RunEngine` (estimate, create_run, execute),
`expand` (spec to plan), the event types, and `EngineOptions` / `EndpointLimits` /
`RetryPolicy` for tuning.
"""

from workbench.engine.budget import BudgetExceededError, Estimate
from workbench.engine.events import (
    CellDelta,
    CellFinished,
    CellStarted,
    Event,
    EventSink,
    RunFinished,
    RunStarted,
)
from workbench.engine.limits import EndpointLimits, endpoint_key
from workbench.engine.plan import RunPlan, expand
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions, Mode, RunEngine, RunSummary

__all__ = [
    "BudgetExceededError",
    "CellDelta",
    "CellFinished",
    "CellStarted",
    "EndpointLimits",
    "EngineOptions",
    "Estimate",
    "Event",
    "EventSink",
    "Mode",
    "RetryPolicy",
    "RunEngine",
    "RunFinished",
    "RunPlan",
    "RunStarted",
    "RunSummary",
    "endpoint_key",
    "expand",
]
