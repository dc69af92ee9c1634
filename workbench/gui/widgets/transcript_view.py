"""`TranscriptWidget`: a conversation as chat bubbles, with per-turn badges and the bad turn lit.

The customer (simulated or scripted) writes on the left, the assistant under test answers on
the right. Each bubble carries the turn's verdicts as badges; the first turn where the
conversation went wrong (register drift, a loop, an unanswered question, a missed hand-off) is
outlined in red with the reason above it, and one key jumps to it. The widget draws a plain
`TranscriptView` and updates in place, so a live conversation grows without flicker and the
reader keeps their scroll position unless they were following the end.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QPalette, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.app.conversation_views import TranscriptView, TurnBadge, TurnView
from workbench.gui.widgets.badge_label import BadgeLabel, tone_color

_BUBBLE_SHARE = 0.78  # of the viewport's width: long answers wrap instead of spanning it all
_ROLE_NAMES = {"user": "Customer", "assistant": "Assistant", "system": ""}


def _is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Base).lightness() < 96


def is_live(view: TranscriptView) -> bool:
    """Whether the conversation is still going (no outcome yet, or a turn still streaming)."""
    return not view.outcome or any(turn.streaming for turn in view.turns)


class TurnBubble(QFrame):
    """One message: a header (who, turn number, badges), the text, and optional footnotes."""

    def __init__(self, turn: TurnView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bubble")
        self.turn = turn
        self.who = QLabel()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("turn-problem")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.reference = QLabel()
        self.reference.setWordWrap(True)
        self.reference.setTextFormat(Qt.TextFormat.PlainText)
        self.detail = QLabel()
        self._badges = QHBoxLayout()
        self._badges.setSpacing(4)
        header = QHBoxLayout()
        header.setSpacing(6)
        header.addWidget(self.who)
        header.addLayout(self._badges)
        header.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(4)
        layout.addWidget(self.problem)
        layout.addLayout(header)
        layout.addWidget(self.text)
        layout.addWidget(self.reference)
        layout.addWidget(self.detail)
        self.show_turn(turn, highlighted=False)

    @property
    def highlighted(self) -> bool:
        """Whether this bubble is marked as where the conversation went wrong."""
        return bool(self.property("highlighted"))

    def badge_texts(self) -> list[str]:
        """The badges shown, in order (for tests and accessibility)."""
        return [
            item.widget().text()
            for item in (self._badges.itemAt(i) for i in range(self._badges.count()))
            if item is not None and item.widget() is not None
        ]

    def show_turn(self, turn: TurnView, *, highlighted: bool) -> None:
        """Show `turn` (called again when it changes: streaming text, scores arriving)."""
        self.turn = turn
        who = _ROLE_NAMES.get(turn.role, turn.role)
        cursor = "  ▍" if turn.streaming else ""
        shown = turn.exchange or turn.number
        self.who.setText(f"<b>{who}</b> · turn {shown}" if who else f"turn {shown}")
        self.text.setText(turn.text + cursor if turn.text or cursor else "(empty message)")
        self.reference.setText(f"Expected: {turn.reference}" if turn.reference else "")
        self.reference.setVisible(bool(turn.reference))
        self.detail.setText(turn.detail)
        self.detail.setVisible(bool(turn.detail))
        self._set_badges(turn.badges)
        self.problem.setText(f"⚠ Went wrong here: {turn.problem}" if turn.problem else "")
        self.problem.setVisible(highlighted and bool(turn.problem))
        self.setProperty("highlighted", highlighted)
        self._restyle()

    def _set_badges(self, badges: tuple[TurnBadge, ...]) -> None:
        current = [
            w.badge
            for w in (self._badges.itemAt(i).widget() for i in range(self._badges.count()))
            if isinstance(w, BadgeLabel)
        ]
        if current == list(badges):
            return
        while self._badges.count():
            item = self._badges.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for badge in badges:
            self._badges.addWidget(BadgeLabel(badge))

    def _restyle(self) -> None:
        dark = _is_dark(self)
        role = self.turn.role
        if role == "assistant":
            background = "#233a58" if dark else "#dceafc"
        elif role == "user":
            background = "#35373b" if dark else "#eceef1"
        else:
            background = "transparent"
        border = (
            f"2px solid {tone_color('fail').name()}"
            if self.highlighted
            else "1px solid " + ("#44464b" if dark else "#d3d6db")
        )
        muted = "#9a9ca3" if dark else "#6b6e75"
        self.setStyleSheet(
            f"QFrame#bubble {{ background-color: {background}; border: {border};"
            " border-radius: 10px; }"
            f" QLabel#turn-problem {{ color: {tone_color('fail').name()}; font-weight: bold; }}"
        )
        self.detail.setStyleSheet(f"color: {muted}; font-size: 11px;")
        self.reference.setStyleSheet(f"color: {muted}; font-style: italic;")


class TranscriptWidget(QWidget):
    """Shows one `TranscriptView`; `set_transcript` again to update it in place.

    Keys (while the transcript has focus): Ctrl+J jumps to the turn where it went wrong,
    Alt+Down / Alt+Up to the next / previous turn, Ctrl+Home / Ctrl+End to the first / last.

    Signals:
        turn_focused(int): the reader moved to this turn number (keyboard or jump button).
    """

    turn_focused = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("transcript")
        self._view: TranscriptView | None = None
        self._bubbles: list[TurnBubble] = []
        self._rows: list[QWidget] = []
        self._focused: int | None = None
        self._follow_end = True

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self._header_badges = QHBoxLayout()
        self._header_badges.setSpacing(4)
        self.jump_button = QPushButton("Go to where it went wrong")
        self.jump_button.setObjectName("jump-to-problem")
        self.jump_button.hide()
        self.empty = QLabel("Choose a conversation to read its transcript.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

        self._column = QWidget()
        self._column.setObjectName("transcript-column")
        self._column_layout = QVBoxLayout(self._column)
        self._column_layout.setSpacing(8)
        self._column_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self._column)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        # The badges may be clipped on a narrow pane rather than widen the whole window.
        badges = QWidget()
        badges.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        badges_row = QHBoxLayout(badges)
        badges_row.setContentsMargins(0, 0, 0, 0)
        badges_row.addLayout(self._header_badges)
        badges_row.addStretch(1)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.jump_button)
        self.jump_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.jump_button.setMinimumWidth(120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0 if compact else 6, 4, 0 if compact else 6, 4)
        layout.addLayout(title_row)
        layout.addWidget(self.subtitle)
        layout.addWidget(badges)
        layout.addWidget(self.notes)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll, 1)

        self.jump_button.clicked.connect(self.jump_to_problem)
        self.scroll.verticalScrollBar().valueChanged.connect(self._on_scrollbar_value_changed)
        self.scroll.verticalScrollBar().rangeChanged.connect(self._on_scrollbar_range_changed)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+J", self.jump_to_problem),
            ("Alt+Down", lambda: self._step(1)),
            ("Alt+Up", lambda: self._step(-1)),
            (
                "Ctrl+Home",
                lambda: self.scroll_to_turn(self._numbers()[0]) if self._bubbles else None,
            ),
            (
                "Ctrl+End",
                lambda: self.scroll_to_turn(self._numbers()[-1]) if self._bubbles else None,
            ),
        ):
            shortcut = QShortcut(QKeySequence(keys), self, context=context)
            shortcut.activated.connect(slot)
        self.clear()

    # -- public --------------------------------------------------------------------------------

    @property
    def transcript(self) -> TranscriptView | None:
        """The transcript shown, if any."""
        return self._view

    @property
    def bubbles(self) -> list[TurnBubble]:
        """The bubbles shown, in order."""
        return list(self._bubbles)

    def bubble(self, number: int) -> TurnBubble | None:
        """The bubble of turn `number`, if shown."""
        for bubble in self._bubbles:
            if bubble.turn.number == number:
                return bubble
        return None

    def header_badge_texts(self) -> list[str]:
        """The conversation-level badges shown, in order."""
        return [
            w.text()
            for w in (
                self._header_badges.itemAt(i).widget() for i in range(self._header_badges.count())
            )
            if isinstance(w, BadgeLabel)
        ]

    def clear(self, message: str = "Choose a conversation to read its transcript.") -> None:
        """Show nothing but `message`."""
        self._view = None
        self.empty.setText(message)
        self.empty.show()
        for label in (self.title, self.subtitle, self.notes):
            label.clear()
            label.hide()
        self._set_header_badges(())
        self.jump_button.hide()
        self._truncate(0)

    def set_transcript(self, view: TranscriptView) -> None:
        """Show `view`, reusing the bubbles of turns already shown (live updates stay smooth)."""
        same_conversation = self._view is not None and self._view.title == view.title
        self._view = view
        self.empty.hide()
        self.title.setText(f"<b>{view.title}</b>")
        self.title.show()
        self.subtitle.setText(view.subtitle)
        self.subtitle.setVisible(bool(view.subtitle))
        self.notes.setText("\n".join(view.notes))
        self.notes.setVisible(bool(view.notes))
        outcome = (
            (TurnBadge(view.outcome, view.outcome_tone),)
            if view.outcome
            else (TurnBadge("in progress", "info"),)
        )
        self._set_header_badges(outcome + view.badges)
        wrong = view.wrong_turn
        self.jump_button.setVisible(wrong is not None)
        if wrong is not None:
            self.jump_button.setText(f"Go to turn {view.wrong_exchange}, where it went wrong")
            self.jump_button.setToolTip("Ctrl+J")
        if not same_conversation:
            self._truncate(0)
            # A conversation still going is followed at its end; a finished one is read from
            # its first turn.
            self._follow_end = is_live(view)
            self.scroll.verticalScrollBar().setValue(0)
        for position, turn in enumerate(view.turns):
            highlighted = turn.number == wrong
            if position < len(self._bubbles):
                bubble = self._bubbles[position]
                if bubble.turn != turn or bubble.highlighted != highlighted:
                    bubble.show_turn(turn, highlighted=highlighted)
            else:
                self._append(turn, highlighted=highlighted)
        self._truncate(len(view.turns))
        self._fit_bubbles()

    def jump_to_problem(self) -> bool:
        """Scroll to the turn where it went wrong; False when no turn is flagged."""
        if self._view is None or self._view.wrong_turn is None:
            return False
        return self.scroll_to_turn(self._view.wrong_turn)

    def scroll_to_turn(self, number: int) -> bool:
        """Bring turn `number` into view; False when it is not shown."""
        bubble = self.bubble(number)
        if bubble is None:
            return False
        self._focused = number
        self._follow_end = False
        # Layouts settle on the next event loop pass; scroll then too, so a bubble just added
        # is reached at its final position.
        self.scroll.ensureWidgetVisible(bubble, 0, 24)
        QTimer.singleShot(0, self, lambda: self._ensure_visible(number))
        self.turn_focused.emit(number)
        return True

    # -- internals -----------------------------------------------------------------------------

    def _ensure_visible(self, number: int) -> None:
        bubble = self.bubble(number)
        if bubble is not None:
            self.scroll.ensureWidgetVisible(bubble, 0, 24)

    def _numbers(self) -> list[int]:
        return [bubble.turn.number for bubble in self._bubbles]

    def _step(self, step: int) -> None:
        numbers = self._numbers()
        if not numbers:
            return
        if self._focused not in numbers:
            target = numbers[0] if step > 0 else numbers[-1]
        else:
            position = numbers.index(self._focused) + step  # type: ignore[arg-type]
            target = numbers[max(0, min(len(numbers) - 1, position))]
        self.scroll_to_turn(target)

    def _append(self, turn: TurnView, *, highlighted: bool) -> None:
        bubble = TurnBubble(turn)
        bubble.show_turn(turn, highlighted=highlighted)
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        if turn.role == "assistant":
            row_layout.addStretch(1)
            row_layout.addWidget(bubble, 100)
        elif turn.role == "user":
            row_layout.addWidget(bubble, 100)
            row_layout.addStretch(1)
        else:
            row_layout.addStretch(1)
            row_layout.addWidget(bubble)
            row_layout.addStretch(1)
        self._column_layout.insertWidget(self._column_layout.count() - 1, row)
        row.show()  # at once, not on the layout's queued show: sizes are right immediately
        self._bubbles.append(bubble)
        self._rows.append(row)

    def _truncate(self, count: int) -> None:
        while len(self._bubbles) > count:
            self._bubbles.pop()
            row = self._rows.pop()
            self._column_layout.removeWidget(row)
            row.hide()
            row.deleteLater()

    def _set_header_badges(self, badges: tuple[TurnBadge, ...]) -> None:
        while self._header_badges.count():
            item = self._header_badges.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for badge in badges:
            self._header_badges.addWidget(BadgeLabel(badge))

    def _fit_bubbles(self) -> None:
        width = max(200, int(self.scroll.viewport().width() * _BUBBLE_SHARE))
        for bubble in self._bubbles:
            if bubble.turn.role != "system" and bubble.maximumWidth() != width:
                bubble.setMaximumWidth(width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep bubbles at a reading width as the viewer is resized."""
        super().resizeEvent(event)
        self._fit_bubbles()

    def _on_scrollbar_value_changed(self, value: int) -> None:
        bar = self.scroll.verticalScrollBar()
        if self._view is not None and is_live(self._view):
            self._follow_end = value >= bar.maximum() - 4

    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        # A live conversation grows at the bottom: follow it while the reader is at the end.
        if self._follow_end:
            self.scroll.verticalScrollBar().setValue(maximum)
