"""`VariablesPanel`: a prompt's variables (declared, used, missing, unused) and descriptions."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.compose import VariableReport

_MISSING = QColor(200, 60, 60)
_UNUSED = QColor(150, 120, 40)


class VariablesPanel(QWidget):
    """A table of variables with an editable description each.

    Signals:
        declarations_changed(): the declared variables or their descriptions changed.
    """

    declarations_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._declared: dict[str, str] = {}
        self._report: VariableReport | None = None
        self._filling = False
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Variable", "Status", "Description"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.declare_missing = QPushButton("Declare missing")
        self.declare_missing.setToolTip("Add the variables the templates use but do not declare")
        self.remove_unused = QPushButton("Remove unused")
        self.remove_unused.setToolTip("Drop declared variables no template uses")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.declare_missing)
        buttons.addWidget(self.remove_unused)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.declare_missing.clicked.connect(self._on_declare_missing_clicked)
        self.remove_unused.clicked.connect(self._on_remove_unused_clicked)

    def declared(self) -> dict[str, str]:
        """Declared variables and their descriptions."""
        return dict(self._declared)

    def set_declared(self, declared: dict[str, str]) -> None:
        """Replace the declarations (loading a version or a draft)."""
        self._declared = dict(declared)
        self._fill()

    def set_report(self, report: VariableReport | None) -> None:
        """Show how the templates' variables compare with the declarations."""
        self._report = report
        self._fill()

    def status_of(self, name: str) -> str:
        """The status text shown for a variable."""
        report = self._report
        if report is None:
            return "declared"
        if name in report.missing:
            return "missing: used, not declared"
        if name in report.unused:
            return "unused: declared, not used"
        return "ok"

    def _fill(self) -> None:
        report = self._report
        names = set(self._declared)
        if report is not None:
            names |= report.used
        self._filling = True
        self.table.setRowCount(len(names))
        for row, name in enumerate(sorted(names)):
            status = self.status_of(name)
            name_item = QTableWidgetItem(name)
            name_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            status_item = QTableWidgetItem(status)
            status_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if status.startswith("missing"):
                status_item.setForeground(QBrush(_MISSING))
            elif status.startswith("unused"):
                status_item.setForeground(QBrush(_UNUSED))
            description = QTableWidgetItem(self._declared.get(name, ""))
            description.setToolTip("What this variable holds; saved with the prompt")
            self.table.setItem(row, 0, name_item)
            self.table.setItem(row, 1, status_item)
            self.table.setItem(row, 2, description)
        self._filling = False
        self.declare_missing.setEnabled(bool(report and report.missing))
        self.remove_unused.setEnabled(bool(report and report.unused))

    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 2:
            return
        name = self.table.item(item.row(), 0).text()
        self._declared[name] = item.text()
        self.declarations_changed.emit()

    def _on_declare_missing_clicked(self) -> None:
        if self._report is None:
            return
        for name in self._report.missing:
            self._declared.setdefault(name, "")
        self._fill()
        self.declarations_changed.emit()

    def _on_remove_unused_clicked(self) -> None:
        if self._report is None:
            return
        for name in self._report.unused:
            self._declared.pop(name, None)
        self._fill()
        self.declarations_changed.emit()
