"""Two people approving in the app: propose with "Needs a second person's sign-off", then sign off
from the approval viewer.

Everything real: the SQLite store in a temporary home, a run executed by the engine against the
fake OpenAI-compatible server and scored, the approval and the sign-off recorded by the window's
background jobs. The second person is the viewer's author source pointed at another name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import open_live_window
from tests.gui.test_approvals_gui import PLAIN
from tests.interop.test_bundle_helpers import run_and_score, save_versions
from workbench.app.services import Services
from workbench.gui.main_window import MainWindow
from workbench.gui.views.approval_viewer import ApprovalViewer
from workbench.gui.views.approve_dialog import ApproveDialog
from workbench.gui.views.results_view import ResultsView
from workbench.interop.bundle_export import ExportResult
from workbench.testing.fake_llm import FakeLLMServer, default_responder


@pytest.fixture()
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=default_responder) as fake:
        yield fake


def propose(qtbot: QtBot, services: Services, server: FakeLLMServer) -> MainWindow:
    """A scored run's column proposed as ``order-support@v1`` with the sign-off box ticked."""
    store = services.store
    run_id = run_and_score(store, save_versions(store, server, prompt=PLAIN))
    window = open_live_window(qtbot, services)
    [entry] = [e for e in window.navigator.entries("Runs") if e.run_id == run_id]
    view = window.open_entry(entry)
    assert isinstance(view, ResultsView)
    view.request_approval()
    dialog = window.findChild(ApproveDialog)
    assert isinstance(dialog, ApproveDialog)
    qtbot.waitUntil(lambda: dialog.evidence is not None, timeout=10_000)
    assert not dialog.require_reviewer.isChecked()  # a plain approval unless asked
    assert "labelled or exported" in dialog.require_reviewer.toolTip()
    dialog.name.setText("order-support")
    dialog.require_reviewer.setChecked(True)
    assert dialog.ok_button.text() == "Propose"
    with qtbot.waitSignal(dialog.approved, timeout=10_000) as blocker:
        dialog.ok_button.click()
    assert blocker.args[0].awaiting_review
    return window


def open_viewer(window: MainWindow) -> ApprovalViewer:
    [entry] = window.navigator.entries("Approved")
    window.navigator.select_entry(entry)
    viewer = window.open_entry(entry)
    assert isinstance(viewer, ApprovalViewer) and viewer.export_panel is not None
    return viewer


def test_propose_refuse_own_sign_off_then_another_person_signs_and_exports(
    qtbot: QtBot, services: Services, server: FakeLLMServer, tmp_path: Path
) -> None:
    store = services.store
    window = propose(qtbot, services, server)
    proposer = services.current_author()
    [stored] = store.list_approvals()
    assert stored.requires_reviewer and stored.reviewer == proposer and stored.signoff is None
    assert "Proposed order-support@v1" in window.statusBar().currentMessage()
    [entry] = window.navigator.entries("Approved")
    assert (
        entry.title.startswith("order-support@v1  · needs sign-off")
        and f"proposed by {proposer}" in entry.detail
    )

    viewer = open_viewer(window)
    panel = viewer.export_panel
    assert panel is not None
    assert viewer.sign_off_button.isVisibleTo(viewer)
    assert "Awaiting sign-off" in viewer.review_label.text()
    # The export refuses an unsigned proposal, so its buttons are off and say why.
    assert not any(button.isEnabled() for button in panel.buttons.values())
    assert panel.blocked_reason is not None and proposer in panel.blocked_reason
    assert panel.blocked_label.isVisibleTo(viewer)

    # The proposer's own sign-off, through the button and its note dialog: refused, shown.
    dialog = viewer.ask_sign_off()
    assert isinstance(dialog, QInputDialog) and proposer in dialog.labelText()
    dialog.setTextValue("my own work")
    with qtbot.waitSignal(viewer.sign_off_failed, timeout=10_000) as refused:
        dialog.accept()
    assert f"proposed by {proposer}" in refused.args[0]
    assert viewer.error_label.isVisibleTo(viewer)
    assert f"proposed by {proposer}" in viewer.error_label.text()
    assert "Not signed off" in window.statusBar().currentMessage()
    assert store.get_approval("order-support@v1").signoff is None
    assert viewer.sign_off_button.isEnabled()  # nothing lost: another try is possible
    assert not any(button.isEnabled() for button in panel.buttons.values())

    # Someone else signs off (with a note): the viewer, navigator and inspector show it.
    viewer.author_source = lambda: "bo"
    with qtbot.waitSignal(viewer.signed_off, timeout=10_000) as signed:
        viewer.sign_off("  checked the evidence  ")
    approval = signed.args[0]
    assert approval.signoff is not None and approval.signoff.reviewer == "bo"
    assert approval.signoff.note == "checked the evidence"
    shown = viewer.browser.toPlainText()
    assert "Signed off by bo" in shown and "checked the evidence" in shown and "in force" in shown
    assert not viewer.sign_off_button.isVisibleTo(viewer)
    assert not viewer.error_label.isVisibleTo(viewer)
    [entry] = window.navigator.entries("Approved")
    assert "sign-off" not in entry.title and "signed off by bo" in entry.detail
    assert "Signed off by bo" in window.inspector.browser.toPlainText()
    assert "Signed off order-support@v1 as bo" in window.statusBar().currentMessage()

    # Export is allowed now, and works.
    assert all(button.isEnabled() for button in panel.buttons.values())
    assert panel.blocked_reason is None and not panel.blocked_label.isVisibleTo(viewer)
    with qtbot.waitSignal(panel.exported, timeout=15_000) as exported:
        panel.export_to("files", tmp_path / "out")
    assert isinstance(exported.args[0], ExportResult) and exported.args[0].files

    # A second sign-off is refused with who signed it, not raised.
    viewer.author_source = lambda: "cy"
    with qtbot.waitSignal(viewer.sign_off_failed, timeout=10_000) as again:
        viewer.sign_off()
    assert "already signed off by bo" in again.args[0]
    kept = store.get_approval("order-support@v1").signoff
    assert kept is not None and kept.reviewer == "bo"


def test_cancelling_the_note_dialog_signs_nothing_and_a_revoked_proposal_is_refused(
    qtbot: QtBot, services: Services, server: FakeLLMServer
) -> None:
    store = services.store
    window = propose(qtbot, services, server)
    viewer = open_viewer(window)
    viewer.author_source = lambda: "bo"
    dialog = viewer.ask_sign_off()
    dialog.reject()
    assert store.get_approval("order-support@v1").signoff is None
    assert viewer.sign_off_button.isEnabled()

    store.revoke_approval("order-support@v1", reason="the evidence run was wrong", actor="ana")
    with qtbot.waitSignal(viewer.sign_off_failed, timeout=10_000) as refused:
        viewer.sign_off()
    assert "revoked" in refused.args[0] and "revoked" in viewer.error_label.text()
    # The viewer read the approval again: no sign-off offered, export off with the reason.
    assert not viewer.sign_off_button.isVisibleTo(viewer)
    assert viewer.error_label.isVisibleTo(viewer)
    assert viewer.export_panel is not None
    assert "revoked" in (viewer.export_panel.blocked_reason or "")
    assert store.get_approval("order-support@v1").signoff is None
