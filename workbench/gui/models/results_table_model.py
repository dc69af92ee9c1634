"""`ResultsTableModel`: the side-by-side grid of a run as a Qt table model.

Rows are dataset rows and columns are the run's variants (prompt × persona × model). The model
wraps a `ResultFrame` that already holds every row, so a live run only ever emits `dataChanged`
on contiguous blocks and `headerDataChanged` for the columns whose figures moved: no reset, no
row insertion, and the view keeps its scroll position and selection while results stream in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from workbench.core.reviews import CellScore, Rating
from workbench.core.runs import CellKey, CellStatus
from workbench.gui.models.cell_blocks import contiguous_blocks
from workbench.gui.models.result_frame import CellState, ColumnStats, GridPosition, ResultFrame

_PREVIEW_CHARS = 160
# Cells per `dataChanged` signal. An item view repaints its whole viewport for a changed range
# of more than 200 cells, wherever the range lies (measured with Qt 6.12's QTableView): a big
# run's loaded parts and a live batch's cells far below the screen repainted every visible
# cell. Smaller ranges repaint only where they meet the screen, which for rows out of view is
# nothing.
SIGNAL_CELLS = 128
_TOOLTIP_CHARS = 700
_STATUS_ORDER = {
    CellStatus.ERROR: 0,
    CellStatus.CANCELLED: 1,
    CellStatus.PENDING: 2,
    CellStatus.RUNNING: 3,
    CellStatus.OK: 4,
}

AnyIndex = QModelIndex | QPersistentModelIndex


class ResultRole(IntEnum):
    """Custom data roles of `ResultsTableModel`."""

    STATUS = Qt.ItemDataRole.UserRole + 1  # CellStatus value (str)
    SCORE = Qt.ItemDataRole.UserRole + 2  # float | None
    PASSED = Qt.ItemDataRole.UserRole + 3  # bool | None
    RATING = Qt.ItemDataRole.UserRole + 4  # str | None
    CELL_KEY = Qt.ItemDataRole.UserRole + 5  # CellKey of the first repeat
    SORT = Qt.ItemDataRole.UserRole + 6  # a value that sorts worst first
    REPEAT_SUMMARY = Qt.ItemDataRole.UserRole + 7  # "2/3" passed among repeats, or None
    HEADER_STATS = Qt.ItemDataRole.UserRole + 8  # one-line figures for a column header


class ResultsTableModel(QAbstractTableModel):
    """Read-only table model over a `ResultFrame`.

    Signals:
        (only Qt's own) `dataChanged` on contiguous blocks and `headerDataChanged` for columns
        whose statistics changed.
    """

    def __init__(self, frame: ResultFrame, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._frame = frame
        self._held: list[tuple[Any, list[Any]]] | None = None

    @property
    def frame(self) -> ResultFrame:
        """The data behind the model."""
        return self._frame

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Number of dataset rows (0 under any parent: this is a flat table)."""
        return 0 if parent.isValid() else self._frame.row_count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        """Number of run columns."""
        return 0 if parent.isValid() else self._frame.column_count

    # No `flags` override: QAbstractTableModel's own (enabled, selectable, never has children;
    # nothing for an invalid index) is what the grid wants, and the view asks it for every
    # painted cell, so a Python override cost a call into Python per cell.

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell data for the display, tooltip and `ResultRole` roles."""
        # Bounds checked by hand: `checkIndex` costs two more calls into Python per cell.
        row, column = index.row(), index.column()
        frame = self._frame
        if not (0 <= row < len(frame.row_ids) and 0 <= column < len(frame.columns)):
            return None
        state = frame.state(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return _preview(state)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(self._frame.columns[column].label, self._frame.row_ids[row], state)
        if role == ResultRole.STATUS:
            return (state.status if state else CellStatus.PENDING).value
        if role == ResultRole.SCORE:
            return state.score if state else None
        if role == ResultRole.PASSED:
            return state.passed if state else None
        if role == ResultRole.RATING:
            return state.rating if state else None
        if role == ResultRole.CELL_KEY:
            return self._frame.key_at(row, column)
        if role == ResultRole.SORT:
            return _sort_value(state)
        if role == ResultRole.REPEAT_SUMMARY:
            return self._repeat_summary(row, column)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column label with its figures; row ids down the side."""
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < self._frame.row_count:
                return self._frame.row_ids[section]
            return None
        if not 0 <= section < self._frame.column_count:
            return None
        label = self._frame.columns[section].label
        stats = self._frame.column_stats(section)
        if role == Qt.ItemDataRole.DisplayRole:
            # Labels read "prompt · persona · model": the prompt on its own line keeps
            # the header narrow enough for several columns side by side.
            # Figures on two lines (verdicts, then operations) so a column can stay narrow.
            figures = header_figures(stats, lines=True)
            return f"{label.replace(' · ', chr(10), 1)}\n{figures}"
        if role == ResultRole.HEADER_STATS:
            return header_figures(stats)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{label}\n{header_figures(stats, long=True)}"
        return None

    @property
    def loading(self) -> bool:
        """Whether the run's stored results are still being read (see `start_loading`)."""
        return self._held is not None

    def start_loading(self) -> None:
        """Hold live updates until `replace_frame` brings the stored results.

        A big run's results are read on a worker thread; updates arriving meanwhile are kept
        and replayed on the loaded frame, so none is lost and none is applied twice.
        """
        self._held = []

    def replace_frame(self, frame: ResultFrame) -> None:
        """Show the frame loaded in the background, then replay the updates held meanwhile."""
        held, self._held = self._held or [], None
        self.beginResetModel()
        self._frame = frame
        self.endResetModel()
        for apply, items in held:
            apply(items)

    def merge_part(
        self, states: dict[tuple[int, int, int], CellState], stats: Sequence[ColumnStats]
    ) -> None:
        """Show a part of the stored results read in the background (`ResultFrame.merge`);
        live updates stay held until `finish_loading`.

        Signals whole rows (every column of each run of consecutive rows): a part holds every
        column of its rows, and the view repaints only the visible cells of a block anyway.
        """
        changed = self._frame.merge(states, stats)
        if not changed:
            return
        last_column = self._frame.column_count - 1
        rows = sorted({row for row, _column in changed})
        first = previous = rows[0]
        for row in rows[1:]:
            if row != previous + 1:
                self._emit_changed(first, previous, 0, last_column)
                first = row
            previous = row
        self._emit_changed(first, previous, 0, last_column)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, last_column)

    def finish_loading(
        self,
        ratings: Iterable[tuple[CellKey, int | None, bool | None]] = (),
        row_texts: dict[str, str] | None = None,
    ) -> None:
        """The last part is in: show the ratings, then replay the updates held meanwhile."""
        self._signal(_present([self._frame.set_human(key, s, p) for key, s, p in ratings]))
        if row_texts is not None:
            self._frame.set_row_texts(row_texts)
        held, self._held = self._held or [], None
        for apply, items in held:
            apply(items)

    def apply_events(self, events: Sequence[Any]) -> None:
        """Apply a batch of engine events and signal exactly what changed."""
        if self._held is not None:
            self._held.append((self.apply_events, list(events)))
            return
        self._signal(self._frame.apply_events(events))

    def apply_score(
        self,
        key: CellKey,
        score: float | None,
        passed: bool | None,
        criteria: Sequence[Any] = (),
        error: str | None = None,
    ) -> None:
        """Record a rubric verdict for one cell."""
        self._signal(_present([self._frame.apply_score(key, score, passed, criteria, error)]))

    def apply_scores(self, scores: Sequence[CellScore]) -> None:
        """Record stored rubric results (one signal per contiguous block of cells)."""
        if self._held is not None:
            self._held.append((self.apply_scores, list(scores)))
            return
        changed = [
            self._frame.apply_score(s.key, s.score, s.passed, s.criteria, s.error) for s in scores
        ]
        self._signal(_present(changed))

    def apply_ratings(self, ratings: Sequence[Rating]) -> None:
        """Show stored human ratings (one reviewer's: the last one for a cell wins)."""
        self._signal(_present([self._frame.set_human(r.key, r.score, r.passed) for r in ratings]))

    def set_rating(self, key: CellKey, rating: str | None) -> None:
        """Record a human rating for one cell."""
        self._signal(_present([self._frame.set_rating(key, rating)]))

    def cell_figures(
        self, row: int, column: int
    ) -> tuple[str, str, float | None, bool | None, str | None, str | None]:
        """What the delegate draws for a cell: preview, status, score, verdict, rating, repeats."""
        state = self._frame.state(row, column)
        if state is None:
            return "", CellStatus.PENDING.value, None, None, None, None
        return (
            _preview(state),
            state.status.value,
            state.score,
            state.passed,
            state.rating,
            self._repeat_summary(row, column),
        )

    def key_at(self, row: int, column: int) -> CellKey:
        """The key of the cell at a source position."""
        return self._frame.key_at(row, column)

    def _signal(self, changed: Iterable[GridPosition]) -> None:
        columns: set[int] = set()
        for first, last, left, right in contiguous_blocks(changed):
            self._emit_changed(first, last, left, right)
            columns.update(range(left, right + 1))
        for _, _, left, right in contiguous_blocks((0, column) for column in sorted(columns)):
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, left, right)

    def _emit_changed(self, first: int, last: int, left: int, right: int) -> None:
        """`dataChanged` for a block of cells, in pieces of at most `SIGNAL_CELLS` cells."""
        columns = min(right - left + 1, SIGNAL_CELLS)
        rows = max(1, SIGNAL_CELLS // columns)
        for column in range(left, right + 1, columns):
            end_column = min(right, column + columns - 1)
            for row in range(first, last + 1, rows):
                self.dataChanged.emit(
                    self.index(row, column), self.index(min(last, row + rows - 1), end_column)
                )

    def _repeat_summary(self, row: int, column: int) -> str | None:
        if self._frame.repeats < 2:
            return None
        verdicts = [
            s.passed for s in self._frame.repeat_states(row, column) if s.passed is not None
        ]
        if not verdicts:
            return None
        return f"{sum(verdicts)}/{len(verdicts)}"


def header_figures(stats: ColumnStats, *, long: bool = False, lines: bool = False) -> str:
    """The figures under a column label: pass rate, mean score, cost and median latency.

    With `lines`, the verdicts (pass rate, score) and the operations (errors, cost, latency)
    go on two lines.
    """
    quality: list[str] = []
    if stats.pass_rate is not None:
        quality.append(f"pass {stats.pass_rate:.0%}")
    if stats.mean_score is not None:
        quality.append(f"{'mean score' if long else 'score'} {stats.mean_score:.2f}")
    parts: list[str] = []
    if stats.errors:
        parts.append(f"{stats.errors} error{'s' if stats.errors > 1 else ''}")
    if stats.cost_usd:
        parts.append(f"${stats.cost_usd:.4f}" if stats.cost_usd < 1 else f"${stats.cost_usd:.2f}")
    p50 = stats.p50_latency_ms
    if p50 is not None:
        parts.append(f"p50 {p50 / 1000:.1f} s" if p50 >= 1000 else f"p50 {p50:.0f} ms")
    if long:
        parts.append(f"{stats.done} done")
    if lines:
        return f"{' · '.join(quality) or 'not scored yet'}\n{' · '.join(parts) or '–'}"
    everything = quality + parts
    return " · ".join(everything) if everything else "no results yet"


def _present(positions: Iterable[GridPosition | None]) -> list[GridPosition]:
    return [position for position in positions if position is not None]


def _first_line(text: str) -> str:
    stripped = text.strip()
    line = stripped.split("\n", 1)[0]
    if len(line) > _PREVIEW_CHARS:
        return line[:_PREVIEW_CHARS] + "…"
    return line + (" …" if "\n" in stripped else "")


def _preview(state: CellState | None) -> str:
    if state is None or state.status == CellStatus.PENDING:
        return ""
    if state.status == CellStatus.ERROR and state.result is not None:
        return _first_line(state.result.error_message or state.result.error_kind or "error")
    if state.status == CellStatus.RUNNING and not state.text:
        return "…"
    return _first_line(state.text)


def _tooltip(column_label: str, row_id: str, state: CellState | None) -> str:
    lines = [f"{row_id} — {column_label}"]
    if state is None:
        return "\n".join([*lines, "not run yet"])
    lines.append(f"status: {state.status.value}")
    if state.score is not None:
        verdict = "pass" if state.passed else "fail"
        lines.append(f"score: {state.score:.2f} ({verdict})")
    if state.rating:
        lines.append(f"your rating: {state.rating}")
    result = state.result
    if result is not None and result.error_message:
        lines.append(f"error: {result.error_message}")
    text = state.text.strip()
    if text:
        lines.append("")
        lines.append(text[:_TOOLTIP_CHARS] + ("…" if len(text) > _TOOLTIP_CHARS else ""))
    return "\n".join(lines)


def _sort_value(state: CellState | None) -> float:
    """Errors first, then failures by score, then passes by score; pending last-ish."""
    if state is None:
        return 2.0
    if state.score is not None:
        return 10.0 + state.score
    return float(_STATUS_ORDER.get(state.status, 2))
