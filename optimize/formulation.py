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
- locks:                   sum of the locked columns >= 1 (must) or <= 0 (forbid)
- conflicts (任职回避):     see ``add_conflict_rows``
- composition targets:     sum (a_i - s) v >= 0, or sum a_i v >= min_count
- team targets (班子结构):  sum_{j in u, a_i = value} x_ij >= min_count - current members

The young and frontline shares are two instances of the composition rows
(``share_rows_for``), kept in their own families for their prices and reports.

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
    LOCK = 6  # entity: lock index
    CONFLICT = 7  # entity: conflict index
    COMPOSITION = 8  # entity: 2 * rule index (+1 for the min_count row)
    TEAM = 9  # entity: rule index * n_units + unit


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


def share_rows_for(flags: np.ndarray, cand: np.ndarray, share: float, count: int,
                   family: RowFamily, entity: int, counted: np.ndarray | None = None) -> _Rows:
    """The composition rows over the columns of candidates ``cand`` (column ``c`` is ``cand[c]``).

    ``flags`` ``(n_candidates,) bool`` marks the group; ``share`` > 0 gives the row
    sum (a_i - share) v >= 0 (entity ``entity``), ``count`` > 0 the row
    sum a_i v >= count (entity ``entity + 1``). ``counted`` ``(len(cand),) bool``
    keeps only some of those columns in the rows (all when None).
    """
    a = flags.astype(float)[cand]
    cols = np.arange(len(cand))
    if counted is not None:
        a, cols = a[counted], cols[counted]
    parts = []
    if share > 0 and len(cols):
        parts.append((a - share, 0.0, entity))
    if count > 0:
        parts.append((a, float(count), entity + 1))
    if not parts:
        return _empty_rows(family)
    # share rows keep every counted column (as the pulp model states them); count rows
    # only the group's columns
    keep = [np.arange(len(cols)) if lower == 0 else np.flatnonzero(coef != 0)
            for coef, lower, _ in parts]
    return _Rows(
        np.concatenate([np.full(len(k), r, np.int64) for r, k in enumerate(keep)]),
        np.concatenate([cols[k] for k in keep]),
        np.concatenate([coef[k] for (coef, _, _), k in zip(parts, keep, strict=True)]),
        np.array([lower for _, lower, _ in parts]),
        np.full(len(parts), INF),
        np.array([e for _, _, e in parts], np.int64),
        family,
    )


def add_young_share_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Young share of post moves >= young_share_min, linearised as sum (y_i - s) x >= 0."""
    t = problem.rules.targets
    if t.young_share_min <= 0 or pairs.n_post_pairs == 0:
        return _empty_rows(RowFamily.YOUNG_SHARE)
    young = problem.candidates.age <= t.young_age_max
    return share_rows_for(young, pairs.post_candidate, t.young_share_min, 0,
                          RowFamily.YOUNG_SHARE, -1)


def add_frontline_share_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Frontline share of all moves >= frontline_share_min, as sum (F_i - s) v >= 0."""
    t = problem.rules.targets
    cand = np.concatenate([pairs.post_candidate, pairs.rank_candidate])
    if t.frontline_share_min <= 0 or len(cand) == 0:
        return _empty_rows(RowFamily.FRONTLINE_SHARE)
    return share_rows_for(problem.candidates.frontline, cand, t.frontline_share_min, 0,
                          RowFamily.FRONTLINE_SHARE, -1)


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


def post_columns_by_candidate(pairs: EligiblePairs, n_candidates: int) -> np.ndarray:
    """``(n_candidates + 1,) int``: post columns of candidate i are ``[s[i], s[i + 1])``."""
    return np.searchsorted(pairs.post_candidate, np.arange(n_candidates + 1))


def columns_of_lock(problem: AllocationProblem, pairs: EligiblePairs, lock: int) -> np.ndarray:
    """The columns a lock is about: one post pair, the candidate's rank pairs in a pool, or all."""
    lk = problem.regulations.locks
    i, j, pool = int(lk.candidate[lock]), int(lk.post[lock]), int(lk.pool[lock])
    n_post = pairs.n_post_pairs
    post_cols = np.flatnonzero(pairs.post_candidate == i)
    rank_cols = np.flatnonzero(pairs.rank_candidate == i)
    if j >= 0:
        return post_cols[pairs.post_post[post_cols] == j]
    if pool >= 0:
        in_pool = problem.pools.pool[pairs.rank_pool[rank_cols]] == pool
        return n_post + rank_cols[in_pool]
    return np.concatenate([post_cols, n_post + rank_cols])


