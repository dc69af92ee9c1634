"""`MainWindow`: navigator on the left, documents in the middle, inspector on the right.

The window owns no domain logic: it opens views for what the navigator lists, routes the
frequent commands (save, run, undo, find, refresh) to whichever view is current, and remembers
its layout in the workspace's UI settings file.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabBar,
    QTabWidget,
    QToolBar,
    QWidget,
)

from workbench.app.runs import DEMO_DATASET, DEMO_MODELS, DEMO_PERSONAS, DEMO_PROMPTS, DEMO_RUBRIC
from workbench.core.errors import KnownError
from workbench.core.models import Kind, validate_name
from workbench.engine.runner import EngineOptions
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.conversation_features import ConversationFeatures, conversation_tab_key
from workbench.gui.drafts import DraftStore
from workbench.gui.models.navigator_entries import NavEntry, load_navigator
from workbench.gui.provider_hub import ProviderFactory, ProviderHub
from workbench.gui.run_events import coalesce_run_events
from workbench.gui.run_sessions import RunSessions, run_tab_key
from workbench.gui.theme import is_dark
from workbench.gui.ui_settings import open_ui_settings
from workbench.gui.views.approval_viewer import ApprovalViewer
from workbench.gui.views.approve_dialog import ApproveDialog, column_bundle
from workbench.gui.views.content_viewer import ContentViewer
from workbench.gui.views.dataset_editor import DatasetEditor
from workbench.gui.views.inspector_panel import InspectorPanel
from workbench.gui.views.models_view import ModelsView
from workbench.gui.views.navigator_panel import NavigatorPanel
from workbench.gui.views.persona_designer import PersonaDesigner
from workbench.gui.views.prompt_editor import PromptEditor
from workbench.gui.views.results_view import ResultsView
from workbench.gui.views.run_setup_dialog import RunSetupDialog
from workbench.gui.views.welcome_panel import SHORTCUTS, WelcomePanel
from workbench.gui.views.workspace_imports import ImportSummary, WorkspaceImporter

if TYPE_CHECKING:
    from workbench.app.services import Services

MODELS_TAB_KEY = "models"


def _tab_key(entry: NavEntry) -> str:
    conversation_key = conversation_tab_key(entry)  # conversations (issue 12)
    if conversation_key is not None:
        return conversation_key
    if entry.run_id is not None:
        return run_tab_key(entry.run_id)
    if entry.approval is not None:
        return f"approval:{entry.approval}"
    if entry.kind == Kind.MODEL:
        return MODELS_TAB_KEY
    assert entry.kind is not None
    return f"{entry.kind.value}:{entry.name}"


class MainWindow(QMainWindow):
    """The application window for one workspace.

    Args:
        services: the workspace's services (store, home, author, secrets).
        provider_factory: replaces the real providers (tests and benchmarks point every model
            config at a fake server with it).
        engine_options: engine tuning for the runs started from this window.
    """

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        provider_factory: ProviderFactory | None = None,
        engine_options: EngineOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._store = services.store
        self._author = services.current_author()
        self._drafts = DraftStore(services.home)
        self._settings = open_ui_settings(services.home)
        self.bridge = EngineBridge(self, coalesce=coalesce_run_events)
        self.providers = ProviderHub(services.secrets, override=provider_factory)
        self.jobs = BackgroundJobs(self.bridge, services.open_store, self)
        self.runs = RunSessions(
            self._store,
            services.open_store,
            self.bridge,
            self.jobs,
            self.providers.factory,
            reviewer=self._author,
            options=engine_options,
            parent=self,
        )
        self.importer = WorkspaceImporter(self.jobs, self._author, self)
        # Conversations (issue 12): simulations, customer designer, talk-to-it playground.
        self.conversations = ConversationFeatures(
            self,
            services,
            self.bridge,
            self.jobs,
            self.providers.factory,
            drafts=self._drafts,
            author=self._author,
        )
        self.conversations.view_opened.connect(self._on_runs_view_opened)
        self.conversations.message_posted.connect(self._report)
        self.conversations.workspace_changed.connect(self._on_runs_runs_changed)
        self.importer.imported.connect(self._on_importer_imported)
        self.importer.failed.connect(self._on_importer_failed)
        self.setWindowTitle(f"Prompt Workbench — {services.home}")
        self.setObjectName("main-window")

        self.navigator = NavigatorPanel()
        self.inspector = InspectorPanel(self._store)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.welcome = WelcomePanel()
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
        self._build_toolbar()
        self.navigator.entry_activated.connect(self._on_navigator_entry_activated)
        self.navigator.entry_selected.connect(self._on_navigator_entry_selected)
        self.tabs.tabCloseRequested.connect(self._on_tabs_tab_close_requested)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.welcome.demo_requested.connect(self._on_welcome_demo_requested)
        self.welcome.setup_requested.connect(self.open_run_setup)
        self.welcome.simulation_requested.connect(self.conversations.run_demo_simulation)
        self.runs.view_opened.connect(self._on_runs_view_opened)
        self.runs.message_posted.connect(self._report)
        self.runs.runs_changed.connect(self._on_runs_runs_changed)

        self.refresh()
        self._restore_layout()
        self._show_welcome_if_empty()

    # -- public operations ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the navigator, the inspector and the current view again (F5)."""
        self.navigator.set_sections(load_navigator(self._store))
        self.welcome.set_demo_available(self._demo_available())
        self.welcome.set_simulation_available(self.conversations.demo_simulation_available())
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

    def open_run_setup(self) -> RunSetupDialog:
        """Show the run setup dialog (Ctrl+R), pre-filled from the current view or the demo."""
        dialog = RunSetupDialog(self._store, self.jobs, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.run_requested.connect(self._on_run_setup_run_requested)
        view = self.current_view()
        prompts = (
            [view.name]
            if isinstance(view, PromptEditor)
            else list(self._demo_or_first(Kind.PROMPT, DEMO_PROMPTS))
        )
        dialog.preselect(
            prompts=prompts,
            personas=list(self._demo_or_none(Kind.PERSONA, DEMO_PERSONAS)),
            models=list(self._demo_or_first(Kind.MODEL, DEMO_MODELS)),
            dataset=next(iter(self._demo_or_first(Kind.DATASET, (DEMO_DATASET,))), None),
            rubric=next(iter(self._demo_or_none(Kind.RUBRIC, (DEMO_RUBRIC,))), None),
        )
        dialog.open()
        return dialog

    def open_approve_dialog(
        self, run_id: int | None = None, column: int | None = None
    ) -> ApproveDialog | None:
        """Approve a column's bundle: by default the selected column of the current results."""
        view = self.current_view()
        if run_id is None:
            key = view.property("tab_key") if isinstance(view, ResultsView) else None
            if not isinstance(key, str) or not key.startswith("run:"):
                self._report("Open a scored run's results to approve one of its columns.")
                return None
            run_id = int(key.removeprefix("run:"))
        if column is None:
            columns = view.model.frame.columns if isinstance(view, ResultsView) else []
            index = view.table.currentIndex() if isinstance(view, ResultsView) else None
            if index is not None and index.isValid():
                column = columns[view.proxy.mapToSource(index).column()].index
            else:
                column = columns[0].index if columns else 0
        try:
            bundle = column_bundle(self._store, run_id, column)
        except KnownError as error:
            self._report(str(error))
            return None
        dialog = ApproveDialog(self.jobs, bundle, reviewer=self._author, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.approved.connect(self._on_approve_dialog_approved)
        dialog.open()
        return dialog

    def run_demo(self) -> None:
        """Start the demo comparison and show its results grid as it fills in."""
        self.runs.run_demo()

    def open_models(self, name: str | None = None) -> ModelsView | None:
        """Show the Models & keys screen, with a model config selected."""
        view = self.open_entry(
            NavEntry(section="Models", kind=Kind.MODEL, name=name or "", title="Models & keys")
        )
        if isinstance(view, ModelsView) and name:
            view.select(name)
        return view if isinstance(view, ModelsView) else None

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
        self._add_action("&Run", "run", "Run setup…", "Ctrl+R", self.open_run_setup)
        self._add_action("&Run", "demo", "Run the demo comparison", None, self.run_demo)
        self._add_action(
            "&Run", "approve", "Approve bundle…", None, lambda: self.open_approve_dialog()
        )
        self._add_action(
            "&Workspace", "models", "Models && keys", "Ctrl+Shift+M", lambda: self.open_models()
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

    def _create_view(self, entry: NavEntry) -> tuple[QWidget, str]:
        dark = is_dark(QApplication.instance())  # type: ignore[arg-type]
        if entry.run_id is not None:
            results, title = self.runs.results_view(entry.run_id)
            results.approve_requested.connect(partial(self.open_approve_dialog, entry.run_id))
            return results, title
        if entry.approval is not None:
            return ApprovalViewer(self._store, entry.approval, jobs=self.jobs), entry.approval
        conversation_view = self.conversations.create_view(entry, dark=dark)  # issue 12
        if conversation_view is not None:
            if hasattr(conversation_view[0], "dirty_changed"):  # the customer designer
                self._connect_editor(conversation_view[0])  # type: ignore[arg-type]
            return conversation_view
        assert entry.kind is not None
        if entry.kind == Kind.MODEL:
            models = ModelsView(
                self._store,
                self.jobs,
                self.bridge,
                self.providers,
                secrets=self._services.secrets,
                author=self._author,
            )
            models.message_posted.connect(self._report)
            models.version_saved.connect(self._on_editor_version_saved)
            if entry.name:
                models.select(entry.name)
            return models, "Models && keys"  # "&&": a tab title's "&" marks a mnemonic
        if entry.kind == Kind.DATASET and entry.ref is None:
            editor = DatasetEditor(self._store, self.jobs, entry.name, author=self._author)
            editor.message_posted.connect(self._report)
            editor.version_saved.connect(self._on_editor_version_saved)
            editor.dirty_changed.connect(lambda _dirty, e=editor: self._update_tab_title(e))
            return editor, entry.name
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
                provider_factory=self.providers.factory,
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
        for section in (
            *("Prompts", "Personas", "Datasets", "Rubrics", "Models", "Runs", "Approved"),
            *("Scenarios", "Customers", "Simulations"),  # conversations (issue 12)
        ):
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
        self._settings.setValue("session/tabs", [k for k in keys if isinstance(k, str)])
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.sync()
        self.runs.shutdown()
        self.conversations.shutdown()
        super().closeEvent(event)
        # Running runs were asked to stop; the engine thread winds them down (in-flight cells
        # end as cancelled, so Resume finishes them next time) before the window goes.
        self.bridge.shutdown()
        self.providers.close()

    # -- helpers -------------------------------------------------------------------------------

    def _report(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    def _show_welcome_if_empty(self) -> None:
        has_documents = any(
            self.tabs.widget(i) is not self.welcome for i in range(self.tabs.count())
        )
        welcome_index = self.tabs.indexOf(self.welcome)
        if not has_documents and welcome_index < 0:
            index = self.tabs.addTab(self.welcome, "Welcome")
            # The start page cannot be closed: hide its close button.
            self.tabs.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, None)
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
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS)

    def _demo_available(self) -> bool:
        names = {f.name for f in self._store.list_families(Kind.PROMPT)}
        models = {f.name for f in self._store.list_families(Kind.MODEL)}
        prompts = {p.split("@")[0] for p in DEMO_PROMPTS}
        return prompts <= names and set(DEMO_MODELS) <= models

    def _demo_or_first(self, kind: Kind, demo: tuple[str, ...]) -> tuple[str, ...]:
        names = [f.name for f in self._store.list_families(kind)]
        chosen = tuple(ref for ref in demo if ref.split("@")[0] in names)
        return chosen or tuple(names[:1])

    def _demo_or_none(self, kind: Kind, demo: tuple[str, ...]) -> tuple[str, ...]:
        names = {f.name for f in self._store.list_families(kind)}
        return tuple(ref for ref in demo if ref.split("@")[0] in names)

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

    def _on_run_setup_run_requested(self, spec: object, name: str, judge: object) -> None:
        self.runs.start_run(spec, name, judge)  # type: ignore[arg-type]

    def _on_welcome_demo_requested(self) -> None:
        self.run_demo()

    def _ask_and_import(self, source: str) -> None:
        if source == "bundle":
            folder = QFileDialog.getExistingDirectory(self, "Import an exported bundle folder")
            if folder:
                self.importer.import_bundle_folder(Path(folder))
            return
        title, pattern = {
            "promptfoo": ("Import a promptfoo config", "promptfoo config (*.yaml *.yml)"),
            "langfuse": ("Import Langfuse prompt JSON", "Langfuse prompts (*.json)"),
        }[source]
        path, _filter = QFileDialog.getOpenFileName(self, title, "", pattern)
        if not path:
            return
        if source == "promptfoo":
            self.importer.import_promptfoo(Path(path))
        else:
            self.importer.import_langfuse(Path(path))

    def _on_importer_imported(self, summary: ImportSummary) -> None:
        self.navigator.set_sections(load_navigator(self._store))
        self._report(f"Imported {len(summary.saved)} version(s) from {summary.source.name}.")
        box = QMessageBox(QMessageBox.Icon.Information, "Import", summary.text(), parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _on_importer_failed(self, message: str) -> None:
        self._report(f"Import failed: {message}")
        box = QMessageBox(QMessageBox.Icon.Warning, "Import failed", message, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _on_approve_dialog_approved(self, approval: object) -> None:
        self.navigator.set_sections(load_navigator(self._store))
        self._report(f"Approved {getattr(approval, 'ref', approval)}.")

    def _on_runs_view_opened(self, view: QWidget, title: str, key: str) -> None:
        if isinstance(view, ResultsView) and key.startswith("run:"):
            run_id = int(key.removeprefix("run:"))
            view.approve_requested.connect(partial(self.open_approve_dialog, run_id))
        for index in range(self.tabs.count()):
            if self.tabs.widget(index).property("tab_key") == key:
                self._on_tabs_tab_close_requested(index)
                break
        view.setProperty("tab_key", key)
        self._restore_splitters(view)
        index = self.tabs.addTab(view, title)
        self.tabs.setCurrentIndex(index)
        self._show_welcome_if_empty()

    def _on_runs_runs_changed(self) -> None:
        self.navigator.set_sections(load_navigator(self._store))

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
            title = self.tabs.tabText(self.tabs.currentIndex()).rstrip(" •").replace("&&", "&")
            self.statusBar().showMessage(f"Showing {title}", 2000)

    def _on_editor_message_posted(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    def _on_editor_version_saved(self, _version: object) -> None:
        sender = self.sender()
        self.navigator.set_sections(load_navigator(self._store))
        self.inspector.show_entry(self.navigator.current_entry())
        if isinstance(sender, PromptEditor | PersonaDesigner | DatasetEditor):
            kind = {PromptEditor: "prompt", PersonaDesigner: "persona", DatasetEditor: "dataset"}
            sender.setProperty("tab_key", f"{kind[type(sender)]}:{sender.name}")
            self._update_tab_title(sender)
