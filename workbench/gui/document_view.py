"""`DocumentView` and `VersionEditor`: what the main window knows of the documents in its tabs.

Every tab but the start page is a `DocumentView`: the window reloads it (F5), saves it (Ctrl+S),
asks whether it has unsaved changes, keeps its draft on close, sends it Find (Ctrl+F) and shows
its title, all through this one interface instead of probing each view for methods.

`VersionEditor` is the shared half of the editors of one family's versions with drafts (the
prompt editor and the persona designer): the head it started from, the dirty state against a
snapshot of the fields, the draft file and its banner, the save through
`workbench.app.versions.save_version` and what follows it. A subclass says how to read and fill
its fields (`_snapshot`, `_content_for_save`, `_fill_from`, `_draft_fields`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from workbench.app.versions import resolve_head, save_version
from workbench.core.errors import KnownError
from workbench.core.models import Content, Kind, Version
from workbench.gui.models.save_outcome import describe_save

if TYPE_CHECKING:
    from workbench.app.records import SaveResult, Store
    from workbench.gui.drafts import DraftStore
    from workbench.gui.views.version_history_panel import VersionHistoryPanel

PROBLEM_STYLE = "<span style='color:#d04040'>{}</span>"


class DocumentView(QWidget):
    """A document in a tab of the main window; the defaults suit a read-only view.

    Signals:
        version_saved(object): a save stored (or moved the head to) this `Version`.
        dirty_changed(bool): the document now differs (True) or not (False) from its version.
        message_posted(str): a short message for the status bar.
    """

    version_saved = Signal(object)
    dirty_changed = Signal(bool)
    message_posted = Signal(str)

    @property
    def name(self) -> str:
        """The document's name: its tab title without the unsaved mark ("" keeps the tab's)."""
        return ""

    def is_dirty(self) -> bool:
        """Whether the document holds changes not saved yet."""
        return False

    def can_save(self) -> bool:
        """Whether Save means something here."""
        return False

    def save(self) -> Any:
        """Store the document's changes (editors override)."""
        return None

    def reload(self) -> None:
        """Read the document again from the store (the window skips this while dirty)."""

    def write_draft(self) -> None:
        """Keep unsaved changes where they survive a restart (editors with drafts override)."""

    def focus_search(self) -> bool:
        """Put the focus in the document's search field; False when it has none."""
        return False


class VersionEditor(DocumentView):
    """An editor of one family's head version, with a draft file and a version history.

    Subclasses set `KIND` and `DRAFT_PREFIX`, call `_init_editor` first in their ``__init__``,
    and lay out `title`, `status`, `save_button`, `note` and `_banner` (with `draft_banner` and
    `discard_draft_button` inside) and `history`.
    """

    KIND: ClassVar[Kind]
    DRAFT_PREFIX: ClassVar[str]

    history: VersionHistoryPanel

    def _init_editor(self, store: Store, name: str, author: str, drafts: DraftStore) -> None:
        self._store, self._name, self._author, self._drafts = store, name, author, drafts
        self._head: Version | None = None
        self._baseline: Any = None
        self._dirty = False
        self._loading = False
        self.title = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save as a new version (Ctrl+S)")
        self.draft_banner = QLabel()
        self.discard_draft_button = QPushButton("Discard draft")
        self.note = QLineEdit(placeholderText="What changed and why (saved with the version)")
        banner = QHBoxLayout()
        banner.addWidget(self.draft_banner, 1)
        banner.addWidget(self.discard_draft_button)
        self._banner = QWidget()
        self._banner.setLayout(banner)
        self._banner.hide()
        self.save_button.clicked.connect(self.save)
        self.discard_draft_button.clicked.connect(self.discard_draft)

    # -- what a subclass provides --------------------------------------------------------------

    def _snapshot(self) -> Any:
        """The fields, comparable with the baseline to tell whether they changed."""
        raise NotImplementedError

    def _content_for_save(self) -> Content:
        """The content to store; raises `KnownError` when the fields do not make one."""
        raise NotImplementedError

    def _fill_from(self, content: Any) -> None:
        """Show a stored content (None for a new family) in the fields."""
        raise NotImplementedError

    def _draft_fields(self) -> dict[str, Any]:
        """The unsaved fields as JSON-ready values, for the draft file."""
        raise NotImplementedError

    def refresh_preview(self) -> None:
        """Render the editor's preview again (editors with a preview override)."""

    def _store_content(self, content: Content, note: str) -> SaveResult:
        """Store a new version of the fields (families with their own save use case override)."""
        return save_version(
            self._store, self.KIND, self._name, content, author=self._author, note=note
        )

    # -- the document interface ----------------------------------------------------------------

    @property
    def name(self) -> str:
        """The family edited."""
        return self._name

    @property
    def head(self) -> Version | None:
        """The stored version the editor started from (None for a new family)."""
        return self._head

    def is_dirty(self) -> bool:
        """Whether the fields differ from the stored version."""
        return self._dirty

    def can_save(self) -> bool:
        return True

    def save(self) -> SaveResult | None:
        """Store the fields as a new version; returns what the store did, None on error."""
        try:
            content = self._content_for_save()
            previous = self._head
            result = self._store_content(content, self.note.text().strip())
        except KnownError as error:
            self._show_problem(f"Not saved: {error}")
            return None
        self._after_store(result.version, describe_save(result, previous.id if previous else None))
        return result

    def write_draft(self) -> None:
        """Keep the unsaved fields in the draft file (or drop the draft once clean)."""
        if not self._dirty:
            self._drafts.discard(self._draft_key())
            return
        self._drafts.save(
            self._draft_key(),
            {
                "kind": self.KIND.value,
                "name": self._name,
                "base_version": self._head.id if self._head else None,
                "base_number": self._head.number if self._head else None,
                "saved_at": datetime.now().isoformat(timespec="seconds"),
                "note": self.note.text(),
                **self._draft_fields(),
            },
        )

    def discard_draft(self) -> None:
        """Throw away unsaved changes and show the stored version again."""
        self._drafts.discard(self._draft_key())
        self._load_head()
        self.refresh_preview()
        self.message_posted.emit("Draft discarded.")

    def closeEvent(self, event: QCloseEvent) -> None:
        """Write the draft before the editor goes away."""
        self.write_draft()
        super().closeEvent(event)

    # -- shared internals ----------------------------------------------------------------------

    def _load_head(self) -> None:
        self._head = resolve_head(self._store, self.KIND, self._name)
        self._fill_from(self._head.content if self._head else None)
        self.note.clear()
        self._baseline = self._snapshot()
        self._banner.hide()
        self._set_dirty(False)
        self._update_title()

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

    def _show_draft_banner(self, draft: dict[str, Any]) -> None:
        based = draft.get("base_number")
        when = str(draft.get("saved_at", "")).replace("T", " ")
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
        ref = self._display_ref()
        self.title.setText(f"<b>{self._name}</b>  ·  {ref}{'  •  unsaved' if self._dirty else ''}")

    def _display_ref(self) -> str:
        return f"v{self._head.number}" if self._head else "new"

    def _draft_key(self) -> str:
        return f"{self.DRAFT_PREFIX}-{self._name}"

    def _show_problem(self, message: str) -> None:
        self.status.setText(PROBLEM_STYLE.format(message))
        self.message_posted.emit(message)
