"""`PersonaDesigner`: shape a persona with a form, watch its system section render live, try it.

Saving writes a new immutable version (unchanged → none). Unsaved fields are kept as a draft
like in the prompt editor. "Try it" sends one customer message, with the persona's section as
the system prompt, to a configured model through the engine bridge, so the GUI never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.app.persona_checks import register_contradictions
from workbench.core.errors import KnownError
from workbench.core.llm import ChatRequest, ChatResult, Message, Provider, ProviderError
from workbench.core.models import Kind, ModelConfigContent, PersonaContent, Version
from workbench.core.personas import render_persona
from workbench.gui.bridge import EngineBridge, EventSink
from workbench.gui.document_view import VersionEditor
from workbench.gui.drafts import DraftStore
from workbench.gui.timers import debounce_timer
from workbench.gui.views.version_history_panel import VersionHistoryPanel
from workbench.gui.widgets.persona_form import PersonaForm, state_of

if TYPE_CHECKING:
    from workbench.app.records import Store

PREVIEW_DELAY_MS = 250
DRAFT_DELAY_MS = 700
ProviderFactory = Callable[[ModelConfigContent], Provider]


@dataclass(frozen=True)
class TryReplyDelta:
    """A fragment of the "Try it" reply, addressed to the designer that asked."""

    designer: int
    text: str


class PersonaDesigner(VersionEditor):
    """Designer for one persona family (a `VersionEditor`).

    Args:
        store: the workspace store (GUI thread's connection).
        name: the family; created on first save when new.
        author: recorded on saved versions and label moves.
        drafts: where unsaved fields are kept.
        bridge: runs "Try it" calls off the GUI thread; None disables "Try it".
        provider_factory: builds a provider from a model config; None disables "Try it".

    Signals:
        version_saved(object): a save stored (or moved the head to) this `Version`.
        dirty_changed(bool): the form now differs (True) or not (False) from its version.
        message_posted(str): a short message for the status bar.
        reply_finished(str): a "Try it" reply completed (its text, or the error shown).
    """

    reply_finished = Signal(str)

    KIND = Kind.PERSONA
    DRAFT_PREFIX = "persona"

    def __init__(
        self,
        store: Store,
        name: str,
        *,
        author: str,
        drafts: DraftStore,
        bridge: EngineBridge | None = None,
        provider_factory: ProviderFactory | None = None,
        dark: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._init_editor(store, name, author, drafts)
        self._bridge, self._provider_factory = bridge, provider_factory
        self._try_task: int | None = None

        self.form = PersonaForm(dark=dark)
        self.contradictions = QLabel()
        self.contradictions.setWordWrap(True)
        self.contradictions.setObjectName("persona-contradictions")
        self.contradictions.hide()
        self.preview_error = QLabel()
        self.preview_error.setWordWrap(True)
        self.preview_error.setStyleSheet("color: #d04040;")
        self.preview = QPlainTextEdit(readOnly=True)
        self.history = VersionHistoryPanel(store, Kind.PERSONA, name, actor=author)
        self.try_model = QComboBox()
        self.try_message = QPlainTextEdit()
        self.try_message.setPlaceholderText("A customer message, for example: où est mon colis ?")
        self.try_message.setMaximumHeight(90)
        self.try_send = QPushButton("Send")
        self.try_reply = QPlainTextEdit(readOnly=True)
        self.try_reply.setPlaceholderText("The model's reply appears here as it streams.")
        self.tabs = QTabWidget()
        self._preview_timer = debounce_timer(self, PREVIEW_DELAY_MS, self.refresh_preview)
        self._draft_timer = debounce_timer(self, DRAFT_DELAY_MS, self.write_draft)

        self._build_layout()
        self.form.changed.connect(self._on_form_changed)
        self.note.textChanged.connect(lambda _text: self._draft_timer.start())
        self.history.version_opened.connect(self._on_history_version_opened)
        self.history.labels_changed.connect(lambda: self.message_posted.emit("Label moved."))
        self.history.failed.connect(self._show_problem)
        self.try_send.clicked.connect(self._on_try_send_clicked)
        if bridge is not None:
            bridge.events_arrived.connect(self._on_bridge_events_arrived)
            bridge.task_finished.connect(self._on_bridge_task_finished)

        self._load_head()
        self._restore_draft()
        self.reload_models()
        self.refresh_preview()

    def refresh_preview(self) -> None:
        """Render the persona's system section now, and list its register contradictions."""
        self._preview_timer.stop()
        self._show_contradictions()
        try:
            text = self._render()
        except KnownError as error:
            self.preview_error.setText(f"⚠ {error}")
            self.preview_error.show()
            return
        self.preview_error.hide()
        self.preview.setPlainText(text)

    def reload_models(self) -> None:
        """List the configured models for "Try it"."""
        chosen = self.try_model.currentText()
        self.try_model.clear()
        self.try_model.addItems([f.name for f in self._store.list_families(Kind.MODEL)])
        self.try_model.setCurrentIndex(max(0, self.try_model.findText(chosen)))
        ready = self._bridge is not None and self._provider_factory is not None
        self.try_send.setEnabled(ready and self.try_model.count() > 0)
        if not ready:
            self.try_send.setToolTip("Trying a persona needs the model providers.")
        elif not self.try_model.count():
            self.try_send.setToolTip("Add a model config first (Models in the navigator).")

    def try_it(self, message: str) -> int | None:
        """Send `message` with the persona as system prompt; returns the bridge task id."""
        if self._bridge is None or self._provider_factory is None:
            return None
        try:
            system = self._render()
            model = self._store.resolve(Kind.MODEL, self.try_model.currentText())
        except KnownError as error:
            self._show_problem(f"Cannot try: {error}")
            return None
        config = model.content_as(ModelConfigContent)
        request = ChatRequest(
            model=config.model,
            messages=(Message("system", system), Message("user", message)),
            params=dict(config.params),
        )
        factory, token = self._provider_factory, id(self)

        async def ask(sink: EventSink) -> ChatResult | ProviderError:
            provider = factory(config)
            try:
                return await provider.complete(
                    request, on_delta=lambda text: sink(TryReplyDelta(token, text))
                )
            finally:
                await provider.aclose()

        self.try_reply.clear()
        self.try_send.setEnabled(False)
        self._try_task = self._bridge.submit(ask)
        return self._try_task

    # -- the VersionEditor hooks ---------------------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        return self.form.raw_state()

    def _content_for_save(self) -> PersonaContent:
        self.form.commit_pending_edits()
        return self.form.content()

    def _fill_from(self, content: Any) -> None:
        self._loading = True
        self.form.set_content(content)
        self._loading = False

    def _draft_fields(self) -> dict[str, Any]:
        return {"fields": self.form.raw_state()}

    # -- internals -----------------------------------------------------------------------------

    def _render(self) -> str:
        content = self.form.content()
        ref = (
            f"{self._name}@draft" if self._dirty else (self._head.ref if self._head else self._name)
        )
        return render_persona(content, name=ref)

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.status, 1)
        header.addWidget(self.save_button)
        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.addWidget(self.contradictions)
        form_layout.addWidget(self.form)
        note = QFormLayout()
        note.addRow("Note", self.note)
        form_layout.addLayout(note)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_page)

        preview_page = QWidget()
        preview_layout = QVBoxLayout(preview_page)
        preview_layout.addWidget(QLabel("The system-prompt section this persona renders to:"))
        preview_layout.addWidget(self.preview_error)
        preview_layout.addWidget(self.preview, 1)
        try_page = QWidget()
        try_layout = QVBoxLayout(try_page)
        model_row = QHBoxLayout()
        model_row.addWidget(QLabel("Model"))
        model_row.addWidget(self.try_model, 1)
        model_row.addWidget(self.try_send)
        try_layout.addLayout(model_row)
        try_layout.addWidget(self.try_message)
        try_layout.addWidget(self.try_reply, 1)
        self.tabs.addTab(preview_page, "Preview")
        self.tabs.addTab(try_page, "Try it")
        self.tabs.addTab(self.history, "History")

        self.splitter = QSplitter()
        self.splitter.setObjectName("persona-designer-splitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 900])
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
        if not self._dirty:
            return
        self._show_draft_banner(draft)

    def _show_contradictions(self) -> None:
        try:
            found = register_contradictions(self.form.content())
        except (KnownError, ValueError):
            found = []  # an incomplete form: the preview error says what is missing
        self.contradictions.setText(
            "⚠ This persona contradicts its own register: " + "; ".join(found) + "."
            if found
            else ""
        )
        self.contradictions.setVisible(bool(found))

    def _on_form_changed(self) -> None:
        if self._loading:
            return
        self._set_dirty(self.form.raw_state() != self._baseline)
        self._preview_timer.start()
        self._draft_timer.start()

    def _on_history_version_opened(self, version: Version) -> None:
        self.form.set_raw_state(state_of(version.content_as(PersonaContent)))
        self._on_form_changed()
        self.note.setText(f"Back to v{version.number}.")

    def _on_try_send_clicked(self) -> None:
        message = self.try_message.toPlainText().strip()
        if message:
            self.try_it(message)

    def _on_bridge_events_arrived(self, events: list[Any]) -> None:
        token = id(self)
        text = "".join(
            e.text for e in events if isinstance(e, TryReplyDelta) and e.designer == token
        )
        if text:
            self.try_reply.insertPlainText(text)

    def _on_bridge_task_finished(self, task_id: int, result: Any, error: Any) -> None:
        if task_id != self._try_task:
            return
        self._try_task = None
        self.reload_models()
        if isinstance(result, ChatResult):
            self.try_reply.setPlainText(result.text)
            shown = result.text
        else:
            problem = result.message if isinstance(result, ProviderError) else str(error)
            shown = f"No reply: {problem}"
            self.try_reply.setPlainText(shown)
        self.reply_finished.emit(shown)
