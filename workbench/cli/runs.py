"""``run``, ``runs list|show|resume|retry-errors`` and ``models list``.

A run prints its estimate, a progress bar while cells settle, and a side-by-side summary per
column. Ctrl+C cancels gracefully: in-flight cells are marked cancelled and ``runs resume``
finishes the rest later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Annotated, Literal

import typer
from rich.table import Table

from workbench.app import runs as run_service
from workbench.app.defaults import BATCH_POLL_INTERVAL_S, RUN_CONCURRENCY, engine_options
from workbench.app.quality_gate import EXIT_GATE_UNJUDGED, GateOutcome, evaluate_gate
from workbench.app.rescoring import LandingRescorer
from workbench.app.run_execution import (
    CellFinished,
    CellsScored,
    Event,
    RunExecutor,
    RunStarted,
    RunSummary,
    ScoringFailed,
)
from workbench.app.scoring import CellScorer, column_report, compare
from workbench.app.services import Services
from workbench.cli import robustness as robustness_cli
from workbench.cli import scoring as scoring_cli
from workbench.cli.cancellable import id_list, run_cancellable
from workbench.cli.context import note, print_json, services, stdout, table
from workbench.cli.families import JsonOption
from workbench.cli.progress import RunProgress
from workbench.core.errors import ValidationError
from workbench.core.models import Kind, ModelConfigContent, Version
from workbench.core.reviews import CellScore
from workbench.core.runs import CellResult, CellStatus, RunInfo
from workbench.scoring.stats import ColumnStats


def run(
    ctx: typer.Context,
    prompt: Annotated[
        list[str] | None, typer.Option("--prompt", help="NAME[@V], repeatable.")
    ] = None,
    persona: Annotated[
        list[str] | None, typer.Option("--persona", help="NAME[@V], repeatable.")
    ] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", help="Model config NAME[@V], repeatable.")
    ] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", help="Dataset NAME[@V].")] = None,
    rows: Annotated[str | None, typer.Option("--rows", help="Comma-separated row ids.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only rows with this tag.")] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="A random sample of N rows.", min=1)
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --sample.")] = 0,
    repeat: Annotated[
        int, typer.Option("--repeat", help="Times each cell runs.", min=1, max=100)
    ] = 1,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Calls in flight at once.", min=1, max=512)
    ] = RUN_CONCURRENCY,
    budget: Annotated[
        float | None, typer.Option("--budget", help="Stop before spending more than USD.", min=0)
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Call the models even when a cached answer exists.")
    ] = False,
    rubric: Annotated[
        str | None, typer.Option("--rubric", help="Score each cell with this rubric NAME[@V].")
    ] = None,
    judge: Annotated[
        str | None, typer.Option("--judge", help="Model config that judges llm-judge criteria.")
    ] = None,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under",
            help="Exit 3 when a column's pass rate is below RATE (0-1); needs --rubric.",
            min=0,
            max=1,
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the run.")] = None,
    redact: Annotated[
        bool,
        typer.Option("--redact", help="Anonymise the dataset's fields (names, e-mails, phones, "
                     "IBANs, cards, addresses) locally before any model sees them."),
    ] = False,
    perturb: Annotated[
        str | None,
        typer.Option(
            "--perturb", help=robustness_cli.PERTURB_HELP, callback=robustness_cli.check_perturb
        ),
    ] = None,
    perturb_seed: Annotated[int, typer.Option("--perturb-seed", help="Seed of --perturb.")] = 0,
    perturb_field: Annotated[
        list[str] | None,
        typer.Option(
            "--perturb-field", help="Free-text variable --perturb changes (default: message, …)."
        ),
    ] = None,
    protect: Annotated[
        list[str] | None,
        typer.Option("--protect", help="Variable --perturb must keep intact, repeatable."),
    ] = None,
    perturb_model: Annotated[
        str | None,
        typer.Option("--perturb-model", help=robustness_cli.PERTURB_MODEL_HELP),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Run the demo comparison on the embedded model.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress on stderr while the run goes.")
    ] = False,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Send through the provider's batch API (OpenAI, Anthropic): half price, "
            "results within 24 h; collect with `runs resume RUN`.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run prompt versions × personas × models over a dataset, side by side."""
    svc = services(ctx)
    robustness_cli.check_model_choice(perturb, perturb_model)
    if demo:
        svc.ensure_demo_loaded()
        prompt = prompt or list(run_service.DEMO_PROMPTS)
        persona = persona or list(run_service.DEMO_PERSONAS)
        model = model or list(run_service.DEMO_MODELS)
        dataset = dataset or run_service.DEMO_DATASET
        rubric = rubric or run_service.DEMO_RUBRIC
        if not (rows or tag or sample):
            tag = run_service.DEMO_ROW_TAG
        name = name or "demo"
    if dataset is None:
        raise ValidationError("choose a dataset (--dataset NAME[@VERSION]) or use --demo")
    if fail_under is not None and rubric is None:
        raise ValidationError("--fail-under needs --rubric: pass rates come from a rubric")
    if batch and fail_under is not None:
        raise ValidationError(
            "--fail-under cannot gate a --batch run: its results come later (runs resume)"
        )
    if redact:
        from workbench.app.redaction import redact_dataset  # its NLP stack loads only for --redact

        redacted = redact_dataset(svc.store, dataset, author=svc.current_author())
        for warning in redacted.warnings:
            note(f"warning: {warning}")
        replaced = ", ".join(f"{n} {k}" for k, n in redacted.replacements.items()) or "nothing"
        note(f"Redacted {redacted.source.ref} → {redacted.version.ref} (replaced {replaced}).")
        dataset = redacted.ref
    selection = run_service.RowSelection(
        ids=id_list(rows),
        tag=tag,
        sample=sample,
        seed=seed,
    )
    spec = run_service.build_spec(
        svc.store,
        prompts=prompt or [],
        personas=persona or [],
        models=model or [],
        dataset=dataset,
        rows=selection,
        repeats=repeat,
        concurrency=concurrency,
        budget_usd=budget,
        use_cache=not no_cache,
        rubric=rubric,
    )
    if perturb:
        spec = robustness_cli.apply_perturb(
            svc,
            spec,
            perturb,
            perturb_seed,
            perturb_field,
            protect,
            None,
            model=perturb_model,
            quiet=as_json or quiet,
        )
    judge_model = scoring_cli.judge_for(svc, spec, judge)
    if batch:
        from workbench.cli import batch_runs as batch_cli  # batch machinery: only for --batch

        batch_cli.submit_new_run(svc, spec, name or "run", judge_model=judge_model, as_json=as_json)
        return
    executor = _executor(svc)
    estimate = executor.estimate(spec)
    note(f"Estimate: {estimate.describe()}")
    run_id = executor.create_run(spec, name or "run")
    live_scores: list[CellScore] = []
    summary = _execute(
        executor,
        run_id,
        "missing",
        quiet=as_json or quiet,
        judge_model=judge_model,
        on_scored=live_scores.extend,
    )
    cells = svc.store.cells(run_id)  # read once for the figures and the scores below
    if rubric is None:
        _report(svc, run_id, summary, as_json=as_json, cells=cells)
        return
    if not as_json:  # with --json, the scores document below is the one output
        _report(svc, run_id, summary, as_json=False, cells=cells)
    gate = _score_and_gate(
        svc,
        run_id,
        rubric,
        judge,
        fail_under,
        as_json=as_json,
        demo=demo,
        cells=cells,
        live_scores=live_scores,
    )
    if gate.exit_code:
        raise typer.Exit(code=gate.exit_code)


