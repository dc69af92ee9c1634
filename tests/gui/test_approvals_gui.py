"""Approve a bundle from the results grid, export it in every format, import from other tools.

Everything real: the SQLite store in a temporary home, a run executed by the engine against the
fake OpenAI-compatible server on 127.0.0.1 and scored by the scoring service, and the approval,
export and import services run by the window's background jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import open_live_window
from tests.interop.test_bundle_helpers import run_and_score, save_versions
from workbench.app.services import Services
from workbench.core.models import PromptContent
from workbench.gui.main_window import MainWindow
from workbench.gui.views.approval_viewer import ApprovalViewer
from workbench.gui.views.approve_dialog import ApproveDialog
from workbench.gui.views.results_view import ResultsView
from workbench.interop.bundle_export import FORMATS, ExportResult
from workbench.testing.fake_llm import FakeLLMServer, default_responder, last_user_text

# No template logic, so that every format (Langfuse has none) can hold it.
PLAIN = PromptContent(
    system="{{ persona }}\n\nTu réponds aux questions de suivi de commande.\n",
    user="Message du client : {{ message }}\n",
    variables={"message": "the message"},
    params={"temperature": 0.2, "max_tokens": 200},
)


def apologetic_on_two(body: dict[str, Any]) -> str:
    """Fails the rubric's no-apology check on two of the five messages (60 % pass)."""
    text = last_user_text(body)
    if "arrivée" in text or "adresse" in text:
        return "Je suis désolé, je ne peux pas."
    return default_responder(body)


@pytest.fixture()
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=default_responder) as fake:
        yield fake


@pytest.fixture()
def weak_server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=apologetic_on_two) as fake:
        yield fake


def open_results(qtbot: QtBot, services: Services, run_id: int) -> tuple[MainWindow, ResultsView]:
    window = open_live_window(qtbot, services)
    [entry] = [e for e in window.navigator.entries("Runs") if e.run_id == run_id]
    view = window.open_entry(entry)
    assert isinstance(view, ResultsView)
    return window, view


def open_approve(
    qtbot: QtBot, window: MainWindow, view: ResultsView, *, from_menu: bool = False
) -> ApproveDialog:
    if from_menu:
        window.actions_by_name["approve"].trigger()  # Run > Approve bundle…
    else:
        view.request_approval()  # the grid's "Approve bundle…" button
    dialog = window.findChild(ApproveDialog)
    assert isinstance(dialog, ApproveDialog)
    qtbot.waitUntil(lambda: dialog.evidence is not None, timeout=10_000)
    return dialog


def approved_entries(window: MainWindow) -> list[str]:
    return [e.approval for e in window.navigator.entries("Approved") if e.approval]


def test_approve_from_the_grid_with_passing_evidence(
    qtbot: QtBot, services: Services, server: FakeLLMServer
) -> None:
    store = services.store
    versions = save_versions(store, server)
    run_id = run_and_score(store, versions)
    window, view = open_results(qtbot, services, run_id)

    dialog = open_approve(qtbot, window, view)
    assert dialog.bundle.prompt == versions["prompt"].ref
    assert dialog.bundle.persona == versions["persona"].ref
    assert dialog.bundle.model == versions["model"].ref
    assert dialog.bundle.rubric == versions["rubric"].ref
    assert dialog.evidence is not None and dialog.evidence.unmet == ()
    assert (dialog.evidence.passed, dialog.evidence.judged) == (5, 5)
    assert "100%" in dialog.evidence_label.text()
    assert not dialog.override_reason.isEnabled()

    dialog.name.setText("order-support")
    dialog.note.setText("ready for the holiday season")
    with qtbot.waitSignal(dialog.approved, timeout=10_000) as blocker:
        dialog.ok_button.click()
    approval = blocker.args[0]
    assert approval.ref == "order-support@v1"
    [stored] = store.list_approvals()
    assert stored.versions.prompt_id == versions["prompt"].id
    assert stored.run_ids == (run_id,) and stored.note == "ready for the holiday season"
    assert stored.override_reason is None and stored.reviewer == services.current_author()
    assert approved_entries(window) == ["order-support@v1"]


