r"""A binding share row without a big MIP: Lagrangian relaxation of that one row.

When the assignment of :mod:`optimize.presolve.matching` meets every row of the
program but one share-type row ``a x >= b`` (the young share, the frontline
share or a ``[[composition]]`` row: share rows ``sum (a_i - s) v >= 0`` and count
rows ``sum a_i v >= count``), move that row into the objective with a multiplier
``lambda >= 0``:

.. math::

    L(\lambda) = \max_{x \in X} \; c x + \lambda (a x - b),

X the assignments (one move per candidate, one holder per post, each pool-rank
within its headroom; every other side row dropped). Each evaluation is one
matching with weights ``c + lambda a`` (:func:`optimize.presolve.matching.matching_columns`).

Bound. For every proposal x of the program, ``a x >= b`` and ``lambda >= 0``, so
``c x <= c x + lambda (a x - b) <= L(lambda)``: every L(lambda) is an upper bound
on the program's optimum (weak duality), and L is the maximum of the lines
``c x + lambda (a x - b)``, one per assignment: convex and piecewise linear, with
slope ``a x_lambda - b`` at lambda.

The search (:func:`search_multiplier`). The matching at 0 violates the row
(slope < 0); lambda is multiplied by 4 until the matching meets it (slope >= 0).
If the first raise does not, one matching under the weights a tells whether any
assignment meets the row; if none does, the program is infeasible and the
caller finds out (so does a search that needs more than ``MAX_RAISES`` raises).
Then the breakpoint search of a one-dimensional cutting-plane method: with lines
``lo`` (slope < 0) and ``hi`` (slope >= 0), evaluate L where they cross; if L
there is no higher than the two lines, that is the minimum of L (L is at least
the larger of the two lines everywhere, and that is least where they cross);
otherwise the new matching's line replaces ``lo`` or ``hi`` by the sign of its
slope. There are finitely many assignments, so the search ends (capped at
``MAX_STEPS`` matchings).

Optimal by the bound (method ``"lagrangian"``). Every matching met on the way
that meets every row of the program is a proposal; the best gives a lower bound
LB, and UB = L(lambda*) an upper bound. When UB - LB <= tolerance, that proposal
is optimal, proven. In particular a matching x at lambda that meets the row with
complementary slackness ``lambda (a x - b) = 0`` has ``c x = L(lambda)``.

Closing the gap exactly (method ``"lagrangian-mip"``). Otherwise, with x* the
matching at lambda* and w = c + lambda* a, the assignment at lambda* is a
min-cost flow (source -> candidate, capacity 1; candidate -> target, cost -w;
candidate -> sink, staying, cost 0; target -> sink, capacity 1 or the headroom)
and its residual graph has no negative cycle. Shortest-path distances d from a
virtual root joined to every node by arcs of cost 0 (Bellman-Ford,
:func:`reduced_costs_of`) are potentials: ``c(u, v) + d(u) - d(v) >= 0``
on every residual arc. The *Lagrangian reduced cost* of column (i, t) is
``r = -w_it + d(i) - d(t) >= 0`` if x* leaves it out, and 0 if x* uses it.

Rule: drop every column with ``r > UB - LB`` (plus a tolerance); keep the rest
and every row of the program.

Proof. Any assignment x (every candidate sends one unit, to a target or to the
sink) differs from x* by a circulation ``delta = x - x*``, so
``cost(x) - cost(x*) = sum_arcs c(a) delta_a = sum_arcs c_d(a) delta_a`` (the
potentials telescope around a circulation), with ``c_d(a) = c(a) + d(u) - d(v)``.
An arc empty in x* has ``c_d >= 0`` (its forward residual arc) and ``delta >= 0``;
a full arc has ``c_d <= 0`` (its backward residual arc) and ``delta <= 0``; an arc
strictly between has ``c_d = 0``. Every term is >= 0, and the term of a column
arc that x* leaves out is ``r_c x_c``; dropping all the others,
``w x <= w x* - sum_c r_c x_c``. For a proposal x of the program
(an assignment with ``a x >= b``):

.. math::

    c x \;\le\; w x - \lambda^* b \;\le\; w x^* - \lambda^* b - \sum_c r_c x_c
        \;=\; UB - \sum_c r_c x_c .

A proposal with ``c x >= LB`` therefore uses only columns with ``r_c <= UB - LB``
(all r >= 0). The proposal that gave LB is one of them, so the program over the
kept columns is feasible and its optimum is the whole program's optimum; it is
solved by :func:`optimize.solve.solve_program` with every row. When no column can
be dropped, or no matching met every row (no LB), :func:`solve_by_lagrangian`
returns None and the caller solves the whole program.

Floating point: the distances stop improving by less than 1e-12 of the largest
arc cost, and the rule keeps columns up to ``KEEP_TOL`` (relative) beyond
UB - LB: both err towards keeping columns, never towards dropping a needed one.

When it pays. Each evaluation of L is a whole matching, and the search takes a
few (``benchmarks/lagrange.py`` prints how many instances took which path and
the CPU time against the program path). It saves the most where the program's
LP relaxation is fractional and HiGHS's MIP would run on every column; where
that LP is integral anyway, the program path can be faster.

The result carries no row duals (as the matching's). Where values tie, another
of the equally good proposals than the whole program's may be chosen (see
``optimize.presolve.prune``).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from optimize.alternatives import Program
from optimize.formulation import Formulation, RowFamily
from optimize.presolve.matching import ROW_TOL, matching_columns
from optimize.solve import ResultStatus, SolverResult, relative_gap, solve_program

DUALIZED_FAMILIES = (RowFamily.YOUNG_SHARE, RowFamily.FRONTLINE_SHARE, RowFamily.COMPOSITION)
MAX_RAISES = 40  # lambda grows up to 4**40 ~ 1e24 times its start, then the row is unmeetable
MAX_STEPS = 60  # matchings of the breakpoint search
BOUND_TOL = 1e-9  # relative, on UB - LB and on the search's crossings
KEEP_TOL = 1e-7  # relative slack on the reduced-cost rule (keeps a few columns more: safe)


@dataclass(frozen=True)
class FlowNetwork:
    """The assignment as a flow: each column's candidate node and target, each target's capacity.

    Nodes: candidates ``[0, n_candidates)``, then targets (posts, then pool-rank rows),
    then the sink.
    """

    candidate: np.ndarray  # (n_cols,) int
    target: np.ndarray  # (n_cols,) int, 0-based among targets: posts first
    capacity: np.ndarray  # (n_targets,) float

    @property
    def n_candidates(self) -> int:
        return int(self.candidate.max(initial=-1)) + 1

    @property
    def sink(self) -> int:
        return self.n_candidates + len(self.capacity)


def flow_network(form: Formulation, headroom: np.ndarray) -> FlowNetwork:
    """The flow of ``form``'s assignment (posts hold one, pool-rank k holds ``headroom[k]``)."""
    n_posts = len(form.rows_of(RowFamily.POST))
    pairs = form.pairs
    candidate = np.unique(form.column_candidate(), return_inverse=True)[1].reshape(-1)
    target = np.concatenate([pairs.post_post, n_posts + pairs.rank_pool]).astype(np.int64)
    capacity = np.concatenate([np.ones(n_posts), np.asarray(headroom, float)])
    return FlowNetwork(candidate, target, capacity)


