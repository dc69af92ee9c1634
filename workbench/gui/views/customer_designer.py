"""`CustomerDesigner`: shape a simulated customer and watch the simulator prompt render live.

The form says who the customer is, how they write, the register they expect and what makes them
end; the preview renders the simulator's system prompt for a scenario picked from the workspace's
conversation sets (or a sample one), as it will be sent. Saving writes a new immutable version
(unchanged → none); unsaved fields are kept as a draft like in the other editors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.app import conversations as app_conversations
from workbench.app.conversation_choices import find_case, scenario_choices
from workbench.app.conversations import ConversationCase, CustomerContent
from workbench.core.errors import KnownError
from workbench.core.models import Content, Kind, Version
from workbench.gui.document_view import VersionEditor
from workbench.gui.drafts import DraftStore
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


class CustomerDesigner(VersionEditor):
    """Designer for one customer persona family (the draft, dirty state and save are
    `VersionEditor`'s; the save goes through `save_customer`, which refuses a template that
    does not render).

    Args:
        store: the workspace store (the GUI thread's connection).
        name: the family; created on first save when new.
        author: recorded on saved versions and label moves.
        drafts: where unsaved fields are kept.
    """

    KIND = Kind.CUSTOMER
    DRAFT_PREFIX = "customer"

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
        self._init_editor(store, name, author, drafts)
        self.form = CustomerForm(dark=dark)
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

    # -- what VersionEditor asks of an editor --------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        return self.form.raw_state()

    def _content_for_save(self) -> CustomerContent:
        return self.form.content()

    def _store_content(self, content: Content, note: str) -> SaveResult:
        assert isinstance(content, CustomerContent)
        return app_conversations.save_customer(
            self._store, self._name, content, author=self._author, note=note
        )

    def _fill_from(self, content: Any) -> None:
        self._loading = True
        self.form.set_content(content if isinstance(content, CustomerContent) else None)
        self._loading = False

    def _draft_fields(self) -> dict[str, Any]:
        return {"fields": self.form.raw_state()}

    def _display_ref(self) -> str:
        return f"customer  ·  {super()._display_ref()}"

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
        if self._dirty:
            self._show_draft_banner(draft)

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
