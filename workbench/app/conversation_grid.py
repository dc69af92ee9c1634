"""The live conversation grid as plain data: every cell exists before the simulation starts.

Rows are (scenario × customer persona × repeat), columns the assistant columns under test. A
cell summarises one conversation — how it ended, how many turns it took, its score — and
changes only through `ConversationGrid.update`, which returns the position it touched so a Qt
model can emit `dataChanged` for that cell alone (no reset while a simulation runs).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import mean
from typing import Literal

from workbench.app.conversation_views import Tone

CellPhase = Literal["pending", "running", "done", "error", "cancelled"]
Position = tuple[int, int]


@dataclass(frozen=True)
class GridRow:
    """A row of the grid: one scenario played by one customer persona (one repeat).

    Attributes:
        key: whatever the simulation uses to address the row (hashable).
        scenario: the scenario's id or title.
        customer: the customer persona's name.
        repeat: the repeat index (from 0).
    """

    key: Hashable
    scenario: str
    customer: str
    repeat: int = 0

    @property
    def label(self) -> str:
        """What the row header reads."""
        repeat = f" #{self.repeat + 1}" if self.repeat else ""
        return f"{self.scenario} · {self.customer}{repeat}"


@dataclass(frozen=True)
class GridColumn:
    """An assistant column: a prompt version × persona × model, by its run index."""

    index: int
    label: str


@dataclass(frozen=True)
class ConversationCell:
    """One conversation's summary.

    Attributes:
        phase: pending, running (turns arriving), done, error (infrastructure or simulator
            trouble, never the assistant's failure) or cancelled.
        outcome: how it ended, in a word or two ("resolved", "gave up", "turn limit",
            "hand-off", "error"); empty while running.
        outcome_tone: pass / fail / warn / error / neutral, for the badge colour.
        turns: turns taken so far.
        max_turns: the turn limit.
        score: the conversation's score (0–1), when scored.
        passed: its verdict, when scored.
        preview: the last message, for the cell's text.
        problem: what went wrong first, in words (the transcript highlights that turn).
        error: the error message when `phase` is error.
    """

    phase: CellPhase = "pending"
    outcome: str = ""
    outcome_tone: Tone = "neutral"
    turns: int = 0
    max_turns: int = 0
    score: float | None = None
    passed: bool | None = None
    preview: str = ""
    problem: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ColumnSummary:
    """A column's figures for its header: outcomes, mean turns and score."""

    done: int = 0
    total: int = 0
    resolved: int = 0
    errors: int = 0
    mean_turns: float | None = None
    mean_score: float | None = None

    def text(self) -> str:
        """Two short lines: outcomes, then turns and score."""
        finished = self.done - self.errors
        rate = f"resolved {self.resolved}/{finished}" if finished else "no outcome yet"
        parts = []
        if self.mean_turns is not None:
            parts.append(f"{self.mean_turns:.1f} turns")
        if self.mean_score is not None:
            parts.append(f"score {self.mean_score:.2f}")
        if self.errors:
            parts.append(f"{self.errors} error{'s' if self.errors > 1 else ''}")
        return f"{rate} · {self.done}/{self.total} done\n{' · '.join(parts) or '–'}"


@dataclass
class ConversationGrid:
    """Every conversation of a simulation, addressed by (row key, column index).

    Args:
        rows: the grid's rows, in display order.
        columns: the assistant columns, in display order.
    """

    rows: Sequence[GridRow]
    columns: Sequence[GridColumn]
    _cells: dict[Position, ConversationCell] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._row_position = {row.key: i for i, row in enumerate(self.rows)}
        self._column_position = {column.index: i for i, column in enumerate(self.columns)}

    @property
    def row_count(self) -> int:
        """Number of rows."""
        return len(self.rows)

    @property
    def column_count(self) -> int:
        """Number of columns."""
        return len(self.columns)

    def cell(self, row: int, column: int) -> ConversationCell:
        """The cell at a grid position (a pending cell when nothing arrived yet)."""
        return self._cells.get((row, column)) or _PENDING

    def position(self, row_key: Hashable, column_index: int) -> Position | None:
        """Where a conversation sits, or None when it is not part of the grid."""
        row = self._row_position.get(row_key)
        column = self._column_position.get(column_index)
        if row is None or column is None:
            return None
        return row, column

    def address(self, row: int, column: int) -> tuple[Hashable, int]:
        """The (row key, column index) at a grid position."""
        return self.rows[row].key, self.columns[column].index

    def update(
        self, row_key: Hashable, column_index: int, cell: ConversationCell
    ) -> Position | None:
        """Set one conversation's summary; returns its position when it changed."""
        position = self.position(row_key, column_index)
        if position is None or self._cells.get(position) == cell:
            return None
        self._cells[position] = cell
        return position

    def update_many(
        self, updates: Iterable[tuple[Hashable, int, ConversationCell]]
    ) -> list[Position]:
        """Apply several updates; the positions that changed, each once."""
        changed: dict[Position, None] = {}
        for row_key, column_index, cell in updates:
            position = self.update(row_key, column_index, cell)
            if position is not None:
                changed[position] = None
        return list(changed)

    def column_summary(self, column: int) -> ColumnSummary:
        """The figures of one column (grid position)."""
        cells = [self.cell(row, column) for row in range(self.row_count)]
        done = [c for c in cells if c.phase in ("done", "error")]
        finished = [c for c in done if c.phase == "done"]
        scores = [c.score for c in finished if c.score is not None]
        return ColumnSummary(
            done=len(done),
            total=len(cells),
            resolved=sum(1 for c in finished if c.outcome_tone == "pass"),
            errors=len(done) - len(finished),
            mean_turns=mean(c.turns for c in finished) if finished else None,
            mean_score=mean(scores) if scores else None,
        )

    def progress(self) -> tuple[int, int]:
        """(conversations settled, conversations in all)."""
        settled = sum(
            1 for cell in self._cells.values() if cell.phase in ("done", "error", "cancelled")
        )
        return settled, self.row_count * self.column_count


_PENDING = ConversationCell()
