"""``score``, ``compare``, ``rubric import`` and ``review``: scoring and reviewing stored runs.

`register(app)` adds them to the root command: ``score`` and ``compare`` at the top level,
``import`` inside the existing ``rubric`` group, and the ``review`` group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from workbench.app.records import Store
from workbench.app.scoring import (
    ColumnReport,
    RunComparison,
    RunScores,
    column_report,
    judge_needed,
    no_judge_call,
    resolve_column,
    score_run,
)
from workbench.app.scoring import compare as compare_columns
from workbench.cli import robustness as robustness_cli
from workbench.cli.context import note, print_json, services, stdout, table, version_json
from workbench.cli.families import JsonOption
from workbench.core.errors import KnownError, NotFoundError, ValidationError
from workbench.core.models import Kind, ModelConfigContent, Version
from workbench.core.reviews import CellScore, PairwisePreference, Rating
from workbench.core.runs import CellResult, RunInfo, RunSpec
from workbench.scoring.stats import ColumnStats, Interval

RunArgument = Annotated[str, typer.Argument(help="Run id (or 'latest').")]
ReviewerOption = Annotated[
    str | None, typer.Option("--reviewer", help="Who reviews (default: WORKBENCH_AUTHOR).")
]


def find_run(store: Store, text: str) -> RunInfo:
    """A run by id, or the newest with ``latest``."""
    wanted = text.strip().lower()
    if wanted in {"latest", "last"}:
        runs = store.list_runs(limit=1)
        if not runs:
            raise NotFoundError("there is no run yet")
        return runs[0]
    if not wanted.isdigit():
        raise ValidationError(f"'{text}' is not a run id: give a number, or 'latest'")
    return store.get_run(int(wanted))


# --- score -----------------------------------------------------------------------------------


def score(
    ctx: typer.Context,
    run: RunArgument,
    rubric: Annotated[str, typer.Option("--rubric", help="Rubric NAME or NAME@VERSION.")],
    judge: Annotated[
        str | None,
        typer.Option("--judge", help="Model config NAME[@VERSION] that judges llm-judge criteria."),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Ask the judge again instead of reusing cached answers."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Score a stored run with a rubric version (no model is called again; a judge may be)."""
    svc = services(ctx)
    store = svc.store
    info = find_run(store, run)
    version = store.resolve(Kind.RUBRIC, rubric)
    scored = apply_rubric(svc, info.id, version, judge, use_cache=not no_cache)
    reports = column_report(store, info.id, version.id)
    if as_json:
        print_json(
            {
                "run": info.id,
                "rubric": version_json(version, with_content=False),
                "cells": len(scored.results),
                "passed": scored.passed,
                "failed": scored.failed,
                "errors": scored.errors,
                "unfinished": scored.unsettled,
                "columns": [report_json(r) for r in reports],
            }
        )
        return
    note(_score_summary(info, version, scored))
    print_reports(reports)


def judge_for(svc: Any, spec: RunSpec, judge: str | None) -> ModelConfigContent | None:
    """The judge model config a run of `spec` scores with live (``--judge``), if any."""
    if judge is None or spec.rubric_id is None:
        return None
    content: ModelConfigContent = svc.store.resolve(Kind.MODEL, judge).content_as(
        ModelConfigContent
    )
    return content


