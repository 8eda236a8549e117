"""95% confidence intervals for the trends tables, from summary figures per cell.

The tables are built from counts, sums and sums of squares per cell (numpy bincounts over
millions of answers), so the intervals take those figures, many cells at once. Critical
values and Wilson bounds come from scipy and statsmodels; tests check every interval
against scipy's own tests run on the raw answers.

- a share (cards answered as expected): Wilson score interval on the answers;
- a change between the two ends of a session, paired (the same students answered both):
  the t interval of the mean of each student's own difference;
- a change between two sets of students (unpaired): Welch's t interval, which does not
  assume the two ends vary alike.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

LEVEL = 0.95


def wilson(successes, n) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``successes`` out of ``n`` (arrays); NaN where n is 0."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = n > 0
    low, high = np.full(n.shape, np.nan), np.full(n.shape, np.nan)
    if ok.any():
        lo, hi = proportion_confint(successes[ok], n[ok], alpha=1 - LEVEL, method="wilson")
        low[ok], high[ok] = lo, hi
    return low, high


def _critical(df) -> np.ndarray:
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df > 0)
    out[ok] = stats.t.ppf(0.5 + LEVEL / 2, df[ok])
    return out


def sample_variance(total, squares, n) -> np.ndarray:
    """The sample variance (n - 1 in the denominator) from a cell's sum and sum of squares."""
    total, squares, n = (np.asarray(a, dtype=float) for a in (total, squares, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (squares - total * total / n) / (n - 1)
    return np.where(n > 1, np.clip(var, 0, None), np.nan)


def mean_interval(mean, var, n) -> tuple[np.ndarray, np.ndarray]:
    """t interval of a mean (of paired differences) with sample variance ``var`` over ``n``."""
    mean, var, n = (np.asarray(a, dtype=float) for a in (mean, var, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = _critical(n - 1) * np.sqrt(var / n)
    return mean - half, mean + half


def welch_interval(mean_a, var_a, n_a, mean_b, var_b, n_b) -> tuple[np.ndarray, np.ndarray]:
    """Welch's t interval of ``mean_b - mean_a`` (degrees of freedom by Welch–Satterthwaite)."""
    mean_a, var_a, n_a, mean_b, var_b, n_b = (np.asarray(a, dtype=float)
                                              for a in (mean_a, var_a, n_a, mean_b, var_b, n_b))
    with np.errstate(invalid="ignore", divide="ignore"):
        sa, sb = var_a / n_a, var_b / n_b
        se = np.sqrt(sa + sb)
        df = (sa + sb) ** 2 / (sa ** 2 / (n_a - 1) + sb ** 2 / (n_b - 1))
        # Both ends without any spread (everyone gave one answer): the difference is exact.
        df = np.where(se == 0, np.inf, df)
        crit = np.where(se == 0, 0.0, _critical(df))
        half = crit * se
    diff = mean_b - mean_a
    return diff - half, diff + half


__all__ = ["LEVEL", "wilson", "sample_variance", "mean_interval", "welch_interval"]
