"""`VersionHistoryPanel`: a family's versions, labels, and a diff between any two of them.

Select one version to see what it changed from the one before; select two to compare them
(older on the left). Text fields show side by side; other fields show old → new.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.app.versions import set_label
from workbench.core.diff import FieldChange, diff_contents
from workbench.core.errors import KnownError, NotFoundError
from workbench.core.models import Kind, Version
from workbench.gui.widgets.side_by_side_diff import SideBySideDiff

if TYPE_CHECKING:
    from workbench.app.records import Store

STANDARD_LABELS = ("production", "staging")
_VERSION_ROLE = Qt.ItemDataRole.UserRole + 1
_CHANGE_ROLE = Qt.ItemDataRole.UserRole + 2


class VersionHistoryPanel(QWidget):
    """History, labels and diffs of one family.

    Signals:
        version_opened(object): the user asked to load this `Version` into the editor.
        labels_changed(): a label was set or moved.
        failed(str): an operation failed; the message is fit to show.
    """

    version_opened = Signal(object)
    labels_changed = Signal()
    failed = Signal(str)

    def __init__(
        self, store: Store, kind: Kind, name: str, *, actor: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._store, self._kind, self._name, self._actor = store, kind, name, actor
        self._versions: list[Version] = []
        self._refs = ("", "")

        self.versions = QListWidget()
        self.versions.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.versions.setToolTip("Select one version to see its changes, two to compare them")
        self.open_button = QPushButton("Open in editor")
        self.label_choice = QComboBox()
        self.label_choice.setEditable(True)
        self.label_choice.addItems(STANDARD_LABELS)
        self.label_choice.setToolTip("Label to point at the selected version")
        self.label_button = QPushButton("Set label")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.changes = QListWidget()
        self.diff = SideBySideDiff()

        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addStretch(1)
        actions.addWidget(self.label_choice)
        actions.addWidget(self.label_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.versions, 1)
        top_layout.addLayout(actions)
        # Changed fields above the diff, so the two text columns get the panel's full width.
        self.changes.setMaximumHeight(90)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.changes)
        bottom_layout.addWidget(self.diff, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName(f"{kind.value}-history-splitter")
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(1, 3)
        self._sized = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.summary)

        self.versions.itemSelectionChanged.connect(self._on_versions_item_selection_changed)
        self.changes.currentItemChanged.connect(self._on_changes_current_item_changed)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.label_button.clicked.connect(self._on_label_button_clicked)
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        """Give the diff most of the height the first time the panel is shown."""
        super().showEvent(event)
        # A layout the user left (restored by the main window) wins over this default.
        if not self._sized and not self.splitter.property("restored"):
            self._sized = True
            height = max(self.splitter.height(), 400)
            self.splitter.setSizes([height * 3 // 10, height * 7 // 10])

    @property
    def name(self) -> str:
        """The family shown."""
        return self._name

    def set_family(self, name: str) -> None:
        """Show another family (after a fork)."""
        self._name = name
        self.reload()

    def reload(self) -> None:
        """Read the history again from the store."""
        try:
            family = self._store.get_family(self._kind, self._name)
            self._versions = self._store.history(self._kind, self._name)
        except NotFoundError:
            self._versions, labels = [], {}
        else:
            labels = family.labels
        by_number: dict[int, list[str]] = {}
        for label, number in labels.items():
            by_number.setdefault(number, []).append(label)
        self.versions.clear()
        for version in reversed(self._versions):
            tags = by_number.get(version.number, [])
            text = f"v{version.number}  ·  {version.created_at:%Y-%m-%d %H:%M}"
            if version.author:
                text += f"  ·  {version.author}"
            if tags:
                text += "  [" + ", ".join(sorted(tags)) + "]"
            if version.note:
                text += f"\n      {version.note}"
            item = QListWidgetItem(text)
            item.setToolTip(version.note or text)
            item.setData(_VERSION_ROLE, version)
            self.versions.addItem(item)
        for label in labels:
            if self.label_choice.findText(label) < 0:
                self.label_choice.addItem(label)
        self.summary.setText("" if self._versions else "No saved versions yet.")
        self._update_buttons()

    def version_numbers(self) -> list[int]:
        """Version numbers listed, newest first."""
        return [
            self.versions.item(row).data(_VERSION_ROLE).number
            for row in range(self.versions.count())
        ]

    def select_numbers(self, *numbers: int) -> None:
        """Select the listed versions with these numbers (one or two)."""
        self.versions.clearSelection()
        for row in range(self.versions.count()):
            item = self.versions.item(row)
            if item.data(_VERSION_ROLE).number in numbers:
                item.setSelected(True)

    def selected_versions(self) -> list[Version]:
        """Selected versions, oldest first."""
        chosen = [item.data(_VERSION_ROLE) for item in self.versions.selectedItems()]
        return sorted(chosen, key=lambda version: version.number)

    def compare(self, old: Version, new: Version) -> list[FieldChange]:
        """Show the changes from `old` to `new`; returns them."""
        changes = diff_contents(
            self._kind, old.content, new.content, a_label=old.ref, b_label=new.ref
        )
        self._show_changes(changes, old.ref, new.ref)
        return changes

    def _show_changes(self, changes: list[FieldChange], old_ref: str, new_ref: str) -> None:
        self.changes.clear()
        self.diff.clear()
        self._refs = (old_ref, new_ref)
        for change in changes:
            item = QListWidgetItem(f"{change.path}  ({change.change})")
            item.setData(_CHANGE_ROLE, change)
            self.changes.addItem(item)
        count = len(changes)
        self.summary.setText(
            f"{old_ref} → {new_ref}: {count} change{'s' if count != 1 else ''}"
            if count
            else f"{old_ref} and {new_ref} have the same content."
        )
        if count:
            self.changes.setCurrentRow(0)

    def _update_buttons(self) -> None:
        selected = len(self.versions.selectedItems())
        self.open_button.setEnabled(selected == 1)
        self.label_button.setEnabled(selected == 1)

    def _on_versions_item_selection_changed(self) -> None:
        self._update_buttons()
        chosen = self.selected_versions()
        if len(chosen) == 2:
            self.compare(chosen[0], chosen[1])
        elif len(chosen) == 1:
            version = chosen[0]
            previous = next(
                (v for v in self._versions if v.id == version.parent_id),
                None,
            )
            if previous is None:
                self.changes.clear()
                self.diff.clear()
                self.summary.setText(f"{version.ref} is the first version.")
            else:
                self.compare(previous, version)

    def _on_changes_current_item_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        if current is None:
            self.diff.clear()
            return
        change: FieldChange = current.data(_CHANGE_ROLE)
        old_ref, new_ref = self._refs
        self.diff.set_texts(
            _as_text(change.old),
            _as_text(change.new),
            old_label=f"{old_ref}  {change.path}",
            new_label=f"{new_ref}  {change.path}",
        )

    def _on_open_button_clicked(self) -> None:
        chosen = self.selected_versions()
        if len(chosen) == 1:
            self.version_opened.emit(chosen[0])

    def _on_label_button_clicked(self) -> None:
        chosen = self.selected_versions()
        label = self.label_choice.currentText().strip()
        if len(chosen) != 1 or not label:
            return
        try:
            set_label(self._store, self._kind, self._name, label, chosen[0].id, actor=self._actor)
        except KnownError as error:
            self.failed.emit(str(error))
            return
        self.reload()
        self.select_numbers(chosen[0].number)
        self.labels_changed.emit()


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2)
