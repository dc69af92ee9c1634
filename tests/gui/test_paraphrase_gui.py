"""The dataset action with the paraphrase perturbation, driven like a user.

The rewriter is a model config pointing at the fake server, scripted to rewrite like a customer
(``Re-bonjour ! …``, numbers kept); the calls go through the engine on a worker thread while
the dialog shows progress, and Cancel stops them without saving anything.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import add_fake_model, open_live_window
from workbench.app.services import Services
from workbench.core.models import DatasetContent, Kind
from workbench.gui.views.dataset_editor import DatasetEditor
from workbench.gui.views.noisy_variants_dialog import NoisyVariantsDialog
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, paraphrase_responder


@pytest.fixture()
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=paraphrase_responder) as fake:
        yield fake


def _dialog(
    qtbot: QtBot, store: Store, services: Services, server: FakeLLMServer
) -> tuple[DatasetEditor, NoisyVariantsDialog]:
    add_fake_model(store, server, "rewriter")
    window = open_live_window(qtbot, services)
    editor = DatasetEditor(
        store,
        window.jobs,
        "support-messages",
        author="camille",
        provider_factory=window.providers.factory,
    )
    qtbot.addWidget(editor)
    dialog = editor.open_noisy_variants()
    assert isinstance(dialog, NoisyVariantsDialog)
    return editor, dialog


def test_paraphrases_from_the_dataset_action(
    qtbot: QtBot, store: Store, services: Services, server: FakeLLMServer
) -> None:
    editor, dialog = _dialog(qtbot, store, services, server)
    assert not dialog.model.isEnabled()
    dialog.perturb.setText("paraphrase")
    assert dialog.model.isEnabled()
    assert not dialog.save.isEnabled() and "needs a model" in dialog.error.text()
    dialog.model.setCurrentText("rewriter")
    assert dialog.save.isEnabled()
    before = store.resolve(Kind.DATASET, "support-messages")
    with qtbot.waitSignal(editor.version_saved, timeout=120_000) as saved:
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    version = saved.args[0]
    assert version.number == before.number + 1
    content = version.content
    assert isinstance(content, DatasetContent)
    first = content.rows[1]
    assert first.id == "fr-001~paraphrase" and "noise:paraphrase" in first.tags
    assert first.vars["message"].startswith("Re-bonjour ! ")
    assert "4512" in first.vars["message"]


def test_cancel_stops_the_paraphrases_and_saves_nothing(
    qtbot: QtBot, store: Store, services: Services, server: FakeLLMServer
) -> None:
    _editor, dialog = _dialog(qtbot, store, services, server)
    server.faults.hang = True
    dialog.perturb.setText("paraphrase,caps")
    dialog.model.setCurrentText("rewriter")
    before = store.resolve(Kind.DATASET, "support-messages")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Paraphrasing" in dialog.outcome.text(), timeout=30_000)
    with qtbot.waitSignal(dialog.rejected, timeout=30_000):
        dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert store.resolve(Kind.DATASET, "support-messages").id == before.id
