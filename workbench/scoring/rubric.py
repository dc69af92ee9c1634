"""Score one output with a whole rubric.

The score is the weighted mean of the criteria that apply (not-applicable ones, such as a
similarity check on a row without an expected answer, are left out), and the output passes when
that score reaches the rubric's threshold. A criterion with weight 0 is reported but does not
count, even when it fails (promptfoo treats weight-0 assertions the same way). Outcomes other
than pass and fail:

* the cell itself did not complete (status ``error``, ``cancelled``...) → an ERROR result;
* any criterion could not be evaluated (a judge failure) → the whole result is an ERROR
  (``passed`` and ``score`` None, ``error`` naming the criterion), because a score computed
  without it would not be the rubric's score; the other criteria's results are still listed;
* no criterion applies → ``passed`` and ``score`` None with no error (nothing to judge);
* a criterion marked ``required: true`` failed → the output fails whatever the mean (see
  `workbench.scoring.gates`); the score is still the weighted mean.
* a rubric with no criteria at all passes with score 1.0, as promptfoo passes a test without
  assertions.

A badly configured rubric (unknown kind, missing value, bad regex) raises
`CriterionConfigError`: that is the rubric author's problem, not the cell's.
"""

from __future__ import annotations

import asyncio

from workbench.core.models import CriterionSpec, RubricContent
from workbench.core.runs import CellStatus
from workbench.scoring.criteria.embedding import AsyncEmbedder, needs_embeddings, with_embeddings
from workbench.scoring.criteria.refusal import evaluate_refusal_judged, uses_judge
from workbench.scoring.gates import failed_gates, is_required, without_gate_key
from workbench.scoring.judge import JudgeCall, evaluate_judge, parse_judge_config
from workbench.scoring.registry import JUDGE_KIND, CriterionRegistry
from workbench.scoring.results import (
    CriterionConfigError,
    CriterionResult,
    ScoreResult,
    ScoringContext,
    criterion_label,
)


def needs_judge(rubric: RubricContent) -> bool:
    """Whether scoring this rubric calls an LLM judge."""
    return any(spec.kind == JUDGE_KIND or uses_judge(spec) for spec in rubric.criteria)


def validate_rubric(rubric: RubricContent, registry: CriterionRegistry | None = None) -> None:
    """Check every criterion's kind and configuration (when a rubric is saved or imported).

    Raises:
        CriterionConfigError: naming the criterion's position, name and kind, and the problem.
    """
    registry = registry or CriterionRegistry.default()
    for position, spec in enumerate(rubric.criteria, start=1):
        try:
            if spec.kind == JUDGE_KIND:
                is_required(spec)
                parse_judge_config(without_gate_key(spec))
            else:
                registry.validate(spec)
        except CriterionConfigError as error:
            raise CriterionConfigError(
                error.reason, criterion=f"#{position} {criterion_label(spec)}"
            ) from error


def cell_error(ctx: ScoringContext) -> str | None:
    """Why the cell has no answer to score (None when it has one, or outside a run)."""
    cell = ctx.cell
    if cell is None or cell.status == CellStatus.OK:
        return None
    if cell.status == CellStatus.ERROR:
        what = cell.error_kind or "error"
        return f"the cell has no answer ({what}): {cell.error_message or 'no message'}"
    return f"the cell has no answer (status {cell.status})"


def combine(rubric: RubricContent, results: list[CriterionResult]) -> ScoreResult:
    """Weighted mean and pass/fail of criterion results (see the module docstring)."""
    errors = [r for r in results if r.error is not None]
    if errors:
        message = "; ".join(f"criterion '{r.name}': {r.error}" for r in errors)
        return ScoreResult(passed=None, score=None, criteria=results, error=message)
    if not rubric.criteria:
        return ScoreResult(passed=True, score=1.0, criteria=results)
    weighted = [
        (spec.weight, result.score)
        for spec, result in zip(rubric.criteria, results, strict=True)
        if result.score is not None
    ]
    if not weighted:
        return ScoreResult(passed=None, score=None, criteria=results)
    total_weight = sum(weight for weight, _ in weighted)
    if total_weight == 0:
        # Only weight-0 criteria apply: informative, they fail the output only as gates.
        passed = not failed_gates(rubric.criteria, results)
        return ScoreResult(passed=passed, score=1.0, criteria=results)
    score = sum(weight * value for weight, value in weighted) / total_weight
    # Rounding guards against 0.9999999 from float sums missing a threshold of 1.0.
    score = round(score, 9)
    passed = score >= rubric.threshold and not failed_gates(rubric.criteria, results)
    return ScoreResult(passed=passed, score=score, criteria=results)


