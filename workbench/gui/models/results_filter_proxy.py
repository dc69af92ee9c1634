"""`ResultsFilterProxy`: filters and sorts the results grid without touching its source.

Filters work on whole dataset rows (a row stays or goes with all its columns): failed, errors,
disagreements between columns, flaky repeats, plus free text matched against the row id, the
row's input (the customer's message and other variables) and the outputs. Sorting uses
`ResultRole.SORT` (errors first, then by score).
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from workbench.gui.models.results_table_model import ResultRole, ResultsTableModel


class RowFilter(StrEnum):
    """Which rows the grid shows."""

    ALL = "All rows"
    FAILED = "Failed"
    ERRORS = "Errors"
    DISAGREEMENTS = "Disagreements"
    FLAKY = "Flaky"


class ResultsFilterProxy(QSortFilterProxyModel):
    """Row filters and sorting over a `ResultsTableModel`.

    The source's horizontal ``headerDataChanged`` (column figures, changed by every live
    batch) is not passed on as such: an item view lays out and repaints all its items on it.
    It comes out as `header_figures_changed` instead, for the header alone (`QuietHeader`).

    Signals:
        header_figures_changed(int, int): first and last column whose header text changed.
    """

    header_figures_changed = Signal(int, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._row_filter = RowFilter.ALL
        self._text = ""
        self._held_signals = False
        self._identity = True
        self.setSortRole(ResultRole.SORT)
        self._follow_changes()

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        """Set the source (see the class doc for its header changes)."""
        old = self.sourceModel()
        if old is not None:
            old.headerDataChanged.disconnect(self._before_source_header_changed)
            old.headerDataChanged.disconnect(self._after_source_header_changed)
        # Slots run in the order they were connected: one before the proxy's own relay (made
        # by the base class) holds this proxy's signals, one after lets them go again.
        model.headerDataChanged.connect(self._before_source_header_changed)
        super().setSourceModel(model)
        model.headerDataChanged.connect(self._after_source_header_changed)

    def _before_source_header_changed(
        self, orientation: Qt.Orientation, _first: int, _last: int
    ) -> None:
        if orientation == Qt.Orientation.Horizontal:
            self._held_signals = self.blockSignals(True)

    def _after_source_header_changed(
        self, orientation: Qt.Orientation, first: int, last: int
    ) -> None:
        if orientation == Qt.Orientation.Horizontal:
            self.blockSignals(self._held_signals)
            if not self._held_signals:
                self.header_figures_changed.emit(first, last)

    @property
    def row_filter(self) -> RowFilter:
        """The active row filter."""
        return self._row_filter

    def set_row_filter(self, row_filter: RowFilter) -> None:
        """Show only rows matching `row_filter`."""
        if row_filter != self._row_filter:
            self.beginFilterChange()
            self._row_filter = row_filter
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
            self._follow_changes()

    def set_text(self, text: str) -> None:
        """Show only rows whose id, input or any output contains `text` (case-insensitive)."""
        folded = text.strip().casefold()
        if folded != self._text:
            self.beginFilterChange()
            self._text = folded
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
            self._follow_changes()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (-1: source order)."""
        super().sort(column, order)
        self._follow_changes()

    def _follow_changes(self) -> None:
        # Re-filtering and re-sorting changed rows costs a call into Python per changed row
        # (about a thousand per live batch); without a filter or a sort nothing can move.
        wanted = self._row_filter is not RowFilter.ALL or bool(self._text) or self.sortColumn() >= 0
        if self.dynamicSortFilter() != wanted:
            self.setDynamicSortFilter(wanted)
        self._identity = not wanted

    @property
    def identity(self) -> bool:
        """Whether every row is shown in source order (no filter, no sort): a proxy index's row
        and column are then the source's, and the cell painter skips `mapToSource`."""
        return self._identity

    @property
    def text(self) -> str:
        """The active text filter (folded), "" when none."""
        return self._text

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        """Whether a dataset row passes the row filter and the text filter."""
        if self._row_filter is RowFilter.ALL and not self._text:
            return True  # called once per row on every reset: keep the common case cheap
        model = self.sourceModel()
        if not isinstance(model, ResultsTableModel):
            return True
        frame = model.frame
        accepted = {
            RowFilter.ALL: lambda row: True,
            RowFilter.FAILED: frame.row_has_failures,
            RowFilter.ERRORS: frame.row_has_errors,
            RowFilter.DISAGREEMENTS: frame.row_has_disagreement,
            RowFilter.FLAKY: frame.row_is_flaky,
        }[self._row_filter](source_row)
        if not accepted or not self._text:
            return accepted
        if self._text in frame.row_ids[source_row].casefold():
            return True
        if self._text in frame.row_text(source_row):
            return True
        return any(
            self._text in state.text.casefold()
            for column in range(frame.column_count)
            for state in frame.repeat_states(source_row, column)
        )
