"""`CellDelegate`: paints a result cell as one line of output plus status, score and rating badges.

Painting is the only place the grid pays per visible cell, so it reads a few roles, elides one
line and draws at most two small rounded badges; it never lays out rich text.
"""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from workbench.core.runs import CellStatus
from workbench.gui.models.results_filter_proxy import ResultsFilterProxy
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
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus
_STYLED = _SELECTED | _HAS_FOCUS
_QUIET = frozenset({CellStatus.PENDING.value, CellStatus.CANCELLED.value})
_BADGES_KEPT = 1024  # distinct badges drawn once (texts × colours × sizes)
_ELIDED_KEPT = 20_000  # cells whose elided line is kept (many screens' worth)
_ROW_STRIDE = 1 << 20  # a cell's key in the caches: row × stride + column (an int, untracked)


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
    """Draws output previews with badges; every row has the same height.

    Scrolling paints every newly shown cell, so the per-cell work is kept small: a cell's
    badges are drawn once into pixmaps and then copied (a rounded rectangle, antialiased text
    and a text width measured per paint cost more than the rest of the cell), a cell's elided
    line is kept until its text or width changes (live updates and hovering repaint the same
    cells), and the style is asked to draw the cell's background only when it has one to draw
    (a selected or focused cell).

    Args:
        parent: the owner (the grid).
        model: the grid's results model; with `proxy`, a cell's figures are read from it
            directly instead of through the index's model.
        proxy: the filter proxy between `model` and the grid; while it shows every row in
            source order, a cell's position needs no `mapToSource`.
    """

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        model: ResultsTableModel | None = None,
        proxy: ResultsFilterProxy | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._proxy = proxy
        self._metrics: tuple[QFont, QFontMetrics] | None = None
        self._font_key = ""
        self._badges: dict[tuple[str, int, int, float, str], QPixmap] = {}
        self._badge_rows: dict[tuple[object, ...], tuple[tuple[QPixmap, int], ...]] = {}
        # A cell's elided line with the text and width it was made for, in three dicts of
        # strings and numbers: a tuple per painted cell would be an object for the garbage
        # collector to scan (thousands while scrolling), plain strings and ints are not.
        self._elided_text: dict[Hashable, str] = {}
        self._elided_width: dict[Hashable, int] = {}
        self._elided: dict[Hashable, str] = {}

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
        model, proxy = self._model, self._proxy
        if model is not None and proxy is not None and proxy.identity:
            row, column = index.row(), index.column()
            position: Hashable | None = row * _ROW_STRIDE + column
            figures = model.cell_figures(row, column)
        else:
            place, figures = _cell_figures(index)
            position = None if place is None else place[0] * _ROW_STRIDE + place[1]
        text, status = figures[0], figures[1]
        state = option.state
        if state & _STYLED:
            # The style draws a selected cell's highlight and a focused cell's frame; for any
            # other cell it draws nothing (no check box, icon or text in the option).
            widget = option.widget
            style = widget.style() if widget else QApplication.style()
            style.drawControl(_ITEM, option, painter, widget)
            selected = bool(state & _SELECTED)
        else:
            selected = False
        font = option.font
        metrics = self._font_metrics(font)
        cell = option.rect
        left = cell.left()
        right = cell.right() - _PAD
        height = metrics.height() + 2
        ratio = painter.device().devicePixelRatioF()
        badges = self._badge_row(figures, font, metrics, height, ratio)
        if badges:
            top = cell.center().y() - height // 2
            for pixmap, width in badges:
                painter.drawPixmap(right - width, top, pixmap)
                right -= width + _BADGE_GAP
        width = max(0, right - _PAD - left)
        role = _HIGHLIGHTED_TEXT if selected else _PLACEHOLDER if status in _QUIET else _TEXT
        painter.setPen(option.palette.color(_ACTIVE, role))
        painter.drawText(
            left + _PAD,
            cell.top(),
            width,
            cell.height(),
            _LEFT,
            self._elide(position, text, width, metrics),
        )

    def _badge_row(
        self,
        figures: tuple[str, str, float | None, bool | None, str | None, str | None],
        font: QFont,
        metrics: QFontMetrics,
        height: int,
        ratio: float,
    ) -> tuple[tuple[QPixmap, int], ...]:
        """A cell's badges, right to left, as (pixmap, width in pixels); kept per look."""
        key = (*figures[1:], height, ratio, self._font_key)
        row = self._badge_rows.get(key)
        if row is None:
            pixmaps = []
            for badge_text, color in reversed(cell_badges(*figures[1:])):
                pixmap = self._badge(badge_text, color, font, metrics, height, ratio)
                pixmaps.append((pixmap, round(pixmap.width() / ratio)))
            row = tuple(pixmaps)
            if len(self._badge_rows) > _BADGES_KEPT:
                self._badge_rows.clear()
            self._badge_rows[key] = row
        return row

    def _elide(
        self, position: Hashable | None, text: str, width: int, metrics: QFontMetrics
    ) -> str:
        if position is not None:
            kept = self._elided.get(position)
            if (
                kept is not None
                and self._elided_width[position] == width
                and self._elided_text[position] == text
            ):
                return kept
        # Eliding shapes the whole string: cut it first to what could ever fit (no glyph is
        # narrower than 3 px), so a long answer costs no more than a short one.
        elided = metrics.elidedText(text[: width // 3 + 1], _ELIDE_RIGHT, width)
        if position is not None:
            if len(self._elided) > _ELIDED_KEPT:
                self._elided.clear()
                self._elided_text.clear()
                self._elided_width.clear()
            self._elided[position] = elided
            self._elided_text[position] = text
            self._elided_width[position] = width
        return elided

    def _badge(
        self,
        text: str,
        color: QColor,
        font: QFont,
        metrics: QFontMetrics,
        height: int,
        ratio: float,
    ) -> QPixmap:
        key = (text, color.rgba(), height, ratio, self._font_key)
        pixmap = self._badges.get(key)
        if pixmap is not None:
            return pixmap
        width = metrics.horizontalAdvance(text) + 2 * _PAD
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        badge_painter = QPainter(pixmap)
        badge_painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        badge_painter.setFont(font)
        badge_painter.setPen(_NO_PEN)
        badge_painter.setBrush(color)
        rect = QRect(0, 0, width, height)
        badge_painter.drawRoundedRect(rect, height / 2, height / 2)
        badge_painter.setPen(_WHITE)
        badge_painter.drawText(rect, _CENTRE, text)
        badge_painter.end()
        if len(self._badges) > _BADGES_KEPT:
            self._badges.clear()
        self._badges[key] = pixmap
        return pixmap

    def _font_metrics(self, font: QFont) -> QFontMetrics:
        # One QFontMetrics per font, not per painted cell.
        if self._metrics is None or self._metrics[0] != font:
            self._metrics = (QFont(font), QFontMetrics(font))
            self._font_key = font.key()
        return self._metrics[1]

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """One line of text plus padding, whatever the content: rows stay uniform."""
        return QSize(240, row_height(QFontMetrics(option.font)))


def _cell_figures(
    index: QModelIndex | QPersistentModelIndex,
) -> tuple[
    tuple[int, int] | None, tuple[str, str, float | None, bool | None, str | None, str | None]
]:
    """The cell's source position (None for another model) and its preview text, status,
    score, verdict, rating and repeat summary.

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
        row, column = source.row(), source.column()
        return (row, column), model.cell_figures(row, column)
    return None, (
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