def _score_and_gate(
    svc: Services,
    run_id: int,
    rubric: str,
    judge: str | None,
    fail_under: float | None,
    *,
    as_json: bool,
    demo: bool,
    cells: Sequence[CellResult] | None = None,
    live_scores: Sequence[CellScore] = (),
) -> GateOutcome:
    """Score the run, print the columns' figures; the gate's outcome (`cells`: the run's
    cells when the caller has just read them; `live_scores`: the scores stored as they
    landed)."""
    version = svc.store.resolve(Kind.RUBRIC, rubric)
    # Cells were scored live as they finished; only the rest (errors) are scored here.
    scored = scoring_cli.apply_rubric(
        svc, run_id, version, judge, keep_stored=True, cells=cells, live_scores=live_scores
    )
    reports = column_report(
        svc.store, run_id, version.id, cells=cells, results=scored.results
    )
    gate = evaluate_gate(reports, fail_under)
    failing = list(gate.failing)
    verdict = _demo_verdict(svc, run_id, version) if demo else None
    robustness = robustness_cli.report_for(svc, run_id, version.id)
    if robustness is not None and fail_under is not None:
        # The perturbed pass rates are gated like the columns' own.
        failing += robustness.gate(fail_under)
        gate = replace(gate, failing=tuple(failing))
    if as_json:
        print_json(
            {
                "run": run_id,
                "rubric": version.ref,
                "passed": scored.passed,
                "failed": scored.failed,
                "errors": scored.errors,
                "columns": [scoring_cli.report_json(r) for r in reports],
                "verdict": verdict,
                "fail_under": fail_under,
                "failing_columns": failing,
                "unjudged_columns": list(gate.unjudged),
                "robustness": None
                if robustness is None
                else robustness_cli.report_json(robustness),
            }
        )
        return gate
    stdout.print("")
    note(f"Scores with {version.ref}:")
    scoring_cli.print_reports(reports)
    if verdict:
        stdout.print(verdict, highlight=False)
    if robustness is not None:
        robustness_cli.print_report(robustness)
    if failing:
        note(f"Quality gate failed (--fail-under {fail_under:.0%}): " + "; ".join(failing))
    if gate.unjudged:
        note(
            "Quality gate not evaluated for column(s) with no verdict — an outage, not a quality"
            f" result (exit code {EXIT_GATE_UNJUDGED}; retry with `workbench runs retry-errors`): "
            + "; ".join(gate.unjudged)
        )
    return gate


