"""Robustness to how customers really write: noisy variants of rows, and the delta they cost.

Both front ends use these use cases:

- `perturb_spec`: a run spec on clean rows becomes one on the same rows plus, per row, one
  variant per perturbation. The variants live in a new version of the dataset family
  ``<dataset>.noisy`` (the selected originals unchanged, variants tagged ``noise:<kind>`` and
  ``variant-of:<row>``), so they are stored, content-hashed and referenced by the run like any
  dataset version; the original dataset and its head are never touched.
- `robustness_report`: per column and perturbation, pass rate and mean score on the originals
  vs their variants, the paired exact McNemar test, the rows that flip from pass to fail and a
  plain-words verdict. Works for any run whose dataset holds linked variants — made by a run's
  ``--perturb`` or kept in a dataset with `add_noisy_variants`.
- `add_noisy_variants`: the dataset action — a new version of the same dataset with the
  variants added, so a team can curate and keep them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import DatasetContent, DatasetRow, Kind, Version
from workbench.core.perturb import (
    ALL_PERTURBATIONS,
    MODEL_PERTURBATIONS,
    PerturbationChoice,
    Rewrites,
    RowRewrite,
    VariantSet,
    char_diff,
    format_perturbations,
    make_variants,
    noise_of,
    original_of,
    parse_perturbations,
    perturbation_names,
    text_fields,
)
from workbench.core.perturb.chardiff import DiffPiece
from workbench.core.runs import CellStatus, Column, RunSpec

if TYPE_CHECKING:  # the statistics (numpy) and the store load when a report is made
    from workbench.scoring.stats import CellRecord, McNemar
    from workbench.store import Store

NOISY_SUFFIX = ".noisy"
_SETTLED = (CellStatus.OK, CellStatus.ERROR, CellStatus.CANCELLED)


@dataclass(frozen=True)
class PerturbOptions:
    """What to perturb, how, and what to keep.

    Attributes:
        choices: the perturbations with their intensities (see `parse_perturbations`).
        seed: the same seed gives the same variants (and the same dataset version).
        fields: free-text variables to perturb; empty for the usual message variable.
        protected_fields: variables whose values must stay intact, even inside the free text.
        language: ``fr``/``en`` for every row; None to take it from each row (tag, variable)
            or detect it.
    """

    choices: tuple[PerturbationChoice, ...]
    seed: int = 0
    fields: tuple[str, ...] = ()
    protected_fields: tuple[str, ...] = ()
    language: str | None = None

    def describe(self) -> str:
        """``accents,typos:0.05 (seed 3)`` for notes and logs."""
        extra = f", fields {', '.join(self.fields)}" if self.fields else ""
        kept = f", protected {', '.join(self.protected_fields)}" if self.protected_fields else ""
        return f"{format_perturbations(self.choices)} (seed {self.seed}{extra}{kept})"


@dataclass(frozen=True)
class PerturbedSpec:
    """A spec extended with variants, and what the user should be told once."""

    spec: RunSpec
    dataset: Version
    originals: int
    variants: int
    notes: tuple[str, ...]


def wants_model(options: PerturbOptions) -> bool:
    """Whether `options` hold a perturbation a model must make (``paraphrase``)."""
    return any(c.kind in MODEL_PERTURBATIONS for c in options.choices)


def noisy_family(name: str) -> str:
    """The family that keeps the variants a run made from dataset `name`."""
    return f"{name[: 80 - len(NOISY_SUFFIX)]}{NOISY_SUFFIX}"


def perturb_spec(
    store: Store,
    spec: RunSpec,
    options: PerturbOptions,
    *,
    author: str,
    rewrites: Rewrites | None = None,
) -> PerturbedSpec:
    """`spec` on its rows plus one variant per row and perturbation (see the module docstring).

    A model-made perturbation (``paraphrase``) takes its texts from `rewrites`, made through
    the engine beforehand (`workbench.app.paraphrase.perturb_spec_paraphrased` does both).

    Raises:
        ValidationError: no perturbation chosen, or no selected row has free text to perturb.
    """
    if not options.choices:
        raise ValidationError("choose at least one perturbation")
    source = store.get_version(spec.dataset_id)
    assert isinstance(source.content, DatasetContent)
    selected = selected_rows(source, spec)
    made = _variants(
        selected, options, reserved=[row.id for row in source.content.rows], rewrites=rewrites
    )
    if not made.variants:
        raise ValidationError("no selected row has free text to perturb; " + " ".join(made.notes))
    # The selected originals, each followed by its variants: a run on 20 rows of a big dataset
    # stores 20 originals and their variants, not a copy of the whole dataset.
    rows = list(made.rows)
    content = DatasetContent(description=source.content.description, rows=tuple(rows))
    saved = store.save_version(
        Kind.DATASET,
        noisy_family(source.family),
        content,
        author=author,
        note=f"variants of {source.ref}: {options.describe()}",
    )
    run_rows = tuple(r.id for r in rows)
    new_spec = spec.model_copy(update={"dataset_id": saved.version.id, "row_ids": run_rows})
    return PerturbedSpec(
        spec=new_spec,
        dataset=saved.version,
        originals=len(selected),
        variants=len(made.variants),
        notes=made.notes,
    )


@dataclass(frozen=True)
class VariantPreview:
    """How many variants `perturb_spec` would add, without writing anything."""

    originals: int
    variants: int
    notes: tuple[str, ...]


def preview_variants(store: Store, spec: RunSpec, options: PerturbOptions) -> VariantPreview:
    """What `perturb_spec` would do to `spec` (for a setup dialog's estimate); no write.

    A model-made perturbation is counted as if every text were rewritten (no model is asked).
    """
    source = store.get_version(spec.dataset_id)
    selected = selected_rows(source, spec)
    placeholders: dict[str, dict[str, RowRewrite]] = {
        c.kind: {row.id: RowRewrite({}) for row in selected}
        for c in options.choices
        if c.kind in MODEL_PERTURBATIONS
    }
    made = _variants(selected, options, rewrites=placeholders)
    return VariantPreview(len(selected), len(made.variants), made.notes)


def selected_rows(source: Version, spec: RunSpec) -> list[DatasetRow]:
    """The original rows of dataset version `source` that `spec` selects."""
    assert isinstance(source.content, DatasetContent)
    wanted = None if spec.row_ids is None else set(spec.row_ids)
    return [
        row
        for row in source.content.rows
        if (wanted is None or row.id in wanted) and original_of(row) is None
    ]


def _variants(
    rows: Sequence[DatasetRow],
    options: PerturbOptions,
    *,
    reserved: Sequence[str] = (),
    rewrites: Rewrites | None = None,
) -> VariantSet:
    return make_variants(
        rows,
        options.choices,
        seed=options.seed,
        fields=options.fields,
        protected_fields=options.protected_fields,
        language=options.language,
        reserved_ids=reserved,
        rewrites=rewrites,
    )


@dataclass(frozen=True)
class NoisyVariantsResult:
    """What `add_noisy_variants` did: the new version (or the existing one) and its counts."""

    version: Version
    created: bool
    added: int
    skipped: int
    notes: tuple[str, ...]


def add_noisy_variants(
    store: Store,
    dataset: str,
    options: PerturbOptions,
    *,
    author: str,
    row_ids: Sequence[str] = (),
    rewrites: Rewrites | None = None,
) -> NoisyVariantsResult:
    """A new version of `dataset` with perturbed copies of its rows (tags ``noise:<kind>``).

    Rows that already have a variant of a chosen kind are skipped for that kind, so the action
    can be repeated. The original rows stay exactly as they were. A model-made perturbation
    takes its texts from `rewrites` (see `workbench.app.paraphrase`).
    """
    if not options.choices:
        raise ValidationError("choose at least one perturbation")
    source = store.resolve(Kind.DATASET, dataset)
    assert isinstance(source.content, DatasetContent)
    existing = {
        (original_of(r), noise_of(r)) for r in source.content.rows if original_of(r) is not None
    }
    known = {row.id for row in source.content.rows}
    originals = noisy_candidates(source, row_ids)
    made = _variants(originals, options, reserved=sorted(known), rewrites=rewrites)
    fresh = [v for v in made.variants if (original_of(v), noise_of(v)) not in existing]
    skipped = len(made.variants) - len(fresh)
    if not fresh:
        raise ValidationError(
            f"dataset {source.ref} already has these variants, or no row has free text to"
            " perturb" + ("; " + " ".join(made.notes) if made.notes else "")
        )
    by_original: dict[str, list[DatasetRow]] = defaultdict(list)
    for variant in fresh:
        by_original[original_of(variant) or ""].append(variant)
    rows: list[DatasetRow] = []
    for row in source.content.rows:
        rows.append(row)
        rows.extend(by_original.get(row.id, ()))
    content = DatasetContent(description=source.content.description, rows=tuple(rows))
    saved = store.save_version(
        Kind.DATASET,
        source.family,
        content,
        author=author,
        note=f"noisy variants: {options.describe()}",
        parent_id=source.id,
    )
    return NoisyVariantsResult(saved.version, saved.created, len(fresh), skipped, made.notes)


def noisy_candidates(source: Version, row_ids: Sequence[str] = ()) -> list[DatasetRow]:
    """The original rows of dataset version `source` the dataset action perturbs (`row_ids`,
    or all).

    Raises:
        NotFoundError: a row id the version does not have.
    """
    assert isinstance(source.content, DatasetContent)
    known = {row.id for row in source.content.rows}
    unknown = [i for i in row_ids if i not in known]
    if unknown:
        raise NotFoundError(f"dataset {source.ref} has no row {', '.join(unknown)}")
    return [
        row
        for row in source.content.rows
        if original_of(row) is None and (not row_ids or row.id in row_ids)
    ]


# --- the delta ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerturbationDelta:
    """Originals vs their `kind` variants in one column.

    Attributes:
        pairs: judged (original, variant) cell pairs (errors left out).
        original_pass_rate / variant_pass_rate: over those pairs; None without pairs.
        original_score / variant_score: mean rubric score over pairs with both scores.
        mcnemar: exact McNemar on the pairs (``only_a`` = pass→fail flips).
        flipped: original row ids that pass clean and fail noisy — look at these first.
        fixed: original row ids that fail clean and pass noisy.
        verdict: one plain sentence.
    """

    column: Column
    kind: str
    pairs: int
    original_pass_rate: float | None
    variant_pass_rate: float | None
    original_score: float | None
    variant_score: float | None
    mcnemar: McNemar | None
    flipped: tuple[str, ...]
    fixed: tuple[str, ...]
    verdict: str

    @property
    def delta_points(self) -> float | None:
        """Variant minus original pass rate, in percentage points."""
        if self.original_pass_rate is None or self.variant_pass_rate is None:
            return None
        return 100 * (self.variant_pass_rate - self.original_pass_rate)


@dataclass(frozen=True)
class VariantLink:
    """A variant row, its original and what changed in the free text."""

    original_id: str
    variant_id: str
    kind: str
    field: str
    original: str
    variant: str

    def diff(self) -> list[DiffPiece]:
        """Character-level pieces from the original text to the variant's."""
        return char_diff(self.original, self.variant)


@dataclass(frozen=True)
class RobustnessReport:
    """A run's robustness delta under one rubric version."""

    run_id: int
    rubric_id: str
    kinds: tuple[str, ...]
    deltas: tuple[PerturbationDelta, ...]
    links: tuple[VariantLink, ...] = field(default=())

    def for_column(self, index: int) -> list[PerturbationDelta]:
        """The deltas of column `index`, in perturbation order."""
        return [d for d in self.deltas if d.column.index == index]

    def gate(self, fail_under: float) -> list[str]:
        """Descriptions of the (column, perturbation) pass rates below `fail_under`."""
        return [
            f"#{d.column.index} {d.column.label} under {d.kind}: pass rate "
            + ("unknown" if d.variant_pass_rate is None else f"{d.variant_pass_rate:.0%}")
            for d in self.deltas
            if d.variant_pass_rate is None or d.variant_pass_rate < fail_under
        ]


def variant_links(
    store: Store, dataset_id: str, row_ids: Sequence[str] | None = None
) -> list[VariantLink]:
    """Each variant row of a dataset version (among `row_ids`) with its original's text."""
    version = store.get_version(dataset_id)
    assert isinstance(version.content, DatasetContent)
    rows = {row.id: row for row in version.content.rows}
    wanted = None if row_ids is None else set(row_ids)
    links = []
    for row in version.content.rows:
        source_id = original_of(row)
        if (
            source_id is None
            or source_id not in rows
            or (wanted is not None and row.id not in wanted)
        ):
            continue
        source = rows[source_id]
        names = [n for n in row.vars if row.vars[n] != source.vars.get(n)] or list(
            text_fields(source)
        )
        for name in names[:1] or [""]:
            links.append(
                VariantLink(
                    original_id=source_id,
                    variant_id=row.id,
                    kind=noise_of(row) or "?",
                    field=name,
                    original=_as_text(source.vars.get(name, "")),
                    variant=_as_text(row.vars.get(name, "")),
                )
            )
    return links


def _as_text(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(
            str(t.get("content", ""))
            for t in value
            if isinstance(t, dict) and t.get("role") == "user"
        )
    return "" if value is None else str(value)


def has_variants(store: Store, run_id: int) -> bool:
    """Whether a run's rows include variants linked to originals it also ran."""
    run = store.get_run(run_id)
    return bool(variant_links(store, run.spec.dataset_id, run.spec.row_ids))


def robustness_rubric(store: Store, run_id: int) -> str | None:
    """The rubric version to report with: the run's own, else the last one it was scored with."""
    run = store.get_run(run_id)
    scored = store.rubric_ids_scored(run_id)
    if run.spec.rubric_id and run.spec.rubric_id in scored:
        return run.spec.rubric_id
    return scored[-1] if scored else None


def robustness_report(
    store: Store, run_id: int, rubric_id: str | None = None, *, seed: int = 0
) -> RobustnessReport | None:
    """The robustness delta of a run, or None when it ran no variants.

    Raises:
        NotFoundError: the run has variants but no score of the rubric (none given and none
            stored).
    """
    run = store.get_run(run_id)
    links = variant_links(store, run.spec.dataset_id, run.spec.row_ids)
    if not links:
        return None
    rubric_id = rubric_id or robustness_rubric(store, run_id)
    if rubric_id is None:
        raise NotFoundError(
            f"run {run_id} has noisy variants but no scores yet: score it with a rubric"
            " (workbench score RUN --rubric NAME) to see its robustness delta"
        )
    from workbench.app.scoring import from_cell_score
    from workbench.scoring.stats import cell_record

    scores = {s.key: s for s in store.scores(run_id, rubric_id)}
    records: dict[tuple[int, str], list[CellRecord]] = defaultdict(list)
    for cell in store.cells(run_id, _SETTLED):
        stored = scores.get(cell.key)
        result = None if stored is None else from_cell_score(stored)
        records[(cell.key.column, cell.key.row_id)].append(cell_record(cell, result))
    kinds = tuple(dict.fromkeys(link.kind for link in links))
    deltas = []
    for column in run.columns:
        for kind in kinds:
            pairs = [(link.original_id, link.variant_id) for link in links if link.kind == kind]
            deltas.append(_delta(column, kind, pairs, records, seed))
    return RobustnessReport(run_id, rubric_id, kinds, tuple(deltas), tuple(links))


def _delta(
    column: Column,
    kind: str,
    pairs: Sequence[tuple[str, str]],
    records: dict[tuple[int, str], list[CellRecord]],
    seed: int,
) -> PerturbationDelta:
    originals: list[CellRecord] = []
    variants: list[CellRecord] = []
    for original_id, variant_id in pairs:
        originals.extend(records.get((column.index, original_id), ()))
        # Pair each variant cell with its original's cell of the same repeat.
        variants.extend(
            replace(r, row_id=original_id) for r in records.get((column.index, variant_id), ())
        )
    from workbench.scoring.stats import compare_columns

    comparison = compare_columns(originals, variants, label_a="originals", label_b=kind, seed=seed)
    test = comparison.pass_fail
    by_key = {(r.row_id, r.repeat): r for r in variants if not r.error}
    flipped: list[str] = []
    fixed: list[str] = []
    for record in originals:
        other = by_key.get((record.row_id, record.repeat))
        if record.error or other is None or record.passed is None or other.passed is None:
            continue
        if record.passed and not other.passed and record.row_id not in flipped:
            flipped.append(record.row_id)
        if other.passed and not record.passed and record.row_id not in fixed:
            fixed.append(record.row_id)
    rate_a = rate_b = None
    if test is not None and test.pairs:
        rate_a = (test.both_pass + test.only_a) / test.pairs
        rate_b = (test.both_pass + test.only_b) / test.pairs
    paired_scores = [
        (r.score, by_key[(r.row_id, r.repeat)].score)
        for r in originals
        if not r.error
        and (r.row_id, r.repeat) in by_key
        and r.score is not None
        and by_key[(r.row_id, r.repeat)].score is not None
    ]
    score_a = score_b = None
    if paired_scores:
        score_a = sum(a for a, _ in paired_scores if a is not None) / len(paired_scores)
        score_b = sum(b for _, b in paired_scores if b is not None) / len(paired_scores)
    return PerturbationDelta(
        column=column,
        kind=kind,
        pairs=0 if test is None else test.pairs,
        original_pass_rate=rate_a,
        variant_pass_rate=rate_b,
        original_score=score_a,
        variant_score=score_b,
        mcnemar=test,
        flipped=tuple(flipped),
        fixed=tuple(fixed),
        verdict=robustness_verdict(kind, rate_a, rate_b, test, len(flipped)),
    )


def format_p(p: float) -> str:
    """``p = 0.003``, ``p < 0.001``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3g}"


def robustness_verdict(
    kind: str,
    rate_original: float | None,
    rate_variant: float | None,
    test: McNemar | None,
    flipped: int,
) -> str:
    """One plain sentence: ``typos cost 12 points of pass rate (83% → 71%), p = 0.003; 9 rows
    flip pass→fail``."""
    if test is None or rate_original is None or rate_variant is None:
        return f"{kind}: no scored pairs of originals and variants to compare"
    points = round(100 * (rate_original - rate_variant))
    rates = f"({rate_original:.0%} → {rate_variant:.0%} on {test.pairs} pairs)"
    if points > 0:
        effect = f"{kind} cost {points} point{'s' if points != 1 else ''} of pass rate {rates}"
    elif points < 0:
        effect = f"{kind} gained {-points} point{'s' if points != -1 else ''} of pass rate {rates}"
    else:
        effect = f"{kind} left the pass rate unchanged {rates}"
    significance = format_p(test.p_value)
    if test.p_value >= 0.05 and points != 0:
        significance += ", not significant"
    flips = f"{flipped} row{'s' if flipped != 1 else ''} flip{'' if flipped != 1 else 's'}"
    return f"{effect}, {significance}; {flips} pass→fail"


def perturbation_help() -> str:
    """One line per perturbation with its default intensity, for help texts and the GUI."""
    return "\n".join(
        f"{p.name} (default {p.default_intensity:g}): {p.description}"
        for p in ALL_PERTURBATIONS.values()
    )


__all__ = [
    "ALL_PERTURBATIONS",
    "MODEL_PERTURBATIONS",
    "DiffPiece",
    "NoisyVariantsResult",
    "PerturbOptions",
    "PerturbationChoice",
    "PerturbationDelta",
    "PerturbedSpec",
    "RobustnessReport",
    "RobustnessView",
    "VariantLink",
    "VariantPreview",
    "add_noisy_variants",
    "format_p",
    "format_perturbations",
    "has_variants",
    "load_robustness_view",
    "noisy_candidates",
    "noisy_family",
    "parse_perturbations",
    "perturb_spec",
    "perturbation_help",
    "perturbation_names",
    "preview_variants",
    "robustness_report",
    "robustness_rubric",
    "robustness_verdict",
    "selected_rows",
    "variant_links",
    "wants_model",
]


@dataclass(frozen=True)
class RobustnessView:
    """Everything a robustness view shows for one run, read in one go (off the GUI thread).

    Attributes:
        report: the delta, or None with `message` saying why (no variants, no scores).
        columns: the run's columns.
        verdicts: (row id, column) → pass/fail of the first repeat (None: not scored or error).
    """

    run_id: int
    report: RobustnessReport | None
    message: str
    columns: tuple[Column, ...]
    verdicts: dict[tuple[str, int], bool | None]


def load_robustness_view(store: Store, run_id: int) -> RobustnessView:
    """The data of a robustness view of run `run_id`."""
    run = store.get_run(run_id)
    try:
        report = robustness_report(store, run_id)
    except NotFoundError as error:
        return RobustnessView(run_id, None, str(error), run.columns, {})
    if report is None:
        return RobustnessView(
            run_id,
            None,
            f"Run {run_id} has no noisy variants: start a run with perturbations chosen in the"
            " run setup, or run a dataset that has noisy variants.",
            run.columns,
            {},
        )
    from workbench.app.scoring import from_cell_score
    from workbench.scoring.stats import cell_record

    scores = {s.key: s for s in store.scores(run_id, report.rubric_id)}
    verdicts: dict[tuple[str, int], bool | None] = {}
    for cell in store.cells(run_id, _SETTLED):
        if cell.key.repeat != 0:
            continue
        stored = scores.get(cell.key)
        result = None if stored is None else from_cell_score(stored)
        verdicts[(cell.key.row_id, cell.key.column)] = cell_record(cell, result).passed
    return RobustnessView(run_id, report, "", run.columns, verdicts)
