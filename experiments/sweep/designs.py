"""Experimental designs of a sweep, on plain arrays: where in parameter space to run.

The samplers are scipy's and SALib's, never our own (their properties are
published and tested there):

``grid``
    The full factorial product of each parameter's values (``itertools.product``).
``lhs``
    Latin hypercube of ``samples`` points (``scipy.stats.qmc.LatinHypercube``,
    scrambled): each parameter's range cut into ``samples`` equal strata, one
    point per stratum.
``sobol``
    Saltelli's scheme for Sobol' indices (``SALib.sample.sobol.sample``, a
    scrambled Sobol' sequence): ``samples`` base points N (a power of 2) give
    N (d + 2) points, or N (2d + 2) with second-order indices (Saltelli et al.
    2010, Computer Physics Communications 181, 259-270).
``morris``
    Morris elementary-effect trajectories (``SALib.sample.morris.sample``):
    ``samples`` trajectories r on a grid of ``num_levels`` levels give r (d + 1)
    points (Morris 1991, Technometrics 33, 161-174; Campolongo et al. 2007).
``list``
    Points written out in the spec (no sampler).

Samplers work in the unit hypercube ``[0, 1]^d``; ``experiments.sweep.spec``
maps each coordinate to a parameter value (a range scaled linearly, levels by
equal-width bins). The design's randomness comes from one integer seed derived
from the sweep's root seed (:func:`design_seed`), so the same spec always gives
the same points.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol
from scipy.stats import qmc


class DesignMethod(StrEnum):
    """How the points of a sweep are chosen (see the module docstring)."""

    GRID = "grid"
    LHS = "lhs"
    SOBOL = "sobol"
    MORRIS = "morris"
    LIST = "list"


SAMPLED = (DesignMethod.LHS, DesignMethod.SOBOL, DesignMethod.MORRIS)
"""Methods that draw points in the unit hypercube (and take ``samples``)."""

DEFAULT_MORRIS_LEVELS = 4


def design_seed(root_seed: int) -> int:
    """The sampler's seed: the first 32-bit word of ``SeedSequence(root_seed)``.

    The runs' seeds are children of the same root (``spawn_key`` ``(sample,
    replication)``), so the design's stream and every run's stream are distinct.

    Parameters
    ----------
    root_seed : int >= 0

    Returns
    -------
    int
        In ``[0, 2**32)``.
    """
    return int(np.random.SeedSequence(root_seed).generate_state(1, np.uint32)[0])


def salib_problem(names: Sequence[str]) -> dict:
    """A SALib problem over the unit hypercube, one variable per name."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def design_size(method: DesignMethod, dims: int, samples: int, *,
                second_order: bool = False) -> int:
    """Points a sampled design will have.

    Parameters
    ----------
    method : DesignMethod
        One of :data:`SAMPLED`.
    dims : int >= 1
        Number of parameters d.
    samples : int >= 1
        LHS points, Sobol' base samples N, or Morris trajectories r.
    second_order : bool
        Sobol' only: also the second-order indices.

    Returns
    -------
    int
        ``samples`` (LHS), ``N (d + 2)`` or ``N (2d + 2)`` (Sobol'), ``r (d + 1)`` (Morris).
    """
    if method is DesignMethod.LHS:
        return samples
    if method is DesignMethod.SOBOL:
        return samples * (2 * dims + 2 if second_order else dims + 2)
    if method is DesignMethod.MORRIS:
        return samples * (dims + 1)
    raise ValueError(f"design {method.value!r} is not sampled")


def unit_design(method: DesignMethod, names: Sequence[str], samples: int, seed: int, *,
                second_order: bool = False,
                num_levels: int = DEFAULT_MORRIS_LEVELS) -> np.ndarray:
    """Points of a sampled design in the unit hypercube.

    Parameters
    ----------
    method : DesignMethod
        ``LHS``, ``SOBOL`` or ``MORRIS``.
    names : sequence of str
        The parameters, in the order of the columns.
    samples : int >= 1
        LHS points; Sobol' base samples N (a power of 2); Morris trajectories r.
    seed : int
        Sampler seed (:func:`design_seed`).
    second_order : bool
        Sobol' only.
    num_levels : int
        Morris only: levels of the grid (even, >= 2).

    Returns
    -------
    (n_points, d) float
        Coordinates in ``[0, 1]`` (``[0, 1)`` for LHS and Sobol'), n_points as
        :func:`design_size` says, rows in the sampler's order (SALib's analysers
        rely on it).
    """
    dims = len(names)
    if method is DesignMethod.LHS:
        sampler = qmc.LatinHypercube(d=dims, rng=np.random.default_rng(seed))
        return sampler.random(samples)
    if method is DesignMethod.SOBOL:
        return salib_sobol.sample(salib_problem(names), samples,
                                  calc_second_order=second_order, seed=seed)
    if method is DesignMethod.MORRIS:
        return salib_morris.sample(salib_problem(names), samples, num_levels=num_levels,
                                   seed=seed)
    raise ValueError(f"design {method.value!r} is not sampled")


def grid_design(values: Sequence[Sequence]) -> list[tuple]:
    """The full factorial product: every combination of each parameter's values.

    The last parameter varies fastest (``itertools.product`` order).

    Examples
    --------
    >>> grid_design([[0, 1], ["a", "b"]])
    [(0, 'a'), (0, 'b'), (1, 'a'), (1, 'b')]
    """
    return list(itertools.product(*values))
