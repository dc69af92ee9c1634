"""`TranscriptPair`: two assistant columns' transcripts of the same scenario, side by side.

Both sides follow each other turn by turn: jumping to turn 5 on the left (keys or the "went
wrong" button) brings turn 5 into view on the right, so a reader sees where one assistant
drifted to *tu* or looped while the other did not.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from workbench.app.conversation_views import TranscriptView
from workbench.gui.widgets.transcript_view import TranscriptWidget


class TranscriptPair(QWidget):
    """Left and right transcripts in a splitter, kept at the same turn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left = TranscriptWidget(compact=True)
        self.right = TranscriptWidget(compact=True)
        self.left.setObjectName("transcript-left")
        self.right.setObjectName("transcript-right")
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("transcript-pair-splitter")
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.splitter, 1)
        self._following = False
        self.left.turn_focused.connect(lambda n: self._follow(self.right, n))
        self.right.turn_focused.connect(lambda n: self._follow(self.left, n))
        self.verdict.hide()

    def set_transcripts(self, left: TranscriptView | None, right: TranscriptView | None) -> None:
        """Show both sides (None: that side has no conversation yet)."""
        for widget, view in ((self.left, left), (self.right, right)):
            if view is None:
                widget.clear("No conversation for this column yet.")
            else:
                widget.set_transcript(view)
        self.verdict.setText(pair_verdict(left, right))
        self.verdict.setVisible(bool(self.verdict.text()))

    def _follow(self, other: TranscriptWidget, number: int) -> None:
        if self._following:
            return
        self._following = True
        try:
            other.scroll_to_turn(number)
        finally:
            self._following = False


def pair_verdict(left: TranscriptView | None, right: TranscriptView | None) -> str:
    """One line saying how the two conversations differ (where each went wrong, how they ended)."""
    if left is None or right is None:
        return ""

    def side(name: str, view: TranscriptView) -> str:
        wrong = f", went wrong at turn {view.wrong_exchange}" if view.wrong_turn else ""
        return f"<b>{name}</b>: {view.outcome or 'running'} in {_exchanges(view)} turns{wrong}"

    return f"{side('Left', left)} · {side('Right', right)}"


def _exchanges(view: TranscriptView) -> int:
    return max((turn.exchange or turn.number for turn in view.turns), default=0)
