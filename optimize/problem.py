"""The allocation problem as plain arrays: candidates, vacant posts, rank pools, fit.

One row per candidate, per post, per pool-rank. Units and pools are integer
codes into ``unit_names`` / ``pool_names`` so that the simulation can build a
problem every year without strings; the file reader maps names to codes.
Arrays are made read-only on construction: the optimiser never changes its input.

Every number that reaches the solver is checked at construction for a safe range
(:func:`check_values`): scores, post weights, fits and hardship factors are finite
and at most :data:`MAX_INPUT` in size, and every objective coefficient
``fit x weight x score x frontline_weight^F x hardship^eta`` at most
:data:`MAX_OBJECTIVE_COEFFICIENT`, so the objective stays finite and well scaled
for HiGHS (whose tolerances are absolute, about 1e-7 to 1e-9). An allocation
whose eligible pairs would not fit in memory is refused by ``optimize.allocate``
before anything is built (:func:`check_allocation_size`, on the program it would
build: over classes of interchangeable posts when it aggregates them).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields

import numpy as np

from optimize.regulations import Regulations, check_regulations
from optimize.rules import Rules


class ProblemError(ValueError):
    """The arrays handed to the optimiser are inconsistent, out of range, or too large."""


MAX_INPUT = 1e6
"""Largest score, post weight, |fit| and hardship factor the optimiser accepts."""

MAX_OBJECTIVE_COEFFICIENT = 1e9
"""Largest objective coefficient of a move (its value): beyond it the solver's absolute
tolerances no longer tell the values apart, and sums may lose the small terms."""

BYTES_PER_PAIR = {"fast": 400, "pulp": 2_500}
"""Peak memory per eligible (candidate, post) pair, by backend, rounded up from
``python benchmarks/allocation_memory.py`` (1-2 million pairs: 270-345 bytes with the
fast backend; 0.2 million with pulp: about 2,230 bytes)."""

FALLBACK_MEMORY_BYTES = 16 * 2**30
"""Memory assumed when the machine's cannot be read (16 GiB)."""


def _freeze(obj) -> None:
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)


def _as(values, dtype) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype=dtype))


@dataclass(frozen=True)
class Candidates:
    """Candidates for promotion, one row each (all arrays ``(n_candidates,)``).

    Attributes
    ----------
    id : str
        Unique identifier, used in outputs and to break ties.
    unit : int
        Code of the candidate's unit (index into ``AllocationProblem.unit_names``).
    rank : int
        Current rank (职级), 0 = lowest.
    age : int
        Age in years.
    years_in_grade : float
        Years in the current rank, >= 0.
    score : float
        Merit score (>= 0) under the promotion rule in force.
    post_level : int
        Level of the leadership post held, 0 = none.
    frontline : bool
        Serves in a frontline unit (镇街/园区/项目).
    hardship : float
        Hardship factor of the unit, >= 1.
    blocked : bool
        Under a disciplinary impact period (影响期), no promotion.
    pool : int
        Code of the candidate's rank pool (index into ``pool_names``).
    """

    id: np.ndarray
    unit: np.ndarray
    rank: np.ndarray
    age: np.ndarray
    years_in_grade: np.ndarray
    score: np.ndarray
    post_level: np.ndarray
    frontline: np.ndarray
    hardship: np.ndarray
    blocked: np.ndarray
    pool: np.ndarray

    def __post_init__(self) -> None:
        for name, dtype in _CANDIDATE_DTYPES.items():
            object.__setattr__(self, name, _as(getattr(self, name), dtype))
        _freeze(self)

    def __len__(self) -> int:
        return len(self.id)

    @classmethod
    def build(
        cls,
        *,
        unit,
        rank,
        age,
        years_in_grade,
        score,
        id=None,
        post_level=None,
        frontline=None,
        hardship=None,
        blocked=None,
        pool=None,
    ) -> Candidates:
        """Build with the documented defaults for the optional columns."""
        n = len(np.asarray(rank))
        return cls(
            id=np.arange(n).astype(str) if id is None else id,
            unit=unit,
            rank=rank,
            age=age,
            years_in_grade=years_in_grade,
            score=score,
            post_level=np.zeros(n, int) if post_level is None else post_level,
            frontline=np.zeros(n, bool) if frontline is None else frontline,
            hardship=np.ones(n) if hardship is None else hardship,
            blocked=np.zeros(n, bool) if blocked is None else blocked,
            pool=np.zeros(n, int) if pool is None else pool,
        )