def _demo_verdict(svc: Services, run_id: int, rubric: Version) -> str | None:
    """The demo compares the two prompt versions with the same persona (columns 0 and 2)."""
    info = svc.store.get_run(run_id)
    if len(info.columns) < 3:
        return None
    result = compare(svc.store, run_id, 0, 2, rubric.id)
    return f"Column 0 vs column 2 (prompt v2 vs v3, same persona): {result.verdict}"


def _executor(svc: Services) -> RunExecutor:
    """The executor of the command line's runs: it prints no answer as it streams, so the
    engine sends no event per streamed piece."""
    return RunExecutor(
        svc.store, svc.provider_factory(), options=replace(engine_options(), live_text=False)
    )


def _execute(
    executor: RunExecutor,
    run_id: int,
    mode: Literal["missing", "errors"],
    *,
    quiet: bool,
    judge_model: ModelConfigContent | None = None,
    also_score: Sequence[CellScorer] = (),
    on_scored: Callable[[Sequence[CellScore]], object] | None = None,
) -> RunSummary:
    """Execute with a progress bar, scoring cells live; the first Ctrl+C cancels gracefully.

    `also_score` scores the landing cells with other rubrics too (re-scoring on resume and
    retry); `on_scored` is given each batch of scores stored live.
    """

    async def go(cancel: asyncio.Event) -> RunSummary:
        with RunProgress(run_id, quiet=quiet) as progress:

            def sink(event: Event) -> None:
                if isinstance(event, RunStarted):
                    progress.started(event.total)
                elif isinstance(event, CellFinished):
                    progress.cancelling = cancel.is_set()
                    progress.cell_settled(error=event.result.status is CellStatus.ERROR)

            def scoring(event: CellsScored | ScoringFailed) -> None:
                if isinstance(event, ScoringFailed):
                    note(event.message)
                elif on_scored is not None:
                    on_scored(event.scores)

            return await executor.execute(
                run_id,
                mode=mode,
                cancel_event=cancel,
                sink=sink,
                judge_model=judge_model,
                on_scoring=scoring,
                also_score=also_score,
            )

    return run_cancellable(go)


