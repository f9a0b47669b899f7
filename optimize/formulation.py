r"""The allocation integer program in matrix form (the fast path's model).

Columns: one x[i,j] per eligible (candidate, post) pair, then one z[i,k] per
eligible (candidate, pool-rank) pair; all binary. Maximise

.. math::

    \sum_{(i,j)} f_{ij} w_j s_i m_i \, x_{ij} + \sum_{(i,k)} s_i m_i \, z_{ik},
    \qquad m_i = \phi^{F_i} h_i^{\eta}

(f fit, w post weight, s merit score, F frontline flag, phi ``frontline_weight``,
h hardship, eta ``hardship_exponent``) subject to one ``add_<family>_rows``
function per family of rows:

- one move per candidate:  sum_j x_ij + sum_k z_ik <= 1
- one holder per post:     sum_i x_ij <= 1   (= 1 if must_fill)
- pool headroom:           sum_i z_ik <= headroom_k
- young share:             sum (y_i - s_y) x_ij >= 0        (post moves)
- frontline share:         sum (F_i - s_f) (x_ij + z_ik) >= 0  (all moves)
- unit outflow:            sum_{i in u, unit(j) != u} x_ij <= max_outflow

The pulp model (``optimize.pulp_model``) states the same rows with names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import scipy.sparse as sp

from optimize.eligibility import EligiblePairs, eligible_pairs
from optimize.problem import AllocationProblem

INF = np.inf


class RowFamily(IntEnum):
    """The families of constraints; ``row_entity`` indexes the family's entities."""

    ONE_MOVE = 0  # entity: candidate
    POST = 1  # entity: post
    POOL = 2  # entity: pool-rank row
    YOUNG_SHARE = 3  # entity: -1
    FRONTLINE_SHARE = 4  # entity: -1
    OUTFLOW = 5  # entity: unit


@dataclass(frozen=True)
class ObjectiveTerms:
    """The parts of each column's objective coefficient (all ``(n_cols,)``)."""

    score: np.ndarray
    frontline_factor: np.ndarray
    hardship_factor: np.ndarray
    weight: np.ndarray  # post weight; 1 for rank moves
    fit: np.ndarray  # 1 for rank moves

    @property
    def multiplier(self) -> np.ndarray:
        return self.frontline_factor * self.hardship_factor

    @property
    def value(self) -> np.ndarray:
        return self.fit * self.weight * self.score * self.multiplier


@dataclass(frozen=True)
class Formulation:
    """A maximisation ``max c x  s.t.  row_lower <= A x <= row_upper, 0 <= x <= col_upper``.

    Attributes
    ----------
    pairs : EligiblePairs
        Columns ``[0, n_post_cols)`` are ``pairs.post_*``, the rest ``pairs.rank_*``.
    cost : (n_cols,) float
    matrix : scipy.sparse.csc_array (n_rows, n_cols)
    row_lower, row_upper : (n_rows,) float
    row_family : (n_rows,) int  (``RowFamily``)
    row_entity : (n_rows,) int
    col_upper : (n_cols,) float
    integer : (n_cols,) bool
    """

    pairs: EligiblePairs
    terms: ObjectiveTerms
    cost: np.ndarray
    matrix: sp.csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_family: np.ndarray
    row_entity: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray

    @property
    def n_post_cols(self) -> int:
        return self.pairs.n_post_pairs

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    def column_candidate(self) -> np.ndarray:
        return np.concatenate([self.pairs.post_candidate, self.pairs.rank_candidate])

    def rows_of(self, family: RowFamily) -> np.ndarray:
        return np.flatnonzero(self.row_family == family)


@dataclass
class _Rows:
    """Triplets of a family of rows, numbered from 0 within the family."""

    row: np.ndarray
    col: np.ndarray
    coef: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    entity: np.ndarray
    family: RowFamily


