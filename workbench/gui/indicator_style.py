"""`IndicatorStyle`: Fusion, with check boxes and radio buttons that stay visible on dark themes.

Fusion draws an indicator's outline a little darker than the window colour. On a dark palette
that outline is darker than the already dark base it sits on, so an unticked box in a list (the
run setup's version trees) or a radio button simply disappears. This proxy gives those
indicators, and only them, a mid-grey window colour to darken when the palette is dark.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleFactory, QStyleOption, QWidget

_INDICATORS = frozenset(
    {
        QStyle.PrimitiveElement.PE_IndicatorCheckBox,
        QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
        QStyle.PrimitiveElement.PE_IndicatorRadioButton,
    }
)
_OUTLINE_BASE = QColor(150, 152, 158)  # darkened by Fusion to a grey that reads on dark bases


class IndicatorStyle(QProxyStyle):
    """The Fusion style with indicators outlined visibly on dark palettes."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """Draw as Fusion does, with a lighter window colour under dark indicators."""
        dark = option.palette.color(QPalette.ColorRole.Base).lightness() < 96
        if element in _INDICATORS and dark:
            palette = QPalette(option.palette)
            palette.setColor(QPalette.ColorRole.Window, _OUTLINE_BASE)
            saved = option.palette  # the caller's option is reused: put its palette back after
            option.palette = palette
            try:
                super().drawPrimitive(element, option, painter, widget)
            finally:
                option.palette = saved
            return
        super().drawPrimitive(element, option, painter, widget)