def apply_rubric(
    svc: Any,
    run_id: int,
    rubric: Version,
    judge: str | None,
    *,
    keep_stored: bool = False,
    use_cache: bool = True,
    cells: Sequence[CellResult] | None = None,
    live_scores: Sequence[CellScore] = (),
) -> RunScores:
    """Score a stored run's settled cells with `rubric`; `judge` names the llm-judge model
    (`use_cache` False asks it again rather than reading its cached answers).

    The judge is needed when the rubric, or a row's own promptfoo assertions, has an
    llm-judge criterion; its calls go through the engine's limits, retries and response cache.
    With `keep_stored`, cells already scored with `rubric` (live, during the run) are kept.
    `cells`: the run's cells when the caller has just read them; `live_scores`: the scores it
    saw stored live (neither is read back).
    """
    store = svc.store
    wanted = judge_needed(store, run_id, rubric)
    if judge is None:
        if wanted is not None:
            note(
                f"{wanted} has an llm-judge criterion and no --judge was given: the other"
                " criteria are scored, cells that need the judge are reported as errors"
                " (choose the judge model with --judge NAME)."
            )
            return score_run(
                store,
                run_id,
                rubric,
                judge_call=no_judge_call,
                keep_stored=keep_stored,
                cells=cells,
                live_scores=live_scores,
            )
        return score_run(
            store, run_id, rubric, keep_stored=keep_stored, cells=cells, live_scores=live_scores
        )
    if wanted is None:
        note(
            f"Neither rubric {rubric.ref} nor the dataset's rows have an llm-judge criterion:"
            " --judge is not used."
        )
        return score_run(
            store, run_id, rubric, keep_stored=keep_stored, cells=cells, live_scores=live_scores
        )
    judge_version = store.resolve(Kind.MODEL, judge)
    return score_run(
        store,
        run_id,
        rubric,
        judge_model=judge_version.content_as(ModelConfigContent),
        provider_factory=svc.provider_factory(),
        keep_stored=keep_stored,
        use_judge_cache=use_cache,
        cells=cells,
        live_scores=live_scores,
    )


def _score_summary(run: RunInfo, rubric: Version, scored: RunScores) -> str:
    text = (
        f"Scored {len(scored.results)} cells of run {run.id} with {rubric.ref}: "
        f"{scored.passed} passed, {scored.failed} failed"
    )
    if scored.errors:
        text += f", {scored.errors} could not be scored (errors, not counted as fails)"
    if scored.unsettled:
        text += f"; {scored.unsettled} unfinished cells left out"
    return text + "."


# --- compare ---------------------------------------------------------------------------------


