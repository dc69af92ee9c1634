"""`PromptEditor`: edit a prompt family's templates with a live preview, variables and history.

Saving writes a new immutable version through the store (unchanged content writes nothing and
says so). Whatever is typed and not yet saved is written to a draft file shortly after typing
stops, and offered back when the prompt is opened again, so a crash or a failed save loses
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
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

from workbench.app.prompt_checks import save_prompt
from workbench.app.versions import save_version
from workbench.core.compose import prompt_variables
from workbench.core.errors import KnownError, NotFoundError, TemplateError
from workbench.core.models import Kind, PromptContent, Version, validate_name
from workbench.gui.document_view import VersionEditor
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


class PromptEditor(VersionEditor):
    """Editor for one prompt family (a `VersionEditor`).

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

    KIND = Kind.PROMPT
    DRAFT_PREFIX = "prompt"

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
        self._init_editor(store, name, author, drafts)
        self._dark = dark
        self._slots: tuple[TemplateSlot, ...] = ()
        self.editors: list[TemplateEdit] = []

        self.fork_button = QPushButton("Fork…")
        self.fork_button.setToolTip("Save the current text as a new prompt family")
        self.params = QLineEdit(placeholderText='{"temperature": 0.3, "max_tokens": 300}')
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
        self.fork_button.clicked.connect(self._on_fork_button_clicked)
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
        """Store the fields as a new version; returns what the store did, None on error.

        A template that does not parse is refused (the text stays, and is kept as a draft);
        variables no dataset provides are saved with a warning.
        """
        try:
            content = self._content_for_save()
            previous = self._head
            outcome = save_prompt(
                self._store, self._name, content, author=self._author, note=self.note.text().strip()
            )
        except TemplateError as error:
            self.write_draft()
            self.refresh_preview()  # marks the line in its editor
            self._show_problem(
                f"Not saved: the template does not parse ({error}). Your text is kept as a draft."
            )
            return None
        except KnownError as error:
            self._show_problem(f"Not saved: {error}")
            return None
        result = outcome.result
        message = describe_save(result, previous.id if previous else None)
        if outcome.unprovided:
            message += (
                f" Warning: no dataset provides {', '.join(outcome.unprovided)};"
                " runs will stop on those rows until a dataset does."
            )
        self._after_store(result.version, message)
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
            result = save_version(
                self._store,
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

    def load_version(self, version: Version) -> None:
        """Put a stored version's content in the fields (undoable); saving it moves the head."""
        self._fill(version.content_as(PromptContent), keep_undo=True)
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

    # -- the VersionEditor hooks ---------------------------------------------------------------

    def _snapshot(self) -> Snapshot:
        return (
            tuple(editor.toPlainText() for editor in self.editors),
            self.params.text().strip(),
            tuple(sorted(self.variables.declared().items())),
        )

    def _content_for_save(self) -> PromptContent:
        return self.current_content()

    def _fill_from(self, content: Any) -> None:
        self._fill(content, keep_undo=False)

    def _draft_fields(self) -> dict[str, Any]:
        return {
            "slots": [slot.key for slot in self._slots],
            "texts": [editor.toPlainText() for editor in self.editors],
            "params": self.params.text(),
            "variables": self.variables.declared(),
        }

    def _after_store(self, version: Version, message: str) -> None:
        super()._after_store(version, message)
        self.refresh_preview()

    # -- internals -----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.status, 1)
        header.addWidget(self.fork_button)
        header.addWidget(self.save_button)
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
        self._show_draft_banner(draft)

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