def add_lock_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Decisions already taken: sum of the lock's columns >= 1 (must) or <= 0 (forbid).

    A must lock whose columns are absent is a row 0 >= 1: infeasible, so the
    relaxation reports it rather than dropping it.
    """
    lk = problem.regulations.locks
    if len(lk) == 0:
        return _empty_rows(RowFamily.LOCK)
    cols = [columns_of_lock(problem, pairs, k) for k in range(len(lk))]
    must = np.array([kind == "must" for kind in lk.kind])
    return _Rows(
        np.repeat(np.arange(len(lk)), [len(c) for c in cols]),
        np.concatenate(cols).astype(np.int64),
        np.ones(sum(len(c) for c in cols)),
        np.where(must, 1.0, -INF),
        np.where(must, INF, 0.0),
        np.arange(len(lk)),
        RowFamily.LOCK,
    )


def add_conflict_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    r"""任职回避 rows, one set per conflict pair (a, b).

    ``supervise``: neither is appointed to a post in the other's current unit,
    sum_{j in unit(b)} x_aj <= 0 (and the same for b).
    ``same_unit``: neither is appointed to a post in the unit where the other
    will be. For each unit u where a has eligible posts, with X_a(u) = sum_{j in u} x_aj:

    - b stays in u (u is b's unit): X_a(u) - sum_{j not in u} x_bj <= 0;
    - b may move to u:              X_a(u) + X_b(u) <= 1;
    - b is an incumbent of u:       X_a(u) <= 0;

    and the same with a and b exchanged. The empty allocation meets every row.
    """
    conflicts = problem.regulations.conflicts
    if len(conflicts) == 0 or pairs.n_post_pairs == 0:
        return _empty_rows(RowFamily.CONFLICT)
    home = problem.candidates.unit
    post_unit = problem.posts.unit[pairs.post_post]
    starts = post_columns_by_candidate(pairs, problem.n_candidates)
    rows: list[tuple[np.ndarray, np.ndarray, float, int]] = []

    def cols_of(i: int) -> np.ndarray:
        return np.arange(starts[i], starts[i + 1])

    for e, (a, b, b_unit, kind) in enumerate(zip(
            conflicts.a.tolist(), conflicts.b.tolist(), conflicts.b_unit.tolist(),
            conflicts.kind, strict=True)):
        ordered = [(a, b, b_unit)] + ([(b, a, int(home[a]))] if b >= 0 else [])
        for i, k, k_home in ordered:
            ci = cols_of(i)
            k_unit = int(home[k]) if k >= 0 else k_home
            if kind == "supervise" or k < 0:
                into = ci[post_unit[ci] == k_unit]
                if len(into):
                    rows.append((into, np.ones(len(into)), 0.0, e))
                continue
            ck = cols_of(k)
            for u in np.unique(post_unit[ci]).tolist():
                into = ci[post_unit[ci] == u]
                if u == k_unit:
                    away = ck[post_unit[ck] != u]
                    rows.append((np.concatenate([into, away]),
                                 np.concatenate([np.ones(len(into)), -np.ones(len(away))]),
                                 0.0, e))
                elif i == a or u == int(home[a]) or not np.any(post_unit[cols_of(a)] == u):
                    # (a, b) already stated X_a(u) + X_b(u) <= 1 for units a can reach
                    k_into = ck[post_unit[ck] == u]
                    rows.append((np.concatenate([into, k_into]),
                                 np.ones(len(into) + len(k_into)), 1.0, e))
    if not rows:
        return _empty_rows(RowFamily.CONFLICT)
    return _Rows(
        np.repeat(np.arange(len(rows)), [len(r[0]) for r in rows]),
        np.concatenate([r[0] for r in rows]).astype(np.int64),
        np.concatenate([r[1] for r in rows]),
        np.full(len(rows), -INF),
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows], np.int64),
        RowFamily.CONFLICT,
    )


def add_composition_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Each ``[[composition]]`` rule: share and/or count of the group among the counted moves."""
    rules = problem.rules.composition
    if not rules:
        return _empty_rows(RowFamily.COMPOSITION)
    cand_all = np.concatenate([pairs.post_candidate, pairs.rank_candidate])
    blocks = []
    for r, rule in enumerate(rules):
        flags = problem.regulations.attribute(rule.attribute, problem.n_candidates) == rule.value
        cand = pairs.post_candidate if rule.over == "posts" else cand_all
        counted = (rule.counts_level(problem.posts.level[pairs.post_post]) if rule.levels
                   else None)
        blocks.append(share_rows_for(flags, cand, rule.min_share, rule.min_count,
                                     RowFamily.COMPOSITION, 2 * r, counted))
    return _stack(blocks, RowFamily.COMPOSITION)


def team_units(problem: AllocationProblem, rule) -> np.ndarray:
    """Unit codes a ``[[team]]`` rule covers (its ``units``, or every unit with a post)."""
    if rule.units:
        index = {name: u for u, name in enumerate(problem.unit_names)}
        return np.array(sorted(index[name] for name in rule.units if name in index), np.int64)
    return np.unique(problem.posts.unit)


def add_team_rows(problem: AllocationProblem, pairs: EligiblePairs) -> _Rows:
    """Each ``[[team]]`` rule, each unit u: appointees of the group to u's posts >= need_u.

    need_u = min_count - current members of u's team with the attribute value
    (``teams.csv``); no row where the current team already meets the target.
    """
    rules = problem.rules.team
    if not rules:
        return _empty_rows(RowFamily.TEAM)
    n_units = len(problem.unit_names)
    post_unit = problem.posts.unit[pairs.post_post]
    rows, cols, lower, entity = [], [], [], []
    for r, rule in enumerate(rules):
        flags = problem.regulations.attribute(rule.attribute, problem.n_candidates) == rule.value
        have = problem.regulations.team_count(rule.attribute, rule.value, n_units)
        counted = flags[pairs.post_candidate]
        for u in team_units(problem, rule).tolist():
            need = rule.min_count - int(have[u])
            if need <= 0:
                continue
            c = np.flatnonzero(counted & (post_unit == u))
            rows.append(np.full(len(c), len(lower), np.int64))
            cols.append(c)
            lower.append(float(need))
            entity.append(r * n_units + u)
    if not lower:
        return _empty_rows(RowFamily.TEAM)
    n = len(lower)
    col = np.concatenate(cols).astype(np.int64)
    return _Rows(np.concatenate(rows), col, np.ones(len(col)), np.array(lower),
                 np.full(n, INF), np.array(entity, np.int64), RowFamily.TEAM)


def _stack(blocks: list[_Rows], family: RowFamily) -> _Rows:
    offsets = np.cumsum([0] + [len(b.lower) for b in blocks])
    return _Rows(
        np.concatenate([b.row + off for b, off in zip(blocks, offsets[:-1], strict=True)]),
        np.concatenate([b.col for b in blocks]),
        np.concatenate([b.coef for b in blocks]),
        np.concatenate([b.lower for b in blocks]),
        np.concatenate([b.upper for b in blocks]),
        np.concatenate([b.entity for b in blocks]).astype(np.int64),
        family,
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
    add_lock_rows,
    add_conflict_rows,
    add_composition_rows,
    add_team_rows,
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


LAZY_FAMILIES = (RowFamily.YOUNG_SHARE, RowFamily.FRONTLINE_SHARE, RowFamily.COMPOSITION,
                 RowFamily.CONFLICT)
TARGET_FAMILIES = (RowFamily.YOUNG_SHARE, RowFamily.FRONTLINE_SHARE, RowFamily.COMPOSITION,
                   RowFamily.TEAM, RowFamily.LOCK)


def share_rows(form: Formulation) -> np.ndarray:
    """Share, composition and conflict rows: often not binding, so solved lazily.

    (The solver only defers those that the empty allocation meets.)
    """
    return np.concatenate([form.rows_of(family) for family in LAZY_FAMILIES])


COUNT_FAMILIES = (RowFamily.YOUNG_SHARE, RowFamily.FRONTLINE_SHARE, RowFamily.COMPOSITION,
                  RowFamily.TEAM)


def count_expressions(form: Formulation) -> sp.csr_array:
    """``(k, n_cols)`` 0/1 rows: the integer counts the share and composition rows read.

    A share row ``sum (a_i - s) x >= 0`` reads two counts, the group's moves (its
    positive coefficients) and every counted move (all its columns); a count row
    ``sum a_i x >= k`` and a team row read one. Each is an integer in every
    proposal, so the solver may branch on it when the LP makes it fractional
    (``optimize.solve.solve_program(counts=...)``). Duplicates are dropped.
    """
    csr = sp.csr_array(form.matrix)
    rows = np.concatenate([form.rows_of(family) for family in COUNT_FAMILIES])
    patterns = []
    for row in rows:
        start, end = csr.indptr[row], csr.indptr[row + 1]
        cols, coef = csr.indices[start:end], csr.data[start:end]
        patterns.append(cols[coef > 0])
        if np.any(coef < 0):
            patterns.append(cols)
    unique = {tuple(p.tolist()): p for p in patterns if len(p)}
    if not unique:
        return sp.csr_array((0, form.n_cols))
    indices = np.concatenate(list(unique.values()))
    indptr = np.concatenate([[0], np.cumsum([len(p) for p in unique.values()])])
    return sp.csr_array((np.ones(len(indices)), indices, indptr),
                        shape=(len(unique), form.n_cols))


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
    for family in TARGET_FAMILIES:
        for row in form.rows_of(family)[np.isfinite(form.row_lower[form.rows_of(family)])]:
            start, end = csr.indptr[row], csr.indptr[row + 1]
            positive = csr.indices[start:end][csr.data[start:end] > 0]
            if family in (RowFamily.TEAM, RowFamily.LOCK):
                # short rows (one unit's posts, one candidate's moves): their best columns
                best = np.argsort(-form.cost[positive], kind="stable")[: 4 * per_row]
                chosen.append(positive[best])
                continue
            counts = np.zeros(form.n_cols, bool)
            counts[positive] = True
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
