"""The defaults both front ends share: calls in flight, timeouts, judge concurrency.

One place, so the CLI, the GUI's run setup and the GUI's demo start runs the same way. The
embedded model's endpoint answers one call at a time whatever the run's concurrency (the engine's
endpoint limit), so the demo needs no figure of its own.
"""

from __future__ import annotations

from workbench.engine.judge import JUDGE_CONCURRENCY as _ENGINE_JUDGE_CONCURRENCY
from workbench.engine.retry import RetryPolicy
from workbench.engine.runner import EngineOptions

RUN_CONCURRENCY = 8
"""Calls of a run in flight at once (CLI ``--concurrency``, GUI "Calls at once")."""
JUDGE_CONCURRENCY = _ENGINE_JUDGE_CONCURRENCY
"""Judge calls in flight at once while scoring (the endpoint's own limits may allow fewer)."""
CALL_TIMEOUT_S = 120.0
"""Limit on one model call attempt; exceeding it is a retryable timeout."""
HTTP_TIMEOUT_S = 60.0
"""The providers' HTTP client timeout (connect and read)."""


def engine_options() -> EngineOptions:
    """The engine tuning of runs and judges started from either front end."""
    return EngineOptions(retry=RetryPolicy(timeout_s=CALL_TIMEOUT_S))
