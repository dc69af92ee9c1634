"""The results grid repaints only what changed: header figures alone, cached badges and lines.

Counted, not timed: how many cells the delegate paints after a change, and what it reuses.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.grid_views import shown_results_view
from tests.gui.run_fixtures import columns, ok
from workbench.engine.events import CellFinished
from workbench.gui.delegates.cell_delegate import CellDelegate
from workbench.gui.models.result_frame import ResultFrame
from workbench.gui.models.results_table_model import ResultsTableModel
from workbench.gui.views.results_view import ResultsView

ROWS = [f"row-{i:04d}" for i in range(600)]


def shown_grid(qtbot: QtBot) -> tuple[ResultsView, ResultsTableModel]:
    model = ResultsTableModel(ResultFrame(ROWS, columns(3)))
    model.apply_events(
        [CellFinished(ok(row, c, f"answer {row}")) for row in ROWS for c in (0, 1, 2)]
    )
    view = shown_results_view(qtbot, model, width=1000)
    return view, model


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


@pytest.fixture()
def painted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows the cell delegate paints (source rows)."""
    rows: list[int] = []
    paint = CellDelegate.paint

    def counting(self: CellDelegate, painter: Any, option: Any, index: Any) -> None:
        rows.append(index.row())
        paint(self, painter, option, index)

    monkeypatch.setattr(CellDelegate, "paint", counting)
    return rows


def test_new_column_figures_repaint_the_header_not_the_visible_cells(
    qtbot: QtBot, painted: list[int]
) -> None:
    view, model = shown_grid(qtbot)
    proxy_headers: list[tuple[int, int]] = []
    view.proxy.headerDataChanged.connect(
        lambda orientation, a, b: (
            proxy_headers.append((a, b)) if orientation == Qt.Orientation.Horizontal else None
        )
    )
    figures: list[tuple[int, int]] = []
    view.proxy.header_figures_changed.connect(lambda a, b: figures.append((a, b)))
    settle()
    painted.clear()

    # A cell far below the screen finishes: its column's figures change.
    model.apply_events([CellFinished(ok(ROWS[-1], 1, "late", latency=9000.0))])
    settle()
    assert painted == []  # no visible cell repainted
    assert proxy_headers == [] and figures == [(1, 1)]
    assert view._quiet_header.pending
    view._quiet_header.flush()
    assert not view._quiet_header.pending

    # A visible cell changes: that cell alone is painted again.
    model.apply_events([CellFinished(ok(ROWS[2], 0, "new text"))])
    settle()
    assert set(painted) == {2}


def test_the_delegate_reuses_badges_and_elided_lines_until_they_change() -> None:
    delegate = CellDelegate()
    font = QFont()
    metrics = QFontMetrics(font)
    delegate._font_metrics(font)
    first = delegate._badge("✓ 1.00", QColor(46, 139, 87), font, metrics, 18, 1.0)
    again = delegate._badge("✓ 1.00", QColor(46, 139, 87), font, metrics, 18, 1.0)
    other = delegate._badge("✗ 0.00", QColor(200, 60, 60), font, metrics, 18, 1.0)
    assert first is again and other is not first and other.width() > 0

    long_text = "Bonjour Hélène, votre commande a été expédiée " * 4
    line = delegate._elide((3, 1), long_text, 200, metrics)
    assert line.endswith("…") and metrics.horizontalAdvance(line) <= 200
    assert delegate._elide((3, 1), long_text, 200, metrics) is line
    changed = delegate._elide((3, 1), "Short answer", 200, metrics)
    assert changed == "Short answer"
    assert delegate._elide((3, 1), "Short answer", 40, metrics) != "Short answer"


def test_rows_follow_their_data_only_while_a_filter_or_a_sort_needs_it(qtbot: QtBot) -> None:
    from workbench.gui.models.results_filter_proxy import RowFilter

    view, model = shown_grid(qtbot)
    proxy = view.proxy
    assert not proxy.dynamicSortFilter()  # nothing can move: changed rows are not re-filtered
    proxy.set_row_filter(RowFilter.FAILED)
    assert proxy.dynamicSortFilter() and proxy.rowCount() == 0
    model.apply_score(model.key_at(7, 1), 0.0, False)  # a row fails while the filter is on
    assert proxy.rowCount() == 1
    assert proxy.mapToSource(proxy.index(0, 0)).row() == 7
    proxy.set_row_filter(RowFilter.ALL)
    assert not proxy.dynamicSortFilter() and proxy.rowCount() == len(ROWS)
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert proxy.dynamicSortFilter()
    view.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    assert not proxy.dynamicSortFilter()
