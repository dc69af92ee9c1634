"""Small rounded badges ("✓ 0.92", "tu", "loop") as labels, in the grid's colours."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from workbench.app.conversation_views import Tone, TurnBadge

# The same saturated mid tones as the results grid's badges (legible white text on both the
# light and the dark palette).
TONE_COLORS: dict[str, QColor] = {
    "pass": QColor(46, 139, 87),
    "fail": QColor(200, 60, 60),
    "warn": QColor(205, 120, 20),
    "error": QColor(205, 120, 20),
    "info": QColor(52, 110, 200),
    "neutral": QColor(120, 124, 130),
}


def tone_color(tone: Tone | str) -> QColor:
    """The colour of a badge tone (grey for an unknown one)."""
    return TONE_COLORS.get(tone, TONE_COLORS["neutral"])


class BadgeLabel(QLabel):
    """A label drawn as a rounded, coloured pill."""

    def __init__(self, badge: TurnBadge, parent: QWidget | None = None) -> None:
        super().__init__(badge.text, parent)
        self.badge = badge
        color = tone_color(badge.tone)
        self.setObjectName("badge")
        self.setProperty("tone", badge.tone)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet(
            "QLabel#badge { color: white; border-radius: 8px; padding: 1px 7px;"
            f" background-color: {color.name()}; }}"
        )
        if badge.tooltip:
            self.setToolTip(badge.tooltip)
