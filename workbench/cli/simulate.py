"""``simulate`` (run conversations) and ``simulate list|show|export|compare|resume|score``,
plus ``conversations import|export`` for conversation sets.

A simulation prints its upper-bound estimate, a progress bar over conversations, and a summary
per assistant column (pass and outcome rates with 95 % intervals, turns, drift, loops). Ctrl+C
cancels gracefully: every finished turn is kept and ``simulate resume`` continues after it.
Simulation runs are numbered apart from runs and shown as ``sim-N``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workbench.app import conversations as conv
from workbench.app.services import Services
from workbench.cli.cancellable import id_list, run_cancellable
from workbench.cli.context import note, print_json, services, stdout, table
from workbench.cli.families import JsonOption
from workbench.core.errors import ValidationError

DEMO_PROMPTS = ("order-tracking@v2", "order-tracking@v3")
DEMO_PERSONAS = ("conseiller-vous",)
DEMO_MODEL = "smollm2-local"
DEMO_CONVERSATIONS = "maison-lumiere"
DEMO_CUSTOMERS = ("commuter-pressed",)
DEMO_CASES = ("late-parcel", "no-order-number")
DEMO_MAX_TURNS = 3

simulate_app = typer.Typer(
    help="Simulate conversations: customers talking to assistant versions, side by side.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def _parse_id(text: str) -> int:
    raw = text.strip().lower().removeprefix("sim-")
    if not raw.isdigit():
        raise ValidationError(f"'{text}' is not a simulation id (sim-N or N)")
    return int(raw)


@simulate_app.callback()
def simulate(
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
    conversations: Annotated[
        str | None, typer.Option("--conversations", help="Conversation set NAME[@V].")
    ] = None,
    cases: Annotated[str | None, typer.Option("--cases", help="Comma-separated case ids.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only cases with this tag.")] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="A random sample of N cases.", min=1)
    ] = None,
    customer: Annotated[
        list[str] | None,
        typer.Option("--customer", help="Customer persona NAME[@V], repeatable."),
    ] = None,
    simulator: Annotated[
        str | None, typer.Option("--simulator", help="Model config playing the customer.")
    ] = None,
    max_turns: Annotated[
        int | None, typer.Option("--max-turns", help="Exchanges at most.", min=1, max=50)
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulator and --sample.")] = 0,
    repeat: Annotated[
        int, typer.Option("--repeat", help="Times each conversation runs.", min=1, max=100)
    ] = 1,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Calls in flight at once.", min=1, max=512)
    ] = 8,
    budget: Annotated[
        float | None, typer.Option("--budget", help="Stop before spending more than USD.", min=0)
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Call the models even when a cached answer exists.")
    ] = False,
    rubric: Annotated[
        str | None, typer.Option("--rubric", help="Score each assistant turn with this rubric.")
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option("--judge", help="Model config judging the customer's final mood."),
    ] = None,
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under",
            help="Exit 3 when a column's conversation outcome rate is below RATE (0-1).",
            min=0,
            max=1,
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the simulation.")] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="A short simulation of the demo on the embedded model.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Simulate scenarios × customers × prompt versions × personas × models (and replay
    scripted cases), then report each column's outcomes."""
    if ctx.invoked_subcommand is not None:
        return
    svc = services(ctx)
    if demo:
        svc.ensure_demo_loaded()
        prompt = prompt or list(DEMO_PROMPTS)
        persona = persona or list(DEMO_PERSONAS)
        model = model or [DEMO_MODEL]
        conversations = conversations or DEMO_CONVERSATIONS
        customer = customer or list(DEMO_CUSTOMERS)
        simulator = simulator or DEMO_MODEL
        max_turns = max_turns or DEMO_MAX_TURNS
        if not (cases or tag or sample):
            cases = ",".join(DEMO_CASES)
        name = name or "demo simulation"
    if conversations is None:
        raise ValidationError(
            "choose a conversation set (--conversations NAME[@VERSION]) or use --demo"
        )
    selection = conv.CaseSelection(
        ids=id_list(cases),
        tag=tag,
        sample=sample,
        seed=seed,
    )
    spec = conv.build_simulation_spec(
        svc.store,
        prompts=prompt or [],
        personas=persona or [],
        models=model or [],
        conversations=conversations,
        cases=selection,
        customers=customer or [],
        simulator=simulator,
        max_turns=max_turns,
        repeats=repeat,
        concurrency=concurrency,
        budget_usd=budget,
        use_cache=not no_cache,
        rubric=rubric,
        seed=seed,
    )
    estimate = conv.estimate_simulation(svc, spec)
    cost = "unknown" if estimate.cost_usd_max is None else f"≤ ${estimate.cost_usd_max:.4f}"
    note(f"Estimate: {estimate.conversations} conversations, ≤ {estimate.max_calls} calls, {cost}")
    run_id = conv.create_simulation(svc, spec, name or "simulation")
    summary = _execute(svc, run_id, "missing", quiet=as_json)
    if judge is not None:
        conv.score_simulation_with_judge(svc, run_id, judge=judge, rubric=rubric)
    _report(svc, run_id, summary, as_json=as_json, rubric=rubric, fail_under=fail_under)


