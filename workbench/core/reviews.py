"""Judgements kept with a run: rubric scores of cells, human ratings and pairwise preferences.

Plain values shared by the scoring layer (which produces and analyses them) and the store (which
persists them), so that neither has to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from workbench.core.errors import ValidationError
from workbench.core.runs import CellKey

Winner = Literal["a", "b", "tie"]
_SWAPPED: dict[Winner, Winner] = {"a": "b", "b": "a", "tie": "tie"}


@dataclass(frozen=True)
class CellScore:
    """A rubric version's result on one cell, as stored.

    Attributes:
        key: the cell (row, column, repeat).
        rubric_version_id: the rubric version that produced the result.
        passed: pass / fail, or None (an error, or nothing applied).
        score: 0..1, or None.
        error: why the cell could not be scored (never a fail), or None.
        criteria: one JSON object per criterion result (kind, name, passed, score, detail —
            for a judge its reasoning —, error, value, parts).
        scored_at: when the result was computed.
    """

    key: CellKey
    rubric_version_id: str
    passed: bool | None
    score: float | None
    error: str | None
    criteria: tuple[dict[str, Any], ...]
    scored_at: datetime


@dataclass(frozen=True)
class Rating:
    """One reviewer's judgement of one output.

    Attributes:
        passed: pass / fail, or None when the reviewer only scored or commented.
        score: 1–5, or None.
        tags: free labels ("hallucination", "wrong register", ...).
    """

    run_id: int
    row_id: str
    column: int
    repeat: int
    reviewer: str
    at: datetime
    passed: bool | None = None
    score: int | None = None
    comment: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.score is not None and (
            isinstance(self.score, bool) or self.score not in {1, 2, 3, 4, 5}
        ):
            raise ValidationError(f"a review score is 1 to 5, not {self.score!r}")
        if not self.reviewer.strip():
            raise ValidationError("a review needs a reviewer name")
        if (
            self.passed is None
            and self.score is None
            and not self.comment.strip()
            and not self.tags
        ):
            raise ValidationError("an empty review: give pass/fail, a score, a comment or tags")

    @property
    def key(self) -> CellKey:
        """The reviewed cell."""
        return CellKey(self.row_id, self.column, self.repeat)


@dataclass(frozen=True)
class PairwisePreference:
    """Which of two columns a reviewer preferred for one row.

    ``winner`` is always expressed in columns (``a`` = `column_a`), even when the reviewer saw a
    blinded left/right order; ``blinded`` records that they did.
    """

    run_id: int
    row_id: str
    column_a: int
    column_b: int
    winner: Winner
    blinded: bool
    reviewer: str
    at: datetime

    def __post_init__(self) -> None:
        if self.winner not in {"a", "b", "tie"}:
            raise ValidationError(f"winner must be 'a', 'b' or 'tie', not {self.winner!r}")
        if self.column_a == self.column_b:
            raise ValidationError("a pairwise review compares two different columns")
        if not self.reviewer.strip():
            raise ValidationError("a review needs a reviewer name")

    def oriented(self, column_a: int, column_b: int) -> PairwisePreference:
        """The same judgement with `column_a` as side ``a`` (the winner follows its column)."""
        if (self.column_a, self.column_b) == (column_a, column_b):
            return self
        if (self.column_b, self.column_a) != (column_a, column_b):
            raise ValueError(
                f"this preference compares columns {self.column_a} and {self.column_b},"
                f" not {column_a} and {column_b}"
            )
        return PairwisePreference(
            run_id=self.run_id,
            row_id=self.row_id,
            column_a=column_a,
            column_b=column_b,
            winner=_SWAPPED[self.winner],
            blinded=self.blinded,
            reviewer=self.reviewer,
            at=self.at,
        )
