"""`SideBySideDiff`: two texts in aligned columns, removed lines tinted left and added right.

Lines are aligned with `difflib.SequenceMatcher` so that equal lines sit side by side and the
eye only has to read the tinted ones; both columns scroll together.
"""

from __future__ import annotations

import difflib

from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

_REMOVED = QColor(220, 60, 60, 70)
_ADDED = QColor(40, 160, 80, 70)
_CHANGED = QColor(220, 170, 40, 70)


def align_lines(a: str, b: str) -> list[tuple[str | None, str | None, str]]:
    """Pair the lines of `a` and `b`: (left, right, tag) with None where a side has no line.

    `tag` is ``equal``, ``replace``, ``delete`` or ``insert``.
    """
    left, right = a.splitlines(), b.splitlines()
    pairs: list[tuple[str | None, str | None, str]] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        span = max(i2 - i1, j2 - j1)
        for offset in range(span):
            old = left[i1 + offset] if i1 + offset < i2 else None
            new = right[j1 + offset] if j1 + offset < j2 else None
            pairs.append((old, new, tag))
    return pairs


class SideBySideDiff(QWidget):
    """Shows an old and a new text next to each other."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.left_label, self.right_label = QLabel(), QLabel()
        self.left, self.right = QPlainTextEdit(), QPlainTextEdit()
        for edit in (self.left, self.right):
            edit.setReadOnly(True)
            edit.setFont(font)
            edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.left_label, 0, 0)
        layout.addWidget(self.right_label, 0, 1)
        layout.addWidget(self.left, 1, 0)
        layout.addWidget(self.right, 1, 1)
        self.left.verticalScrollBar().valueChanged.connect(self.right.verticalScrollBar().setValue)
        self.right.verticalScrollBar().valueChanged.connect(self.left.verticalScrollBar().setValue)

    def set_texts(self, old: str, new: str, *, old_label: str, new_label: str) -> None:
        """Show `old` on the left and `new` on the right, aligned."""
        self.left_label.setText(f"<b>{old_label}</b>")
        self.right_label.setText(f"<b>{new_label}</b>")
        pairs = align_lines(old, new)
        self.left.setPlainText("\n".join(p[0] if p[0] is not None else "" for p in pairs))
        self.right.setPlainText("\n".join(p[1] if p[1] is not None else "" for p in pairs))
        left_tints = {"replace": _CHANGED, "delete": _REMOVED}
        right_tints = {"replace": _CHANGED, "insert": _ADDED}
        self._tint(self.left, [left_tints.get(tag) for _, _, tag in pairs])
        self._tint(self.right, [right_tints.get(tag) for _, _, tag in pairs])

    def clear(self) -> None:
        """Show nothing."""
        for label in (self.left_label, self.right_label):
            label.clear()
        for edit in (self.left, self.right):
            edit.clear()
            edit.setExtraSelections([])

    @staticmethod
    def _tint(edit: QPlainTextEdit, colors: list[QColor | None]) -> None:
        selections: list[QTextEdit.ExtraSelection] = []
        block = edit.document().firstBlock()
        for color in colors:
            if color is not None and block.isValid():
                selection = QTextEdit.ExtraSelection()
                selection.format.setBackground(color)
                selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                selection.cursor = QTextCursor(block)
                selections.append(selection)
            block = block.next()
        edit.setExtraSelections(selections)
