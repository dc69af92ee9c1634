"""`DatasetTableModel`: a dataset version's rows as an editable table, read page by page.

Only row ids are read when the table opens; a row's content is read with its page (256 rows)
the first time a view asks for it, and at most `MAX_PAGES` pages stay in memory, so a 100,000-row
dataset opens at once and scrolls with a few small reads. Edits, added and deleted rows are kept
in `DatasetEdits` until saved. A variable first seen in a later page adds a column then.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont

from workbench.core.errors import KnownError
from workbench.core.models import DatasetRow
from workbench.gui.models.dataset_edits import (
    FIXED_COLUMNS,
    DatasetEdits,
    Slot,
    cell_text,
    column_title,
    new_row_id,
    variable_columns,
    with_cell,
)

if TYPE_CHECKING:
    from workbench.app.records import Store

PAGE_ROWS = 256
MAX_PAGES = 64
AnyIndex = QModelIndex | QPersistentModelIndex


class DatasetTableModel(QAbstractTableModel):
    """Editable rows of one dataset version (None: a new, empty dataset).

    Signals:
        dirty_changed(bool): whether there are unsaved edits.
        edit_refused(str): an edit was refused; why, naming the row and column.
    """

    dirty_changed = Signal(bool)
    edit_refused = Signal(str)

    def __init__(self, store: Store, version_id: str | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._version_id = version_id
        self._stored_ids = store.dataset_row_ids(version_id) if version_id else []
        self._all_slots = [Slot(position=i) for i in range(len(self._stored_ids))]
        self._slots = list(self._all_slots)  # the visible ones (after the tag filter)
        self._edited: dict[Slot, DatasetRow] = {}
        self._pages: OrderedDict[int, list[DatasetRow]] = OrderedDict()
        self._new_ids = 0
        self._dirty = False
        self._tag: str | None = None
        self.pages_read = 0
        first = self._page(0) if self._stored_ids else []
        # The inputs people read first come first: id, the variables, then the rest.
        self._columns = ["id", *variable_columns(first), *FIXED_COLUMNS[1:]]

    # -- Qt API --------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Visible rows."""
        return 0 if parent.isValid() else len(self._slots)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """id, one column per variable, then tags, expected and facts."""
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Every cell is editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text (display and edit), a tooltip with the full text, edits in bold."""
        if not self.checkIndex(index, QAbstractTableModel.CheckIndexOption.IndexIsValid):
            return None
        slot = self._slots[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            text = cell_text(self.row(slot), self._columns[index.column()])
            if role == Qt.ItemDataRole.DisplayRole and "\n" in text:
                return text.replace("\n", " ⏎ ")
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            text = cell_text(self.row(slot), self._columns[index.column()])
            return text[:1000] if len(text) > 60 else None
        if role == Qt.ItemDataRole.FontRole and slot in self._edited:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Change one cell from its text; a refused edit says why (`edit_refused`)."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        slot = self._slots[index.row()]
        column = self._columns[index.column()]
        row = self.row(slot)
        try:
            changed = with_cell(row, column, str(value))
        except KnownError as error:
            self.edit_refused.emit(f"Row {index.row() + 1}, {column_title(column)}: {error}")
            return False
        if changed == row:
            return False
        self._edited[slot] = changed
        self.dataChanged.emit(
            index.siblingAtColumn(0), index.siblingAtColumn(len(self._columns) - 1)
        )
        self._set_dirty(True)
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column names across; row numbers down (a new row shows ``+``)."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return (
                column_title(self._columns[section]) if 0 <= section < len(self._columns) else None
            )
        if 0 <= section < len(self._slots):
            slot = self._slots[section]
            return "+" if slot.new_id is not None else str(slot.position + 1)  # type: ignore[operator]
        return None

    # -- operations ----------------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        """The column keys (``id``, ``var:NAME``…, ``tags``, ``expected``, ``facts``; a
        variable first met in a later page comes last)."""
        return list(self._columns)

    @property
    def stored_rows(self) -> int:
        """Rows of the stored version."""
        return len(self._stored_ids)

    def is_dirty(self) -> bool:
        """Whether there are unsaved edits."""
        return self._dirty

    def row(self, slot: Slot) -> DatasetRow:
        """The row a slot shows now (edited or stored)."""
        edited = self._edited.get(slot)
        if edited is not None:
            return edited
        assert slot.position is not None
        page, offset = divmod(slot.position, PAGE_ROWS)
        return self._page(page)[offset]

    def row_at(self, row: int) -> DatasetRow:
        """The row shown at a table row."""
        return self.row(self._slots[row])

    def add_row(self, variables: Sequence[str] = ()) -> int:
        """Append an empty row with a fresh id; returns its table row."""
        self._new_ids += 1
        slot = Slot(new_id=self._new_ids)
        names = variables or [c.removeprefix("var:") for c in self._columns if c.startswith("var:")]
        ids = set(self._stored_ids) | {r.id for r in self._edited.values()}
        row = DatasetRow(
            id=new_row_id(ids),
            vars={name: "" for name in names},
            tags=(self._tag,) if self._tag else (),
        )
        self._edited[slot] = row
        position = len(self._slots)
        self.beginInsertRows(QModelIndex(), position, position)
        self._all_slots.append(slot)
        self._slots.append(slot)
        self.endInsertRows()
        self._set_dirty(True)
        return position

    def delete_rows(self, rows: Sequence[int]) -> None:
        """Delete table rows (highest first, so positions stay valid)."""
        for row in sorted(set(rows), reverse=True):
            if not 0 <= row < len(self._slots):
                continue
            slot = self._slots[row]
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._slots[row]
            self._all_slots.remove(slot)
            self._edited.pop(slot, None)
            self.endRemoveRows()
            self._set_dirty(True)

    def set_tag_filter(self, tag: str | None, stored_tags: Sequence[Sequence[str]] = ()) -> None:
        """Show only the rows tagged `tag` (None: all); `stored_tags` are the stored rows' tags
        by position (read on a worker thread, see `stored_tags`)."""
        self.beginResetModel()
        self._tag = tag
        if tag is None:
            self._slots = list(self._all_slots)
        else:
            self._slots = [
                slot
                for slot in self._all_slots
                if tag
                in (
                    self._edited[slot].tags if slot in self._edited else stored_tags[slot.position]  # type: ignore[index]
                )
            ]
        self.endResetModel()

    def edits(self, description: str = "") -> DatasetEdits:
        """The unsaved state as plain data, for saving on a worker thread."""
        return DatasetEdits(tuple(self._all_slots), dict(self._edited), description)

    def mark_saved(self) -> None:
        """Forget the dirty state (the caller reopens the new version)."""
        self._set_dirty(False)

    # -- paging --------------------------------------------------------------------------------

    def _page(self, page: int) -> list[DatasetRow]:
        rows = self._pages.get(page)
        if rows is not None:
            self._pages.move_to_end(page)
            return rows
        assert self._version_id is not None
        rows = self._store.dataset_rows(self._version_id, page * PAGE_ROWS, PAGE_ROWS)
        self.pages_read += 1
        self._pages[page] = rows
        if len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        if page and hasattr(self, "_columns"):
            self._add_variables(rows)
        return rows

    def _add_variables(self, rows: Sequence[DatasetRow]) -> None:
        new = [c for c in variable_columns(rows) if c not in self._columns]
        if new:
            # Views may be mid-paint; announce the columns once the current event is done.
            QTimer.singleShot(0, self, lambda: self._insert_columns(new))

    def _insert_columns(self, names: list[str]) -> None:
        names = [n for n in names if n not in self._columns]
        if not names:
            return
        first = len(self._columns)
        self.beginInsertColumns(QModelIndex(), first, first + len(names) - 1)
        self._columns.extend(names)
        self.endInsertColumns()

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)


def stored_tags(store: Store, version_id: str) -> list[tuple[str, ...]]:
    """Every stored row's tags by position (a worker-thread job for the tag filter)."""
    return [row.tags for row in store.dataset_rows(version_id)]
