"""Datasets: a lazy editable table, tag filter, add/delete rows, save as a version, import."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import open_live_window
from tests.gui.typing_helpers import type_text
from workbench.app.services import Services
from workbench.core.models import DatasetContent, DatasetRow, Kind
from workbench.gui.main_window import MainWindow
from workbench.gui.models.dataset_table_model import PAGE_ROWS, DatasetTableModel
from workbench.gui.views.dataset_editor import DatasetEditor
from workbench.gui.views.dataset_import_dialog import DatasetImportDialog
from workbench.store import Store


def open_dataset(qtbot: QtBot, window: MainWindow, name: str) -> DatasetEditor:
    entry = next(e for e in window.navigator.entries("Datasets") if e.name == name)
    view = window.open_entry(entry)
    assert isinstance(view, DatasetEditor)
    return view


def big_dataset(store: Store, rows: int) -> str:
    content = DatasetContent(
        rows=tuple(
            DatasetRow(
                id=f"r{i:06d}",
                vars={"message": f"message {i}", **({"late": i} if i == rows - 1 else {})},
                tags=("even",) if i % 2 == 0 else ("odd",),
            )
            for i in range(rows)
        )
    )
    return store.save_version(Kind.DATASET, "big", content, author="t").version.id


def test_the_table_model_is_lazy_and_passes_qtmodeltester(
    qtbot: QtBot, store: Store, qtmodeltester: ModelTester
) -> None:
    version_id = big_dataset(store, 3 * PAGE_ROWS + 10)
    model = DatasetTableModel(store, version_id)
    assert model.rowCount() == 3 * PAGE_ROWS + 10
    assert model.pages_read == 1  # opening read the ids and one page only
    assert model.index(PAGE_ROWS + 3, 0).data() == f"r{PAGE_ROWS + 3:06d}"
    assert model.pages_read == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "message"
    last = model.rowCount() - 1
    model.index(last, 0).data()
    qtbot.waitUntil(lambda: model.columnCount() == 6)  # "late" first appears on the last page
    assert model.index(last, 5).data() == str(last)
    small = DatasetTableModel(store, store.resolve(Kind.DATASET, "support-messages").id)
    qtmodeltester.check(small, force_py=True)
    small.setData(small.index(0, small.columns.index("tags")), "fr, urgent")
    small.add_row()
    small.delete_rows([1])
    qtmodeltester.check(small, force_py=True)


def test_edit_add_delete_filter_and_save_a_new_version(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    view = open_dataset(qtbot, window, "support-messages")
    model = view.model
    assert model is not None and model.rowCount() == 3
    qtbot.waitUntil(lambda: view.tag_filter.count() > 1, timeout=5_000)

    # Edit a variable by typing into the cell, as a user does.
    view.table.setFocus()
    message = model.columns.index("var:message")
    view.table.setCurrentIndex(model.index(2, message))
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    editor = view.table.focusWidget()
    editor.selectAll()  # type: ignore[attr-defined]
    type_text(qtbot, editor, "Où est mon colis ?")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next loop turn
    qtbot.waitUntil(lambda: model.row_at(2).vars["message"] == "Où est mon colis ?")
    assert window.tabs.tabText(window.tabs.currentIndex()).endswith("•")

    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    editor = view.table.focusWidget()
    type_text(qtbot, editor, "Ma lampe est cassée")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.row_at(3).vars["message"] == "Ma lampe est cassée")
    assert model.rowCount() == 4
    model.setData(model.index(3, model.columns.index("tags")), "fr, broken")

    view.table.selectRow(1)
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert model.rowCount() == 3

    view.tag_filter.setCurrentText("fr")
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5_000)
    assert [model.row_at(r).id for r in range(2)] == ["fr-001", "row-0004"]
    view.tag_filter.setCurrentText("All rows")
    assert model.rowCount() == 3

    with qtbot.waitSignal(view.version_saved, timeout=5_000):
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = store.resolve(Kind.DATASET, "support-messages")
    assert saved.number == 2
    assert isinstance(saved.content, DatasetContent)
    assert [row.id for row in saved.content.rows] == ["fr-001", "en-001", "row-0004"]
    assert saved.content.rows[1].vars["message"] == "Où est mon colis ?"
    assert saved.content.rows[2].tags == ("fr", "broken")
    assert "support-messages@v2" in view.title.text()
    assert not view.is_dirty()


def test_a_failed_save_names_the_rows_and_keeps_the_edits(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    view = open_dataset(qtbot, window, "support-messages")
    model = view.model
    assert model is not None
    assert not model.setData(model.index(0, 0), "   ")
    assert "Row 1, id: A row id cannot be blank." in view.problem.text()
    model.setData(model.index(2, 0), "fr-001")
    view.save()
    qtbot.waitUntil(lambda: "Not saved" in view.problem.text(), timeout=5_000)
    assert "Rows 1 and 3 both have the id 'fr-001'" in view.problem.text()
    assert view.is_dirty() and model.row_at(2).id == "fr-001"
    assert view.table.selectionModel().isRowSelected(2)
    assert store.resolve(Kind.DATASET, "support-messages").number == 1


def test_import_shows_the_error_with_its_line_then_previews_and_saves(
    qtbot: QtBot, store: Store, services: Services, tmp_path: Path
) -> None:
    window = open_live_window(qtbot, services)
    view = open_dataset(qtbot, window, "support-messages")
    dialog = view.open_import()
    assert isinstance(dialog, DatasetImportDialog)

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "vars": {"message": "ok"}}\n{"id": "b", "vars": \n', "utf-8")
    with qtbot.waitSignal(dialog.parsed, timeout=5_000) as parsed:
        dialog.read(bad)
    assert parsed.args[0] is None
    assert f"{bad}:2" in dialog.status.text()
    assert dialog.excerpt.isVisible()
    assert '→ 2 │ {"id": "b", "vars": ' in dialog.excerpt.toPlainText()
    assert not dialog.import_button.isEnabled()

    good = tmp_path / "good.csv"
    good.write_text("id,message,tags\nn1,Bonjour,fr\nn2,Hello,en\n", "utf-8")
    with qtbot.waitSignal(dialog.parsed, timeout=5_000) as parsed:
        dialog.read(good)
    assert isinstance(parsed.args[0], DatasetContent)
    assert "2 rows" in dialog.status.text()
    assert dialog.preview_model.rowCount() == 2
    assert dialog.preview_model.item(0, 1).text() == "Bonjour"
    with qtbot.waitSignal(view.version_saved, timeout=5_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    head = store.resolve(Kind.DATASET, "support-messages")
    assert head.number == 2 and head.note == "Imported from good.csv"
    assert view.model is not None and view.model.rowCount() == 2
