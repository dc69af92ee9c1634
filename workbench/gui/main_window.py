"""`MainWindow`: navigator on the left, documents in the middle, inspector on the right.

The window owns no domain logic: it opens views for what the navigator lists, routes the
frequent commands (save, run, undo, find, refresh) to whichever view is current, and remembers
its layout in the workspace's UI settings file.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTabBar,
    QTabWidget,
    QWidget,
)

from workbench.gui.drafts import DraftStore
from workbench.gui.theme import is_dark
from workbench.gui.ui_settings import open_ui_settings
from workbench.gui.window_menus import WindowMenus

# Only what the window shell needs is imported above: every view, the store and the app layer
# are imported when first used (the shell shows in a fraction of the time the views take to
# import; see `bench/gui_startup_bench.py`).
if TYPE_CHECKING:
    from workbench.app.run_execution import EngineOptions
    from workbench.app.services import ProviderFactory, Services
    from workbench.core.models import Kind
    from workbench.gui.demo_loader import DemoLoader
    from workbench.gui.document_view import DocumentView
    from workbench.gui.models.navigator_entries import NavEntry
    from workbench.gui.views.approve_dialog import ApproveDialog
    from workbench.gui.views.logs_dashboard import LogsDashboard
    from workbench.gui.views.models_view import ModelsView
    from workbench.gui.views.run_setup_dialog import RunSetupDialog
    from workbench.gui.views.workspace_imports import ImportSummary


def loaded_class(module: str, name: str) -> type | None:
    """The class `name` of `module` if that module is imported already, else None.

    A view class whose module was never imported can have no instance, so ``isinstance``
    checks against lazily imported views go through this instead of importing the view.
    """
    found = sys.modules.get(module)
    value = getattr(found, name, None) if found is not None else None
    return value if isinstance(value, type) else None


def is_view(obj: object, module: str, name: str) -> bool:
    """Whether `obj` is an instance of a lazily imported view class (without importing it)."""
    cls = loaded_class(module, name)
    return cls is not None and isinstance(obj, cls)


_DOCUMENT_VIEW = ("workbench.gui.document_view", "DocumentView")
_VERSION_EDITOR = ("workbench.gui.document_view", "VersionEditor")
_RESULTS_VIEW = ("workbench.gui.views.results_view", "ResultsView")
_PROMPT_EDITOR = ("workbench.gui.views.prompt_editor", "PromptEditor")
_PERSONA_DESIGNER = ("workbench.gui.views.persona_designer", "PersonaDesigner")
_DATASET_EDITOR = ("workbench.gui.views.dataset_editor", "DatasetEditor")

MODELS_TAB_KEY = "models"


def _tab_key(entry: NavEntry) -> str:
    from workbench.core.models import Kind
    from workbench.gui.conversation_features import conversation_tab_key
    from workbench.gui.run_sessions import run_tab_key

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


class MainWindow(WindowMenus, QMainWindow):
    """The application window for one workspace.

    Args:
        services: the workspace's services (store, home, author, secrets).
        provider_factory: replaces the real providers (tests and benchmarks point every model
            config at a fake server with it).
        engine_options: engine tuning for the runs started from this window.
    """

    def __init__(
        self,
        services: Services | None = None,
        parent: QWidget | None = None,
        *,
        provider_factory: ProviderFactory | None = None,
        engine_options: EngineOptions | None = None,
        home: Path | None = None,
    ) -> None:
        super().__init__(parent)
        if services is None and home is None:
            raise ValueError("MainWindow needs services or a workspace home")
        self._build_shell(services.home if services is not None else Path(str(home)))
        if services is not None:
            self.open_workspace(
                services, provider_factory=provider_factory, engine_options=engine_options
            )

    @property
    def workspace_open(self) -> bool:
        """Whether the workspace is open (False while only the shell is shown)."""
        return hasattr(self, "_services")

    def _build_shell(self, home: Path) -> None:
        """The window's frame: title, tab area, docks, status bar with a busy bar, geometry.

        Needs no store and no view: it is what the user sees while the workspace opens.
        """
        self._home = home
        self._settings = open_ui_settings(home)
        self.setWindowTitle(f"Prompt Workbench — {home}")
        self.setObjectName("main-window")
        self.actions_by_name: dict[str, QAction] = {}
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.setCentralWidget(self.tabs)
        self._opening = QLabel("Opening the workspace…")
        self._opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._opening.setObjectName("opening-workspace")
        self.tabs.addTab(self._opening, "Opening…")
        self.tabs.tabBar().setTabButton(0, QTabBar.ButtonPosition.RightSide, None)
        self._navigator_dock = self._dock(
            "Navigator", QLabel(), Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self._inspector_dock = self._dock(
            "Inspector", QLabel(), Qt.DockWidgetArea.RightDockWidgetArea
        )
        self._busy = QProgressBar()
        self._busy.setRange(0, 0)  # indeterminate: opening reports no steps
        self._busy.setMaximumWidth(160)
        self.statusBar().addPermanentWidget(self._busy)
        self.statusBar().showMessage("Opening the workspace…")
        self._restore_geometry()

    def open_workspace(
        self,
        services: Services,
        *,
        provider_factory: ProviderFactory | None = None,
        engine_options: EngineOptions | None = None,
    ) -> None:
        """Build what the workspace needs: sessions, navigator, inspector, menus, open tabs."""
        from workbench.app.batch_runs import batch_client_factory
        from workbench.app.services import ProviderHub
        from workbench.gui.background_jobs import BackgroundJobs
        from workbench.gui.batch_sessions import BatchSessions
        from workbench.gui.bridge import EngineBridge
        from workbench.gui.conversation_features import ConversationFeatures
        from workbench.gui.run_events import coalesce_run_events
        from workbench.gui.run_sessions import RunSessions
        from workbench.gui.views.inspector_panel import InspectorPanel
        from workbench.gui.views.navigator_panel import NavigatorPanel
        from workbench.gui.views.welcome_panel import WelcomePanel
        from workbench.gui.views.workspace_imports import WorkspaceImporter

        self._services = services
        self._store = services.store
        self._author = services.current_author()
        self._drafts = DraftStore(services.home)
        self.bridge = EngineBridge(self, coalesce=coalesce_run_events)
        self.providers = (
            services.providers
            if provider_factory is None
            else ProviderHub(services.secrets, override=provider_factory)
        )
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
        # Runs sent as provider batches (issue 17): submitted now, collected on start.
        self.batches = BatchSessions(
            self._store,
            self.bridge,
            services.open_store,
            batch_client_factory(services),
            self.providers.factory,
            self,
        )
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

        self.navigator = NavigatorPanel()
        self.inspector = InspectorPanel(self._store)
        self.welcome = WelcomePanel()
        self._navigator_dock.setWidget(self.navigator)
        self._inspector_dock.setWidget(self.inspector)
        self.tabs.removeTab(self.tabs.indexOf(self._opening))
        self._opening.deleteLater()
        self._busy.hide()
        self.statusBar().showMessage("Ready", 3000)

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
        self.batches.message_posted.connect(self._report)
        self.batches.run_updated.connect(self._on_batches_run_updated)

        self.refresh()
        self._restore_layout()
        self._show_welcome_if_empty()
        # Batches sent in an earlier session are polled and collected in the background.
        QTimer.singleShot(0, self.batches.collect_pending)

    # -- public operations ---------------------------------------------------------------------

    def load_demo(self) -> DemoLoader:
        """Load the demo workspace in the background; the window reads it again when it lands."""
        from workbench.gui.demo_loader import DemoLoader

        loader = DemoLoader(self.jobs, self._author, self.statusBar(), self)
        loader.loaded.connect(self.refresh)
        loader.start()
        return loader

    def refresh(self) -> None:
        """Read the navigator, the inspector and the current view again (F5)."""
        from workbench.gui.models.navigator_entries import load_navigator

        self.navigator.set_sections(load_navigator(self._store))
        self.welcome.set_demo_available(self._demo_available())
        self.welcome.set_simulation_available(self.conversations.demo_simulation_available())
        self.inspector.show_entry(self.navigator.current_entry())
        view = self.current_view()
        if view is not None and not view.is_dirty():
            view.reload()

    def open_entry(self, entry: NavEntry) -> QWidget | None:
        """Open (or switch to) the view for a navigator entry."""
        from workbench.core.errors import KnownError

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

    def current_view(self) -> DocumentView | None:
        """The document shown in the middle, if any (None on the start page)."""
        view = self.tabs.currentWidget()
        return view if is_view(view, *_DOCUMENT_VIEW) else None  # type: ignore[return-value]

    def open_run_setup(self) -> RunSetupDialog:
        """Show the run setup dialog (Ctrl+R), pre-filled from the current view or the demo."""
        from workbench.app.runs import (
            DEMO_DATASET,
            DEMO_MODELS,
            DEMO_PERSONAS,
            DEMO_PROMPTS,
            DEMO_RUBRIC,
        )
        from workbench.core.models import Kind
        from workbench.gui.views.run_setup_dialog import RunSetupDialog

        dialog = RunSetupDialog(self._store, self.jobs, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.run_requested.connect(self._on_run_setup_run_requested)
        dialog.batch_requested.connect(self.batches.submit)
        view = self.current_view()
        prompts = (
            [view.name]
            if view is not None and is_view(view, *_PROMPT_EDITOR)
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

    def open_robustness(self, run_id: int | None = None) -> QWidget | None:
        """The robustness view of a run (default: the run whose results are shown)."""
        if run_id is None:
            view = self.current_view()
            key = view.property("tab_key") if view is not None else None
            if not isinstance(key, str) or not key.startswith("run:"):
                self._report("Open a run's results to see how it held up on noisy variants.")
                return None
            run_id = int(key.removeprefix("run:"))
        from workbench.gui.views.robustness_view import RobustnessView  # loads pyqtgraph

        robustness = RobustnessView(self.jobs, run_id)
        self._on_runs_view_opened(robustness, robustness.name, f"robustness:{run_id}")
        return robustness

    def open_approve_dialog(
        self, run_id: int | None = None, column: int | None = None
    ) -> ApproveDialog | None:
        """Approve a column's bundle: by default the selected column of the current results."""
        from workbench.core.errors import KnownError
        from workbench.gui.views.approve_dialog import ApproveDialog, column_bundle
        from workbench.gui.views.results_view import ResultsView

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
        from workbench.core.models import Kind
        from workbench.gui.models.navigator_entries import NavEntry
        from workbench.gui.views.models_view import ModelsView

        view = self.open_entry(
            NavEntry(section="Models", kind=Kind.MODEL, name=name or "", title="Models & keys")
        )
        if isinstance(view, ModelsView) and name:
            view.select(name)
        return view if isinstance(view, ModelsView) else None

    def open_shared_store(self) -> None:
        """Workspace > Shared store…: the team's PostgreSQL URL and the user's name."""
        from workbench.gui.views.shared_store_dialog import SharedStoreDialog

        dialog = SharedStoreDialog(self._services, self.jobs, self)
        dialog.open()

    def new_family(self, kind: Kind) -> QWidget | None:
        """Ask for a name and open an empty editor for a new prompt or persona."""
        from workbench.core.errors import KnownError
        from workbench.core.models import Kind, validate_name
        from workbench.gui.models.navigator_entries import NavEntry

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

    def _create_view(self, entry: NavEntry) -> tuple[QWidget, str]:
        # Each view's module is imported the first time such a view opens.
        from workbench.core.models import Kind

        dark = is_dark(QApplication.instance())  # type: ignore[arg-type]
        if entry.run_id is not None:
            results, title = self.runs.results_view(entry.run_id)
            results.approve_requested.connect(partial(self.open_approve_dialog, entry.run_id))
            return results, title
        if entry.approval is not None:
            from workbench.gui.views.approval_viewer import ApprovalViewer

            viewer = ApprovalViewer(
                self._store, entry.approval, jobs=self.jobs, author=self._services.current_author
            )
            viewer.signed_off.connect(self._on_approval_viewer_signed_off)
            viewer.sign_off_failed.connect(self._on_approval_viewer_sign_off_failed)
            return viewer, entry.approval
        conversation_view = self.conversations.create_view(entry, dark=dark)  # issue 12
        if conversation_view is not None:
            if hasattr(conversation_view[0], "dirty_changed"):  # the customer designer
                self._connect_editor(conversation_view[0])  # type: ignore[arg-type]
            return conversation_view
        assert entry.kind is not None
        if entry.kind == Kind.MODEL:
            from workbench.gui.views.models_view import ModelsView

            models = ModelsView(
                self._store,
                self.jobs,
                self.bridge,
                self.providers,
                secrets=self._services.secrets,
                author=self._author,
            )
            self._connect_editor(models)
            if entry.name:
                models.select(entry.name)
            return models, "Models && keys"  # "&&": a tab title's "&" marks a mnemonic
        if entry.kind == Kind.LOG:
            return self._logs_dashboard(entry.name), entry.name or "Conversation logs"
        if entry.kind == Kind.DATASET and entry.ref is None:
            from workbench.gui.views.dataset_editor import DatasetEditor

            dataset = DatasetEditor(
                self._store,
                self.jobs,
                entry.name,
                author=self._author,
                provider_factory=self.providers.factory,
            )
            self._connect_editor(dataset)
            return dataset, entry.name
        if entry.kind == Kind.PROMPT and entry.ref is None:
            from workbench.gui.views.prompt_editor import PromptEditor

            editor = PromptEditor(
                self._store, entry.name, author=self._author, drafts=self._drafts, dark=dark
            )
            self._connect_editor(editor)
            return editor, entry.name
        if entry.kind == Kind.PERSONA and entry.ref is None:
            from workbench.gui.views.persona_designer import PersonaDesigner

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
        from workbench.gui.views.content_viewer import ContentViewer

        viewer = ContentViewer(self._store, entry.kind, entry.name, entry.ref)
        return viewer, entry.name if entry.ref is None else f"{entry.name}@{entry.ref}"

    def _logs_dashboard(self, family: str) -> LogsDashboard:
        from workbench.gui.views.logs_dashboard import LogsDashboard  # loads pyqtgraph

        dashboard = LogsDashboard(self.jobs, family, author=self._author)
        dashboard.message_posted.connect(self._report)
        dashboard.log_imported.connect(lambda _name: self.refresh())
        dashboard.dataset_made.connect(lambda _ref: self.refresh())
        dashboard.scenarios_made.connect(lambda _ref: self.refresh())
        return dashboard

    def open_logs(self, family: str = "") -> QWidget | None:
        """Show the conversation-log dashboard (empty: offers to import a log)."""
        from workbench.core.models import Kind
        from workbench.gui.models.navigator_entries import NavEntry

        entry = NavEntry(
            section="Logs", kind=Kind.LOG, name=family, title=family or "Conversation logs"
        )
        return self.open_entry(entry)

    def _connect_editor(self, editor: DocumentView) -> None:
        editor.message_posted.connect(self._on_editor_message_posted)
        editor.version_saved.connect(self._on_editor_version_saved)
        editor.dirty_changed.connect(lambda _dirty, e=editor: self._update_tab_title(e))
        if is_view(editor, *_VERSION_EDITOR):  # a version editor has a history with labels
            editor.history.labels_changed.connect(self._on_history_labels_changed)

    # -- layout persistence --------------------------------------------------------------------

    def _restore_geometry(self) -> None:
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

    def _restore_layout(self) -> None:
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
            if is_view(view, *_DOCUMENT_VIEW):
                view.write_draft()  # type: ignore[attr-defined]
        self._settings.setValue("session/tabs", [k for k in keys if isinstance(k, str)])
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.sync()
        if not self.workspace_open:  # closed while the workspace was still opening
            super().closeEvent(event)
            return
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
        if index >= 0 and is_view(view, *_DOCUMENT_VIEW):
            assert isinstance(view, QWidget)
            name = view.name or self.tabs.tabText(index).rstrip(" •")
            self.tabs.setTabText(index, f"{name} •" if view.is_dirty() else name)

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
        from workbench.gui.views.welcome_panel import SHORTCUTS

        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS)

    def _demo_available(self) -> bool:
        from workbench.app.runs import DEMO_MODELS, DEMO_PROMPTS
        from workbench.core.models import Kind

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
        view = self.current_view()
        if view is not None and view.can_save():
            view.save()
        else:
            self._report("Nothing to save here.")

    def _on_find_triggered(self) -> None:
        focus = QApplication.focusWidget()
        in_navigator = focus is not None and self.navigator.isAncestorOf(focus)
        view = self.current_view()
        if in_navigator or view is None or not view.focus_search():
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
        from workbench.gui.models.navigator_entries import load_navigator

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
        from workbench.app.records import Approval
        from workbench.gui.models.navigator_entries import load_navigator

        self.navigator.set_sections(load_navigator(self._store))
        if isinstance(approval, Approval) and approval.awaiting_review:
            self._report(
                f"Proposed {approval.ref}: awaiting sign-off by someone other than"
                f" {approval.reviewer}."
            )
            return
        self._report(f"Approved {approval.ref if isinstance(approval, Approval) else approval}.")

    def _on_approval_viewer_signed_off(self, approval: object) -> None:
        from workbench.app.records import Approval
        from workbench.gui.models.navigator_entries import load_navigator

        self.navigator.set_sections(load_navigator(self._store))
        self.inspector.show_entry(self.navigator.current_entry())
        if isinstance(approval, Approval) and approval.signoff is not None:
            self._report(f"Signed off {approval.ref} as {approval.signoff.reviewer}.")

    def _on_approval_viewer_sign_off_failed(self, message: str) -> None:
        self._report(f"Not signed off: {message}")

    def _on_batches_run_updated(self, run_id: int, text: str, pending: bool) -> None:
        from workbench.gui.models.navigator_entries import load_navigator

        self.navigator.set_sections(load_navigator(self._store))
        key = f"run:{run_id}"
        for index in range(self.tabs.count()):
            view = self.tabs.widget(index)
            if view.property("tab_key") == key and is_view(view, *_RESULTS_VIEW):
                if pending:
                    view.set_notice(text)  # type: ignore[attr-defined]
                else:  # the results are in: show them (the tab is replaced by a fresh view)
                    fresh, title = self.runs.results_view(run_id)
                    self._on_runs_view_opened(fresh, title, key)
                break

    def _on_runs_view_opened(self, view: QWidget, title: str, key: str) -> None:
        if is_view(view, *_RESULTS_VIEW) and key.startswith("run:"):
            from workbench.gui.views.variant_diffs import load_variant_diffs

            run_id = int(key.removeprefix("run:"))
            from workbench.app.batch_runs import batch_progress

            progress = batch_progress(self._store, run_id)
            if progress.pending:
                view.set_notice(  # type: ignore[attr-defined]
                    f"{progress.describe()} — results are collected when the app starts"
                    " (or with `workbench runs resume`)."
                )
            view.approve_requested.connect(  # type: ignore[attr-defined]
                partial(self.open_approve_dialog, run_id)
            )
            load_variant_diffs(self.jobs, view, run_id)
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
        from workbench.gui.models.navigator_entries import load_navigator

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
        if is_view(view, *_DOCUMENT_VIEW) and view.is_dirty():  # type: ignore[attr-defined]
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

    def _on_history_labels_changed(self) -> None:
        from workbench.gui.models.navigator_entries import load_navigator

        # The navigator and inspector show labels: read them again after a move.
        self.navigator.set_sections(load_navigator(self._store))
        self.inspector.show_entry(self.navigator.current_entry())

    def _on_editor_version_saved(self, _version: object) -> None:
        from workbench.gui.models.navigator_entries import load_navigator

        sender = self.sender()
        self.navigator.set_sections(load_navigator(self._store))
        self.inspector.show_entry(self.navigator.current_entry())
        # A model config saved in Models & keys: the "Try it" lists of open designers follow.
        for index in range(self.tabs.count()):
            view = self.tabs.widget(index)
            if is_view(view, *_PERSONA_DESIGNER):
                view.reload_models()  # type: ignore[attr-defined]
        for kind, view_class in (
            ("prompt", _PROMPT_EDITOR),
            ("persona", _PERSONA_DESIGNER),
            ("dataset", _DATASET_EDITOR),
        ):
            if is_view(sender, *view_class):
                sender.setProperty("tab_key", f"{kind}:{sender.name}")  # type: ignore[attr-defined]
                self._update_tab_title(sender)  # type: ignore[arg-type]
                break
