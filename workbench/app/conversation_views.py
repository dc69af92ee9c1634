"""What the GUI shows of a conversation, as plain data: transcripts, turns and their badges.

The transcript viewer, the side-by-side comparison and the playground draw these shapes and
nothing else, so they can be built and tested without a store or a model, and the mapping from
the conversation domain (scenarios, simulated customers, per-turn scores) lives here, once,
Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Role = Literal["user", "assistant", "system"]
Tone = Literal["pass", "fail", "warn", "error", "info", "neutral"]


@dataclass(frozen=True)
class TurnBadge:
    """A small coloured tag on a turn or a conversation ("✓ 0.92", "tu", "loop", "hand-off").

    Attributes:
        text: what the badge reads.
        tone: its colour family: pass (green), fail (red), warn (orange), error (orange,
            infrastructure), info (blue), neutral (grey).
        tooltip: a longer explanation shown on hover.
    """

    text: str
    tone: Tone = "neutral"
    tooltip: str = ""


@dataclass(frozen=True)
class TurnView:
    """One message of a transcript.

    Attributes:
        number: the message's position in the transcript, from 1 (its key in the viewer).
        role: ``user`` (the customer, simulated or scripted), ``assistant`` (under test) or
            ``system`` (a note such as "conversation ended: turn limit").
        text: the message.
        badges: per-turn verdicts shown in the bubble's header.
        problem: why this turn is flagged as where it went wrong, or None.
        reference: for scripted conversations, the expected assistant answer.
        detail: a one-line footnote (latency, tokens, cost).
        streaming: the text is still arriving.
        exchange: the turn (customer message + assistant answer) it belongs to, from 1;
            0 when the transcript has no exchanges (the header then shows `number`).
    """

    number: int
    role: Role
    text: str
    badges: tuple[TurnBadge, ...] = ()
    problem: str | None = None
    reference: str | None = None
    detail: str = ""
    streaming: bool = False
    exchange: int = 0


@dataclass(frozen=True)
class TranscriptView:
    """A whole conversation as the viewer draws it.

    Attributes:
        title: what it is (scenario · customer), shown above the bubbles.
        subtitle: which assistant answered (prompt · persona · model) and the repeat.
        outcome: the conversation's end in a few words ("resolved in 4 turns", "turn limit").
        outcome_tone: the colour of the outcome badge.
        badges: conversation-level verdicts (register kept, loops, hand-off, final mood, score).
        turns: the messages in order.
        wrong_turn: the `number` of the first message where it went wrong (highlighted), or
            None.
        notes: extra lines shown under the header (the customer's goal, an error message).
    """

    title: str
    subtitle: str = ""
    outcome: str = ""
    outcome_tone: Tone = "neutral"
    badges: tuple[TurnBadge, ...] = ()
    turns: tuple[TurnView, ...] = ()
    wrong_turn: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def turn(self, number: int) -> TurnView | None:
        """The turn with this number, if present."""
        for turn in self.turns:
            if turn.number == number:
                return turn
        return None

    @property
    def wrong_exchange(self) -> int | None:
        """The turn (exchange) number shown for `wrong_turn`, or None."""
        if self.wrong_turn is None:
            return None
        turn = self.turn(self.wrong_turn)
        return (turn.exchange or turn.number) if turn is not None else self.wrong_turn

    def with_turn(self, turn: TurnView) -> TranscriptView:
        """A copy where `turn` replaces the turn of the same number, or is appended."""
        turns = list(self.turns)
        for position, existing in enumerate(turns):
            if existing.number == turn.number:
                turns[position] = turn
                break
        else:
            turns.append(turn)
        return replace(self, turns=tuple(turns))


def first_flagged_turn(turns: tuple[TurnView, ...]) -> int | None:
    """The number of the first turn carrying a problem, or None."""
    for turn in turns:
        if turn.problem:
            return turn.number
    return None
