"""``run --batch``, and the batch side of ``runs resume`` and ``runs retry-errors --batch``.

Submitting returns at once: the run is stored with its batch ids and shows "batch: submitted" in
``runs list``. ``runs resume RUN`` polls the run's batches once (``--wait`` keeps polling until
all are collected) and writes the results that arrived into cells, scored with the run's rubric.
"""

from __future__ import annotations

import asyncio
import time

from workbench.app.batch_runs import (
    BatchCollection,
    BatchMode,
    BatchRunService,
    BatchSubmission,
    batch_client_factory,
    batch_progress,
)
from workbench.app.defaults import BATCH_POLL_INTERVAL_S
from workbench.app.run_execution import CellsScored, ScoringFailed
from workbench.app.services import Services
from workbench.cli.context import note, print_json
from workbench.core.models import ModelConfigContent
from workbench.core.runs import RunSpec

DEFAULT_POLL_INTERVAL_S = BATCH_POLL_INTERVAL_S


def service_for(svc: Services) -> BatchRunService:
    """The batch service of the workspace."""
    return BatchRunService(svc.store, batch_client_factory(svc), svc.provider_factory())


def submit_new_run(
    svc: Services,
    spec: RunSpec,
    name: str,
    *,
    judge_model: ModelConfigContent | None,
    as_json: bool,
) -> int:
    """Check, estimate at batch prices, store and submit a run; print what was sent."""
    service = service_for(svc)
    service.check(spec)
    estimate = service.estimate(spec)
    note(f"Estimate at batch prices: {estimate.describe()}")
    run_id = service.create_run(spec, name)
    submission = asyncio.run(
        service.submit(run_id, judge_model=judge_model, on_scoring=_scoring_note)
    )
    _print_submission(svc, submission, as_json=as_json)
    return run_id


def submit_again(svc: Services, run_id: int, mode: BatchMode, *, as_json: bool) -> None:
    """Send a stored run's missing or errored cells in new batches."""
    service = service_for(svc)
    submission = asyncio.run(service.submit(run_id, mode=mode, on_scoring=_scoring_note))
    _print_submission(svc, submission, as_json=as_json)


def collect(
    svc: Services,
    run_id: int,
    *,
    wait: bool,
    poll_interval_s: float,
    as_json: bool,
) -> BatchCollection:
    """Poll once (or until collected with `wait`), printing progress; the last pass."""
    service = service_for(svc)
    total_collected = total_errors = 0
    while True:
        outcome = asyncio.run(service.collect(run_id, on_scoring=_scoring_note))
        total_collected += outcome.collected
        total_errors += outcome.errors
        for message in outcome.messages:
            note(message)
        if not as_json:
            line = outcome.progress.describe() or "no batches"
            note(f"Run {run_id}: {line}; {outcome.collected:,} cells collected now")
        if not wait or not outcome.progress.pending:
            break
        time.sleep(poll_interval_s)
    outcome.collected, outcome.errors = total_collected, total_errors
    if not as_json and outcome.progress.pending:
        note(f"Results not all in yet: run `workbench runs resume {run_id}` again later")
    elif not as_json and outcome.progress.failed:
        note(
            f"{outcome.progress.failed:,} request(s) failed or expired: retry them with "
            f"`workbench runs retry-errors {run_id}` (add --batch for a new batch)"
        )
    return outcome


def cancel(svc: Services, run_id: int) -> list[str]:
    """Ask the providers to stop the run's open batches; one line per batch."""
    return asyncio.run(service_for(svc).cancel(run_id))


def collection_json(outcome: BatchCollection) -> dict[str, object]:
    progress = outcome.progress
    return {
        "collected": outcome.collected,
        "errors": outcome.errors,
        "pending": progress.pending,
        "total": progress.total,
        "done": progress.done,
        "state": progress.describe(),
        "messages": outcome.messages,
    }


def _print_submission(svc: Services, submission: BatchSubmission, *, as_json: bool) -> None:
    run_id = submission.run_id
    progress = batch_progress(svc.store, run_id)
    if as_json:
        print_json(
            {
                "run": run_id,
                "jobs": submission.jobs,
                "sent": submission.sent,
                "cached": submission.cached,
                "settled_errors": submission.settled_errors,
                "failures": list(submission.failures),
                "state": progress.describe(),
            }
        )
        return
    for failure in submission.failures:
        note(failure)
    note(
        f"Run {run_id} sent as {submission.jobs} batch(es): {submission.sent:,} requests, "
        f"{submission.cached:,} answered from the cache (not sent), "
        f"{submission.settled_errors:,} errors."
    )
    if progress.pending:
        note(
            "Results come within 24 h at batch prices; you can close this terminal. "
            f"Collect with: workbench runs resume {run_id}  (add --wait to wait for them)"
        )


def _scoring_note(event: CellsScored | ScoringFailed) -> None:
    if isinstance(event, ScoringFailed):
        note(event.message)
