"""Judge calibration: how well an LLM judge agrees with human labels.

Cohen's kappa corrects raw agreement for the agreement expected by chance:
kappa = (p_o − p_e) / (1 − p_e), where p_o is the observed share of identical labels and p_e
the sum over labels of the product of each rater's share of that label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts of (human label, judge label); rows are human labels, columns judge labels."""

    labels: tuple[Hashable, ...]
    counts: tuple[tuple[int, ...], ...]

    def count(self, human: Hashable, judge: Hashable) -> int:
        """How many items the human labelled `human` and the judge `judge`."""
        return self.counts[self.labels.index(human)][self.labels.index(judge)]


@dataclass(frozen=True)
class Agreement:
    """Agreement of a judge with humans on the same items."""

    items: int
    observed: float | None
    kappa: float | None
    matrix: ConfusionMatrix


def _check_lengths(a: Sequence[Hashable], b: Sequence[Hashable]) -> None:
    if len(a) != len(b):
        raise ValueError(f"label lists differ in length ({len(a)} and {len(b)})")


def cohen_kappa(rater_a: Sequence[Hashable], rater_b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters on the same items.

    None when it is undefined: no items, or both raters always gave one and the same label
    (chance agreement is then 1).
    """
    _check_lengths(rater_a, rater_b)
    n = len(rater_a)
    if n == 0:
        return None
    observed = sum(1 for x, y in zip(rater_a, rater_b, strict=True) if x == y) / n
    shares_a, shares_b = Counter(rater_a), Counter(rater_b)
    expected = sum(shares_a[label] * shares_b[label] for label in shares_a) / (n * n)
    if expected == 1.0:
        return None
    return (observed - expected) / (1 - expected)


def confusion_matrix(
    human: Sequence[Hashable],
    judge: Sequence[Hashable],
    labels: Sequence[Hashable] | None = None,
) -> ConfusionMatrix:
    """Cross-count human and judge labels (label order: given, else first seen)."""
    _check_lengths(human, judge)
    order = list(labels) if labels is not None else list(dict.fromkeys([*human, *judge]))
    unknown = {*human, *judge} - set(order)
    if unknown:
        raise ValueError(f"labels missing from the label list: {sorted(map(str, unknown))}")
    index = {label: i for i, label in enumerate(order)}
    grid = [[0] * len(order) for _ in order]
    for h, j in zip(human, judge, strict=True):
        grid[index[h]][index[j]] += 1
    return ConfusionMatrix(tuple(order), tuple(tuple(row) for row in grid))


def judge_agreement(
    human: Sequence[Hashable],
    judge: Sequence[Hashable],
    labels: Sequence[Hashable] | None = None,
) -> Agreement:
    """Observed agreement, Cohen's kappa and the confusion matrix of a judge against humans."""
    matrix = confusion_matrix(human, judge, labels)
    n = len(human)
    observed = sum(1 for h, j in zip(human, judge, strict=True) if h == j) / n if n else None
    return Agreement(n, observed, cohen_kappa(human, judge), matrix)
