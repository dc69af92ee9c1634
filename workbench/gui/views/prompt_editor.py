"""`PromptEditor`: edit a prompt family's templates with a live preview, variables and history.

Saving writes a new immutable version through the store (unchanged content writes nothing and
says so). Whatever is typed and not yet saved is written to a draft file shortly after typing
stops, and offered back when the prompt is opened again, so a crash or a failed save loses
nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core.compose import prompt_variables
from workbench.core.errors import KnownError, NotFoundError, TemplateError
from workbench.core.models import Kind, PromptContent, Version, validate_name
from workbench.gui.drafts import DraftStore
from workbench.gui.models.prompt_form import (
    TemplateSlot,
    build_prompt,
    error_slot,
    params_text,
    parse_params,
    placeholder_variables,
    render_preview,
    slot_texts,
    slots_for,
)
from workbench.gui.models.save_outcome import describe_save
from workbench.gui.timers import debounce_timer
from workbench.gui.views.version_history_panel import VersionHistoryPanel
from workbench.gui.widgets.preview_source_picker import PreviewSourcePicker
from workbench.gui.widgets.template_edit import TemplateEdit
from workbench.gui.widgets.variables_panel import VariablesPanel

if TYPE_CHECKING:
    from workbench.app.records import SaveResult, Store

PREVIEW_DELAY_MS = 250
DRAFT_DELAY_MS = 700
Snapshot = tuple[tuple[str, ...], str, tuple[tuple[str, str], ...]]


class PromptEditor(QWidget):
    """Editor for one prompt family.

    Args:
        store: the workspace store (GUI thread's connection).
        name: the family; it is created on first save when it does not exist yet.
        author: recorded on saved versions and label moves.
        drafts: where unsaved text is kept.
        dark: use the dark highlighting colours.

    Signals:
        version_saved(object): a save or fork stored (or moved the head to) this `Version`.
        dirty_changed(bool): the editor now differs (True) or not (False) from its version.
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
        self._store, self._name, self._author, self._drafts = store, name, author, drafts
        self._dark = dark
        self._head: Version | None = None
        self._baseline: Snapshot | None = None
        self._dirty = False
        self._loading = False
        self._slots: tuple[TemplateSlot, ...] = ()
        self.editors: list[TemplateEdit] = []

        self.title = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.fork_button = QPushButton("Fork…")
        self.fork_button.setToolTip("Save the current text as a new prompt family")
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save as a new version (Ctrl+S)")
        self.draft_banner = QLabel()
        self.discard_draft_button = QPushButton("Discard draft")
        self.params = QLineEdit(placeholderText='{"temperature": 0.3, "max_tokens": 300}')
        self.note = QLineEdit(placeholderText="What changed and why (saved with the version)")
        self.editor_area = QSplitter(Qt.Orientation.Vertical)
        self.picker = PreviewSourcePicker(store)
        self.preview_error = QLabel()
        self.preview_error.setWordWrap(True)
        self.preview_error.setStyleSheet("color: #d04040;")
        self.preview_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview = QPlainTextEdit(readOnly=True)
        self.preview.setPlaceholderText("The rendered messages appear here.")
        self.variables = VariablesPanel()
        self.history = VersionHistoryPanel(store, Kind.PROMPT, name, actor=author)
        self.tabs = QTabWidget()
        self._preview_timer = debounce_timer(self, PREVIEW_DELAY_MS, self.refresh_preview)
        self._draft_timer = debounce_timer(self, DRAFT_DELAY_MS, self.write_draft)

        self._build_layout()
        self.save_button.clicked.connect(self.save)
        self.fork_button.clicked.connect(self._on_fork_button_clicked)
        self.discard_draft_button.clicked.connect(self.discard_draft)
        self.params.textChanged.connect(self._on_field_changed)
        self.note.textChanged.connect(self._on_note_changed)
        self.variables.declarations_changed.connect(self._on_field_changed)
        self.picker.changed.connect(self._preview_timer.start)
        self.history.version_opened.connect(self._on_history_version_opened)
        self.history.labels_changed.connect(lambda: self.message_posted.emit("Label moved."))
        self.history.failed.connect(self._show_problem)

        self._load_head()
        self._restore_draft()
        self.refresh_preview()

    @property
    def name(self) -> str:
        """The prompt family edited."""
        return self._name

    @property
    def head(self) -> Version | None:
        """The stored version the editor started from (None for a new family)."""
        return self._head

    def is_dirty(self) -> bool:
        """Whether the fields differ from the stored version."""
        return self._dirty

    def current_content(self) -> PromptContent:
        """The content the fields describe.

        Raises:
            ValidationError: the parameters are not a JSON object, or the prompt breaks a rule.
        """
        return build_prompt(
            self._slots,
            [editor.toPlainText() for editor in self.editors],
            variables=self.variables.declared(),
            params=parse_params(self.params.text()),
        )

    def save(self) -> SaveResult | None:
        """Store the fields as a new version; returns what the store did, None on error."""
        try:
            content = self.current_content()
            previous = self._head
            result = self._store.save_version(
                Kind.PROMPT, self._name, content, author=self._author, note=self.note.text().strip()
            )
        except KnownError as error:
            self._show_problem(f"Not saved: {error}")
            return None
        version = result.version
        message = describe_save(result, previous.id if previous else None)
        self._after_store(version, message)
        return result

    def fork(self, new_name: str) -> Version | None:
        """Save the fields as the first version of a new family and switch to it."""
        try:
            validate_name(new_name)
            try:
                self._store.get_family(Kind.PROMPT, new_name)
            except NotFoundError:
                pass
            else:
                raise KnownError(f"A prompt named '{new_name}' already exists; choose another.")
            content = self.current_content()
            origin = self._head.ref if self._head else self._name
            result = self._store.save_version(
                Kind.PROMPT,
                new_name,
                content,
                author=self._author,
                note=self.note.text().strip() or f"Forked from {origin}.",
                parent_id=self._head.id if self._head else None,
            )
        except KnownError as error:
            self._show_problem(f"Not forked: {error}")
            return None
        self._drafts.discard(self._draft_key())
        self._name = new_name
        self.history.set_family(new_name)
        self._after_store(result.version, f"Forked into {result.version.ref}.")
        return result.version

    def write_draft(self) -> None:
        """Keep the unsaved fields in the draft file (or drop the draft once clean)."""
        if not self._dirty:
            self._drafts.discard(self._draft_key())
            return
        self._drafts.save(
            self._draft_key(),
            {
                "kind": Kind.PROMPT.value,
                "name": self._name,
                "base_version": self._head.id if self._head else None,
                "base_number": self._head.number if self._head else None,
                "saved_at": datetime.now().isoformat(timespec="seconds"),
                "slots": [slot.key for slot in self._slots],
                "texts": [editor.toPlainText() for editor in self.editors],
                "params": self.params.text(),
                "note": self.note.text(),
                "variables": self.variables.declared(),
            },
        )

    def discard_draft(self) -> None:
        """Throw away unsaved changes and show the stored version again."""
        self._drafts.discard(self._draft_key())
        self._load_head()
        self.refresh_preview()
        self.message_posted.emit("Draft discarded.")

    def load_version(self, version: Version) -> None:
        """Put a stored version's content in the fields (undoable); saving it moves the head."""
        assert isinstance(version.content, PromptContent)
        self._fill(version.content, keep_undo=True)
        self.note.setText(f"Back to v{version.number}.")
        self.message_posted.emit(f"Loaded v{version.number} into the editor; save to use it.")

    def refresh_preview(self) -> None:
        """Render the preview and the variables report now."""
        self._preview_timer.stop()
        for editor in self.editors:
            editor.mark_error_line(None)
        try:
            content = self.current_content()
        except KnownError as error:
            self._show_preview_error(str(error))
            return
        preview_name = f"{self._name}@draft" if self._dirty else self._display_ref()
        try:
            self.variables.set_report(prompt_variables(content, prompt_name=preview_name))
            row_id, values = self.picker.row_choice()
            if values is None:
                values = placeholder_variables(content, preview_name)
            _, persona = self.picker.persona_section()
            text = render_preview(
                content,
                prompt_name=preview_name,
                variables=values,
                persona_section=persona,
                row=row_id,
            )
        except TemplateError as error:
            slot = error_slot(error, preview_name, self._slots)
            if slot is not None and error.line is not None:
                self.editors[slot].mark_error_line(error.line)
            self._show_preview_error(str(error))
            return
        except KnownError as error:
            self._show_preview_error(str(error))
            return
        self.preview_error.clear()
        self.preview_error.hide()
        self.preview.setPlainText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Write the draft before the editor goes away."""
        self.write_draft()
        super().closeEvent(event)

    # -- internals -----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.status, 1)
        header.addWidget(self.fork_button)
        header.addWidget(self.save_button)
        banner = QHBoxLayout()
        banner.addWidget(self.draft_banner, 1)
        banner.addWidget(self.discard_draft_button)
        self._banner = QWidget()
        self._banner.setLayout(banner)
        self._banner.hide()

        fields = QFormLayout()
        fields.addRow("Parameters", self.params)
        fields.addRow("Note", self.note)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.editor_area, 1)
        left_layout.addLayout(fields)

        preview_page = QWidget()
        preview_layout = QVBoxLayout(preview_page)
        preview_layout.addWidget(self.picker)
        preview_layout.addWidget(self.preview_error)
        preview_layout.addWidget(self.preview, 1)
        self.tabs.addTab(preview_page, "Preview")
        self.tabs.addTab(self.variables, "Variables")
        self.tabs.addTab(self.history, "History")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("prompt-editor-splitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 900])  # proportions: the templates get a little more room
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self._banner)
        layout.addWidget(self.splitter, 1)

    def _set_slots(self, slots: tuple[TemplateSlot, ...]) -> None:
        if slots == self._slots:
            return
        for editor in self.editors:
            editor.parentWidget().deleteLater()
        self.editors = []
        self._slots = slots
        for slot in slots:
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(QLabel(f"<b>{slot.label}</b>"))
            editor = TemplateEdit(dark=self._dark)
            editor.setObjectName(f"template-{slot.key}")
            editor.textChanged.connect(self._on_field_changed)
            box_layout.addWidget(editor, 1)
            self.editor_area.addWidget(box)
            self.editors.append(editor)

    def _load_head(self) -> None:
        try:
            self._head = self._store.resolve(Kind.PROMPT, self._name)
        except NotFoundError:
            self._head = None
        content = self._head.content if self._head else None
        assert content is None or isinstance(content, PromptContent)
        self._fill(content, keep_undo=False)
        self.note.clear()
        self._baseline = self._snapshot()
        self._banner.hide()
        self._set_dirty(False)
        self._update_title()

    def _fill(self, content: PromptContent | None, *, keep_undo: bool) -> None:
        self._loading = True
        try:
            self._set_slots(slots_for(content))
            for editor, text in zip(self.editors, slot_texts(content, self._slots), strict=True):
                if keep_undo:
                    editor.set_text_keeping_undo(text)
                else:
                    editor.setPlainText(text)
            self.params.setText(params_text(content.params) if content else "")
            self.variables.set_declared(dict(content.variables) if content else {})
        finally:
            self._loading = False
        self._on_field_changed()

    def _restore_draft(self) -> None:
        draft = self._drafts.load(self._draft_key())
        if not draft or draft.get("slots") != [slot.key for slot in self._slots]:
            return
        texts = draft.get("texts") or []
        if len(texts) != len(self.editors):
            return
        self._loading = True
        try:
            for editor, text in zip(self.editors, texts, strict=True):
                editor.setPlainText(str(text))
            self.params.setText(str(draft.get("params", "")))
            self.note.setText(str(draft.get("note", "")))
            self.variables.set_declared(dict(draft.get("variables") or {}))
        finally:
            self._loading = False
        self._on_field_changed()
        if not self._dirty:
            self._drafts.discard(self._draft_key())
            return
        based = draft.get("base_number")
        when = str(draft.get("saved_at", "")).replace("T", " ")
        self.draft_banner.setText(
            f"Restored unsaved changes from {when}"
            + (f" (based on v{based})." if based else ".")
            + " Save to keep them as a version."
        )
        self._banner.show()

    def _after_store(self, version: Version, message: str) -> None:
        self._head = version
        self._baseline = self._snapshot()
        self.note.clear()
        self._drafts.discard(self._draft_key())
        self._banner.hide()
        self._set_dirty(False)
        self._update_title()
        self.history.reload()
        self.status.setText(message)
        self.message_posted.emit(message)
        self.version_saved.emit(version)
        self.refresh_preview()

    def _snapshot(self) -> Snapshot:
        return (
            tuple(editor.toPlainText() for editor in self.editors),
            self.params.text().strip(),
            tuple(sorted(self.variables.declared().items())),
        )

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self._update_title()
            self.dirty_changed.emit(dirty)

    def _update_title(self) -> None:
        ref = self._display_ref()
        self.title.setText(f"<b>{self._name}</b>  ·  {ref}{'  •  unsaved' if self._dirty else ''}")

    def _display_ref(self) -> str:
        return f"v{self._head.number}" if self._head else "new"

    def _draft_key(self) -> str:
        return f"prompt-{self._name}"

    def _show_problem(self, message: str) -> None:
        self.status.setText(f"<span style='color:#d04040'>{message}</span>")
        self.message_posted.emit(message)

    def _show_preview_error(self, message: str) -> None:
        self.preview_error.setText(f"⚠ {message}")
        self.preview_error.show()

    def _on_field_changed(self, *_args: Any) -> None:
        if self._loading:
            return
        if self._baseline is not None:
            self._set_dirty(self._snapshot() != self._baseline)
        self._preview_timer.start()
        self._draft_timer.start()

    def _on_note_changed(self, _text: str) -> None:
        if not self._loading:
            self._draft_timer.start()

    def _on_history_version_opened(self, version: Version) -> None:
        self.load_version(version)

    def _on_fork_button_clicked(self) -> None:
        new_name, accepted = QInputDialog.getText(
            self, "Fork prompt", "Name of the new prompt family:", text=f"{self._name}-fork"
        )
        if accepted and new_name.strip():
            self.fork(new_name.strip())