_CANDIDATE_DTYPES = {
    "id": object,
    "unit": np.int64,
    "rank": np.int64,
    "age": np.int64,
    "years_in_grade": np.float64,
    "score": np.float64,
    "post_level": np.int64,
    "frontline": bool,
    "hardship": np.float64,
    "blocked": bool,
    "pool": np.int64,
}


@dataclass(frozen=True)
class Posts:
    """Vacant leadership posts (职务), one row each (arrays ``(n_posts,)``).

    ``level`` >= 1 (e.g. 1 = 副科, 2 = 正科, 3 = 副处); ``min_rank`` is the lowest
    rank allowed to take it; ``weight`` (> 0) is the post's importance;
    ``must_fill`` posts get exactly one holder when feasible.
    """

    id: np.ndarray
    unit: np.ndarray
    level: np.ndarray
    min_rank: np.ndarray
    weight: np.ndarray
    must_fill: np.ndarray

    def __post_init__(self) -> None:
        for name, dtype in _POST_DTYPES.items():
            object.__setattr__(self, name, _as(getattr(self, name), dtype))
        _freeze(self)

    def __len__(self) -> int:
        return len(self.id)

    @classmethod
    def build(cls, *, unit, level, min_rank, id=None, weight=None, must_fill=None) -> Posts:
        n = len(np.asarray(level))
        return cls(
            id=np.array([f"P{j}" for j in range(n)], dtype=object) if id is None else id,
            unit=unit,
            level=level,
            min_rank=min_rank,
            weight=np.ones(n) if weight is None else weight,
            must_fill=np.zeros(n, bool) if must_fill is None else must_fill,
        )


_POST_DTYPES = {
    "id": object,
    "unit": np.int64,
    "level": np.int64,
    "min_rank": np.int64,
    "weight": np.float64,
    "must_fill": bool,
}


@dataclass(frozen=True)
class RankPools:
    """Rank-slot quotas (职级职数): one row per (pool, rank promoted into).

    ``headroom`` is how many more cadres of the pool may be promoted into ``rank``.
    """

    pool: np.ndarray
    rank: np.ndarray
    headroom: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "pool", _as(self.pool, np.int64))
        object.__setattr__(self, "rank", _as(self.rank, np.int64))
        object.__setattr__(self, "headroom", _as(self.headroom, np.int64))
        _freeze(self)

    def __len__(self) -> int:
        return len(self.pool)


@dataclass(frozen=True)
class Fit:
    """Sparse candidate-post fit (人岗相适); pairs not listed have fit 1."""

    candidate: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    post: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    fit: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        object.__setattr__(self, "candidate", _as(self.candidate, np.int64))
        object.__setattr__(self, "post", _as(self.post, np.int64))
        object.__setattr__(self, "fit", _as(self.fit, np.float64))
        _freeze(self)

    def lookup(self, candidate: np.ndarray, post: np.ndarray, n_posts: int) -> np.ndarray:
        """Fit of each (candidate, post) pair, ``(k,) float``; 1 where not listed."""
        out = np.ones(len(candidate))
        if len(self.fit) == 0 or len(candidate) == 0:
            return out
        keys = self.candidate * n_posts + self.post
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        wanted = np.asarray(candidate, np.int64) * n_posts + np.asarray(post, np.int64)
        at = np.searchsorted(sorted_keys, wanted)
        at_clipped = np.minimum(at, len(sorted_keys) - 1)
        found = sorted_keys[at_clipped] == wanted
        out[found] = self.fit[order[at_clipped[found]]]
        return out


@dataclass(frozen=True)
class AllocationProblem:
    """Everything the allocation integer program needs, as plain arrays."""

    candidates: Candidates
    posts: Posts
    pools: RankPools
    rules: Rules = field(default_factory=Rules)
    fit: Fit = field(default_factory=Fit)
    unit_names: tuple[str, ...] = ()
    pool_names: tuple[str, ...] = ()
    regulations: Regulations = field(default_factory=Regulations)

    def __post_init__(self) -> None:
        n_units = int(max(_max_or(self.candidates.unit), _max_or(self.posts.unit))) + 1
        if not self.unit_names:
            object.__setattr__(self, "unit_names", tuple(f"U{u}" for u in range(n_units)))
        n_pools = int(max(_max_or(self.candidates.pool), _max_or(self.pools.pool))) + 1
        if not self.pool_names:
            object.__setattr__(self, "pool_names", tuple(f"pool{p}" for p in range(n_pools)))
        check_problem(self)

    @property
    def n_candidates(self) -> int:
        return len(self.candidates)

    @property
    def n_posts(self) -> int:
        return len(self.posts)


