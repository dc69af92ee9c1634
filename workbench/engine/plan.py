"""Expand a run spec into a plan: columns, rows and each (row, prompt, persona) rendered once.

A column is one prompt version × persona version × model config. Columns that differ only by
model share one *render group*, so a row's messages are rendered and held once however many
models run them; identical messages within a group (a long system prompt repeated on every row)
are interned to one object. Cells are produced lazily, row-major (row, then column, then
repeat), so the grid fills top-down and a 5,000-row plan holds no per-cell objects; a cell's
response-cache key is computed once, on first use, and kept (the estimate, the run's creation
and its scheduling all need it; the strings are the ones the run's cache holds anyway).

A template or persona that fails to render becomes a `RenderFailure` for the cells concerned,
with the message naming template, line, variable and row; it never aborts the plan.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from workbench.core.compose import render_messages
from workbench.core.errors import KnownError, ValidationError
from workbench.core.llm import Message
from workbench.core.models import (
    DatasetRow,
    ModelConfigContent,
    PersonaContent,
    PromptContent,
    Version,
)
from workbench.core.personas import render_persona
from workbench.core.runs import CellKey, Column, RunSpec
from workbench.engine.cache import cache_key

ROW_PAGE = 1000  # rows fetched per store call while rendering


class PlanStore(Protocol):
    """The store methods `expand` reads."""

    def get_version(self, version_id: str) -> Version: ...

    def dataset_rows(
        self,
        version_id: str,
        offset: int = 0,
        limit: int | None = None,
        *,
        ids: Sequence[str] | None = None,
    ) -> list[DatasetRow]: ...


@dataclass(frozen=True, slots=True)
class RenderFailure:
    """Why a cell could not be rendered (names template, line, variable and row)."""

    message: str


Rendered = tuple[Message, ...] | RenderFailure


@dataclass(frozen=True)
class ColumnPlan:
    """What a column needs at run time.

    Attributes:
        column: the stored column (index, version ids, label).
        config: the model config's content.
        params: the prompt's default params overridden by the model config's params.
        group: index of the render group holding this column's messages.
    """

    column: Column
    config: ModelConfigContent
    params: dict[str, Any]
    group: int


@dataclass(frozen=True)
class RunPlan:
    """An expanded run: columns, rows and rendered messages, with cells produced on demand."""

    spec: RunSpec
    columns: tuple[ColumnPlan, ...]
    row_ids: tuple[str, ...]
    renders: tuple[tuple[Rendered, ...], ...]  # [group][row index]
    _cache_keys: dict[tuple[int, int], list[str | None]] = field(
        default_factory=dict, compare=False, repr=False
    )  # (column, repeat) -> [row index] -> key, filled on first use

    @property
    def total(self) -> int:
        """Number of cells in the full matrix."""
        return len(self.row_ids) * len(self.columns) * self.spec.repeats

    def messages(self, row_index: int, column: int) -> Rendered:
        """The rendered messages (or the render failure) of a row for a column."""
        return self.renders[self.columns[column].group][row_index]

    def cache_key(self, row_index: int, column: int, repeat: int) -> str:
        """The response-cache key of a cell whose messages rendered (`cache.cache_key`)."""
        keys = self._cache_keys.get((column, repeat))
        if keys is None:
            keys = self._cache_keys[(column, repeat)] = [None] * len(self.row_ids)
        key = keys[row_index]
        if key is None:
            rendered = self.messages(row_index, column)
            if isinstance(rendered, RenderFailure):
                raise ValueError(f"row {self.row_ids[row_index]} did not render: it has no key")
            plan = self.columns[column]
            key = keys[row_index] = cache_key(plan.config, plan.params, rendered, repeat)
        return key

    def cells(self) -> Iterator[tuple[int, CellKey]]:
        """Every cell as (row index, key), row-major: row, then column, then repeat."""
        repeats = range(self.spec.repeats)
        columns = range(len(self.columns))
        for row_index, row_id in enumerate(self.row_ids):
            for column in columns:
                for repeat in repeats:
                    yield row_index, CellKey(row_id, column, repeat)


def _load(store: PlanStore, version_id: str, expected: type, what: str) -> Version:
    version = store.get_version(version_id)
    if not isinstance(version.content, expected):
        raise ValidationError(f"version {version_id[:8]} is a {version.kind}, not a {what}")
    return version


def build_columns(
    prompts: list[Version], personas: list[Version | None], models: list[Version]
) -> list[Column]:
    """Columns in prompt, persona, model order, labelled like ``p@v2 · persona@v1 · model@v1``."""
    columns: list[Column] = []
    for prompt in prompts:
        for persona in personas:
            for model in models:
                parts = [prompt.ref, *([persona.ref] if persona else []), model.ref]
                columns.append(
                    Column(
                        index=len(columns),
                        prompt_id=prompt.id,
                        persona_id=persona.id if persona else None,
                        model_id=model.id,
                        label=" · ".join(parts),
                    )
                )
    return columns


def _selected_rows(store: PlanStore, spec: RunSpec) -> list[DatasetRow]:
    if spec.row_ids is not None:
        # The store names a row id that is not in the dataset (NotFoundError).
        return store.dataset_rows(spec.dataset_id, ids=spec.row_ids)
    rows: list[DatasetRow] = []
    offset = 0
    while True:
        page = store.dataset_rows(spec.dataset_id, offset, ROW_PAGE)
        rows.extend(page)
        if len(page) < ROW_PAGE:
            return rows
        offset += len(page)


def _render_group(
    prompt: Version, persona: Version | None, rows: list[DatasetRow]
) -> tuple[Rendered, ...]:
    content = prompt.content_as(PromptContent)
    section: str | None = None
    if persona is not None:
        try:
            section = render_persona(persona.content_as(PersonaContent), name=persona.ref)
        except KnownError as exc:
            failure = RenderFailure(f"persona {persona.ref}: {exc}")
            return tuple(failure for _ in rows)
    interned: dict[Message, Message] = {}
    out: list[Rendered] = []
    for row in rows:
        try:
            messages = render_messages(
                content, row.vars, prompt_name=prompt.ref, persona_section=section, row=row.id
            )
        except KnownError as exc:
            out.append(RenderFailure(str(exc)))
            continue
        out.append(tuple(interned.setdefault(m, m) for m in messages))
    return tuple(out)


def expand(spec: RunSpec, store: PlanStore) -> RunPlan:
    """Load the versions a spec names and render every (row, prompt, persona) once.

    Raises:
        NotFoundError: a version id or a selected row does not exist (raised by the store).
        ValidationError: an id names a version of the wrong kind.
    """
    prompts = [_load(store, vid, PromptContent, "prompt") for vid in spec.prompt_ids]
    personas = [
        _load(store, vid, PersonaContent, "persona") if vid is not None else None
        for vid in spec.persona_ids
    ]
    models = [_load(store, vid, ModelConfigContent, "model config") for vid in spec.model_ids]
    if not prompts or not models:
        raise ValidationError("a run needs at least one prompt version and one model config")
    rows = _selected_rows(store, spec)

    group_of: dict[tuple[str, str | None], int] = {}
    renders: list[tuple[Rendered, ...]] = []
    versions = {v.id: v for v in [*prompts, *models, *(p for p in personas if p)]}
    plans: list[ColumnPlan] = []
    for column in build_columns(prompts, personas, models):
        pair = (column.prompt_id, column.persona_id)
        if pair not in group_of:
            persona = versions[column.persona_id] if column.persona_id else None
            group_of[pair] = len(renders)
            renders.append(_render_group(versions[column.prompt_id], persona, rows))
        prompt_content = versions[column.prompt_id].content_as(PromptContent)
        config = versions[column.model_id].content_as(ModelConfigContent)
        params = {**prompt_content.params, **config.params}
        plans.append(ColumnPlan(column=column, config=config, params=params, group=group_of[pair]))
    return RunPlan(
        spec=spec,
        columns=tuple(plans),
        row_ids=tuple(row.id for row in rows),
        renders=tuple(renders),
    )
