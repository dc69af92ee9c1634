"""A big run's results reach the grid in parts: rows on screen first, rows scrolled to next.

The parts are built on a worker thread as plain data (`iter_frame_parts`) and merged on the GUI
thread (`ResultFrame.merge`); together they must equal what one full read gives, each cell once.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot

from workbench.app.services import Services
from workbench.core.models import (
    CriterionSpec,
    DatasetContent,
    DatasetRow,
    Kind,
    ModelConfigContent,
    PromptContent,
    RubricContent,
)
from workbench.core.reviews import CellScore, Rating
from workbench.core.runs import CellKey, CellResult, CellStatus, Column, RunSpec
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.models.result_frame import ResultFrame
from workbench.gui.models.results_table_model import ResultsTableModel
from workbench.gui.models.run_loading import (
    FramePart,
    WantedRows,
    iter_frame_parts,
    load_result_frame,
)
from workbench.gui.results_loading import ResultsLoader
from workbench.gui.run_events import coalesce_run_events
from workbench.gui.views.results_view import ResultsView
from workbench.store import Store

ROWS = 260
COLUMNS = 2


def build_run(store: Store) -> tuple[int, str]:
    """A run of ROWS × COLUMNS in a shuffled row order (display order ≠ key order), every
    cell stored, most scored (some errors, some unscored), a few rated."""
    ids = [f"case-{i}" for i in range(ROWS)]  # "case-10" sorts before "case-2"
    random.Random(7).shuffle(ids)
    dataset = store.save_version(
        Kind.DATASET,
        "many",
        DatasetContent(rows=tuple(DatasetRow(id=i, vars={"message": f"msg {i}"}) for i in ids)),
        author="t",
    ).version
    prompt = store.save_version(
        Kind.PROMPT, "p", PromptContent(user="{{ message }}"), author="t"
    ).version
    models = [
        store.save_version(
            Kind.MODEL,
            f"m{n}",
            ModelConfigContent(provider="openai-compatible", model="m", base_url="http://x/v1"),
            author="t",
        ).version
        for n in range(COLUMNS)
    ]
    rubric = store.save_version(
        Kind.RUBRIC,
        "r",
        RubricContent(criteria=(CriterionSpec(kind="contains", config={"value": "a"}),)),
        author="t",
    ).version
    spec = RunSpec(
        prompt_ids=(prompt.id,),
        persona_ids=(None,),
        model_ids=tuple(m.id for m in models),
        dataset_id=dataset.id,
        rubric_id=rubric.id,
    )
    columns = [
        Column(index=c, prompt_id=prompt.id, persona_id=None, model_id=m.id, label=f"col {c}")
        for c, m in enumerate(models)
    ]
    run = store.create_run(spec, columns, name="many")
    now = datetime.now(UTC)
    cells, scores = [], []
    for n, row in enumerate(ids):
        for column in range(COLUMNS):
            key = CellKey(row, column)
            if n % 11 == 3:
                cells.append(
                    CellResult(key, CellStatus.ERROR, error_kind="server", error_message="500")
                )
                continue
            cells.append(
                CellResult(key, CellStatus.OK, output=f"answer {row}/{column}", latency_ms=n)
            )
            if n % 7 != 0:
                passed = (n + column) % 3 != 0
                scores.append(
                    CellScore(key, rubric.id, passed, float(passed), None, ({"k": n},), now)
                )
    store.upsert_cells(run.id, cells)
    store.upsert_scores(run.id, scores)
    for row in ids[:5]:
        store.save_rating(
            Rating(run_id=run.id, row_id=row, column=0, repeat=0, reviewer="ann", at=now, score=4)
        )
    return run.id, rubric.id


def summary(frame: ResultFrame) -> dict[tuple[int, int], tuple[object, ...]]:
    found = {}
    for row in range(frame.row_count):
        for column in range(frame.column_count):
            state = frame.state(row, column)
            if state is not None:
                found[(row, column)] = (
                    state.status,
                    state.text,
                    state.score,
                    state.passed,
                    state.criteria,
                    state.human_score,
                )
    return found


def test_parts_together_equal_one_full_read_each_cell_once(services: Services) -> None:
    store = services.store
    run_id, rubric_id = build_run(store)
    run = store.get_run(run_id)
    full = load_result_frame(store, run, rubric_id=rubric_id, reviewer="ann")

    merged = ResultFrame(full.row_ids, full.columns)
    seen: set[tuple[int, int, int]] = set()
    parts = list(
        iter_frame_parts(
            store, run, rubric_id=rubric_id, reviewer="ann", first_rows=30, batch_size=40
        )
    )
    assert len(parts) > 3 and parts[-1].last and not any(p.last for p in parts[:-1])
    for part in parts:
        assert not seen & part.states.keys(), "a cell came in two parts"
        seen |= part.states.keys()
        merged.merge(part.states, part.stats)
    for key, score, passed in parts[-1].ratings:
        merged.set_human(key, score, passed)
    merged.set_row_texts(parts[-1].row_texts or {})

    assert summary(merged) == summary(full)
    for column in range(COLUMNS):
        mine, theirs = merged.column_stats(column), full.column_stats(column)
        assert (mine.done, mine.errors, mine.scored, mine.passed, mine.score_sum) == (
            theirs.done,
            theirs.errors,
            theirs.scored,
            theirs.passed,
            theirs.score_sum,
        )
        assert mine.p50_latency_ms == theirs.p50_latency_ms
    assert merged.row_text(5) == full.row_text(5) != ""
    # The first part is the first rows in display order, whatever their ids sort as.
    assert {row for row, _c, _r in parts[0].states} == set(range(30))


def test_rows_asked_for_come_before_the_stream_reaches_them(services: Services) -> None:
    store = services.store
    run_id, rubric_id = build_run(store)
    run = store.get_run(run_id)
    wanted = WantedRows()
    parts = iter_frame_parts(
        store, run, rubric_id=rubric_id, wanted=wanted, first_rows=10, batch_size=20
    )
    first = next(parts)
    assert {row for row, _c, _r in first.states} == set(range(10))
    next(parts)  # one batch in key order
    asked = set(range(200, 215))
    wanted.want(sorted(asked))
    following = next(parts)
    assert {row for row, _c, _r in following.states} == asked
    # The stream skips the rows already read: every cell still comes once.
    rest = list(parts)
    rows_later = {row for part in rest for row, _c, _r in part.states}
    assert not rows_later & (asked | set(range(10)))


def test_a_closed_view_stops_the_reading(services: Services) -> None:
    store = services.store
    run_id, rubric_id = build_run(store)
    wanted = WantedRows()
    parts = iter_frame_parts(
        store, store.get_run(run_id), rubric_id=rubric_id, wanted=wanted, batch_size=20
    )
    next(parts)
    wanted.cancelled = True
    remaining = list(parts)
    assert len(remaining) <= 2 and not any(p.last for p in remaining)


def test_the_loader_fills_a_shown_grid_and_reads_rows_scrolled_to(
    qtbot: QtBot, services: Services
) -> None:
    store = services.store
    run_id, rubric_id = build_run(store)
    run = store.get_run(run_id)
    full = load_result_frame(store, run, rubric_id=rubric_id, reviewer="ann")
    bridge = EngineBridge(coalesce=coalesce_run_events)
    jobs = BackgroundJobs(bridge, services.open_store)
    model = ResultsTableModel(ResultFrame(full.row_ids, full.columns))
    view = ResultsView(model, title="many")
    model.setParent(view)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    parts: list[FramePart] = []
    jobs.job_part.connect(lambda _job, part: parts.append(part))
    loader = ResultsLoader(jobs, view, run, rubric_id, "ann")
    assert loader.loading and model.loading
    view.table.scrollToBottom()
    assert loader.visible_rows() and max(loader.visible_rows()) == ROWS - 1
    with qtbot.waitSignal(loader.loaded, timeout=30_000):
        pass
    assert not loader.loading and not model.loading
    assert summary(model.frame) == summary(full)
    assert loader.parts == len(parts) >= 2
    bridge.shutdown()


@pytest.mark.parametrize("position", [(0, 0), (3, 1)])
def test_merge_keeps_what_the_frame_already_shows(position: tuple[int, int]) -> None:
    from tests.gui.run_fixtures import columns, ok

    ids = [f"r{i}" for i in range(5)]
    frame = ResultFrame(ids, columns(2))
    row, column = position
    frame.apply_result(ok(ids[row], column, "live text"))
    part = ResultFrame(ids, columns(2)).build_part(
        [ok(ids[row], column, "stored text"), ok(ids[4], 1, "other")]
    )
    changed = frame.merge(*part)
    assert changed == {(4, 1)}
    assert frame.state(row, column).text == "live text"  # type: ignore[union-attr]
    assert frame.column_stats(1).done == 1 + (column == 1)
