"""When the rules as stated cannot all be met: the closest feasible proposal.

Only these rules can make the program infeasible (every other row is an upper
bound that the empty allocation meets): must-fill posts, must locks, the young,
frontline and other composition targets, team targets, and the unit outflow
limit when it collides with them. Composition and team targets are soft in this
sense: met whenever possible, otherwise missed by as few people as possible.
Each gets an elastic slack counted in people:

- must-fill post j:   sum_i x_ij + s_j >= 1            (s_j = 1: the post stays vacant)
- share rule:         sum (y_i - t) x + (1 - t) s >= 0 (s = appointments missing from the group)
- outflow of unit u:  sum x - s_u <= limit             (s_u = extra leavers allowed)

Phase 1 minimises the total slack (the fewest people by which the rules are
missed); phase 2 maximises the original objective with the total slack held at
that minimum. The result is the closest feasible proposal, and every positive
slack is a named relaxation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimize.formulation import Formulation, RowFamily
from optimize.problem import AllocationProblem
from optimize.proposal import Relaxation
from optimize.solve import ResultStatus, SolverResult, solve_program

SLACK_TOL = 1e-6


@dataclass(frozen=True)
class ElasticProgram:
    """The formulation plus slack columns (appended after the original columns)."""

    cost: np.ndarray
    matrix: sp.csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    slack_row: np.ndarray  # (n_slacks,) row of the formulation each slack relaxes


def elastic_rows(problem: AllocationProblem, form: Formulation) -> tuple[np.ndarray, np.ndarray]:
    """Rows that may be relaxed and each slack's coefficient (in people)."""
    t = problem.rules.targets
    rows, coefs = [], []
    post_rows = form.rows_of(RowFamily.POST)
    must = post_rows[form.row_lower[post_rows] > 0]
    rows.append(must)
    coefs.append(np.ones(len(must)))
    for family, target in (
        (RowFamily.YOUNG_SHARE, t.young_share_min),
        (RowFamily.FRONTLINE_SHARE, t.frontline_share_min),
    ):
        r = form.rows_of(family)
        rows.append(r)
        coefs.append(np.full(len(r), 1.0 - target if target < 1 else 1.0))
    out = form.rows_of(RowFamily.OUTFLOW)
    rows.append(out)
    coefs.append(-np.ones(len(out)))
    # Locks (must), composition and team targets: the slack counts missing people.
    for family in (RowFamily.LOCK, RowFamily.COMPOSITION, RowFamily.TEAM):
        r = form.rows_of(family)
        r = r[form.row_lower[r] > 0] if family is RowFamily.LOCK else r
        rows.append(r)
        coefs.append(_target_slack_coef(problem, form, r))
    return np.concatenate(rows).astype(np.int64), np.concatenate(coefs)


