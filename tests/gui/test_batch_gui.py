"""Batch runs in the app: the run setup's "Send as a batch" choice, and batches sent in an
earlier session collected (and scored) in the background when the window opens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from tests.batch.conftest import ANTHROPIC_KEY_ENV, OPENAI_KEY_ENV, seed
from workbench.app.services import Services
from workbench.core.models import Kind
from workbench.core.runs import CellStatus, RunStatus
from workbench.gui.main_window import MainWindow
from workbench.gui.views.run_setup_dialog import RunSetupDialog
from workbench.testing.fake_llm import FakeLLMServer


@pytest.fixture()
def batch_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLMServer]:
    monkeypatch.setenv(OPENAI_KEY_ENV, "sk-test-openai")
    monkeypatch.setenv(ANTHROPIC_KEY_ENV, "sk-ant-test")
    with FakeLLMServer(log_requests=False) as srv:
        yield srv


def _dialog(qtbot: QtBot, window: MainWindow, model: str) -> RunSetupDialog:
    dialog = RunSetupDialog(window._store, window.jobs, window)
    qtbot.addWidget(dialog)
    dialog.batch_requested.connect(window.batches.submit)
    with qtbot.waitSignal(dialog.checked, timeout=20_000):
        dialog.preselect(
            prompts=["ask"], personas=[], models=[model], dataset="qs", rubric="answers"
        )
    return dialog


def test_batch_choice_submit_then_collect_when_the_app_starts_again(
    qtbot: QtBot, services: Services, batch_server: FakeLLMServer
) -> None:
    seed(services.home, batch_server, ["q0", "q1", "q2"])
    window = MainWindow(services)
    qtbot.addWidget(window)

    local = _dialog(qtbot, window, "tiny")
    assert not local.send_batch.isEnabled()
    assert "tiny@v1" in local.send_batch.toolTip()
    local.close()

    dialog = _dialog(qtbot, window, "gpt")
    assert dialog.send_batch.isEnabled()
    with qtbot.waitSignal(dialog.checked, timeout=20_000):
        dialog.send_batch.setChecked(True)
    assert "batch prices" in dialog.estimate.text()
    with qtbot.waitSignal(window.batches.run_submitted, timeout=30_000) as submitted:
        dialog.start.click()
    qtbot.waitUntil(lambda: not window.batches.busy, timeout=30_000)
    run_id = submitted.args[0]
    store = services.store
    assert store.batch_progress(run_id).pending
    assert store.cells(run_id) == []
    window.close()

    batch_server.batches.finish_all()  # the provider finished overnight
    reopened = MainWindow(services)
    qtbot.addWidget(reopened)
    # The window polls pending batches on its own when it starts (nothing else collects here).
    qtbot.waitUntil(lambda: store.get_run(run_id).status is RunStatus.FINISHED, timeout=30_000)
    qtbot.waitUntil(lambda: not reopened.batches.busy, timeout=30_000)
    cells = store.cells(run_id)
    assert len(cells) == 3 and all(c.status is CellStatus.OK for c in cells)
    rubric = store.resolve(Kind.RUBRIC, "answers").id
    assert len(store.scores(run_id, rubric)) == 3
    assert store.get_run(run_id).status is RunStatus.FINISHED
    assert not reopened.batches.collect_pending()  # nothing left to poll
