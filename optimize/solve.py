"""The only module that talks to a solver: HiGHS in-process (highspy), and pulp.

The fast path solves the LP relaxation first (dual simplex). The assignment
part of the program is totally unimodular, so the relaxation is usually
integral already; an integral LP optimum is a proven integer optimum (its
objective equals the bound). Only a fractional relaxation (share rows can
break total unimodularity) falls back to HiGHS's MIP solver, warm-started
from the rounded-down LP solution. The LP's row duals are kept either way:
they price the quotas and rules.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import highspy
import numpy as np
import scipy.sparse as sp

INTEGRALITY_TOL = 1e-6


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
        ``"lp-integral"``, ``"mip"`` or ``"pulp-mip"``.
    """

    status: ResultStatus
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    seconds: float
    method: str
    row_dual: np.ndarray | None


def relative_gap(objective: float, bound: float) -> float:
    return max(0.0, bound - objective) / max(1.0, abs(objective))


def _highs(time_limit: float | None) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    return h


def _pass_lp(h: highspy.Highs, program: LinearProgram) -> None:
    matrix = sp.csc_array(program.matrix)
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


def _is_integral(x: np.ndarray, integer: np.ndarray) -> bool:
    xi = x[integer]
    return bool(np.all(np.abs(xi - np.round(xi)) <= INTEGRALITY_TOL))


def _clean(x: np.ndarray, integer: np.ndarray) -> np.ndarray:
    out = np.clip(np.asarray(x, float), 0.0, None)
    out[integer] = np.round(out[integer])
    return out


def solve_program(
    program: LinearProgram, *, time_limit: float | None = None, lp_first: bool = True
) -> SolverResult:
    """Solve ``program`` to proven optimality (or the time limit) with HiGHS.

    Parameters
    ----------
    program : LinearProgram
    time_limit : float, optional
        Seconds for the whole solve; ``None`` = no limit.
    lp_first : bool
        Solve the LP relaxation first and accept it when integral (default).
        ``False`` goes straight to the MIP solver (kept for benchmarks and tests).
    """
    start = time.perf_counter()
    h = _highs(time_limit)
    _pass_lp(h, program)
    n = program.matrix.shape[1]
    integer = np.asarray(program.integer, bool)
    if n == 0:
        return _empty_result(program, start)
    if not lp_first:
        return _solve_mip(h, program, integer, None, None, np.inf, time_limit, start)
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("simplex_strategy", 1)  # dual simplex
    h.run()
    lp_status = h.getModelStatus()
    if lp_status == highspy.HighsModelStatus.kInfeasible:
        return SolverResult(ResultStatus.INFEASIBLE, None, -np.inf, -np.inf, np.inf,
                            time.perf_counter() - start, "lp", None)
    if lp_status == highspy.HighsModelStatus.kOptimal:
        solution = h.getSolution()
        x_lp = np.asarray(solution.col_value)
        row_dual = np.asarray(solution.row_dual)
        lp_bound = float(h.getInfo().objective_function_value)
        if _is_integral(x_lp, integer):
            x = _clean(x_lp, integer)
            objective = float(program.cost @ x)
            return SolverResult(ResultStatus.OPTIMAL, x, objective, objective, 0.0,
                                time.perf_counter() - start, "lp-integral", row_dual)
    else:  # time limit inside the LP, or a numerical failure: let the MIP solver decide
        x_lp, row_dual, lp_bound = None, None, np.inf
    return _solve_mip(h, program, integer, x_lp, row_dual, lp_bound, time_limit, start)


def _solve_mip(h, program, integer, x_lp, row_dual, lp_bound, time_limit, start) -> SolverResult:
    n = len(integer)
    h.setOptionValue("solver", "choose")
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.1, float(time_limit) - (time.perf_counter() - start)))
    idx = np.flatnonzero(integer).astype(np.int32)
    h.changeColsIntegrality(len(idx), idx, np.full(len(idx), highspy.HighsVarType.kInteger))
    if x_lp is not None:
        warm = highspy.HighsSolution()
        warm.col_value = np.where(integer, np.floor(x_lp + INTEGRALITY_TOL), x_lp).tolist()
        warm.value_valid = True
        h.setSolution(warm)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    seconds = time.perf_counter() - start
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kInfeasible:
        return SolverResult(ResultStatus.INFEASIBLE, None, -np.inf, -np.inf, np.inf, seconds,
                            "mip", None)
    if not has_solution:
        return SolverResult(ResultStatus.NO_SOLUTION, None, -np.inf, min(lp_bound, np.inf),
                            np.inf, seconds, "mip", row_dual)
    x = _clean(np.asarray(h.getSolution().col_value)[:n], integer)
    objective = float(program.cost @ x)
    if status == highspy.HighsModelStatus.kOptimal:
        return SolverResult(ResultStatus.OPTIMAL, x, objective, objective, 0.0, seconds, "mip",
                            row_dual)
    bound = float(min(info.mip_dual_bound, lp_bound))
    return SolverResult(ResultStatus.TIME_LIMIT, x, objective, bound,
                        relative_gap(objective, bound), seconds, "mip", row_dual)


def _empty_result(program: LinearProgram, start: float) -> SolverResult:
    feasible = bool(np.all(program.row_lower <= 1e-9) and np.all(program.row_upper >= -1e-9))
    status = ResultStatus.OPTIMAL if feasible else ResultStatus.INFEASIBLE
    return SolverResult(status, np.zeros(0) if feasible else None, 0.0, 0.0, 0.0,
                        time.perf_counter() - start, "lp-integral",
                        np.zeros(len(program.row_lower)))