def _target_slack_coef(problem: AllocationProblem, form: Formulation, rows: np.ndarray
                       ) -> np.ndarray:
    """Slack coefficient in people: 1 for count rows, 1 - share for share rows."""
    coef = np.ones(len(rows))
    for n, row in enumerate(rows.tolist()):
        if (form.row_family[row] == RowFamily.COMPOSITION and form.row_lower[row] == 0
                and form.row_entity[row] % 2 == 0):
            share = problem.rules.composition[int(form.row_entity[row]) // 2].min_share
            coef[n] = 1.0 - share if share < 1 else 1.0
    return coef


def elastic_program(problem: AllocationProblem, form: Formulation) -> ElasticProgram:
    """``form`` with one slack column per relaxable row; objective = -total slack (phase 1)."""
    slack_row, slack_coef = elastic_rows(problem, form)
    n_slacks = len(slack_row)
    slack_block = sp.csc_array(
        (slack_coef, (slack_row, np.arange(n_slacks))), shape=(form.n_rows, n_slacks)
    )
    matrix = sp.hstack([form.matrix, slack_block], format="csc")
    upper = np.where(np.isin(form.row_family[slack_row], [RowFamily.POST, RowFamily.LOCK]),
                     1.0, np.inf)
    return ElasticProgram(
        cost=np.concatenate([np.zeros(form.n_cols), -np.ones(n_slacks)]),
        matrix=sp.csc_array(matrix),
        row_lower=form.row_lower,
        row_upper=form.row_upper,
        col_upper=np.concatenate([form.col_upper, upper]),
        integer=np.concatenate([form.integer, np.zeros(n_slacks, bool)]),
        slack_row=slack_row,
    )


def with_total_slack_at_most(
    program: ElasticProgram, form: Formulation, total: float
) -> ElasticProgram:
    """Phase 2: original objective, total slack capped at the phase-1 minimum."""
    n_slacks = len(program.slack_row)
    cap_row = sp.csc_array(np.concatenate([np.zeros(form.n_cols), np.ones(n_slacks)])[None, :])
    return ElasticProgram(
        cost=np.concatenate([form.cost, np.zeros(n_slacks)]),
        matrix=sp.csc_array(sp.vstack([program.matrix, cap_row], format="csc")),
        row_lower=np.append(program.row_lower, -np.inf),
        row_upper=np.append(program.row_upper, total + SLACK_TOL),
        col_upper=program.col_upper,
        integer=program.integer,
        slack_row=program.slack_row,
    )


@dataclass(frozen=True)
class RelaxedSolve:
    result: SolverResult  # x restricted to the formulation's columns, duals to its rows
    relaxations: tuple[Relaxation, ...]


def solve_relaxed(
    problem: AllocationProblem, form: Formulation, *, time_limit: float | None = None
) -> RelaxedSolve | None:
    """Closest feasible proposal of an infeasible ``form``; ``None`` if none was found in time."""
    elastic = elastic_program(problem, form)
    phase1 = solve_program(elastic, time_limit=time_limit)
    if phase1.x is None:
        return None
    total = float(phase1.x[form.n_cols :].sum())
    phase2 = solve_program(with_total_slack_at_most(elastic, form, total), time_limit=time_limit)
    best = phase2 if phase2.x is not None else phase1
    x = best.x[: form.n_cols]
    slacks = best.x[form.n_cols :]
    objective = float(form.cost @ x)
    status = (
        ResultStatus.OPTIMAL if best.status is ResultStatus.OPTIMAL else ResultStatus.TIME_LIMIT
    )
    bound = objective if status is ResultStatus.OPTIMAL else max(best.bound, objective)
    duals = None if best.row_dual is None else best.row_dual[: form.n_rows]
    result = SolverResult(
        status, x, objective, bound, best.gap, phase1.seconds + phase2.seconds, best.method, duals
    )
    return RelaxedSolve(result, describe_relaxations(problem, form, elastic.slack_row, slacks, x))


def describe_relaxations(
    problem: AllocationProblem,
    form: Formulation,
    slack_row: np.ndarray,
    slacks: np.ndarray,
    x: np.ndarray,
) -> tuple[Relaxation, ...]:
    """One ``Relaxation`` per positive slack, in words."""
    out = []
    for row, amount in zip(slack_row, slacks, strict=True):
        if amount <= SLACK_TOL:
            continue
        family = RowFamily(int(form.row_family[row]))
        entity = int(form.row_entity[row])
        # phase 2 allows the phase-1 total plus SLACK_TOL; shortfalls are counts of people
        amount = round(float(amount), 4)
        out.append(_describe(problem, form, family, entity, amount, x))
    return tuple(out)


def _describe(problem, form, family, entity, amount, x) -> Relaxation:
    t = problem.rules.targets
    if family is RowFamily.LOCK:
        lk = problem.regulations.locks
        who = problem.candidates.id[lk.candidate[entity]]
        j, pool = int(lk.post[entity]), int(lk.pool[entity])
        target = (f"post {problem.posts.id[j]}" if j >= 0 else
                  f"a rank slot in pool {problem.pool_names[pool]}" if pool >= 0 else "a move")
        return Relaxation("lock", entity, amount,
                          f"the must lock {who} -> {target} breaks another rule and is not met")
    if family is RowFamily.COMPOSITION:
        rule = problem.rules.composition[entity // 2]
        what = (f"at least {rule.min_count}" if entity % 2 else f"at least {rule.min_share:.0%}")
        return Relaxation("composition", entity, amount,
                          f"composition {rule.attribute} = {rule.value} ({what} of the "
                          f"{rule.over.value} moves{_at_levels(rule)}): {amount:.3g} short")
    if family is RowFamily.TEAM:
        n_units = len(problem.unit_names)
        rule = problem.rules.team[entity // n_units]
        unit = problem.unit_names[entity % n_units]
        return Relaxation("team", entity, amount,
                          f"team of {unit}: at least {rule.min_count} with {rule.attribute} = "
                          f"{rule.value}: {amount:.3g} short")
    if family is RowFamily.POST:
        post_id = problem.posts.id[entity]
        n_eligible = int(np.sum(form.pairs.post_post == entity))
        why = (
            "nobody is eligible for it"
            if n_eligible == 0
            else f"its {n_eligible} eligible candidate(s) cannot take it "
            "without breaking another rule"
        )
        return Relaxation(
            "must_fill", entity, amount, f"must-fill post {post_id} is left vacant: {why}"
        )
    if family is RowFamily.OUTFLOW:
        unit = problem.unit_names[entity]
        return Relaxation(
            "max_outflow_per_unit",
            entity,
            amount,
            f"unit {unit} loses {amount:g} more cadre(s) than max_outflow_per_unit "
            f"= {problem.rules.limits.max_outflow_per_unit} allows",
        )
    n_post = form.n_post_cols
    if family is RowFamily.YOUNG_SHARE:
        young = problem.candidates.age[form.pairs.post_candidate] <= t.young_age_max
        chosen = x[:n_post] > 0.5
        share = young[chosen].mean() if chosen.any() else 0.0
        return Relaxation(
            "young_share_min",
            -1,
            amount,
            f"young share of post appointments is {share:.1%} against a target of "
            f"{t.young_share_min:.1%}: {amount:.3g} young appointment(s) short",
        )
    frontline = problem.candidates.frontline[form.column_candidate()]
    chosen = x > 0.5
    share = frontline[chosen].mean() if chosen.any() else 0.0
    return Relaxation(
        "frontline_share_min",
        -1,
        amount,
        f"frontline share of moves is {share:.1%} against a target of "
        f"{t.frontline_share_min:.1%}: {amount:.3g} frontline move(s) short",
    )


def _at_levels(rule) -> str:
    """" at levels 3, 4" for a composition rule counting some post levels only."""
    return f" at levels {', '.join(map(str, rule.levels))}" if rule.levels else ""
