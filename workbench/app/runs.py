"""Building run specs from names, and summarising runs, for the CLI and the GUI alike.

A run is chosen by names (``order-tracking@v2``, ``conseiller-vous``, ``smollm2-local``) and a
row selection (all, a tag, explicit ids, or a seeded random sample); it is stored by version ids.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.app.defaults import RUN_CONCURRENCY
from workbench.core.errors import NotFoundError, ValidationError
from workbench.core.models import DatasetContent, Kind
from workbench.core.runs import CellResult, CellStatus, RunInfo, RunSpec
from workbench.scoring.stats import ColumnStats, cell_record, column_stats
from workbench.store import Store

DEMO_PROMPTS = ("order-tracking@v2", "order-tracking@v3")
DEMO_PERSONAS = ("conseiller-vous", "complice-tu")
DEMO_MODELS = ("smollm2-local",)
DEMO_DATASET = "smoke"
# The demo compares order-tracking prompts, so it runs on the order-tracking questions only;
# on the embedded model each call takes several seconds, so the demo stays at a few cells.
DEMO_ROW_TAG = "tracking"
DEMO_RUBRIC = "support-quality"


@dataclass(frozen=True)
class RowSelection:
    """Which dataset rows a run covers: explicit ids, a tag, and/or a seeded random sample."""

    ids: tuple[str, ...] = ()
    tag: str | None = None
    sample: int | None = None
    seed: int = 0

    def apply(self, content: DatasetContent, dataset_ref: str) -> tuple[str, ...] | None:
        """The row ids to run, or None for every row."""
        if not self.ids and self.tag is None and self.sample is None:
            return None
        rows = list(content.rows)
        if self.ids:
            known = {row.id for row in rows}
            unknown = [i for i in self.ids if i not in known]
            if unknown:
                raise NotFoundError(f"dataset {dataset_ref} has no row {', '.join(unknown)}")
            wanted = set(self.ids)
            rows = [row for row in rows if row.id in wanted]
        if self.tag is not None:
            rows = [row for row in rows if self.tag in row.tags]
            if not rows:
                raise ValidationError(f"no row of dataset {dataset_ref} is tagged '{self.tag}'")
        if self.sample is not None and self.sample < len(rows):
            # Sample positions, not rows, so the run keeps the dataset's order.
            picked = sorted(random.Random(self.seed).sample(range(len(rows)), self.sample))
            rows = [rows[i] for i in picked]
        return tuple(row.id for row in rows)


def build_spec(
    store: Store,
    *,
    prompts: Sequence[str],
    personas: Sequence[str],
    models: Sequence[str],
    dataset: str,
    rows: RowSelection | None = None,
    repeats: int = 1,
    concurrency: int = RUN_CONCURRENCY,
    budget_usd: float | None = None,
    use_cache: bool = True,
    rubric: str | None = None,
) -> RunSpec:
    """Resolve names to version ids; no persona means one persona-less variant."""
    if not prompts:
        raise ValidationError("choose at least one prompt (--prompt NAME[@VERSION])")
    if not models:
        raise ValidationError("choose at least one model config (--model NAME[@VERSION])")
    data = store.resolve(Kind.DATASET, dataset)
    row_ids = (rows or RowSelection()).apply(data.content_as(DatasetContent), data.ref)
    return RunSpec(
        prompt_ids=tuple(store.resolve(Kind.PROMPT, p).id for p in prompts),
        persona_ids=tuple(store.resolve(Kind.PERSONA, p).id for p in personas) or (None,),
        model_ids=tuple(store.resolve(Kind.MODEL, m).id for m in models),
        dataset_id=data.id,
        row_ids=row_ids,
        repeats=repeats,
        concurrency=concurrency,
        budget_usd=budget_usd,
        use_cache=use_cache,
        rubric_id=store.resolve(Kind.RUBRIC, rubric).id if rubric else None,
    )


def cells_by_column(cells: Sequence[CellResult]) -> dict[int, list[CellResult]]:
    """Group cells by column index."""
    grouped: dict[int, list[CellResult]] = defaultdict(list)
    for cell in cells:
        grouped[cell.key.column].append(cell)
    return grouped


def unscored_column_stats(
    store: Store, run_id: int, cells: Sequence[CellResult] | None = None
) -> dict[int, ColumnStats]:
    """Latency, tokens, cost and error figures per column, before any rubric is applied
    (`cells`: the run's cells when the caller has just read them)."""
    if cells is None:
        cells = store.cells(run_id)
    finished = [c for c in cells if c.status is not CellStatus.PENDING]
    return {
        column: column_stats([cell_record(cell) for cell in cells])
        for column, cells in sorted(cells_by_column(finished).items())
    }


def column_refs(store: Store, info: RunInfo) -> dict[int, tuple[str, str, str]]:
    """Each column's prompt, persona and model as ``name@vN`` (persona ``-`` when none)."""
    seen: dict[str, str] = {}

    def ref(version_id: str | None) -> str:
        if version_id is None:
            return "-"
        if version_id not in seen:
            seen[version_id] = store.get_version(version_id).ref
        return seen[version_id]

    return {c.index: (ref(c.prompt_id), ref(c.persona_id), ref(c.model_id)) for c in info.columns}
