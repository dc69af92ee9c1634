"""Human reviews: per-output ratings and pairwise preferences, as plain data.

These are pure values; the store persists them. A pairwise review can be *blinded*: the reviewer
sees the two outputs as "left" and "right" in an order drawn from a seed, and `unblind_winner`
turns the reviewer's left/right choice back into column A or B.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

from workbench.core.errors import ValidationError

T = TypeVar("T")
Winner = Literal["a", "b", "tie"]


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


def blind_pair(a: T, b: T, seed: int | str) -> tuple[T, T, bool]:
    """Order two outputs for a blinded review: ``(left, right, swapped)``.

    The same seed always gives the same order (so a reviewer sees a stable layout when coming
    back to a row); different seeds swap about half the time.
    """
    swapped = random.Random(str(seed)).random() < 0.5
    return (b, a, True) if swapped else (a, b, False)


def unblind_winner(choice: Literal["left", "right", "tie"], swapped: bool) -> Winner:
    """Turn a left/right choice made on a blinded pair back into column ``a`` / ``b``."""
    if choice == "tie":
        return "tie"
    if choice not in {"left", "right"}:
        raise ValidationError(f"choice must be 'left', 'right' or 'tie', not {choice!r}")
    left_is_a = not swapped
    return "a" if (choice == "left") == left_is_a else "b"