def test_short_evidence_is_refused_without_a_reason_and_kept_with_one(
    qtbot: QtBot, services: Services, weak_server: FakeLLMServer
) -> None:
    store = services.store
    run_id = run_and_score(store, save_versions(store, weak_server))
    window, view = open_results(qtbot, services, run_id)
    dialog = open_approve(qtbot, window, view)
    assert dialog.evidence is not None
    assert dialog.evidence.unmet == ("pass rate 60.0% (3/5) is below the required 80%",)
    assert dialog.override_reason.isEnabled()
    assert "falls short" in dialog.evidence_label.text()

    dialog.name.setText("order-support")
    with qtbot.waitSignal(dialog.failed, timeout=5_000):
        dialog.ok_button.click()
    assert "override reason" in dialog.error_label.text()
    assert store.list_approvals() == []

    dialog.override_reason.setPlainText("ok")  # too short to audit: the service refuses it
    with qtbot.waitSignal(dialog.failed, timeout=10_000) as refused:
        dialog.ok_button.click()
    assert "at least 10 characters" in refused.args[0]
    assert dialog.error_label.isVisible() and store.list_approvals() == []

    reason = "apologies are acceptable for delivery complaints this week"
    dialog.override_reason.setPlainText(reason)
    with qtbot.waitSignal(dialog.approved, timeout=10_000):
        dialog.ok_button.click()
    [stored] = store.list_approvals()
    assert stored.override_reason == reason
    assert stored.evidence.unmet == ("pass rate 60.0% (3/5) is below the required 80%",)
    assert approved_entries(window) == ["order-support@v1"]


def test_lowering_the_required_pass_rate_reads_the_evidence_again(
    qtbot: QtBot, services: Services, weak_server: FakeLLMServer
) -> None:
    store = services.store
    run_id = run_and_score(store, save_versions(store, weak_server))
    window, view = open_results(qtbot, services, run_id)
    dialog = open_approve(qtbot, window, view, from_menu=True)
    assert dialog.bundle.run_id == run_id and dialog.evidence is not None
    assert dialog.evidence.unmet
    with qtbot.waitSignal(dialog.evidence_shown, timeout=10_000) as shown:
        dialog.min_pass_rate.setValue(60)
    assert shown.args[0].unmet == () and shown.args[0].min_pass_rate == 0.6
    assert not dialog.override_reason.isEnabled()


def test_export_an_approved_bundle_in_all_four_formats_from_the_viewer(
    qtbot: QtBot, services: Services, server: FakeLLMServer, tmp_path: Path
) -> None:
    store = services.store
    run_id = run_and_score(store, save_versions(store, server, prompt=PLAIN))
    window, view = open_results(qtbot, services, run_id)
    dialog = open_approve(qtbot, window, view)
    dialog.name.setText("order-support")
    with qtbot.waitSignal(dialog.approved, timeout=10_000):
        dialog.ok_button.click()

    [entry] = window.navigator.entries("Approved")
    viewer = window.open_entry(entry)
    assert isinstance(viewer, ApprovalViewer) and viewer.export_panel is not None
    # Versions are named as people name them, not by hash.
    shown = viewer.browser.toPlainText()
    assert "order-tracking@v1" in shown
    window.inspector.show_entry(entry)
    assert "prompt order-tracking@v1" in window.inspector.browser.toPlainText()
    panel = viewer.export_panel
    assert set(panel.buttons) == set(FORMATS) == {"files", "promptfoo", "langfuse", "code"}
    outcomes: list[object] = []
    panel.exported.connect(outcomes.append)
    panel.failed.connect(outcomes.append)
    for fmt in FORMATS:
        folder = tmp_path / "exports" / fmt
        outcomes.clear()
        panel.export_to(fmt, folder)
        qtbot.waitUntil(lambda: bool(outcomes), timeout=15_000)
        [result] = outcomes
        assert isinstance(result, ExportResult), result
        assert result.format == fmt and result.files, fmt
        for path in result.files:
            assert path.is_file() and path.is_relative_to(folder), path
            assert path.name in panel.report.toPlainText()
    assert (tmp_path / "exports" / "promptfoo" / "promptfooconfig.yaml").is_file()

    # The picker takes the name of a folder that does not exist yet (the export creates it).
    picker = panel.folder_dialog("files")
    picker.setDirectory(str(tmp_path))
    picker.selectFile(str(tmp_path / "not-yet"))
    picker.accept()
    assert picker.result() == QDialog.DialogCode.Accepted
    assert picker.selectedFiles() == [str(tmp_path / "not-yet")]

    # The files export goes back in through the Workspace menu's importer.
    with qtbot.waitSignal(window.importer.imported, timeout=15_000) as imported:
        window.importer.import_bundle_folder(tmp_path / "exports" / "files")
    summary = imported.args[0]
    assert any("order-tracking@v1 (unchanged)" in line for line in summary.saved)
    _close_message_boxes(window)


