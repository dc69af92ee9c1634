"""Human reviews: per-output ratings and pairwise preferences.

The values themselves (`Rating`, `PairwisePreference`) live in `workbench.core.reviews` so the
store can persist them; this module adds the blinding of pairwise reviews: the reviewer sees the
two outputs as "left" and "right" in an order drawn from a seed, and `unblind_winner` turns the
reviewer's left/right choice back into column A or B.
"""

from __future__ import annotations

import random
from typing import Literal, TypeVar

from workbench.core.errors import ValidationError
from workbench.core.reviews import PairwisePreference, Rating, Winner

T = TypeVar("T")

__all__ = ["PairwisePreference", "Rating", "Winner", "blind_pair", "unblind_winner"]


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
