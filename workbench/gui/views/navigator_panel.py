"""`NavigatorPanel`: the left-hand tree of prompts, personas, datasets, rubrics, models and runs."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeView, QVBoxLayout, QWidget

from workbench.gui.models.navigator_entries import NavEntry

_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


class NavigatorPanel(QWidget):
    """A filterable tree of the workspace's families and runs.

    Signals:
        entry_activated(object): the user opened a `NavEntry` (double-click or Enter).
        entry_selected(object): the current item changed to this `NavEntry` (None on a section).
    """

    entry_activated = Signal(object)
    entry_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = QStandardItemModel(self)
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self._model)
        self._proxy.setRecursiveFilteringEnabled(True)
        self._proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._expanded: set[str] = set()

        self.filter = QLineEdit(placeholderText="Filter (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.tree = QTreeView()
        self.tree.setModel(self._proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setObjectName("navigator-tree")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)

        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.tree.activated.connect(self._on_tree_activated)
        self.tree.selectionModel().currentChanged.connect(self._on_selection_current_changed)

    def set_sections(self, sections: dict[str, list[NavEntry]]) -> None:
        """Replace the tree's content, keeping which sections were open and the current entry."""
        current = self.current_entry()
        if self._model.rowCount():
            self._expanded = {
                self._model.item(row).text().split("  (")[0]
                for row in range(self._model.rowCount())
                if self.tree.isExpanded(self._proxy.mapFromSource(self._model.index(row, 0)))
            }
        else:
            self._expanded = {"Prompts", "Personas", "Runs", "Approved"}
        self._model.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        for title, entries in sections.items():
            count = sum(1 for entry in entries if not entry.placeholder)
            section = QStandardItem(f"{title}  ({count})")
            section.setFont(bold)
            section.setSelectable(False)
            section.setEditable(False)
            for entry in entries:
                item = QStandardItem(entry.title)
                item.setEditable(False)
                item.setToolTip(entry.detail)
                item.setData(entry, _ENTRY_ROLE)
                if entry.placeholder:
                    # A hint, not an entry: readable but neither selectable nor openable.
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    hint = QFont(self.font())
                    hint.setItalic(True)
                    item.setFont(hint)
                section.appendRow(item)
            self._model.appendRow(section)
            if title in self._expanded:
                self.tree.expand(self._proxy.mapFromSource(section.index()))
        if current is not None:
            self.select_entry(current)

    def entries(self, section: str) -> list[NavEntry]:
        """The entries listed under a section (ignoring the filter)."""
        for row in range(self._model.rowCount()):
            item = self._model.item(row)
            if item.text().split("  (")[0] == section:
                entries = (item.child(child).data(_ENTRY_ROLE) for child in range(item.rowCount()))
                return [entry for entry in entries if not entry.placeholder]
        return []

    def current_entry(self) -> NavEntry | None:
        """The entry under the cursor, if the cursor is on one."""
        entry = self.tree.currentIndex().data(_ENTRY_ROLE)
        return entry if isinstance(entry, NavEntry) else None

    def select_entry(self, wanted: NavEntry) -> bool:
        """Move the cursor to the entry with the same section, kind, name and run."""
        for row in range(self._proxy.rowCount()):
            section = self._proxy.index(row, 0)
            for child in range(self._proxy.rowCount(section)):
                index = self._proxy.index(child, 0, section)
                entry = index.data(_ENTRY_ROLE)
                if (entry.section, entry.kind, entry.name, entry.run_id) == (
                    wanted.section,
                    wanted.kind,
                    wanted.name,
                    wanted.run_id,
                ):
                    self.tree.setCurrentIndex(index)
                    return True
        return False

    def focus_filter(self) -> None:
        """Put the cursor in the filter box (Ctrl+F)."""
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def _on_filter_text_changed(self, text: str) -> None:
        self._proxy.setFilterFixedString(text)
        if text:
            self.tree.expandAll()

    def _on_tree_activated(self, index: QModelIndex) -> None:
        entry = index.data(_ENTRY_ROLE)
        if isinstance(entry, NavEntry) and not entry.placeholder:
            self.entry_activated.emit(entry)

    def _on_selection_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = current.data(_ENTRY_ROLE)
        self.entry_selected.emit(entry if isinstance(entry, NavEntry) else None)