def _execute(
    svc: Services, run_id: int, mode: Literal["missing", "errors"], *, quiet: bool
) -> conv.SimulationSummary:
    """Execute with a progress bar over conversations; the first Ctrl+C cancels gracefully."""

    async def go(cancel: asyncio.Event) -> conv.SimulationSummary:
        progress = Progress(
            TextColumn(f"sim-{run_id}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            disable=quiet,
        )
        task = progress.add_task("conversations", total=None, status="")
        turns = errors = 0

        def sink(event: conv.SimulationEvent) -> None:
            nonlocal turns, errors
            if isinstance(event, conv.SimulationStarted):
                progress.update(task, total=event.total)
            elif isinstance(event, conv.TurnFinished):
                turns += 1
                progress.update(task, status=f"{turns} messages")
            elif isinstance(event, conv.ConversationFinished):
                errors += event.result.status is conv.ConversationStatus.ERROR
                status = f"{turns} messages" + (f", {errors} errors" if errors else "")
                progress.update(task, advance=1, status=status)

        with progress:
            return await conv.execute_simulation(
                svc, run_id, mode=mode, cancel_event=cancel, sink=sink
            )

    return run_cancellable(go)


def _pct(value: float | None, interval: Any = None) -> str:
    if value is None:
        return "-"
    text = f"{value:.0%}"
    if interval is not None:
        text += f" [{interval.low:.0%}–{interval.high:.0%}]"
    return text


def _report(
    svc: Services,
    run_id: int,
    summary: conv.SimulationSummary | None,
    *,
    as_json: bool,
    rubric: str | None = None,
    fail_under: float | None = None,
) -> None:
    reports = conv.simulation_report(svc.store, run_id, rubric)
    failing = [
        r
        for r in reports
        if fail_under is not None and (r.outcome_rate is None or r.outcome_rate < fail_under)
    ]
    if as_json:
        print_json(
            {
                "run": f"sim-{run_id}",
                "status": summary.status if summary else None,
                "calls": summary.calls if summary else None,
                "cache_hits": summary.cache_hits if summary else None,
                "columns": [_report_json(r) for r in reports],
                "fail_under": fail_under,
                "failed": [r.column.index for r in failing],
            }
        )
    else:
        if summary is not None:
            counts = ", ".join(f"{v} {k}" for k, v in sorted(summary.counts.items()))
            note(
                f"sim-{run_id} {summary.status}: {counts or 'nothing to do'};"
                f" {summary.calls} calls, {summary.cache_hits} cached,"
                f" {summary.elapsed_s:.1f} s"
            )
        grid = table(
            "#",
            "column",
            "convs",
            "errors",
            "pass",
            "outcome",
            "turns→res",
            "drift",
            "loops",
            "hand-off ok",
            "stops",
        )
        for r in reports:
            grid.add_row(
                str(r.column.index),
                r.column.label,
                str(r.conversations),
                str(r.errors),
                _pct(r.pass_rate, r.pass_interval),
                _pct(r.outcome_rate, r.outcome_interval),
                "-" if r.mean_turns_to_resolution is None else f"{r.mean_turns_to_resolution:.1f}",
                _pct(r.drift_rate),
                _pct(r.loop_rate),
                _pct(r.handoff_accuracy),
                ", ".join(f"{k} {v}" for k, v in sorted(r.stop_reasons.items())),
            )
        stdout.print(grid)
    if failing:
        note(
            f"Quality gate failed (--fail-under {fail_under:.0%}): "
            + "; ".join(f"column {r.column.index} outcome {_pct(r.outcome_rate)}" for r in failing)
        )
        raise typer.Exit(code=3)


def _report_json(r: conv.ConversationColumnReport) -> dict[str, Any]:
    def interval(i: Any) -> list[float] | None:
        return None if i is None else [i.low, i.high]

    return {
        "column": r.column.index,
        "label": r.column.label,
        "conversations": r.conversations,
        "errors": r.errors,
        "passed": r.passed,
        "pass_rate": r.pass_rate,
        "pass_interval": interval(r.pass_interval),
        "outcome_rate": r.outcome_rate,
        "outcome_interval": interval(r.outcome_interval),
        "mean_turns_to_resolution": r.mean_turns_to_resolution,
        "drift_rate": r.drift_rate,
        "loop_rate": r.loop_rate,
        "unanswered_rate": r.unanswered_rate,
        "handoff_accuracy": r.handoff_accuracy,
        "mean_turns": r.mean_turns,
        "stop_reasons": r.stop_reasons,
        "moods": r.moods,
        "cost_usd": r.cost_usd,
    }


@simulate_app.command("list")
def list_simulations(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Simulation runs, newest first."""
    infos = conv.list_simulations(services(ctx).store)
    if as_json:
        print_json(
            [
                {
                    "id": f"sim-{i.id}",
                    "name": i.name,
                    "status": i.status,
                    "created_at": i.created_at.isoformat(),
                    "columns": len(i.columns),
                }
                for i in infos
            ]
        )
        return
    grid = table("id", "name", "status", "created", "columns")
    for i in infos:
        grid.add_row(
            f"sim-{i.id}", i.name, i.status, f"{i.created_at:%Y-%m-%d %H:%M}", str(len(i.columns))
        )
    stdout.print(grid)


@simulate_app.command("show")
def show(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="sim-N")],
    case: Annotated[
        str | None, typer.Option("--case", help="Print this case's transcripts.")
    ] = None,
    rubric: Annotated[str | None, typer.Option("--rubric", help="Rubric NAME[@V].")] = None,
    as_json: JsonOption = False,
) -> None:
    """A simulation's column summary, or the transcripts of one case."""
    svc = services(ctx)
    run_id = _parse_id(run)
    if case is None:
        _report(svc, run_id, None, as_json=as_json, rubric=rubric)
        return
    info = conv.get_simulation(svc.store, run_id)
    found = [r for r in conv.conversations(svc.store, run_id) if r.key.case_id == case]
    if not found:
        raise ValidationError(f"sim-{run_id} has no conversation for case '{case}'")
    scores = conv.conversation_scores(svc.store, run_id, rubric)
    if as_json:
        print_json([conv.conversation_to_openai(r, info) for r in found])
        return
    for result in found:
        score = scores.get(result.key)
        head = f"{result.key.label()} — {info.columns[result.key.column].label}"
        stop = result.stop_reason.value if result.stop_reason else result.status.value
        stdout.print(f"[bold]{head}[/bold]  ({stop})")
        bad = set()
        if score is not None:
            bad = {*score.drift_turns, *score.repeated_turns, *score.unanswered_turns}
        for m in result.messages:
            who = "client" if m.role == "customer" else "assistant"
            flag = " [red]◀ drift/loop[/red]" if m.role == "assistant" and m.turn in bad else ""
            stdout.print(f"  {m.turn + 1}. {who}: {m.content}{flag}", markup=True, highlight=False)
        if result.error_message:
            stdout.print(f"  error: {result.error_message}")


@simulate_app.command("export")
def export(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="sim-N")],
    out: Annotated[Path, typer.Argument(help="JSONL file to write.")],
) -> None:
    """Write every conversation as a JSON line in the OpenAI messages shape."""
    count = conv.export_simulation(services(ctx).store, _parse_id(run), out)
    note(f"Wrote {count} conversations to {out}")