def objective_terms(problem: AllocationProblem, pairs: EligiblePairs) -> ObjectiveTerms:
    """The coefficient of every column, split into its documented factors."""
    c, p, w = problem.candidates, problem.posts, problem.rules.weights
    cand = np.concatenate([pairs.post_candidate, pairs.rank_candidate])
    frontline_factor = np.where(c.frontline, w.frontline_weight, 1.0)[cand]
    hardship_factor = (c.hardship**w.hardship_exponent)[cand]
    n_rank = pairs.n_rank_pairs
    weight = np.concatenate([p.weight[pairs.post_post], np.ones(n_rank)])
    fit = np.concatenate(
        [problem.fit.lookup(pairs.post_candidate, pairs.post_post, len(p)), np.ones(n_rank)]
    )
    return ObjectiveTerms(c.score[cand], frontline_factor, hardship_factor, weight, fit)


def add_one_move_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Each candidate makes at most one move a year (rows only for candidates with a column)."""
    cand = np.concatenate([pairs.post_candidate, pairs.rank_candidate])
    movers, row = np.unique(cand, return_inverse=True)
    n = len(movers)
    return _Rows(
        row,
        np.arange(len(cand)),
        np.ones(len(cand)),
        np.full(n, -INF),
        np.ones(n),
        movers,
        RowFamily.ONE_MOVE,
    )


def add_post_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """At most one holder per post, exactly one for must-fill posts (a row for every post)."""
    must = problem.posts.must_fill.astype(float)
    n = problem.n_posts
    return _Rows(
        pairs.post_post,
        np.arange(pairs.n_post_pairs),
        np.ones(pairs.n_post_pairs),
        np.where(must > 0, 1.0, -INF),
        np.ones(n),
        np.arange(n),
        RowFamily.POST,
    )


def add_pool_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Promotions into each pool-rank stay within its headroom."""
    n = len(problem.pools)
    cols = pairs.n_post_pairs + np.arange(pairs.n_rank_pairs)
    return _Rows(
        pairs.rank_pool,
        cols,
        np.ones(len(cols)),
        np.full(n, -INF),
        problem.pools.headroom.astype(float),
        np.arange(n),
        RowFamily.POOL,
    )


def add_young_share_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Young share of post moves >= young_share_min, linearised as sum (y_i - s) x >= 0."""
    t = problem.rules.targets
    if t.young_share_min <= 0 or pairs.n_post_pairs == 0:
        return _empty_rows(RowFamily.YOUNG_SHARE)
    young = (problem.candidates.age <= t.young_age_max).astype(float)
    coef = young[pairs.post_candidate] - t.young_share_min
    cols = np.arange(pairs.n_post_pairs)
    return _Rows(
        np.zeros(len(cols), np.int64),
        cols,
        coef,
        np.zeros(1),
        np.full(1, INF),
        np.full(1, -1),
        RowFamily.YOUNG_SHARE,
    )


def add_frontline_share_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Frontline share of all moves >= frontline_share_min, as sum (F_i - s) v >= 0."""
    t = problem.rules.targets
    cand = np.concatenate([pairs.post_candidate, pairs.rank_candidate])
    if t.frontline_share_min <= 0 or len(cand) == 0:
        return _empty_rows(RowFamily.FRONTLINE_SHARE)
    coef = problem.candidates.frontline[cand].astype(float) - t.frontline_share_min
    cols = np.arange(len(cand))
    return _Rows(
        np.zeros(len(cols), np.int64),
        cols,
        coef,
        np.zeros(1),
        np.full(1, INF),
        np.full(1, -1),
        RowFamily.FRONTLINE_SHARE,
    )


def add_outflow_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """At most max_outflow_per_unit post moves from each unit to posts in other units."""
    limit = problem.rules.limits.max_outflow_per_unit
    if limit < 0:
        return _empty_rows(RowFamily.OUTFLOW)
    from_unit = problem.candidates.unit[pairs.post_candidate]
    leaving = np.flatnonzero(from_unit != problem.posts.unit[pairs.post_post])
    units, row = np.unique(from_unit[leaving], return_inverse=True)
    n = len(units)
    return _Rows(
        row,
        leaving,
        np.ones(len(leaving)),
        np.full(n, -INF),
        np.full(n, float(limit)),
        units,
        RowFamily.OUTFLOW,
    )


def _empty_rows(family: RowFamily) -> _Rows:
    z = np.zeros(0)
    zi = np.zeros(0, np.int64)
    return _Rows(zi, zi, z, z, z, zi, family)


