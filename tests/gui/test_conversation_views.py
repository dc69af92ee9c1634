"""Customer designer, talk-to-it playground, navigator sections and the welcome page offer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui.conversation_seed import drifting_responder, seed_conversations
from tests.gui.live_fixtures import add_fake_model, open_live_window
from workbench.app import conversation_demo
from workbench.app import conversations as app_conversations
from workbench.app.conversations import (
    ConversationSetContent,
    ConversationStatus,
    CustomerContent,
)
from workbench.app.services import Services
from workbench.core.models import Kind, ModelConfigContent
from workbench.gui.drafts import DraftStore
from workbench.gui.main_window import MainWindow
from workbench.gui.models.navigator_entries import NavEntry, load_navigator
from workbench.gui.views.conversation_set_editor import ConversationSetEditor
from workbench.gui.views.customer_designer import CustomerDesigner, scenario_key
from workbench.gui.views.playground_view import PlaygroundView, parse_variables
from workbench.gui.views.simulation_view import SimulationView
from workbench.providers.compat import OpenAICompatibleProvider
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer


@pytest.fixture()
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=drifting_responder) as fake:
        yield fake


@pytest.fixture()
def live(store: Store, server: FakeLLMServer) -> Store:
    add_fake_model(store, server)
    seed_conversations(store)
    return store


def designer(qtbot: QtBot, store: Store, services: Services, name: str) -> CustomerDesigner:
    view = CustomerDesigner(store, name, author="test", drafts=DraftStore(services.home))
    qtbot.addWidget(view)
    return view


def test_customer_designer_previews_the_simulator_prompt_live_and_saves_versions(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    view = designer(qtbot, live, services, "pressed-commuter")
    assert "Nadia" in view.preview.toPlainText()
    assert "vouvoies" in view.preview.toPlainText()
    view.form.sms_speak.setChecked(True)
    assert view.is_dirty()
    view.refresh_preview()  # what the debounce timer does after a pause
    assert "langage SMS" in view.preview.toPlainText()
    # The preview plays a scenario of the workspace when one is chosen.
    index = view.scenario.findData(scenario_key("support-scenarios", "refund"))
    assert index > 0
    view.scenario.setCurrentIndex(index)
    assert "remboursement" in view.preview.toPlainText()

    result = view.save()
    assert result is not None and result.created and result.version.number == 2
    assert not view.is_dirty()
    saved = live.resolve(Kind.CUSTOMER, "pressed-commuter").content
    assert isinstance(saved, CustomerContent) and saved.writing.sms_speak
    assert view.save() is not None and not view.save().created  # type: ignore[union-attr]


def test_customer_designer_names_bad_fields_and_keeps_the_draft(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    view = designer(qtbot, live, services, "new-customer")
    assert view.save() is None
    assert "Display name" in view.status.text()
    view.form.display_name.setText("Jeanne")
    view.form.template.setPlainText("Tu es {{ nom_inconnu }}.")
    view.refresh_preview()
    assert view.preview_error.isVisibleTo(view) and "nom_inconnu" in view.preview_error.text()
    assert view.save() is None, "a template that does not render is refused"
    view.write_draft()
    again = designer(qtbot, live, services, "new-customer")
    assert again.form.display_name.text() == "Jeanne", "unsaved fields come back as a draft"
    assert again.is_dirty()


def test_playground_streams_answers_and_saves_the_chat_as_a_scripted_case(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    window.activateWindow()
    qtbot.keyClick(
        window,
        Qt.Key.Key_T,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    view = window.current_view()
    assert isinstance(view, PlaygroundView)
    view.choose(prompt="order-tracking@v1", persona="camille", model="fake")
    assert not view.save_button.isEnabled(), "nothing to save before the first message"
    for text in ("Bonjour, ma commande est en retard.", "C'est la ML-204518."):
        view.input.setPlainText(text)
        with qtbot.waitSignal(view.reply_finished, timeout=15_000):
            view.input.setFocus()
            qtbot.keyClick(view.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [role for role, _ in view.history] == ["customer", "assistant"] * 2
    bubbles = view.transcript.bubbles
    assert [b.turn.role for b in bubbles] == ["user", "assistant", "user", "assistant"]
    assert bubbles[1].text.text().startswith("Bonjour, je vous remercie")

    view.case_id.setText("late-order-chat")
    result = view.save_as_case()
    assert result is not None and "late-order-chat" in view.status.text()
    content = live.resolve(Kind.CONVERSATIONS, "playground").content
    assert isinstance(content, ConversationSetContent)
    case = content.case("late-order-chat")
    assert case.kind == "scripted" and case.user_turns() == [
        "Bonjour, ma commande est en retard.",
        "C'est la ML-204518.",
    ]
    assert case.reference_after(0) == bubbles[1].turn.text
    # The same id again is refused by name, nothing is overwritten.
    view.case_id.setText("late-order-chat")
    assert view.save_as_case() is None
    assert "already has a case" in view.error.text()
    # Reopening the playground switches to the open one: the chat is kept.
    assert window.conversations.open_playground() is view


def test_playground_gives_the_message_back_when_the_model_fails(
    qtbot: QtBot, live: Store, services: Services, server: FakeLLMServer
) -> None:
    window = open_live_window(qtbot, services)
    view = window.conversations.open_playground()
    assert view is not None
    view.choose(prompt="order-tracking@v1", persona="camille", model="fake")
    server.faults.server_error_fraction = 1.0
    with qtbot.waitSignal(view.reply_finished, timeout=20_000) as finished:
        view.send("Bonjour ?")
    assert finished.args[0].startswith("No answer")
    assert view.history == []
    assert view.input.toPlainText() == "Bonjour ?", "nothing typed is lost"
    assert view.error.isVisibleTo(view)


def test_playground_variables_name_the_bad_line() -> None:
    assert parse_variables("a: 1\n# note\n\nb : deux") == {"a": "1", "b": "deux"}
    with pytest.raises(Exception, match="line 2"):
        parse_variables("a: 1\nno colon here")


def test_navigator_lists_scenarios_customers_and_simulations(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    sections = load_navigator(live)
    assert [e.name for e in sections["Scenarios"]] == ["support-scenarios"]
    assert {e.name for e in sections["Customers"]} == {"pressed-commuter", "teenager-sms"}
    assert sections["Simulations"][0].placeholder
    spec = app_conversations.build_simulation_spec(
        live,
        prompts=["order-tracking"],
        models=["fake"],
        conversations="support-scenarios",
        customers=["teenager-sms"],
        simulator="fake",
        max_turns=1,
    )
    app_conversations.simulate(services, spec, name="from the cli")
    sections = load_navigator(live)
    entry = sections["Simulations"][0]
    assert entry.simulation_id is not None and "from the cli" in entry.title

    window = open_live_window(qtbot, services)
    window.navigator.select_entry(entry)
    assert "sim-" in window.inspector.browser.toPlainText()
    view = window.open_entry(entry)
    assert view is not None and view.objectName() == "simulation-view"
    customer = window.open_entry(
        NavEntry(section="Customers", kind=Kind.CUSTOMER, name="teenager-sms", title="teen")
    )
    assert isinstance(customer, CustomerDesigner)
    scenarios = window.open_entry(
        NavEntry(section="Scenarios", kind=Kind.CONVERSATIONS, name="support-scenarios", title="s")
    )
    assert scenarios is not None


def test_welcome_page_offers_the_short_simulation_only_with_the_demo(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    assert not window.welcome.simulation_button.isVisibleTo(window.welcome)
    window.welcome.simulation_button.click()  # hidden, but a stray signal must not crash
    assert "demo workspace" in window.statusBar().currentMessage()


def _run_short_simulation(qtbot: QtBot, window: MainWindow, timeout: int) -> SimulationView:
    assert window.welcome.simulation_button.isVisible()
    with qtbot.waitSignal(window.conversations.view_opened, timeout=30_000) as opened:
        qtbot.mouseClick(window.welcome.simulation_button, Qt.MouseButton.LeftButton)
    view = opened.args[0]
    assert isinstance(view, SimulationView)
    controller = window.conversations.simulations.controller(view.live.layout.run_id)
    qtbot.waitUntil(lambda: not controller.running, timeout=timeout)
    return view


def test_the_short_simulation_runs_from_the_welcome_page(
    qtbot: QtBot, services: Services, server: FakeLLMServer
) -> None:
    services.ensure_demo_loaded()
    used: list[str] = []

    def to_fake_server(config: ModelConfigContent) -> OpenAICompatibleProvider:
        # The embedded model takes minutes on a test machine (the slow test below runs it):
        # its config is answered by the fake server, through the same lean client.
        used.append(config.provider)
        return OpenAICompatibleProvider(name="fake", base_url=server.openai_base_url)

    window = open_live_window(qtbot, services, provider_factory=to_fake_server)
    view = _run_short_simulation(qtbot, window, timeout=60_000)
    assert set(used) == {"local"}
    info = app_conversations.get_simulation(services.store, view.live.layout.run_id)
    assert [c.label.split(" · ")[0] for c in info.columns] == [
        "order-tracking@v2",
        "order-tracking@v3",
    ]
    assert info.spec.max_turns == 3
    results = app_conversations.conversations(services.store, info.id)
    assert len(results) == 4
    assert all(r.status is ConversationStatus.FINISHED for r in results), results
    assert all(1 <= r.turns <= 3 for r in results)
    assert view.model.grid.progress() == (4, 4)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_short_simulation_runs_on_the_embedded_model(
    qtbot: QtBot, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The welcome page's simulation, cut to one customer and two turns (at most 8 calls) so
    # that a shared CI machine runs it in minutes; the path is the same.
    monkeypatch.setattr(conversation_demo, "DEMO_CUSTOMERS", ("commuter-pressed",))
    monkeypatch.setattr(conversation_demo, "DEMO_MAX_TURNS", 2)
    services.ensure_demo_loaded()
    window = open_live_window(qtbot, services)
    view = _run_short_simulation(qtbot, window, timeout=1_700_000)
    results = app_conversations.conversations(services.store, view.live.layout.run_id)
    assert len(results) == 2
    # Demo-grade answers, but every conversation either ended or is an error of the simulator
    # (an empty or runaway customer message), never lost.
    assert all(
        r.status in (ConversationStatus.FINISHED, ConversationStatus.ERROR) for r in results
    ), results
    assert all(r.messages for r in results)
    assert view.model.grid.progress() == (2, 2)


BOTIUM = """\
Order status
A customer asks where the order is.