def compare(
    ctx: typer.Context,
    run: RunArgument,
    column_a: Annotated[str, typer.Argument(help="Column number, or a piece of its label.")],
    column_b: Annotated[str, typer.Argument(help="Column number, or a piece of its label.")],
    rubric: Annotated[
        str | None,
        typer.Option("--rubric", help="Rubric NAME[@VERSION] (default: the one the run used)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two columns of a scored run on the rows they share, and say if they differ."""
    store = services(ctx).store
    info = find_run(store, run)
    a, b = resolve_column(info, column_a), resolve_column(info, column_b)
    version = _rubric_for(store, info, rubric)
    result = compare_columns(store, info.id, a.index, b.index, version.id)
    robustness = robustness_cli.report_for(services(ctx), info.id, version.id)
    if as_json:
        data = comparison_json(result, version)
        if robustness is not None:
            data["robustness"] = robustness_cli.report_json(robustness)
        print_json(data)
        return
    note(f"Run {info.id}, rubric {version.ref}: column {a.index} vs column {b.index}")
    out = table("", f"A: #{a.index} {a.label}", f"B: #{b.index} {b.label}")
    for name, left, right in _stat_lines(result.stats_a, result.stats_b):
        out.add_row(name, left, right)
    stdout.print(out)
    pass_fail = result.comparison.pass_fail
    if pass_fail is not None:
        stdout.print(
            f"Pass/fail on {pass_fail.pairs} pairs: both pass {pass_fail.both_pass}, only A"
            f" {pass_fail.only_a}, only B {pass_fail.only_b}, both fail {pass_fail.both_fail}"
            f" (exact McNemar p={pass_fail.p_value:.3g})",
            highlight=False,
        )
    if result.preferences is not None:
        prefs = result.preferences
        stdout.print(
            f"Reviewers: A preferred {prefs.wins_a}, B preferred {prefs.wins_b}, ties {prefs.ties}",
            highlight=False,
        )
    stdout.print(f"\n{result.verdict}", highlight=False, markup=False)
    if robustness is not None:
        robustness_cli.print_report(robustness, {a.index, b.index})


def _rubric_for(store: Store, run: RunInfo, ref: str | None) -> Version:
    """The rubric named, else the run's own, else the only one it was scored with."""
    if ref is not None:
        return store.resolve(Kind.RUBRIC, ref)
    scored = store.rubric_ids_scored(run.id)
    if run.spec.rubric_id is not None and run.spec.rubric_id in scored:
        return store.get_version(run.spec.rubric_id)
    if len(scored) == 1:
        return store.get_version(scored[0])
    if not scored:
        raise KnownError(
            f"run {run.id} has no scores yet: score it first, e.g."
            f" `workbench score {run.id} --rubric NAME`"
        )
    names = ", ".join(store.get_version(rubric_id).ref for rubric_id in scored)
    raise KnownError(
        f"run {run.id} was scored with several rubrics ({names}): choose one with --rubric"
    )


# --- rubric import ---------------------------------------------------------------------------


def import_rubric(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A rubric YAML file, or a promptfoo configuration.")],
    name: Annotated[
        str | None,
        typer.Option("--name", help="Rubric name for a promptfoo config (default: file name)."),
    ] = None,
    test: Annotated[
        str | None,
        typer.Option("--test", help="Only this promptfoo test's asserts (number or description)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import a rubric; promptfoo asserts that cannot be carried over are listed by name."""
    from workbench.app.rubric_import import import_rubric_file  # file formats: this command's

    svc = services(ctx)
    imported = import_rubric_file(
        svc.store, path, author=svc.current_author(), name=name, test=test
    )
    if as_json:
        data = version_json(imported.version)
        data.update(
            created=imported.created,
            source=imported.source,
            unsupported=list(imported.unsupported),
            notes=list(imported.notes),
        )
        print_json(data)
        return
    state = "new version" if imported.created else "unchanged"
    note(f"{imported.version.ref} ({imported.version.short_id}): {state}, from {path.name}.")
    if imported.unsupported:
        note(f"Left out ({len(imported.unsupported)} unsupported):")
        for line in imported.unsupported:
            note(f"  - {line}")
    for line in imported.notes:
        note(f"Note: {line}")


# --- review ----------------------------------------------------------------------------------

review_app = typer.Typer(help="Human reviews of run outputs.", no_args_is_help=True)


@review_app.command("rate")
def rate(
    ctx: typer.Context,
    run: RunArgument,
    row: Annotated[str, typer.Argument(help="Dataset row id.")],
    column: Annotated[str, typer.Argument(help="Column number, or a piece of its label.")],
    verdict: Annotated[
        bool | None, typer.Option("--pass/--fail", help="Pass or fail the output.")
    ] = None,
    score_value: Annotated[int | None, typer.Option("--score", help="1 to 5.")] = None,
    comment: Annotated[str, typer.Option("--comment", help="Free text.")] = "",
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="A label (repeat for several).")
    ] = None,
    repeat: Annotated[int, typer.Option("--repeat", help="Which repeat of the cell.")] = 0,
    reviewer: ReviewerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rate one output: pass/fail, a 1–5 score, a comment, tags (a new rating replaces yours)."""
    svc = services(ctx)
    info = find_run(svc.store, run)
    target = resolve_column(info, column)
    rating = svc.store.save_rating(
        Rating(
            run_id=info.id,
            row_id=row,
            column=target.index,
            repeat=repeat,
            reviewer=reviewer or svc.current_author(),
            at=datetime.now(UTC),
            passed=verdict,
            score=score_value,
            comment=comment,
            tags=tuple(tags or ()),
        )
    )
    if as_json:
        print_json(_rating_json(rating))
        return
    note(f"Saved {rating.reviewer}'s rating of run {info.id}, row {row}, column {target.index}.")


@review_app.command("prefer")
def prefer(
    ctx: typer.Context,
    run: RunArgument,
    row: Annotated[str, typer.Argument(help="Dataset row id.")],
    column_a: Annotated[str, typer.Argument(help="Column A: number or piece of label.")],
    column_b: Annotated[str, typer.Argument(help="Column B: number or piece of label.")],
    winner: Annotated[str, typer.Option("--winner", help="a, b or tie.")],
    blinded: Annotated[
        bool, typer.Option("--blinded", help="The reviewer did not know which was which.")
    ] = False,
    reviewer: ReviewerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record which of two columns' outputs a reviewer preferred on a row."""
    svc = services(ctx)
    info = find_run(svc.store, run)
    a, b = resolve_column(info, column_a), resolve_column(info, column_b)
    chosen = _winner(winner)
    svc.store.save_preference(
        PairwisePreference(
            run_id=info.id,
            row_id=row,
            column_a=a.index,
            column_b=b.index,
            winner=chosen,
            blinded=blinded,
            reviewer=reviewer or svc.current_author(),
            at=datetime.now(UTC),
        )
    )
    if as_json:
        print_json(
            {
                "run": info.id,
                "row": row,
                "column_a": a.index,
                "column_b": b.index,
                "winner": chosen,
                "blinded": blinded,
            }
        )
        return
    shown = {"a": f"column {a.index}", "b": f"column {b.index}", "tie": "a tie"}[chosen]
    note(f"Saved: on row {row}, {shown} preferred (column {a.index} vs {b.index}).")


@review_app.command("list")
def list_reviews(ctx: typer.Context, run: RunArgument, as_json: JsonOption = False) -> None:
    """List a run's ratings and pairwise preferences."""
    store = services(ctx).store
    info = find_run(store, run)
    ratings = store.ratings(info.id)
    preferences = store.preferences(info.id)
    if as_json:
        print_json(
            {
                "ratings": [_rating_json(r) for r in ratings],
                "preferences": [{**asdict(p), "at": p.at.isoformat()} for p in preferences],
            }
        )
        return
    if not ratings and not preferences:
        note(f"Run {info.id} has no reviews yet.")
        return
    out = table("row", "col", "rep", "reviewer", "verdict", "score", "tags", "comment")
    for r in ratings:
        verdict = "-" if r.passed is None else ("pass" if r.passed else "fail")
        score_text = "-" if r.score is None else str(r.score)
        out.add_row(
            r.row_id,
            str(r.column),
            str(r.repeat),
            r.reviewer,
            verdict,
            score_text,
            ", ".join(r.tags),
            r.comment,
        )
    stdout.print(out)
    if preferences:
        prefs = table("row", "A", "B", "winner", "blinded", "reviewer")
        for p in preferences:
            prefs.add_row(
                p.row_id,
                str(p.column_a),
                str(p.column_b),
                p.winner,
                "yes" if p.blinded else "no",
                p.reviewer,
            )
        stdout.print(prefs)


def _winner(text: str) -> Literal["a", "b", "tie"]:
    value = text.strip().lower()
    if value == "a":
        return "a"
    if value == "b":
        return "b"
    if value == "tie":
        return "tie"
    raise ValidationError(f"--winner must be a, b or tie, not '{text}'")


def _rating_json(rating: Rating) -> dict[str, Any]:
    data = asdict(rating)
    data["at"] = rating.at.isoformat()
    data["tags"] = list(rating.tags)
    return data


# --- shared output ---------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _interval(interval: Interval | None, *, percent: bool) -> str:
    if interval is None:
        return "-"
    if percent:
        return f"[{_percent(interval.low)}, {_percent(interval.high)}]"
    return f"[{interval.low:.2f}, {interval.high:.2f}]"


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _stat_lines(*columns: ColumnStats) -> list[tuple[str, ...]]:
    """One line per figure, one value per column."""
    return [
        ("pass rate", *(f"{_percent(s.pass_rate)} of {s.judged}" for s in columns)),
        ("95% CI", *(_interval(s.pass_interval, percent=True) for s in columns)),
        ("mean score", *(_number(s.mean_score, 2) for s in columns)),
        ("score 95% CI", *(_interval(s.score_interval, percent=False) for s in columns)),
        (
            "latency p50 / p95 ms",
            *(f"{_number(s.latency_p50_ms)} / {_number(s.latency_p95_ms)}" for s in columns),
        ),
        ("tokens in / out", *(f"{s.input_tokens} / {s.output_tokens}" for s in columns)),
        ("cost $", *("-" if s.cost_usd is None else f"{s.cost_usd:.4f}" for s in columns)),
        ("errors", *(f"{s.errors} ({_percent(s.error_rate)})" for s in columns)),
        ("unanswered", *(f"{s.unanswered} ({_percent(s.unanswered_rate)})" for s in columns)),
    ]


def print_reports(reports: list[ColumnReport]) -> None:
    """The per-column table (and repeats and calibration lines when there are some)."""
    out = table(
        "#",
        "column",
        "pass rate",
        "95% CI",
        "score",
        "p50 ms",
        "p95 ms",
        "tokens in/out",
        "cost $",
        "errors",
        "unanswered",
    )
    for report in reports:
        s = report.stats
        out.add_row(
            str(report.column.index),
            report.column.label,
            f"{_percent(s.pass_rate)} of {s.judged}",
            _interval(s.pass_interval, percent=True),
            _number(s.mean_score, 2),
            _number(s.latency_p50_ms),
            _number(s.latency_p95_ms),
            f"{s.input_tokens}/{s.output_tokens}",
            "-" if s.cost_usd is None else f"{s.cost_usd:.4f}",
            f"{s.errors}",
            f"{s.unanswered}",
        )
    stdout.print(out)
    if any(report.stats.unanswered for report in reports):
        stdout.print(
            "unanswered: answered cells whose reply declines, deflects or hands the question"
            " off instead of answering it (README: Scores you can trust).",
            highlight=False,
            markup=False,
        )
    for report in reports:
        if report.repeats is not None:
            r = report.repeats
            flaky = ", ".join(r.flaky_rows[:8]) or "none"
            stdout.print(
                f"#{report.column.index}: pass@{r.k} {_percent(r.mean_pass_at_k)},"
                f" pass^{r.k} {_percent(r.mean_pass_hat_k)}, flaky rows: {flaky}",
                highlight=False,
                markup=False,
            )
        for name, agreement in report.agreement.items():
            kappa = "-" if agreement.kappa is None else f"{agreement.kappa:.2f}"
            stdout.print(
                f"#{report.column.index}: {name} vs human ratings on {agreement.items} items:"
                f" agreement {_percent(agreement.observed)}, Cohen's kappa {kappa}",
                highlight=False,
                markup=False,
            )


def report_json(report: ColumnReport) -> dict[str, Any]:
    """A column report as JSON."""
    return {
        "column": report.column.model_dump(mode="json"),
        "scored": report.scored,
        "stats": asdict(report.stats),
        "repeats": None if report.repeats is None else asdict(report.repeats),
        "agreement": {name: asdict(value) for name, value in report.agreement.items()},
    }


def comparison_json(result: RunComparison, rubric: Version) -> dict[str, Any]:
    """A comparison as JSON."""
    return {
        "run": result.run_id,
        "rubric": version_json(rubric, with_content=False),
        "column_a": result.column_a.model_dump(mode="json"),
        "column_b": result.column_b.model_dump(mode="json"),
        "stats_a": asdict(result.stats_a),
        "stats_b": asdict(result.stats_b),
        "rows": result.comparison.rows,
        "pass_fail": None
        if result.comparison.pass_fail is None
        else {
            **asdict(result.comparison.pass_fail),
            "discordant": result.comparison.pass_fail.discordant,
        },
        "scores": None if result.comparison.scores is None else asdict(result.comparison.scores),
        "preferences": None if result.preferences is None else asdict(result.preferences),
        "verdict": result.verdict,
    }


def register(app: typer.Typer) -> None:
    """Add ``score``, ``compare``, ``rubric import`` and ``review`` to the root command.

    The ``rubric`` group must already be registered (it gets the ``import`` sub-command).
    """
    app.command("score")(score)
    app.command("compare")(compare)
    rubric_groups = [g.typer_instance for g in app.registered_groups if g.name == "rubric"]
    if not rubric_groups or rubric_groups[0] is None:
        raise RuntimeError("register the 'rubric' group before the scoring commands")
    rubric_groups[0].command("import")(import_rubric)
    app.add_typer(review_app, name="review")