ROW_BUILDERS = (
    add_one_move_rows,
    add_post_rows,
    add_pool_rows,
    add_young_share_rows,
    add_frontline_share_rows,
    add_outflow_rows,
)


def build_formulation(
    problem: AllocationProblem, pairs: EligiblePairs | None = None
) -> Formulation:
    """Assemble the sparse program of ``problem`` (eligibility computed if not given)."""
    pairs = eligible_pairs(problem) if pairs is None else pairs
    terms = objective_terms(problem, pairs)
    n_cols = pairs.n_post_pairs + pairs.n_rank_pairs
    blocks = [build(problem, pairs) for build in ROW_BUILDERS]
    offsets = np.cumsum([0] + [len(b.lower) for b in blocks])
    rows = np.concatenate([b.row + off for b, off in zip(blocks, offsets[:-1], strict=True)])
    cols = np.concatenate([b.col for b in blocks])
    coef = np.concatenate([b.coef for b in blocks])
    matrix = sp.csc_array((coef, (rows, cols)), shape=(int(offsets[-1]), n_cols))
    matrix.sort_indices()
    return Formulation(
        pairs=pairs,
        terms=terms,
        cost=terms.value,
        matrix=matrix,
        row_lower=np.concatenate([b.lower for b in blocks]),
        row_upper=np.concatenate([b.upper for b in blocks]),
        row_family=np.concatenate([np.full(len(b.lower), int(b.family)) for b in blocks]),
        row_entity=np.concatenate([b.entity for b in blocks]).astype(np.int64),
        col_upper=np.ones(n_cols),
        integer=np.ones(n_cols, bool),
    )


def share_rows(form: Formulation) -> np.ndarray:
    """The young and frontline share rows: dense, and often not binding (solved lazily)."""
    return np.concatenate([form.rows_of(RowFamily.YOUNG_SHARE),
                           form.rows_of(RowFamily.FRONTLINE_SHARE)])


def seed_columns(form: Formulation, per_row: int = 3) -> np.ndarray:
    """Promising columns to start the LP's column generation from.

    For every post and pool-rank row: its best ``ceil(capacity) + per_row``
    columns by objective value, and its best ``per_row`` columns among those that
    count towards each active share rule (so the restricted LP can meet the
    targets). Column generation then adds whatever else the duals ask for; the
    seed only affects speed, never the optimum.
    """
    csr = sp.csr_array(form.matrix)
    capacity_rows = np.flatnonzero(
        (form.row_family == RowFamily.POST) | (form.row_family == RowFamily.POOL)
    )
    quota = np.ceil(np.minimum(form.row_upper[capacity_rows], form.n_cols)).astype(np.int64)
    chosen = [
        _best_per_row(csr, capacity_rows, quota + per_row, form.cost, np.ones(form.n_cols, bool))
    ]
    for family in (RowFamily.YOUNG_SHARE, RowFamily.FRONTLINE_SHARE):
        for row in form.rows_of(family):
            counts = np.zeros(form.n_cols, bool)
            start, end = csr.indptr[row], csr.indptr[row + 1]
            counts[csr.indices[start:end][csr.data[start:end] > 0]] = True
            chosen.append(
                _best_per_row(
                    csr, capacity_rows, np.full(len(capacity_rows), per_row), form.cost, counts
                )
            )
    return np.unique(np.concatenate(chosen))


def _best_per_row(
    csr: sp.csr_array, rows: np.ndarray, quota: np.ndarray, cost: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """The best ``quota[r]`` allowed columns of each row in ``rows`` by ``cost``."""
    sub = csr[rows]  # one fancy row selection instead of a loop over rows
    lengths = np.diff(sub.indptr)
    row_of_entry = np.repeat(np.arange(len(rows)), lengths)
    entries = sub.indices
    keep = allowed[entries]
    row_of_entry, entries = row_of_entry[keep], entries[keep]
    order = np.lexsort((-cost[entries], row_of_entry))
    row_sorted, col_sorted = row_of_entry[order], entries[order]
    first = np.searchsorted(row_sorted, np.arange(len(rows)))
    position = np.arange(len(row_sorted)) - first[row_sorted]
    return col_sorted[position < quota[row_sorted]]