#bot
Bonjour ! Comment puis-je vous aider ?

#me
Où est ma commande ML-104522 ?

#bot
Votre commande est en route.
BUTTONS Suivre|Annuler

#me
Merci !
"""


def test_importing_conversations_lists_what_was_not_mapped_and_refuses_bad_files(
    qtbot: QtBot, live: Store, services: Services, tmp_path: Path
) -> None:
    window = open_live_window(qtbot, services)
    good = tmp_path / "order.convo.txt"
    good.write_text(BOTIUM, encoding="utf-8")
    with qtbot.waitSignal(window.conversations.imported, timeout=20_000) as imported:
        window.conversations.import_conversations(good)
    assert "1 case(s)" in imported.args[0] and "BUTTONS" in imported.args[0]
    assert any(e.name == "order" for e in window.navigator.entries("Scenarios"))

    bad = tmp_path / "broken.conversations.jsonl"
    bad.write_text(
        '{"id": "ok", "scenario": {"goal": "Savoir où est le colis"}}\n'
        '{"id": "no-goal", "scenario": {"knows": {}}}\n',
        encoding="utf-8",
    )
    families = len(live.list_families())
    with qtbot.waitSignal(window.conversations.import_failed, timeout=20_000) as failed:
        window.conversations.import_conversations(bad)
    assert "broken.conversations.jsonl:2" in failed.args[0] and "goal" in failed.args[0]
    assert len(live.list_families()) == families, "nothing imported"
    for box in window.findChildren(QMessageBox):
        box.close()


def test_scenarios_are_written_in_the_editor_checked_by_line_and_saved(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    editor = window.open_entry(
        NavEntry(section="Scenarios", kind=Kind.CONVERSATIONS, name="support-scenarios", title="s")
    )
    assert isinstance(editor, ConversationSetEditor)
    assert editor.text.toPlainText().count("\n") == 3  # three cases, one per line
    editor.add_scenario()
    assert editor.is_dirty() and editor.check()
    text = editor.text.toPlainText().replace('"goal": "What the customer wants", ', "")
    editor.text.setPlainText(text)
    assert not editor.check()
    assert "support-scenarios.conversations.jsonl:4" in editor.error.text()
    assert editor.save() is None, "an invalid text is never saved"
    assert live.resolve(Kind.CONVERSATIONS, "support-scenarios").number == 1
    editor.text.setPlainText(text.replace('"scenario": {', '"scenario": {"goal": "Un retour", '))
    result = editor.save()
    assert result is not None and result.version.number == 2
    content = live.resolve(Kind.CONVERSATIONS, "support-scenarios").content
    assert isinstance(content, ConversationSetContent)
    assert content.case("new-scenario").scenario is not None
    assert not editor.is_dirty()
