"""Results grid: the table model passes qtmodeltester while streaming; review from the keyboard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.gui.run_fixtures import columns, error, ok
from workbench.core.runs import CellKey, CellStatus, RunStatus
from workbench.engine.events import CellDelta, CellFinished, CellStarted
from workbench.engine.runner import RunSummary
from workbench.gui.models.result_frame import ResultFrame
from workbench.gui.models.results_filter_proxy import RowFilter
from workbench.gui.models.results_table_model import ResultRole, ResultsTableModel
from workbench.gui.views.results_view import ResultsView

ROWS = [f"row-{i:03d}" for i in range(30)]


def make_model(rows: list[str] = ROWS, cols: int = 3) -> ResultsTableModel:
    return ResultsTableModel(ResultFrame(rows, columns(cols)))


def test_model_passes_qtmodeltester_through_a_live_run(qtmodeltester: ModelTester) -> None:
    model = make_model()
    qtmodeltester.check(model, force_py=True)
    key = CellKey("row-004", 1)
    model.apply_events([CellStarted(key), CellDelta(key, "Bonjour")])
    model.apply_events([CellFinished(ok("row-004", 1, "Bonjour Mme Martin,\nvotre colis…"))])
    model.apply_score(key, 0.8, True)
    model.set_rating(key, "pass")
    qtmodeltester.check(model, force_py=True)
    index = model.index(4, 1)
    assert index.data() == "Bonjour Mme Martin, …"
    assert index.data(ResultRole.STATUS) == "ok"
    assert index.data(ResultRole.SCORE) == 0.8
    assert index.data(ResultRole.CELL_KEY) == key
    assert "votre colis" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert model.headerData(1, Qt.Orientation.Vertical) == "row-001"
    assert "pass 100%" in model.headerData(1, Qt.Orientation.Horizontal)


def test_a_batch_signals_contiguous_blocks_and_never_resets(qtbot: QtBot) -> None:
    model = make_model()
    blocks: list[tuple[int, int, int, int]] = []
    resets: list[bool] = []
    headers: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda a, b, roles=(): blocks.append((a.row(), b.row(), a.column(), b.column()))
    )
    model.modelReset.connect(lambda: resets.append(True))
    model.layoutChanged.connect(lambda *_: resets.append(True))
    model.headerDataChanged.connect(lambda orientation, a, b: headers.append((a, b)))
    events: list[Any] = [CellDelta(CellKey(row, 0), "x") for row in ROWS[2:6]]
    events += [CellDelta(CellKey(row, 1), "y") for row in ROWS[2:6]]
    events += [CellFinished(ok("row-020", 2, "done"))]
    model.apply_events(events)
    assert blocks == [(2, 5, 0, 1), (20, 20, 2, 2)]
    assert headers == [(0, 2)]
    assert not resets


def show_view(qtbot: QtBot, model: ResultsTableModel, **kwargs: Any) -> ResultsView:
    view = ResultsView(model, title="demo run", **kwargs)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    with qtbot.waitActive(view):
        view.show()
        view.activateWindow()
    return view


def test_keyboard_review_rates_moves_and_announces(qtbot: QtBot) -> None:
    model = make_model()
    for row in ROWS[:3]:
        model.apply_events([CellFinished(ok(row, 0, f"answer for {row}"))])
    view = show_view(qtbot, model)
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(0, 0))
    ratings: list[tuple[CellKey, str]] = []
    view.rating_given.connect(lambda key, rating: ratings.append((key, rating)))

    qtbot.keyClick(view.table, Qt.Key.Key_4)
    qtbot.keyClick(view.table, Qt.Key.Key_F)
    qtbot.keyClick(view.table, Qt.Key.Key_K)
    qtbot.keyClick(view.table, Qt.Key.Key_P)

    assert ratings == [
        (CellKey("row-000", 0), "4"),
        (CellKey("row-001", 0), "fail"),
        (CellKey("row-001", 0), "pass"),
    ]
    assert model.index(0, 0).data(ResultRole.RATING) == "4"
    assert model.index(1, 0).data(ResultRole.RATING) == "pass"
    assert view.current_key() == CellKey("row-002", 0)
    # Each rating says which row it landed on and where the next key goes.
    assert view._message.text() == "Rated row row-001 (column 0) pass; next key rates row row-002."
    qtbot.keyClick(view.table, Qt.Key.Key_J)
    assert view.current_key() == CellKey("row-003", 0)


def test_filters_show_failed_and_errored_rows_and_text_matches(qtbot: QtBot) -> None:
    model = make_model()
    model.apply_events([CellFinished(error("row-003", 2))])
    model.apply_events([CellFinished(ok("row-007", 0, "Votre remboursement est parti"))])
    model.apply_score(CellKey("row-007", 0), 0.2, False)
    view = show_view(qtbot, model)

    view._filter.setCurrentText(RowFilter.ERRORS.value)
    assert [
        view.proxy.index(r, 0).data(ResultRole.CELL_KEY).row_id
        for r in range(view.proxy.rowCount())
    ] == ["row-003"]
    view._filter.setCurrentText(RowFilter.FAILED.value)
    assert view.proxy.rowCount() == 1
    view._filter.setCurrentText(RowFilter.ALL.value)
    assert view.proxy.rowCount() == len(ROWS)

    view.focus_search()
    assert view._search.hasFocus()
    qtbot.keyClicks(view._search, "rembours")
    assert view.proxy.rowCount() == 1


def test_detail_pane_follows_the_selected_cell_while_it_streams(qtbot: QtBot) -> None:
    model = make_model()
    view = show_view(qtbot, model, prompt_source=lambda key: f"[user] message of {key.row_id}")
    view.table.setCurrentIndex(view.proxy.index(5, 1))
    key = CellKey("row-005", 1)
    model.apply_events([CellStarted(key), CellDelta(key, "Bonjour, ")])
    assert "Bonjour," in view.detail.toPlainText()
    model.apply_events([CellDelta(key, "votre commande est en route.")])
    text = view.detail.toPlainText()
    assert "Bonjour, votre commande est en route." in text
    assert "message of row-005" in text


def test_diff_against_another_column(qtbot: QtBot) -> None:
    model = make_model()
    model.apply_events(
        [
            CellFinished(ok("row-001", 0, "Bonjour,\nvotre colis arrive demain.\n")),
            CellFinished(ok("row-001", 1, "Salut !\nton colis arrive demain.\n")),
        ]
    )
    view = show_view(qtbot, model)
    view.table.setCurrentIndex(view.proxy.index(1, 1))
    view._compare.setCurrentIndex(1)  # column 0
    text = view.detail.toPlainText()
    assert "-Bonjour," in text
    assert "+Salut !" in text


def test_sorting_puts_errors_first_and_keeps_the_source_untouched(qtbot: QtBot) -> None:
    model = make_model()
    model.apply_events([CellFinished(ok("row-000", 0, "a"))])
    model.apply_score(CellKey("row-000", 0), 1.0, True)
    model.apply_events([CellFinished(error("row-009", 0))])
    view = show_view(qtbot, model)
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    first = view.proxy.index(0, 0).data(ResultRole.CELL_KEY)
    last = view.proxy.index(view.proxy.rowCount() - 1, 0).data(ResultRole.CELL_KEY)
    assert (first.row_id, last.row_id) == ("row-009", "row-000")
    assert model.index(0, 0).data(ResultRole.STATUS) == CellStatus.OK.value


def test_buttons_request_cancel_resume_and_retry(qtbot: QtBot) -> None:
    model = make_model()
    view = show_view(qtbot, model)
    view.set_running(True)
    with qtbot.waitSignal(view.cancel_requested, timeout=1000):
        qtbot.mouseClick(view._cancel, Qt.MouseButton.LeftButton)
    assert not view._resume.isEnabled()
    view.set_running(False)
    with qtbot.waitSignal(view.retry_errors_requested, timeout=1000):
        qtbot.mouseClick(view._retry, Qt.MouseButton.LeftButton)
    assert QModelIndex().isValid() is False


def test_the_text_filter_reads_the_customers_message_and_says_when_nothing_matches(
    qtbot: QtBot,
) -> None:
    model = make_model()
    model.frame.set_row_texts({"row-012": "Bonjour, ma lampe Orsay clignote depuis hier"})
    view = show_view(qtbot, model)
    view.focus_search()
    qtbot.keyClicks(view._search, "clignote")
    keys = [
        view.proxy.index(r, 0).data(ResultRole.CELL_KEY).row_id
        for r in range(view.proxy.rowCount())
    ]
    assert keys == ["row-012"]
    assert not view.no_match.isVisible()
    view._search.clear()
    qtbot.keyClicks(view._search, "parapluie")
    assert view.proxy.rowCount() == 0
    assert view.no_match.isVisible()
    assert view.no_match.text() == "No row matches text “parapluie” — out of 30 rows."
    view._search.clear()
    assert not view.no_match.isVisible()


def test_the_end_of_run_line_says_retries_are_counted_as_calls(qtbot: QtBot) -> None:
    view = show_view(qtbot, make_model())
    counts = {"ok": 3, "error": 1}
    view.show_summary(RunSummary(1, RunStatus.FINISHED, counts, 6, 0, 0.0, 1.0))
    assert "4 cell(s), 6 provider call(s) including 2 retries, 0 from cache" in view._message.text()
    view.show_summary(RunSummary(1, RunStatus.FINISHED, {"ok": 4}, 3, 1, 0.0, 1.0))
    assert "4 cell(s), 3 provider call(s), 1 from cache" in view._message.text()
