"""Run setup → live results → scores → cancel / resume / retry, driven like a user would.

Everything real: the SQLite store in a temporary home, the engine on the bridge thread, the
OpenAI-compatible client against the fake LLM server on 127.0.0.1.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import (
    add_fake_model,
    add_rubric,
    open_live_window,
    wait_finished,
)
from workbench.app.runs import build_spec
from workbench.app.scoring import CellScorer
from workbench.app.services import Services
from workbench.core.models import Kind
from workbench.core.runs import CellKey, CellStatus, RunStatus
from workbench.engine.events import CellDelta, CellFinished, CellStarted
from workbench.gui import run_sessions
from workbench.gui.main_window import MainWindow
from workbench.gui.models.results_table_model import ResultRole
from workbench.gui.models.run_setup_form import SetupCheck
from workbench.gui.views.results_view import ResultsView
from workbench.gui.views.run_setup_dialog import RunSetupDialog
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, Reply


@pytest.fixture()
def live(store: Store, server: FakeLLMServer) -> Store:
    add_fake_model(store, server)
    add_rubric(store)
    return store


def open_setup(qtbot: QtBot, window: MainWindow) -> RunSetupDialog:
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(RunSetupDialog)
    assert isinstance(dialog, RunSetupDialog)
    return dialog


def next_check(qtbot: QtBot, dialog: RunSetupDialog) -> SetupCheck:
    with qtbot.waitSignal(dialog.checked, timeout=10_000) as blocker:
        dialog.check_now()
    check = blocker.args[0]
    assert isinstance(check, SetupCheck)
    return check


def choose(qtbot: QtBot, dialog: RunSetupDialog, *, prompts: list[str], rubric: str) -> None:
    dialog.prompts.set_checked(prompts)
    dialog.personas.set_checked(["camille"])
    dialog.models.set_checked(["fake"])
    dialog.dataset.setCurrentText("support-messages")
    dialog.rubric.setCurrentText(rubric)


def test_run_setup_shows_calls_and_cost_and_errors_next_to_fields(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    dialog = open_setup(qtbot, window)
    choose(qtbot, dialog, prompts=["order-tracking@v1", "order-tracking@v2"], rubric="polite")
    check = next_check(qtbot, dialog)
    assert check.ok, check.problems
    assert check.estimate is not None and check.estimate.calls == 6  # 2 versions × 3 rows
    assert "6 calls" in dialog.estimate.text() and "estimated $" in dialog.estimate.text()
    assert dialog.start.isEnabled()

    dialog.prompts.set_checked([])
    dialog.row_tag.setChecked(True)
    qtbot.waitUntil(lambda: dialog.tag.count() > 0, timeout=5_000)
    dialog.tag.setCurrentText("angry")
    check = next_check(qtbot, dialog)
    assert not dialog.start.isEnabled()
    assert dialog.errors["prompts"].isVisible()
    assert "at least one prompt" in dialog.errors["prompts"].text()
    assert not dialog.errors["rows"].isVisible()

    dialog.prompts.set_checked(["order-tracking"])
    dialog.row_sample.setChecked(True)
    dialog.sample.setValue(2)
    check = next_check(qtbot, dialog)
    assert check.ok and check.rows == 2 and check.estimate is not None
    assert check.estimate.calls == 2
    dialog.budget.setValue(0.0)
    dialog.repeats.setValue(3)
    check = next_check(qtbot, dialog)
    assert check.estimate is not None and check.estimate.calls == 6
    dialog.reject()


def test_a_run_streams_into_the_grid_and_is_scored_live_off_the_gui_thread(
    qtbot: QtBot, live: Store, services: Services, server: FakeLLMServer
) -> None:
    server.faults.chunk_delay_ms = 15  # answers stream word by word
    scoring_threads: set[str] = set()
    original = CellScorer.evaluate

    def spy(self: CellScorer, cell: Any) -> Any:
        scoring_threads.add(threading.current_thread().name)
        return original(self, cell)

    CellScorer.evaluate = spy  # type: ignore[method-assign]
    try:
        window = open_live_window(qtbot, services)
        dialog = open_setup(qtbot, window)
        choose(qtbot, dialog, prompts=["order-tracking@v1", "order-tracking@v2"], rubric="polite")
        dialog.name.setText("greeting check")
        next_check(qtbot, dialog)
        with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
            qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
        view = opened.args[0]
        assert isinstance(view, ResultsView)
        assert window.tabs.currentWidget() is view
        run_id = int(opened.args[2].split(":")[1])
        controller = window.runs.controller(run_id)
        seen: list[Any] = []
        controller.events_received.connect(seen.extend)
        growing: list[str] = []
        view.model.dataChanged.connect(
            lambda *_: growing.append(view.model.index(0, 0).data() or "")
        )
        wait_finished(qtbot, controller)
    finally:
        CellScorer.evaluate = original  # type: ignore[method-assign]

    assert controller.last_summary is not None
    assert controller.last_summary.status is RunStatus.FINISHED
    # Outputs grew on screen before they were final: partial texts were shown.
    partial = [text for text in growing if text and "cordialement" not in text]
    assert partial, growing
    assert any(isinstance(e, CellDelta) for e in seen)
    assert sum(isinstance(e, CellFinished) for e in seen) <= 6
    # Scored on the engine thread only, stored, and shown as badges and header figures.
    assert scoring_threads
    assert threading.main_thread().name not in scoring_threads
    rubric = live.resolve(Kind.RUBRIC, "polite")
    assert len(live.scores(run_id, rubric.id)) == 6
    model = view.model
    assert model.index(0, 0).data(ResultRole.PASSED) is True
    english = model.frame.row_ids.index("en-001")
    assert model.index(english, 0).data(ResultRole.PASSED) is False
    header = model.headerData(0, Qt.Orientation.Horizontal)
    assert "pass 67%" in header and "score 0.67" in header and "p50" in header
    assert "Run finished" in view._message.text()
    assert any(
        e.title.startswith(f"#{run_id} greeting check") for e in window.navigator.entries("Runs")
    )


def test_cancel_then_resume_then_retry_errors(
    qtbot: QtBot, live: Store, services: Services, server: FakeLLMServer
) -> None:
    window = open_live_window(qtbot, services)
    dialog = open_setup(qtbot, window)
    choose(qtbot, dialog, prompts=["order-tracking@v1", "order-tracking@v2"], rubric="polite")
    dialog.concurrency.setValue(1)
    next_check(qtbot, dialog)
    server.faults.latency_ms = 400
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    view: ResultsView = opened.args[0]
    run_id = int(opened.args[2].split(":")[1])
    controller = window.runs.controller(run_id)
    qtbot.waitUntil(lambda: view.model.frame.done_count() >= 1, timeout=10_000)
    assert view._cancel.isEnabled() and not view._resume.isEnabled()
    qtbot.mouseClick(view._cancel, Qt.MouseButton.LeftButton)
    wait_finished(qtbot, controller)
    assert controller.last_summary is not None
    assert controller.last_summary.status is RunStatus.CANCELLED
    ok_cells = live.cell_keys(run_id, [CellStatus.OK])
    assert 1 <= len(ok_cells) < 6
    assert view._resume.isEnabled()

    server.faults.latency_ms = 0
    server.script(Reply.error(500, "the fake server is down"))
    qtbot.mouseClick(view._resume, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.running, timeout=5_000)
    wait_finished(qtbot, controller)
    errored = live.cell_keys(run_id, [CellStatus.ERROR])
    assert len(errored) == 1
    assert len(live.cell_keys(run_id, [CellStatus.OK])) == 5
    assert "1 error" in view._progress.text()

    qtbot.mouseClick(view._retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.running, timeout=5_000)
    wait_finished(qtbot, controller)
    assert live.cell_keys(run_id, [CellStatus.ERROR]) == set()
    assert len(live.cell_keys(run_id, [CellStatus.OK])) == 6
    key = next(iter(errored))
    position = view.model.frame.position(key)
    assert position is not None
    assert view.model.index(*position).data(ResultRole.STATUS) == CellStatus.OK.value


def test_keyboard_ratings_are_stored_per_reviewer(
    qtbot: QtBot, live: Store, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_AUTHOR", "camille")
    window = open_live_window(qtbot, services)
    dialog = open_setup(qtbot, window)
    choose(qtbot, dialog, prompts=["order-tracking@v2"], rubric="polite")
    next_check(qtbot, dialog)
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    view: ResultsView = opened.args[0]
    run_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(run_id))

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(0, 0))
    qtbot.keyClick(view.table, Qt.Key.Key_4)  # rates row 0 and moves down
    qtbot.keyClick(view.table, Qt.Key.Key_K)
    qtbot.keyClick(view.table, Qt.Key.Key_P)  # adds a verdict to the same cell
    qtbot.keyClick(view.table, Qt.Key.Key_F)  # row 1 fails
    qtbot.waitUntil(lambda: window.runs.ratings_saved)
    ratings = {(r.row_id, r.reviewer): r for r in live.ratings(run_id)}
    first, second = view.model.frame.row_ids[:2]
    assert (ratings[(first, "camille")].score, ratings[(first, "camille")].passed) == (4, True)
    assert ratings[(second, "camille")].passed is False
    assert ratings[(second, "camille")].score is None

    window.tabs.removeTab(window.tabs.indexOf(view))
    view.deleteLater()
    again = window.open_entry(next(e for e in window.navigator.entries("Runs")))
    assert isinstance(again, ResultsView)
    assert again.model.index(0, 0).data(ResultRole.RATING) == "4 pass"
    assert again.model.index(0, 0).data(ResultRole.PASSED) is True  # the rubric's verdict too
    assert CellKey(first, 0) == again.model.key_at(0, 0)


def test_the_detail_pane_shows_each_criterion_of_the_selected_cell(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    spec = build_spec(
        live,
        prompts=["order-tracking"],
        personas=["camille"],
        models=["fake"],
        dataset="support-messages",
        rubric="polite",
    )
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        window.runs.start_run(spec, "detail")
    view: ResultsView = opened.args[0]
    wait_finished(qtbot, window.runs.controller(int(opened.args[2].split(":")[1])))
    english = view.model.frame.row_ids.index("en-001")
    view.table.setCurrentIndex(view.proxy.mapFromSource(view.model.index(english, 0)))
    text = view.detail.toPlainText()
    assert "score 0.00 (fail)" in text
    assert "Criteria" in text and "✗ greets" in text
    assert "Hello, could you give me your order number" in text


def test_a_big_run_shows_its_rows_at_once_and_its_results_from_a_worker(
    qtbot: QtBot, live: Store, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_live_window(qtbot, services)
    spec = build_spec(
        live,
        prompts=["order-tracking@v1", "order-tracking@v2"],
        personas=["camille"],
        models=["fake"],
        dataset="support-messages",
        rubric="polite",
    )
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        window.runs.start_run(spec, "big")
    run_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(run_id))

    monkeypatch.setattr(run_sessions, "SYNC_LOAD_CELLS", 2)  # this 6-cell run counts as big
    with qtbot.waitSignal(window.runs.results_loaded, timeout=10_000) as loaded:
        view, _title = window.runs.results_view(run_id)
        assert view.model.loading
        assert view.model.rowCount() == 3 and view.model.frame.done_count() == 0
        assert "Loading 6 results" in view._message.text()
        key = CellKey("fr-001", 1)
        view.model.apply_events([CellStarted(key), CellDelta(key, "Re")])  # held meanwhile
    assert loaded.args[0] is view
    assert not view.model.loading
    frame = view.model.frame
    assert frame.done_count() == 5  # the cell restarted meanwhile is running again
    state = frame.state(0, 1)
    assert state is not None and state.status is CellStatus.RUNNING and state.text == "Re"
    assert frame.column_stats(0).scored == 3
    view.deleteLater()