def _max_or(values: np.ndarray, default: int = -1) -> int:
    return int(values.max()) if len(values) else default


def check_problem(problem: AllocationProblem) -> None:
    """Raise ``ProblemError`` naming the first inconsistent array."""
    c, p, q = problem.candidates, problem.posts, problem.pools
    for name in _CANDIDATE_DTYPES:
        if len(getattr(c, name)) != len(c):
            raise ProblemError(
                f"candidates.{name} has {len(getattr(c, name))} rows, expected {len(c)}"
            )
    for name in _POST_DTYPES:
        if len(getattr(p, name)) != len(p):
            raise ProblemError(f"posts.{name} has {len(getattr(p, name))} rows, expected {len(p)}")
    if not (len(q.rank) == len(q.headroom) == len(q)):
        raise ProblemError("pools.pool, pools.rank and pools.headroom differ in length")
    checks = [
        ("candidates.rank", c.rank, c.rank.min(initial=0) >= 0, ">= 0"),
        ("candidates.years_in_grade", c.years_in_grade, np.all(c.years_in_grade >= 0), ">= 0"),
        (
            "candidates.score",
            c.score,
            np.all(np.isfinite(c.score)) and np.all(c.score >= 0),
            ">= 0",
        ),
        ("candidates.post_level", c.post_level, c.post_level.min(initial=0) >= 0, ">= 0"),
        ("candidates.hardship", c.hardship, np.all(c.hardship >= 1), ">= 1"),
        ("posts.level", p.level, p.level.min(initial=1) >= 1, ">= 1"),
        ("posts.weight", p.weight, np.all(p.weight > 0), "> 0"),
        ("pools.headroom", q.headroom, q.headroom.min(initial=0) >= 0, ">= 0"),
        ("fit.fit", problem.fit.fit, np.all(np.isfinite(problem.fit.fit)), "finite"),
    ]
    for name, _values, ok, expected in checks:
        if not ok:
            raise ProblemError(f"{name} must be {expected}")
    if len(set(c.id.tolist())) != len(c):
        raise ProblemError("candidates.id must be unique")
    if len(set(p.id.tolist())) != len(p):
        raise ProblemError("posts.id must be unique")
    keys = q.pool * (1 << 20) + q.rank
    if len(np.unique(keys)) != len(keys):
        raise ProblemError("pools has a repeated (pool, rank) row")
    n_units, n_pools = len(problem.unit_names), len(problem.pool_names)
    if _max_or(c.unit) >= n_units or _max_or(p.unit) >= n_units or c.unit.min(initial=0) < 0:
        raise ProblemError("a unit code is outside unit_names")
    if _max_or(c.pool) >= n_pools or _max_or(q.pool) >= n_pools or c.pool.min(initial=0) < 0:
        raise ProblemError("a pool code is outside pool_names")
    f = problem.fit
    if len(f.fit) and (
        f.candidate.min() < 0
        or f.candidate.max() >= len(c)
        or f.post.min() < 0
        or f.post.max() >= len(p)
    ):
        raise ProblemError("fit refers to a candidate or post index out of range")
    trouble = check_regulations(problem.regulations, len(c), len(p))
    if trouble is not None:
        raise ProblemError(trouble)
    check_values(problem)


