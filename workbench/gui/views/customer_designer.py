"""`CustomerDesigner`: shape a simulated customer and watch the simulator prompt render live.

The form says who the customer is, how they write, the register they expect and what makes them
end; the preview renders the simulator's system prompt for a scenario picked from the workspace's
conversation sets (or a sample one), as it will be sent. Saving writes a new immutable version
(unchanged → none); unsaved fields are kept as a draft like in the other editors.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.app import conversations as app_conversations
from workbench.app.conversation_choices import find_case, scenario_choices
from workbench.app.conversations import ConversationCase, CustomerContent
from workbench.core.errors import KnownError, NotFoundError
from workbench.core.models import Kind, Version
from workbench.gui.document_view import DocumentView
from workbench.gui.drafts import DraftStore
from workbench.gui.models.save_outcome import describe_save
from workbench.gui.timers import debounce_timer
from workbench.gui.views.version_history_panel import VersionHistoryPanel
from workbench.gui.widgets.customer_form import CustomerForm, state_of

if TYPE_CHECKING:
    from workbench.app.records import SaveResult, Store

PREVIEW_DELAY_MS = 250
DRAFT_DELAY_MS = 700


_SEPARATOR = "\u241f"  # a character no family name or case id contains


def scenario_key(conversations: str, case_id: str) -> str:
    """The scenario picker's data for a case (a string: Qt compares it reliably)."""
    return f"{conversations}{_SEPARATOR}{case_id}"


