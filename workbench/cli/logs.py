"""``logs import|list|show|analyse|to-dataset|to-scenarios``: production conversation logs.

Everything is stored anonymised.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workbench.app.log_scenarios import DEFAULT_LIMIT, LogSelection, conversations_to_scenarios
from workbench.app.logs import (
    analyse_log,
    analysis_json,
    import_log,
    list_conversations,
    list_logs,
    questions_to_dataset,
    show_conversation,
    vars_of,
)
from workbench.app.logs_judge import judge_log_with
from workbench.cli.context import note, print_json, services, stderr, stdout, table
from workbench.cli.families import JsonOption
from workbench.core.errors import ValidationError

logs_app = typer.Typer(
    help="Conversation logs: import (anonymised), analyse, turn questions into datasets.",
    no_args_is_help=True,
)


@logs_app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A .jsonl or .csv log file.")],
    name: Annotated[str, typer.Option("--name", help="Log name (default: the file name).")] = "",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="generic, openai or workbench (default: detected)."),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Skip unreadable lines (listed) instead of refusing.")
    ] = False,
    redact_orders: Annotated[
        bool, typer.Option("--redact-orders", help="Replace order numbers too (kept by default).")
    ] = False,
    no_ner: Annotated[
        bool, typer.Option("--no-ner", help="Pattern recognisers only (faster; fewer names).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import a log file, anonymised before storing; re-running resumes or adds nothing."""
    svc = services(ctx)
    family = name or _family_from(path)
    cancel = threading.Event()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("checking", total=None)

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(task, description=phase, completed=done, total=total or None)

        try:
            result = import_log(
                svc.store,
                path,
                family=family,
                fmt=fmt,
                skip_bad=skip_bad,
                keep_orders=not redact_orders,
                use_ner=not no_ner,
                author=svc.current_author(),
                progress=progress,
                cancel=cancel,
            )
        except KeyboardInterrupt:
            note("Stopped; run the same command again to resume.")
            raise typer.Exit(1) from None
    if as_json:
        print_json(result.as_json())
        return
    for warning in result.warnings:
        note(f"warning: {warning}")
    for bad in result.skipped:
        note(f"skipped {path}:{bad.line}: {bad.reason}")
    if result.status == "already-imported":
        ref = result.version.ref if result.version else family
        note(f"{path.name} is already in log '{family}' ({ref}); nothing added.")
        return
    resumed = (
        f" (resumed after line {result.resumed_from_line})" if result.resumed_from_line else ""
    )
    ref = result.version.ref if result.version else family
    note(
        f"Imported {result.messages_added} new message(s) of {result.conversations} conversation(s)"
        f" into {ref}{resumed}."
    )
    if result.replacements:
        note("Anonymised: " + ", ".join(f"{n} {k}" for k, n in sorted(result.replacements.items())))


def _family_from(path: Path) -> str:
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in path.stem.lower())
    return stem.strip("-._") or "log"


@logs_app.command("list")
def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List conversation logs."""
    logs = list_logs(services(ctx).store)
    if as_json:
        print_json(
            [
                {
                    "family": i.family,
                    "version": i.version.ref if i.version else None,
                    "imports": i.imports,
                    "messages": i.messages,
                    "conversations": i.conversations,
                    "running_imports": i.running,
                }
                for i in logs
            ]
        )
        return
    out = table("log", "head", "imports", "conversations", "messages")
    for info in logs:
        head = info.version.ref if info.version else "—"
        running = f" ({info.running} unfinished)" if info.running else ""
        out.add_row(
            info.family,
            head,
            f"{info.imports}{running}",
            str(info.conversations),
            str(info.messages),
        )
    stdout.print(out)


@logs_app.command("show")
def show_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Log name.")],
    conversation: Annotated[
        str | None, typer.Argument(help="A conversation id: print its transcript.")
    ] = None,
    search: Annotated[str, typer.Option("--search", help="Full-text search (anonymised).")] = "",
    unanswered: Annotated[
        bool, typer.Option("--unanswered", help="Only conversations with unanswered turns.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", help="How many conversations.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List a log's conversations, or show one transcript."""
    store = services(ctx).store
    if conversation is None:
        found = list_conversations(
            store, name, search=search, limit=limit, unanswered_only=unanswered
        )
        if as_json:
            print_json([vars_of(s) for s in found])
            return
        out = table(
            "conversation", "started", "msgs", "unanswered", "hand-off", "rating", "first question"
        )
        for s in found:
            out.add_row(
                s.conversation,
                s.started_at or "",
                str(s.messages),
                str(s.unanswered),
                "yes" if s.handoff else "",
                "" if s.rating is None else f"{s.rating:g}",
                s.first_question[:80],
            )
        stdout.print(out)
        return
    summary, messages, turns = show_conversation(store, name, conversation)
    flagged = {t.message_id for t in turns if t.unanswered}
    if as_json:
        print_json(
            {
                "summary": vars_of(summary),
                "messages": [vars_of(m) | {"unanswered": m.id in flagged} for m in messages],
            }
        )
        return
    stdout.print(
        f"[bold]{conversation}[/bold]  {summary.messages} messages, "
        f"{summary.unanswered} unanswered, hand-off: {'yes' if summary.handoff else 'no'}",
        highlight=False,
    )
    for m in messages:
        mark = "  ✗ unanswered" if m.id in flagged else ""
        stdout.print(
            f"[dim]{m.at or ''} #{m.id}[/dim] [bold]{m.role}[/bold]: {m.text}{mark}",
            highlight=False,
        )


