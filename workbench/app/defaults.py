"""The defaults both front ends share: calls in flight, timeouts, judge concurrency.

One place, so the CLI, the GUI's run setup and the GUI's demo start runs the same way. The
embedded model's endpoint answers one call at a time whatever the run's concurrency (the engine's
endpoint limit), so the demo needs no figure of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# No engine import at module level: every command and the GUI's first window import these
# figures, and the engine pulls in the HTTP clients (see `engine_options`).
if TYPE_CHECKING:
    from workbench.engine.runner import EngineOptions

RUN_CONCURRENCY = 8
"""Calls of a run in flight at once (CLI ``--concurrency``, GUI "Calls at once")."""
JUDGE_CONCURRENCY = 8
"""Judge calls in flight at once while scoring (the engine's own default is the same figure)."""
CALL_TIMEOUT_S = 120.0
"""Limit on one model call attempt; exceeding it is a retryable timeout."""
HTTP_TIMEOUT_S = 60.0
"""The providers' HTTP client timeout (connect and read)."""
BATCH_POLL_INTERVAL_S = 60.0
"""Seconds between polls of a batch run's jobs (``runs resume --wait``)."""


def engine_options() -> EngineOptions:
    """The engine tuning of runs and judges started from either front end."""
    from workbench.engine.retry import RetryPolicy
    from workbench.engine.runner import EngineOptions

    return EngineOptions(retry=RetryPolicy(timeout_s=CALL_TIMEOUT_S))
