"""What scoring produces: the context a criterion reads and the results it returns.

A criterion result has three honest states besides pass and fail:

* **not applicable** — ``passed`` and ``score`` are None and ``error`` is None (for example a
  similarity check on a row without an expected answer); it is left out of the rubric's mean;
* **error** — ``error`` is set and ``passed`` is None (a judge that did not answer); an error is
  never counted as a fail;
* **pass / fail** — ``passed`` is a bool and ``score`` a number between 0 and 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.core.errors import KnownError
from workbench.core.models import CriterionSpec, DatasetRow, PersonaContent
from workbench.core.runs import CellResult

TokenCounter = Callable[[str], int]
Embedder = Callable[[list[str], Mapping[str, Any]], list[list[float]]]
"""Vectors for texts from an embeddings endpoint described by a mapping (model, base_url...)."""
"""Counts the tokens of a text for one model (injected: tokenizers live outside scoring)."""


@dataclass(frozen=True)
class ScoringContext:
    """Everything a criterion may look at for one output.

    Attributes:
        output: the model's answer.
        row: the dataset row the answer is for (expected answer, facts, variables).
        persona: the persona of the column, when it has one (register checks).
        cell: the stored cell, when scoring a run (latency, cost, tokens).
        token_counter: counts tokens for the column's model; None means the documented
            estimate of words × 1.3 is used and the result says it is an estimate.
        prompt_text: the column's prompt templates (their wording gives the domain the
            relevance criterion accepts); empty when unknown.
        embed: turns texts into vectors for the ``similar`` criterion, given the criterion's
            endpoint settings; None when no embedding client was supplied.
    """

    output: str
    row: DatasetRow
    persona: PersonaContent | None = None
    cell: CellResult | None = None
    token_counter: TokenCounter | None = None
    prompt_text: str = ""
    embed: Embedder | None = None


@dataclass(frozen=True)
class SubCheck:
    """One part of a composite criterion (for example the emoji policy of a register check).

    ``applicable`` False means the part found nothing to judge (a French reply with no *tu* or
    *vous* marker at all): it is reported but left out of the criterion's score.
    """

    name: str
    passed: bool
    detail: str
    applicable: bool = True


@dataclass(frozen=True)
class CriterionResult:
    """The outcome of one criterion on one output.

    Attributes:
        kind: the criterion kind (``contains``, ``register``, ``llm-judge``...).
        name: the criterion's name in the rubric (defaults to its kind).
        passed: True / False, or None when not applicable or on error.
        score: 0..1, or None when not applicable or on error.
        detail: why, in words (for a judge: its reasoning).
        error: set when the criterion could not be evaluated (never a fail).
        value: the measured quantity behind a threshold (similarity ratio, latency in ms,
            length, raw 1–5 judge score), when there is one.
        parts: sub-checks of a composite criterion, each reported separately.
    """

    kind: str
    name: str
    passed: bool | None
    score: float | None
    detail: str = ""
    error: str | None = None
    value: float | None = None
    parts: tuple[SubCheck, ...] = field(default_factory=tuple)

    @property
    def applicable(self) -> bool:
        """Whether this result counts in the rubric's score (it passed or failed)."""
        return self.error is None and self.score is not None

    def to_record(self) -> dict[str, Any]:
        """The JSON-ready object a stored score keeps for this criterion.

        The same as ``dataclasses.asdict`` (a test holds them equal), written out because a
        run stores one per criterion per cell and ``asdict`` deep-copies every value.
        """
        return {
            "kind": self.kind,
            "name": self.name,
            "passed": self.passed,
            "score": self.score,
            "detail": self.detail,
            "error": self.error,
            "value": self.value,
            "parts": tuple(
                {
                    "name": part.name,
                    "passed": part.passed,
                    "detail": part.detail,
                    "applicable": part.applicable,
                }
                for part in self.parts
            ),
        }


@dataclass(frozen=True)
class ScoreResult:
    """The outcome of a whole rubric on one output.

    ``error`` is set (and ``passed`` / ``score`` are None) when the cell did not complete or
    any criterion could not be evaluated: an infrastructure problem is never a FAIL.
    """

    passed: bool | None
    score: float | None
    criteria: list[CriterionResult]
    error: str | None = None


class CriterionConfigError(KnownError):
    """A rubric criterion is badly configured (missing value, bad regex, unknown kind...)."""

    def __init__(self, message: str, *, criterion: str) -> None:
        self.reason = message
        self.criterion = criterion
        super().__init__(f"criterion {criterion}: {message}")


def criterion_label(spec: CriterionSpec) -> str:
    """How errors and reports name a criterion: ``'tone' (register)`` or ``'regex'``."""
    if spec.name and spec.name != spec.kind:
        return f"'{spec.name}' ({spec.kind})"
    return f"'{spec.kind}'"


def criterion_name(spec: CriterionSpec) -> str:
    """The name a criterion's result carries: its own name, else its kind."""
    return spec.name or spec.kind


def passed_result(
    spec: CriterionSpec, passed: bool, detail: str, *, value: float | None = None
) -> CriterionResult:
    """A binary pass/fail result scored 1 or 0."""
    return CriterionResult(
        kind=spec.kind,
        name=criterion_name(spec),
        passed=passed,
        score=1.0 if passed else 0.0,
        detail=detail,
        value=value,
    )


def not_applicable(spec: CriterionSpec, why: str) -> CriterionResult:
    """A result left out of the rubric's score, with the reason in `detail`."""
    return CriterionResult(
        kind=spec.kind, name=criterion_name(spec), passed=None, score=None, detail=why
    )


def error_result(spec: CriterionSpec, message: str) -> CriterionResult:
    """A criterion that could not be evaluated: an error, never a fail."""
    return CriterionResult(
        kind=spec.kind, name=criterion_name(spec), passed=None, score=None, error=message
    )
