"""OR-Library linear assignment instances (Beasley, J. Oper. Res. Soc. 41 (1990) 1069-1072).

``assign100.txt`` ... ``assign800.txt``: the first number is ``n``, then the
``n * n`` cost matrix row by row (row i = candidate i, column j = post j),
whitespace-separated and wrapped across lines. The known minimum costs are in
``assign_optima.csv`` (columns ``file, n, format, min_optimum, source``).

An assignment instance is an allocation problem with ``n`` candidates and ``n``
must-fill posts, everyone eligible for every post, no rank moves, and fit
``-cost``: the allocation's optimum is then ``-(minimum cost)``. This checks
the integer program and both solve paths against published optima.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from optimize.problem import AllocationProblem, Candidates, Fit, Posts, RankPools
from optimize.rules import Eligibility, Rules

DEFAULT_ORLIB_DIR = Path("/work/shared/data/orlib")


class OrlibFormatError(ValueError):
    """The file is not a dense OR-Library assignment instance."""


def read_assignment(path: str | Path) -> np.ndarray:
    """The cost matrix of a dense OR-Library assignment file.

    Parameters
    ----------
    path : str or Path
        ``assign<n>.txt``.

    Returns
    -------
    (n, n) float
        ``cost[i, j]``: cost of giving post ``j`` to candidate ``i``.

    Raises
    ------
    OrlibFormatError
        If the file does not hold ``n`` followed by exactly ``n * n`` numbers
        (the sparse ``assignp*.txt`` files, which list ``i j cost`` triples, are
        not supported: their missing pairs cannot be stated as rules).
    """
    numbers = np.array(Path(path).read_text().split(), dtype=float)
    if len(numbers) == 0 or numbers[0] != int(numbers[0]) or numbers[0] < 1:
        raise OrlibFormatError(f"{path}: expected the size n as the first number")
    n = int(numbers[0])
    if len(numbers) - 1 != n * n:
        raise OrlibFormatError(
            f"{path}: expected {n} x {n} = {n * n} costs after n, found {len(numbers) - 1}"
        )
    return numbers[1:].reshape(n, n)


def assignment_problem(cost: np.ndarray) -> AllocationProblem:
    """The allocation problem whose optimum is ``-(minimum assignment cost)``.

    ``n`` candidates (ids ``c1..cn``, rank 0, score 1, no frontline or hardship
    factor) and ``n`` must-fill posts (ids ``p1..pn``, level 1, minimum rank 0,
    weight 1) in one unit; no minimum years, so everyone is eligible for every
    post; no pool-rank rows, so there are no rank moves. The fit of candidate
    ``i`` at post ``j`` is ``-cost[i, j]``, so the objective of an allocation is
    ``-sum cost`` of its pairs, and must-fill makes it a perfect matching.

    Parameters
    ----------
    cost : (n, n) float
        Finite costs.

    Returns
    -------
    AllocationProblem
    """
    cost = np.asarray(cost, dtype=float)
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise OrlibFormatError(f"the cost matrix must be square, got shape {cost.shape}")
    n = cost.shape[0]
    candidates = Candidates.build(
        id=np.array([f"c{i + 1}" for i in range(n)], dtype=object),
        unit=np.zeros(n, int),
        rank=np.zeros(n, int),
        age=np.full(n, 40),
        years_in_grade=np.zeros(n),
        score=np.ones(n),
    )
    posts = Posts.build(
        id=np.array([f"p{j + 1}" for j in range(n)], dtype=object),
        unit=np.zeros(n, int),
        level=np.ones(n, int),
        min_rank=np.zeros(n, int),
        must_fill=np.ones(n, bool),
    )
    no_rank_rows = RankPools(pool=np.zeros(0), rank=np.zeros(0), headroom=np.zeros(0))
    cand, post = np.divmod(np.arange(n * n), n)
    fit = Fit(candidate=cand, post=post, fit=-cost.ravel())
    rules = Rules(eligibility=Eligibility(min_years_post={}))
    return AllocationProblem(candidates, posts, no_rank_rows, rules, fit,
                             unit_names=("all",), pool_names=("none",))


def known_optima(path: str | Path = DEFAULT_ORLIB_DIR / "assign_optima.csv") -> dict[str, float]:
    """Published minimum costs by file name (``{"assign100.txt": 305.0, ...}``)."""
    with Path(path).open(newline="") as f:
        return {row["file"]: float(row["min_optimum"]) for row in csv.DictReader(f)}