@dataclass(frozen=True)
class Multiplier:
    """The outcome of the multiplier search on one row.

    Attributes
    ----------
    row : int
        The dualized row.
    lam : float
        lambda* >= 0, where L is least.
    upper : float
        UB = L(lambda*), an upper bound on the program's optimum.
    at_lam : (k,) int
        Columns of the matching at lambda* (an optimal assignment for L(lambda*)).
    best : (k,) int or None
        Columns of the best matching found that meets every row of the program.
    lower : float
        Its objective (LB); -inf when there is none.
    matchings : int
        Matchings solved (the one at lambda = 0 included).
    """

    row: int
    lam: float
    upper: float
    at_lam: np.ndarray
    best: np.ndarray | None
    lower: float
    matchings: int


@dataclass(frozen=True)
class _Line:
    """An assignment's line ``value + lambda * slope`` (slope = a x - b) and its columns."""

    cols: np.ndarray
    value: float
    slope: float

    def at(self, lam: float) -> float:
        return self.value + lam * self.slope


def violated_rows(form: Formulation, cols: np.ndarray) -> np.ndarray:
    """``(r,) int``: rows of ``form`` the proposal choosing ``cols`` breaks."""
    x = np.zeros(form.n_cols)
    x[cols] = 1.0
    activity = form.matrix @ x
    return np.flatnonzero((activity < form.row_lower - ROW_TOL)
                          | (activity > form.row_upper + ROW_TOL))


def dualizable_row(form: Formulation, violated: np.ndarray) -> int | None:
    """The row to dualize: the only violated one, a share-type ``>=`` row; else None."""
    if len(violated) != 1:
        return None
    row = int(violated[0])
    if (RowFamily(int(form.row_family[row])) not in DUALIZED_FAMILIES
            or np.isfinite(form.row_upper[row]) or not np.isfinite(form.row_lower[row])):
        return None
    return row


