"""Light and dark appearance that follows the system's colour scheme.

The Fusion style is used everywhere because it draws the same on every platform and honours a
palette completely (with indicators kept visible on dark palettes, see `IndicatorStyle`).
Qt 6.5+ reports the system scheme through `QStyleHints.colorScheme`; the palette is rebuilt
whenever it changes, so the window follows the desktop live.
``WORKBENCH_THEME=dark|light`` forces a scheme (screenshots, people who want the other one).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from workbench.gui.indicator_style import IndicatorStyle

_FORCED = {"dark": Qt.ColorScheme.Dark, "light": Qt.ColorScheme.Light}
_APPLIED_PROPERTY = "workbench_dark_scheme"


def dark_palette() -> QPalette:
    """A calm dark palette with enough contrast for long reading sessions."""
    window, base, text = QColor(37, 38, 41), QColor(28, 29, 31), QColor(225, 226, 229)
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(34, 35, 38),
        QPalette.ColorRole.ToolTipBase: QColor(50, 51, 55),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(130, 132, 138),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(48, 49, 53),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 110, 110),
        QPalette.ColorRole.Light: QColor(70, 71, 76),
        QPalette.ColorRole.Midlight: QColor(58, 59, 63),
        QPalette.ColorRole.Mid: QColor(44, 45, 48),
        QPalette.ColorRole.Dark: QColor(20, 20, 22),
        QPalette.ColorRole.Shadow: QColor(10, 10, 10),
        QPalette.ColorRole.Highlight: QColor(61, 126, 214),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(110, 168, 254),
        QPalette.ColorRole.LinkVisited: QColor(170, 140, 250),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    disabled = QColor(120, 121, 126)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def light_palette() -> QPalette:
    """Fusion's own light palette with a slightly stronger selection colour."""
    style = QStyleFactory.create("Fusion")
    palette = style.standardPalette()
    palette.setColor(QPalette.ColorRole.Highlight, QColor(38, 110, 206))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    return palette


def is_dark(app: QGuiApplication) -> bool:
    """Whether the application currently shows the dark scheme."""
    applied = app.property(_APPLIED_PROPERTY)
    if isinstance(applied, bool):
        return applied
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


class ThemeFollower(QObject):
    """Keeps the application's palette in step with the system colour scheme.

    Create one after the `QApplication`; it applies the palette at once and again on every
    `colorSchemeChanged`.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        app.setStyle(IndicatorStyle())
        forced = _FORCED.get(os.environ.get("WORKBENCH_THEME", "").strip().lower())
        # Platforms without a theme service ignore `setColorScheme`, so a forced choice is
        # remembered here as well and wins over what the platform reports.
        self._forced = forced
        if forced is not None:
            app.styleHints().setColorScheme(forced)
        app.styleHints().colorSchemeChanged.connect(self._on_style_hints_color_scheme_changed)
        self.apply()

    def apply(self) -> None:
        """Set the palette matching the current scheme."""
        if self._forced is not None:
            dark = self._forced == Qt.ColorScheme.Dark
        else:
            dark = self._app.styleHints().colorScheme() == Qt.ColorScheme.Dark
        self._app.setProperty(_APPLIED_PROPERTY, dark)
        self._app.setPalette(dark_palette() if dark else light_palette())

    def _on_style_hints_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        self.apply()
