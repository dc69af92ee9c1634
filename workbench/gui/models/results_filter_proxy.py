"""`ResultsFilterProxy`: filters and sorts the results grid without touching its source.

Filters work on whole dataset rows (a row stays or goes with all its columns): failed, errors,
disagreements between columns, flaky repeats, plus free text matched against the row id, the
row's input (the customer's message and other variables) and the outputs. Sorting uses
`ResultRole.SORT` (errors first, then by score).
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

from workbench.gui.models.results_table_model import ResultRole, ResultsTableModel


class RowFilter(StrEnum):
    """Which rows the grid shows."""

    ALL = "All rows"
    FAILED = "Failed"
    ERRORS = "Errors"
    DISAGREEMENTS = "Disagreements"
    FLAKY = "Flaky"


class ResultsFilterProxy(QSortFilterProxyModel):
    """Row filters and sorting over a `ResultsTableModel`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._row_filter = RowFilter.ALL
        self._text = ""
        self.setSortRole(ResultRole.SORT)

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

    def set_text(self, text: str) -> None:
        """Show only rows whose id, input or any output contains `text` (case-insensitive)."""
        folded = text.strip().casefold()
        if folded != self._text:
            self.beginFilterChange()
            self._text = folded
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

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
