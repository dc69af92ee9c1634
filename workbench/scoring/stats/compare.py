"""Two columns on the same rows: McNemar, paired bootstrap, Wilcoxon, win rate, a verdict.

Cells are paired on (row id, repeat). With repeats, the pairs of one row are not independent,
so p-values are somewhat optimistic; the verdict says how many rows the pairs come from.

The verdict follows the tests: a difference is reported when the exact test says so (p < 0.05;
for scores, Wilcoxon p < 0.05 and a bootstrap interval that excludes 0). An exact test already
accounts for a small sample, so a significant result is never overridden by a count floor: with
fewer than `MIN_DISCORDANT` disagreeing rows (or `MIN_PAIRS` paired scores) it is reported with
"on few rows". "Too few to tell" is said only when the test is not significant and the sample
is that small; otherwise there is no detectable difference on N rows.
"""

from __future__ import annotations

import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from workbench.scoring.stats.columns import CellRecord
from workbench.scoring.stats.intervals import (
    DEFAULT_RESAMPLES,
    Interval,
    bootstrap_mean_interval,
    wilson_interval,
)

ALPHA = 0.05
MIN_DISCORDANT = 10
"""Below this many disagreeing rows, McNemar cannot reach significance for ordinary effects."""
MIN_PAIRS = 10


@dataclass(frozen=True)
class McNemar:
    """Pass/fail agreement between columns A and B on paired cells, with the exact p-value."""

    pairs: int
    both_pass: int
    only_a: int
    only_b: int
    both_fail: int
    p_value: float

    @property
    def discordant(self) -> int:
        """Pairs where exactly one column passes."""
        return self.only_a + self.only_b


@dataclass(frozen=True)
class ScoreDifference:
    """Paired score differences (B − A): mean, bootstrap interval, Wilcoxon signed-rank."""

    pairs: int
    mean_difference: float
    interval: Interval | None
    wilcoxon_statistic: float | None
    wilcoxon_p: float | None