@simulate_app.command("resume")
def resume(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="sim-N")],
    errors: Annotated[
        bool, typer.Option("--errors", help="Retry the conversations that ended in error.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Continue a cancelled or killed simulation after its last finished turn."""
    svc = services(ctx)
    run_id = _parse_id(run)
    summary = _execute(svc, run_id, "errors" if errors else "missing", quiet=as_json)
    _report(svc, run_id, summary, as_json=as_json)


@simulate_app.command("compare")
def compare(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="sim-N")],
    a: Annotated[str, typer.Argument(help="Column index or label part.")],
    b: Annotated[str, typer.Argument(help="Column index or label part.")],
    rubric: Annotated[str | None, typer.Option("--rubric", help="Rubric NAME[@V].")] = None,
    as_json: JsonOption = False,
) -> None:
    """Paired statistics between two columns' conversations (McNemar, Wilcoxon)."""
    result = conv.compare_simulation(services(ctx).store, _parse_id(run), a, b, rubric)
    if as_json:
        m = result.pass_fail
        print_json(
            {
                "rows": result.rows,
                "mcnemar": None
                if m is None
                else {
                    "pairs": m.pairs,
                    "only_a": m.only_a,
                    "only_b": m.only_b,
                    "p_value": m.p_value,
                },
                "verdict": result.verdict,
            }
        )
        return
    stdout.print(result.verdict)


