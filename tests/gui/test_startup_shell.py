"""The first window comes before the store and the views: they are imported when first used.

Checked in a fresh interpreter (this test session has imported everything already): the real
entry point runs with `MainWindow.show` and `MainWindow.open_workspace` wrapped to report which
heavy modules were loaded at that moment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from workbench.app.services import Services
from workbench.gui.main_window import MainWindow, is_view, loaded_class

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "workbench.store",
    "numpy",
    "pyqtgraph",
    "aiohttp",
    "workbench.app.services",
    "workbench.gui.views.results_view",
    "workbench.gui.views.prompt_editor",
    "workbench.gui.views.logs_dashboard",
)
VIEWS = (
    "workbench.gui.views.prompt_editor",
    "workbench.gui.views.persona_designer",
    "workbench.gui.views.dataset_editor",
    "workbench.gui.views.models_view",
    "workbench.gui.views.logs_dashboard",
    "workbench.gui.views.run_setup_dialog",
)

CHILD = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from workbench.gui import main as gui_main

heavy, views = json.loads(sys.argv[2]), json.loads(sys.argv[3])
report = {}
shown, opened = gui_main.MainWindow.show, gui_main.MainWindow.open_workspace

def show(self):
    shown(self)
    report["at_show"] = [m for m in heavy if m in sys.modules]
    report["title"] = self.windowTitle()
    report["opening_tab"] = self.tabs.tabText(0)

def open_workspace(self, services, **kwargs):
    opened(self, services, **kwargs)
    report["views_after_open"] = [m for m in views if m in sys.modules]
    report["prompts"] = [e.name for e in self.navigator.entries("Prompts")]
    QTimer.singleShot(0, QApplication.instance().quit)

gui_main.MainWindow.show = show
gui_main.MainWindow.open_workspace = open_workspace
code = gui_main.main(["--home", sys.argv[1], "--no-demo"])
print("REPORT " + json.dumps(report), flush=True)
sys.exit(code)
"""


def run_child(home: Path) -> dict[str, object]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), json.dumps(HEAVY), json.dumps(VIEWS)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("REPORT "))
    return json.loads(line.removeprefix("REPORT "))  # type: ignore[no-any-return]


def test_first_launch_shows_the_window_before_the_store_and_views_are_imported(
    tmp_path: Path,
) -> None:
    home = tmp_path / "first-launch"  # does not exist yet: a first launch
    report = run_child(home)
    assert report["at_show"] == []
    assert str(home) in str(report["title"])
    assert report["opening_tab"] == "Opening…"
    # Opening the workspace builds the navigator, not the document views.
    assert report["views_after_open"] == []
    assert report["prompts"] == []  # --no-demo: an empty workspace
    assert (home / "workbench.sqlite").exists()


def test_the_shell_then_the_workspace_in_one_window(qtbot: QtBot, services: Services) -> None:
    window = MainWindow(home=services.home)
    qtbot.addWidget(window)
    window.show()
    assert not window.workspace_open
    assert window.tabs.count() == 1 and window.tabs.tabText(0) == "Opening…"
    assert "Opening the workspace" in window.statusBar().currentMessage()
    assert window.actions_by_name == {}

    window.open_workspace(services)
    assert window.workspace_open
    assert window.tabs.currentWidget() is window.welcome
    assert window.tabs.count() == 1
    assert "save" in window.actions_by_name  # the menus came with the workspace
    assert window._navigator_dock.widget() is window.navigator


def test_views_open_lazily_and_work(qtbot: QtBot, store: object, services: Services) -> None:
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    entry = next(e for e in window.navigator.entries("Prompts"))
    editor = window.open_entry(entry)
    prompt_editor = loaded_class("workbench.gui.views.prompt_editor", "PromptEditor")
    assert prompt_editor is not None and isinstance(editor, prompt_editor)
    assert is_view(window.current_view(), "workbench.gui.views.prompt_editor", "PromptEditor")
    assert not is_view(editor, "workbench.gui.views.no_such_view", "Nothing")
    dataset = next(e for e in window.navigator.entries("Datasets"))
    assert type(window.open_entry(dataset)).__name__ == "DatasetEditor"
    models = window.open_models()
    assert models is not None and type(models).__name__ == "ModelsView"
    dialog = window.open_run_setup()
    assert type(dialog).__name__ == "RunSetupDialog"
    dialog.close()
    assert window.tabs.count() == 3
