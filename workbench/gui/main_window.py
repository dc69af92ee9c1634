"""`MainWindow`: navigator on the left, documents in the middle, inspector on the right.

The window owns no domain logic: it opens views for what the navigator lists, routes the
frequent commands (save, run, undo, find, refresh) to whichever view is current, and remembers
its layout in the workspace's UI settings file.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from workbench.core.errors import KnownError
from workbench.core.llm import Provider
from workbench.core.models import Kind, ModelConfigContent, validate_name
from workbench.engine.events import CellDelta
from workbench.gui.bridge import EngineBridge
from workbench.gui.drafts import DraftStore
from workbench.gui.event_coalescing import coalesce_deltas
from workbench.gui.models.navigator_entries import NavEntry, load_navigator
from workbench.gui.models.results_table_model import ResultsTableModel
from workbench.gui.models.run_loading import cell_prompt_text, load_result_frame
from workbench.gui.theme import is_dark
from workbench.gui.ui_settings import open_ui_settings
from workbench.gui.views.content_viewer import ContentViewer
from workbench.gui.views.inspector_panel import InspectorPanel
from workbench.gui.views.navigator_panel import NavigatorPanel
from workbench.gui.views.persona_designer import PersonaDesigner
from workbench.gui.views.prompt_editor import PromptEditor
from workbench.gui.views.results_view import ResultsView

if TYPE_CHECKING:
    from workbench.app.services import Services

WELCOME = """
<h2>Prompt Workbench</h2>
<p>Pick a prompt or a persona in the navigator on the left to edit it, or a run to review it.</p>
<p><b>Ctrl+S</b> save · <b>Ctrl+R</b> run · <b>Ctrl+F</b> filter · <b>F5</b> refresh ·
<b>Ctrl+Z / Ctrl+Shift+Z</b> undo / redo<br/>
In results: <b>J / K</b> or arrows to move, <b>1–5</b> to rate, <b>P / F</b> pass or fail.</p>
"""


def _tab_key(entry: NavEntry) -> str:
    if entry.run_id is not None:
        return f"run:{entry.run_id}"
    assert entry.kind is not None
    return f"{entry.kind.value}:{entry.name}"


class MainWindow(QMainWindow):
    """The application window for one workspace.

    Args:
        services: the workspace's services (store, home, author).
    """

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._store = services.store
        self._author = services.current_author()
        self._drafts = DraftStore(services.home)
        self._settings = open_ui_settings(services.home)
        self.bridge = EngineBridge(self, coalesce=partial(coalesce_deltas, delta_type=CellDelta))
        self.setWindowTitle(f"Prompt Workbench — {services.home}")
        self.setObjectName("main-window")

        self.navigator = NavigatorPanel()
        self.inspector = InspectorPanel(self._store)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.welcome = QLabel(WELCOME)
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.setWordWrap(True)
        self.setCentralWidget(self.tabs)
        self._navigator_dock = self._dock(
            "Navigator", self.navigator, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self._inspector_dock = self._dock(
            "Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.statusBar().showMessage("Ready", 3000)

        self.actions_by_name: dict[str, QAction] = {}
        self._build_menus()
        self.navigator.entry_activated.connect(self._on_navigator_entry_activated)
        self.navigator.entry_selected.connect(self._on_navigator_entry_selected)
        self.tabs.tabCloseRequested.connect(self._on_tabs_tab_close_requested)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

        self.refresh()
        self._restore_layout()
        self._show_welcome_if_empty()

    # -- public operations ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the navigator, the inspector and the current view again (F5)."""
        self.navigator.set_sections(load_navigator(self._store))
        self.inspector.show_entry(self.navigator.current_entry())
        view = self.tabs.currentWidget()
        reload = getattr(view, "reload", None)
        if callable(reload) and not getattr(view, "is_dirty", lambda: False)():
            reload()

    def open_entry(self, entry: NavEntry) -> QWidget | None:
        """Open (or switch to) the view for a navigator entry."""
        key = _tab_key(entry)
        for index in range(self.tabs.count()):
            if self.tabs.widget(index).property("tab_key") == key:
                self.tabs.setCurrentIndex(index)
                return self.tabs.widget(index)
        try:
            view, title = self._create_view(entry)
        except KnownError as error:
            self._report(str(error))
            return None
        view.setProperty("tab_key", key)
        self._restore_splitters(view)
        index = self.tabs.addTab(view, title)
        self.tabs.setTabToolTip(index, entry.detail or entry.title)
        self.tabs.setCurrentIndex(index)
        self._show_welcome_if_empty()
        return view

    def current_view(self) -> QWidget | None:
        """The document shown in the middle, if any."""
        view = self.tabs.currentWidget()
        return None if view is self.welcome else view

    def new_family(self, kind: Kind) -> QWidget | None:
        """Ask for a name and open an empty editor for a new prompt or persona."""
        name, accepted = QInputDialog.getText(
            self, f"New {kind.value}", "Name (lower-case, no spaces):"
        )
        if not accepted or not name.strip():
            return None
        try:
            validate_name(name.strip())
        except KnownError as error:
            self._report(str(error))
            return None
        section = "Prompts" if kind == Kind.PROMPT else "Personas"
        return self.open_entry(NavEntry(section=section, kind=kind, name=name.strip(), title=name))

    # -- building ------------------------------------------------------------------------------

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
        self._add_action("&Run", "run", "Run…", "Ctrl+R", self._on_run_triggered)
        view_menu = self.menuBar().addMenu("&View")
        self._menus["&View"] = view_menu
        view_menu.addAction(self._navigator_dock.toggleViewAction())
        view_menu.addAction(self._inspector_dock.toggleViewAction())
        self._add_action("&View", "next_tab", "Next tab", "Ctrl+PgDown", lambda: self._step_tab(1))
        self._add_action(
            "&View", "previous_tab", "Previous tab", "Ctrl+PgUp", lambda: self._step_tab(-1)
        )
        self._add_action("&Help", "shortcuts", "Keyboard shortcuts", "F1", self._show_shortcuts)

    def _create_view(self, entry: NavEntry) -> tuple[QWidget, str]:
        dark = is_dark(QApplication.instance())  # type: ignore[arg-type]
        if entry.run_id is not None:
            run = self._store.get_run(entry.run_id)
            model = ResultsTableModel(load_result_frame(self._store, run))
            view = ResultsView(
                model,
                title=f"#{run.id} {run.name}",
                prompt_source=lambda key: cell_prompt_text(self._store, run, key),
            )
            view.setParent(None)
            model.setParent(view)
            return view, f"#{run.id} {run.name}"
        assert entry.kind is not None
        if entry.kind == Kind.PROMPT and entry.ref is None:
            editor = PromptEditor(
                self._store, entry.name, author=self._author, drafts=self._drafts, dark=dark
            )
            self._connect_editor(editor)
            return editor, entry.name
        if entry.kind == Kind.PERSONA and entry.ref is None:
            designer = PersonaDesigner(
                self._store,
                entry.name,
                author=self._author,
                drafts=self._drafts,
                bridge=self.bridge,
                provider_factory=self._provider_factory(),
                dark=dark,
            )
            self._connect_editor(designer)
            return designer, entry.name
        viewer = ContentViewer(self._store, entry.kind, entry.name, entry.ref)
        return viewer, entry.name if entry.ref is None else f"{entry.name}@{entry.ref}"

    def _connect_editor(self, editor: PromptEditor | PersonaDesigner) -> None:
        editor.message_posted.connect(self._on_editor_message_posted)
        editor.version_saved.connect(self._on_editor_version_saved)
        editor.dirty_changed.connect(lambda _dirty, e=editor: self._update_tab_title(e))

    def _provider_factory(self) -> Callable[[ModelConfigContent], Provider]:
        services = self._services
        built: list[Callable[[ModelConfigContent], Provider]] = []

        def factory(config: ModelConfigContent) -> Provider:
            # Importing the provider SDKs takes seconds: do it on first use, on the engine
            # thread, so opening a persona never waits for it. Failures surface as the reply.
            if not built:
                built.append(services.provider_factory())
            return built[0](config)

        return factory

    # -- layout persistence --------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
            self.resizeDocks(
                [self._navigator_dock, self._inspector_dock], [270, 290], Qt.Orientation.Horizontal
            )
        state = self._settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        open_tabs = self._settings.value("session/tabs") or []
        if isinstance(open_tabs, str):
            open_tabs = [open_tabs]
        for key in open_tabs:
            entry = self._entry_for_key(str(key))
            if entry is not None:
                self.open_entry(entry)

    def _entry_for_key(self, key: str) -> NavEntry | None:
        for section in ("Prompts", "Personas", "Datasets", "Rubrics", "Models", "Runs"):
            for entry in self.navigator.entries(section):
                if _tab_key(entry) == key:
                    return entry
        return None

    def _restore_splitters(self, view: QWidget) -> None:
        for splitter in view.findChildren(QSplitter):
            state = self._settings.value(f"splitters/{splitter.objectName()}")
            if splitter.objectName() and isinstance(state, QByteArray):
                splitter.setProperty("restored", splitter.restoreState(state))

    def _save_splitters(self, view: QWidget) -> None:
        for splitter in view.findChildren(QSplitter):
            if splitter.objectName():
                self._settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout and keep every unsaved text as a draft."""
        keys = []
        for index in range(self.tabs.count()):
            view = self.tabs.widget(index)
            if view is self.welcome:
                continue
            keys.append(view.property("tab_key"))
            self._save_splitters(view)
            write_draft = getattr(view, "write_draft", None)
            if callable(write_draft):
                write_draft()
        self._settings.setValue("session/tabs", keys)
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.sync()
        super().closeEvent(event)

    # -- helpers -------------------------------------------------------------------------------

    def _report(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    def _show_welcome_if_empty(self) -> None:
        has_documents = any(
            self.tabs.widget(i) is not self.welcome for i in range(self.tabs.count())
        )
        welcome_index = self.tabs.indexOf(self.welcome)
        if not has_documents and welcome_index < 0:
            self.tabs.addTab(self.welcome, "Welcome")
        elif has_documents and welcome_index >= 0:
            self.tabs.removeTab(welcome_index)

    def _update_tab_title(self, view: QWidget) -> None:
        index = self.tabs.indexOf(view)
        if index >= 0:
            name = getattr(view, "name", self.tabs.tabText(index).rstrip(" •"))
            dirty = getattr(view, "is_dirty", lambda: False)()
            self.tabs.setTabText(index, f"{name} •" if dirty else name)

    def _close_current_tab(self) -> None:
        index = self.tabs.currentIndex()
        if index >= 0:
            self._on_tabs_tab_close_requested(index)

    def _step_tab(self, step: int) -> None:
        if self.tabs.count():
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def _edit(self, operation: str) -> None:
        target = QApplication.focusWidget()
        method = getattr(target, operation, None)
        if callable(method):
            method()

    def _show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", WELCOME)

    # -- slots ---------------------------------------------------------------------------------

    def _on_save_triggered(self) -> None:
        save = getattr(self.current_view(), "save", None)
        if callable(save):
            save()
        else:
            self._report("Nothing to save here.")

    def _on_find_triggered(self) -> None:
        focus = QApplication.focusWidget()
        in_navigator = focus is not None and self.navigator.isAncestorOf(focus)
        search = getattr(self.current_view(), "focus_search", None)
        if callable(search) and not in_navigator:
            search()
        else:
            self._navigator_dock.show()
            self.navigator.focus_filter()

    def _on_run_triggered(self) -> None:
        run = getattr(self.current_view(), "run", None)
        if callable(run):
            run()
        else:
            self._report("Open a prompt or a run to start one. Run setup needs the engine.")

    def _on_navigator_entry_activated(self, entry: NavEntry) -> None:
        self.open_entry(entry)

    def _on_navigator_entry_selected(self, entry: NavEntry | None) -> None:
        self.inspector.show_entry(entry)

    def _on_tabs_tab_close_requested(self, index: int) -> None:
        view = self.tabs.widget(index)
        if view is self.welcome:
            return
        self._save_splitters(view)
        if getattr(view, "is_dirty", lambda: False)():
            self._report(
                f"Unsaved changes to {self.tabs.tabText(index).rstrip(' •')} kept as a draft."
            )
        self.tabs.removeTab(index)
        view.close()
        view.deleteLater()
        self._show_welcome_if_empty()

    def _on_tabs_current_changed(self, _index: int) -> None:
        view = self.current_view()
        if view is not None:
            title = self.tabs.tabText(self.tabs.currentIndex()).rstrip(" •")
            self.statusBar().showMessage(f"Showing {title}", 2000)

    def _on_editor_message_posted(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    def _on_editor_version_saved(self, _version: object) -> None:
        sender = self.sender()
        self.navigator.set_sections(load_navigator(self._store))
        self.inspector.show_entry(self.navigator.current_entry())
        if isinstance(sender, QWidget):
            new_key = f"{'prompt' if isinstance(sender, PromptEditor) else 'persona'}:{sender.name}"  # type: ignore[attr-defined]
            sender.setProperty("tab_key", new_key)
            self._update_tab_title(sender)
