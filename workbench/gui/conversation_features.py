"""`ConversationFeatures`: everything the main window offers for conversations, in one place.

The window creates one and asks it for the views of conversation entries (customers, scenario
sets, simulations, the playground); it adds its own menu entries and keys. Keeping this out of
`main_window.py` keeps that file's share of the feature to a few clearly marked lines.

Keys: Ctrl+Shift+R simulation setup, Ctrl+Shift+T talk to an assistant, Ctrl+Alt+N new customer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from workbench.app import conversations as app_conversations
from workbench.app.conversation_choices import family_names
from workbench.app.conversation_demo import (
    DEMO_SIMULATION_NAME,
    demo_simulation_available,
    demo_simulation_spec,
)
from workbench.core.errors import KnownError
from workbench.core.models import Kind, validate_name
from workbench.gui.models.navigator_entries import NavEntry
from workbench.gui.simulation_sessions import SimulationSessions, simulation_tab_key
from workbench.gui.views.conversation_set_editor import ConversationSetEditor
from workbench.gui.views.customer_designer import CustomerDesigner
from workbench.gui.views.playground_view import PlaygroundView
from workbench.gui.views.simulation_setup_dialog import SimulationSetupDialog

if TYPE_CHECKING:
    from workbench.app.services import ProviderFactory, Services
    from workbench.gui.background_jobs import BackgroundJobs
    from workbench.gui.bridge import EngineBridge
    from workbench.gui.drafts import DraftStore

PLAYGROUND_TAB_KEY = "playground"
CUSTOMERS_SECTION = "Customers"
SIMULATIONS_SECTION = "Simulations"


def conversation_tab_key(entry: NavEntry) -> str | None:
    """The tab key of a conversation entry, or None when the entry is not one."""
    if entry.simulation_id is not None:
        return simulation_tab_key(entry.simulation_id)
    if entry.section == "Talk to it":
        return PLAYGROUND_TAB_KEY
    return None


class ConversationFeatures(QObject):
    """Conversation views, dialogs and actions of one main window.

    Args:
        window: the main window (parent of dialogs; its `_add_action` adds menu entries).
        services: the workspace's services.
        bridge / jobs: the window's engine bridge and background jobs.
        provider_factory: builds providers on the engine thread.
        drafts: where designers keep unsaved fields.
        author: who saves.

    Signals:
        view_opened(QWidget, str, str): a view to show: widget, title, tab key.
        message_posted(str): for the status bar.
        workspace_changed(): families or simulations changed (the navigator refreshes).
        imported(str): a conversation file was imported; what was (and was not), in words.
        import_failed(str): an import was refused; why, with file and line.
    """

    view_opened = Signal(QWidget, str, str)
    message_posted = Signal(str)
    workspace_changed = Signal()
    imported = Signal(str)
    import_failed = Signal(str)

    def __init__(
        self,
        window: QWidget,
        services: Services,
        bridge: EngineBridge,
        jobs: BackgroundJobs,
        provider_factory: ProviderFactory,
        *,
        drafts: DraftStore,
        author: str,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._services = services
        self._bridge = bridge
        self._jobs = jobs
        self._factory = provider_factory
        self._drafts = drafts
        self._author = author
        self.simulations = SimulationSessions(
            services, bridge, jobs, provider_factory, self, reviewer=author
        )
        self._import_jobs: dict[int, Path] = {}
        jobs.job_succeeded.connect(self._on_jobs_job_succeeded)
        jobs.job_failed.connect(self._on_jobs_job_failed)
        self.simulations.view_opened.connect(self.view_opened)
        self.simulations.message_posted.connect(self.message_posted)
        self.simulations.simulations_changed.connect(self.workspace_changed)

    def install_actions(self, add: Callable[..., object]) -> None:
        """Add the menu entries through the window's ``_add_action(menu, name, text, keys, fn)``."""
        add("&Run", "simulate", "Simulation setup…", "Ctrl+Shift+R", self.open_setup)
        add("&Run", "talk", "Talk to an assistant…", "Ctrl+Shift+T", self.open_playground)
        add("&File", "new_customer", "New customer persona…", "Ctrl+Alt+N", self.new_customer)
        add("&File", "new_conversations", "New conversation set…", None, self.new_conversation_set)
        add(
            "&Workspace",
            "import_conversations",
            "Import conversations…",
            None,
            self._ask_and_import,
        )

    def create_view(self, entry: NavEntry, *, dark: bool) -> tuple[QWidget, str] | None:
        """The view of a conversation entry, or None when the entry is not one."""
        if entry.simulation_id is not None:
            return self.simulations.simulation_view(entry.simulation_id)
        if entry.section == "Talk to it":
            return self._playground(), "Talk to it"
        if entry.kind == Kind.CUSTOMER and entry.ref is None:
            # The window wires it like its other editors (messages, saves, dirty title).
            designer = CustomerDesigner(
                self._services.store,
                entry.name,
                author=self._author,
                drafts=self._drafts,
                dark=dark,
            )
            return designer, entry.name
        if entry.kind == Kind.CONVERSATIONS and entry.ref is None:
            editor = ConversationSetEditor(
                self._services.store, entry.name, author=self._author, drafts=self._drafts
            )
            return editor, entry.name
        return None

    def open_setup(self) -> SimulationSetupDialog:
        """Show the simulation setup, pre-filled with what the workspace has."""
        dialog = SimulationSetupDialog(self._services, self._jobs, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.simulation_requested.connect(self._on_setup_simulation_requested)
        store = self._services.store
        prompts = family_names(store, Kind.PROMPT)
        models = family_names(store, Kind.MODEL)
        dialog.preselect(
            prompts=prompts[:1],
            models=models[:1],
            customers=family_names(store, Kind.CUSTOMER)[:2],
            simulator=models[0] if models else None,
        )
        dialog.open()
        return dialog

    def open_playground(self) -> PlaygroundView | None:
        """Open the talk-to-it playground (or switch to it: its chat is kept)."""
        view = self._open(NavEntry(section="Talk to it", kind=None, name="", title="Talk to it"))
        return view if isinstance(view, PlaygroundView) else None

    def demo_simulation_available(self) -> bool:
        """Whether the welcome page can offer the short simulation."""
        return demo_simulation_available(self._services.store)

    def run_demo_simulation(self) -> None:
        """Start the welcome page's short simulation on the embedded model."""
        try:
            spec = demo_simulation_spec(self._services.store)
        except KnownError as error:
            self.message_posted.emit(f"The short simulation needs the demo workspace: {error}")
            return
        self.start_simulation(spec, DEMO_SIMULATION_NAME)

    def new_customer(self) -> None:
        """Ask for a name and open an empty customer designer."""
        name = self._ask_name("New customer persona")
        if name:
            self._open(
                NavEntry(section=CUSTOMERS_SECTION, kind=Kind.CUSTOMER, name=name, title=name)
            )

    def new_conversation_set(self) -> None:
        """Ask for a name and open an empty scenario editor."""
        name = self._ask_name("New conversation set")
        if name:
            self._open(
                NavEntry(section="Scenarios", kind=Kind.CONVERSATIONS, name=name, title=name)
            )

    def _ask_name(self, title: str) -> str | None:
        name, accepted = QInputDialog.getText(self._window, title, "Name (lower-case, no spaces):")
        if not accepted or not name.strip():
            return None
        try:
            return validate_name(name.strip())
        except KnownError as error:
            self.message_posted.emit(str(error))
            return None

    def import_conversations(self, path: Path) -> int:
        """Import a conversation file on a worker thread; `imported` or a message tells how."""
        author = self._author
        job = self._jobs.submit(
            lambda store, _progress: app_conversations.import_conversation_file(
                store, path, author=author
            )
        )
        self._import_jobs[job] = path
        return job

    def start_simulation(self, spec: object, name: str) -> None:
        """Start a simulation; its view opens once it is stored."""
        self.simulations.start_simulation(spec, name)  # type: ignore[arg-type]

    def shutdown(self) -> None:
        """Ask running simulations to stop (the window closes)."""
        self.simulations.shutdown()

    def _open(self, entry: NavEntry) -> QWidget | None:
        open_entry = getattr(self._window, "open_entry", None)  # MainWindow.open_entry
        return open_entry(entry) if callable(open_entry) else None

    def _playground(self) -> PlaygroundView:
        view = PlaygroundView(
            self._services.store, self._bridge, self._factory, author=self._author
        )
        view.message_posted.connect(self.message_posted)
        view.case_saved.connect(lambda _v: self.workspace_changed.emit())
        return view

    def _on_setup_simulation_requested(self, spec: object, name: str) -> None:
        self.start_simulation(spec, name)

    def _ask_and_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self._window,
            "Import conversations",
            "",
            "Conversations (*.conversations.jsonl *.jsonl *.convo.txt *.yaml *.yml);;All files (*)",
        )
        if path:
            self.import_conversations(Path(path))

    def _on_jobs_job_succeeded(self, job_id: int, result: object) -> None:
        path = self._import_jobs.pop(job_id, None)
        if path is None or not isinstance(result, app_conversations.ConversationImport):
            return
        text = f"{path.name}: {result.cases} case(s) in {result.version.ref}" + (
            "" if result.created else " (unchanged: no new version)"
        )
        if result.unmapped:
            text += "\n\nNot imported (no equivalent here):\n" + "\n".join(
                f"  - {item}" for item in result.unmapped
            )
        self.message_posted.emit(text.split("\n", 1)[0])
        self.workspace_changed.emit()
        self.imported.emit(text)
        box = QMessageBox(QMessageBox.Icon.Information, "Import", text, parent=self._window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _on_jobs_job_failed(self, job_id: int, message: str) -> None:
        path = self._import_jobs.pop(job_id, None)
        if path is None:
            return
        self.message_posted.emit(f"Import failed: {message}")
        self.import_failed.emit(message)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Import failed",
            f"Nothing was imported from {path.name}.\n\n{message}",
            parent=self._window,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
