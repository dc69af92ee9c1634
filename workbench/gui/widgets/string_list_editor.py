"""`StringListEditor`: an editable list of short phrases (vocabulary to prefer or avoid)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class StringListEditor(QWidget):
    """Type a phrase and press Enter to add it; double-click to edit; Delete to remove.

    Signals:
        changed(): the list changed.
    """

    changed = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = QLineEdit(placeholderText=placeholder)
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.list = QListWidget()
        self.list.setMaximumHeight(90)
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.list)
        self.entry.returnPressed.connect(self._on_add_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())

    def values(self) -> list[str]:
        """The phrases, in order, blanks left out."""
        texts = (self.list.item(row).text().strip() for row in range(self.list.count()))
        return [text for text in texts if text]

    def set_values(self, values: list[str]) -> None:
        """Replace the phrases."""
        self.list.blockSignals(True)
        self.list.clear()
        for value in values:
            self._append(value)
        self.list.blockSignals(False)

    def _append(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)

    def _on_add_button_clicked(self) -> None:
        text = self.entry.text().strip()
        if text and text not in self.values():
            self._append(text)
            self.changed.emit()
        self.entry.clear()

    def _on_remove_button_clicked(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()