def check_values(problem: AllocationProblem) -> None:
    """Raise ``ProblemError`` unless every number that reaches the solver is in a safe range.

    Scores, post weights, fits and hardship factors must be finite and at most
    :data:`MAX_INPUT` in size, and the largest objective coefficient (computed in
    logarithms, so that it cannot overflow) at most :data:`MAX_OBJECTIVE_COEFFICIENT`.
    The message names the array, the first offending row's id and its value.
    """
    c, p, f = problem.candidates, problem.posts, problem.fit
    for name, values, ids in (("candidates.score", c.score, c.id),
                              ("candidates.hardship", c.hardship, c.id),
                              ("posts.weight", p.weight, p.id)):
        bad = ~np.isfinite(values) | (np.abs(values) > MAX_INPUT)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ProblemError(f"{name} must be finite and at most {MAX_INPUT:g} "
                               f"(row {ids[i]!r}: {values[i]:g})")
    bad_fit = ~np.isfinite(f.fit) | (np.abs(f.fit) > MAX_INPUT)
    if bad_fit.any():
        k = int(np.flatnonzero(bad_fit)[0])
        raise ProblemError(f"fit.fit must be finite and at most {MAX_INPUT:g} in size "
                           f"(candidate {c.id[f.candidate[k]]!r}, post {p.id[f.post[k]]!r}: "
                           f"{f.fit[k]:g})")
    largest = log10_largest_coefficient(problem)
    if largest > math.log10(MAX_OBJECTIVE_COEFFICIENT):
        raise ProblemError(
            f"the largest value of a move, fit x weight x score x frontline_weight x "
            f"hardship^hardship_exponent, is about 1e{largest:.0f}, above "
            f"{MAX_OBJECTIVE_COEFFICIENT:g}: rescale the scores, weights or fits (only their "
            f"ratios matter)")


def log10_largest_coefficient(problem: AllocationProblem) -> float:
    """``log10`` of the largest objective coefficient any move can have (``-inf`` if none)."""
    c, weights = problem.candidates, problem.rules.weights
    if len(c) == 0:
        return -math.inf
    with np.errstate(divide="ignore"):
        per_candidate = (np.log10(np.abs(c.score))
                         + np.where(c.frontline, math.log10(weights.frontline_weight), 0.0)
                         + weights.hardship_exponent * np.log10(c.hardship))
    largest_fit = float(np.abs(problem.fit.fit).max(initial=1.0))
    largest_weight = float(problem.posts.weight.max(initial=1.0))
    return float(per_candidate.max()) + math.log10(max(largest_fit, 1.0)) \
        + math.log10(max(largest_weight, 1.0))


def eligible_pairs_bound(problem: AllocationProblem) -> int:
    """An upper bound on the eligible (candidate, post) pairs, without building them.

    Counts, for every post, the candidates of a high enough rank with a lower
    post level (in the post's unit under ``mobility = within_unit``); the years,
    age, blocks and regulations that remove more pairs are ignored. Plus one
    rank move per candidate.
    """
    c, p = problem.candidates, problem.posts
    if len(p) == 0 or len(c) == 0:
        return len(c)
    within_unit = problem.rules.eligibility.mobility.value == "within_unit"
    unit_key = p.unit if within_unit else np.zeros(len(p), np.int64)
    groups, counts = np.unique(np.stack([p.level, p.min_rank, unit_key], axis=1), axis=0,
                               return_counts=True)
    total = len(c)
    for (level, min_rank, unit), n_posts in zip(groups, counts, strict=True):
        ok = (c.rank >= min_rank) & (c.post_level < level)
        if within_unit:
            ok &= c.unit == unit
        total += int(np.count_nonzero(ok)) * int(n_posts)
    return total


def machine_memory_bytes() -> int:
    """Physical memory of this machine (:data:`FALLBACK_MEMORY_BYTES` if unknown)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return FALLBACK_MEMORY_BYTES


def check_allocation_size(problem: AllocationProblem, backend: str = "fast") -> None:
    """Refuse, before building anything, an allocation that cannot fit in memory.

    The estimate is :func:`eligible_pairs_bound` x :data:`BYTES_PER_PAIR` of the
    backend (``"fast"`` or ``"pulp"``), against the machine's physical memory.

    Raises
    ------
    ProblemError
        The estimate exceeds the memory; the message gives both.
    """
    pairs = eligible_pairs_bound(problem)
    needed = pairs * BYTES_PER_PAIR[backend]
    available = machine_memory_bytes()
    if needed > available:
        raise ProblemError(
            f"the allocation is too large: up to {pairs:,} eligible candidate-post pairs "
            f"would need about {needed / 2**30:,.1f} GiB with the {backend} backend, more "
            f"than this machine's {available / 2**30:,.1f} GiB; split it (by unit or "
            f"level) or narrow who is eligible")
