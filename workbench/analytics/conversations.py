"""Per-conversation figures and KPIs over time, from stored (anonymised) messages.

A customer turn is *unanswered* when the next bot reply is a refusal, a fallback, a "did not
understand", empty, or missing (the conversation ends or a human takes over) — the same
patterns the ``refusal`` scoring criterion uses. A conversation is *handed off* when the log
flags it, a human agent speaks in it, or the bot says it transfers the customer. A conversation
is *contained* when it is not handed off.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from workbench.core.logs import ConversationSummary, KpiPoint, LogMessage
from workbench.scoring.text import fold
from workbench.scoring.unanswered import detect_unanswered

# The unanswered detector's label for a reply that passes the customer to someone else.
_TRANSFER_LABELS = {"hands over to someone else"}
_CLOSING_WORDS = frozenset(
    """merci mercii thanks thank you thx ok okay oki daccord d'accord parfait super top genial
    bonne journee soiree au revoir bye aurevoir cordialement nickel cool tres bien impeccable
    c'est ca note entendu ca marche vous aussi de rien bien recu beaucoup infiniment encore
    a vous bonne bonnes je j'ai compris cest tres""".split()  # noqa: SIM905 - a word list reads better as text
)
_PUNCT = re.compile(r"[^\w\s']+")


@dataclass(frozen=True, slots=True)
class QuestionTurn:
    """A customer message and whether the bot answered it."""

    message_id: int
    conversation: str
    text: str
    unanswered: bool


def group_conversations(messages: Iterable[LogMessage]) -> Iterator[list[LogMessage]]:
    """Consecutive messages of the same conversation (the store yields them grouped)."""
    current: list[LogMessage] = []
    for message in messages:
        if current and message.conversation != current[0].conversation:
            yield current
            current = []
        current.append(message)
    if current:
        yield current


UnansweredJudge = Callable[[str, str], bool | None]
"""Decides whether a reply (second argument) leaves the customer's question (first) unanswered;
None leaves it to the deterministic detector."""


def analyse_conversation(
    messages: list[LogMessage], *, judge: UnansweredJudge | None = None
) -> tuple[ConversationSummary, list[QuestionTurn]]:
    """Figures of one conversation and its customer turns.

    `judge` (judge mode) decides which replies leave their questions unanswered; hand-offs are
    still read by the deterministic detector.
    """
    turns: list[QuestionTurn] = []
    pending: list[LogMessage] = []
    handoff = any(m.handoff for m in messages)
    rating = None
    channel = None
    for message in messages:
        if message.rating is not None:
            rating = message.rating
        channel = channel or message.channel
        if message.role == "user":
            if not is_closing(message.text):
                pending.append(message)
        elif message.role == "assistant":
            match = detect_unanswered(message.text)
            if match is not None and match.pattern in _TRANSFER_LABELS:
                handoff = True
            unanswered = match is not None
            if judge is not None and pending:
                decided = judge("\n".join(q.text for q in pending), message.text)
                unanswered = unanswered if decided is None else decided
            for question in pending:
                turns.append(
                    QuestionTurn(question.id, question.conversation, question.text, unanswered)
                )
            pending = []
        elif message.role == "agent":
            handoff = True
            for question in pending:
                turns.append(QuestionTurn(question.id, question.conversation, question.text, True))
            pending = []
    for question in pending:
        turns.append(QuestionTurn(question.id, question.conversation, question.text, True))
    first = next((m for m in messages if m.role == "user"), None)
    summary = ConversationSummary(
        conversation=messages[0].conversation,
        started_at=min((m.at for m in messages if m.at), default=None),
        messages=len(messages),
        user_turns=len(turns),
        unanswered=sum(t.unanswered for t in turns),
        handoff=handoff,
        rating=rating,
        channel=channel,
        first_question=first.text if first else "",
    )
    return summary, turns


def is_closing(text: str) -> bool:
    """A short thanks / goodbye / OK that asks nothing (not a question to answer)."""
    if "?" in text:
        return False
    words = _PUNCT.sub(" ", fold(text)).split()
    return 0 < len(words) <= 6 and all(w in _CLOSING_WORDS for w in words)


def period_of(stamp: str | None, period: str) -> str:
    """``2026-11-03`` (day), ``2026-W45`` (ISO week) or ``2026-11`` (month); ``unknown``."""
    if not stamp:
        return "unknown"
    day = date.fromisoformat(stamp[:10])
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return stamp[:7]
    return stamp[:10]


class KpiAccumulator:
    """KPIs by period, fed one conversation at a time (constant memory per period).

    CSAT is the share of rated conversations whose rating is at or above `satisfied_from`
    (4 on the usual 1–5 scale; pass 1 for thumbs up/down logged as 0/1).
    """

    def __init__(self, period: str = "day", satisfied_from: float = 4.0) -> None:
        self.period = period
        self.satisfied_from = satisfied_from
        self._data: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])

    def add(self, summary: ConversationSummary) -> None:
        row = self._data[period_of(summary.started_at, self.period)]
        row[0] += 1
        row[1] += int(summary.handoff)
        row[2] += summary.user_turns
        row[3] += summary.unanswered
        if summary.rating is not None:
            row[4] += 1
            row[5] += int(summary.rating >= self.satisfied_from)

    def points(self) -> list[KpiPoint]:
        out = []
        for key in sorted(self._data):
            n, handoffs, turns, unanswered, rated, satisfied = self._data[key]
            out.append(
                KpiPoint(
                    period=key,
                    conversations=n,
                    containment=(n - handoffs) / n if n else 0.0,
                    handoff=handoffs / n if n else 0.0,
                    unanswered=unanswered / turns if turns else 0.0,
                    csat=satisfied / rated if rated else None,
                    ratings=rated,
                )
            )
        return out
