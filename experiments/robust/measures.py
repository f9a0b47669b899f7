"""Regret and robustness of policy packages over an ensemble of worlds (pure functions).

The input is one number per (package, world): an outcome's mean over the
replications of that package in that world (replication k of every package in
a world runs from the same seed: common random numbers). Following the
robust decision making literature (Lempert, Popper & Bankes 2003; McPhail et
al. 2018, "Robustness metrics", *Earth's Future* 6:169-191):

- **regret** of package p in world w: how far p falls short of the best package
  in that world, ``max_q v(q, w) - v(p, w)`` for an outcome to maximise,
  ``v(p, w) - min_q v(q, w)`` for one to minimise (>= 0; 0 for the best);
- **maximin** (Wald): choose the package whose worst world is best;
- **minimax regret** (Savage): choose the package whose largest regret is smallest;
- **satisficing** (Starr's domain criterion): choose the package meeting the
  threshold in the largest share of worlds.

The three metrics answer different questions and may choose different
packages; :func:`disagreement` says when they do.

>>> import numpy as np
>>> regret(np.array([[1.0, 3.0], [2.0, 2.0]]), Direction.MAXIMISE).tolist()
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

REGRET_QUANTILE = 0.9
"""The upper quantile of regret reported beside its maximum (less driven by one odd world)."""

TIE_TOLERANCE = 1e-12
"""Scores this close to the best count as tied (relative to the scores' scale)."""


class Direction(StrEnum):
    """Whether more of an outcome is better."""

    MAXIMISE = "max"
    MINIMISE = "min"


class Metric(StrEnum):
    """Robustness metrics (McPhail et al. 2018)."""

    MAXIMIN = "maximin"
    MINIMAX_REGRET = "minimax_regret"
    SATISFICING = "satisficing"


def regret(values: np.ndarray, direction: Direction) -> np.ndarray:
    """Regret of each package in each world against the best package in that world.

    Parameters
    ----------
    values : (n_packages, n_worlds) float
        The outcome (mean over replications) of each package in each world.
        A world where any package's value is NaN gives NaN regrets.
    direction : Direction

    Returns
    -------
    (n_packages, n_worlds) float
        >= 0; 0 for the best package of each world.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"expected a (packages, worlds) table, got shape {values.shape}")
    if direction is Direction.MAXIMISE:
        return values.max(axis=0, keepdims=True) - values
    return values - values.min(axis=0, keepdims=True)


def worst(values: np.ndarray, direction: Direction) -> np.ndarray:
    """Each package's worst value over the worlds, ``(n_packages,)``."""
    values = np.asarray(values, dtype=float)
    return values.min(axis=1) if direction is Direction.MAXIMISE else values.max(axis=1)


def meets(values: np.ndarray, direction: Direction, threshold: float) -> np.ndarray:
    """Whether each value meets ``threshold``: >= for an outcome to maximise, <= to minimise."""
    values = np.asarray(values, dtype=float)
    return values >= threshold if direction is Direction.MAXIMISE else values <= threshold


@dataclass(frozen=True)
class PackageRobustness:
    """One package's robustness on one outcome.

    Attributes
    ----------
    package : str
    mean : float
        Mean over the worlds.
    worst : float
        Worst value over the worlds (min to maximise, max to minimise).
    max_regret, p90_regret, mean_regret : float
        Of :func:`regret` over the worlds (p90: the 0.9 quantile, linear interpolation).
    share_meeting : float
        Share of the worlds where the threshold is met (NaN without a threshold).
    """

    package: str
    mean: float
    worst: float
    max_regret: float
    p90_regret: float
    mean_regret: float
    share_meeting: float


def robustness(values: np.ndarray, packages: Sequence[str], direction: Direction,
               threshold: float | None = None) -> list[PackageRobustness]:
    """Every package's robustness scores on one outcome.

    Parameters
    ----------
    values : (n_packages, n_worlds) float
        Without NaN (drop worlds with a failed run first).
    packages : sequence of str
        Names, in the rows' order.
    direction : Direction
    threshold : float, optional
        The level the outcome should meet (for the satisficing share).
    """
    values = np.asarray(values, dtype=float)
    if len(packages) != values.shape[0]:
        raise ValueError(f"{len(packages)} names for {values.shape[0]} packages")
    if values.shape[1] == 0:
        raise ValueError("no worlds to score the packages on")
    regrets = regret(values, direction)
    low = worst(values, direction)
    share = (meets(values, direction, threshold).mean(axis=1) if threshold is not None
             else np.full(len(packages), np.nan))
    return [PackageRobustness(name, float(values[i].mean()), float(low[i]),
                              float(regrets[i].max()),
                              float(np.quantile(regrets[i], REGRET_QUANTILE)),
                              float(regrets[i].mean()), float(share[i]))
            for i, name in enumerate(packages)]


def choices(scores: Sequence[PackageRobustness], direction: Direction
            ) -> dict[Metric, tuple[str, ...]]:
    """The package(s) each robustness metric chooses; ties give several, in input order.

    Satisficing is left out when no threshold was given (its shares are NaN).
    """
    sign = 1.0 if direction is Direction.MAXIMISE else -1.0
    chosen = {
        Metric.MAXIMIN: _best([sign * s.worst for s in scores]),
        Metric.MINIMAX_REGRET: _best([-s.max_regret for s in scores]),
    }
    shares = [s.share_meeting for s in scores]
    if not any(np.isnan(shares)):
        chosen[Metric.SATISFICING] = _best(shares)
    return {metric: tuple(scores[i].package for i in best) for metric, best in chosen.items()}


def _best(scores: Sequence[float]) -> list[int]:
    """Indexes of the highest scores (ties within :data:`TIE_TOLERANCE`)."""
    array = np.asarray(scores, dtype=float)
    top = array.max()
    slack = TIE_TOLERANCE * max(1.0, abs(top))
    return [i for i, score in enumerate(array) if score >= top - slack]


def agreed(chosen: Mapping[Metric, Sequence[str]]) -> tuple[str, ...]:
    """The packages every metric chooses (a tie counts as choosing each tied package)."""
    common = set.intersection(*(set(packages) for packages in chosen.values()))
    first = next(iter(chosen.values()))
    return tuple(p for p in first if p in common)


def disagreement(chosen: Mapping[Metric, Sequence[str]]) -> bool:
    """True when no package is chosen by every metric."""
    return not agreed(chosen)
