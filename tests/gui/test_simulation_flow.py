"""Simulation setup → live conversation grid → transcripts → side by side → cancel and resume.

Everything real: the SQLite store in a temporary home, the simulation engine on the bridge's
thread, the OpenAI-compatible client against the fake server playing both the scripted customer
and an assistant whose v2 prompt slips from *vous* to *tu* on its second answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.conversation_seed import PRESSED, drifting_responder, seed_conversations
from tests.gui.live_fixtures import add_fake_model, add_rubric, open_live_window
from workbench.app import conversations as app_conversations
from workbench.app.conversations import CaseSelection, ConversationKey, ConversationStatus
from workbench.app.services import Services
from workbench.app.simulation_setup import SimulationCheck
from workbench.gui.main_window import MainWindow
from workbench.gui.models.conversation_table_model import ConversationRole
from workbench.gui.views.simulation_approve_dialog import SimulationApproveDialog
from workbench.gui.views.simulation_setup_dialog import SimulationSetupDialog
from workbench.gui.views.simulation_view import PAIR_TAB, SimulationView
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


def open_setup(qtbot: QtBot, window: MainWindow) -> SimulationSetupDialog:
    window.activateWindow()
    qtbot.keyClick(
        window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.findChild(SimulationSetupDialog)
    assert isinstance(dialog, SimulationSetupDialog)
    return dialog


def next_check(qtbot: QtBot, dialog: SimulationSetupDialog) -> SimulationCheck:
    with qtbot.waitSignal(dialog.checked, timeout=15_000) as blocker:
        dialog.check_now()
    check = blocker.args[0]
    assert isinstance(check, SimulationCheck)
    return check


def choose(dialog: SimulationSetupDialog, *, customers: list[str]) -> None:
    dialog.prompts.set_checked(["order-tracking@v1", "order-tracking@v2"])
    dialog.personas.set_checked(["camille"])
    dialog.models.set_checked(["fake"])
    dialog.customers.set_checked(customers)
    dialog.conversations.setCurrentText("support-scenarios")
    dialog.simulator.setCurrentText("fake")
    dialog.max_turns.setValue(4)


def wait_simulation_view(qtbot: QtBot, window: MainWindow) -> SimulationView:
    qtbot.waitUntil(lambda: isinstance(window.current_view(), SimulationView), timeout=20_000)
    view = window.current_view()
    assert isinstance(view, SimulationView)
    return view


def wait_done_and_scored(qtbot: QtBot, window: MainWindow, view: SimulationView) -> None:
    controller = window.conversations.simulations.controller(view.live.layout.run_id)
    qtbot.waitUntil(lambda: not controller.running, timeout=60_000)
    qtbot.waitUntil(lambda: bool(view.live.scores), timeout=20_000)


def test_setup_names_problems_under_their_fields_and_estimates_upper_bounds(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    dialog = open_setup(qtbot, window)
    choose(dialog, customers=[])
    dialog.simulator.setCurrentText("(none)")
    check = next_check(qtbot, dialog)
    assert not check.ok
    assert "customer" in check.problems["customers"]
    assert "model to play the customer" in check.problems["simulator"]
    assert dialog.errors["customers"].isVisible() and not dialog.start.isEnabled()

    choose(dialog, customers=["pressed-commuter", "teenager-sms"])
    check = next_check(qtbot, dialog)
    assert check.ok, check.problems
    # 2 scenarios × 2 customers × 2 columns + 1 script × 2 columns
    assert check.estimate is not None and check.estimate.conversations == 10
    assert "10 conversations" in dialog.estimate.text()
    assert "2 scenario case(s), 1 scripted case(s)" in dialog.estimate.text()
    assert dialog.start.isEnabled()
    dialog.reject()


def test_simulation_fills_the_grid_live_and_shows_where_it_went_wrong(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    dialog = open_setup(qtbot, window)
    choose(dialog, customers=["pressed-commuter"])
    assert next_check(qtbot, dialog).ok
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    view = wait_simulation_view(qtbot, window)
    resets: list[bool] = []
    view.model.modelReset.connect(lambda: resets.append(True))
    wait_done_and_scored(qtbot, window, view)
    assert not resets, "the grid never resets while a simulation runs"

    grid = view.model.grid
    assert grid.row_count == 3 and grid.column_count == 2  # refund, late-parcel, script
    cells = {
        (grid.rows[r].scenario, grid.columns[c].index): grid.cell(r, c)
        for r in range(grid.row_count)
        for c in range(grid.column_count)
    }
    assert all(cell.phase == "done" for cell in cells.values()), cells
    # The picker lists newest versions first: find the columns by their labels.
    v1, v2 = (
        next(c.index for c in grid.columns if f"order-tracking@{v} " in c.label)
        for v in ("v1", "v2")
    )
    assert cells[("late-parcel", v1)].outcome == "resolved"
    assert cells[("late-parcel", v1)].turns == 1
    assert cells[("refund", v1)].turns == 3  # the customer leaves after three answers
    v2_refund = cells[("refund", v2)]
    assert v2_refund.passed is False and v2_refund.problem is not None
    assert "form of address" in v2_refund.problem

    # Read the drifting conversation: turn 2's answer is outlined and named.
    assert view.select(ConversationKey("refund", v2, 0, 0))
    view.read_transcript()
    transcript = view.transcript
    flagged = [bubble for bubble in transcript.bubbles if bubble.highlighted]
    assert len(flagged) == 1
    assert flagged[0].turn.role == "assistant" and flagged[0].turn.exchange == 2
    assert "tu" in flagged[0].badge_texts()
    assert "register drift" in transcript.header_badge_texts()
    assert transcript.jump_to_problem()

    # Side by side: v1 kept vous on the same scenario and customer.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.table.setFocus()
    qtbot.waitUntil(view.table.hasFocus)
    qtbot.keyClick(view.table, Qt.Key.Key_B)
    assert view.details.currentIndex() == PAIR_TAB
    left, right = view.pair.left.transcript, view.pair.right.transcript
    assert left is not None and right is not None
    assert {left.wrong_turn is None, right.wrong_turn is None} == {True, False}
    assert "went wrong at turn 2" in view.pair.verdict.text()

    # The summary: per-column figures and the paired comparison.
    qtbot.waitUntil(lambda: "vs" in view.summary.toPlainText(), timeout=20_000)
    assert "Register drift" in view.summary.toPlainText()

    index = view.table.model().index(0, 0)
    assert index.data(ConversationRole.CELL) is not None


def test_conversation_model_passes_the_tester_after_a_run(
    qtbot: QtBot,
    qtmodeltester,
    live: Store,
    services: Services,  # type: ignore[no-untyped-def]
) -> None:
    window = open_live_window(qtbot, services)
    spec = app_conversations.build_simulation_spec(
        live,
        prompts=["order-tracking@v1"],
        personas=["camille"],
        models=["fake"],
        conversations="support-scenarios",
        customers=["teenager-sms"],
        simulator="fake",
        max_turns=2,
    )
    window.conversations.start_simulation(spec, "tester")
    view = wait_simulation_view(qtbot, window)
    wait_done_and_scored(qtbot, window, view)
    qtmodeltester.check(view.model)


@pytest.fixture()
def slow_server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=drifting_responder, latency_ms=150) as fake:
        yield fake


def test_cancel_keeps_finished_turns_and_resume_finishes(
    qtbot: QtBot, store: Store, slow_server: FakeLLMServer, services: Services
) -> None:
    add_fake_model(store, slow_server)
    seed_conversations(store)
    window = open_live_window(qtbot, services)
    spec = app_conversations.build_simulation_spec(
        store,
        prompts=["order-tracking@v1", "order-tracking@v2"],
        personas=["camille"],
        models=["fake"],
        conversations="support-scenarios",
        customers=["pressed-commuter"],
        simulator="fake",
        max_turns=4,
        concurrency=1,
    )
    window.conversations.start_simulation(spec, "to cancel")
    view = wait_simulation_view(qtbot, window)
    run_id = view.live.layout.run_id
    controller = window.conversations.simulations.controller(run_id)
    # Some turns are finished and written before Esc stops the simulation.
    qtbot.waitUntil(lambda: sum(len(view.live.messages(k)) for k in view.live.results) >= 3)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not controller.running, timeout=20_000)
    assert "Resume continues" in view.message.text(), view.message.text()
    stored = app_conversations.conversations(store, run_id)
    kept = sum(len(result.messages) for result in stored)
    assert kept >= 3, "finished turns are kept"
    assert any(r.status is not ConversationStatus.FINISHED for r in stored) or len(stored) < 6
    assert view.resume_button.isEnabled()

    view.resume_button.click()
    qtbot.waitUntil(lambda: controller.running, timeout=5_000)
    qtbot.waitUntil(lambda: not controller.running, timeout=60_000)
    final = app_conversations.conversations(store, run_id)
    assert len(final) == 6 and all(r.status is ConversationStatus.FINISHED for r in final)
    settled, total = view.model.grid.progress()
    assert settled == total == 6


def test_a_column_is_approved_with_the_simulation_as_evidence(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    add_rubric(live)
    spec = app_conversations.build_simulation_spec(
        live,
        prompts=["order-tracking@v1"],
        personas=["camille"],
        models=["fake"],
        conversations="support-scenarios",
        customers=["pressed-commuter"],
        simulator="fake",
        max_turns=4,
        rubric="polite",
    )
    summary = app_conversations.simulate(services, spec, name="evidence")
    window = open_live_window(qtbot, services)
    window.refresh()
    entry = next(e for e in window.navigator.entries("Simulations") if e.simulation_id)
    view = window.open_entry(entry)
    assert isinstance(view, SimulationView)
    view.request_approval()
    dialog = window.findChild(SimulationApproveDialog)
    assert isinstance(dialog, SimulationApproveDialog)
    assert "order-tracking@v1" in dialog.versions.text() and dialog.rubric.currentText() == "polite"
    # The refund scenario is never resolved: the outcome check fails and is named.
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisibleTo(dialog), timeout=20_000)
    assert "Not approved" in dialog.error.text() and f"sim-{summary.run_id}" in dialog.error.text()
    dialog.override.setPlainText("The refund scenario needs a human anyway; tracking is solid.")
    with qtbot.waitSignal(dialog.approved, timeout=20_000) as approved:
        dialog.submit()
    approval = approved.args[0]
    assert approval.evidence.simulations, "the simulation is kept as evidence"
    assert any(e.name.startswith("order-tracking") for e in window.navigator.entries("Approved"))


def test_a_simulator_fault_is_shown_as_an_error_never_as_the_assistants_fail(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    silent = PRESSED.model_copy(update={"background": "[[sim:empty]]"})
    app_conversations.save_customer(live, "silent", silent, author="test")
    spec = app_conversations.build_simulation_spec(
        live,
        prompts=["order-tracking@v1"],
        models=["fake"],
        conversations="support-scenarios",
        cases=CaseSelection(ids=("refund",)),
        customers=["silent"],
        simulator="fake",
    )
    app_conversations.simulate(services, spec, name="silent customer")
    window = open_live_window(qtbot, services)
    window.refresh()
    entry = next(e for e in window.navigator.entries("Simulations") if e.simulation_id)
    view = window.open_entry(entry)
    assert isinstance(view, SimulationView)
    cell = view.model.grid.cell(0, 0)
    assert cell.phase == "error" and cell.passed is None
    assert cell.outcome == "simulator error"
    assert view.select(ConversationKey("refund", 0, 0, 0))
    view.read_transcript()
    assert any(note.startswith("Error:") for note in view.transcript.transcript.notes)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: bool(view.live.scores), timeout=20_000)
    assert view.model.grid.column_summary(0).errors == 1
    assert "1 error" in view.progress_label.text()