def import_conversations(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help=".conversations.jsonl, Botium .convo.txt or promptfoo YAML")
    ],
    name: Annotated[str | None, typer.Option("--name", help="Family name to save into.")] = None,
) -> None:
    """Import a conversation file; what could not be mapped is listed."""
    svc = services(ctx)
    done = conv.import_conversation_file(svc.store, path, name=name, author=svc.current_author())
    state = "new version" if done.created else "unchanged"
    note(f"{done.version.ref}: {done.cases} cases ({state})")
    for item in done.unmapped:
        note(f"  not mapped: {item}")


def export_conversations(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Conversation set NAME[@V].")],
    out: Annotated[Path, typer.Argument(help="The .conversations.jsonl file to write.")],
) -> None:
    """Write a conversation set as canonical JSONL."""
    conv.export_conversations(services(ctx).store, ref, out)
    note(f"Wrote {out}")


def render_customer_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer persona NAME[@V].")],
    conversations: Annotated[
        str | None, typer.Option("--conversations", help="Conversation set NAME[@V].")
    ] = None,
    case: Annotated[str | None, typer.Option("--case", help="Scenario case id.")] = None,
) -> None:
    """Print the simulator prompt a customer persona renders to (on a case, or a sample)."""
    svc = services(ctx)
    customer = conv.resolve_customer(svc.store, ref)
    chosen = None
    if case is not None:
        if conversations is None:
            raise ValidationError("--case needs --conversations NAME[@VERSION]")
        chosen = conv.resolve_case(svc.store, conversations, case)
    stdout.print(conv.preview_customer_prompt(customer, chosen, name=ref), highlight=False)


@simulate_app.command("approve")
def approve(
    ctx: typer.Context,
    bundle: Annotated[str, typer.Argument(help="The bundle's name.")],
    simulation: Annotated[
        list[str], typer.Option("--sim", help="Simulation run (sim-N) as evidence, repeatable.")
    ],
    prompt: Annotated[str, typer.Option("--prompt", help="NAME[@V].")],
    model: Annotated[str, typer.Option("--model", help="Model config NAME[@V].")],
    rubric: Annotated[str, typer.Option("--rubric", help="Rubric NAME[@V].")],
    persona: Annotated[str | None, typer.Option("--persona", help="NAME[@V].")] = None,
    run: Annotated[
        list[int] | None, typer.Option("--run", help="A scored run as more evidence.")
    ] = None,
    min_outcome_rate: Annotated[
        float, typer.Option("--min-outcome-rate", help="Required outcome rate.", min=0, max=1)
    ] = conv.DEFAULT_MIN_OUTCOME_RATE,
    override_reason: Annotated[
        str | None, typer.Option("--override-reason", help="Approve although a check fails.")
    ] = None,
    note_text: Annotated[str, typer.Option("--note", help="A note kept with it.")] = "",
) -> None:
    """Approve a bundle with simulation runs as evidence."""
    svc = services(ctx)
    request = conv.ApprovalRequest(
        bundle=bundle,
        prompt=prompt,
        model=model,
        rubric=rubric,
        persona=persona,
        run_ids=tuple(run or ()),
        note=note_text,
        override_reason=override_reason,
    )
    approval = conv.approve_with_simulations(
        svc.store,
        request,
        [_parse_id(s) for s in simulation],
        reviewer=svc.current_author(),
        min_outcome_rate=min_outcome_rate,
    )
    sims = ", ".join(
        f"sim-{s.simulation_id} outcome {_pct(s.outcome_rate)}"
        for s in approval.evidence.simulations
    )
    note(f"Approved {approval.bundle}@v{approval.number} ({sims})")
