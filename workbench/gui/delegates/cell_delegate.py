"""`CellDelegate`: paints a result cell as one line of output plus status, score and rating badges.

Painting is the only place the grid pays per visible cell, so it reads a few roles, elides one
line and draws at most two small rounded badges; it never lays out rich text.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from workbench.core.runs import CellStatus
from workbench.gui.models.results_table_model import ResultRole, ResultsTableModel

_PAD = 6
_BADGE_GAP = 4

# Saturated mid tones carry white text legibly on both the light and the dark palette.
_GREEN = QColor(46, 139, 87)
_RED = QColor(200, 60, 60)
_ORANGE = QColor(205, 120, 20)
_BLUE = QColor(52, 110, 200)
_GREY = QColor(120, 124, 130)
_VIOLET = QColor(125, 85, 190)
_WHITE = QColor(255, 255, 255)

# Looked up once: enum attribute access costs more than the drawing it parameterises.
_ITEM = QStyle.ControlElement.CE_ItemViewItem
_SELECTED = QStyle.StateFlag.State_Selected
_ACTIVE = QPalette.ColorGroup.Active
_TEXT = QPalette.ColorRole.Text
_HIGHLIGHTED_TEXT = QPalette.ColorRole.HighlightedText
_PLACEHOLDER = QPalette.ColorRole.PlaceholderText
_NO_PEN = Qt.PenStyle.NoPen
_CENTRE = Qt.AlignmentFlag.AlignCenter
_LEFT = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_QUIET = frozenset({CellStatus.PENDING.value, CellStatus.CANCELLED.value})


def cell_badges(
    status: str, score: float | None, passed: bool | None, rating: str | None, repeats: str | None
) -> list[tuple[str, QColor]]:
    """The badges a cell shows, left to right, as (text, colour)."""
    badges: list[tuple[str, QColor]] = []
    if status == CellStatus.ERROR:
        badges.append(("error", _ORANGE))
    elif status == CellStatus.CANCELLED:
        badges.append(("cancelled", _GREY))
    elif status == CellStatus.RUNNING:
        badges.append(("live", _BLUE))
    elif passed is not None:
        mark = "✓" if passed else "✗"
        text = mark if score is None else f"{mark} {score:.2f}"
        if repeats:
            text += f"  {repeats}"
        badges.append((text, _GREEN if passed else _RED))
    if rating:
        # "4", "pass" or "4 pass": the reviewer's score and verdict in one badge.
        words = {"pass": "✓", "fail": "✗"}
        shown = " ".join(words.get(part, f"★{part}") for part in rating.split())
        badges.append((f"you {shown}" if rating.split()[-1] in words else shown, _VIOLET))
    return badges


class CellDelegate(QStyledItemDelegate):
    """Draws output previews with badges; every row has the same height."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._metrics: tuple[QFont, QFontMetrics] | None = None

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Paint the selection background, the elided first line and the badges."""
        # No initStyleOption: it asks the model for a dozen roles per cell, and the grid's
        # model answers everything the cell needs in one call (`cell_figures`). The view's
        # option is drawn as given (nothing in it is changed, so it needs no copy).
        text, status, score, passed, rating, repeats = _cell_figures(index)
        widget = option.widget
        style = widget.style() if widget else QApplication.style()
        style.drawControl(_ITEM, option, painter, widget)
        metrics = self._font_metrics(option.font)
        cell = option.rect
        right = cell.right() - _PAD
        badges = cell_badges(status, score, passed, rating, repeats)
        painter.save()
        if badges:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            height = metrics.height() + 2
            top = cell.center().y() - height // 2
            for badge_text, color in reversed(badges):
                width = metrics.horizontalAdvance(badge_text) + 2 * _PAD
                rect = QRect(right - width, top, width, height)
                painter.setPen(_NO_PEN)
                painter.setBrush(color)
                painter.drawRoundedRect(rect, height / 2, height / 2)
                painter.setPen(_WHITE)
                painter.drawText(rect, _CENTRE, badge_text)
                right = rect.left() - _BADGE_GAP
        text_rect = QRect(
            cell.left() + _PAD, cell.top(), max(0, right - _PAD - cell.left()), cell.height()
        )
        selected = bool(option.state & _SELECTED)
        role = _HIGHLIGHTED_TEXT if selected else _TEXT
        if not selected and status in _QUIET:
            role = _PLACEHOLDER
        painter.setPen(option.palette.color(_ACTIVE, role))
        # Eliding shapes the whole string: cut it first to what could ever fit (no glyph is
        # narrower than 3 px), so a long answer costs no more than a short one.
        width = text_rect.width()
        painter.drawText(
            text_rect, _LEFT, metrics.elidedText(text[: width // 3 + 1], _ELIDE_RIGHT, width)
        )
        painter.restore()

    def _font_metrics(self, font: QFont) -> QFontMetrics:
        # One QFontMetrics per font, not per painted cell.
        if self._metrics is None or self._metrics[0] != font:
            self._metrics = (QFont(font), QFontMetrics(font))
        return self._metrics[1]

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """One line of text plus padding, whatever the content: rows stay uniform."""
        return QSize(240, row_height(QFontMetrics(option.font)))


def _cell_figures(
    index: QModelIndex | QPersistentModelIndex,
) -> tuple[str, str, float | None, bool | None, str | None, str | None]:
    """Preview text, status, score, verdict, rating and repeat summary of the cell.

    Read from the results model directly rather than through ``index.data``: each role costs a
    round trip through Qt per painted cell, and a role without data comes back as None through
    a QVariant (with PySide6 6.12.0 that loses a reference to None; see `pyside_workarounds`).
    """
    model = index.model()
    source = index
    if isinstance(model, QSortFilterProxyModel):
        source = model.mapToSource(index)
        model = model.sourceModel()
    if isinstance(model, ResultsTableModel):
        return model.cell_figures(source.row(), source.column())
    return (
        str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
        index.data(ResultRole.STATUS) or CellStatus.PENDING,
        index.data(ResultRole.SCORE),
        index.data(ResultRole.PASSED),
        index.data(ResultRole.RATING),
        index.data(ResultRole.REPEAT_SUMMARY),
    )


def row_height(metrics: QFontMetrics) -> int:
    """The fixed height of a results row for a font."""
    return metrics.height() + 12
