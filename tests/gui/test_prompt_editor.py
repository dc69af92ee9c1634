"""Prompt editor: typing, live preview, errors in place, save, history, labels, fork, drafts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from tests.gui.typing_helpers import type_text
from workbench.core.models import Kind
from workbench.gui.drafts import DraftStore
from workbench.gui.views.prompt_editor import PromptEditor
from workbench.store import Store


def open_editor(
    qtbot: QtBot, store: Store, home: Path, name: str = "order-tracking"
) -> PromptEditor:
    editor = PromptEditor(store, name, author="tester", drafts=DraftStore(home))
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    with qtbot.waitActive(editor):
        editor.show()
        editor.activateWindow()
    return editor


def type_at_end(qtbot: QtBot, editor: PromptEditor, slot: int, text: str) -> None:
    edit = editor.editors[slot]
    edit.setFocus()
    edit.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, edit, text)


def test_opens_the_head_and_previews_it_with_a_dataset_row(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    assert "v2" in editor.title.text()
    assert editor.editors[1].toPlainText() == "Message du client : {{ message }}\n"
    assert editor.picker.dataset.currentText() == "support-messages"
    assert "où en est ma commande 4512" in editor.preview.toPlainText()
    assert not editor.is_dirty()


def test_typing_updates_the_preview_and_saving_makes_a_new_version(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    type_at_end(qtbot, editor, 1, "Réponds en trois phrases au plus.")
    assert editor.is_dirty()
    assert "unsaved" in editor.title.text()
    qtbot.waitUntil(lambda: "trois phrases" in editor.preview.toPlainText(), timeout=2000)
    qtbot.keyClicks(editor.note, "Shorter answers.")

    with qtbot.waitSignal(editor.version_saved) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    assert saved.args[0].number == 3
    head = store.resolve(Kind.PROMPT, "order-tracking")
    assert head.number == 3
    assert head.note == "Shorter answers."
    assert head.author == "tester"
    assert head.content.user.endswith("Réponds en trois phrases au plus.")  # type: ignore[attr-defined]
    assert editor.status.text() == "Saved order-tracking@v3."
    assert not editor.is_dirty()
    assert editor.history.version_numbers() == [3, 2, 1]


def test_saving_unchanged_content_says_so_and_creates_nothing(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    editor.save()
    assert editor.status.text() == "No change — still v2."
    assert len(store.history(Kind.PROMPT, "order-tracking")) == 2


def test_a_misspelt_variable_is_shown_in_place_with_line_and_name(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    type_at_end(qtbot, editor, 1, "Commande : {{ order_idd }}")
    qtbot.waitUntil(editor.preview_error.isVisible, timeout=2000)
    message = editor.preview_error.text()
    assert "order-tracking@draft:user" in message
    assert "line 2" in message
    assert "'order_idd'" in message
    assert editor.editors[1].error_line == 2
    assert editor.editors[0].error_line is None


def test_a_syntax_error_marks_its_line_and_loses_nothing_on_save(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    type_at_end(qtbot, editor, 0, "{% if message %}oops")
    qtbot.waitUntil(editor.preview_error.isVisible, timeout=2000)
    assert "order-tracking@draft:system" in editor.preview_error.text()
    assert editor.editors[0].error_line is not None


def test_variables_panel_reports_missing_and_declares_them(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    type_at_end(qtbot, editor, 1, "Numéro : {{ order_id }}")
    editor.refresh_preview()
    assert editor.variables.status_of("order_id").startswith("missing")
    assert editor.variables.status_of("message") == "ok"
    qtbot.mouseClick(editor.variables.declare_missing, Qt.MouseButton.LeftButton)
    editor.refresh_preview()
    assert "order_id" in editor.variables.declared()
    assert editor.variables.status_of("order_id") == "ok"


def test_invalid_parameters_refuse_the_save_and_keep_the_text(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    editor.params.setText('{"temperature": 0.3,}')
    type_at_end(qtbot, editor, 1, "Merci.")
    assert editor.save() is None
    assert "Parameters, line 1 column" in editor.status.text()
    assert editor.editors[1].toPlainText().endswith("Merci.")
    assert len(store.history(Kind.PROMPT, "order-tracking")) == 2


def test_undo_and_redo_with_the_keyboard(qtbot: QtBot, store: Store, home: Path) -> None:
    editor = open_editor(qtbot, store, home)
    original = editor.editors[1].toPlainText()
    type_at_end(qtbot, editor, 1, "xyz")
    qtbot.keyClick(editor.editors[1], Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.editors[1].toPlainText() == original
    assert not editor.is_dirty()
    qtbot.keyClick(
        editor.editors[1],
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert editor.editors[1].toPlainText() == original + "xyz"


def test_unsaved_text_survives_closing_and_can_be_discarded(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    type_at_end(qtbot, editor, 1, "Texte pas encore enregistré")
    qtbot.waitUntil(
        lambda: DraftStore(home).load("prompt-order-tracking") is not None, timeout=3000
    )
    editor.close()

    reopened = open_editor(qtbot, store, home)
    assert reopened.editors[1].toPlainText().endswith("Texte pas encore enregistré")
    assert reopened.is_dirty()
    assert "Restored unsaved changes" in reopened.draft_banner.text()
    assert "based on v2" in reopened.draft_banner.text()
    qtbot.mouseClick(reopened.discard_draft_button, Qt.MouseButton.LeftButton)
    assert not reopened.is_dirty()
    assert DraftStore(home).load("prompt-order-tracking") is None


def test_history_compares_two_versions_side_by_side_and_sets_a_label(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    history = editor.history
    history.select_numbers(1, 2)
    assert "order-tracking@v1 → order-tracking@v2: 1 change" in history.summary.text()
    assert history.changes.item(0).text() == "system  (changed)"
    assert "demande-le" in history.diff.right.toPlainText()
    assert "demande-le" not in history.diff.left.toPlainText()

    history.select_numbers(2)
    history.label_choice.setCurrentText("production")
    with qtbot.waitSignal(history.labels_changed):
        qtbot.mouseClick(history.label_button, Qt.MouseButton.LeftButton)
    assert store.get_family(Kind.PROMPT, "order-tracking").labels == {"production": 2}
    assert "[production]" in history.versions.item(0).text()


def test_opening_an_old_version_and_saving_moves_the_head_back(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    editor.history.select_numbers(1)
    qtbot.mouseClick(editor.history.open_button, Qt.MouseButton.LeftButton)
    assert editor.is_dirty()
    editor.save()
    assert editor.status.text() == "Same content as v1; the head moved back to it."
    assert store.resolve(Kind.PROMPT, "order-tracking").number == 1


def test_fork_creates_a_new_family_from_the_current_text(
    qtbot: QtBot, store: Store, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = open_editor(qtbot, store, home)
    type_at_end(qtbot, editor, 1, "Version courte.")
    monkeypatch.setattr(
        "workbench.gui.views.prompt_editor.QInputDialog.getText",
        lambda *args, **kwargs: ("order-tracking-short", True),
    )
    qtbot.mouseClick(editor.fork_button, Qt.MouseButton.LeftButton)
    fork = store.resolve(Kind.PROMPT, "order-tracking-short")
    assert fork.number == 1
    assert fork.parent_id == store.resolve(Kind.PROMPT, "order-tracking@v2").id
    assert fork.content.user.endswith("Version courte.")  # type: ignore[attr-defined]
    assert editor.name == "order-tracking-short"
    assert store.resolve(Kind.PROMPT, "order-tracking").number == 2


def test_fork_to_an_existing_name_is_refused(qtbot: QtBot, store: Store, home: Path) -> None:
    editor = open_editor(qtbot, store, home)
    assert editor.fork("order-tracking") is None
    assert "already exists" in editor.status.text()


def test_a_new_family_is_created_on_first_save(qtbot: QtBot, store: Store, home: Path) -> None:
    editor = open_editor(qtbot, store, home, name="returns")
    assert "new" in editor.title.text()
    type_at_end(qtbot, editor, 1, "Le client veut retourner : {{ message }}")
    editor.save()
    assert store.resolve(Kind.PROMPT, "returns").number == 1


def test_persona_choice_feeds_the_preview(qtbot: QtBot, store: Store, home: Path) -> None:
    editor = open_editor(qtbot, store, home)
    editor.picker.persona.setCurrentText("camille")
    qtbot.waitUntil(lambda: "Camille" in editor.preview.toPlainText(), timeout=2000)
    editor.picker.row.setCurrentIndex(2)
    qtbot.waitUntil(lambda: "Where is my parcel?" in editor.preview.toPlainText(), timeout=2000)


def test_a_template_that_does_not_parse_is_refused_and_kept_as_a_draft(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    type_at_end(qtbot, editor, 0, "{% if message %}oops")
    assert editor.save() is None
    assert len(store.history(Kind.PROMPT, "order-tracking")) == 2
    assert "Not saved: the template does not parse" in editor.status.text()
    assert "kept as a draft" in editor.status.text()
    assert editor.is_dirty() and editor.editors[0].error_line is not None
    reopened = open_editor(qtbot, store, home)
    assert reopened.editors[0].toPlainText().endswith("{% if message %}oops")


def test_saving_a_variable_no_dataset_provides_warns(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    editor = open_editor(qtbot, store, home)
    type_at_end(qtbot, editor, 1, " Commande : {{ numero_commande }}")
    qtbot.mouseClick(editor.variables.declare_missing, Qt.MouseButton.LeftButton)
    assert editor.save() is not None
    assert "Saved order-tracking@v3." in editor.status.text()
    assert "Warning: no dataset provides numero_commande" in editor.status.text()
