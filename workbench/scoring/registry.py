"""Which code scores which ``CriterionSpec.kind``.

A `CriterionRegistry` is built where it is needed (no module-level instance); the default one
holds every deterministic kind, and ``not-<kind>`` variants of the binary ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from workbench.core.models import CriterionSpec
from workbench.scoring import register
from workbench.scoring.criteria import (
    embedding,
    fuzzy,
    json_checks,
    language_match,
    measures,
    refusal,
    relevance,
    scripts,
    text_match,
)
from workbench.scoring.criteria.base import CriterionKind, negated
from workbench.scoring.gates import is_required, without_gate_key
from workbench.scoring.results import CriterionConfigError, CriterionResult, ScoringContext

JUDGE_KIND = "llm-judge"
"""The LLM-as-judge kind; it is asynchronous and evaluated by `workbench.scoring.judge`."""

# Binary kinds whose opposite is meaningful; "not-contains" is the one rubrics use most.
_NEGATABLE = (
    "equals",
    "contains",
    "icontains",
    "regex",
    "starts-with",
    "is-json",
    "contains-json",
    "cost",
    "latency",
)


class CriterionRegistry:
    """A mapping from kind name to `CriterionKind`."""

    def __init__(self, kinds: Iterable[CriterionKind]) -> None:
        self._kinds: dict[str, CriterionKind] = {}
        for kind in kinds:
            if kind.kind in self._kinds:
                raise ValueError(f"criterion kind {kind.kind!r} registered twice")
            self._kinds[kind.kind] = kind

    @classmethod
    def default(cls) -> CriterionRegistry:
        """Every built-in deterministic kind."""
        base = [
            *text_match.KINDS,
            *json_checks.KINDS,
            *measures.KINDS,
            *fuzzy.KINDS,
            *refusal.KINDS,
            *register.KINDS,
            *language_match.KINDS,
            *relevance.KINDS,
            *scripts.KINDS,
            *embedding.KINDS,
        ]
        by_name = {kind.kind: kind for kind in base}
        return cls([*base, *(negated(by_name[name]) for name in _NEGATABLE)])

    def names(self) -> list[str]:
        """Known kinds (deterministic ones, plus the judge), sorted."""
        return sorted([*self._kinds, JUDGE_KIND])

    def get(self, spec: CriterionSpec) -> CriterionKind:
        """The implementation of a spec's kind; an unknown kind is a configuration error."""
        try:
            return self._kinds[spec.kind]
        except KeyError:
            raise CriterionConfigError(
                f"unknown kind {spec.kind!r}; known kinds: {', '.join(self.names())}",
                criterion=repr(spec.name or spec.kind),
            ) from None

    def summary(self, kind: str) -> str:
        """One line describing a kind."""
        if kind == JUDGE_KIND:
            return "an LLM judges the output against a written criterion"
        return self._kinds[kind].summary

    def evaluate(self, spec: CriterionSpec, ctx: ScoringContext) -> CriterionResult:
        """Score one output with one deterministic criterion (``required`` is the rubric's)."""
        return self.get(spec).evaluate(without_gate_key(spec), ctx)

    def validate(self, spec: CriterionSpec) -> None:
        """Check a deterministic criterion's configuration without scoring anything."""
        is_required(spec)
        self.get(spec).validate(without_gate_key(spec))
