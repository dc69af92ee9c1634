"""Build a `ResultFrame` for a stored run (results, scores, ratings) and describe what a cell
sent, without any Qt."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from workbench.core.compose import render_messages
from workbench.core.errors import KnownError
from workbench.core.models import PersonaContent, PromptContent
from workbench.core.personas import render_persona
from workbench.core.runs import CellKey, RunInfo
from workbench.gui.models.prompt_form import format_messages
from workbench.gui.models.result_frame import ResultFrame

if TYPE_CHECKING:
    from workbench.app.records import Store

T = TypeVar("T")


def run_rubric_id(store: Store, run: RunInfo) -> str | None:
    """The rubric version whose scores the grid shows: the run's own, else the first used."""
    if run.spec.rubric_id is not None:
        return run.spec.rubric_id
    scored = store.rubric_ids_scored(run.id)
    return scored[0] if scored else None


def empty_result_frame(store: Store, run: RunInfo) -> ResultFrame:
    """A frame with every row of the run and no result yet (reads the row ids only)."""
    row_ids = (
        list(run.spec.row_ids)
        if run.spec.row_ids is not None
        else store.dataset_row_ids(run.spec.dataset_id)
    )
    return ResultFrame(row_ids, run.columns, run.spec.repeats)


def _out_of_collector_sight(batches: Iterable[list[T]]) -> Iterator[T]:
    """The items of each batch; after each batch, what is alive is moved out of the GC's sight.

    Loading a 100,000 × 4 run creates millions of tracked objects, and each full collection
    scans them all while every thread, the GUI's included, waits: 0.1–0.6 s each, up to 1.2 s
    of stall while a big run opens (bench/gui_bench.py). ``gc.freeze()`` moves the objects
    alive now to the permanent generation, which later collections skip (max stall ~54 ms).
    Frozen objects are still freed by reference counting when a view closes; only reference
    cycles among them would be kept, and the frame's plain records form none.
    """
    for batch in batches:
        yield from batch
        gc.freeze()


def load_result_frame(
    store: Store, run: RunInfo, *, rubric_id: str | None = None, reviewer: str | None = None
) -> ResultFrame:
    """A frame holding every row of the run, every stored cell result, the scores of
    `rubric_id` and the ratings of `reviewer`."""
    frame = empty_result_frame(store, run)
    # Read in batches, each its own short transaction: a worker thread reading a big run then
    # gives the GUI thread the interpreter between batches instead of holding it through one
    # huge fetch. Criteria stay as stored (plain dicts): the detail pane reads them per cell.
    scores = (
        _out_of_collector_sight(store.iter_scores(run.id, rubric_id))
        if rubric_id is not None
        else ()
    )
    ratings = store.ratings(run.id, reviewer=reviewer) if reviewer is not None else []
    frame.load(
        _out_of_collector_sight(store.iter_cells(run.id)),
        scores,
        [(r.key, r.score, r.passed) for r in ratings],
    )
    frame.set_row_texts(row_input_texts(store, run))
    return frame


def row_input_texts(store: Store, run: RunInfo, batch_size: int = 5000) -> dict[str, str]:
    """Row id → its input variables' text, for the grid's text filter (read in batches)."""
    wanted = set(run.spec.row_ids) if run.spec.row_ids is not None else None
    texts: dict[str, str] = {}
    offset = 0
    while True:
        rows = store.dataset_rows(run.spec.dataset_id, offset, batch_size)
        for row in rows:
            if wanted is None or row.id in wanted:
                texts[row.id] = " ".join(str(v) for v in row.vars.values() if v is not None)
        if len(rows) < batch_size:
            return texts
        offset += batch_size


def cell_prompt_text(store: Store, run: RunInfo, key: CellKey) -> str:
    """The messages a cell sent, rendered again from the versions the run references.

    Runs reference immutable versions, so rendering again gives exactly what was sent.
    """
    column = next((c for c in run.columns if c.index == key.column), None)
    if column is None:
        return f"Column {key.column} is not part of run #{run.id}."
    try:
        prompt = store.get_version(column.prompt_id)
        section = None
        if column.persona_id is not None:
            persona = store.get_version(column.persona_id)
            section = render_persona(persona.content_as(PersonaContent), name=persona.ref)
        row = store.dataset_rows(run.spec.dataset_id, ids=[key.row_id])[0]
        messages = render_messages(
            prompt.content_as(PromptContent),
            row.vars,
            prompt_name=prompt.ref,
            persona_section=section,
            row=row.id,
        )
    except KnownError as error:
        return f"Could not render this cell's prompt: {error}"
    return format_messages(messages)
