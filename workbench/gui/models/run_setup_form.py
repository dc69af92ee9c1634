"""What the run setup dialog chose, checked field by field, and its estimate — without any Qt.

`check_choices` runs on a worker thread with its own store: it resolves every name, applies the
row selection, and asks the engine for the number of calls and the estimated cost. Each problem
is reported under the field it belongs to, so the dialog can show it next to that field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from workbench.app.defaults import RUN_CONCURRENCY
from workbench.app.robustness import (
    PerturbOptions,
    parse_perturbations,
    preview_variants,
    wants_model,
)
from workbench.app.run_execution import Estimate, estimate_only
from workbench.app.runs import RowSelection, build_spec
from workbench.app.setup_checks import FieldProblems, comparison_name, selection
from workbench.core.errors import KnownError, ValidationError
from workbench.core.models import (
    DatasetContent,
    Kind,
    ModelConfigContent,
    RubricContent,
    Version,
)
from workbench.core.runs import RunSpec
from workbench.scoring.rubric import needs_judge

if TYPE_CHECKING:
    from workbench.app.records import Store

RowMode = Literal["all", "tag", "sample"]
FIELDS = (
    "prompts",
    "personas",
    "models",
    "dataset",
    "rows",
    "rubric",
    "judge",
    "name",
    "perturb",
    "general",
)


@dataclass(frozen=True)
class RunChoices:
    """Everything the run setup dialog lets a person choose.

    Attributes:
        prompts / personas / models: ``family@vN`` addresses (no persona: one persona-less
            variant).
        dataset: a dataset family or ``family@vN``.
        row_mode: all rows, the rows with `tag`, or a random `sample` drawn with `seed`.
        rubric: scores each cell as it finishes (None: no scoring).
        judge_model: the model config that answers the rubric's LLM-judge criteria.
        budget_usd: the run stops before spending more (None: no budget).
        perturb: noisy variants to add per row, e.g. ``accents,typos:0.05,sms`` (empty: none),
            drawn with `perturb_seed`.
    """

    prompts: tuple[str, ...] = ()
    personas: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    dataset: str | None = None
    row_mode: RowMode = "all"
    tag: str | None = None
    sample: int = 10
    seed: int = 0
    rubric: str | None = None
    judge_model: str | None = None
    repeats: int = 1
    concurrency: int = RUN_CONCURRENCY
    budget_usd: float | None = None
    use_cache: bool = True
    name: str = ""
    perturb: str = ""
    perturb_seed: int = 0

    def row_selection(self) -> RowSelection:
        """The rows to run as the app layer's `RowSelection`."""
        return selection(RowSelection, self.row_mode, self.tag, self.sample, self.seed)

    def default_name(self) -> str:
        """A name saying what is compared, for when the user gave none."""
        return comparison_name(self.prompts, self.personas, "persona", self.dataset)


