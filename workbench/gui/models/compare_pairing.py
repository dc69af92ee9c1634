"""Which column to compare a column with when the user has not said: the one that differs only
by prompt version (same persona and model), since comparing prompt versions is what Compare is
mostly for; else the one that differs only by persona, then only by model; else the next."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.core.runs import Column


def default_partner(columns: Sequence[Column], first: int) -> int:
    """Grid position of the column to compare with the column at position `first`."""
    this = columns[first]

    def differs_only_by(attribute: str, column: Column) -> bool:
        keys = ("prompt_id", "persona_id", "model_id")
        return getattr(column, attribute) != getattr(this, attribute) and all(
            getattr(column, key) == getattr(this, key) for key in keys if key != attribute
        )

    for attribute in ("prompt_id", "persona_id", "model_id"):
        for position, column in enumerate(columns):
            if position != first and differs_only_by(attribute, column):
                return position
    return 1 if first == 0 else 0