@dataclass(frozen=True)
class Comparison:
    """Everything `compare_columns` found, and the plain-words verdict."""

    label_a: str
    label_b: str
    rows: int
    pass_fail: McNemar | None
    scores: ScoreDifference | None
    verdict: str


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test on the discordant pairs."""
    discordant = only_a + only_b
    if discordant == 0:
        return 1.0
    from scipy import stats as scipy_stats  # lazily: it adds ~0.9 s to every CLI start

    return float(scipy_stats.binomtest(only_a, discordant, 0.5).pvalue)


def wilcoxon_signed_rank(differences: Sequence[float]) -> tuple[float, float] | None:
    """(statistic, two-sided p) of the Wilcoxon signed-rank test; zero differences are dropped.

    All-zero differences mean no difference at all: statistic 0, p 1.0. None without data.
    """
    import numpy as np  # lazily, as scipy below: a run's own report compares no columns

    data = np.asarray(differences, dtype=float)
    if data.size == 0:
        return None
    if not np.any(data):
        return 0.0, 1.0
    from scipy import stats as scipy_stats  # see mcnemar_exact

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns when it switches to the normal approximation
        result = scipy_stats.wilcoxon(data, zero_method="wilcox")
    return float(result.statistic), float(result.pvalue)


def _pairs(a: Sequence[CellRecord], b: Sequence[CellRecord]) -> list[tuple[CellRecord, CellRecord]]:
    by_key = {(r.row_id, r.repeat): r for r in b if not r.error}
    return [
        (r, by_key[(r.row_id, r.repeat)])
        for r in a
        if not r.error and (r.row_id, r.repeat) in by_key
    ]


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def compare_columns(
    a: Sequence[CellRecord],
    b: Sequence[CellRecord],
    *,
    label_a: str = "A",
    label_b: str = "B",
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> Comparison:
    """Compare two columns on the cells they share (errored cells are left out)."""
    pairs = _pairs(a, b)
    rows = len({left.row_id for left, _ in pairs})
    judged = [(x, y) for x, y in pairs if x.passed is not None and y.passed is not None]
    mcnemar = None
    if judged:
        both = sum(1 for x, y in judged if x.passed and y.passed)
        only_a = sum(1 for x, y in judged if x.passed and not y.passed)
        only_b = sum(1 for x, y in judged if y.passed and not x.passed)
        mcnemar = McNemar(
            pairs=len(judged),
            both_pass=both,
            only_a=only_a,
            only_b=only_b,
            both_fail=len(judged) - both - only_a - only_b,
            p_value=mcnemar_exact(only_a, only_b),
        )
    differences = [
        y.score - x.score for x, y in pairs if x.score is not None and y.score is not None
    ]
    scores = None
    if differences:
        wilcoxon = wilcoxon_signed_rank(differences)
        scores = ScoreDifference(
            pairs=len(differences),
            mean_difference=statistics.fmean(differences),
            interval=bootstrap_mean_interval(differences, seed=seed, n_resamples=n_resamples),
            wilcoxon_statistic=None if wilcoxon is None else wilcoxon[0],
            wilcoxon_p=None if wilcoxon is None else wilcoxon[1],
        )
    verdict = _verdict(label_a, label_b, rows, mcnemar, scores)
    return Comparison(label_a, label_b, rows, mcnemar, scores, verdict)


def _verdict(
    label_a: str, label_b: str, rows: int, mcnemar: McNemar | None, scores: ScoreDifference | None
) -> str:
    if mcnemar is None and scores is None:
        return f"Nothing to compare: {label_a} and {label_b} share no scored rows."
    sentences = []
    if mcnemar is not None:
        rate_a = (mcnemar.both_pass + mcnemar.only_a) / mcnemar.pairs
        rate_b = (mcnemar.both_pass + mcnemar.only_b) / mcnemar.pairs
        rates = f"{label_a} {_percent(rate_a)}, {label_b} {_percent(rate_b)}"
        p_text = f"p={mcnemar.p_value:.3g}"
        if mcnemar.p_value < ALPHA:
            better, worse = (label_b, label_a) if rate_b > rate_a else (label_a, label_b)
            few = (
                f", on few rows (the columns disagree on {mcnemar.discordant} pair(s))"
                if mcnemar.discordant < MIN_DISCORDANT
                else ""
            )
            sentences.append(
                f"{better} passes more often than {worse} on {rows} rows "
                f"({rates}; exact McNemar {p_text}){few}."
            )
        elif mcnemar.discordant < MIN_DISCORDANT:
            sentences.append(
                f"No detectable difference in pass rate on {rows} rows ({rates}; {p_text}): the "
                f"columns disagree on only {mcnemar.discordant} pair(s), too few to tell "
                f"(about {MIN_DISCORDANT} are needed)."
            )
        else:
            sentences.append(
                f"No detectable difference in pass rate on {rows} rows ({rates}; {p_text})."
            )
    if scores is not None:
        interval = scores.interval
        shown = f"mean difference {label_b} − {label_a} = {scores.mean_difference:+.3f}" + (
            f", 95% CI [{interval.low:+.3f}, {interval.high:+.3f}]" if interval else ""
        )
        wilcoxon_p = scores.wilcoxon_p
        significant = (
            wilcoxon_p is not None
            and wilcoxon_p < ALPHA
            and interval is not None
            and not interval.contains(0.0)
        )
        if significant:
            better = label_b if scores.mean_difference > 0 else label_a
            few = ""
            if scores.pairs < MIN_PAIRS:
                few = f", on few rows ({scores.pairs} paired scores)"
            sentences.append(f"{better} scores higher ({shown}; Wilcoxon p={wilcoxon_p:.3g}){few}.")
        elif scores.pairs < MIN_PAIRS:
            sentences.append(
                f"Too few paired scores to tell ({scores.pairs}; about {MIN_PAIRS} are "
                f"needed): {shown}."
            )
        else:
            p_text = "" if wilcoxon_p is None else f"; Wilcoxon p={wilcoxon_p:.3g}"
            sentences.append(f"No detectable difference in score ({shown}{p_text}).")
    return " ".join(sentences)


@dataclass(frozen=True)
class WinRate:
    """How often A is preferred to B in pairwise judgements, with a Wilson interval.

    With ``ties="half"`` (default) a tie counts as half a win for each side and every judgement
    is in the denominator; with ``ties="exclude"`` ties are left out altogether.
    """

    judgements: int
    wins_a: int
    wins_b: int
    ties: int
    rate_a: float | None
    interval: Interval | None
    verdict: str


def win_rate(
    winners: Sequence[str],
    *,
    ties: Literal["half", "exclude"] = "half",
    label_a: str = "A",
    label_b: str = "B",
) -> WinRate:
    """Win rate of A over B from pairwise preferences (``"a"``, ``"b"`` or ``"tie"``)."""
    unknown = sorted({w for w in winners if w not in {"a", "b", "tie"}})
    if unknown:
        raise ValueError(f"preferences must be 'a', 'b' or 'tie', not {', '.join(unknown)}")
    wins_a, wins_b = winners.count("a"), winners.count("b")
    tied = winners.count("tie")
    if ties == "half":
        successes, n = wins_a + tied / 2, len(winners)
    else:
        successes, n = float(wins_a), wins_a + wins_b
    rate = successes / n if n else None
    interval = wilson_interval(successes, n)
    if rate is None or interval is None:
        verdict = "No preferences to count."
    elif n < MIN_PAIRS:
        verdict = f"Too few preferences to tell ({n}; about {MIN_PAIRS} are needed)."
    elif interval.contains(0.5):
        verdict = (
            f"No detectable preference on {n} judgements ({label_a} wins {_percent(rate)}, "
            f"95% CI [{_percent(interval.low)}, {_percent(interval.high)}])."
        )
    else:
        better = label_a if rate > 0.5 else label_b
        share = rate if rate > 0.5 else 1 - rate
        verdict = (
            f"{better} is preferred in {_percent(share)} of {n} judgements "
            f"(95% CI for {label_a}: [{_percent(interval.low)}, {_percent(interval.high)}])."
        )
    return WinRate(len(winners), wins_a, wins_b, tied, rate, interval, verdict)