class CustomerDesigner(DocumentView):
    """Designer for one customer persona family.

    Args:
        store: the workspace store (the GUI thread's connection).
        name: the family; created on first save when new.
        author: recorded on saved versions and label moves.
        drafts: where unsaved fields are kept.

    Signals:
        version_saved(object): a save stored (or moved the head to) this `Version`.
        dirty_changed(bool): the form now differs (True) or not (False) from its version.
        message_posted(str): a short message for the status bar.
    """

    version_saved = Signal(object)
    dirty_changed = Signal(bool)
    message_posted = Signal(str)

    def __init__(
        self,
        store: Store,
        name: str,
        *,
        author: str,
        drafts: DraftStore,
        dark: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customer-designer")
        self._store, self._name, self._author, self._drafts = store, name, author, drafts
        self._head: Version | None = None
        self._baseline: dict[str, Any] | None = None
        self._dirty = False
        self._loading = False

        self.title = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save as a new version (Ctrl+S)")
        self.draft_banner = QLabel()
        self.discard_draft_button = QPushButton("Discard draft")
        self.form = CustomerForm(dark=dark)
        self.note = QLineEdit(placeholderText="What changed and why (saved with the version)")
        self.scenario = QComboBox()
        self.scenario.setToolTip("The scenario the preview plays (the customer's goal and facts)")
        self.preview_error = QLabel()
        self.preview_error.setWordWrap(True)
        self.preview_error.setStyleSheet("color: #d04040;")
        self.preview = QPlainTextEdit(readOnly=True)
        self.preview.setObjectName("customer-preview")
        self.history = VersionHistoryPanel(store, Kind.CUSTOMER, name, actor=author)
        self.tabs = QTabWidget()
        self._preview_timer = debounce_timer(self, PREVIEW_DELAY_MS, self.refresh_preview)
        self._draft_timer = debounce_timer(self, DRAFT_DELAY_MS, self.write_draft)

        self._build_layout()
        self.save_button.clicked.connect(self.save)
        self.discard_draft_button.clicked.connect(self.discard_draft)
        self.form.changed.connect(self._on_form_changed)
        self.note.textChanged.connect(lambda _text: self._draft_timer.start())
        self.scenario.currentIndexChanged.connect(lambda _i: self.refresh_preview())
        self.history.version_opened.connect(self._on_history_version_opened)
        self.history.labels_changed.connect(lambda: self.message_posted.emit("Label moved."))
        self.history.failed.connect(self._show_problem)

        self._load_head()
        self._restore_draft()
        self.reload_scenarios()
        self.refresh_preview()

    @property
    def name(self) -> str:
        """The customer family edited."""
        return self._name

    def is_dirty(self) -> bool:
        """Whether the form differs from the stored version."""
        return self._dirty

    def reload(self) -> None:
        """Read the scenarios again (F5); the form keeps what is typed."""
        self.reload_scenarios()
        self.history.reload()

    def reload_scenarios(self) -> None:
        """List the scenario cases the preview can play."""
        chosen = self.scenario.currentData()
        self.scenario.blockSignals(True)
        self.scenario.clear()
        self.scenario.addItem("A sample scenario (where is my order?)", None)
        try:
            choices = scenario_choices(self._store)
        except KnownError as error:
            choices = []
            self._show_problem(f"Cannot list the scenarios: {error}")
        for choice in choices:
            self.scenario.addItem(choice.label, scenario_key(choice.conversations, choice.case_id))
        if chosen is not None:
            self.scenario.setCurrentIndex(max(0, self.scenario.findData(chosen)))
        self.scenario.blockSignals(False)

    def save(self) -> SaveResult | None:
        """Store the form as a new version; returns what the store did, None on error."""
        try:
            content = self.form.content()
            previous = self._head
            result = app_conversations.save_customer(
                self._store, self._name, content, author=self._author, note=self.note.text().strip()
            )
        except KnownError as error:
            self._show_problem(f"Not saved: {error}")
            return None
        message = describe_save(result, previous.id if previous else None)
        self._head = result.version
        self._baseline = self.form.raw_state()
        self.note.clear()
        self._drafts.discard(self._draft_key())
        self._banner.hide()
        self._set_dirty(False)
        self.history.reload()
        self.status.setText(message)
        self.message_posted.emit(message)
        self.version_saved.emit(result.version)
        return result

    def write_draft(self) -> None:
        """Keep the unsaved form in the draft file (or drop the draft once clean)."""
        if not self._dirty:
            self._drafts.discard(self._draft_key())
            return
        self._drafts.save(
            self._draft_key(),
            {
                "kind": Kind.CUSTOMER.value,
                "name": self._name,
                "base_number": self._head.number if self._head else None,
                "saved_at": datetime.now().isoformat(timespec="seconds"),
                "fields": self.form.raw_state(),
                "note": self.note.text(),
            },
        )

    def discard_draft(self) -> None:
        """Throw away unsaved changes and show the stored version again."""
        self._drafts.discard(self._draft_key())
        self._load_head()
        self.refresh_preview()

    def refresh_preview(self) -> None:
        """Render the simulator's system prompt for the chosen scenario now."""
        self._preview_timer.stop()
        try:
            customer = self.form.content()
            case = self._preview_case()
            ref = f"{self._name}@draft" if self._dirty or self._head is None else self._head.ref
            text = app_conversations.preview_customer_prompt(customer, case, name=ref)
        except KnownError as error:
            self.preview_error.setText(f"⚠ {error}")
            self.preview_error.show()
            return
        self.preview_error.hide()
        self.preview.setPlainText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Write the draft before the designer goes away."""
        self.write_draft()
        super().closeEvent(event)

    # -- internals -----------------------------------------------------------------------------

    def _preview_case(self) -> ConversationCase | None:
        chosen = self.scenario.currentData()
        if chosen is None:
            return None  # the application's sample scenario
        conversations, _, case_id = str(chosen).partition(_SEPARATOR)
        return find_case(self._store, conversations, case_id)

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.status, 1)
        header.addWidget(self.save_button)
        banner = QHBoxLayout()
        banner.addWidget(self.draft_banner, 1)
        banner.addWidget(self.discard_draft_button)
        self._banner = QWidget()
        self._banner.setLayout(banner)
        self._banner.hide()

        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.addWidget(self.form)
        note = QFormLayout()
        note.addRow("Note", self.note)
        form_layout.addLayout(note)
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_page)

        preview_page = QWidget()
        preview_layout = QVBoxLayout(preview_page)
        picker = QFormLayout()
        picker.addRow("Scenario", self.scenario)
        preview_layout.addLayout(picker)
        preview_layout.addWidget(QLabel("The simulator's system prompt, as it will be sent:"))
        preview_layout.addWidget(self.preview_error)
        preview_layout.addWidget(self.preview, 1)
        self.tabs.addTab(preview_page, "Simulator prompt")
        self.tabs.addTab(self.history, "History")

        self.splitter = QSplitter()
        self.splitter.setObjectName("customer-designer-splitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self._banner)
        layout.addWidget(self.splitter, 1)

    def _load_head(self) -> None:
        try:
            self._head = self._store.resolve(Kind.CUSTOMER, self._name)
        except NotFoundError:
            self._head = None
        content = self._head.content if self._head else None
        self._loading = True
        self.form.set_content(content if isinstance(content, CustomerContent) else None)
        self.note.clear()
        self._loading = False
        self._baseline = self.form.raw_state()
        self._banner.hide()
        self._set_dirty(False)
        self._update_title()

    def _restore_draft(self) -> None:
        draft = self._drafts.load(self._draft_key())
        fields = draft.get("fields") if draft else None
        if not isinstance(fields, dict) or fields == self._baseline:
            return
        assert draft is not None
        self._loading = True
        self.form.set_raw_state(fields)
        self.note.setText(str(draft.get("note", "")))
        self._loading = False
        self._set_dirty(self.form.raw_state() != self._baseline)
        if not self._dirty:
            return
        when = str(draft.get("saved_at", "")).replace("T", " ")
        based = draft.get("base_number")
        self.draft_banner.setText(
            f"Restored unsaved changes from {when}"
            + (f" (based on v{based})." if based else ".")
            + " Save to keep them as a version."
        )
        self._banner.show()

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self._update_title()
            self.dirty_changed.emit(dirty)

    def _update_title(self) -> None:
        ref = f"v{self._head.number}" if self._head else "new"
        unsaved = "  •  unsaved" if self._dirty else ""
        self.title.setText(f"<b>{self._name}</b>  ·  customer  ·  {ref}{unsaved}")

    def _draft_key(self) -> str:
        return f"customer-{self._name}"

    def _show_problem(self, message: str) -> None:
        self.status.setText(f"<span style='color:#d04040'>{message}</span>")
        self.message_posted.emit(message)

    def _on_form_changed(self) -> None:
        if self._loading:
            return
        self._set_dirty(self.form.raw_state() != self._baseline)
        self._preview_timer.start()
        self._draft_timer.start()

    def _on_history_version_opened(self, version: Version) -> None:
        if isinstance(version.content, CustomerContent):
            self.form.set_raw_state(state_of(version.content))
            self._on_form_changed()
            self.note.setText(f"Back to v{version.number}.")
