"""Build a `ResultFrame` for a stored run (results, scores, ratings) and describe what a cell
sent, without any Qt."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from workbench.core.compose import render_messages
from workbench.core.errors import KnownError
from workbench.core.models import PersonaContent, PromptContent
from workbench.core.personas import render_persona
from workbench.core.runs import CellKey, RunInfo
from workbench.gui.models.prompt_form import format_messages
from workbench.gui.models.result_frame import CellState, ColumnStats, ResultFrame

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


@dataclass
class FramePart:
    """Part of a big run's stored results, built on a worker thread as plain data.

    `states` and `stats` go to `ResultFrame.merge`; the `last` part also carries the reviewer's
    ratings and the rows' input texts (for the text filter).
    """

    states: dict[tuple[int, int, int], CellState]
    stats: list[ColumnStats]
    last: bool = False
    ratings: list[tuple[CellKey, int | None, bool | None]] = field(default_factory=list)
    row_texts: dict[str, str] | None = None


class WantedRows:
    """Rows the user is looking at, handed from the GUI thread to the loading worker.

    Plain Python (no Qt): the GUI thread calls `want` when the grid scrolls, the worker takes
    the latest request between batches and reads those rows before going on in key order.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[int] = []
        self.cancelled = False

    def want(self, rows: Sequence[int]) -> None:
        """Ask for these rows next (replaces an earlier request not taken yet)."""
        with self._lock:
            self._rows = list(rows)

    def take(self) -> list[int]:
        """The rows asked for since the last call (empty when none)."""
        with self._lock:
            rows, self._rows = self._rows, []
        return rows


def iter_frame_parts(
    store: Store,
    run: RunInfo,
    *,
    rubric_id: str | None = None,
    reviewer: str | None = None,
    wanted: WantedRows | None = None,
    first_rows: int = 100,
    batch_size: int = 5000,
) -> Iterator[FramePart]:
    """A run's stored results in parts: the first rows, then any rows asked for through
    `wanted`, then the rest in key order; the last part brings ratings and row texts.

    Each cell comes in exactly one part. Cells and scores are read in key order in batches and
    joined on the key, so a part holds a cell's result together with its score.
    """
    frame = empty_result_frame(store, run)
    wanted = wanted or WantedRows()
    wanted.want(range(min(first_rows, frame.row_count)))
    done_rows: set[str] = set()  # rows read whole by id (the stream skips them)
    streamed_to: str | None = None  # every row id up to this one was streamed

    def rows_asked() -> FramePart | None:
        ids = [
            frame.row_ids[row]
            for row in wanted.take()
            if 0 <= row < frame.row_count
            and frame.row_ids[row] not in done_rows
            and (streamed_to is None or frame.row_ids[row] > streamed_to)
        ]
        if not ids:
            return None
        done_rows.update(ids)
        cells = store.cells_of_rows(run.id, ids)
        scores = store.scores_of_rows(run.id, rubric_id, ids) if rubric_id is not None else []
        return FramePart(*frame.build_part(cells, scores))

    part = rows_asked()
    if part is not None:
        yield part
    scores = (
        _out_of_collector_sight(store.iter_scores(run.id, rubric_id, batch_size=batch_size))
        if rubric_id is not None
        else iter(())
    )
    pending_score: Any = None
    for batch in store.iter_cells(run.id, batch_size=batch_size):
        gc.freeze()  # see `_out_of_collector_sight`
        last_key = _key_tuple(batch[-1].key)
        joined: list[Any] = []
        while True:
            if pending_score is None:
                pending_score = next(scores, None)
            if pending_score is None or _key_tuple(pending_score.key) > last_key:
                break
            joined.append(pending_score)
            pending_score = None
        cells = [c for c in batch if c.key.row_id not in done_rows]
        joined = [s for s in joined if s.key.row_id not in done_rows]
        streamed_to = batch[-1].key.row_id
        if cells or joined:
            yield FramePart(*frame.build_part(cells, joined))
        part = rows_asked()
        if part is not None:
            yield part
        if wanted.cancelled:
            return
    rest: list[Any] = [] if pending_score is None else [pending_score]
    rest.extend(scores)  # scores of cells with no stored result (rare)
    rest = [s for s in rest if s.key.row_id not in done_rows]
    ratings = store.ratings(run.id, reviewer=reviewer) if reviewer is not None else []
    states, stats = frame.build_part((), rest)
    yield FramePart(
        states,
        stats,
        last=True,
        ratings=[(r.key, r.score, r.passed) for r in ratings],
        row_texts=row_input_texts(store, run),
    )


def _key_tuple(key: CellKey) -> tuple[str, int, int]:
    return key.row_id, key.column, key.repeat
