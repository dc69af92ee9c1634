"""Persona designer: form edits, live preview, save/versions/diff, drafts, and "Try it"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.typing_helpers import type_text
from workbench.app.services import Services
from workbench.core.models import Kind, ModelConfigContent, PersonaContent
from workbench.gui.bridge import EngineBridge
from workbench.gui.drafts import DraftStore
from workbench.gui.views.persona_designer import PersonaDesigner
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer


def open_designer(
    qtbot: QtBot, store: Store, home: Path, name: str = "camille", **kwargs: object
) -> PersonaDesigner:
    designer = PersonaDesigner(store, name, author="tester", drafts=DraftStore(home), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(designer)
    designer.resize(1200, 900)
    with qtbot.waitActive(designer):
        designer.show()
        designer.activateWindow()
    return designer


def test_shows_the_persona_and_its_rendered_section(qtbot: QtBot, store: Store, home: Path) -> None:
    designer = open_designer(qtbot, store, home)
    assert designer.form.display_name.text() == "Camille"
    assert designer.form.address_form.currentData() == "vous"
    assert designer.form.prefer.values() == ["je vous remercie"]
    assert "Camille" in designer.preview.toPlainText()
    assert not designer.is_dirty()


def test_editing_fields_updates_the_preview_and_saves_a_version_with_a_field_diff(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    designer = open_designer(qtbot, store, home)
    form = designer.form
    form.address_form.setCurrentIndex(form.address_form.findData("tu"))
    form.formality.slider.setFocus()
    qtbot.keyClick(form.formality.slider, Qt.Key.Key_Left)
    qtbot.keyClick(form.formality.slider, Qt.Key.Key_Left)
    assert form.formality.label.text() == "2 · casual"
    form.avoid.entry.setFocus()
    type_text(qtbot, form.avoid.entry, "cordialement")
    qtbot.keyClick(form.avoid.entry, Qt.Key.Key_Return)
    assert designer.is_dirty()
    qtbot.waitUntil(lambda: "tutoie" in designer.preview.toPlainText().lower(), timeout=2000)

    with qtbot.waitSignal(designer.version_saved):
        qtbot.mouseClick(designer.save_button, Qt.MouseButton.LeftButton)

    head = store.resolve(Kind.PERSONA, "camille")
    assert head.number == 2
    assert isinstance(head.content, PersonaContent)
    assert (head.content.address_form, head.content.formality) == ("tu", 2)
    assert head.content.avoid == ("malheureusement", "cordialement")
    designer.history.select_numbers(1, 2)
    paths = [
        designer.history.changes.item(i).text() for i in range(designer.history.changes.count())
    ]
    assert "formality  (changed)" in paths
    assert "address_form  (changed)" in paths


def test_unchanged_save_and_invalid_fields_are_explained(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    designer = open_designer(qtbot, store, home)
    designer.save()
    assert designer.status.text() == "No change — still v1."
    designer.form.display_name.clear()
    assert designer.save() is None
    assert "Display name" in designer.status.text()
    assert len(store.history(Kind.PERSONA, "camille")) == 1


def test_example_replies_are_typed_into_the_table(qtbot: QtBot, store: Store, home: Path) -> None:
    designer = open_designer(qtbot, store, home)
    form = designer.form
    qtbot.mouseClick(form.add_example, Qt.MouseButton.LeftButton)
    assert form.examples.rowCount() == 2
    type_text(qtbot, QApplication.focusWidget(), "Je veux un remboursement")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    QApplication.processEvents()  # the next cell's editor takes focus once the old one is gone
    type_text(qtbot, QApplication.focusWidget(), "Bien sûr, voyons cela ensemble.")
    designer.save()  # what Ctrl+S does in the main window, while the cell is still being edited
    content = store.resolve(Kind.PERSONA, "camille").content
    assert isinstance(content, PersonaContent)
    assert content.examples[1].customer == "Je veux un remboursement"
    assert content.examples[1].reply == "Bien sûr, voyons cela ensemble."


def test_unsaved_form_survives_closing(qtbot: QtBot, store: Store, home: Path) -> None:
    designer = open_designer(qtbot, store, home)
    designer.form.sign_off.setFocus()
    designer.form.sign_off.clear()
    type_text(qtbot, designer.form.sign_off, "À bientôt !")
    designer.close()
    reopened = open_designer(qtbot, store, home)
    assert reopened.form.sign_off.text() == "À bientôt !"
    assert reopened.is_dirty()
    assert "Restored unsaved changes" in reopened.draft_banner.text()


@pytest.fixture()
def fake_server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


def test_try_it_sends_the_persona_and_streams_the_reply(
    qtbot: QtBot, store: Store, home: Path, services: Services, fake_server: FakeLLMServer
) -> None:
    store.save_version(
        Kind.MODEL,
        "fake-local",
        ModelConfigContent(
            provider="openai-compatible", model="fake", base_url=fake_server.openai_base_url
        ),
        author="tester",
    )
    bridge = EngineBridge()
    designer = open_designer(
        qtbot, store, home, bridge=bridge, provider_factory=services.provider_factory()
    )
    try:
        assert designer.try_model.currentText() == "fake-local"
        designer.try_message.setPlainText("Où est mon colis ?")
        with qtbot.waitSignal(designer.reply_finished, timeout=10_000) as finished:
            qtbot.mouseClick(designer.try_send, Qt.MouseButton.LeftButton)
        assert finished.args[0] == "Réponse à: Où est mon colis ?"
        assert designer.try_reply.toPlainText() == "Réponse à: Où est mon colis ?"
        body = fake_server.requests[-1].body
        assert body is not None
        assert body["messages"][0]["role"] == "system"
        assert "Camille" in body["messages"][0]["content"]
        assert body["messages"][1]["content"] == "Où est mon colis ?"
    finally:
        bridge.shutdown()


def test_try_it_reports_an_unreachable_model_in_place(
    qtbot: QtBot, store: Store, home: Path, services: Services
) -> None:
    store.save_version(
        Kind.MODEL,
        "nowhere",
        ModelConfigContent(
            provider="openai-compatible", model="x", base_url="http://127.0.0.1:9/v1"
        ),
        author="tester",
    )
    bridge = EngineBridge()
    designer = open_designer(
        qtbot, store, home, bridge=bridge, provider_factory=services.provider_factory()
    )
    try:
        designer.try_message.setPlainText("Bonjour")
        with qtbot.waitSignal(designer.reply_finished, timeout=20_000) as finished:
            qtbot.mouseClick(designer.try_send, Qt.MouseButton.LeftButton)
        assert finished.args[0].startswith("No reply:")
        assert designer.try_send.isEnabled()
    finally:
        bridge.shutdown()


def test_switching_to_tu_shows_the_contradictions_with_the_rest_of_the_persona(
    qtbot: QtBot, store: Store, home: Path
) -> None:
    designer = open_designer(qtbot, store, home)
    assert not designer.contradictions.isVisible()
    form = designer.form
    form.formality.slider.setValue(5)
    form.address_form.setCurrentIndex(form.address_form.findData("tu"))
    qtbot.waitUntil(designer.contradictions.isVisible, timeout=2000)
    text = designer.contradictions.text()
    assert "formality 5" in text
    assert "preferred phrase 'je vous remercie' uses vous" in text
    form.address_form.setCurrentIndex(form.address_form.findData("vous"))
    qtbot.waitUntil(lambda: not designer.contradictions.isVisible(), timeout=2000)
