"""PRIM: boxes in the input space where cases of interest concentrate (pure numpy).

The Patient Rule Induction Method of Friedman & Fisher (1999, "Bump hunting in
high-dimensional data", *Statistics and Computing* 9:123-143), used for
scenario discovery as Bryant & Lempert (2010, "Thinking inside the box",
*Technological Forecasting & Social Change* 77:34-49) describe it:

1. Start with the box holding every case.
2. **Peel**: for every dimension, consider removing the ``alpha`` share of the
   cases in the box with the lowest values, or with the highest; take the peel
   that leaves the highest mean of ``y`` (the *density*) in the box. Repeat
   while the box holds at least ``mass_min`` of all cases.
3. The boxes visited form the **peeling trajectory**, from high coverage and
   low density to low coverage and high density; one is chosen
   (:func:`choose_box`).

With ``y`` the indicator of a case of interest (an outcome that fails):

- *coverage* = cases of interest inside the box / all cases of interest;
- *density* = cases of interest inside the box / all cases inside the box;
- *mass* = cases inside the box / all cases;
- *restricted dimensions*: those whose limits are tighter than the data's range.

Each restriction of the chosen box gets a resampling significance
(:func:`restriction_significance`): the share of random permutations of that
dimension's values under which the box is at least as dense. A restriction
that the data do not support (a permuted dimension does as well) has a large
p-value and can be dropped. Pasting (Friedman & Fisher's second phase) is not
done: Bryant & Lempert found it rarely changes scenario-discovery boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PEEL_ALPHA = 0.05
"""Share of the box's cases removed by one peel (Friedman & Fisher: 0.05-0.10)."""

MASS_MIN = 0.05
"""Peeling stops before the box holds fewer than this share of all cases."""

MIN_DENSITY = 0.8
"""The chosen box is the one with the highest coverage among those at least this dense."""

PERMUTATIONS = 199
"""Permutations per restriction for its resampling p-value (p >= 1 / (199 + 1) = 0.005)."""


@dataclass(frozen=True)
class Box:
    """A hyper-rectangle: ``low[j] <= x[:, j] <= high[j]`` for every dimension j.

    Attributes
    ----------
    low, high : (n_dims,) float
    """

    low: np.ndarray
    high: np.ndarray

    def contains(self, x: np.ndarray) -> np.ndarray:
        """``(n_cases,) bool``: the cases of ``x`` inside the box."""
        return np.all((x >= self.low) & (x <= self.high), axis=1)


@dataclass(frozen=True)
class Step:
    """One box of the peeling trajectory.

    Attributes
    ----------
    box : Box
    coverage, density, mass : float
        In [0, 1] (see the module docstring).
    restricted : tuple of int
        Dimensions whose limits are tighter than the data's range.
    """

    box: Box
    coverage: float
    density: float
    mass: float
    restricted: tuple[int, ...]


@dataclass(frozen=True)
class Restriction:
    """One restricted dimension of a box and its support in the data.

    Attributes
    ----------
    dimension : int
    name : str
    low, high : float
        The box's limits (the data's range where unrestricted on that side).
    p_value : float
        Resampling p-value of the restriction (:func:`restriction_significance`).
    """

    dimension: int
    name: str
    low: float
    high: float
    p_value: float


