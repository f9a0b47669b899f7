r"""Assignment first: the yearly program as a max-weight matching, kept only when it is feasible.

Drop every side row of the program (must-fill lower bounds, shares, outflow,
locks, conflicts, composition and team targets) and what is left is an
assignment: each candidate makes at most one move, each post takes at most one
holder, each pool-rank at most its headroom. Its optimum R is an upper bound on
the program's optimum. Expanding each pool-rank into ``headroom`` slots (no more
than the candidates who could take it) makes it a bipartite matching, solved by
``scipy.sparse.csgraph.min_weight_full_bipartite_matching`` (LAPJVsp):

- rows: the candidates with a column of positive value (a column of value <= 0
  never raises the assignment's value, so some optimum of the assignment does
  without them);
- columns: the slots, then one *stay* slot per candidate, so that every
  candidate can be matched and the matching is full;
- weight of a move: ``C - value`` (> 0, as LAPJVsp wants non-zero weights), of
  staying ``C``, with ``C = 1 + max value``: the full matching of least weight
  ``n C - sum of values`` is the assignment of greatest value.

:func:`solve_by_matching` then checks every row of the program on the matching's
columns. If all hold, the matching is a feasible proposal whose value equals the
upper bound R: it is optimal, proven (method ``"matching"``). If any row is
violated it returns None and the caller solves the program as before (LP first,
then MIP): the answer is the same optimum whichever path ran. The matching gives
no row duals. Where values tie, the matching may choose another of the equally
good proposals than the LP would (see ``optimize.presolve.prune``), so it is used
only when asked (``allocate(assignment_first=True)``, fast backend).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from optimize.formulation import Formulation
from optimize.solve import ResultStatus, SolverResult

ROW_TOL = 1e-9
MAX_EXPANSION = 4.0
"""Largest ratio of slot-expanded edges to the program's columns for which the matching is
tried (a pool-rank with a large headroom repeats each of its columns once per slot)."""


def matching_columns(form: Formulation, headroom: np.ndarray) -> np.ndarray | None:
    """The columns of a max-weight assignment of ``form`` (side rows ignored), or None.

    Parameters
    ----------
    form : Formulation
    headroom : (n_pool_rows,) int
        Capacity of each pool-rank row.

    Returns
    -------
    (k,) int or None
        Chosen columns; None when the slot expansion would exceed
        ``MAX_EXPANSION`` times the columns.
    """
    pairs = form.pairs
    n_post = pairs.n_post_pairs
    candidate = form.column_candidate()
    positive = np.flatnonzero(form.cost > 0)
    if len(positive) == 0:
        return np.zeros(0, np.int64)
    movers, row = np.unique(candidate[positive], return_inverse=True)
    row = row.reshape(-1)
    is_post = positive < n_post
    n_posts = int(pairs.post_post.max(initial=-1)) + 1 if n_post else 0
    pool = np.where(is_post, 0, pairs.rank_pool[np.maximum(positive - n_post, 0)]
                    if pairs.n_rank_pairs else 0)
    # copies of each pool-rank: its headroom, but no more than the candidates it could take
    takers = np.bincount(pool[~is_post], minlength=len(headroom))
    copies = np.minimum(headroom, takers).astype(np.int64)
    n_edges = int(is_post.sum()) + int(copies[pool[~is_post]].sum())
    if n_edges > MAX_EXPANSION * max(form.n_cols, 1):
        return None
    first_slot = n_posts + np.concatenate([[0], np.cumsum(copies)[:-1]]).astype(np.int64)
    n_slots = n_posts + int(copies.sum())
    rank_edges = np.flatnonzero(~is_post)
    repeat = copies[pool[rank_edges]]
    edge = np.concatenate([np.flatnonzero(is_post), np.repeat(rank_edges, repeat)])
    offset = np.arange(int(repeat.sum())) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    slot = np.concatenate([pairs.post_post[positive[is_post]],
                           np.repeat(first_slot[pool[rank_edges]], repeat) + offset])
    big = 1.0 + float(form.cost[positive].max())
    n_movers = len(movers)
    weights = np.concatenate([big - form.cost[positive[edge]], np.full(n_movers, big)])
    graph = sp.csr_array(
        (weights, (np.concatenate([row[edge], np.arange(n_movers)]),
                   np.concatenate([slot, n_slots + np.arange(n_movers)]))),
        shape=(n_movers, n_slots + n_movers))
    matched_row, matched_slot = min_weight_full_bipartite_matching(graph)
    moved = matched_slot < n_slots
    matched_row, matched_slot = matched_row[moved], matched_slot[moved]
    # back from (candidate row, slot) to the column: the edge with that row and slot
    edge_key = row[edge] * (n_slots + 1) + slot
    order = np.argsort(edge_key, kind="stable")
    at = np.searchsorted(edge_key[order], matched_row * (n_slots + 1) + matched_slot)
    return np.sort(positive[edge[order[at]]])


def solve_by_matching(form: Formulation, headroom: np.ndarray) -> SolverResult | None:
    """The optimum by a matching when it meets every row of ``form``; None otherwise.

    A result has method ``"matching"``, status ``OPTIMAL``, bound = objective and no
    row duals. None when a row is violated, or the matching is not tried (see
    :func:`matching_columns`): solve the program instead.
    """
    start = time.perf_counter()
    cols = matching_columns(form, headroom)
    if cols is None:
        return None
    x = np.zeros(form.n_cols)
    x[cols] = 1.0
    activity = form.matrix @ x
    if np.any(activity < form.row_lower - ROW_TOL) or np.any(activity > form.row_upper + ROW_TOL):
        return None
    objective = float(form.cost @ x)
    return SolverResult(ResultStatus.OPTIMAL, x, objective, objective, 0.0,
                        time.perf_counter() - start, "matching", None)
