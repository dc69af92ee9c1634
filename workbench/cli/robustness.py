"""Robustness in the CLI: ``--perturb`` checking, the delta table, variant diffs, ``add-noisy``.

`cli/runs.py` and `cli/scoring.py` call `print_report` / `report_json`; ``runs variants`` and
``dataset add-noisy`` are commands of their own here.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from workbench.app.robustness import (
    PerturbOptions,
    RobustnessReport,
    VariantLink,
    format_p,
    parse_perturbations,
    perturbation_help,
    robustness_report,
    variant_links,
    wants_model,
)
from workbench.app.services import Services
from workbench.cli.context import note, print_json, services, stdout, table, version_json
from workbench.cli.families import JsonOption
from workbench.core.errors import KnownError, ValidationError
from workbench.core.runs import RunSpec

if TYPE_CHECKING:  # the paraphrase machinery loads for the commands that paraphrase, not `run`
    from workbench.app.paraphrase import ParaphraseOutcome

PERTURB_HELP = (
    "Add one noisy variant of each row per perturbation, e.g. 'accents,typos:0.05,sms'"
    " (NAME[:INTENSITY 0-1]). Valid: accents, typos, letters, sms, caps, punctuation, phonetic,"
    " and paraphrase (a model rewrites each message; choose it with --perturb-model)."
)
PERTURB_MODEL_HELP = (
    "Model config NAME[@V] that writes the 'paraphrase' variants (any configured model, the"
    " embedded one included); its calls are cached and count against --budget."
)
PROGRESS_INTERVAL_S = 5.0


def check_perturb(value: str | None) -> str | None:
    """Typer callback: a usage error (exit 2) naming the valid perturbations."""
    if value is None:
        return None
    try:
        parse_perturbations(value)
    except ValidationError as error:
        raise typer.BadParameter(f"{error}\n{perturbation_help()}") from None
    return value


def perturb_options(
    perturb: str,
    seed: int,
    fields: list[str] | None,
    protect: list[str] | None,
    language: str | None,
) -> PerturbOptions:
    """The options the ``--perturb*`` flags describe."""
    return PerturbOptions(
        choices=parse_perturbations(perturb),
        seed=seed,
        fields=tuple(fields or ()),
        protected_fields=tuple(protect or ()),
        language=language,
    )


def check_model_choice(perturb: str | None, model: str | None) -> None:
    """A usage error when ``paraphrase`` has no model, or a model is given for nothing."""
    if perturb is None:
        if model is not None:
            raise typer.BadParameter("--perturb-model needs --perturb paraphrase")
        return
    options = parse_perturbations(perturb)
    chosen = any(c.kind == "paraphrase" for c in options)
    if chosen and not model:
        raise typer.BadParameter(
            "the paraphrase perturbation needs a model: add --perturb-model NAME"
            " (any configured model, e.g. the embedded smollm2-local)"
        )
    if model and not chosen:
        raise typer.BadParameter("--perturb-model is only used by --perturb paraphrase")


@contextmanager
def paraphrase_progress(
    quiet: bool,
) -> Iterator[tuple[threading.Event, Callable[[int, int], None]]]:
    """A cancel event set by Ctrl+C and a progress callback printing ``paraphrasing: 3/12
    texts`` at most every few seconds (and at the end) on stderr."""
    cancel = threading.Event()
    started = last = time.monotonic()

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        if not cancel.is_set():
            note("Cancelling the paraphrases (the ones made are kept in the cache)…")
        cancel.set()

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if quiet or (done < total and now - last < PROGRESS_INTERVAL_S) or total == 0:
            return
        if done == 0 and total:
            note(f"Paraphrasing {total} text(s)…")
            return
        last = now
        note(f"paraphrasing: {done}/{total} texts, {now - started:.0f} s")

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield cancel, progress
    finally:
        signal.signal(signal.SIGINT, previous)


def paraphrase_json(outcome: ParaphraseOutcome | None) -> dict[str, Any] | None:
    """What paraphrasing did, as JSON."""
    if outcome is None:
        return None
    return {
        "model": outcome.model,
        "texts": outcome.texts,
        "accepted": outcome.accepted,
        "fallbacks": [{"row": row, "reason": reason} for row, reason in outcome.fallbacks],
        "requests": outcome.requests,
        "cache_hits": outcome.cache_hits,
        "cost_usd": outcome.cost_usd,
    }


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_report(report: RobustnessReport, columns: set[int] | None = None) -> None:
    """The delta table, one verdict per (column, perturbation) and the rows to look at first."""
    deltas = [d for d in report.deltas if columns is None or d.column.index in columns]
    out = table(
        "#",
        "perturbation",
        "pairs",
        "pass clean",
        "pass noisy",
        "Δ points",
        "score clean→noisy",
        "McNemar p",
        "flips",
        title="Robustness: originals vs noisy variants",
    )
    for d in deltas:
        out.add_row(
            str(d.column.index),
            d.kind,
            str(d.pairs),
            _rate(d.original_pass_rate),
            _rate(d.variant_pass_rate),
            "-" if d.delta_points is None else f"{d.delta_points:+.0f}",
            f"{_score(d.original_score)}→{_score(d.variant_score)}",
            "-" if d.mcnemar is None else format_p(d.mcnemar.p_value).removeprefix("p = "),
            str(len(d.flipped)),
        )
    stdout.print(out)
    for d in deltas:
        line = f"#{d.column.index}: {d.verdict}"
        if d.flipped:
            shown = ", ".join(d.flipped[:10]) + (" …" if len(d.flipped) > 10 else "")
            line += f" — look first at: {shown}"
        stdout.print(line, highlight=False, markup=False)


def report_json(report: RobustnessReport) -> dict[str, Any]:
    """The delta as JSON."""
    return {
        "rubric_id": report.rubric_id,
        "perturbations": list(report.kinds),
        "deltas": [
            {
                "column": d.column.index,
                "perturbation": d.kind,
                "pairs": d.pairs,
                "original_pass_rate": d.original_pass_rate,
                "variant_pass_rate": d.variant_pass_rate,
                "delta_points": d.delta_points,
                "original_score": d.original_score,
                "variant_score": d.variant_score,
                "mcnemar_p": None if d.mcnemar is None else d.mcnemar.p_value,
                "flipped": list(d.flipped),
                "fixed": list(d.fixed),
                "verdict": d.verdict,
            }
            for d in report.deltas
        ],
    }


def report_for(svc: Services, run_id: int, rubric_id: str | None = None) -> RobustnessReport | None:
    """The run's delta, or None when it has no variants or no scores (said once on stderr)."""
    try:
        return robustness_report(svc.store, run_id, rubric_id)
    except KnownError as error:
        note(str(error))
        return None


