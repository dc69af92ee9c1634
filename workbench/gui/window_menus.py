"""`WindowMenus`: the main window's docks, menus, shortcuts and toolbar (mixed into `MainWindow`).

Kept apart from the window's behaviour so the list of commands and their keys reads in one
place. Every action is also kept in `actions_by_name` (tests and the toolbar find them there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QToolBar, QWidget


class WindowMenus:
    """Builds the menus and toolbar of a `MainWindow` (a mixin: ``self`` is the window)."""

    actions_by_name: dict[str, QAction]

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}-dock")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _add_action(
        self,
        menu_title: str,
        name: str,
        text: str,
        keys: QKeySequence | str | None,
        slot: Callable[[], Any],
    ) -> QAction:
        menu = self._menus.get(menu_title) or self.menuBar().addMenu(menu_title)
        self._menus[menu_title] = menu
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _build_menus(self) -> None:
        from workbench.core.models import Kind  # not at module level: the window shell needs none

        self._menus: dict[str, Any] = {}
        standard = QKeySequence.StandardKey
        self._add_action(
            "&File", "new_prompt", "New prompt…", "Ctrl+N", lambda: self.new_family(Kind.PROMPT)
        )
        self._add_action(
            "&File",
            "new_persona",
            "New persona…",
            "Ctrl+Shift+N",
            lambda: self.new_family(Kind.PERSONA),
        )
        self._add_action("&File", "save", "Save", standard.Save, self._on_save_triggered)
        self._add_action("&File", "close_tab", "Close tab", "Ctrl+W", self._close_current_tab)
        self._add_action("&File", "refresh", "Refresh", "F5", self.refresh)
        self._menus["&File"].addSeparator()
        self._add_action("&File", "quit", "Quit", standard.Quit, self.close)
        self._add_action("&Edit", "undo", "Undo", standard.Undo, lambda: self._edit("undo"))
        self._add_action("&Edit", "redo", "Redo", "Ctrl+Shift+Z", lambda: self._edit("redo"))
        self._menus["&Edit"].addSeparator()
        self._add_action("&Edit", "find", "Filter…", standard.Find, self._on_find_triggered)
        self._add_action("&Run", "run", "Run setup…", "Ctrl+R", self.open_run_setup)
        self._add_action("&Run", "demo", "Run the demo comparison", None, self.run_demo)
        self._add_action(
            "&Run", "approve", "Approve bundle…", None, lambda: self.open_approve_dialog()
        )
        self._add_action(
            "&Run", "robustness", "Robustness of this run", "Ctrl+Shift+B", self.open_robustness
        )
        self._add_action(
            "&Workspace", "models", "Models && keys", "Ctrl+Shift+M", lambda: self.open_models()
        )
        self._add_action(
            "&Workspace", "shared_store", "Shared store…", None, self.open_shared_store
        )
        self._menus["&Workspace"].addSeparator()
        self._add_action(
            "&Workspace",
            "import_promptfoo",
            "Import promptfoo config…",
            None,
            lambda: self._ask_and_import("promptfoo"),
        )
        self._add_action(
            "&Workspace",
            "import_langfuse",
            "Import Langfuse prompt…",
            None,
            lambda: self._ask_and_import("langfuse"),
        )
        self._add_action(
            "&Workspace",
            "import_bundle",
            "Import bundle folder…",
            None,
            lambda: self._ask_and_import("bundle"),
        )
        view_menu = self.menuBar().addMenu("&View")
        self._menus["&View"] = view_menu
        view_menu.addAction(self._navigator_dock.toggleViewAction())
        view_menu.addAction(self._inspector_dock.toggleViewAction())
        self._add_action("&View", "next_tab", "Next tab", "Ctrl+PgDown", lambda: self._step_tab(1))
        self._add_action(
            "&View", "previous_tab", "Previous tab", "Ctrl+PgUp", lambda: self._step_tab(-1)
        )
        self._add_action(
            "&View", "logs", "Conversation logs dashboard", "Ctrl+Shift+L", self.open_logs
        )
        self._add_action("&Help", "shortcuts", "Keyboard shortcuts", "F1", self._show_shortcuts)
        self.conversations.install_actions(self._add_action)  # conversations (issue 12)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for name in ("run", "demo", "models"):
            toolbar.addAction(self.actions_by_name[name])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
