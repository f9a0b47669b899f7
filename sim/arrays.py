"""Group operations on struct-of-arrays state (ranks within units, group means, draws).

Small vectorised helpers shared by the phases: positions and percentiles within
groups (a unit, a pool, a rank), group means, and categorical draws. None of
them loops over cadres.
"""

from __future__ import annotations

import numpy as np


def position_in_group(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Each row's 0-based position within its group when sorted by ``keys`` ascending.

    Parameters
    ----------
    groups : (n,) int
        Group code of each row (any non-negative integers).
    keys : (n,) float
        Sort key; ties keep row order (stable).

    Returns
    -------
    (n,) int
    """
    n = len(groups)
    if n == 0:
        return np.zeros(0, np.int64)
    # Two stable sorts (keys, then groups) order rows by (group, key, row): faster than lexsort.
    # Small integer codes sort by radix.
    codes = groups.astype(np.int16) if groups.max() < np.iinfo(np.int16).max else groups
    order = np.argsort(keys, kind="stable")
    order = order[np.argsort(codes[order], kind="stable")]
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    run = np.diff(np.r_[starts, n])
    first = np.repeat(starts, run)
    position = np.empty(n, np.int64)
    position[order] = np.arange(n) - first
    return position


def group_sizes(groups: np.ndarray, n_groups: int) -> np.ndarray:
    """``(n_groups,) int``: rows per group."""
    return np.bincount(groups, minlength=n_groups)


def percentile_in_group(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Mid-rank percentile of each row within its group, ``(n,) float`` in (0, 1).

    The lowest of ``m`` rows gets ``0.5 / m``, the highest ``1 - 0.5 / m``, so
    "bottom share s" is ``percentile < s`` and "top share s" is ``percentile > 1 - s``
    with about ``s * m`` rows each (ties are broken by row order).
    """
    sizes = group_sizes(groups, n_groups)[groups]
    return (position_in_group(groups, values) + 0.5) / np.maximum(sizes, 1)


def group_mean(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """``(n_groups,) float``: mean of ``values`` per group (NaN for empty groups)."""
    sums = np.bincount(groups, weights=values, minlength=n_groups)
    counts = np.bincount(groups, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def draw_categories(probabilities: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Categorical draws by inverse CDF.

    Parameters
    ----------
    probabilities : (k,) float, sums to 1
    uniforms : (n,) float in [0, 1)

    Returns
    -------
    (n,) int in [0, k)
    """
    cumulative = np.cumsum(probabilities)
    cumulative[-1] = 1.0 + 1e-12
    return np.searchsorted(cumulative, uniforms, side="right").astype(np.int64)


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round each value down or up with probability given by its fraction (mean-preserving)."""
    low = np.floor(values)
    return (low + (rng.random(np.shape(values)) < values - low)).astype(np.int64)
