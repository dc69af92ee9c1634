"""How long `workbench-gui` takes to show its first window, next to a bare Qt window.

Each measurement spawns a fresh interpreter and times from just before the spawn to the moment
the child's event loop has shown the window (the child prints a line from a zero-delay timer
set when the window is shown, then quits). Three cases, each ``--repeat`` times (median):

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

# The real entry point; only MainWindow.show is wrapped to report and quit once shown.
WORKBENCH = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from workbench.gui import main as gui_main

shown = gui_main.MainWindow.show

def show_and_report(self):
    shown(self)
    QTimer.singleShot(0, lambda: (print("SHOWN", flush=True), QApplication.instance().quit()))

gui_main.MainWindow.show = show_and_report
sys.exit(gui_main.main(["--home", sys.argv[1]]))
"""


def time_window(code: str, args: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning `code` to its "SHOWN" line."""
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
    for line in process.stdout:
        if line.strip() == "SHOWN":
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError(f"the window never showed (exit {process.wait()})")
    process.wait(timeout=120)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM for the child")
    options = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": options.platform}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    figures: dict[str, list[float]] = {"bare Qt": [], "first launch": [], "second launch": []}
    for _ in range(options.repeat):
        figures["bare Qt"].append(time_window(BARE, [], env))
        with tempfile.TemporaryDirectory() as home:
            env_home = {**env, "WORKBENCH_HOME": home}
            figures["first launch"].append(time_window(WORKBENCH, [home], env_home))
            figures["second launch"].append(time_window(WORKBENCH, [home], env_home))
    floor = statistics.median(figures["bare Qt"])
    print(f"{'case':15}{'median s':>10}{'x bare Qt':>11}  runs")
    for case, runs in figures.items():
        median = statistics.median(runs)
        listed = ", ".join(f"{r:.2f}" for r in runs)
        print(f"{case:15}{median:10.2f}{median / floor:11.2f}  {listed}")


if __name__ == "__main__":
    main()
