"""Pareto fronts and hypervolume (pure numpy), and the ZDT1 test problem.

Every function takes objectives to *minimise*: negate an objective to maximise.
"""

from __future__ import annotations

import numpy as np


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """``(n,) bool``: the points no other point dominates (all <=, one <), minimising.

    >>> pareto_mask(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])).tolist()
    [True, True, False]
    """
    points = np.asarray(points, dtype=float)
    n = len(points)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        others = np.delete(points, i, axis=0)
        dominated = np.all(others <= points[i], axis=1) & np.any(others < points[i], axis=1)
        mask[i] = not dominated.any()
    return mask


def hypervolume_2d(points: np.ndarray, reference: tuple[float, float]) -> float:
    """Area dominated by ``points`` (minimising both objectives) and bounded by ``reference``.

    Points beyond the reference in either objective add nothing. Exact: the
    front sorted by the first objective is a staircase of rectangles.

    >>> hypervolume_2d(np.array([[0.0, 1.0], [1.0, 0.0]]), (2.0, 2.0))
    3.0
    """
    points = np.asarray(points, dtype=float)
    inside = points[(points[:, 0] < reference[0]) & (points[:, 1] < reference[1])]
    if len(inside) == 0:
        return 0.0
    front = inside[pareto_mask(inside)]
    front = front[np.argsort(front[:, 0], kind="stable")]
    area, ceiling = 0.0, reference[1]
    for x, y in front:
        if y < ceiling:
            area += (reference[0] - x) * (ceiling - y)
            ceiling = y
    return float(area)


def zdt1(x: np.ndarray) -> np.ndarray:
    """ZDT1 (Zitzler, Deb & Thiele 2000), ``x`` in [0, 1]^d: two objectives to minimise.

    f1 = x1, g = 1 + 9 mean(x2..xd), f2 = g (1 - sqrt(f1 / g)). The Pareto
    front is f2 = 1 - sqrt(f1) (g = 1), whose hypervolume against (1, 1) is
    the integral of sqrt(f1) over [0, 1], 2/3.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    f1 = x[:, 0]
    g = 1.0 + 9.0 * x[:, 1:].mean(axis=1)
    return np.column_stack([f1, g * (1.0 - np.sqrt(f1 / g))])
