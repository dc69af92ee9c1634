"""Small builders shared by the scoring tests."""

from __future__ import annotations

from typing import Any

from workbench.core.models import CriterionSpec, DatasetRow, PersonaContent, ToneTraits
from workbench.core.runs import CellKey, CellResult, CellStatus
from workbench.scoring.registry import CriterionRegistry
from workbench.scoring.results import CriterionResult, ScoringContext


def row(
    row_id: str = "r1",
    *,
    expected: str | None = None,
    facts: tuple[str, ...] = (),
    **variables: Any,
) -> DatasetRow:
    """A dataset row with the given expected answer, facts and variables."""
    return DatasetRow(
        id=row_id,
        vars=variables or {"message": "Où est ma commande ?"},
        expected=expected,
        facts=facts,
    )


def cell(
    output: str = "",
    *,
    status: CellStatus = CellStatus.OK,
    latency_ms: float | None = None,
    cost_usd: float | None = None,
    cache_hit: bool = False,
    row_id: str = "r1",
) -> CellResult:
    """A finished cell."""
    return CellResult(
        key=CellKey(row_id, 0, 0),
        status=status,
        output=output,
        latency_ms=latency_ms,
        cost_usd=cost_usd,
        cache_hit=cache_hit,
    )


def ctx(output: str, **kwargs: Any) -> ScoringContext:
    """A scoring context for `output` (row defaults to a plain one)."""
    kwargs.setdefault("row", row())
    return ScoringContext(output=output, **kwargs)


def spec(kind: str, **config: Any) -> CriterionSpec:
    """A criterion spec of `kind` with `config`."""
    return CriterionSpec(kind=kind, config=config)


def evaluate(
    kind: str, output: str, *, context: ScoringContext | None = None, **config: Any
) -> CriterionResult:
    """Evaluate one deterministic criterion on `output`."""
    return CriterionRegistry.default().evaluate(spec(kind, **config), context or ctx(output))


def persona(**overrides: Any) -> PersonaContent:
    """A French customer-service persona; `tone` keys go into its ToneTraits."""
    tone = ToneTraits(**overrides.pop("tone", {}))
    base: dict[str, Any] = {"display_name": "Camille", "role": "conseillère Maison Lumière"}
    base.update(overrides)
    return PersonaContent(tone=tone, **base)
