"""Build, solve, extract: an ``AllocationProblem`` in, a ``Proposal`` out."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from optimize import alternatives as alt
from optimize.eligibility import eligible_pairs
from optimize.explain import explain as explain_proposal
from optimize.explain import prices as price_rules
from optimize.formulation import (
    Formulation,
    RowFamily,
    build_formulation,
    count_expressions,
    objective_terms,
    seed_columns,
    share_rows,
)
from optimize.presolve.aggregate import aggregate_posts, with_class_capacity
from optimize.presolve.lagrange import solve_by_lagrangian
from optimize.presolve.matching import solve_by_matching
from optimize.presolve.prune import prune_pairs
from optimize.problem import AllocationProblem, check_allocation_size
from optimize.proposal import (
    Alternative,
    Backend,
    Explanation,
    MoveKind,
    MoveRef,
    Moves,
    Proposal,
    SolveStatus,
)
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
    alternatives: int = 0,
    shortlist: int = 0,
    passed_over: bool = False,
    prune: bool = False,
    assignment_first: bool = False,
    share_lagrangian: bool = False,
    aggregate: bool = False,
    prune_min_pairs: int = 0,
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
    alternatives : int
        Also find this many further proposals (方案二 ...), each the best one
        differing from all earlier ones in at least one move (see
        ``optimize.alternatives``); a zero-loss one is a tie.
    shortlist : int
        For each post, the K candidates who could take it at the smallest loss.
    passed_over : bool
        For each post, why every higher-scoring eligible candidate did not get it.
    prune : bool
        Drop the eligible pairs no optimal proposal needs before building the
        program (``optimize.presolve.prune``): the same optimum and status, a smaller
        program. Only with ``explain=False`` and no alternatives, shortlist or
        passed-over reasons (their prices and runner-ups would read the pruned
        columns). Off by default: where scores tie, the solver may then choose
        another of the equally good proposals than on the whole program.
        ``Proposal.pruned_pairs`` counts the pairs dropped.
    prune_min_pairs : int
        With ``prune``: prune only programs of more than this many eligible pairs
        (ranking small programs costs more than it saves; the simulation passes
        ``sim.phases.allocation.PRUNE_MIN_PAIRS``).
    assignment_first : bool
        Try a max-weight matching first (``optimize.presolve.matching``), kept when it
        meets every row (then ``Proposal.method`` is ``"matching"``); otherwise
        the program is solved as usual (fast backend only; ignored by pulp).
        Same conditions and caveat as ``prune``.
    share_lagrangian : bool
        With ``assignment_first``, when the matching breaks a single share or
        composition row, try a Lagrangian relaxation of that row before the program
        (``optimize.presolve.lagrange``: optimal by the bound, or the program over
        the columns its reduced costs keep; method ``"lagrangian"`` or
        ``"lagrangian-mip"``). Exact, but on the instances measured it was slower
        than the program (``python benchmarks/lagrange.py``), so it is off by default.
    aggregate : bool
        Solve over classes of interchangeable posts (``optimize.presolve.aggregate``:
        exact, one column per candidate and class instead of per post), then hand each
        class's appointees its posts. Same conditions as ``prune``; not with
        ``assignment_first``. ``Proposal.n_variables`` counts the aggregated columns.

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
    ProblemError
        If the program's eligible pairs could not fit in this machine's memory
        (refused before anything is built).
    """
    if share_lagrangian and not assignment_first:
        raise ValueError("share_lagrangian=True needs assignment_first=True")
    if (prune or assignment_first or aggregate) and (explain or alternatives or shortlist
                                                     or passed_over):
        raise ValueError("prune, assignment_first and aggregate give the optimum only: pass "
                         "explain=False and no alternatives, shortlist or passed_over")
    if aggregate and assignment_first:
        raise ValueError("aggregate=True cannot be combined with assignment_first=True")
    start = time.perf_counter()
    classes = aggregate_posts(problem) if aggregate else None
    n_pruned, (form, result, relaxations, status) = _pruned_and_solved(
        classes.problem if classes else problem, backend, time_limit, prune, assignment_first,
        share_lagrangian, classes.size if classes else None, prune_min_pairs)
    if result.x is not None and not np.isfinite(result.objective):  # never "optimal, nan"
        raise AllocationError(f"the solver returned a non-finite objective ({result.objective}); "
                              f"the scores, weights or fits are too large or too small")
    row_dual = result.row_dual
    if explain and row_dual is None:
        row_dual = _lp_duals(form, time_limit)
    extras = {}
    if status is not SolveStatus.RELAXED:
        # The alternatives and forced solves compare with the rules as stated; a relaxed
        # proposal breaks them, so there is nothing exact to compare with.
        extras = _other_proposals(problem, form, result.x, row_dual, alternatives, shortlist,
                                  passed_over, time_limit)
    moves = extract_moves(form, result.x)
    if classes is not None:
        moves = classes.disaggregate(moves, problem)
    return Proposal(
        status=status,
        moves=moves,
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
        binding=binding_families(form, row_dual),
        pruned_pairs=n_pruned,
        **extras,
    )


