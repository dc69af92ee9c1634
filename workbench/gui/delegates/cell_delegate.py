"""`CellDelegate`: paints a result cell as one line of output plus status, score and rating badges.

Painting is the only place the grid pays per visible cell, so it reads a few roles, elides one
line and draws at most two small rounded badges; it never lays out rich text.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from workbench.core.runs import CellStatus
from workbench.gui.models.results_table_model import ResultRole

_PAD = 6
_BADGE_GAP = 4

# Saturated mid tones carry white text legibly on both the light and the dark palette.
_GREEN = QColor(46, 139, 87)
_RED = QColor(200, 60, 60)
_ORANGE = QColor(205, 120, 20)
_BLUE = QColor(52, 110, 200)
_GREY = QColor(120, 124, 130)
_VIOLET = QColor(125, 85, 190)


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
        badges.append(({"pass": "you ✓", "fail": "you ✗"}.get(rating, f"★{rating}"), _VIOLET))
    return badges


class CellDelegate(QStyledItemDelegate):
    """Draws output previews with badges; every row has the same height."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Paint the selection background, the elided first line and the badges."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

        badges = cell_badges(
            index.data(ResultRole.STATUS) or CellStatus.PENDING,
            index.data(ResultRole.SCORE),
            index.data(ResultRole.PASSED),
            index.data(ResultRole.RATING),
            index.data(ResultRole.REPEAT_SUMMARY),
        )
        painter.save()
        small = QFontMetrics(opt.font)
        right = opt.rect.right() - _PAD
        for badge_text, color in reversed(badges):
            width = small.horizontalAdvance(badge_text) + 2 * _PAD
            height = small.height() + 2
            rect = QRect(right - width, opt.rect.center().y() - height // 2, width, height)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(rect, height / 2, height / 2)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, badge_text)
            right = rect.left() - _BADGE_GAP

        text_rect = QRect(opt.rect.left() + _PAD, opt.rect.top(), 0, opt.rect.height())
        text_rect.setRight(right - _PAD)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = opt.palette.ColorGroup.Active
        role = opt.palette.ColorRole.HighlightedText if selected else opt.palette.ColorRole.Text
        status = index.data(ResultRole.STATUS)
        if status in (CellStatus.PENDING, CellStatus.CANCELLED) and not selected:
            role = opt.palette.ColorRole.PlaceholderText
        painter.setPen(opt.palette.color(group, role))
        elided = small.elidedText(text, Qt.TextElideMode.ElideRight, max(0, text_rect.width()))
        painter.drawText(
            text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), elided
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """One line of text plus padding, whatever the content: rows stay uniform."""
        return QSize(240, row_height(QFontMetrics(option.font)))


def row_height(metrics: QFontMetrics) -> int:
    """The fixed height of a results row for a font."""
    return metrics.height() + 12
