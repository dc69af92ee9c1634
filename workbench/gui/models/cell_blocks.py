"""Group changed grid cells into few contiguous rectangles for `dataChanged`.

Views repaint per signal; one signal per changed cell would cost more than the change itself
when hundreds of cells change per tick. Consecutive rows of a column become one block, and
neighbouring columns with the same row span merge into a wider block.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

Block = tuple[int, int, int, int]  # first row, last row, first column, last column


def contiguous_blocks(cells: Iterable[tuple[int, int]]) -> list[Block]:
    """Cover exactly the given (row, column) cells with contiguous blocks, in order."""
    rows_by_column: dict[int, list[int]] = defaultdict(list)
    for row, column in cells:
        rows_by_column[column].append(row)
    spans: list[Block] = []
    for column in sorted(rows_by_column):
        rows = sorted(set(rows_by_column[column]))
        start = previous = rows[0]
        for row in rows[1:]:
            if row != previous + 1:
                spans.append((start, previous, column, column))
                start = row
            previous = row
        spans.append((start, previous, column, column))
    merged: list[Block] = []
    open_spans: dict[tuple[int, int], int] = {}  # (first row, last row) -> index in merged
    for first, last, column, _ in spans:
        index = open_spans.get((first, last))
        if index is not None and merged[index][3] == column - 1:
            merged[index] = (first, last, merged[index][2], column)
            continue
        open_spans[(first, last)] = len(merged)
        merged.append((first, last, column, column))
    return merged
