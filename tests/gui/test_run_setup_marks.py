"""Run setup marks prompt versions that cannot run cleanly: templates that do not parse, and
variables the chosen dataset does not provide."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from workbench.app.services import Services
from workbench.core.models import Kind, PromptContent
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.views.run_setup_dialog import RunSetupDialog
from workbench.store import Store


@pytest.fixture()
def jobs(qtbot: QtBot, services: Services) -> Iterator[BackgroundJobs]:
    bridge = EngineBridge()
    yield BackgroundJobs(bridge, services.open_store)
    bridge.shutdown()


def _item_texts(dialog: RunSetupDialog) -> dict[str, str]:
    texts = {}
    for index in range(dialog.prompts.topLevelItemCount()):
        top = dialog.prompts.topLevelItem(index)
        for child in range(top.childCount()):
            item = top.child(child)
            texts[item.toolTip(0).splitlines()[0]] = item.text(0)
    return texts


def test_versions_that_do_not_parse_or_read_unprovided_variables_are_marked(
    qtbot: QtBot, store: Store, jobs: BackgroundJobs
) -> None:
    # Versions that came in from files or older builds, saved without the editor's checks.
    broken = store.save_version(
        Kind.PROMPT, "order-tracking", PromptContent(user="{% if message %}oops"), author="t"
    ).version
    unknown = store.save_version(
        Kind.PROMPT, "order-tracking", PromptContent(user="{{ numero_commande }}"), author="t"
    ).version
    dialog = RunSetupDialog(store, jobs)
    qtbot.addWidget(dialog)
    # Let the dialog's own background check finish before the test tears the workers down.
    with qtbot.waitSignal(dialog.checked, timeout=10_000):
        dialog.check_now()
    texts = _item_texts(dialog)
    assert texts[broken.ref].startswith("⚠ v")
    assert texts[unknown.ref].startswith("⚠ v")
    clean = store.history(Kind.PROMPT, "order-tracking")[0]
    assert not texts[clean.ref].startswith("⚠")
    tooltips = {
        dialog.prompts.topLevelItem(0).child(i).toolTip(0)
        for i in range(dialog.prompts.topLevelItem(0).childCount())
    }
    assert any("does not parse" in tip for tip in tooltips)
    assert any("numero_commande" in tip and "does not provide" in tip for tip in tooltips)