def _report(
    svc: Services,
    run_id: int,
    summary: RunSummary | None,
    *,
    as_json: bool,
    extra: dict[str, object] | None = None,
    cells: Sequence[CellResult] | None = None,
) -> None:
    info = svc.store.get_run(run_id)
    stats = run_service.unscored_column_stats(svc.store, run_id, cells)
    if as_json:
        print_json(
            {
                "run": _run_json(info),
                "summary": None
                if summary is None
                else {
                    "status": summary.status.value,
                    "counts": dict(summary.counts),
                    "calls": summary.calls,
                    "cache_hits": summary.cache_hits,
                    "cost_usd": summary.cost_usd,
                    "elapsed_s": summary.elapsed_s,
                    "message": summary.message,
                },
                "columns": [
                    {"index": c.index, "label": c.label, **_stats_json(stats.get(c.index))}
                    for c in info.columns
                ],
                **(extra or {}),
            }
        )
        return
    stdout.print(_columns_table(svc, info, stats))
    if summary is not None:
        line = (
            f"Run {run_id} {summary.status.value}: {summary.calls} calls, "
            f"{summary.cache_hits} from cache, ${summary.cost_usd:.4f}, {summary.elapsed_s:.1f} s"
        )
        note(line + (f" — {summary.message}" if summary.message else ""))
        if summary.counts.get(CellStatus.ERROR.value) or summary.counts.get("cancelled"):
            note(
                f"Finish it with: workbench runs resume {run_id}  (errors only: runs retry-errors)"
            )


def _columns_table(svc: Services, info: RunInfo, stats: dict[int, ColumnStats]) -> Table:
    out = table(
        "#",
        "prompt",
        "persona",
        "model",
        "cells",
        "errors",
        "p50 ms",
        "p95 ms",
        "tokens in/out",
        "cost $",
    )
    refs = run_service.column_refs(svc.store, info)
    for column in info.columns:
        s = stats.get(column.index)
        prompt, persona, model = refs[column.index]
        figures = (
            ["0", "-", "-", "-", "-", "-"]
            if s is None
            else [
                str(s.cells),
                str(s.errors),
                _ms(s.latency_p50_ms),
                _ms(s.latency_p95_ms),
                f"{s.input_tokens}/{s.output_tokens}",
                "-" if s.cost_usd is None else f"{s.cost_usd:.4f}",
            ]
        )
        out.add_row(str(column.index), prompt, persona, model, *figures)
    return out


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _stats_json(s: ColumnStats | None) -> dict[str, object]:
    if s is None:
        return {"cells": 0}
    return {
        "cells": s.cells,
        "errors": s.errors,
        "latency_p50_ms": s.latency_p50_ms,
        "latency_p95_ms": s.latency_p95_ms,
        "input_tokens": s.input_tokens,
        "output_tokens": s.output_tokens,
        "cost_usd": s.cost_usd,
    }


def _run_json(info: RunInfo) -> dict[str, object]:
    return {
        "id": info.id,
        "name": info.name,
        "status": info.status.value,
        "created_at": info.created_at.isoformat(),
        "finished_at": info.finished_at.isoformat() if info.finished_at else None,
        "estimated_cost_usd": info.estimated_cost_usd,
        "spec": info.spec.model_dump(mode="json"),
        "columns": [c.model_dump(mode="json") for c in info.columns],
    }


runs_app = typer.Typer(help="Stored runs.", no_args_is_help=True)


