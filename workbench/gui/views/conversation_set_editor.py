"""`ConversationSetEditor`: write and edit scenarios and scripts as the workspace file holds them.

One case per line, in the canonical JSONL of `datasets/NAME.conversations.jsonl`. The text is
checked as you type (after a pause) with the same rules as an import — a scenario without a goal,
a script with two user turns in a row, an unknown key are named with their line — and Save
(Ctrl+S) stores a new version only when the whole text is valid. Unsaved text is kept as a draft.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.app.conversation_text import (
    SCENARIO_TEMPLATE,
    conversation_set_text,
    file_name,
    parse_conversation_set_text,
    save_conversation_set_text,
)
from workbench.core.errors import KnownError
from workbench.core.models import Version
from workbench.gui.document_view import DocumentView
from workbench.gui.drafts import DraftStore
from workbench.gui.models.save_outcome import describe_save
from workbench.gui.timers import debounce_timer
from workbench.gui.widgets.field_errors import error_label

if TYPE_CHECKING:
    from workbench.app.records import SaveResult, Store

CHECK_DELAY_MS = 400


class ConversationSetEditor(DocumentView):
    """Editor of one conversation set family.

    Signals:
        version_saved(object): a save stored (or moved the head to) this `Version`.
        dirty_changed(bool): the text now differs (True) or not (False) from its version.
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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conversation-set-editor")
        self._store, self._name, self._author, self._drafts = store, name, author, drafts
        self._head: Version | None = None
        self._baseline = ""
        self._dirty = False
        self.title = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.add_button = QPushButton("Add a scenario")
        self.add_button.setToolTip("Append a scenario line to fill in")
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save as a new version (Ctrl+S)")
        self.text = QPlainTextEdit()
        self.text.setObjectName("conversation-set-text")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.error = error_label()
        self.note = QLineEdit(placeholderText="What changed and why (saved with the version)")
        self._check_timer = debounce_timer(self, CHECK_DELAY_MS, self.check)

        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.status, 1)
        header.addWidget(self.add_button)
        header.addWidget(self.save_button)
        help_text = QLabel(
            "One case per line: a <b>scenario</b> (goal, what the customer knows, what they"
            " reveal only when asked, the expected facts / hand-off / refusal) or a"
            " <b>script</b> (turns, user then assistant). See docs/conversations.md."
        )
        help_text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(header)
        layout.addWidget(help_text)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.note)

        self.save_button.clicked.connect(self.save)
        self.add_button.clicked.connect(self.add_scenario)
        self.text.textChanged.connect(self._on_text_changed)
        self.reload()
        draft = self._drafts.load(self._draft_key())
        if draft and isinstance(draft.get("text"), str) and draft["text"] != self._baseline:
            self.text.setPlainText(draft["text"])
            self.status.setText("Restored unsaved changes; save to keep them as a version.")

    @property
    def name(self) -> str:
        """The conversation set edited."""
        return self._name

    def is_dirty(self) -> bool:
        """Whether the text differs from the stored version."""
        return self._dirty

    def reload(self) -> None:
        """Show the stored head again (unsaved text is dropped: F5 skips dirty editors)."""
        text, self._head = conversation_set_text(self._store, self._name)
        self._baseline = text
        self.text.blockSignals(True)
        self.text.setPlainText(text)
        self.text.blockSignals(False)
        self._set_dirty(False)
        self.error.hide()
        self._update_title()

    def add_scenario(self) -> None:
        """Append a scenario line to fill in, and select its placeholder id."""
        text = self.text.toPlainText()
        self.text.setPlainText(
            text + ("" if not text or text.endswith("\n") else "\n") + SCENARIO_TEMPLATE + "\n"
        )
        self.text.setFocus()

    def check(self) -> bool:
        """Check the text now; the first problem is shown under it with its line."""
        self._check_timer.stop()
        try:
            content = parse_conversation_set_text(self._name, self.text.toPlainText())
        except KnownError as error:
            self.error.setText(str(error))
            self.error.show()
            return False
        self.error.hide()
        self.status.setText(f"{len(content.cases)} case(s)")
        return True

    def save(self) -> SaveResult | None:
        """Store the text as a new version when it is valid; None (and why) otherwise."""
        previous = self._head
        try:
            result = save_conversation_set_text(
                self._store,
                self._name,
                self.text.toPlainText(),
                author=self._author,
                note=self.note.text().strip(),
            )
        except KnownError as error:
            self.error.setText(f"Not saved: {error}")
            self.error.show()
            self.message_posted.emit(f"Not saved: {error}")
            return None
        self.error.hide()
        message = describe_save(result, previous.id if previous else None)
        self.reload()
        self.note.clear()
        self._drafts.discard(self._draft_key())
        self.status.setText(message)
        self.message_posted.emit(message)
        self.version_saved.emit(result.version)
        return result

    def write_draft(self) -> None:
        """Keep unsaved text in the draft file (or drop the draft once clean)."""
        if not self._dirty:
            self._drafts.discard(self._draft_key())
            return
        self._drafts.save(
            self._draft_key(),
            {
                "kind": "conversations",
                "name": self._name,
                "saved_at": datetime.now().isoformat(timespec="seconds"),
                "text": self.text.toPlainText(),
            },
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        """Write the draft before the editor goes away."""
        self.write_draft()
        super().closeEvent(event)

    def _update_title(self) -> None:
        ref = f"v{self._head.number}" if self._head else "new"
        unsaved = "  •  unsaved" if self._dirty else ""
        self.title.setText(f"<b>{file_name(self._name)}</b>  ·  {ref}{unsaved}")

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self._update_title()
            self.dirty_changed.emit(dirty)

    def _draft_key(self) -> str:
        return f"conversations-{self._name}"

    def _on_text_changed(self) -> None:
        self._set_dirty(self.text.toPlainText() != self._baseline)
        self._check_timer.start()
