"""Workspace > Shared store…: an unreachable URL is reported and nothing is saved; a name is."""

from __future__ import annotations

import json
import socket

from pytestqt.qtbot import QtBot

from tests.gui.test_main_window import open_window
from workbench.app.services import Services
from workbench.gui.views.shared_store_dialog import SharedStoreDialog


def test_unreachable_url_is_reported_and_a_name_is_saved(qtbot: QtBot, services: Services) -> None:
    window = open_window(qtbot, services)
    window.actions_by_name["shared_store"].trigger()
    dialog = window.findChild(SharedStoreDialog)
    assert dialog is not None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dialog.url.setText(f"postgresql://ana@127.0.0.1:{port}/team")
    dialog.user.setText("Ana")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=30_000)
    assert f"127.0.0.1:{port}" in dialog.status.text()
    assert not (services.home / "workspace.json").exists()

    dialog.url.setText("")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=30_000)
    assert "Restart" in dialog.status.text()
    saved = json.loads((services.home / "workspace.json").read_text())
    assert saved == {"user_name": "Ana"}
    dialog.close()
