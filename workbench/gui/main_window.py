"""`MainWindow`: navigator on the left, documents in the middle, inspector on the right.

The window owns no domain logic: it opens views for what the navigator lists, routes the
frequent commands (save, run, undo, find, refresh) to whichever view is current, and remembers
its layout in the workspace's UI settings file.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabBar,
    QTabWidget,
    QWidget,
)

from workbench.app.records import Approval
from workbench.app.run_execution import EngineOptions
from workbench.app.runs import DEMO_DATASET, DEMO_MODELS, DEMO_PERSONAS, DEMO_PROMPTS, DEMO_RUBRIC
from workbench.app.services import ProviderFactory, ProviderHub
from workbench.core.errors import KnownError
from workbench.core.models import Kind, validate_name
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.bridge import EngineBridge
from workbench.gui.conversation_features import ConversationFeatures, conversation_tab_key
from workbench.gui.demo_loader import DemoLoader
from workbench.gui.document_view import DocumentView, VersionEditor
from workbench.gui.drafts import DraftStore
from workbench.gui.models.navigator_entries import NavEntry, load_navigator
from workbench.gui.run_events import coalesce_run_events
from workbench.gui.run_sessions import RunSessions, run_tab_key
from workbench.gui.theme import is_dark
from workbench.gui.ui_settings import open_ui_settings
from workbench.gui.views.approval_viewer import ApprovalViewer
from workbench.gui.views.approve_dialog import ApproveDialog, column_bundle
from workbench.gui.views.content_viewer import ContentViewer
from workbench.gui.views.dataset_editor import DatasetEditor
from workbench.gui.views.inspector_panel import InspectorPanel
from workbench.gui.views.logs_dashboard import LogsDashboard
from workbench.gui.views.models_view import ModelsView
from workbench.gui.views.navigator_panel import NavigatorPanel
from workbench.gui.views.persona_designer import PersonaDesigner
from workbench.gui.views.prompt_editor import PromptEditor
from workbench.gui.views.results_view import ResultsView
from workbench.gui.views.run_setup_dialog import RunSetupDialog
from workbench.gui.views.variant_diffs import load_variant_diffs
from workbench.gui.views.welcome_panel import SHORTCUTS, WelcomePanel
from workbench.gui.views.workspace_imports import ImportSummary, WorkspaceImporter
from workbench.gui.window_menus import WindowMenus

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

    def load_demo(self) -> DemoLoader:
        """Load the demo workspace in the background; the window reads it again when it lands."""
        loader = DemoLoader(self.jobs, self._author, self.statusBar(), self)
        loader.loaded.connect(self.refresh)
        loader.start()
        return loader

    def refresh(self) -> None:
        """Read the navigator, the inspector and the current view again (F5)."""
        self.navigator.set_sections(load_navigator(self._store))
        self.welcome.set_demo_available(self._demo_available())
        self.welcome.set_simulation_available(self.conversations.demo_simulation_available())
        self.inspector.show_entry(self.navigator.current_entry())
        view = self.current_view()
        if view is not None and not view.is_dirty():
            view.reload()

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

    def current_view(self) -> DocumentView | None:
        """The document shown in the middle, if any (None on the start page)."""
        view = self.tabs.currentWidget()
        return view if isinstance(view, DocumentView) else None

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
            self._connect_editor(models)
            if entry.name:
                models.select(entry.name)
            return models, "Models && keys"  # "&&": a tab title's "&" marks a mnemonic
        if entry.kind == Kind.LOG:
            return self._logs_dashboard(entry.name), entry.name or "Conversation logs"
        if entry.kind == Kind.DATASET and entry.ref is None:
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

    def _logs_dashboard(self, family: str) -> LogsDashboard:
        dashboard = LogsDashboard(self.jobs, family, author=self._author)
        dashboard.message_posted.connect(self._report)
        dashboard.log_imported.connect(lambda _name: self.refresh())
        dashboard.dataset_made.connect(lambda _ref: self.refresh())
        return dashboard

    def open_logs(self, family: str = "") -> QWidget | None:
        """Show the conversation-log dashboard (empty: offers to import a log)."""
        entry = NavEntry(
            section="Logs", kind=Kind.LOG, name=family, title=family or "Conversation logs"
        )
        return self.open_entry(entry)

    def _connect_editor(self, editor: DocumentView) -> None:
        editor.message_posted.connect(self._on_editor_message_posted)
        editor.version_saved.connect(self._on_editor_version_saved)
        editor.dirty_changed.connect(lambda _dirty, e=editor: self._update_tab_title(e))
        if isinstance(editor, VersionEditor):  # a version editor has a history with labels
            editor.history.labels_changed.connect(self._on_history_labels_changed)

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
            if isinstance(view, DocumentView):
                view.write_draft()
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
        if index >= 0 and isinstance(view, DocumentView):
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
        self._report(f"Approved {approval.ref if isinstance(approval, Approval) else approval}.")

    def _on_runs_view_opened(self, view: QWidget, title: str, key: str) -> None:
        if isinstance(view, ResultsView) and key.startswith("run:"):
            run_id = int(key.removeprefix("run:"))
            view.approve_requested.connect(partial(self.open_approve_dialog, run_id))
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
        if isinstance(view, DocumentView) and view.is_dirty():
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
        # The navigator and inspector show labels: read them again after a move.
        self.navigator.set_sections(load_navigator(self._store))
        self.inspector.show_entry(self.navigator.current_entry())

    def _on_editor_version_saved(self, _version: object) -> None:
        sender = self.sender()
        self.navigator.set_sections(load_navigator(self._store))
        self.inspector.show_entry(self.navigator.current_entry())
        # A model config saved in Models & keys: the "Try it" lists of open designers follow.
        for index in range(self.tabs.count()):
            view = self.tabs.widget(index)
            if isinstance(view, PersonaDesigner):
                view.reload_models()
        if isinstance(sender, PromptEditor | PersonaDesigner | DatasetEditor):
            kind = {PromptEditor: "prompt", PersonaDesigner: "persona", DatasetEditor: "dataset"}
            sender.setProperty("tab_key", f"{kind[type(sender)]}:{sender.name}")
            self._update_tab_title(sender)
