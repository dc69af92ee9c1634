"""The shape of a criterion kind and the ``not-`` wrapper that inverts a binary one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from workbench.core.models import CriterionSpec
from workbench.scoring.results import CriterionResult, ScoringContext

Evaluate = Callable[[CriterionSpec, ScoringContext], CriterionResult]
Validate = Callable[[CriterionSpec], object]


@dataclass(frozen=True)
class CriterionKind:
    """One deterministic criterion kind.

    Attributes:
        kind: the name used in rubrics (``contains``).
        evaluate: scores one output; raises `CriterionConfigError` on a bad configuration.
        validate: checks the configuration alone (used when a rubric is saved or imported).
        summary: one line for ``workbench rubric show`` and the GUI's kind picker.
    """

    kind: str
    evaluate: Evaluate
    validate: Validate
    summary: str


def negated(base: CriterionKind) -> CriterionKind:
    """``not-<kind>``: passes exactly when `base` fails (not applicable stays not applicable)."""
    kind = f"not-{base.kind}"

    def evaluate(spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
        inner = base.evaluate(spec.model_copy(update={"kind": base.kind}), ctx)
        if inner.passed is None:
            return replace(inner, kind=kind)
        passed = not inner.passed
        return replace(
            inner,
            kind=kind,
            passed=passed,
            score=1.0 if passed else 0.0,
            detail=f"{'passed' if passed else 'failed'} because {base.kind} "
            f"{'failed' if passed else 'passed'}: {inner.detail}",
        )

    def validate(spec: CriterionSpec) -> object:
        return base.validate(spec.model_copy(update={"kind": base.kind}))

    return CriterionKind(kind, evaluate, validate, f"the opposite of {base.kind}")
