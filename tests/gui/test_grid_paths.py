"""The results grid's cheap paths show exactly what the plain ones did.

Column medians kept incrementally equal `statistics.median`; changed cells are signalled in
small blocks that cover each changed cell once and nothing else; the cell painter's direct path
(no `mapToSource`) paints what the mapped path paints; the GUI collector's full collections
follow the growth of long-lived objects. Counted and compared, never timed.
"""

from __future__ import annotations

import gc
import random
import statistics
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.grid_views import shown_results_view
from tests.gui.run_fixtures import columns, error, ok
from workbench.core.runs import CellKey
from workbench.engine.events import CellDelta, CellFinished, CellStarted
from workbench.gui.garbage_collection import GuiGarbageCollector
from workbench.gui.models.result_frame import ResultFrame
from workbench.gui.models.results_table_model import SIGNAL_CELLS, ResultsTableModel
from workbench.gui.views.results_view import ResultsView


def test_the_kept_median_equals_the_median_of_the_latencies_through_every_change() -> None:
    rows = [f"r{i:03d}" for i in range(300)]
    grid = ResultFrame(rows, columns(1))
    chooser = random.Random(16)
    for step in range(1500):
        row = chooser.choice(rows)
        action = chooser.random()
        key = CellKey(row, 0)
        if action < 0.5:  # a cell finishes (again: a retried cell replaces its latency)
            grid.apply_result(ok(row, 0, "a", latency=float(chooser.randint(1, 60))))
        elif action < 0.7:  # rescored: its latency is removed and added back
            grid.apply_score(key, 1.0, True)
        elif action < 0.85:  # retried: it starts over, its latency no longer counts
            grid.apply_events([CellStarted(key)])
        else:
            grid.apply_result(error(row, 0))
        if step % 7 == 0 or step > 1490:
            stats = grid.column_stats(0)
            values = list(stats.latencies_ms.values())
            expected = statistics.median(values) if values else None
            assert stats.p50_latency_ms == expected


def test_merged_parts_keep_the_median_of_all_their_latencies() -> None:
    rows = [f"r{i:03d}" for i in range(200)]
    grid = ResultFrame(rows, columns(2))
    other = ResultFrame(rows, columns(2))
    latencies = {(r, c): float((r * 37 + c * 11) % 97) for r in range(200) for c in range(2)}
    for first in range(0, 200, 50):
        part = [
            ok(rows[r], c, "x", latency=latencies[(r, c)])
            for r in range(first, first + 50)
            for c in range(2)
        ]
        grid.merge(*other.build_part(part))
        for column in range(2):
            seen = [latencies[(r, column)] for r in range(first + 50)]
            assert grid.column_stats(column).p50_latency_ms == statistics.median(seen)


def _recorded_blocks(model: ResultsTableModel) -> list[tuple[int, int, int, int]]:
    blocks: list[tuple[int, int, int, int]] = []

    def record(top_left: QModelIndex, bottom_right: QModelIndex, _roles: Any = None) -> None:
        blocks.append(
            (top_left.row(), bottom_right.row(), top_left.column(), bottom_right.column())
        )

    model.dataChanged.connect(record)
    return blocks


def _cells(blocks: list[tuple[int, int, int, int]]) -> list[tuple[int, int]]:
    return [
        (row, column)
        for first, last, left, right in blocks
        for row in range(first, last + 1)
        for column in range(left, right + 1)
    ]


def test_a_loaded_part_is_signalled_in_small_blocks_covering_each_cell_once() -> None:
    rows = [f"r{i:04d}" for i in range(3000)]
    model = ResultsTableModel(ResultFrame(rows, columns(3)))
    blocks = _recorded_blocks(model)
    wanted = [r for r in range(2500) if r % 500 != 7]  # a gap splits the rows in runs
    part = [ok(rows[r], c, "x") for r in wanted for c in range(3)]
    model.merge_part(*ResultFrame(rows, columns(3)).build_part(part))
    cells = _cells(blocks)
    assert sorted(cells) == sorted((r, c) for r in wanted for c in range(3))
    assert len(cells) == len(set(cells))  # no cell signalled twice
    assert all((b[1] - b[0] + 1) * (b[3] - b[2] + 1) <= SIGNAL_CELLS for b in blocks)


def test_live_changes_are_signalled_in_small_blocks_covering_each_cell_once() -> None:
    rows = [f"r{i:04d}" for i in range(2000)]
    model = ResultsTableModel(ResultFrame(rows, columns(4)))
    blocks = _recorded_blocks(model)
    events: list[Any] = []
    for r in range(0, 1200):
        for c in range(4):
            key = CellKey(rows[r], c)
            events += [CellStarted(key), CellDelta(key, "Bon"), CellFinished(ok(rows[r], c, "ok"))]
    model.apply_events(events)
    cells = _cells(blocks)
    assert sorted(cells) == [(r, c) for r in range(1200) for c in range(4)]
    assert all((b[1] - b[0] + 1) * (b[3] - b[2] + 1) <= SIGNAL_CELLS for b in blocks)
    assert model.frame.done_count() == 4800


