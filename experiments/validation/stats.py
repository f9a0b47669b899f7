"""Small statistics shared by the validation sections."""

from __future__ import annotations

import math

import numpy as np


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of ``values`` (paired differences, one per seed)."""
    from scipy import stats

    values = np.asarray(values, float)
    n = len(values)
    mean = float(values.mean())
    if n < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half


def finite(x: float) -> float | None:
    """``x`` as a float, or None when not finite (JSON has no NaN)."""
    x = float(x)
    return x if math.isfinite(x) else None