@dataclass(frozen=True)
class SetupCheck:
    """The outcome of checking a `RunChoices`.

    Attributes:
        spec: the run to create, when nothing is wrong.
        estimate: its number of calls and estimated cost.
        problems: field name (see `FIELDS`) → what is wrong, in words.
        judge: the judge's model config, when the rubric needs one.
        rows: how many dataset rows the run covers.
        perturb: the noisy variants to add when the run starts (None: none).
        variants: how many variant rows that adds; `perturb_notes` what to tell the user.
    """

    spec: RunSpec | None = None
    estimate: Estimate | None = None
    problems: dict[str, str] = field(default_factory=dict)
    judge: ModelConfigContent | None = None
    rows: int = 0
    perturb: PerturbOptions | None = None
    variants: int = 0
    perturb_notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the run can start."""
        return self.spec is not None and not self.problems


def check_choices(store: Store, choices: RunChoices) -> SetupCheck:
    """Resolve and estimate `choices`; every problem is named under its field."""
    found_problems = FieldProblems(first_wins=False)
    problems, attempt = found_problems.problems, found_problems.attempt
    found_problems.check_columns(store, choices.prompts, choices.personas, choices.models)
    rows = 0
    if choices.dataset is None:
        problems["dataset"] = "Choose a dataset."
    else:
        dataset = attempt("dataset", lambda: store.resolve(Kind.DATASET, choices.dataset or ""))
        if dataset is not None:
            rows = _check_rows(dataset, choices, problems)
    judge = _check_rubric(store, choices, problems)
    if choices.row_mode == "sample" and choices.sample < 1:
        problems["rows"] = "A sample needs at least one row."
    perturb = attempt("perturb", lambda: _perturb_options(choices))
    if problems:
        return SetupCheck(problems=problems, rows=rows)
    try:
        spec = build_spec(
            store,
            prompts=choices.prompts,
            personas=choices.personas,
            models=choices.models,
            dataset=choices.dataset or "",
            rows=choices.row_selection(),
            repeats=choices.repeats,
            concurrency=choices.concurrency,
            budget_usd=choices.budget_usd,
            use_cache=choices.use_cache,
            rubric=choices.rubric,
        )
        estimate = estimate_only(store, spec)
    except KnownError as error:
        return SetupCheck(problems={"general": str(error)}, rows=rows)
    variants = 0
    notes: tuple[str, ...] = ()
    if isinstance(perturb, PerturbOptions):
        preview = preview_variants(store, spec, perturb)
        variants, notes = preview.variants, preview.notes
        if not variants:
            problems["perturb"] = "No chosen row has free text to perturb. " + " ".join(notes)
    cost = estimate.cost_usd * (1 + variants / rows) if rows else estimate.cost_usd
    if choices.budget_usd is not None and cost > choices.budget_usd:
        problems["general"] = (
            f"The estimated cost ${cost:.4f} is above the budget"
            f" ${choices.budget_usd:.4f}: raise the budget or run fewer rows."
        )
    options = perturb if isinstance(perturb, PerturbOptions) else None
    return SetupCheck(spec, estimate, problems, judge, rows, options, variants, notes)


def _perturb_options(choices: RunChoices) -> PerturbOptions | None:
    if not choices.perturb.strip():
        return None
    options = PerturbOptions(parse_perturbations(choices.perturb), seed=choices.perturb_seed)
    if wants_model(options):
        raise ValidationError(
            "paraphrase needs a model: make the paraphrases with the dataset's"
            ' "Add noisy variants…" action (it asks a model), then run that dataset version'
        )
    return options


def _check_rows(dataset: object, choices: RunChoices, problems: dict[str, str]) -> int:
    assert isinstance(dataset, Version)
    content = dataset.content_as(DatasetContent)
    if choices.row_mode == "tag" and not (choices.tag or "").strip():
        problems["rows"] = "Choose a tag."
        return 0
    try:
        ids = choices.row_selection().apply(content, dataset.ref)
    except KnownError as error:
        problems["rows"] = str(error)
        return 0
    return len(content.rows) if ids is None else len(ids)


def _check_rubric(
    store: Store, choices: RunChoices, problems: dict[str, str]
) -> ModelConfigContent | None:
    if choices.rubric is None:
        return None
    try:
        rubric = store.resolve(Kind.RUBRIC, choices.rubric)
    except KnownError as error:
        problems["rubric"] = str(error)
        return None
    if not needs_judge(rubric.content_as(RubricContent)):
        return None
    if choices.judge_model is None:
        problems["judge"] = f"{rubric.ref} has an LLM judge: choose the model that judges."
        return None
    try:
        judge = store.resolve(Kind.MODEL, choices.judge_model)
    except KnownError as error:
        problems["judge"] = str(error)
        return None
    return judge.content_as(ModelConfigContent)


def dataset_tags(store: Store, dataset: str) -> list[str]:
    """The tags used in a dataset's rows, most frequent first."""
    counts: dict[str, int] = {}
    version = store.resolve(Kind.DATASET, dataset)
    for row in version.content_as(DatasetContent).rows:
        for tag in row.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts, key=lambda t: (-counts[t], t))


def describe_estimate(check: SetupCheck) -> str:
    """The estimate in words, for the dialog."""
    estimate = check.estimate
    if estimate is None:
        return ""
    approx = "~" if estimate.tokens_estimated else ""
    parts = [
        f"<b>{estimate.calls} call{'s' if estimate.calls != 1 else ''}</b>"
        f" ({check.rows} row{'s' if check.rows != 1 else ''})",
        f"{approx}{estimate.input_tokens:,} input tokens",
        f"≤ {estimate.output_tokens_assumed:,} output tokens",
        "<b>free (no priced model)</b>"
        if estimate.cost_usd == 0 and not estimate.unpriced_models
        else f"<b>estimated ${estimate.cost_usd:.4f}</b>",
    ]
    text = " · ".join(parts)
    extras = []
    if estimate.cached_cells:
        extras.append(f"{estimate.cached_cells} answer(s) already in the cache (free)")
    if estimate.unpriced_models:
        extras.append(f"no price known for {', '.join(estimate.unpriced_models)}")
    if estimate.render_errors:
        extras.append(f"{estimate.render_errors} cell(s) will fail to render")
    if check.variants:
        per_row = estimate.calls / check.rows if check.rows else 0
        extras.append(
            f"<b>+ {check.variants} noisy variant row(s)</b>, about {per_row * check.variants:.0f}"
            " more call(s) (the estimate above is for the clean rows)"
        )
    extras.extend(check.perturb_notes)
    if extras:
        text += "<br/>" + "; ".join(extras)
    return text
