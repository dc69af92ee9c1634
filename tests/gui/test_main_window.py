"""Main window: navigator, opening views, frequent shortcuts, and remembered layout."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.run_fixtures import error, ok
from tests.gui.typing_helpers import type_text
from tests.gui.workspace_seed import ORDER_V1
from workbench.app.services import Services
from workbench.core.models import Kind
from workbench.core.runs import Column, RunSpec
from workbench.gui.main import create_application, parse_args
from workbench.gui.main_window import MainWindow
from workbench.gui.ui_settings import UI_SETTINGS_FILENAME
from workbench.gui.views.persona_designer import PersonaDesigner
from workbench.gui.views.prompt_editor import PromptEditor
from workbench.gui.views.results_view import ResultsView
from workbench.store import Store


def open_window(qtbot: QtBot, services: Services) -> MainWindow:
    window = MainWindow(services)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def entry(window: MainWindow, section: str, name: str):  # type: ignore[no-untyped-def]
    return next(e for e in window.navigator.entries(section) if e.name == name)


def ctrl(qtbot: QtBot, window: MainWindow, key: Qt.Key, shift: bool = False) -> None:
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)


def test_navigator_lists_every_section_and_the_welcome_page_shows(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_window(qtbot, services)
    assert [e.name for e in window.navigator.entries("Prompts")] == ["order-tracking"]
    assert [e.name for e in window.navigator.entries("Personas")] == ["camille"]
    assert [e.name for e in window.navigator.entries("Datasets")] == ["support-messages"]
    assert window.navigator.entries("Runs") == []
    assert window.tabs.currentWidget() is window.welcome


def test_opening_a_prompt_typing_and_ctrl_s_saves_and_refreshes_the_navigator(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_window(qtbot, services)
    window.navigator.select_entry(entry(window, "Prompts", "order-tracking"))
    window.navigator.tree.setFocus()
    qtbot.keyClick(window.navigator.tree, Qt.Key.Key_Return)
    editor = window.current_view()
    assert isinstance(editor, PromptEditor)
    assert window.tabs.indexOf(window.welcome) < 0
    assert "Recent versions" in window.inspector.browser.toHtml()

    editor.editors[1].setFocus()
    editor.editors[1].moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, editor.editors[1], "Sois bref.")
    assert window.tabs.tabText(window.tabs.currentIndex()) == "order-tracking •"
    ctrl(qtbot, window, Qt.Key.Key_S)

    assert store.resolve(Kind.PROMPT, "order-tracking").number == 3
    assert window.tabs.tabText(window.tabs.currentIndex()) == "order-tracking"
    assert "v3" in entry(window, "Prompts", "order-tracking").title
    assert "Saved order-tracking@v3" in window.statusBar().currentMessage()


def test_edit_menu_undo_acts_on_the_focused_editor_once(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_window(qtbot, services)
    editor = window.open_entry(entry(window, "Prompts", "order-tracking"))
    assert isinstance(editor, PromptEditor)
    original = editor.editors[1].toPlainText()
    editor.editors[1].setFocus()
    editor.editors[1].moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, editor.editors[1], "abc")
    ctrl(qtbot, window, Qt.Key.Key_Z)
    assert editor.editors[1].toPlainText() == original
    ctrl(qtbot, window, Qt.Key.Key_Z, shift=True)
    assert editor.editors[1].toPlainText() == original + "abc"
    window.actions_by_name["undo"].trigger()
    assert editor.editors[1].toPlainText() == original


def test_ctrl_f_filters_the_navigator(qtbot: QtBot, store: Store, services: Services) -> None:
    window = open_window(qtbot, services)
    window.navigator.tree.setFocus()
    ctrl(qtbot, window, Qt.Key.Key_F)
    assert window.navigator.filter.hasFocus()
    qtbot.keyClicks(window.navigator.filter, "cam")
    proxy = window.navigator.tree.model()
    visible = [
        proxy.index(child, 0, proxy.index(row, 0)).data()
        for row in range(proxy.rowCount())
        for child in range(proxy.rowCount(proxy.index(row, 0)))
    ]
    assert len(visible) == 1
    assert visible[0].startswith("camille")


def test_f5_shows_versions_saved_elsewhere(qtbot: QtBot, store: Store, services: Services) -> None:
    window = open_window(qtbot, services)
    store.save_version(Kind.PROMPT, "returns", ORDER_V1, author="someone else")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert "returns" in [e.name for e in window.navigator.entries("Prompts")]


def test_layout_and_open_tabs_are_remembered_in_the_workspace_home(
    qtbot: QtBot, store: Store, services: Services, home: Path
) -> None:
    window = open_window(qtbot, services)
    window.resize(701, 503)  # within the offscreen screen (800 × 600)
    window.open_entry(entry(window, "Personas", "camille"))
    window.open_entry(entry(window, "Prompts", "order-tracking"))
    window._inspector_dock.hide()
    window.close()
    assert (home / UI_SETTINGS_FILENAME).is_file()

    again = open_window(qtbot, services)
    assert (again.width(), again.height()) == (701, 503)
    assert not again._inspector_dock.isVisible()
    kinds = [type(again.tabs.widget(i)) for i in range(again.tabs.count())]
    assert kinds == [PersonaDesigner, PromptEditor]


def test_closing_a_tab_with_unsaved_text_keeps_a_draft(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_window(qtbot, services)
    editor = window.open_entry(entry(window, "Prompts", "order-tracking"))
    assert isinstance(editor, PromptEditor)
    editor.editors[0].setFocus()
    type_text(qtbot, editor.editors[0], "Brouillon ")
    ctrl(qtbot, window, Qt.Key.Key_W)
    assert "kept as a draft" in window.statusBar().currentMessage()
    reopened = window.open_entry(entry(window, "Prompts", "order-tracking"))
    assert isinstance(reopened, PromptEditor)
    assert reopened.editors[0].toPlainText().startswith("Brouillon ")


def test_a_stored_run_opens_in_the_results_grid(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    prompt = store.resolve(Kind.PROMPT, "order-tracking")
    persona = store.resolve(Kind.PERSONA, "camille")
    dataset = store.resolve(Kind.DATASET, "support-messages")
    from workbench.core.models import ModelConfigContent

    model = store.save_version(
        Kind.MODEL,
        "local",
        ModelConfigContent(
            provider="openai-compatible", model="m", base_url="http://127.0.0.1:1/v1"
        ),
        author="t",
    ).version
    spec = RunSpec(
        prompt_ids=(prompt.id,),
        persona_ids=(persona.id,),
        model_ids=(model.id,),
        dataset_id=dataset.id,
    )
    column = Column(
        index=0,
        prompt_id=prompt.id,
        persona_id=persona.id,
        model_id=model.id,
        label="order-tracking@v2 · camille@v1 · local",
    )
    run = store.create_run(spec, [column], name="demo")
    store.upsert_cells(
        run.id, [ok("fr-001", 0, "Bonjour, votre commande 4512 arrive demain."), error("fr-002", 0)]
    )

    window = open_window(qtbot, services)
    view = window.open_entry(entry(window, "Runs", "demo"))
    assert isinstance(view, ResultsView)
    assert view.proxy.rowCount() == 3
    assert "2 / 3 cells done · 1 error" in view._progress.text()
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(0, 0))
    text = view.detail.toPlainText()
    assert "votre commande 4512" in text
    assert "Prompt sent" in text
    assert "où en est ma commande 4512" in text  # the row's message, rendered again
    ctrl(qtbot, window, Qt.Key.Key_F)
    assert view._search.hasFocus()


def test_command_line_and_application_setup(qtbot: QtBot) -> None:
    assert parse_args(["--home", "/tmp/x"]).home == "/tmp/x"
    assert parse_args([]).home is None
    assert create_application([]) is QApplication.instance()


def test_moving_a_label_in_the_editor_refreshes_the_inspector(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_window(qtbot, services)
    window.navigator.select_entry(entry(window, "Prompts", "order-tracking"))
    window.navigator.tree.setFocus()
    qtbot.keyClick(window.navigator.tree, Qt.Key.Key_Return)
    editor = window.current_view()
    assert isinstance(editor, PromptEditor)
    assert "staging" not in window.inspector.browser.toPlainText()
    editor.history.select_numbers(1)
    editor.history.label_choice.setCurrentText("staging")
    with qtbot.waitSignal(editor.history.labels_changed):
        qtbot.mouseClick(editor.history.label_button, Qt.MouseButton.LeftButton)
    assert "staging" in window.inspector.browser.toPlainText()


def test_every_menu_title_appears_once(qtbot: QtBot, services: Services) -> None:
    window = MainWindow(services)
    qtbot.addWidget(window)
    titles = [action.text() for action in window.menuBar().actions()]
    assert len(titles) == len(set(titles)), titles
