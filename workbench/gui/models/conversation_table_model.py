"""`ConversationTableModel`: the live grid of a simulation as a Qt table model.

Rows (scenario × customer × repeat) and columns (assistant variants) exist before the first
turn; a simulation only ever changes cells through `dataChanged` on contiguous blocks and
column headers through `headerDataChanged` — never a reset — so the view keeps its scroll
position and selection while conversations fill in.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from workbench.app.conversation_grid import ConversationCell, ConversationGrid, Position
from workbench.gui.models.cell_blocks import contiguous_blocks

AnyIndex = QModelIndex | QPersistentModelIndex


class ConversationRole(IntEnum):
    """Custom data roles of `ConversationTableModel`."""

    CELL = Qt.ItemDataRole.UserRole + 1  # the ConversationCell
    ADDRESS = Qt.ItemDataRole.UserRole + 2  # (row key, column index)
    SORT = Qt.ItemDataRole.UserRole + 3  # worst first


class ConversationTableModel(QAbstractTableModel):
    """Read-only table model over a `ConversationGrid`."""

    def __init__(self, grid: ConversationGrid, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._grid = grid

    @property
    def grid(self) -> ConversationGrid:
        """The data behind the model."""
        return self._grid

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """One row per scenario × customer × repeat (none under a parent: a flat table)."""
        return 0 if parent.isValid() else self._grid.row_count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """One column per assistant variant."""
        return 0 if parent.isValid() else self._grid.column_count

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Cells are selectable, never editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's summary line, tooltip, and `ConversationRole` data."""
        row, column = index.row(), index.column()
        if not (0 <= row < self._grid.row_count and 0 <= column < self._grid.column_count):
            return None
        cell = self._grid.cell(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(cell)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(self._grid.rows[row].label, self._grid.columns[column].label, cell)
        if role == ConversationRole.CELL:
            return cell
        if role == ConversationRole.ADDRESS:
            return self._grid.address(row, column)
        if role == ConversationRole.SORT:
            return sort_value(cell)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column label and figures on top; scenario · customer down the side."""
        if orientation == Qt.Orientation.Vertical:
            if 0 <= section < self._grid.row_count and role in (
                Qt.ItemDataRole.DisplayRole,
                Qt.ItemDataRole.ToolTipRole,
            ):
                return self._grid.rows[section].label
            return None
        if not 0 <= section < self._grid.column_count:
            return None
        label = self._grid.columns[section].label
        if role == Qt.ItemDataRole.DisplayRole:
            summary = self._grid.column_summary(section).text()
            return f"{label.replace(' · ', chr(10), 1)}\n{summary}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{label}\n{self._grid.column_summary(section).text()}"
        return None

    def cell_at(self, row: int, column: int) -> ConversationCell:
        """The conversation summary at a source position (the delegate's fast path)."""
        return self._grid.cell(row, column)

    def update_cells(self, updates: Iterable[tuple[Hashable, int, ConversationCell]]) -> None:
        """Apply conversation summaries and signal exactly the cells and headers that moved."""
        self._signal(self._grid.update_many(updates))

    def _signal(self, changed: list[Position]) -> None:
        if not changed:
            return
        columns: set[int] = set()
        for first, last, left, right in contiguous_blocks(changed):
            self.dataChanged.emit(self.index(first, left), self.index(last, right))
            columns.update(range(left, right + 1))
        for _, _, left, right in contiguous_blocks((0, column) for column in sorted(columns)):
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, left, right)


def cell_text(cell: ConversationCell) -> str:
    """The cell's one line: the last message (or the error) after the phase."""
    if cell.phase == "pending":
        return ""
    if cell.phase == "error":
        return cell.error or "error"
    if cell.phase == "running" and not cell.preview:
        return "…"
    return cell.preview.strip().split("\n", 1)[0]


def cell_tooltip(row_label: str, column_label: str, cell: ConversationCell) -> str:
    """Everything the cell knows, on hover."""
    lines = [f"{row_label} — {column_label}", f"status: {cell.phase}"]
    if cell.outcome:
        lines.append(f"outcome: {cell.outcome}")
    if cell.turns or cell.max_turns:
        limit = f" of {cell.max_turns}" if cell.max_turns else ""
        lines.append(f"turns: {cell.turns}{limit}")
    if cell.score is not None:
        verdict = "" if cell.passed is None else (" (pass)" if cell.passed else " (fail)")
        lines.append(f"score: {cell.score:.2f}{verdict}")
    if cell.problem:
        lines.append(f"went wrong: {cell.problem}")
    if cell.error:
        lines.append(f"error: {cell.error}")
    lines.append("Enter or double-click: read the transcript")
    return "\n".join(lines)


def sort_value(cell: ConversationCell) -> float:
    """Errors first, then failures by score, then passes; pending in between."""
    if cell.phase == "error":
        return 0.0
    if cell.phase != "done":
        return 1.0
    base = 10.0 if cell.passed or cell.outcome_tone == "pass" else 5.0
    return base + (cell.score or 0.0)
