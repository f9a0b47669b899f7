"""CART as a cross-check of PRIM: a classification tree's failure leaves, read as boxes.

Scenario discovery checks a PRIM box against the leaves of a classification
and regression tree (Breiman et al. 1984; Lempert, Bryant & Bankes 2008,
"Comparing algorithms for scenario discovery", RAND WR-557, who found the two
agree on clear boxes and differ where the cases of interest are spread out).
A tree splits the inputs one threshold at a time; each leaf is a box (the
thresholds on its path), and a leaf where most cases fail is a box of failure,
with the same coverage, density and mass as a PRIM box
(:mod:`experiments.discover.prim`).

The tree is scikit-learn's ``DecisionTreeClassifier`` (BSD), Gini splits, no
depth limit but at least :data:`~experiments.discover.prim.MASS_MIN` of the
cases in every leaf (as PRIM's smallest box; EMA Workbench's default too), and
``random_state=0`` so that ties between equally good splits fall the same way
every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from experiments.discover.prim import MASS_MIN, Box, _check

TREE_SEED = 0
"""``random_state`` of the tree (only ties between equally good splits depend on it)."""


@dataclass(frozen=True)
class Leaf:
    """A leaf of the tree where the cases of interest are the majority.

    Attributes
    ----------
    box : Box
        The leaf's limits: the thresholds on its path (a case goes left when
        ``x <= threshold``), the data's range where a dimension is not split.
    coverage, density, mass : float
        In [0, 1], as for a PRIM box (of the cases the tree puts in the leaf).
    restricted : tuple of int
        Dimensions split on the path to the leaf.
    """

    box: Box
    coverage: float
    density: float
    mass: float
    restricted: tuple[int, ...]


def failure_leaves(x: np.ndarray, y: np.ndarray, *, mass_min: float = MASS_MIN) -> list[Leaf]:
    """The leaves of a classification tree of ``y`` on ``x`` where ``y`` is the majority.

    Parameters
    ----------
    x : (n_cases, n_dims) float
        The inputs, finite (levels coded 0, 1, ...).
    y : (n_cases,) bool
        Cases of interest; at least one.
    mass_min : float in (0, 1)
        Smallest share of the cases in a leaf.

    Returns
    -------
    list of Leaf
        Highest coverage first (then highest density); empty when no leaf has a
        majority of cases of interest.
    """
    from sklearn.tree import DecisionTreeClassifier

    x, y = _check(x, y)
    n = len(y)
    tree = DecisionTreeClassifier(min_samples_leaf=max(1, math.ceil(mass_min * n)),
                                  random_state=TREE_SEED).fit(x, y)
    node_of = tree.apply(x)
    leaves = []
    lo, hi = x.min(axis=0), x.max(axis=0)
    for node, (low, high, split) in _leaf_limits(tree.tree_, lo, hi).items():
        inside = node_of == node
        hits = int((inside & y).sum())
        if hits * 2 <= inside.sum():
            continue
        leaves.append(Leaf(Box(low, high), hits / int(y.sum()), hits / int(inside.sum()),
                           float(inside.mean()), tuple(sorted(split))))
    return sorted(leaves, key=lambda leaf: (-leaf.coverage, -leaf.density, leaf.restricted))


def _leaf_limits(tree, lo: np.ndarray, hi: np.ndarray) -> dict[int, tuple]:
    """Leaf node -> (low, high, split dimensions) from the thresholds on its path."""
    limits, stack = {}, [(0, lo.copy(), hi.copy(), frozenset())]
    while stack:
        node, low, high, split = stack.pop()
        left, right = tree.children_left[node], tree.children_right[node]
        if left == right:  # a leaf
            limits[node] = (low, high, split)
            continue
        j, threshold = int(tree.feature[node]), float(tree.threshold[node])
        left_high, right_low = high.copy(), low.copy()
        left_high[j] = min(high[j], threshold)
        right_low[j] = max(low[j], threshold)
        stack.append((left, low, left_high, split | {j}))
        stack.append((right, right_low, high, split | {j}))
    return limits