def row_coefficients(form: Formulation, row: int) -> np.ndarray:
    """``(n_cols,) float``: the coefficients a of ``row``."""
    return form.matrix[[row], :].toarray().ravel()


def search_multiplier(form: Formulation, headroom: np.ndarray, row: int,
                      start: np.ndarray) -> Multiplier | None:
    """lambda* minimising L, by raising lambda then a breakpoint search (see the module docstring).

    Parameters
    ----------
    form : Formulation
    headroom : (n_pool_rows,) int
    row : int
        A ``>=`` row of ``form`` that the matching ``start`` violates.
    start : (k,) int
        Columns of the matching at lambda = 0.

    Returns
    -------
    Multiplier or None
        None when a matching is not tried (see ``matching_columns``), no assignment
        meets the row, or the search does not settle within ``MAX_STEPS``.
    """
    coef = row_coefficients(form, row)
    rhs = float(form.row_lower[row])
    found: list[_Line] = []

    def line(cols: np.ndarray) -> _Line:
        result = _Line(cols, float(form.cost[cols].sum()), float(coef[cols].sum()) - rhs)
        found.append(result)
        return result

    def matched(lam: float) -> _Line | None:
        cols = matching_columns(dataclasses.replace(form, cost=form.cost + lam * coef), headroom)
        return None if cols is None else line(cols)

    lo = line(start)
    lam = float(np.abs(form.cost).max(initial=1.0)) / max(float(np.abs(coef).max()), 1e-12)
    hi = None
    for raised in range(MAX_RAISES):
        hi = matched(lam)
        if hi is None or hi.slope >= -ROW_TOL:
            break
        if raised == 0 and not row_can_hold(form, headroom, coef, rhs):
            return None
        lo, lam = hi, 4.0 * lam
    if hi is None or hi.slope < -ROW_TOL:
        return None
    at_lam, steps = hi, 0
    while hi.slope > ROW_TOL:  # a crossing to look at (slope 0: hi is optimal at its lambda)
        steps += 1
        if steps > MAX_STEPS:
            return None
        lam = (lo.value - hi.value) / (hi.slope - lo.slope)
        at_lam = matched(lam)
        if at_lam is None:
            return None
        if at_lam.at(lam) <= lo.at(lam) + BOUND_TOL * max(1.0, abs(lo.at(lam))):
            break  # no assignment above the two lines: L is least here
        if at_lam.slope >= -ROW_TOL:
            hi = at_lam
        else:
            lo = at_lam
    feasible = [f for f in found if f.slope >= -ROW_TOL and len(violated_rows(form, f.cols)) == 0]
    best = max(feasible, key=lambda f: f.value, default=None)
    return Multiplier(row, lam, at_lam.at(lam), at_lam.cols, None if best is None else best.cols,
                      -np.inf if best is None else best.value, len(found))


def row_can_hold(form: Formulation, headroom: np.ndarray, coef: np.ndarray, rhs: float) -> bool:
    """Whether some assignment has ``coef @ x >= rhs`` (one matching under the weights coef).

    When none has, raising lambda never meets the row: the program is infeasible.
    """
    cols = matching_columns(dataclasses.replace(form, cost=coef), headroom)
    return cols is None or float(coef[cols].sum()) >= rhs - ROW_TOL


def reduced_costs_of(network: FlowNetwork, weight: np.ndarray,
                     cols: np.ndarray) -> np.ndarray | None:
    """``(n_cols,) float >= 0``: Lagrangian reduced costs r of every column (see the docstring).

    ``cols`` must be an optimal assignment under ``weight``. The potentials are the
    distances of its residual graph (Bellman-Ford, one vectorised relaxation of
    every arc per round). None if they do not settle (a negative cycle: ``cols``
    was not optimal).
    """
    n_cand, n_targets, sink = network.n_candidates, len(network.capacity), network.sink
    cand, tnode = network.candidate, n_cand + network.target
    used = np.zeros(len(weight), bool)
    used[cols] = True
    flow = np.bincount(network.target[cols], minlength=n_targets)
    moved = np.zeros(n_cand, bool)
    moved[cand[cols]] = True
    targets = n_cand + np.arange(n_targets)
    cands = np.arange(n_cand)
    open_, taken = targets[flow < network.capacity], targets[flow > 0]
    tail = np.concatenate([np.where(used, tnode, cand), open_, np.full(len(taken), sink),
                           cands[moved], np.full(int((~moved).sum()), sink)])
    head = np.concatenate([np.where(used, cand, tnode), np.full(len(open_), sink), taken,
                           np.full(int(moved.sum()), sink), cands[~moved]])
    cost = np.concatenate([np.where(used, weight, -weight), np.zeros(len(tail) - len(weight))])
    dist = _shortest_from_everywhere(tail, head, cost, sink + 1)
    if dist is None:
        return None
    reduced = -weight + dist[cand] - dist[tnode]
    reduced[used] = 0.0
    return np.maximum(reduced, 0.0)


