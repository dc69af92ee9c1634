"""`workbench-gui`: start the desktop application on a workspace.

Usage: ``workbench-gui [--home DIR]``. The workspace home defaults to ``WORKBENCH_HOME`` or the
platform's user data folder; on first launch the demo workspace is loaded so there is something
to open and run straight away.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from workbench.app.desktop_libraries import describe_missing, missing_xcb_libraries, uses_xcb
from workbench.app.paths import workspace_home
from workbench.gui.garbage_collection import collect_on_gui_thread_only
from workbench.gui.main_window import MainWindow
from workbench.gui.pyside_workarounds import guard_singleton_refcounts
from workbench.gui.theme import ThemeFollower

if TYPE_CHECKING:
    from workbench.app.services import Services

_log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options of the GUI."""
    parser = argparse.ArgumentParser(prog="workbench-gui", description="Prompt Workbench")
    parser.add_argument("--home", help="workspace folder (default: WORKBENCH_HOME or user data)")
    parser.add_argument(
        "--no-demo", action="store_true", help="do not load the demo workspace into an empty store"
    )
    return parser.parse_args(argv)


def create_application(argv: Sequence[str]) -> QApplication:
    """The QApplication, set up for crisp high-DPI rendering and the system colour scheme."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    guard_singleton_refcounts()
    # Qt's raster painter hands large fills (a scroll bar's gradient groove, at every scroll
    # step) to a pool of threads and waits for them: on a busy machine the GUI thread then
    # waits for those threads to get a core (a third of a results grid's page step went there).
    # Widgets paint small areas, which one thread does faster. Read once, before the first
    # paint; a value already set in the environment is left as it is.
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    # Fractional scale factors (125 %, 150 %) as they are, instead of rounding to whole numbers.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(list(argv))
    app.setApplicationName("Prompt Workbench")
    app.setOrganizationName("prompt-workbench")
    app.setApplicationDisplayName("Prompt Workbench")
    ThemeFollower(app)
    # Before any engine thread exists: cycles holding Qt wrappers must die on this thread.
    collect_on_gui_thread_only(app)
    return app


def check_desktop_libraries(environ: Mapping[str, str] = os.environ) -> str | None:
    """The message to print instead of Qt's misleading abort when X11 libraries are missing."""
    if not uses_xcb(environ):
        return None
    missing = missing_xcb_libraries()
    return describe_missing(missing) if missing else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the application until its window closes; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    problem = check_desktop_libraries()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    app = create_application(sys.argv[:1])
    # The window shell first (no store, no view imported yet), the workspace right after: the
    # store and the views take a second or more to import, the user sees the window meanwhile.
    window = MainWindow(home=workspace_home(args.home))
    window.show()
    opened: list[Services] = []
    QTimer.singleShot(0, lambda: open_workspace(window, args, opened))
    try:
        return app.exec()
    finally:
        for services in opened:
            services.close()


def open_workspace(window: MainWindow, args: argparse.Namespace, opened: list[Services]) -> None:
    """Open the store (migrating it), fill the shown window, then load the demo if wanted."""
    QApplication.processEvents()  # paint the shell before the imports below hold the thread
    from workbench.app.services import Services, demo_wanted
    from workbench.core.errors import KnownError

    services = Services(args.home)
    opened.append(services)
    try:
        services.store  # noqa: B018 - opening (and migrating) the store
    except KnownError as error:
        QMessageBox.critical(window, "Prompt Workbench", f"Cannot open the workspace:\n\n{error}")
        QApplication.exit(1)
        return
    window.open_workspace(services)
    if not args.no_demo and demo_wanted(services.store):
        # After the window is up: the import takes seconds, the window must not wait for it.
        window.load_demo()


if __name__ == "__main__":
    sys.exit(main())