@logs_app.command("analyse")
def analyse_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Log name.")],
    period: Annotated[str, typer.Option("--by", help="day, week or month.")] = "week",
    clusters: Annotated[
        int | None, typer.Option("--clusters", help="Number of topics (default: by volume).")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Knowledge-base gaps to print.")] = 10,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge", help="Model config NAME[@VERSION] that decides which replies answer."
        ),
    ] = None,
    judge_budget: Annotated[
        float | None,
        typer.Option("--judge-budget", help="Stop asking the judge once this many USD are spent."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ask the judge again instead of cached answers.")
    ] = False,
    embeddings: Annotated[
        str | None,
        typer.Option(
            "--embeddings",
            help="Cluster on this model config's embeddings (anonymised text; cached) "
            "instead of TF-IDF.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """KPIs by period, topic clusters and knowledge-base gaps."""
    svc = services(ctx)
    store = svc.store
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("analysing", total=None)

        def progress(phase: str, done: int, total: int) -> None:
            bar.update(task, description=phase, completed=done, total=total or None)

        judgement = None
        if judge is not None:
            judgement = judge_log_with(
                store,
                name,
                judge,
                svc.provider_factory(),
                use_cache=not no_cache,
                budget_usd=judge_budget,
                progress=progress,
            )
        analysis = analyse_log(
            store,
            name,
            period=period,
            clusters=clusters,
            embeddings=embeddings,
            progress=progress,
            judgement=judgement,
        )
    if judgement is not None and not as_json:
        cost = "—" if judgement.cost_usd is None else f"${judgement.cost_usd:.4f}"
        note(
            f"Judge {judge}: {judgement.judged} replies decided by the judge"
            f" ({judgement.cache_hits} from the cache), {judgement.fallbacks} by the"
            f" deterministic detector after a judge failure or unreadable answer,"
            f" {judgement.over_budget} over budget; {judgement.input_tokens}"
            f" + {judgement.output_tokens} tokens, cost {cost}."
            + (f" First judge error: {judgement.errors[0]}" if judgement.errors else "")
        )
    if as_json:
        print_json(analysis_json(analysis))
        return
    rate = analysis.unanswered_turns / analysis.user_turns if analysis.user_turns else 0.0
    csat = "—" if analysis.csat is None else f"{analysis.csat:.0%}"
    stdout.print(
        f"[bold]{name}[/bold]: {analysis.conversations} conversations, {analysis.messages} "
        f"messages; containment {analysis.containment:.0%}, hand-off "
        f"{1 - analysis.containment:.0%}, unanswered {rate:.0%}, CSAT {csat}",
        highlight=False,
    )
    kpis = table(period, "conversations", "containment", "hand-off", "unanswered", "CSAT")
    for p in analysis.kpis:
        kpis.add_row(
            p.period,
            str(p.conversations),
            f"{p.containment:.0%}",
            f"{p.handoff:.0%}",
            f"{p.unanswered:.0%}",
            "—" if p.csat is None else f"{p.csat:.0%}",
        )
    stdout.print(kpis)
    gaps = table(
        "cluster",
        "questions",
        "unanswered",
        "share",
        "typical question",
        title="Knowledge-base gaps (unanswered share × volume)"
        + (f", clusters from {embeddings} embeddings" if embeddings else ""),
    )
    for c in analysis.gaps[:top]:
        gaps.add_row(
            str(c.id), str(c.size), str(c.unanswered), f"{c.unanswered_share:.0%}", c.label[:90]
        )
    stdout.print(gaps)
    note(
        f"Analysis #{analysis.analysis_id}: `workbench logs to-dataset {name} --cluster N "
        "--dataset NAME` turns a cluster into a dataset."
    )


@logs_app.command("to-dataset")
def to_dataset_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Log name.")],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset to create or version.")],
    cluster: Annotated[
        int | None, typer.Option("--cluster", help="A cluster of the latest analysis.")
    ] = None,
    message: Annotated[
        list[int] | None, typer.Option("--message", help="A message id (repeatable).")
    ] = None,
    unanswered: Annotated[
        bool, typer.Option("--unanswered", help="Only the cluster's unanswered questions.")
    ] = False,
    variable: Annotated[str, typer.Option("--var", help="Variable holding the question.")] = (
        "message"
    ),
    as_json: JsonOption = False,
) -> None:
    """Make a dataset version from customer questions (a cluster or chosen messages)."""
    if (cluster is None) == (not message):
        raise ValidationError("give --cluster N or one or more --message ID")
    svc = services(ctx)
    made = questions_to_dataset(
        svc.store,
        name,
        dataset=dataset,
        cluster=cluster,
        message_ids=list(message) if message else None,
        unanswered_only=unanswered,
        variable=variable,
        author=svc.current_author(),
    )
    if as_json:
        print_json(
            {
                "dataset": made.version.ref,
                "version_id": made.version.id,
                "created": made.created,
                "rows": made.rows,
            }
        )
        return
    verb = "New version" if made.created else "Unchanged:"
    note(f"{verb} {made.version.ref} ({made.version.short_id}), {made.rows} questions.")


@logs_app.command("to-scenarios")
def to_scenarios_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Log name.")],
    conversations_set: Annotated[
        str, typer.Option("--name", help="Conversation set to create or version.")
    ],
    cluster: Annotated[
        int | None, typer.Option("--cluster", help="A cluster of the latest analysis.")
    ] = None,
    gap: Annotated[
        int | None,
        typer.Option("--gap", help="A knowledge-base gap of the latest analysis (1 = the worst)."),
    ] = None,
    conversation: Annotated[
        list[str] | None,
        typer.Option("--conversation", "--conversations", help="A conversation id (repeatable)."),
    ] = None,
    search: Annotated[
        str, typer.Option("--search", help="Conversations matching a full-text search.")
    ] = "",
    unanswered: Annotated[
        bool,
        typer.Option("--unanswered", help="Only conversations with an unanswered question."),
    ] = False,
    shape: Annotated[
        str,
        typer.Option(
            "--shape",
            help="script: replay the customer's turns; scenario: a simulated customer opens "
            "with the first one.",
        ),
    ] = "script",
    limit: Annotated[int, typer.Option("--limit", help="Conversations at most.")] = (DEFAULT_LIMIT),
    as_json: JsonOption = False,
) -> None:
    """Make a conversation set from logged conversations (anonymised), to re-run in a simulation."""
    svc = services(ctx)
    selection = LogSelection(
        conversations=tuple(conversation or ()),
        cluster=cluster,
        gap=gap,
        search=search,
        unanswered_only=unanswered,
    )
    made = conversations_to_scenarios(
        svc.store,
        name,
        selection,
        name=conversations_set,
        shape=shape,
        author=svc.current_author(),
        limit=limit,
    )
    if as_json:
        print_json(made.as_json())
        return
    verb = "New version" if made.created else "Unchanged:"
    note(f"{verb} {made.version.ref} ({made.version.short_id}), {made.cases} {made.shape} case(s).")
    if made.shape == "script":
        note(
            f"Reference answers from the log: {made.references}; left blank to fill: "
            f"{made.blanks} (blank references are not scored)."
        )
    else:
        note(
            f"Expected facts are left to fill; hand-off left open in {made.blanks} case(s) "
            "(the others were resolved by the bot in the log)."
        )
    if made.truncated:
        note(f"{made.truncated} more conversation(s) left out (--limit {limit}).")
    if made.skipped:
        note(f"Skipped (no customer message): {', '.join(made.skipped[:10])}")
    note(
        f"Run it: `workbench simulate --conversations {made.version.ref} --prompt P --model M`; "
        f"edit it: `workbench conversations export {made.version.ref} FILE`."
    )
