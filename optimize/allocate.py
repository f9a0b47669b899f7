"""Build, solve, extract: an ``AllocationProblem`` in, a ``Proposal`` out."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from optimize.eligibility import eligible_pairs
from optimize.explain import explain as explain_proposal
from optimize.explain import prices as price_rules
from optimize.formulation import Formulation, build_formulation, seed_columns, share_rows
from optimize.problem import AllocationProblem
from optimize.proposal import Backend, Explanation, MoveKind, Moves, Proposal, SolveStatus
from optimize.relax import solve_relaxed
from optimize.solve import ResultStatus, SolverResult, solve_program

# Above this many columns the LP is solved by column generation from a seed (measured in
# benchmarks/allocation.py: it pays off once the columns far outnumber the posts and slots).
SIFTING_MIN_COLUMNS = 5_000


class AllocationError(RuntimeError):
    """No feasible proposal could be found (only possible when a time limit cuts the search)."""


def allocate(
    problem: AllocationProblem,
    *,
    backend: Backend = Backend.FAST,
    time_limit: float | None = None,
    explain: bool = True,
) -> Proposal:
    """The best allocation of posts and rank slots under ``problem.rules``.

    Parameters
    ----------
    problem : AllocationProblem
    backend : Backend
        ``FAST`` builds the sparse matrix directly and calls HiGHS in-process;
        ``PULP`` builds the named pulp model and solves it through ``pulp.HiGHS``.
        Both state the same program and reach the same optimum.
    time_limit : float, optional
        Seconds allowed to the solver; ``None`` = solve to proven optimality.
    explain : bool
        Compute prices, runner-ups and reasons (skip inside simulations).

    Returns
    -------
    Proposal
        ``OPTIMAL``; ``RELAXED`` when the rules as stated are infeasible (the
        closest feasible proposal, with ``relaxations`` naming the rules missed);
        ``TIME_LIMIT`` with its gap.

    Raises
    ------
    AllocationError
        If the time limit passed before any feasible proposal was found.
    """
    start = time.perf_counter()
    pairs = eligible_pairs(problem)
    form = build_formulation(problem, pairs)
    result = _solve(problem, form, backend, time_limit)
    relaxations = ()
    status = SolveStatus.OPTIMAL
    if result.status is ResultStatus.INFEASIBLE:
        relaxed = solve_relaxed(problem, form, time_limit=time_limit)
        if relaxed is None:
            raise AllocationError(
                "the rules are infeasible and no relaxed proposal was found in time"
            )
        result, relaxations, status = relaxed.result, relaxed.relaxations, SolveStatus.RELAXED
    if result.x is None:
        raise AllocationError(f"no feasible proposal found within the time limit ({time_limit} s)")
    if result.status is ResultStatus.TIME_LIMIT and status is SolveStatus.OPTIMAL:
        status = SolveStatus.TIME_LIMIT
    row_dual = result.row_dual
    if explain and row_dual is None:
        row_dual = _lp_duals(form, time_limit)
    return Proposal(
        status=status,
        moves=extract_moves(form, result.x),
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        solve_seconds=time.perf_counter() - start,
        backend=backend,
        method=result.method,
        n_variables=form.n_cols,
        n_constraints=form.n_rows,
        prices=price_rules(problem, form, result.x, row_dual) if explain else (),
        relaxations=relaxations,
        explanation=(
            explain_proposal(problem, form, result.x, row_dual) if explain else Explanation()
        ),
    )


def _solve(
    problem: AllocationProblem, form: Formulation, backend: Backend, time_limit: float | None
) -> SolverResult:
    if backend is Backend.FAST:
        if form.n_cols <= SIFTING_MIN_COLUMNS:
            return solve_program(form, time_limit=time_limit)
        return solve_program(form, time_limit=time_limit, seed_columns=seed_columns(form),
                             lazy_rows=share_rows(form))
    from optimize.pulp_model import build_pulp_model
    from optimize.solve import solve_pulp

    return solve_pulp(build_pulp_model(problem, form.pairs), time_limit=time_limit)


def _lp_duals(form: Formulation, time_limit: float | None) -> np.ndarray | None:
    """Row duals of the LP relaxation (when the solve path did not produce them)."""
    relaxation = dataclasses.replace(form, integer=np.zeros(form.n_cols, bool))
    return solve_program(relaxation, time_limit=time_limit).row_dual


def extract_moves(form: Formulation, x: np.ndarray) -> Moves:
    """The chosen columns as ``Moves`` (post moves first, each group by candidate)."""
    cols = np.flatnonzero(x > 0.5)
    n_post = form.n_post_cols
    is_post = cols < n_post
    target = np.where(
        is_post,
        form.pairs.post_post[np.minimum(cols, max(n_post - 1, 0))] if n_post else 0,
        form.pairs.rank_pool[np.maximum(cols - n_post, 0)] if form.pairs.n_rank_pairs else 0,
    )
    t = form.terms
    return Moves(
        candidate=form.column_candidate()[cols],
        kind=tuple(MoveKind.POST if p else MoveKind.RANK for p in is_post),
        target=np.asarray(target, np.int64),
        value=form.cost[cols],
        score=t.score[cols],
        frontline_factor=t.frontline_factor[cols],
        hardship_factor=t.hardship_factor[cols],
        weight=t.weight[cols],
        fit=t.fit[cols],
    )
