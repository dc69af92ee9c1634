"""Repeated runs of the same cell: pass@k, pass^k, distinct answers and flaky rows.

pass@k is the chance that at least one of k draws passes, pass^k that all k pass; both use the
unbiased estimators over the n repeats actually run (c of which passed):
pass@k = 1 − C(n−c, k) / C(n, k) and pass^k = C(c, k) / C(n, k).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

from workbench.scoring.stats.columns import CellRecord
from workbench.scoring.text import collapse_spaces


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k draws (without replacement) from n passes."""
    _check(n, c, k)
    return 1.0 - comb(n - c, k) / comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Probability that all k draws (without replacement) from n pass (pass^k)."""
    _check(n, c, k)
    return comb(c, k) / comb(n, k)


def _check(n: int, c: int, k: int) -> None:
    if not 0 <= c <= n:
        raise ValueError(f"passed count {c} must lie between 0 and the repeats {n}")
    if not 1 <= k <= n:
        raise ValueError(f"k ({k}) must lie between 1 and the number of repeats ({n})")


@dataclass(frozen=True)
class RowRepeats:
    """One row's repeats: how many were judged and passed, the estimators, distinct answers."""

    row_id: str
    judged: int
    passed: int
    pass_at_k: float | None
    pass_hat_k: float | None
    distinct_answers: int
    flaky: bool


@dataclass(frozen=True)
class RepeatSummary:
    """Per-row repeat figures and their means over rows that had at least k judged repeats."""

    k: int
    rows: tuple[RowRepeats, ...]
    mean_pass_at_k: float | None
    mean_pass_hat_k: float | None
    flaky_rows: tuple[str, ...]


def repeat_stats(records: Sequence[CellRecord], k: int) -> RepeatSummary:
    """Summarise the repeats of one column (errored repeats are not counted as fails).

    A row is *flaky* when its repeats include both a pass and a fail. Distinct answers are
    counted after collapsing whitespace and case.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    by_row: dict[str, list[CellRecord]] = defaultdict(list)
    for record in records:
        by_row[record.row_id].append(record)
    rows = []
    for row_id, cells in by_row.items():
        judged = [c for c in cells if not c.error and c.passed is not None]
        passed = sum(1 for c in judged if c.passed)
        answers = {collapse_spaces(c.output).casefold() for c in cells if c.completed}
        enough = len(judged) >= k
        rows.append(
            RowRepeats(
                row_id=row_id,
                judged=len(judged),
                passed=passed,
                pass_at_k=pass_at_k(len(judged), passed, k) if enough else None,
                pass_hat_k=pass_hat_k(len(judged), passed, k) if enough else None,
                distinct_answers=len(answers),
                flaky=0 < passed < len(judged),
            )
        )
    at_k = [r.pass_at_k for r in rows if r.pass_at_k is not None]
    hat_k = [r.pass_hat_k for r in rows if r.pass_hat_k is not None]
    return RepeatSummary(
        k=k,
        rows=tuple(rows),
        mean_pass_at_k=sum(at_k) / len(at_k) if at_k else None,
        mean_pass_hat_k=sum(hat_k) / len(hat_k) if hat_k else None,
        flaky_rows=tuple(r.row_id for r in rows if r.flaky),
    )
