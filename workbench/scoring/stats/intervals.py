"""Confidence intervals: Wilson for proportions, bootstrap for means."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads when a bootstrap has different values to resample
    import numpy as np

DEFAULT_RESAMPLES = 2000
"""Bootstrap resamples: enough for stable 95% bounds to about two decimals on a score."""


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        """Whether `value` lies inside the interval (bounds included)."""
        return self.low <= value <= self.high


def _normal_quantile(probability: float) -> float:
    return NormalDist().inv_cdf(probability)


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> Interval | None:
    """Wilson score interval for a proportion (None when n is 0).

    Accepts a fractional count of successes, which the win rate uses when ties count half.
    For 8 successes out of 10 the 95% interval is [0.4902, 0.9433].
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes ({successes}) must lie between 0 and n ({n})")
    z = _normal_quantile(0.5 + confidence / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At p = 0 or 1 a bound is exactly 0 or 1; the formula leaves rounding dust there.
    low = 0.0 if successes == 0 else max(0.0, centre - margin)
    high = 1.0 if successes == n else min(1.0, centre + margin)
    return Interval(low, high)


def bootstrap_mean_interval(
    values: Sequence[float],
    *,
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
) -> Interval | None:
    """Bias-corrected (BCa) bootstrap interval of the mean, reproducible through `seed`.

    None for no values; a single value or identical values give a zero-width interval (the
    bootstrap has nothing to resample). Falls back to the percentile method when BCa cannot be
    computed (very small or lopsided samples).

    The computation is scipy.stats.bootstrap's (same resamples for the same seed, same BCa
    formulas, same quantiles; a test holds the two equal) written out with numpy for the mean
    alone: importing scipy.stats costs about a second, which every scored run used to pay.
    """
    if len(values) == 0:
        return None
    first = float(values[0])
    if all(float(value) == first for value in values):
        # One value, or the same value throughout (every cell passed): nothing to resample, and
        # no numpy to import for it.
        return Interval(first, first)
    import numpy as np

    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    if data.size == 1 or float(np.ptp(data)) == 0.0:
        return Interval(mean, mean)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, data.size, (n_resamples, data.size), dtype="int64")
    means = data[indices].mean(axis=-1)
    alpha = (1 - confidence) / 2
    levels = _bca_levels(data, means, alpha)
    if levels is None:
        levels = (alpha, 1 - alpha)
    low, high = np.quantile(means, levels)
    if math.isfinite(low) and math.isfinite(high):
        return Interval(float(low), float(high))
    return Interval(mean, mean)


def _bca_levels(
    data: np.ndarray, means: np.ndarray, alpha: float
) -> tuple[float, float] | None:
    """The BCa-adjusted quantile levels, or None where they cannot be computed."""
    import numpy as np

    theta = data.mean()
    below = np.count_nonzero(means < theta) + np.count_nonzero(means <= theta)
    fraction = below / (2 * means.size)
    if not 0 < fraction < 1:
        return None
    z0 = _normal_quantile(fraction)
    n = data.size
    leave_one_out = (data.sum() - data) / (n - 1)  # the jackknife means
    spread = (n - 1) * (leave_one_out.mean() - leave_one_out)
    denominator = float(np.sum(spread**2) / n**2) ** 1.5
    if denominator == 0:
        return None
    acceleration = float(np.sum(spread**3) / n**3) / 6 / denominator
    normal = NormalDist()
    levels = []
    for z_alpha in (_normal_quantile(alpha), -_normal_quantile(alpha)):
        shifted = z0 + z_alpha
        levels.append(normal.cdf(z0 + shifted / (1 - acceleration * shifted)))
    return levels[0], levels[1]
