"""Merge streamed text deltas so the GUI handles one update per cell per tick.

A model streaming 50 tokens a second into 16 cells produces hundreds of tiny events per
second; the grid only needs to know, once per tick, how much text each cell gained. Merging
keeps each cell's events in order (started → text → finished) and leaves other events alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence
from typing import Any

DeltaKey = Callable[[Any], Hashable | None]


def coalesce_deltas(events: Sequence[Any], delta_type: type, text_field: str = "text") -> list[Any]:
    """Merge consecutive deltas of the same cell into one.

    Args:
        events: engine events in arrival order.
        delta_type: the dataclass of text deltas; it has a `key` (the cell), a `text_field`
            and, optionally, a `run_id`.
        text_field: the name of the field holding the text fragment.

    Returns:
        The events with every run of deltas for one cell (uninterrupted by another event *for
        that cell*) replaced by a single delta at the position of the first one.
    """
    merged: list[Any] = []
    # For each cell, where its latest delta sits in `merged` while no other event for the cell
    # has come since; fragments are collected then joined once (no quadratic concatenation).
    open_delta: dict[Hashable, int] = {}
    fragments: dict[int, list[str]] = {}
    for event in events:
        if isinstance(event, delta_type):
            cell = (getattr(event, "run_id", None), event.key)
            position = open_delta.get(cell)
            if position is not None:
                fragments[position].append(getattr(event, text_field))
                continue
            open_delta[cell] = len(merged)
            fragments[len(merged)] = [getattr(event, text_field)]
            merged.append(event)
            continue
        key = getattr(event, "key", None)
        if key is not None:
            open_delta.pop((getattr(event, "run_id", None), key), None)
        merged.append(event)
    for position, parts in fragments.items():
        if len(parts) > 1:
            merged[position] = dataclasses.replace(merged[position], **{text_field: "".join(parts)})
    return merged