def diff_text(link: VariantLink) -> Text:
    """The variant's text with removed characters as ``[-x-]`` and added ones as ``{+y+}``."""
    text = Text()
    for piece in link.diff():
        if piece.op == "equal":
            text.append(piece.text)
        elif piece.op == "delete":
            text.append(f"[-{piece.text}-]", style="red strike")
        else:
            text.append(f"{{+{piece.text}+}}", style="green bold")
    return text


def show_variants(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(metavar="RUN")],
    row: Annotated[
        str | None, typer.Option("--row", help="Only the variants of this original row.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many variants (0 = all).")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Each noisy variant of a run next to its original: a character-level diff."""
    svc = services(ctx)
    info = svc.store.get_run(run_id)
    links = [
        link
        for link in variant_links(svc.store, info.spec.dataset_id, info.spec.row_ids)
        if row is None or link.original_id == row
    ]
    if not links:
        raise KnownError(
            f"run {run_id} has no noisy variants"
            + (f" of row {row}" if row else "")
            + " (run with --perturb to add some)"
        )
    total = len(links)
    links = links[:limit] if limit else links
    if as_json:
        print_json(
            [
                {
                    "original": link.original_id,
                    "variant": link.variant_id,
                    "perturbation": link.kind,
                    "field": link.field,
                    "original_text": link.original,
                    "variant_text": link.variant,
                    "diff": [{"op": p.op, "text": p.text} for p in link.diff()],
                }
                for link in links
            ]
        )
        return
    for link in links:
        stdout.print(
            f"{link.variant_id}  ({link.kind}, {link.field})", style="bold", highlight=False
        )
        stdout.print(diff_text(link), highlight=False)
    if len(links) < total:
        note(f"… {total - len(links)} more variants (use --limit 0 to see all)")


def add_noisy(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Dataset NAME or NAME@VERSION.")],
    perturb: Annotated[str, typer.Option("--perturb", help=PERTURB_HELP, callback=check_perturb)],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the perturbations.")] = 0,
    rows: Annotated[
        str | None, typer.Option("--rows", help="Comma-separated row ids (default: all).")
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="Free-text variable to perturb (default: message, …)."),
    ] = None,
    protect: Annotated[
        list[str] | None,
        typer.Option("--protect", help="Variable whose value must stay intact, repeatable."),
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="fr or en (default: per row, detected).")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help=PERTURB_MODEL_HELP)] = None,
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Stop the paraphrases before spending more than USD.", min=0),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Ask the model again even for cached rewrites.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Save a new version of a dataset with noisy copies of its rows (tags noise:KIND)."""
    from workbench.app.paraphrase import ParaphraseSettings, add_noisy_variants_paraphrased

    svc = services(ctx)
    check_model_choice(perturb, model)
    options = perturb_options(perturb, seed, field, protect, language)
    wanted = [r.strip() for r in rows.split(",") if r.strip()] if rows else []
    settings = None
    if model is not None:
        settings = ParaphraseSettings(model, budget_usd=budget, use_cache=not no_cache)
    with paraphrase_progress(as_json) as (cancel, progress):
        result, paraphrased = add_noisy_variants_paraphrased(
            svc.store,
            ref,
            options,
            author=svc.current_author(),
            settings=settings,
            provider_factory=svc.provider_factory(),
            row_ids=wanted,
            cancel=cancel,
            progress=progress,
        )
    for message in (*(paraphrased.notes() if paraphrased else ()), *result.notes):
        note(message)
    if as_json:
        data = version_json(result.version, with_content=False)
        data.update(created=result.created, added=result.added, skipped=result.skipped)
        data["paraphrase"] = paraphrase_json(paraphrased)
        print_json(data)
        return
    skipped = f", {result.skipped} already there" if result.skipped else ""
    note(
        f"Saved {result.version.ref} ({result.version.short_id}): {result.added} noisy"
        f" variants added{skipped}."
    )


def apply_perturb(
    svc: Services,
    spec: RunSpec,
    perturb: str,
    seed: int,
    fields: list[str] | None,
    protect: list[str] | None,
    language: str | None,
    *,
    model: str | None = None,
    quiet: bool = False,
) -> RunSpec:
    """The run's spec with its noisy variants added; what was done is said once on stderr.

    With ``paraphrase``, `model` rewrites the messages first; the run's budget pays for them
    and the returned spec's budget is what is left.
    """
    from workbench.app.paraphrase import ParaphraseSettings, perturb_spec_paraphrased

    options = perturb_options(perturb, seed, fields, protect, language)
    settings = None
    if wants_model(options) and model:
        settings = ParaphraseSettings(model, use_cache=spec.use_cache)
    with paraphrase_progress(quiet) as (cancel, progress):
        made = perturb_spec_paraphrased(
            svc.store,
            spec,
            options,
            author=svc.current_author(),
            settings=settings,
            provider_factory=svc.provider_factory(),
            cancel=cancel,
            progress=progress,
        )
    perturbed = made.perturbed
    for message in made.notes:
        note(message)
    note(
        f"Perturbed {perturbed.originals} rows with {options.describe()}: {perturbed.variants}"
        f" noisy variants in {perturbed.dataset.ref}"
    )
    return perturbed.spec
