"""Conversation logs: what the store keeps and what analyses return (pure data).

Messages are stored anonymised only; nothing here ever holds raw customer text once an import
has passed the redactor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class LogMessage:
    """One stored (anonymised) message of a conversation log."""

    id: int
    conversation: str
    role: str
    text: str
    at: str | None = None
    channel: str | None = None
    intent: str | None = None
    rating: float | None = None
    handoff: bool | None = None
    source_line: int = 0


@dataclass(frozen=True, slots=True)
class NewLogMessage:
    """A message ready to store: text already anonymised, `fingerprint` its identity."""

    conversation: str
    role: str
    text: str
    at: str | None
    channel: str | None
    intent: str | None
    rating: float | None
    handoff: bool | None
    source_line: int
    fingerprint: str


@dataclass(frozen=True)
class LogImportState:
    """An import as recorded in the store (``running`` until its last batch is written)."""

    id: int
    family: str
    source_name: str
    source_sha256: str
    format: str
    options: dict[str, Any]
    status: str
    lines_done: int
    messages: int
    report: dict[str, Any]
    version_id: str | None
    started_at: str
    finished_at: str | None


@dataclass(frozen=True)
class ConversationSummary:
    """Per-conversation figures used by lists, KPIs and analyses."""

    conversation: str
    started_at: str | None
    messages: int
    user_turns: int
    unanswered: int
    handoff: bool
    rating: float | None
    channel: str | None = None
    first_question: str = ""


@dataclass(frozen=True)
class Cluster:
    """A topic of customer questions: size, unanswered share and typical questions."""

    id: int
    label: str
    size: int
    unanswered: int
    examples: tuple[str, ...]
    terms: tuple[str, ...] = ()

    @property
    def unanswered_share(self) -> float:
        return self.unanswered / self.size if self.size else 0.0

    @property
    def gap_score(self) -> float:
        """Unanswered share × volume: how much a knowledge-base article would help."""
        return self.unanswered_share * self.size


@dataclass(frozen=True)
class KpiPoint:
    """KPIs of one day or week."""

    period: str
    conversations: int
    containment: float
    handoff: float
    unanswered: float
    csat: float | None
    ratings: int = 0


@dataclass
class LogAnalysis:
    """Everything `analyse_log` computes for one log version."""

    family: str
    version_id: str
    conversations: int
    messages: int
    user_turns: int
    unanswered_turns: int
    handoffs: int
    containment: float
    csat: float | None
    kpis: list[KpiPoint] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    analysis_id: int | None = None
    period: str = "day"
    unanswered_judge: dict[str, object] | None = None
    """Judge mode: what the judge decided and cost (`workbench.app.logs_judge`); None when the
    deterministic detector decided every turn."""
    clustering: str = "tfidf"  # or "embeddings:MODEL"

    @property
    def gaps(self) -> list[Cluster]:
        """Clusters ranked by unanswered share × volume (knowledge-base gaps first)."""
        return sorted(
            (c for c in self.clusters if c.unanswered),
            key=lambda c: (-c.gap_score, -c.size, c.id),
        )
