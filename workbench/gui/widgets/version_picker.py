"""`VersionPicker`: tick any versions of any families (prompts, personas, model configs).

Families are top-level items and their versions, newest first, are checkable children; the head
version is marked, and labels (``production``, ``staging``) are shown beside their version.
The checked addresses read ``family@vN``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

_REF_ROLE = Qt.ItemDataRole.UserRole + 1
_HEAD_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class VersionChoice:
    """One version offered: its address, its number, and a short description."""

    ref: str
    number: int
    note: str = ""
    labels: tuple[str, ...] = ()
    head: bool = False
    warning: str = ""
    """Why running this version is risky (a template that does not parse, variables no dataset
    provides); shown as a ⚠ mark with the reason in the tooltip."""


class VersionPicker(QTreeWidget):
    """A tree of families with checkable versions.

    Signals:
        selection_changed(): the set of checked versions changed.
    """

    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setRootIsDecorated(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._updating = False
        self.itemChanged.connect(self._on_self_item_changed)

    def set_families(self, families: Sequence[tuple[str, Sequence[VersionChoice]]]) -> None:
        """Replace the content; keeps the versions that were checked and still exist."""
        checked = set(self.checked_refs())
        self._updating = True
        self.clear()
        for family, versions in families:
            top = QTreeWidgetItem([family])
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            top.setData(0, _REF_ROLE, None)
            for choice in sorted(versions, key=lambda v: -v.number):
                marks = [*choice.labels, *(["head"] if choice.head else [])]
                text = f"v{choice.number}"
                if choice.warning:
                    text = f"⚠ {text}"
                if marks:
                    text += f"  [{', '.join(marks)}]"
                if choice.note:
                    text += f"  — {choice.note.splitlines()[0][:80]}"
                item = QTreeWidgetItem([text])
                warning = f"\n⚠ {choice.warning}" if choice.warning else ""
                item.setToolTip(0, f"{choice.ref}{warning}\n{choice.note}".strip())
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsUserCheckable
                    | Qt.ItemFlag.ItemIsSelectable
                )
                item.setData(0, _REF_ROLE, choice.ref)
                item.setData(0, _HEAD_ROLE, choice.head)
                item.setCheckState(
                    0, Qt.CheckState.Checked if choice.ref in checked else Qt.CheckState.Unchecked
                )
                top.addChild(item)
            self.addTopLevelItem(top)
        self._updating = False
        for index in range(self.topLevelItemCount()):
            top = self.topLevelItem(index)
            top.setExpanded(any(_checked(top.child(i)) for i in range(top.childCount())))
        self.selection_changed.emit()

    def checked_refs(self) -> list[str]:
        """The checked versions as ``family@vN``, in tree order."""
        return [item.data(0, _REF_ROLE) for item in self._version_items() if _checked(item)]

    def set_checked(self, refs: Iterable[str]) -> None:
        """Check exactly these versions (``family@vN``; a bare family name means its head)."""
        wanted = set(refs)
        self._updating = True
        for index in range(self.topLevelItemCount()):
            top = self.topLevelItem(index)
            for child_index in range(top.childCount()):
                item = top.child(child_index)
                ref = item.data(0, _REF_ROLE)
                is_head = bool(item.data(0, _HEAD_ROLE))
                on = ref in wanted or (is_head and top.text(0) in wanted)
                item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
                if on:
                    top.setExpanded(True)
        self._updating = False
        self.selection_changed.emit()

    def _version_items(self) -> list[QTreeWidgetItem]:
        items = []
        for index in range(self.topLevelItemCount()):
            top = self.topLevelItem(index)
            items.extend(top.child(i) for i in range(top.childCount()))
        return items

    def _on_self_item_changed(self, _item: QTreeWidgetItem, _column: int) -> None:
        if not self._updating:
            self.selection_changed.emit()


def _checked(item: QTreeWidgetItem) -> bool:
    return item.checkState(0) == Qt.CheckState.Checked