def peel(x: np.ndarray, y: np.ndarray, *, alpha: float = PEEL_ALPHA,
         mass_min: float = MASS_MIN) -> list[Step]:
    """The peeling trajectory of PRIM.

    Parameters
    ----------
    x : (n_cases, n_dims) float
        The inputs (uncertainties, levers), finite.
    y : (n_cases,) bool
        Cases of interest; at least one.
    alpha : float in (0, 0.5)
        Share of the box's cases each peel removes (at least one case).
    mass_min : float in (0, 1)

    Returns
    -------
    list of Step
        From the box of all cases (coverage 1) to the last box holding at
        least ``mass_min`` of the cases.
    """
    x, y = _check(x, y)
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    n = len(y)
    lo, hi = x.min(axis=0), x.max(axis=0)
    box = Box(lo.copy(), hi.copy())
    inside = np.ones(n, dtype=bool)
    trajectory = [_step(box, inside, y, lo, hi)]
    while True:
        best = None
        xs, ys = x[inside], y[inside]
        for j in range(x.shape[1]):
            column = xs[:, j]
            for side in (0, 1):
                limit = np.quantile(column, alpha if side == 0 else 1 - alpha, method="lower"
                                    if side == 0 else "higher")
                keep = column > limit if side == 0 else column < limit
                if side == 0 and not keep.any() or keep.all():
                    # Ties at the quantile: peel the extreme value alone if it is not the
                    # only value left.
                    extreme = column.min() if side == 0 else column.max()
                    keep = column != extreme
                    limit = extreme
                if not keep.any() or keep.all():
                    continue
                if keep.sum() < mass_min * n:
                    continue
                density = ys[keep].mean()
                candidate = (density, keep.sum(), -j, -side)
                if best is None or candidate > best[0]:
                    best = (candidate, j, side, keep)
        if best is None:
            return trajectory
        _, j, side, keep = best
        low, high = box.low.copy(), box.high.copy()
        kept = xs[keep, j]
        if side == 0:
            low[j] = kept.min()
        else:
            high[j] = kept.max()
        box = Box(low, high)
        inside = box.contains(x)
        trajectory.append(_step(box, inside, y, lo, hi))


def _check(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"expected x (n, d) and y (n,), got {x.shape} and {y.shape}")
    if not np.isfinite(x).all():
        raise ValueError("x holds NaN or infinite values")
    if not y.any():
        raise ValueError("no case of interest: nothing to find")
    return x, y


def _step(box: Box, inside: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Step:
    hits = (inside & y).sum()
    restricted = tuple(int(j) for j in np.flatnonzero((box.low > lo) | (box.high < hi)))
    return Step(box, float(hits / y.sum()), float(hits / max(inside.sum(), 1)),
                float(inside.mean()), restricted)


def choose_box(trajectory: Sequence[Step], min_density: float = MIN_DENSITY) -> int:
    """Index of the chosen box: the highest coverage among boxes with density >=
    ``min_density`` (then the highest density, then the fewest restrictions); without
    one, the densest box."""
    dense = [i for i, s in enumerate(trajectory) if s.density >= min_density]
    if not dense:
        return int(max(range(len(trajectory)),
                       key=lambda i: (trajectory[i].density, trajectory[i].coverage)))
    return max(dense, key=lambda i: (trajectory[i].coverage, trajectory[i].density,
                                     -len(trajectory[i].restricted), -i))


def restriction_significance(x: np.ndarray, y: np.ndarray, box: Box, dimension: int, *,
                             permutations: int = PERMUTATIONS,
                             rng: np.random.Generator) -> float:
    """Resampling p-value of one restriction of ``box``.

    The values of ``x[:, dimension]`` are permuted across cases (which breaks
    its link with ``y`` and with the other inputs, and keeps its distribution);
    the p-value is (1 + number of permutations under which the box is at least
    as dense) / (1 + permutations). Boxes of a permutation holding no case
    count as less dense.
    """
    x, y = _check(x, y)
    observed = y[box.contains(x)].mean()
    shuffled = x.copy()
    as_dense = 0
    for _ in range(permutations):
        shuffled[:, dimension] = rng.permutation(x[:, dimension])
        inside = box.contains(shuffled)
        if inside.any() and y[inside].mean() >= observed:
            as_dense += 1
    return (1 + as_dense) / (1 + permutations)


def restrictions(x: np.ndarray, y: np.ndarray, step: Step, names: Sequence[str], *,
                 seed: int = 0, permutations: int = PERMUTATIONS) -> list[Restriction]:
    """The restricted dimensions of ``step``'s box with their limits and p-values."""
    rng = np.random.default_rng(seed)
    return [Restriction(j, names[j], float(step.box.low[j]), float(step.box.high[j]),
                        restriction_significance(x, y, step.box, j, permutations=permutations,
                                                 rng=rng))
            for j in step.restricted]
