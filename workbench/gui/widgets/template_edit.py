"""`TemplateEdit`: a monospace plain-text editor for one Jinja2 template.

Undo/redo are the editor's own (Ctrl+Z / Ctrl+Shift+Z). A render or syntax error can be pinned
to a line, which is then tinted so the user sees where the problem is without reading a number.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from workbench.gui.widgets.jinja_highlighter import JinjaHighlighter


class TemplateEdit(QPlainTextEdit):
    """A Jinja2 template editor with highlighting and an error-line marker."""

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.setFont(font)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.highlighter = JinjaHighlighter(self.document(), dark=dark)
        self._error_line: int | None = None

    @property
    def error_line(self) -> int | None:
        """The 1-based line currently marked as wrong, if any."""
        return self._error_line

    def mark_error_line(self, line: int | None) -> None:
        """Tint a 1-based line (None clears the mark)."""
        self._error_line = line
        selections: list[QTextEdit.ExtraSelection] = []
        block = self.document().findBlockByNumber(line - 1) if line else None
        if block is not None and block.isValid():
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(QColor(220, 60, 60, 60))
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(block)
            selection.cursor = cursor
            selections.append(selection)
        self.setExtraSelections(selections)

    def set_text_keeping_undo(self, text: str) -> None:
        """Replace the whole text as one undoable edit (restoring a draft or a version)."""
        if text == self.toPlainText():
            return
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