@runs_app.command("list")
def list_runs(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List runs, newest first."""
    from workbench.app.batch_runs import batch_progress_many

    store = services(ctx).store
    infos = store.list_runs()
    if as_json:
        states = batch_progress_many(store, [i.id for i in infos])
        print_json(
            [
                {**_run_json(i), "batch": states[i.id].describe() if i.id in states else None}
                for i in infos
            ]
        )
        return
    if not infos:
        note("No runs yet. Try: workbench run --demo")
        return
    out = table("id", "name", "status", "created", "columns", "cells done")
    batches = batch_progress_many(store, [i.id for i in infos])
    for info in infos:
        summary = store.run_summary(info.id)
        done = sum(n for counts in summary.values() for s, n in counts.items() if s != "pending")
        progress = batches.get(info.id)
        out.add_row(
            str(info.id),
            info.name,
            progress.describe()
            if progress is not None and progress.pending
            else info.status.value,
            info.created_at.strftime("%Y-%m-%d %H:%M"),
            str(len(info.columns)),
            str(done),
        )
    stdout.print(out)


@runs_app.command("show")
def show_run(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(metavar="RUN", help="Run id, or sim-N for a simulation.")],
    as_json: JsonOption = False,
) -> None:
    """Show a run's columns and their figures (a simulation's with ``sim-N``)."""
    if run.strip().lower().startswith("sim-"):
        from workbench.cli.simulate import show as show_simulation

        show_simulation(ctx, run, as_json=as_json)
        return
    if not run.strip().isdigit():
        raise ValidationError(f"'{run}' is not a run id (a number, or sim-N)")
    from workbench.app.batch_runs import batch_progress

    run_id = int(run)
    svc = services(ctx)
    info = svc.store.get_run(run_id)
    progress = batch_progress(svc.store, run_id)
    if not as_json:
        created = f"{info.created_at:%Y-%m-%d %H:%M}"
        note(f"Run {info.id} '{info.name}' — {info.status.value}, created {created}")
        if progress.jobs:
            note(f"  {progress.describe()}")
    robustness = robustness_cli.report_for(svc, run_id)
    extra: dict[str, object] = {
        "robustness": None if robustness is None else robustness_cli.report_json(robustness),
        "batch": progress.describe() or None,
    }
    _report(svc, run_id, None, as_json=as_json, extra=extra)
    if robustness is not None and not as_json:
        robustness_cli.print_report(robustness)


def _continue(
    ctx: typer.Context, run_id: int, mode: Literal["missing", "errors"], as_json: bool
) -> None:
    svc = services(ctx)
    executor = _executor(svc)
    # Cells that land get their scores at once: no stale "no answer" score after a retry.
    rescorer = LandingRescorer(svc.store, run_id)
    try:
        summary = _execute(executor, run_id, mode, quiet=as_json, also_score=rescorer.scorers)
    finally:
        rescorer.flush()
    report = rescorer.report
    if not as_json and report.rescored:
        note(f"Re-scored the answered cells with {', '.join(report.rubrics)}")
    for skipped in report.skipped if not as_json else ():
        note(f"Not re-scored: {skipped}")
    _report(svc, run_id, summary, as_json=as_json)


@runs_app.command("resume")
def resume(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(metavar="RUN")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Batch runs: keep polling until all results are in.")
    ] = False,
    poll_interval: Annotated[
        float,
        typer.Option("--poll-interval", help="Seconds between polls with --wait.", min=0),
    ] = BATCH_POLL_INTERVAL_S,
    as_json: JsonOption = False,
) -> None:
    """Run only the cells that have no answer yet (after a kill, a cancel or errors).

    For a run sent with --batch: poll its batches and collect the results that arrived.
    """
    from workbench.app.batch_runs import batch_progress
    from workbench.cli import batch_runs as batch_cli

    svc = services(ctx)
    if batch_progress(svc.store, run_id).pending:
        outcome = batch_cli.collect(
            svc, run_id, wait=wait, poll_interval_s=poll_interval, as_json=as_json
        )
        extra: dict[str, object] = {"batch": batch_cli.collection_json(outcome)}
        _report(svc, run_id, None, as_json=as_json, extra=extra)
        rubric_id = svc.store.get_run(run_id).spec.rubric_id
        if not outcome.progress.pending and rubric_id is not None and not as_json:
            # Every result is in: the run's scores, as `run --rubric` prints them.
            rubric = svc.store.get_version(rubric_id).ref
            _score_and_gate(svc, run_id, rubric, None, None, as_json=False, demo=False)
        return
    _continue(ctx, run_id, "missing", as_json)


@runs_app.command("cancel-batch")
def cancel_batch(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(metavar="RUN")],
    as_json: JsonOption = False,
) -> None:
    """Ask the providers to stop a run's batches; `runs resume` then collects what finished."""
    from workbench.cli import batch_runs as batch_cli

    notes = batch_cli.cancel(services(ctx), run_id)
    if as_json:
        print_json({"run": run_id, "batches": notes})
        return
    for line in notes or ["No batch of this run is still out."]:
        note(line)


@runs_app.command("retry-errors")
def retry_errors(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(metavar="RUN")],
    batch: Annotated[
        bool, typer.Option("--batch", help="Retry them in a new provider batch (half price).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Re-run only the cells that ended in an error."""
    if batch:
        from workbench.cli import batch_runs as batch_cli

        batch_cli.submit_again(services(ctx), run_id, "errors", as_json=as_json)
        return
    _continue(ctx, run_id, "errors", as_json)