def _evaluate_deterministic(
    registry: CriterionRegistry, position: int, spec: CriterionSpec, ctx: ScoringContext
) -> CriterionResult:
    try:
        return registry.evaluate(spec, ctx)
    except CriterionConfigError as error:
        raise CriterionConfigError(
            error.reason, criterion=f"#{position} {criterion_label(spec)}"
        ) from error


def score_output_sync(
    rubric: RubricContent, ctx: ScoringContext, *, registry: CriterionRegistry | None = None
) -> ScoreResult:
    """Score a rubric without a judge (fast path, no event loop).

    Raises:
        CriterionConfigError: the rubric has an ``llm-judge`` criterion, or a bad configuration.
    """
    if needs_judge(rubric):
        raise CriterionConfigError(
            "this rubric has an LLM judge: score it with score_output and a judge",
            criterion=f"'{JUDGE_KIND}'",
        )
    problem = cell_error(ctx)
    if problem is not None:
        return ScoreResult(passed=None, score=None, criteria=[], error=problem)
    registry = registry or CriterionRegistry.default()
    results = [
        _evaluate_deterministic(registry, position, spec, ctx)
        for position, spec in enumerate(rubric.criteria, start=1)
    ]
    return combine(rubric, results)


async def score_output(
    rubric: RubricContent,
    ctx: ScoringContext,
    *,
    judge_call: JudgeCall | None = None,
    registry: CriterionRegistry | None = None,
    embed_call: AsyncEmbedder | None = None,
) -> ScoreResult:
    """Score one output with a rubric; judge criteria run concurrently through `judge_call`.

    With `embed_call`, the vectors of ``similar`` criteria are fetched through it before the
    criteria are evaluated, so no synchronous embedding call runs in the event loop.

    Raises:
        CriterionConfigError: a bad configuration, or a judge criterion without `judge_call`.
    """
    if embed_call is not None and needs_embeddings(rubric.criteria) and cell_error(ctx) is None:
        ctx = await with_embeddings(rubric.criteria, ctx, embed_call)
    if not needs_judge(rubric):
        return score_output_sync(rubric, ctx, registry=registry)
    if judge_call is None:
        raise CriterionConfigError(
            "this rubric has an LLM judge but no judge model is configured",
            criterion=f"'{JUDGE_KIND}'",
        )
    problem = cell_error(ctx)
    if problem is not None:
        return ScoreResult(passed=None, score=None, criteria=[], error=problem)
    registry = registry or CriterionRegistry.default()
    results: list[CriterionResult | None] = []
    judged: list[tuple[int, CriterionSpec]] = []
    validate_rubric(rubric, registry)  # configuration errors surface before any judge call
    for index, spec in enumerate(rubric.criteria):
        if spec.kind == JUDGE_KIND or uses_judge(spec):
            results.append(None)
            judged.append((index, spec))
        else:
            results.append(_evaluate_deterministic(registry, index + 1, spec, ctx))
    verdicts = await asyncio.gather(
        *(
            evaluate_judge(without_gate_key(spec), ctx, judge_call)
            if spec.kind == JUDGE_KIND
            else evaluate_refusal_judged(without_gate_key(spec), ctx, judge_call)
            for _, spec in judged
        )
    )
    for (index, _), verdict in zip(judged, verdicts, strict=True):
        results[index] = verdict
    return combine(rubric, [result for result in results if result is not None])
