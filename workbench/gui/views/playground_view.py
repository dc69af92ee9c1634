"""`PlaygroundView`: talk to an assistant bundle, then save the chat as a scripted test case.

Pick a prompt version, a persona and a model, write as the customer, and read the answer stream
in as a chat bubble. One click ("Save as test case", Ctrl+Shift+S) appends the conversation to a
conversation set as a scripted case — customer turns replayed, the answers kept as references —
so a chat that went wrong becomes a regression test.

The model is called on the engine thread through the bridge; the GUI never waits on it. A
failed call gives the message back to the input box: nothing typed is lost.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.app.conversation_choices import family_names, version_refs
from workbench.app.conversation_playground import (
    DEFAULT_SET,
    Bundle,
    ChatRole,
    ProviderFactory,
    add_case,
    assistant_reply,
    chat_case,
    chat_messages,
    default_case_id,
    prepare_bundle,
)
from workbench.app.conversation_views import TranscriptView, TurnBadge, TurnView
from workbench.core.errors import KnownError
from workbench.core.llm import ChatResult, ProviderError
from workbench.core.models import Kind
from workbench.gui.bridge import EngineBridge, EventSink
from workbench.gui.document_view import DocumentView
from workbench.gui.widgets.field_errors import error_label
from workbench.gui.widgets.transcript_view import TranscriptWidget

if TYPE_CHECKING:
    from workbench.app.records import SaveResult, Store

NO_PERSONA = "(no persona)"
_TOKENS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class PlaygroundDelta:
    """A fragment of the answer being streamed to playground `token`."""

    token: int
    text: str


def parse_variables(text: str) -> dict[str, str]:
    """``name: value`` lines to a dict (blank lines and ``#`` comments skipped).

    Raises:
        KnownError: a line has no colon (the message names the line).
    """
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, colon, value = stripped.partition(":")
        if not colon or not name.strip():
            raise KnownError(f"Variables, line {number}: write name: value ({stripped!r})")
        found[name.strip()] = value.strip()
    return found


class PlaygroundView(DocumentView):
    """Chat with a bundle; save the chat as a scripted test case.

    Args:
        store: the GUI thread's store (resolves the bundle, saves the case).
        bridge: runs the model calls off the GUI thread.
        provider_factory: builds the model's provider (on the engine thread).
        author: recorded on the saved conversation set version.

    Signals:
        reply_finished(str): an answer completed (its text, or the error shown).
        case_saved(object): the chat was saved; the conversation set's new `Version`.
        message_posted(str): a short message for the status bar.
    """

    reply_finished = Signal(str)
    case_saved = Signal(object)
    message_posted = Signal(str)

    def __init__(
        self,
        store: Store,
        bridge: EngineBridge,
        provider_factory: ProviderFactory,
        *,
        author: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("playground")
        self._store, self._bridge, self._factory, self._author = (
            store,
            bridge,
            provider_factory,
            author,
        )
        self._token = next(_TOKENS)
        self._task: int | None = None
        self._streamed = ""
        self.history: list[tuple[ChatRole, str]] = []
        self._bundle_label = ""

        self.prompt = QComboBox()
        self.persona = QComboBox()
        self.model = QComboBox()
        self.variables = QPlainTextEdit()
        self.variables.setPlaceholderText(
            "Prompt variables, one per line:\ncustomer_name: Mme Lefèvre\norder_status: expédiée"
        )
        self.variables.setMaximumHeight(90)
        self.transcript = TranscriptWidget()
        self.transcript.clear("Write as the customer below; the assistant answers here.")
        self.input = QPlainTextEdit()
        self.input.setObjectName("playground-input")
        self.input.setPlaceholderText("Write as the customer… (Ctrl+Enter sends)")
        self.input.setMaximumHeight(110)
        self.send_button = QPushButton("Send  (Ctrl+Enter)")
        self.new_button = QPushButton("New chat")
        self.conversations = QComboBox()
        self.conversations.setEditable(True)
        self.conversations.setToolTip("The conversation set the chat is saved into")
        self.case_id = QLineEdit(placeholderText="case id (automatic when empty)")
        self.save_button = QPushButton("Save as test case  (Ctrl+Shift+S)")
        self.save_button.setObjectName("save-chat")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.error = error_label()
        self._build_layout()
        self.reload()

        self.send_button.clicked.connect(self.send)
        self.new_button.clicked.connect(self.new_chat)
        self.save_button.clicked.connect(self.save_as_case)
        for combo in (self.prompt, self.persona, self.model):
            combo.currentIndexChanged.connect(lambda _i: self._on_bundle_changed())
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+Return"), self, self.send, context=context)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.send, context=context)
        QShortcut(QKeySequence("Ctrl+Shift+S"), self, self.save_as_case, context=context)
        bridge.events_arrived.connect(self._on_bridge_events_arrived)
        bridge.task_finished.connect(self._on_bridge_task_finished)
        self._update_buttons()

    # -- public --------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The tab's title."""
        return "Talk to it"

    @property
    def busy(self) -> bool:
        """Whether an answer is being written."""
        return self._task is not None

    def reload(self) -> None:
        """List the prompts, personas, models and conversation sets again (F5)."""
        _fill(self.prompt, version_refs(self._store, Kind.PROMPT))
        _fill(self.persona, [NO_PERSONA, *version_refs(self._store, Kind.PERSONA)])
        _fill(self.model, family_names(self._store, Kind.MODEL))
        sets = family_names(self._store, Kind.CONVERSATIONS)
        _fill(self.conversations, sets if DEFAULT_SET in sets else [DEFAULT_SET, *sets])
        self._update_buttons()

    def choose(self, *, prompt: str, model: str, persona: str | None = None) -> None:
        """Select a bundle (names as listed: ``order-tracking@v3``, ``smollm2-local``)."""
        for combo, value in (
            (self.prompt, prompt),
            (self.persona, persona or NO_PERSONA),
            (self.model, model),
        ):
            index = combo.findText(value)
            if index < 0:
                raise KnownError(f"{value} is not in the workspace")
            combo.setCurrentIndex(index)

    def bundle(self) -> Bundle:
        """The bundle currently chosen."""
        persona = self.persona.currentText()
        return Bundle(
            prompt=self.prompt.currentText(),
            model=self.model.currentText(),
            persona=None if persona in ("", NO_PERSONA) else persona,
        )

    def send(self, text: str | None = None) -> int | None:
        """Send `text` (default: the input box) as the customer; returns the bridge task id."""
        if self.busy:
            return None
        message = (text if text is not None else self.input.toPlainText()).strip()
        if not message:
            self._problem("Write a message first.")
            return None
        try:
            variables = parse_variables(self.variables.toPlainText())
            column = prepare_bundle(self._store, self.bundle())
            history = [*self.history, ("customer", message)]
            messages = chat_messages(column, history, variables)  # type: ignore[arg-type]
        except KnownError as error:
            self._problem(f"Cannot send: {error}")
            return None
        self._problem("")
        self.history.append(("customer", message))
        self._bundle_label = column.column.label
        self.input.clear()
        self._streamed = ""
        self._show(streaming=True)
        factory, token = self._factory, self._token

        async def ask(sink: EventSink) -> ChatResult | ProviderError:
            return await assistant_reply(
                column, messages, factory, on_delta=lambda t: sink(PlaygroundDelta(token, t))
            )

        self._task = self._bridge.submit(ask)
        self._update_buttons()
        return self._task

    def new_chat(self) -> None:
        """Forget the chat (a saved case stays saved)."""
        if self.busy:
            return
        self.history.clear()
        self.transcript.clear("Write as the customer below; the assistant answers here.")
        self.status.clear()
        self._update_buttons()

    def save_as_case(self) -> SaveResult | None:
        """Append the chat to the chosen conversation set as a scripted case, in one click."""
        if self.busy:
            self._problem("Wait for the answer before saving.")
            return None
        conversations = self.conversations.currentText().strip() or DEFAULT_SET
        case_id = self.case_id.text().strip() or default_case_id()
        try:
            variables = parse_variables(self.variables.toPlainText())
            case = chat_case(case_id, self.history, variables)
            result = add_case(
                self._store,
                conversations,
                case,
                author=self._author,
                note=f"Chat with {self._bundle_label or self.bundle().label}",
            )
        except KnownError as error:
            self._problem(f"Not saved: {error}")
            return None
        self._problem("")
        self.case_id.clear()
        message = f"Saved the chat as case {case_id} in {result.version.ref}."
        self.status.setText(message)
        self.message_posted.emit(message)
        self.case_saved.emit(result.version)
        self.reload()
        self.conversations.setCurrentText(conversations)
        return result

    # -- internals -----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        bundle = QFormLayout()
        bundle.addRow("Prompt", self.prompt)
        bundle.addRow("Persona", self.persona)
        bundle.addRow("Model", self.model)
        bundle.addRow("Variables", self.variables)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(QLabel("<b>Assistant bundle</b>"))
        left_layout.addLayout(bundle)
        left_layout.addSpacing(12)
        left_layout.addWidget(QLabel("<b>Keep this chat as a test</b>"))
        save = QFormLayout()
        save.addRow("Conversation set", self.conversations)
        save.addRow("Case id", self.case_id)
        left_layout.addLayout(save)
        left_layout.addWidget(self.save_button)
        left_layout.addWidget(self.status)
        left_layout.addStretch(1)

        chat = QWidget()
        chat_layout = QVBoxLayout(chat)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.addWidget(self.transcript, 1)
        chat_layout.addWidget(self.error)
        chat_layout.addWidget(self.input)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        chat_layout.addLayout(buttons)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("playground-splitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(chat)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([420, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter, 1)

    def _show(self, *, streaming: bool = False, failure: str | None = None) -> None:
        turns: list[TurnView] = []
        for index, (role, text) in enumerate(self.history):
            turns.append(
                TurnView(
                    number=index + 1,
                    role="user" if role == "customer" else "assistant",
                    text=text,
                    exchange=sum(1 for r, _ in self.history[: index + 1] if r == "customer"),
                )
            )
        exchange = sum(1 for r, _ in self.history if r == "customer")
        if streaming:
            turns.append(
                TurnView(
                    len(turns) + 1, "assistant", self._streamed, streaming=True, exchange=exchange
                )
            )
        if failure:
            turns.append(
                TurnView(
                    len(turns) + 1,
                    "system",
                    failure,
                    badges=(TurnBadge("error", "error"),),
                    exchange=exchange,
                )
            )
        self.transcript.set_transcript(
            TranscriptView(
                title="Talk to it",
                subtitle=self._bundle_label or self.bundle().label,
                outcome="" if streaming else f"{exchange} turn{'s' if exchange != 1 else ''}",
                turns=tuple(turns),
            )
        )

    def _problem(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        if message:
            self.message_posted.emit(message)

    def _update_buttons(self) -> None:
        ready = self.prompt.count() > 0 and self.model.count() > 0
        self.send_button.setEnabled(ready and not self.busy)
        self.save_button.setEnabled(bool(self.history) and not self.busy)
        self.new_button.setEnabled(bool(self.history) and not self.busy)
        if not ready:
            self.send_button.setToolTip("Add a prompt and a model config first.")

    # -- slots ---------------------------------------------------------------------------------

    def _on_bundle_changed(self) -> None:
        if self.history and not self.busy:
            self.status.setText("The next answer comes from the bundle now chosen.")

    def _on_bridge_events_arrived(self, events: list[Any]) -> None:
        text = "".join(
            e.text for e in events if isinstance(e, PlaygroundDelta) and e.token == self._token
        )
        if text and self.busy:
            self._streamed += text
            self._show(streaming=True)

    def _on_bridge_task_finished(self, task_id: int, result: Any, error: Any) -> None:
        if task_id != self._task:
            return
        self._task = None
        if isinstance(result, ChatResult) and result.text.strip():
            self.history.append(("assistant", result.text))
            self._show()
            shown = result.text
        else:
            if isinstance(result, ChatResult):
                problem = "the model returned an empty answer"
            elif isinstance(result, ProviderError):
                problem = result.message
            else:
                problem = str(error) or type(error).__name__
            # Nothing typed is lost: the unanswered message goes back to the input box.
            role, unanswered = self.history.pop()
            assert role == "customer"
            self.input.setPlainText(unanswered)
            shown = f"No answer: {problem}"
            self._show(failure=shown)
            self._problem(shown)
        self._update_buttons()
        self.reply_finished.emit(shown)


def _fill(combo: QComboBox, items: list[str]) -> None:
    chosen = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(items)
    if chosen and combo.findText(chosen) >= 0:
        combo.setCurrentText(chosen)
    combo.blockSignals(False)
