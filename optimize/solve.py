"""The only module that talks to a solver: HiGHS in-process (highspy), and pulp.

The fast path solves the LP relaxation first. The assignment part of the
program is totally unimodular, so the relaxation is usually integral already,
and an integral LP optimum is a proven integer optimum (its objective equals
the bound). Large programs solve the LP by column generation (sifting): a
restricted LP over a few promising columns is re-solved with every absent
column of positive reduced cost added, until none is left, which proves that
the restricted optimum is the full LP optimum. A fractional relaxation (the
share rows can break total unimodularity) is first closed by branching on the
integer counts the share rows read (``_branch_on_counts``: LP re-solves, no
MIP); only what that leaves open goes to HiGHS's MIP solver, over the columns
that reduced-cost fixing cannot exclude. The LP's row duals are kept either
way: they price the quotas and rules.

Nothing of the solver reaches stdout: every model runs with ``output_flag`` off,
and HiGHS's banner, which highspy prints from its constructor before any option
can be set (once per process), is sent to ``/dev/null`` (:func:`silence_highs_banner`).
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import os
import sys
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import highspy
import numpy as np
import scipy.sparse as sp

INTEGRALITY_TOL = 1e-6
PRICING_TOL = 1e-9
BIG_M = 1_000.0  # artificial cost, in units of the largest |objective coefficient|
MIN_ENTERING = 2_000  # columns admitted per round of column generation, at least
# HiGHS simplex_strategy: dual simplex for every (re-)solve. Primal re-solves after adding
# columns (the basis stays primal feasible) were faster on some large programs and slower on
# others, among them the programs over post classes the model builds, so dual stays.
DUAL_SIMPLEX = 1


class ResultStatus(StrEnum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"  # feasible solution, optimality not proven
    NO_SOLUTION = "no_solution"  # time limit reached before any feasible solution


class LinearProgram(Protocol):
    """``max cost @ x  s.t.  row_lower <= matrix @ x <= row_upper, 0 <= x <= col_upper``."""

    cost: np.ndarray
    matrix: sp.csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray


@dataclass(frozen=True)
class SolverResult:
    """What a solve produced.

    Attributes
    ----------
    x : (n_cols,) float or None
        Column values (exactly 0/1 for integer columns when a solution exists).
    row_dual : (n_rows,) float or None
        Duals of the LP relaxation: change of the optimum per unit increase of
        the binding side's right-hand side (>= 0 for binding upper bounds under
        maximisation, <= 0 for binding lower bounds).
    method : str
        ``"lp-integral"`` (the LP relaxation was integral), ``"count-branch"`` (closed
        by branching on counts, no MIP), ``"mip"`` or ``"pulp-mip"``.
    """

    status: ResultStatus
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    seconds: float
    method: str
    row_dual: np.ndarray | None


@dataclass(frozen=True)
class LpResult:
    """The LP relaxation over all columns (``x``, duals, reduced costs ``None`` unless optimal)."""

    status: ResultStatus
    x: np.ndarray | None
    objective: float
    row_dual: np.ndarray | None
    reduced_cost: np.ndarray | None
    columns_used: int
    rounds: int


def relative_gap(objective: float, bound: float) -> float:
    return max(0.0, bound - objective) / max(1.0, abs(objective))


def solve_program(
    program: LinearProgram,
    *,
    time_limit: float | None = None,
    lp_first: bool = True,
    seed_columns: np.ndarray | None = None,
    lazy_rows: np.ndarray | None = None,
    counts: sp.csr_array | None = None,
) -> SolverResult:
    """Solve ``program`` to proven optimality (or the time limit) with HiGHS.

    Parameters
    ----------
    program : LinearProgram
    time_limit : float, optional
        Seconds for the whole solve; ``None`` = no limit.
    lp_first : bool
        Solve the LP relaxation first and accept it when integral (default).
        ``False`` goes straight to the MIP solver on all columns (kept for
        benchmarks and tests).
    seed_columns : (k,) int, optional
        Start the LP's column generation from these columns; ``None`` = all
        columns at once.
    lazy_rows : (r,) int, optional
        With ``seed_columns``: rows left out of the LP until violated (see ``solve_lp``).
    counts : (k, n_cols) sparse 0/1, optional
        Integer-valued counts of the program (e.g. the young appointments a share row
        reads, and the appointments it counts). When the LP is fractional, the solver
        first branches on a fractional count (``_branch_on_counts``) before any MIP.
    """
    start = time.perf_counter()
    integer = np.asarray(program.integer, bool)
    if program.matrix.shape[1] == 0:
        return _empty_result(program, start)
    if not lp_first:
        return _restricted_mip(program, integer, np.arange(len(integer)), None, time_limit, start)
    counts = counts if counts is not None and counts.shape[0] else None
    sifter = None
    if counts is None or seed_columns is None:
        lp = solve_lp(program, time_limit=time_limit, seed_columns=seed_columns,
                      lazy_rows=lazy_rows)
    else:  # the counts ride along as free rows, so that a branch re-solves this model
        free = {k: (-np.inf, np.inf) for k in range(counts.shape[0])}
        augmented = _WithCountBounds(program, counts, free)
        n_rows = len(program.row_lower)
        lazy = np.concatenate([np.asarray(lazy_rows if lazy_rows is not None else [], np.int64),
                               n_rows + np.arange(counts.shape[0])])
        lp, sifter = _solve_lp(augmented, time_limit, seed_columns, lazy)
        if lp.row_dual is not None:
            lp = dataclasses.replace(lp, row_dual=lp.row_dual[:n_rows])
    if lp.status is ResultStatus.INFEASIBLE:
        return SolverResult(
            ResultStatus.INFEASIBLE,
            None,
            -np.inf,
            -np.inf,
            np.inf,
            time.perf_counter() - start,
            "lp",
            None,
        )
    if lp.status is ResultStatus.OPTIMAL and _is_integral(lp.x, integer):
        x = _clean(lp.x, integer)
        objective = float(program.cost @ x)
        return SolverResult(
            ResultStatus.OPTIMAL,
            x,
            objective,
            objective,
            0.0,
            time.perf_counter() - start,
            "lp-integral",
            lp.row_dual,
        )
    if counts is not None and lp.status is ResultStatus.OPTIMAL:
        return _branch_on_counts(program, integer, lp, counts, time_limit, start,
                                 seed_columns, lazy_rows, sifter)
    return _mip_after_lp(program, integer, lp, time_limit, start)


def reduced_costs(program: LinearProgram, row_dual: np.ndarray) -> np.ndarray:
    """``(n_cols,) float``: c - A^T y; > 0 means the column would improve the maximum."""
    return np.asarray(program.cost, float) - program.matrix.T @ row_dual


def solve_lp(
    program: LinearProgram,
    *,
    time_limit: float | None = None,
    seed_columns: np.ndarray | None = None,
    lazy_rows: np.ndarray | None = None,
) -> LpResult:
    """The LP relaxation of ``program``, by column generation from ``seed_columns``.

    Without a seed the LP is solved over all columns at once. With one, a
    restricted LP over the seed is solved and columns of positive reduced cost
    are priced in until none is left: the optimality certificate of the full LP.
    Rows that the empty allocation violates (must-fill posts) get artificial
    columns at cost -M (M = ``BIG_M`` times the largest |cost|), so the restricted
    LP is always feasible and the columns that restore feasibility are chosen for
    their value too.

    ``lazy_rows`` (rows the empty allocation satisfies, e.g. the dense share rows)
    are left out until the solution violates them; then they are added, with
    their own artificials, and pricing resumes. A solution that is optimal
    without the remaining lazy rows and satisfies them is optimal with them (it
    is optimal for a relaxation and feasible), and their duals are 0.

    If artificials are still positive at the end, the LP is solved again with
    every row from the start and an exact phase 1 that either prices the
    artificials out or proves the LP infeasible (``_solve_lp_two_phase``), so
    the answer never depends on the size of M.
    """
    return _solve_lp(program, time_limit, seed_columns, lazy_rows)[0]


def _solve_lp(program: LinearProgram, time_limit: float | None,
              seed_columns: np.ndarray | None, lazy_rows: np.ndarray | None
              ) -> tuple[LpResult, _Sifter | None]:
    """``solve_lp``, and the live column-generation model when that path answered."""
    matrix = sp.csc_array(program.matrix)
    if seed_columns is None:
        return _solve_lp_whole(program, matrix, time_limit), None
    lower = np.asarray(program.row_lower, float)
    upper = np.asarray(program.row_upper, float)
    lazy = np.zeros(len(lower), bool)
    if lazy_rows is not None and len(lazy_rows):
        lazy[np.asarray(lazy_rows, np.int64)] = True
        lazy &= (lower <= 0) & (upper >= 0)
    if lazy.any():
        sifter = _Sifter(program, matrix, lazy, seed_columns, time_limit)
        result = sifter.solve()
        if result is not None:
            return result, sifter
    return _solve_lp_two_phase(program, time_limit=time_limit, seed_columns=seed_columns), None


class _Sifter:
    """A HiGHS model of ``program`` over some rows and columns, grown by pricing.

    Model columns are artificials (cost -M) and real columns, in the order they
    were added; ``real_pos`` / ``art_pos`` are their positions in the model.
    """

    def __init__(self, program: LinearProgram, matrix: sp.csc_array, lazy: np.ndarray,
                 seed_columns: np.ndarray, time_limit: float | None) -> None:
        self.program, self.matrix = program, matrix
        self.cost = np.asarray(program.cost, float)
        self.col_upper = np.asarray(program.col_upper, float)
        self.penalty = BIG_M * (1.0 + float(np.abs(self.cost).max(initial=0.0)))
        self.lower = np.array(program.row_lower, float)  # the sifter's own: a branch moves them
        self.upper = np.array(program.row_upper, float)
        self.lazy = lazy  # rows not in the model yet
        self.rows = np.flatnonzero(~lazy)
        self.model_matrix = matrix[self.rows, :]
        self.cols = np.unique(np.asarray(seed_columns, np.int64))
        self.in_set = np.zeros(matrix.shape[1], bool)
        self.in_set[self.cols] = True
        self.rounds = 0
        lower, upper = self.lower[self.rows], self.upper[self.rows]
        artificial = _artificial_block_for(lower, upper)
        n_art = artificial.shape[1]
        self.art_pos = np.arange(n_art)
        self.real_pos = n_art + np.arange(len(self.cols))
        self.h = _highs(time_limit)
        lp = highspy.HighsLp()
        block = sp.csc_array(sp.hstack([artificial, self.model_matrix[:, self.cols]],
                                       format="csc"))
        lp.num_col_, lp.num_row_ = block.shape[1], block.shape[0]
        lp.col_cost_ = np.concatenate([np.full(n_art, -self.penalty), self.cost[self.cols]])
        lp.col_lower_ = np.zeros(block.shape[1])
        lp.col_upper_ = np.concatenate([np.full(n_art, np.inf), self.col_upper[self.cols]])
        lp.row_lower_, lp.row_upper_ = lower, upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = block.indptr.astype(np.int32)
        lp.a_matrix_.index_ = block.indices.astype(np.int32)
        lp.a_matrix_.value_ = block.data.astype(float)
        lp.sense_ = highspy.ObjSense.kMaximize
        self.h.passModel(lp)
        self.h.setOptionValue("solver", "simplex")
        self.h.setOptionValue("presolve", "off")  # re-solves start from the previous basis
        self.h.setOptionValue("simplex_strategy", DUAL_SIMPLEX)

    @property
    def n_model_cols(self) -> int:
        return len(self.art_pos) + len(self.real_pos)

    def solve(self) -> LpResult | None:
        """The LP under the current row bounds, by column generation.

        Each round re-solves the model; a waiting (lazy) row the solution violates is
        added at once (its prices change the columns worth adding), else the columns of
        positive reduced cost are priced in; none left proves the optimum. ``None`` when
        a solve stopped short of optimality or artificials are left (then only the exact
        two-phase solve can tell an infeasible LP).
        """
        while True:
            self.rounds += 1
            self.h.run()
            if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            x = self.x()
            waiting = np.flatnonzero(self.lazy)
            activity = self.matrix[waiting, :] @ x
            violated = waiting[(activity < self.lower[waiting] - 1e-9)
                               | (activity > self.upper[waiting] + 1e-9)]
            if len(violated):
                self.add_rows(violated)
                continue
            d = self.cost - self.model_matrix.T @ self.row_dual()
            entering = np.flatnonzero(~self.in_set & (d > PRICING_TOL))
            if len(entering) == 0:
                break
            self.add_columns(_best_priced(entering, d, max(MIN_ENTERING, len(self.cols) // 10)))
        if self.artificial_total() > 1e-9:
            return None
        row_dual = np.zeros(len(self.lower))
        row_dual[self.rows] = self.row_dual()
        return LpResult(ResultStatus.OPTIMAL, x, float(self.cost @ x), row_dual,
                        reduced_costs(self.program, row_dual), len(self.cols), self.rounds)

    def add_columns(self, entering: np.ndarray) -> None:
        block = self.model_matrix[:, entering]
        self.h.addCols(len(entering), self.cost[entering], np.zeros(len(entering)),
                       self.col_upper[entering], block.nnz,
                       block.indptr[:-1].astype(np.int32), block.indices.astype(np.int32),
                       block.data.astype(float))
        self.real_pos = np.concatenate(
            [self.real_pos, self.n_model_cols + np.arange(len(entering))])
        self.cols = np.concatenate([self.cols, entering])
        self.in_set[entering] = True

    def set_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """New bounds for ``rows`` (a branch): rows in the model change, the others wait
        (lazy) while free and are added, with artificials of both signs, once bounded."""
        self.lower[rows], self.upper[rows] = lower, upper
        position = np.full(len(self.lower), -1)
        position[self.rows] = np.arange(len(self.rows))
        inside = rows[position[rows] >= 0]
        if len(inside):
            self.h.changeRowsBounds(len(inside), position[inside].astype(np.int32),
                                    self.lower[inside], self.upper[inside])
        bounded = rows[(position[rows] < 0)
                       & (np.isfinite(self.lower[rows]) | np.isfinite(self.upper[rows]))]
        if len(bounded):
            self.add_rows(bounded, both_signs=True)

    def add_rows(self, rows: np.ndarray, both_signs: bool = False) -> None:
        """Add ``rows`` of the program (over the model's real columns), each with an
        artificial (of the sign its bound needs, or of both)."""
        lower, upper = self.lower[rows], self.upper[rows]
        block = sp.csr_array(self.matrix[rows, :][:, self.cols])
        self.h.addRows(len(rows), lower, upper, block.nnz, block.indptr[:-1].astype(np.int32),
                       self.real_pos[block.indices].astype(np.int32), block.data.astype(float))
        model_row = len(self.rows) + np.arange(len(rows))
        sign = np.where(np.isfinite(lower), 1.0, -1.0)
        if both_signs:
            model_row = np.concatenate([model_row, model_row])
            sign = np.concatenate([np.ones(len(rows)), -np.ones(len(rows))])
        n_new = len(model_row)
        self.h.addCols(n_new, np.full(n_new, -self.penalty), np.zeros(n_new),
                       np.full(n_new, np.inf), n_new, np.arange(n_new, dtype=np.int32),
                       model_row.astype(np.int32), sign)
        self.art_pos = np.concatenate([self.art_pos, self.n_model_cols + np.arange(n_new)])
        self.rows = np.concatenate([self.rows, rows])
        self.lazy[rows] = False
        self.model_matrix = self.matrix[self.rows, :]

    def values(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value)

    def x(self) -> np.ndarray:
        x = np.zeros(self.matrix.shape[1])
        x[self.cols] = self.values()[self.real_pos]
        return x

    def artificial_total(self) -> float:
        return float(self.values()[self.art_pos].sum())

    def row_dual(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().row_dual)


def _artificial_block_for(lower: np.ndarray, upper: np.ndarray) -> sp.csc_array:
    """One artificial column per row that zero activity violates (+1 below, -1 above)."""
    below = np.flatnonzero(lower > 1e-9)
    above = np.flatnonzero(upper < -1e-9)
    rows = np.concatenate([below, above])
    coef = np.concatenate([np.ones(len(below)), -np.ones(len(above))])
    return sp.csc_array((coef, (rows, np.arange(len(rows)))), shape=(len(lower), len(rows)))


def _solve_lp_two_phase(
    program: LinearProgram,
    *,
    time_limit: float | None = None,
    seed_columns: np.ndarray | None = None,
) -> LpResult:
    """The seeded LP with every row from the start (see ``solve_lp``).

    The composite big-M phase runs first; if artificials are still positive when
    pricing stops, an exact phase 1 (artificials at cost -1, real columns at 0)
    either prices them out or proves the LP infeasible; then the artificials are
    fixed at 0 and pricing continues under the real costs.
    """
    n = program.matrix.shape[1]
    matrix = sp.csc_array(program.matrix)
    cost = np.asarray(program.cost, float)
    if seed_columns is None:
        return _solve_lp_whole(program, matrix, time_limit)
    artificial = _artificial_block(program)
    n_art = artificial.shape[1]
    cols = np.unique(np.asarray(seed_columns, np.int64))
    h = _highs(time_limit)
    _pass_lp(h, _WithArtificials(program, matrix, cols, artificial))
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
    h.setOptionValue("presolve", "off")  # re-solves start from the previous basis
    in_set = np.zeros(n, bool)
    in_set[cols] = True
    rounds = 0
    if n_art:
        # Composite phase (big-M): artificials cost -M, real columns their real cost, so the
        # columns priced in to restore feasibility are good ones too. Artificials at 0 at the
        # end means the full LP is solved; otherwise the exact phase 1 decides feasibility.
        objective, cols, rounds = _sift(h, program, matrix, cost, cols, in_set, n_art)
        if objective is None:
            return LpResult(ResultStatus.NO_SOLUTION, None, -np.inf, None, None, len(cols), rounds)
        art_left = float(np.sum(np.asarray(h.getSolution().col_value)[:n_art]))
        if art_left > 1e-9:
            everything = n_art + np.arange(len(cols), dtype=np.int32)
            h.changeColsCost(n_art, np.arange(n_art, dtype=np.int32), -np.ones(n_art))
            h.changeColsCost(len(cols), everything, np.zeros(len(cols)))
            phase1, cols, more = _sift(h, program, matrix, np.zeros(n), cols, in_set, n_art)
            rounds += more
            if phase1 is None:
                return LpResult(ResultStatus.NO_SOLUTION, None, -np.inf, None, None, len(cols),
                                rounds)
            if phase1 < -1e-7:  # the artificials cannot be priced out: no feasible allocation
                return LpResult(ResultStatus.INFEASIBLE, None, -np.inf, None, None, len(cols),
                                rounds)
        h.changeColsBounds(n_art, np.arange(n_art, dtype=np.int32), np.zeros(n_art),
                           np.zeros(n_art))
        h.changeColsCost(len(cols), n_art + np.arange(len(cols), dtype=np.int32), cost[cols])
    objective, cols, more = _sift(h, program, matrix, cost, cols, in_set, n_art)
    rounds += more
    if objective is None:
        return LpResult(ResultStatus.NO_SOLUTION, None, -np.inf, None, None, len(cols), rounds)
    solution = h.getSolution()
    row_dual = np.asarray(solution.row_dual)
    x = np.zeros(n)
    x[cols] = np.asarray(solution.col_value)[n_art:]
    return LpResult(ResultStatus.OPTIMAL, x, float(cost @ x), row_dual,
                    reduced_costs(program, row_dual), len(cols), rounds)


def _solve_lp_whole(program: LinearProgram, matrix: sp.csc_array,
                    time_limit: float | None) -> LpResult:
    n = matrix.shape[1]
    h = _highs(time_limit)
    _pass_lp(h, program, matrix)
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return LpResult(ResultStatus.INFEASIBLE, None, -np.inf, None, None, n, 1)
    if status != highspy.HighsModelStatus.kOptimal:
        return LpResult(ResultStatus.NO_SOLUTION, None, -np.inf, None, None, n, 1)
    solution = h.getSolution()
    x = np.asarray(solution.col_value)
    row_dual = np.asarray(solution.row_dual)
    return LpResult(ResultStatus.OPTIMAL, x, float(program.cost @ x), row_dual,
                    reduced_costs(program, row_dual), n, 1)


def _sift(h: highspy.Highs, program: LinearProgram, matrix: sp.csc_array, cost: np.ndarray,
          cols: np.ndarray, in_set: np.ndarray, n_art: int):
    """Re-solve and price in columns of positive reduced cost under ``cost`` until none is left.

    Returns the restricted optimum (``None`` if a solve did not reach optimality),
    the columns now in the model, and the number of rounds.
    """
    rounds = 0
    while True:
        rounds += 1
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, cols, rounds
        row_dual = np.asarray(h.getSolution().row_dual)
        d = cost - matrix.T @ row_dual
        entering = np.flatnonzero(~in_set & (d > PRICING_TOL))
        if len(entering) == 0:
            return float(h.getInfo().objective_function_value), cols, rounds
        entering = _best_priced(entering, d, max(MIN_ENTERING, len(cols) // 10))
        _add_columns(h, cost, program.col_upper, matrix, entering)
        cols = np.concatenate([cols, entering])
        in_set[entering] = True


def _artificial_block(program: LinearProgram) -> sp.csc_array:
    return _artificial_block_for(np.asarray(program.row_lower, float),
                                 np.asarray(program.row_upper, float))


class _WithArtificials:
    """``program`` over ``cols`` with artificials first, at cost -M (the composite phase)."""

    def __init__(self, program: LinearProgram, matrix: sp.csc_array, cols: np.ndarray,
                 artificial: sp.csc_array) -> None:
        n_art = artificial.shape[1]
        real_cost = np.asarray(program.cost, float)
        penalty = BIG_M * (1.0 + float(np.abs(real_cost).max(initial=0.0)))
        self.cost = np.concatenate([np.full(n_art, -penalty), real_cost[cols]])
        self.matrix = sp.csc_array(sp.hstack([artificial, matrix[:, cols]], format="csc"))
        self.row_lower, self.row_upper = program.row_lower, program.row_upper
        self.col_upper = np.concatenate([np.full(n_art, np.inf),
                                         np.asarray(program.col_upper, float)[cols]])
        self.integer = np.zeros(n_art + len(cols), bool)


def _best_priced(entering: np.ndarray, d: np.ndarray, limit: int) -> np.ndarray:
    """Partial pricing: the ``limit`` columns of highest reduced cost (all if fewer)."""
    if len(entering) <= limit:
        return entering
    top = np.argpartition(-d[entering], limit - 1)[:limit]
    return np.sort(entering[top])


def _mip_after_lp(
    program: LinearProgram,
    integer: np.ndarray,
    lp: LpResult,
    time_limit: float | None,
    start: float,
) -> SolverResult:
    """MIP over the columns that can still be in an optimal solution (reduced-cost fixing).

    With UB the LP optimum, LB the value of a feasible integer solution and d the
    reduced costs, every feasible x has c x <= UB + sum_j d_j x_j over the columns
    at their lower bound; a column with d_j < -(UB - LB) therefore cannot be 1 in
    a solution better than LB and is left out. LB comes from a first MIP over the
    columns the LP priced at zero.
    """
    all_cols = np.arange(len(integer))
    if lp.x is None:  # the LP itself hit the time limit: MIP over everything
        return _restricted_mip(program, integer, all_cols, None, time_limit, start)
    upper = lp.objective
    priced_zero = np.flatnonzero(lp.reduced_cost >= -10 * PRICING_TOL)
    first = _restricted_mip(program, integer, priced_zero, lp.x, time_limit, start)
    if first.x is not None and upper - first.objective <= 1e-9 * max(1.0, abs(upper)):
        return dataclasses.replace(
            first, status=ResultStatus.OPTIMAL, bound=first.objective, gap=0.0, row_dual=lp.row_dual
        )
    lower = first.objective if first.x is not None else -np.inf
    keep = (
        all_cols
        if not np.isfinite(lower)
        else np.flatnonzero(lp.reduced_cost >= -(upper - lower) - 1e-7)
    )
    warm = first.x if first.x is not None else lp.x
    final = _restricted_mip(program, integer, keep, warm, time_limit, start)
    if final.x is None:
        if first.x is None:
            return dataclasses.replace(final, row_dual=lp.row_dual)
        final = first
    bound = final.objective if final.status is ResultStatus.OPTIMAL else min(upper, final.bound)
    status = (
        ResultStatus.OPTIMAL if final.status is ResultStatus.OPTIMAL else ResultStatus.TIME_LIMIT
    )
    return dataclasses.replace(
        final,
        status=status,
        bound=bound,
        gap=relative_gap(final.objective, bound),
        row_dual=lp.row_dual,
        seconds=time.perf_counter() - start,
    )


MAX_COUNT_NODES = 16  # LPs the count branching may solve before it hands over to the MIP
COUNT_TOL = 1e-6


@dataclass(frozen=True)
class _CountNode:
    """An LP of the count branching: the program with bounds on some counts."""

    bounds: dict[int, tuple[float, float]]  # count -> (lowest, highest) allowed
    lp: LpResult


class _WithCountBounds:
    """``program`` plus one row per bounded count: ``lowest <= counts[k] @ x <= highest``."""

    def __init__(self, program: LinearProgram, counts: sp.csr_array,
                 bounds: dict[int, tuple[float, float]]) -> None:
        which = sorted(bounds)
        self.cost, self.col_upper = program.cost, program.col_upper
        self.integer = program.integer
        self.matrix = sp.csc_array(sp.vstack([program.matrix, counts[which, :]], format="csc"))
        self.row_lower = np.concatenate([program.row_lower, [bounds[k][0] for k in which]])
        self.row_upper = np.concatenate([program.row_upper, [bounds[k][1] for k in which]])


def _branch_on_counts(program: LinearProgram, integer: np.ndarray, lp: LpResult,
                      counts: sp.csr_array, time_limit: float | None, start: float,
                      seed_columns: np.ndarray | None, lazy_rows: np.ndarray | None,
                      sifter: _Sifter | None) -> SolverResult:
    """Close a fractional LP by branching on integer counts, then a small MIP if need be.

    A share row ``sum (a_i - s) x >= 0`` reads two integers, the flagged moves
    ``Y = sum a_i x`` and the counted moves ``N = sum x``; when the LP's ``Y`` is
    35.2, every integer proposal has ``Y <= 35`` or ``Y >= 36``. Best first, each
    open LP whose bound beats the incumbent is split on its most fractional count
    into two LPs (column generation from the parent's columns); an integral LP is
    an incumbent; an LP without a fractional count, or any left when
    ``MAX_COUNT_NODES`` LPs were solved, stays open. The open LPs' regions hold
    every proposal better than the incumbent (LB; without one, LB comes from a MIP
    over the root's columns priced at zero), and within an open LP of bound UB a
    column with reduced cost below ``-(UB - LB)`` cannot be 1 in one (as in
    ``_mip_after_lp``). If no LP is open the incumbent is optimal (method
    ``"count-branch"``); otherwise a MIP over the union of the open LPs' columns not
    so excluded finishes the proof (``"mip"``). Exact either way.
    ``python benchmarks/count_branch.py`` measures it against that MIP on a
    10,000-cadre yearly program where the young count is 35.2 (the two children
    close the gap: 1.2-1.4 s against 12.0-14.3 s of CPU over two runs).
    """
    tolerance = 1e-9 * max(1.0, abs(lp.objective))
    node_lp = functools.partial(_count_node_lp, program, counts, time_limit, start,
                                seed_columns, lazy_rows, sifter)
    incumbent: np.ndarray | None = None
    lower = -np.inf
    open_nodes: list[_CountNode] = []
    queue = [_CountNode({}, lp)]
    solved = 1
    while queue:
        queue.sort(key=lambda node: node.lp.objective)
        node = queue.pop()
        if node.lp.objective <= lower + tolerance:
            continue
        if _is_integral(node.lp.x, integer):
            incumbent, lower = _clean(node.lp.x, integer), float(node.lp.objective)
            continue
        value = counts @ node.lp.x
        fraction = np.abs(value - np.round(value))
        k = int(np.argmax(fraction))
        if fraction[k] <= COUNT_TOL or solved + 2 > MAX_COUNT_NODES:
            open_nodes.append(node)
            continue
        low, high = node.bounds.get(k, (-np.inf, np.inf))
        for side in ((low, np.floor(value[k])), (np.ceil(value[k]), high)):
            bounds = {**node.bounds, k: side}
            child_lp = node_lp(bounds, node.lp.x)
            solved += 1
            if child_lp.status is ResultStatus.INFEASIBLE:
                continue
            if child_lp.status is not ResultStatus.OPTIMAL:  # time limit: the MIP decides
                return _mip_after_lp(program, integer, lp, time_limit, start)
            queue.append(_CountNode(bounds, child_lp))
    open_nodes = [n for n in open_nodes if n.lp.objective > lower + tolerance]
    if not open_nodes:
        if incumbent is None:
            return SolverResult(ResultStatus.INFEASIBLE, None, -np.inf, -np.inf, np.inf,
                                time.perf_counter() - start, "count-branch", None)
        return SolverResult(ResultStatus.OPTIMAL, incumbent, float(program.cost @ incumbent),
                            lower, 0.0, time.perf_counter() - start, "count-branch",
                            lp.row_dual)
    if incumbent is None:
        first = _restricted_mip(program, integer,
                                np.flatnonzero(lp.reduced_cost >= -10 * PRICING_TOL), lp.x,
                                time_limit, start)
        if first.x is not None:
            incumbent, lower = first.x, first.objective
    upper = max(n.lp.objective for n in open_nodes)
    if incumbent is None:
        keep = np.arange(len(integer))
    else:
        kept = np.zeros(len(integer), bool)
        for node in open_nodes:
            if node.lp.objective > lower + tolerance:
                kept |= node.lp.reduced_cost >= -(node.lp.objective - lower) - 1e-7
        kept[incumbent > 0.5] = True
        keep = np.flatnonzero(kept)
    final = _restricted_mip(program, integer, keep, incumbent, time_limit, start)
    if final.x is None:
        if incumbent is None:
            return dataclasses.replace(final, row_dual=lp.row_dual)
        objective = float(program.cost @ incumbent)
        final = SolverResult(ResultStatus.TIME_LIMIT, incumbent, objective, upper,
                             relative_gap(objective, upper), 0.0, "mip", None)
    bound = final.objective if final.status is ResultStatus.OPTIMAL else min(upper, final.bound)
    return dataclasses.replace(
        final,
        status=ResultStatus.OPTIMAL if final.status is ResultStatus.OPTIMAL
        else ResultStatus.TIME_LIMIT,
        bound=bound,
        gap=relative_gap(final.objective, bound),
        row_dual=lp.row_dual,
        seconds=time.perf_counter() - start,
    )


def _count_node_lp(program: LinearProgram, counts: sp.csr_array, time_limit: float | None,
                   start: float, seed_columns: np.ndarray | None, lazy_rows: np.ndarray | None,
                   sifter: _Sifter | None, bounds: dict[int, tuple[float, float]],
                   parent_x: np.ndarray) -> LpResult:
    """The LP of a count-branching node: the root's live model re-solved under the node's
    count bounds (dual simplex from the last basis), or, without one or when it cannot
    decide (artificials left), a fresh exact solve seeded with the parent's columns."""
    n_rows, n_counts = len(program.row_lower), counts.shape[0]
    if sifter is not None:
        lower, upper = np.full(n_counts, -np.inf), np.full(n_counts, np.inf)
        for k, (low, high) in bounds.items():
            lower[k], upper[k] = low, high
        sifter.set_bounds(n_rows + np.arange(n_counts), lower, upper)
        result = sifter.solve()
        if result is not None:
            return result
    child = _WithCountBounds(program, counts, bounds)
    seed = None if seed_columns is None else np.union1d(seed_columns, np.flatnonzero(parent_x > 0))
    lazy = None if lazy_rows is None else np.asarray(lazy_rows, np.int64)
    return solve_lp(child, time_limit=_remaining(time_limit, start), seed_columns=seed,
                    lazy_rows=lazy)


def _restricted_mip(
    program: LinearProgram,
    integer: np.ndarray,
    cols: np.ndarray,
    warm_x: np.ndarray | None,
    time_limit: float | None,
    start: float,
) -> SolverResult:
    """HiGHS MIP over ``cols`` only (others fixed at 0); ``x`` is mapped back to all columns."""
    matrix = sp.csc_array(program.matrix)
    restricted = _Restricted(program, matrix, cols)
    h = _highs(_remaining(time_limit, start))
    _pass_lp(h, restricted)
    sub_integer = integer[cols]
    idx = np.flatnonzero(sub_integer).astype(np.int32)
    h.changeColsIntegrality(len(idx), idx, np.full(len(idx), highspy.HighsVarType.kInteger))
    if warm_x is not None:
        warm = highspy.HighsSolution()
        values = warm_x[cols]
        warm.col_value = np.where(sub_integer, np.floor(values + INTEGRALITY_TOL), values).tolist()
        warm.value_valid = True
        h.setSolution(warm)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    seconds = time.perf_counter() - start
    if status == highspy.HighsModelStatus.kInfeasible:
        return SolverResult(
            ResultStatus.INFEASIBLE, None, -np.inf, -np.inf, np.inf, seconds, "mip", None
        )
    if info.primal_solution_status != 2:  # no feasible solution (kSolutionStatusFeasible = 2)
        return SolverResult(
            ResultStatus.NO_SOLUTION, None, -np.inf, np.inf, np.inf, seconds, "mip", None
        )
    values = np.asarray(h.getSolution().col_value)
    if warm_x is not None and stale_solution(restricted.cost @ values,
                                             info.objective_function_value):
        # highspy 1.16: when MIP presolve solves the program outright, getSolution() can
        # hand back the warm start while the reported objective is the true optimum's.
        return _restricted_mip(program, integer, cols, None, time_limit, start)
    x = np.zeros(len(integer))
    x[cols] = _clean(values, sub_integer)
    objective = float(program.cost @ x)
    if status == highspy.HighsModelStatus.kOptimal:
        return SolverResult(
            ResultStatus.OPTIMAL, x, objective, objective, 0.0, seconds, "mip", None
        )
    bound = max(float(info.mip_dual_bound), objective)
    return SolverResult(
        ResultStatus.TIME_LIMIT,
        x,
        objective,
        bound,
        relative_gap(objective, bound),
        seconds,
        "mip",
        None,
    )


def stale_solution(solution_cost: float, reported: float) -> bool:
    """Whether a MIP's returned solution is not the one whose objective HiGHS reports."""
    return abs(float(solution_cost) - float(reported)) > 1e-7 * max(1.0, abs(float(reported)))


class _Restricted:
    """``program`` restricted to the columns ``cols`` (all rows kept)."""

    def __init__(self, program: LinearProgram, matrix: sp.csc_array, cols: np.ndarray) -> None:
        self.cost = np.asarray(program.cost, float)[cols]
        self.matrix = matrix[:, cols]
        self.row_lower, self.row_upper = program.row_lower, program.row_upper
        self.col_upper = np.asarray(program.col_upper, float)[cols]
        self.integer = np.asarray(program.integer, bool)[cols]


@functools.cache
def silence_highs_banner() -> None:
    """Spend HiGHS's once-per-process banner where nobody reads it.

    highspy's ``Highs()`` prints "Running HiGHS ..." on file descriptor 1 from
    its constructor, before ``output_flag`` can be turned off, and only the first
    time in a process. Make that first instance with descriptor 1 pointed at
    ``/dev/null`` (flushing C's buffer before restoring it), so that no later
    one, ours or pulp's, prints it on the user's stdout.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all: nothing to protect
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs().setOptionValue("output_flag", False)
            ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _highs(time_limit: float | None) -> highspy.Highs:
    silence_highs_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    return h


def _remaining(time_limit: float | None, start: float) -> float | None:
    if time_limit is None:
        return None
    return max(0.1, float(time_limit) - (time.perf_counter() - start))


def _pass_lp(h: highspy.Highs, program: LinearProgram,
             matrix: sp.csc_array | None = None) -> None:
    """Hand ``program`` to ``h`` (``matrix``: its matrix already in CSC form, if at hand)."""
    matrix = sp.csc_array(program.matrix) if matrix is None else matrix
    lp = highspy.HighsLp()
    lp.num_col_ = matrix.shape[1]
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = np.asarray(program.cost, float)
    lp.col_lower_ = np.zeros(matrix.shape[1])
    lp.col_upper_ = np.asarray(program.col_upper, float)
    lp.row_lower_ = np.asarray(program.row_lower, float)
    lp.row_upper_ = np.asarray(program.row_upper, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.sense_ = highspy.ObjSense.kMaximize
    h.passModel(lp)


def _add_columns(h: highspy.Highs, cost: np.ndarray, col_upper: np.ndarray,
                 matrix: sp.csc_array, cols: np.ndarray) -> None:
    block = matrix[:, cols]
    h.addCols(len(cols), cost[cols], np.zeros(len(cols)),
              np.asarray(col_upper, float)[cols], block.nnz,
              block.indptr[:-1].astype(np.int32), block.indices.astype(np.int32),
              block.data.astype(float))


def _is_integral(x: np.ndarray, integer: np.ndarray) -> bool:
    xi = x[integer]
    return bool(np.all(np.abs(xi - np.round(xi)) <= INTEGRALITY_TOL))


def _clean(x: np.ndarray, integer: np.ndarray) -> np.ndarray:
    out = np.clip(np.asarray(x, float), 0.0, None)
    out[integer] = np.round(out[integer])
    return out


def _empty_result(program: LinearProgram, start: float) -> SolverResult:
    feasible = bool(np.all(program.row_lower <= 1e-9) and np.all(program.row_upper >= -1e-9))
    status = ResultStatus.OPTIMAL if feasible else ResultStatus.INFEASIBLE
    return SolverResult(
        status,
        np.zeros(0) if feasible else None,
        0.0,
        0.0,
        0.0,
        time.perf_counter() - start,
        "lp-integral",
        np.zeros(len(program.row_lower)),
    )


_PULP_STATUS = {
    "Optimal": ResultStatus.OPTIMAL,
    "Infeasible": ResultStatus.INFEASIBLE,
    "TimeLimit": ResultStatus.TIME_LIMIT,
}


def solve_pulp(model, *, time_limit: float | None = None, relax: bool = False) -> SolverResult:
    """Solve a ``optimize.pulp_model.PulpModel`` with HiGHS through pulp (``pulp.HiGHS``).

    The same options as the fast path (one thread, fixed seed, zero relative gap
    with an absolute gap of 1e-9) so that both prove optimality. ``relax`` solves
    the LP relaxation and returns its row duals.
    """
    import pulp

    silence_highs_banner()
    solver = pulp.HiGHS(
        mip=not relax,
        msg=False,
        timeLimit=time_limit,
        gapRel=0.0,
        gapAbs=1e-9,
        threads=1,
        random_seed=0,
    )
    start = time.perf_counter()
    stats = model.problem.solve(solver)
    seconds = time.perf_counter() - start
    status = _PULP_STATUS.get(stats.status.name, ResultStatus.NO_SOLUTION)
    if status is ResultStatus.INFEASIBLE:
        return SolverResult(status, None, -np.inf, -np.inf, np.inf, seconds, "pulp-mip", None)
    if not stats.has_solution:
        return SolverResult(
            ResultStatus.NO_SOLUTION, None, -np.inf, np.inf, np.inf, seconds, "pulp-mip", None
        )
    x = np.array([v.varValue for v in model.variables], dtype=float)
    integer = np.full(len(x), not relax)
    x = _clean(x, integer)
    objective = float(np.asarray(model.cost) @ x)
    if status is ResultStatus.OPTIMAL:
        bound = objective
    else:
        status = ResultStatus.TIME_LIMIT
        bound = max(objective, float(stats.best_bound)) if stats.best_bound is not None else np.inf
    row_dual = (
        np.array([c.pi for c in model.constraints], float)
        if relax and status is ResultStatus.OPTIMAL
        else None
    )
    return SolverResult(
        status,
        x,
        objective,
        bound,
        relative_gap(objective, bound),
        seconds,
        "pulp-lp" if relax else "pulp-mip",
        row_dual,
    )