def _shortest_from_everywhere(tail: np.ndarray, head: np.ndarray, cost: np.ndarray,
                              n_nodes: int) -> np.ndarray | None:
    """``(n_nodes,) float``: least cost of a path ending at each node (from a free start).

    Bellman-Ford from a virtual root with a 0-cost arc to every node, every arc relaxed
    at once each round (Jacobi); None after ``n_nodes`` rounds without settling.
    """
    order = np.argsort(head, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    heads, first = np.unique(head, return_index=True)
    dist = np.zeros(n_nodes)
    eps = 1e-12 * max(1.0, float(np.abs(cost).max(initial=0.0)))
    for _ in range(n_nodes):
        best = np.minimum.reduceat(dist[tail] + cost, first)
        better = best < dist[heads] - eps
        if not better.any():
            return dist
        dist[heads[better]] = best[better]
    return None


def kept_columns(form: Formulation, headroom: np.ndarray,
                 multiplier: Multiplier) -> np.ndarray | None:
    """``(k,) int``: the columns with r <= UB - LB (plus ``KEEP_TOL``); None if r is not found."""
    weight = form.cost + multiplier.lam * row_coefficients(form, multiplier.row)
    reduced = reduced_costs_of(flow_network(form, headroom), weight, multiplier.at_lam)
    if reduced is None:
        return None
    gap = multiplier.upper - multiplier.lower
    return np.flatnonzero(reduced <= gap + KEEP_TOL * max(1.0, abs(multiplier.upper)))


def solve_by_lagrangian(form: Formulation, headroom: np.ndarray, *,
                        time_limit: float | None = None) -> SolverResult | None:
    """The optimum through the Lagrangian of the one violated share-type row; None otherwise.

    Parameters
    ----------
    form : Formulation
    headroom : (n_pool_rows,) int
    time_limit : float, optional
        Seconds for the reduced program's solve.

    Returns
    -------
    SolverResult or None
        Method ``"lagrangian"`` (a matching proven optimal by the bound) or
        ``"lagrangian-mip"`` (the program over the columns the reduced-cost rule
        keeps); no row duals. None when the assignment's matching breaks anything
        but one share-type row (or breaks nothing), no matching met every row, or
        no column can be dropped: solve the whole program instead.
    """
    start_time = time.perf_counter()
    start = matching_columns(form, headroom)
    if start is None:
        return None
    row = dualizable_row(form, violated_rows(form, start))
    if row is None:
        return None
    multiplier = search_multiplier(form, headroom, row, start)
    if multiplier is None or multiplier.best is None:
        return None
    upper, lower = multiplier.upper, multiplier.lower
    if upper - lower <= BOUND_TOL * max(1.0, abs(upper)):
        x = np.zeros(form.n_cols)
        x[multiplier.best] = 1.0
        return SolverResult(ResultStatus.OPTIMAL, x, lower, lower, 0.0,
                            time.perf_counter() - start_time, "lagrangian", None)
    keep = kept_columns(form, headroom, multiplier)
    if keep is None or len(keep) == form.n_cols:
        return None
    return _solve_reduced(form, keep, multiplier, time_limit, start_time)


def _solve_reduced(form: Formulation, keep: np.ndarray, multiplier: Multiplier,
                   time_limit: float | None, start_time: float) -> SolverResult:
    """The program over ``keep`` (every row), mapped back to all columns."""
    reduced = Program(form.cost[keep], form.matrix[:, keep], form.row_lower, form.row_upper,
                      form.col_upper[keep], form.integer[keep])
    # Straight to the MIP, without a warm start: with one (as the LP-first path passes),
    # highspy 1.16 hands back the warm start as the solution when MIP presolve solves the
    # whole program, and small reduced programs often are.
    result = solve_program(reduced, time_limit=time_limit, lp_first=False)
    x = np.zeros(form.n_cols)
    if result.x is None:  # the time limit hit first: the best matching is still a proposal
        x[multiplier.best] = 1.0
        objective, status = multiplier.lower, ResultStatus.TIME_LIMIT
    else:
        x[keep] = result.x
        objective, status = float(form.cost @ x), result.status
    bound = objective if status is ResultStatus.OPTIMAL else min(multiplier.upper, result.bound)
    return SolverResult(status, x, objective, bound, relative_gap(objective, bound),
                        time.perf_counter() - start_time, "lagrangian-mip", None)