def test_a_wide_row_is_split_by_columns_too() -> None:
    wide = SIGNAL_CELLS * 2 + 5
    model = ResultsTableModel(ResultFrame(["only"], columns(wide)))
    blocks = _recorded_blocks(model)
    model.apply_events([CellFinished(ok("only", c, "x")) for c in range(wide)])
    assert sorted(_cells(blocks)) == [(0, c) for c in range(wide)]
    assert all(b[3] - b[2] + 1 <= SIGNAL_CELLS for b in blocks)


def _grid(qtbot: QtBot) -> ResultsView:
    rows = [f"row-{i:03d}" for i in range(40)]
    model = ResultsTableModel(ResultFrame(rows, columns(3)))
    model.apply_events(
        [
            CellFinished(ok(row, c, f"answer {row} {c} " * (1 + i % 4)))
            for i, row in enumerate(rows)
            for c in range(3)
            if (i + c) % 5
        ]
    )
    for i, row in enumerate(rows):
        if i % 3:
            model.apply_score(CellKey(row, 1), i / 40, i % 2 == 0)
    model.set_rating(CellKey(rows[2], 0), "4")
    view = shown_results_view(qtbot, model, width=900)
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(1, 1))
    for _ in range(3):
        QApplication.processEvents()
    return view


def _table_image(view: ResultsView) -> QImage:
    return view.table.viewport().grab().toImage()


def test_the_direct_path_paints_what_the_mapped_path_paints(qtbot: QtBot) -> None:
    view = _grid(qtbot)
    assert view.proxy.identity
    direct = _table_image(view)
    view.proxy._identity = False  # force `mapToSource` for every painted cell
    mapped = _table_image(view)
    view.proxy._identity = True
    assert direct == mapped


def test_the_proxy_maps_identically_only_without_filter_or_sort(qtbot: QtBot) -> None:
    from workbench.gui.models.results_filter_proxy import RowFilter

    view = _grid(qtbot)
    proxy = view.proxy
    assert proxy.identity
    proxy.set_row_filter(RowFilter.FAILED)
    assert not proxy.identity
    proxy.set_row_filter(RowFilter.ALL)
    assert proxy.identity
    proxy.set_text("row-01")
    assert not proxy.identity
    proxy.set_text("")
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert not proxy.identity
    sorted_image = _table_image(view)
    view.proxy._identity = True  # wrongly claiming identity would paint other cells
    assert _table_image(view) != sorted_image
    view.proxy._identity = False
    view.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    assert proxy.identity


def test_the_grid_skips_optional_shaping_and_follows_the_application_font(
    qtbot: QtBot, qapp: QApplication
) -> None:
    view = _grid(qtbot)
    assert view.table.font().styleStrategy() == QFont.StyleStrategy.PreferNoShaping
    before = qapp.font()
    bigger = QFont(before)
    bigger.setPointSize(before.pointSize() + 5)
    try:
        qapp.setFont(bigger)
        QApplication.processEvents()
        assert view.table.font().pointSize() == bigger.pointSize()
        assert view.table.font().family() == bigger.family()
        assert view.table.font().styleStrategy() == QFont.StyleStrategy.PreferNoShaping
    finally:
        qapp.setFont(before)


def test_full_collections_wait_for_the_long_lived_objects_to_grow(qapp: QApplication) -> None:
    collector = GuiGarbageCollector(qapp, interval_ms=60_000, thresholds=(100, 1, 1))
    # A base of long-lived objects, whatever earlier tests froze or left behind.
    kept: list[list[Any]] = [[[] for _ in range(100_000)]]
    try:
        gc.collect()
        for _ in range(12):  # a first full collection measures the long-lived objects
            kept.append([[] for _ in range(200)])
            collector.check()
        assert collector.full_collections >= 1
        full_before = collector.full_collections
        # Few new long-lived objects: young and middle collections only.
        for _ in range(10):
            kept.append([[] for _ in range(150)])
            collector.check()
        assert collector.full_collections == full_before
        # Long-lived objects grow by far more than a quarter: a full collection comes.
        total = collector._long_lived_total
        assert total >= 100_000
        for _ in range(12):
            kept.append([[] for _ in range(total // 16)])
            collector.check()
        assert collector.full_collections > full_before
    finally:
        collector.stop()
        gc.disable()  # the package's own collector keeps automatic collection off