def solve_formulation(problem: AllocationProblem, backend: Backend = Backend.FAST,
                      time_limit: float | None = None, *, prune: bool = False):
    """Build and solve: ``(formulation, SolverResult, relaxations, SolveStatus)``.

    ``prune`` builds the program over the pairs ``optimize.presolve.prune.prune_pairs``
    keeps (same optimum, same feasibility, same relaxed proposal's value).
    Raises ``AllocationError`` when no feasible (or relaxed) proposal was found.
    """
    return _pruned_and_solved(problem, backend, time_limit, prune)[1]


def _pruned_and_solved(problem: AllocationProblem, backend: Backend,
                       time_limit: float | None, prune: bool, assignment_first: bool = False,
                       share_lagrangian: bool = False, post_capacity: np.ndarray | None = None,
                       prune_min_pairs: int = 0):
    """``(pairs pruned, solve_formulation's tuple)``; ``post_capacity`` for post classes.

    Raises ``ProblemError`` before building anything when the eligible pairs could not
    fit in memory (the named pulp model needs several times the fast path's).
    """
    check_allocation_size(problem, backend.value)
    pairs = eligible_pairs(problem)
    n_pruned = 0
    if prune and pairs.n_post_pairs + pairs.n_rank_pairs > prune_min_pairs:
        pruning = prune_pairs(problem, pairs, objective_terms(problem, pairs).value,
                              post_capacity)
        pairs, n_pruned = pruning.pairs, pruning.n_pruned
    form = build_formulation(problem, pairs)
    if post_capacity is not None:
        form = with_class_capacity(form, post_capacity)
    result = None
    if assignment_first and backend is Backend.FAST:
        result = solve_by_matching(form, problem.pools.headroom)
        if result is None and share_lagrangian:
            result = solve_by_lagrangian(form, problem.pools.headroom, time_limit=time_limit)
    if result is None:
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
    return n_pruned, (form, result, relaxations, status)


BINDING_TOL = 1e-9


def binding_families(form: Formulation, row_dual: np.ndarray | None) -> tuple[str, ...]:
    """Names of the row families (other than one move per candidate) with a non-zero dual."""
    if row_dual is None:
        return ()
    out = []
    for family in RowFamily:
        if family is RowFamily.ONE_MOVE:
            continue
        rows = form.rows_of(family)
        if len(rows) and np.any(np.abs(row_dual[rows]) > BINDING_TOL):
            out.append(family.name.lower())
    return tuple(out)


def move_refs(form: Formulation, cols: np.ndarray) -> tuple[MoveRef, ...]:
    return tuple(MoveRef(c, MoveKind.POST if is_post else MoveKind.RANK, t)
                 for c, is_post, t in alt.moves_of(form, cols))


def _other_proposals(problem, form, x, row_dual, n_alternatives, shortlist_size, why_not,
                     time_limit) -> dict:
    out = {}
    if n_alternatives > 0:
        found = alt.alternatives(form, x, n_alternatives, time_limit)
        out["alternatives"] = tuple(
            Alternative(a.objective, a.loss, move_refs(form, a.added), move_refs(form, a.removed))
            for a in found)
    if shortlist_size > 0:
        out["shortlist"] = alt.shortlist(form, x, row_dual, shortlist_size, time_limit)
    if why_not:
        out["passed_over"] = alt.passed_over(problem, form, x,
                                             tuple(binding_families(form, row_dual)),
                                             time_limit)
    return out


def _solve(
    problem: AllocationProblem, form: Formulation, backend: Backend, time_limit: float | None
) -> SolverResult:
    if backend is Backend.FAST:
        counts = count_expressions(form)
        if form.n_cols <= SIFTING_MIN_COLUMNS:
            return solve_program(form, time_limit=time_limit, counts=counts)
        return solve_program(form, time_limit=time_limit, seed_columns=seed_columns(form),
                             lazy_rows=share_rows(form), counts=counts)
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
