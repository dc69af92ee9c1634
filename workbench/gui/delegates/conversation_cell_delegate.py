"""`ConversationCellDelegate`: a conversation cell as outcome, turns and score badges plus a line.

Like the results grid's delegate it reads the model once per painted cell and draws at most
three small rounded badges and one elided line; rows keep a fixed height.
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

from workbench.app.conversation_grid import ConversationCell
from workbench.gui.models.conversation_table_model import (
    ConversationRole,
    ConversationTableModel,
    cell_text,
)
from workbench.gui.widgets.badge_label import tone_color

_PAD = 6
_GAP = 4
_WHITE = QColor(255, 255, 255)


def conversation_badges(cell: ConversationCell) -> list[tuple[str, QColor]]:
    """The badges of a cell, left to right: outcome, turns, score."""
    if cell.phase == "pending":
        return []
    if cell.phase == "error":
        return [("error", tone_color("error"))]
    if cell.phase == "cancelled":
        turns = f" · {cell.turns} turns" if cell.turns else ""
        return [(f"cancelled{turns}", tone_color("neutral"))]
    badges: list[tuple[str, QColor]] = []
    if cell.phase == "running":
        badges.append(("live", tone_color("info")))
    elif cell.outcome:
        badges.append((cell.outcome, tone_color(cell.outcome_tone)))
    limit = f"/{cell.max_turns}" if cell.max_turns else ""
    badges.append((f"{cell.turns}{limit} turns", tone_color("neutral")))
    if cell.score is not None:
        mark = "" if cell.passed is None else ("✓ " if cell.passed else "✗ ")
        tone = "neutral" if cell.passed is None else ("pass" if cell.passed else "fail")
        badges.append((f"{mark}{cell.score:.2f}", tone_color(tone)))
    return badges


class ConversationCellDelegate(QStyledItemDelegate):
    """Paints conversation cells: badges on the left, the last message after them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._metrics: tuple[QFont, QFontMetrics] | None = None

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Paint the selection background, the badges and the elided last message."""
        cell = _cell(index)
        widget = option.widget
        style = widget.style() if widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        metrics = self._font_metrics(option.font)
        rect = option.rect
        left = rect.left() + _PAD
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        height = metrics.height() + 2
        top = rect.center().y() - height // 2
        for text, color in conversation_badges(cell):
            width = metrics.horizontalAdvance(text) + 2 * _PAD
            badge = QRect(left, top, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(badge, height / 2, height / 2)
            painter.setPen(_WHITE)
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            left = badge.right() + _GAP
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        if not selected and cell.phase in ("pending", "cancelled"):
            role = QPalette.ColorRole.PlaceholderText
        painter.setPen(option.palette.color(QPalette.ColorGroup.Active, role))
        text_rect = QRect(
            left + _PAD, rect.top(), max(0, rect.right() - left - 2 * _PAD), rect.height()
        )
        line = cell_text(cell)
        width = text_rect.width()
        painter.drawText(
            text_rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            metrics.elidedText(line[: width // 3 + 1], Qt.TextElideMode.ElideRight, width),
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """One line plus padding: rows stay uniform."""
        return QSize(300, QFontMetrics(option.font).height() + 12)

    def _font_metrics(self, font: QFont) -> QFontMetrics:
        if self._metrics is None or self._metrics[0] != font:
            self._metrics = (QFont(font), QFontMetrics(font))
        return self._metrics[1]


def _cell(index: QModelIndex | QPersistentModelIndex) -> ConversationCell:
    model = index.model()
    source = index
    if isinstance(model, QSortFilterProxyModel):
        source = model.mapToSource(index)
        model = model.sourceModel()
    if isinstance(model, ConversationTableModel):
        return model.cell_at(source.row(), source.column())
    cell = index.data(ConversationRole.CELL)
    return cell if isinstance(cell, ConversationCell) else ConversationCell()