def test_an_export_with_jinja_logic_warns_in_the_viewer(
    qtbot: QtBot, services: Services, server: FakeLLMServer, tmp_path: Path
) -> None:
    store = services.store
    run_id = run_and_score(store, save_versions(store, server))  # its system prompt has {% if %}
    window, view = open_results(qtbot, services, run_id)
    dialog = open_approve(qtbot, window, view)
    dialog.name.setText("order-support")
    with qtbot.waitSignal(dialog.approved, timeout=10_000):
        dialog.ok_button.click()
    [entry] = window.navigator.entries("Approved")
    viewer = window.open_entry(entry)
    assert isinstance(viewer, ApprovalViewer) and viewer.export_panel is not None
    with qtbot.waitSignal(viewer.export_panel.exported, timeout=15_000):
        viewer.export_panel.export_to("langfuse", tmp_path / "lf")
    report = viewer.export_panel.report.toPlainText()
    assert "line 3" in report and "jinja2" in report
    assert (tmp_path / "lf" / "langfuse-prompt.json").exists()


def test_an_unscored_run_is_not_offered_for_approval(
    qtbot: QtBot, services: Services, server: FakeLLMServer
) -> None:
    store = services.store
    versions = save_versions(store, server)
    run_id = run_and_score(store, versions)
    store.delete_scores(run_id, versions["rubric"].id)
    window, view = open_results(qtbot, services, run_id)
    view.request_approval()
    assert window.findChild(ApproveDialog) is None
    assert "is not scored" in window.statusBar().currentMessage()


def test_import_a_promptfoo_config_names_what_it_left_out(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    config = tmp_path / "shop" / "promptfooconfig.yaml"
    config.parent.mkdir()
    config.write_text(
        "prompts:\n"
        "  - 'Réponds au client : {{message}}'\n"
        "providers:\n"
        "  - id: openai:chat:gpt-4o-mini\n"
        "tests:\n"
        "  - vars:\n"
        "      message: Où est ma commande ?\n"
        "    assert:\n"
        "      - type: icontains\n"
        "        value: commande\n"
        "      - type: select-best\n"
        "        value: the clearest answer\n",
        encoding="utf-8",
    )
    window = open_live_window(qtbot, services)
    with qtbot.waitSignal(window.importer.imported, timeout=15_000) as blocker:
        window.importer.import_promptfoo(config)
    summary = blocker.args[0]
    kinds = {line.split()[0] for line in summary.saved}
    assert {"prompt", "model", "dataset", "rubric"} <= kinds
    assert any("select-best" in item for item in summary.unsupported)
    assert "select-best" in summary.text()
    prompts = [e.name for e in window.navigator.entries("Prompts")]
    assert any(name.startswith("shop") for name in prompts), prompts
    _close_message_boxes(window)


def test_a_bad_import_is_reported_not_raised(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    broken = tmp_path / "prompt.json"
    broken.write_text("{not json", encoding="utf-8")
    window = open_live_window(qtbot, services)
    with qtbot.waitSignal(window.importer.failed, timeout=15_000) as blocker:
        window.importer.import_langfuse(broken)
    assert "prompt.json" in blocker.args[0]
    assert "Import failed" in window.statusBar().currentMessage()
    _close_message_boxes(window)


def _close_message_boxes(window: MainWindow) -> None:
    for box in window.findChildren(QMessageBox):
        box.close()
