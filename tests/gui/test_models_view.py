"""Models & keys: edit configs, presets, test a connection, keys to the keyring, embedded status."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import add_fake_model, open_live_window
from tests.gui.typing_helpers import type_text
from workbench.app.services import Services
from workbench.core.models import Kind, ModelConfigContent
from workbench.gui.main_window import MainWindow
from workbench.gui.views.models_view import ModelsView
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer


@pytest.fixture()
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture()
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The situation of a headless Linux machine: keyring has no usable backend.

    The backend is set explicitly (and restored): the environment variable alone only counts
    when keyring has not chosen a backend yet in this process, which depends on test order.
    """
    import keyring
    from keyring.backends import fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def open_models(qtbot: QtBot, window: MainWindow, name: str | None = None) -> ModelsView:
    qtbot.keyClick(
        window,
        Qt.Key.Key_M,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    view = window.current_view()
    assert isinstance(view, ModelsView)
    if name:
        assert view.select(name)
    return view


def test_a_new_config_from_a_preset_is_saved_as_a_version(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    view = open_models(qtbot, window)
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    form = view.form
    type_text(qtbot, form.name, "Ollama Llama")
    form.provider.setCurrentText("openai-compatible")
    type_text(qtbot, form.model, "llama3.2")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert form.errors["name"].isVisible() and "not a valid name" in form.errors["name"].text()
    assert form.errors["base_url"].isVisible()

    form.name.clear()
    type_text(qtbot, form.name, "ollama-llama")
    form.preset.setCurrentIndex(form.preset.findData("ollama"))
    form.preset.activated.emit(form.preset.currentIndex())
    assert form.base_url.text() == "http://localhost:11434/v1"
    form.params.setText('{"temperature": 0.2,')
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert "Parameters, line 1" in form.errors["params"].text()
    form.params.setText('{"temperature": 0.2}')
    with qtbot.waitSignal(view.version_saved, timeout=2_000):
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    saved = store.resolve(Kind.MODEL, "ollama-llama")
    assert saved.content == ModelConfigContent(
        provider="openai-compatible",
        model="llama3.2",
        base_url="http://localhost:11434/v1",
        params={"temperature": 0.2},
    )
    assert "ollama-llama" in [e.name for e in window.navigator.entries("Models")]
    assert view.current_name() == "ollama-llama"
    assert form.name.isReadOnly()


def test_test_connection_reports_the_answer_or_the_error(
    qtbot: QtBot, store: Store, services: Services, server: FakeLLMServer
) -> None:
    add_fake_model(store, server)
    window = open_live_window(qtbot, services)
    view = open_models(qtbot, window, "fake")
    with qtbot.waitSignal(view.connection_tested, timeout=15_000) as tested:
        qtbot.mouseClick(view.test_button, Qt.MouseButton.LeftButton)
    assert tested.args[0].startswith("✓ Connected: answered")
    assert server.requests[-1].body["messages"][0]["content"] == "Reply with the single word: ok"

    view.form.base_url.setText("http://127.0.0.1:9/v1")
    with qtbot.waitSignal(view.connection_tested, timeout=15_000) as tested:
        qtbot.mouseClick(view.test_button, Qt.MouseButton.LeftButton)
    assert tested.args[0].startswith("✗ connection: cannot connect to http://127.0.0.1:9/v1")
    assert view.test_button.isEnabled()


@pytest.mark.usefixtures("no_keyring")
def test_keys_go_to_the_keyring_and_a_missing_keyring_names_the_variable(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    store.save_version(
        Kind.MODEL,
        "gpt",
        ModelConfigContent(provider="openai", model="gpt-4o-mini"),
        author="t",
    )
    window = open_live_window(qtbot, services)
    view = open_models(qtbot, window, "gpt")
    qtbot.waitUntil(lambda: "not set" in view.key_status.text(), timeout=5_000)
    assert "OPENAI_API_KEY" in view.key_status.text()

    type_text(qtbot, view.key_input, "sk-test-not-a-real-key")
    qtbot.mouseClick(view.key_save, Qt.MouseButton.LeftButton)
    assert view.key_input.text() == ""  # the key never stays in the widget
    qtbot.waitUntil(
        lambda: "keyring" in view.key_message.text().lower() and "…" not in view.key_message.text(),
        timeout=5_000,
    )
    message = view.key_message.text()
    assert "Could not store OPENAI_API_KEY in the OS keyring" in message
    assert "set the OPENAI_API_KEY environment variable instead" in message
    with store._db.read() as connection:  # the key is nowhere in the workspace file
        dump = "\n".join(connection.connection.iterdump())
    assert "sk-test-not-a-real-key" not in dump


def test_a_key_in_the_environment_is_reported_as_such(
    qtbot: QtBot, store: Store, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    store.save_version(
        Kind.MODEL, "gpt", ModelConfigContent(provider="openai", model="gpt-4o-mini"), author="t"
    )
    window = open_live_window(qtbot, services)
    view = open_models(qtbot, window, "gpt")
    assert "is set in the environment" in view.key_status.text()
    assert "sk-from-env" not in view.key_status.text()


def test_the_embedded_model_shows_its_status(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    store.save_version(
        Kind.MODEL,
        "embedded",
        ModelConfigContent(provider="local", model="/nowhere/model.gguf"),
        author="t",
    )
    window = open_live_window(qtbot, services)
    view = open_models(qtbot, window, "embedded")
    assert view.embedded_box.isVisible()
    status = view.embedded_status.text()
    assert "llama-cpp-python:" in status
    assert "Model file: not found" in status
    assert "GGUF model file not found: /nowhere/model.gguf" in status
    assert "Server: not running" in status
    assert "No key needed" in view.key_status.text()
    view.form.provider.setCurrentText("openai")
    assert not view.embedded_box.isVisible()


@pytest.mark.usefixtures("no_keyring")
def test_a_late_keyring_answer_does_not_describe_another_config(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    store.save_version(
        Kind.MODEL, "gpt", ModelConfigContent(provider="openai", model="gpt-4o-mini"), author="t"
    )
    store.save_version(
        Kind.MODEL, "embedded", ModelConfigContent(provider="local", model="smollm2"), author="t"
    )
    window = open_live_window(qtbot, services)
    view = open_models(qtbot, window, "gpt")  # starts a keyring look-up for OPENAI_API_KEY
    view.select("embedded")
    qtbot.waitUntil(lambda: window.jobs.pending == 0, timeout=5_000)
    assert view.key_status.text() == "No key needed: a local server."


def test_a_model_saved_here_appears_in_an_open_persona_designers_try_it(
    qtbot: QtBot, store: Store, services: Services
) -> None:
    from tests.gui.test_main_window import entry, open_window
    from workbench.gui.views.persona_designer import PersonaDesigner

    window = open_window(qtbot, services)
    window.open_entry(entry(window, "Personas", "camille"))
    designer = window.current_view()
    assert isinstance(designer, PersonaDesigner)
    models = lambda: [designer.try_model.itemText(i) for i in range(designer.try_model.count())]  # noqa: E731
    assert "ollama-llama" not in models()
    view = open_models(qtbot, window)
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    form = view.form
    type_text(qtbot, form.name, "ollama-llama")
    form.preset.setCurrentIndex(form.preset.findData("ollama"))
    form.preset.activated.emit(form.preset.currentIndex())
    type_text(qtbot, form.model, "llama3.2")
    with qtbot.waitSignal(view.version_saved, timeout=2_000):
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert "ollama-llama" in models()
