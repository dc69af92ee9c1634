"""Robustness in the GUI, driven like a user: noisy variants chosen in the run setup, the
robustness view (rows with variants, flips, diffs, chart), and the dataset action.

Everything real: the store in a temporary home, the engine on the bridge thread, the
OpenAI-compatible client against the fake server — scripted here to lose its French greeting
when the customer writes in SMS-speak, so SMS variants fail where their originals pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.live_fixtures import add_fake_model, add_rubric, open_live_window, wait_finished
from tests.gui.test_run_flow import next_check, open_setup
from workbench.app.robustness import RobustnessView as ViewData
from workbench.app.services import Services
from workbench.core.models import DatasetContent, Kind
from workbench.gui.views.dataset_editor import DatasetEditor
from workbench.gui.views.noisy_variants_dialog import NoisyVariantsDialog
from workbench.gui.views.results_view import ResultsView
from workbench.gui.views.robustness_view import LINK_ROLE, RobustnessView
from workbench.store import Store
from workbench.testing.fake_llm import FakeLLMServer, last_user_text


def sms_sensitive(body: dict[str, Any]) -> str:
    asked = last_user_text(body)
    if "bjr" in asked.lower() or "cmd" in asked:
        return "Hello, what do you mean?"
    return "Bonjour, votre commande arrive demain."


@pytest.fixture()
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(responder=sms_sensitive) as fake:
        yield fake


@pytest.fixture()
def live(store: Store, server: FakeLLMServer) -> Store:
    add_fake_model(store, server)
    add_rubric(store)
    return store


def test_noisy_run_from_the_setup_then_the_robustness_view(
    qtbot: QtBot, live: Store, services: Services, server: FakeLLMServer
) -> None:
    dataset_before = live.resolve(Kind.DATASET, "support-messages")
    window = open_live_window(qtbot, services)
    dialog = open_setup(qtbot, window)
    dialog.prompts.set_checked(["order-tracking@v2"])
    dialog.personas.set_checked([])
    dialog.models.set_checked(["fake"])
    dialog.dataset.setCurrentText("support-messages")
    dialog.rubric.setCurrentText("polite")

    dialog.perturb.setText("sms,typoes")
    check = next_check(qtbot, dialog)
    assert not check.ok and not dialog.start.isEnabled()
    assert dialog.errors["perturb"].isVisible()
    assert "unknown perturbation 'typoes'" in dialog.errors["perturb"].text()
    assert "accents, typos, letters, sms" in dialog.errors["perturb"].text()
    dialog.perturb.setText("sms,accents:2")
    assert "outside 0–1" in next_check(qtbot, dialog).problems["perturb"]

    dialog.perturb.setText("sms,accents")
    dialog.perturb_seed.setValue(4)
    check = next_check(qtbot, dialog)
    assert check.ok, check.problems
    assert check.variants == 6  # 3 rows × 2 perturbations
    assert "+ 6 noisy variant row(s)" in dialog.estimate.text()
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    run_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(run_id))
    run = live.get_run(run_id)
    assert run.spec.row_ids is not None and len(run.spec.row_ids) == 9
    assert live.get_version(run.spec.dataset_id).family == "support-messages.noisy"
    assert live.resolve(Kind.DATASET, "support-messages") == dataset_before
    assert any(
        "Bjr, où en est ma cmd 4512" in r.body["messages"][-1]["content"] for r in server.requests
    )

    # The results grid's cell detail shows a variant's diff against its original message.
    results = opened.args[0]
    assert isinstance(results, ResultsView)
    qtbot.waitUntil(lambda: "fr-001~sms" in results.variant_diffs, timeout=10_000)
    position = results.model.frame.row_ids.index("fr-001~sms")
    results.table.setCurrentIndex(results.proxy.mapFromSource(results.model.index(position, 0)))
    detail = results.detail.toHtml()
    assert "Noisy variant of fr-001 (sms)" in detail and "4512" in detail

    view = window.open_robustness()
    assert isinstance(view, RobustnessView)
    with qtbot.waitSignal(view.loaded, timeout=15_000) as loaded:
        pass
    data = loaded.args[0]
    assert isinstance(data, ViewData) and data.report is not None
    assert window.tabs.currentWidget() is view
    sms = next(d for d in data.report.deltas if d.kind == "sms")
    assert sms.flipped == ("fr-001",)
    assert "sms cost 33 points of pass rate (100% → 67% on 3 pairs)" in view.verdicts.text()
    assert "1 row flips pass→fail" in view.verdicts.text()
    # The row that flipped comes first, opened, with its SMS variant marked.
    first = view.tree.topLevelItem(0)
    assert first is not None and first.text(0) == "fr-001" and first.isExpanded()
    variant = next(
        first.child(i) for i in range(first.childCount()) if first.child(i).text(1) == "sms"
    )
    assert variant.text(2) == "✓→✗"
    view.tree.setCurrentItem(variant)
    html = view.diff.toHtml()
    assert "fr-001~sms" in html and "4512" in html
    assert variant.data(0, LINK_ROLE).variant.startswith("Bjr")
    assert len(view.chart.bars) == 1  # one column
    assert list(view.chart.bars[0].opts["height"]) == pytest.approx([1.0, 2 / 3, 1.0])


def test_robustness_of_a_run_without_variants_says_why(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    assert window.open_robustness() is None  # no run shown
    dialog = open_setup(qtbot, window)
    dialog.prompts.set_checked(["order-tracking@v2"])
    dialog.models.set_checked(["fake"])
    dialog.dataset.setCurrentText("support-messages")
    next_check(qtbot, dialog)
    with qtbot.waitSignal(window.runs.view_opened, timeout=10_000) as opened:
        qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    run_id = int(opened.args[2].split(":")[1])
    wait_finished(qtbot, window.runs.controller(run_id))
    view = window.open_robustness(run_id)
    assert isinstance(view, RobustnessView)
    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    assert "has no noisy variants" in view.status.text()


def test_dataset_action_adds_noisy_variants_as_a_new_version(
    qtbot: QtBot, live: Store, services: Services
) -> None:
    window = open_live_window(qtbot, services)
    editor = DatasetEditor(live, window.jobs, "support-messages", author="camille")
    qtbot.addWidget(editor)
    before = live.resolve(Kind.DATASET, "support-messages")
    dialog = editor.open_noisy_variants()
    assert isinstance(dialog, NoisyVariantsDialog)
    dialog.perturb.setText("caps:3")
    assert not dialog.save.isEnabled() and "outside 0–1" in dialog.error.text()
    dialog.perturb.setText("caps,punctuation")
    assert dialog.save.isEnabled()
    with qtbot.waitSignal(editor.version_saved, timeout=10_000) as saved:
        qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    version = saved.args[0]
    assert version.family == "support-messages" and version.number == before.number + 1
    content = version.content
    assert isinstance(content, DatasetContent)
    assert [r.id for r in content.rows[:3]] == ["fr-001", "fr-001~caps", "fr-001~punctuation"]
    assert content.rows[1].vars["message"] == "BONJOUR, OÙ EN EST MA COMMANDE 4512 ? MERCI"
    assert "noise:caps" in content.rows[1].tags
    assert live.get_version(before.id) == before
