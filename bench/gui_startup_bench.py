"""How long `workbench-gui` takes to show its first window, next to a bare Qt window.

Each measurement spawns a fresh interpreter and times from just before the spawn to the moment
the child's event loop has shown the window (the child prints a line from a zero-delay timer
set when the window is shown), and for the workbench also to the moment the workspace is open
in that window (store opened and migrated, navigator filled, menus built; then it quits).
Three cases, each ``--repeat`` times (median):

- **bare Qt**: a plain ``QMainWindow`` (the floor: interpreter and Qt start-up);
- **first launch**: ``workbench-gui`` on an empty workspace home (the demo then loads after the
  window is up, in the background);
- **second launch**: the same home again, demo already there.

Runs offscreen unless ``--platform`` says otherwise. Prints figures only.

Usage: ``python bench/gui_startup_bench.py [--repeat 3] [--platform offscreen]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1400, 900)
window.show()
QTimer.singleShot(0, lambda: (print("SHOWN", flush=True), app.quit()))
app.exec()
"""

# The real entry point; MainWindow.show and open_workspace are wrapped to report, and the
# child quits once the workspace is open (the demo's background import is not waited for).
WORKBENCH = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from workbench.gui import main as gui_main

shown = gui_main.MainWindow.show
opened = gui_main.MainWindow.open_workspace

def show_and_report(self):
    shown(self)
    QTimer.singleShot(0, lambda: print("SHOWN", flush=True))

def open_and_report(self, *args, **kwargs):
    opened(self, *args, **kwargs)
    QTimer.singleShot(0, lambda: (print("READY", flush=True), QApplication.instance().quit()))

gui_main.MainWindow.show = show_and_report
gui_main.MainWindow.open_workspace = open_and_report
sys.exit(gui_main.main(["--home", sys.argv[1]]))
"""


def time_window(code: str, args: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    """Seconds from spawning `code` to its "SHOWN" line, and to its "READY" line if any."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None
    shown = ready = None
    for line in process.stdout:
        if line.strip() == "SHOWN" and shown is None:
            shown = time.perf_counter() - started
        elif line.strip() == "READY":
            ready = time.perf_counter() - started
    process.wait(timeout=120)
    if shown is None:
        raise RuntimeError(f"the window never showed (exit {process.returncode})")
    return shown, ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM for the child")
    options = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": options.platform}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    figures: dict[str, list[tuple[float, float | None]]] = {
        "bare Qt": [],
        "first launch": [],
        "second launch": [],
    }
    for _ in range(options.repeat):
        figures["bare Qt"].append(time_window(BARE, [], env))
        with tempfile.TemporaryDirectory() as home:
            env_home = {**env, "WORKBENCH_HOME": home}
            figures["first launch"].append(time_window(WORKBENCH, [home], env_home))
            figures["second launch"].append(time_window(WORKBENCH, [home], env_home))
    floor = statistics.median(shown for shown, _ready in figures["bare Qt"])
    print(
        f"{'case':15}{'window s':>10}{'x bare Qt':>11}{'workspace s':>13}  runs (window/workspace)"
    )
    for case, runs in figures.items():
        median = statistics.median(shown for shown, _ready in runs)
        readies = [ready for _shown, ready in runs if ready is not None]
        ready_text = f"{statistics.median(readies):13.2f}" if readies else f"{'—':>13}"
        listed = ", ".join(
            f"{shown:.2f}" + (f"/{ready:.2f}" if ready is not None else "") for shown, ready in runs
        )
        print(f"{case:15}{median:10.2f}{median / floor:11.2f}{ready_text}  {listed}")


if __name__ == "__main__":
    main()
