"""The fast path: LP first, MIP only when the relaxation is fractional; same optimum either way."""

import dataclasses

import numpy as np
import pytest

from optimize import AllocationProblem, Candidates, Posts, RankPools, Rules, Targets, allocate
from optimize.formulation import build_formulation
from optimize.solve import ResultStatus, solve_program


def _problem(n_cand, n_posts, seed, **targets):
    rng = np.random.default_rng(seed)
    c = Candidates.build(
        unit=rng.integers(0, 3, n_cand),
        rank=rng.integers(0, 3, n_cand),
        age=rng.integers(25, 58, n_cand),
        years_in_grade=rng.uniform(0, 6, n_cand),
        score=rng.uniform(0, 100, n_cand),
        frontline=rng.random(n_cand) < 0.4,
        pool=rng.integers(0, 2, n_cand),
    )
    p = Posts.build(
        unit=rng.integers(0, 3, n_posts),
        level=rng.integers(1, 3, n_posts),
        min_rank=rng.integers(0, 3, n_posts),
    )
    q = RankPools(pool=[0, 0, 1, 1], rank=[1, 2, 1, 2], headroom=rng.integers(0, 4, 4))
    return AllocationProblem(c, p, q, Rules(targets=Targets(**targets)))


def test_fractional_relaxation_falls_back_to_mip():
    # One post, a strong older and a weak young candidate, young share 50 %:
    # the LP splits the post half-and-half (value 5.5); the integer optimum is the young one (1).
    c = Candidates.build(
        unit=[0, 0], rank=[1, 1], age=[50, 30], years_in_grade=[3, 3], score=[10, 1]
    )
    p = Posts.build(unit=[0], level=[1], min_rank=[1])
    q = RankPools(pool=[0], rank=[5], headroom=[0])
    problem = AllocationProblem(c, p, q, Rules(targets=Targets(young_share_min=0.5)))
    form = build_formulation(problem)
    relaxation = solve_program(dataclasses.replace(form, integer=np.zeros(form.n_cols, bool)))
    assert relaxation.objective == pytest.approx(5.5)
    result = solve_program(form)
    assert result.method == "mip"
    assert result.objective == pytest.approx(1.0)
    assert result.x.tolist() == [0.0, 1.0]
    assert result.row_dual is not None  # the LP's duals are kept for pricing


def test_integral_relaxation_is_accepted_as_optimal_without_mip():
    form = build_formulation(_problem(200, 15, seed=3))
    result = solve_program(form)
    assert result.method == "lp-integral"
    assert result.status is ResultStatus.OPTIMAL
    assert result.bound == result.objective and result.gap == 0.0
    assert set(np.unique(result.x)) <= {0.0, 1.0}


@pytest.mark.parametrize("seed", range(8))
def test_lp_first_and_straight_mip_reach_the_same_optimum(seed):
    problem = _problem(60, 8, seed, young_share_min=0.4, frontline_share_min=0.5)
    form = build_formulation(problem)
    lp_first = solve_program(form)
    mip = solve_program(form, lp_first=False)
    assert lp_first.status is mip.status is ResultStatus.OPTIMAL
    assert lp_first.objective == pytest.approx(mip.objective, rel=1e-9, abs=1e-9)


def test_solution_respects_every_row():
    problem = _problem(300, 20, seed=11, young_share_min=0.3, frontline_share_min=0.4)
    form = build_formulation(problem)
    x = solve_program(form).x
    activity = form.matrix @ x
    assert np.all(activity <= form.row_upper + 1e-9)
    assert np.all(activity >= form.row_lower - 1e-9)


def test_infeasible_program_is_reported_not_raised():
    c = Candidates.build(unit=[0], rank=[0], age=[30], years_in_grade=[1], score=[1])
    p = Posts.build(unit=[0], level=[1], min_rank=[3], must_fill=[1])
    problem = AllocationProblem(c, p, RankPools(pool=[0], rank=[1], headroom=[0]))
    assert solve_program(build_formulation(problem)).status is ResultStatus.INFEASIBLE


def test_same_problem_gives_identical_proposals():
    problem = _problem(400, 25, seed=5, young_share_min=0.3)
    a, b = allocate(problem), allocate(problem)
    assert a.objective == b.objective
    assert a.moves.candidate.tolist() == b.moves.candidate.tolist()
    assert a.moves.target.tolist() == b.moves.target.tolist()


@pytest.mark.parametrize("seed", range(6))
def test_column_generation_reaches_the_full_lp_optimum(seed):
    from optimize.formulation import seed_columns
    from optimize.solve import solve_lp

    problem = _problem(400, 30, seed, young_share_min=0.35, frontline_share_min=0.45)
    form = build_formulation(problem)
    relaxation = dataclasses.replace(form, integer=np.zeros(form.n_cols, bool))
    full = solve_lp(relaxation)
    sifted = solve_lp(relaxation, seed_columns=seed_columns(form, per_row=1))
    assert sifted.rounds > 1 and sifted.columns_used < form.n_cols
    assert sifted.objective == pytest.approx(full.objective, rel=1e-9)
    # the certificate of LP optimality: no column at 0 has a positive reduced cost
    # (columns at their upper bound 1 may, and should not be decreased)
    at_zero = sifted.x <= 1e-9
    assert sifted.reduced_cost[at_zero].max() <= 1e-7
    assert sifted.reduced_cost[sifted.x >= 1 - 1e-9].min() >= -1e-7


@pytest.mark.parametrize("seed", range(6))
def test_sifted_integer_optimum_equals_plain_mip(seed):
    from optimize.formulation import seed_columns

    problem = _problem(150, 12, seed, young_share_min=0.5, frontline_share_min=0.6)
    form = build_formulation(problem)
    sifted = solve_program(form, seed_columns=seed_columns(form, per_row=1))
    mip = solve_program(form, lp_first=False)
    assert sifted.status is mip.status is ResultStatus.OPTIMAL
    assert sifted.objective == pytest.approx(mip.objective, rel=1e-9, abs=1e-9)


def test_seed_that_cannot_meet_a_must_fill_row_falls_back_to_all_columns():
    from optimize.solve import solve_lp

    c = Candidates.build(
        unit=[0, 0], rank=[1, 1], age=[30, 30], years_in_grade=[3, 3], score=[5, 4]
    )
    p = Posts.build(unit=[0, 0], level=[1, 1], min_rank=[1, 1], must_fill=[1, 1])
    form = build_formulation(AllocationProblem(c, p, RankPools(pool=[0], rank=[9], headroom=[0])))
    relaxation = dataclasses.replace(form, integer=np.zeros(form.n_cols, bool))
    lp = solve_lp(relaxation, seed_columns=np.array([0]))
    assert lp.objective == pytest.approx(9.0)


def _must_fill_problem(n_cand, n_posts, seed, **targets):
    base = _problem(n_cand, n_posts, seed, **targets)
    rng = np.random.default_rng(seed + 100)
    posts = Posts.build(unit=base.posts.unit, level=base.posts.level,
                        min_rank=np.zeros(n_posts, int), must_fill=rng.random(n_posts) < 0.3)
    return AllocationProblem(base.candidates, posts, base.pools, base.rules)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("targets", [
    dict(young_share_min=0.1, frontline_share_min=0.1),   # rarely binding: rows stay out
    dict(young_share_min=0.6, frontline_share_min=0.7),   # binding: rows are added
])
def test_lazy_share_rows_reach_the_full_lp_optimum(seed, targets):
    from optimize.formulation import seed_columns, share_rows
    from optimize.solve import solve_lp

    form = build_formulation(_must_fill_problem(300, 25, seed, **targets))
    relaxation = dataclasses.replace(form, integer=np.zeros(form.n_cols, bool))
    full = solve_lp(relaxation)
    lazy = solve_lp(relaxation, seed_columns=seed_columns(form, per_row=1),
                    lazy_rows=share_rows(form))
    assert lazy.objective == pytest.approx(full.objective, rel=1e-9)
    activity = form.matrix @ lazy.x
    assert np.all(activity >= form.row_lower - 1e-7) and np.all(activity <= form.row_upper + 1e-7)
    # dual feasibility of the returned duals: the optimality certificate
    at_zero = lazy.x <= 1e-9
    assert lazy.reduced_cost[at_zero].max(initial=0) <= 1e-7


@pytest.mark.parametrize("seed", range(4))
def test_lazy_path_integer_optimum_equals_plain_mip(seed):
    from optimize.formulation import seed_columns, share_rows

    form = build_formulation(_must_fill_problem(150, 12, seed, young_share_min=0.5,
                                                frontline_share_min=0.6))
    lazy = solve_program(form, seed_columns=seed_columns(form, per_row=1),
                         lazy_rows=share_rows(form))
    mip = solve_program(form, lp_first=False)
    assert lazy.status is mip.status
    if mip.status is ResultStatus.OPTIMAL:
        assert lazy.objective == pytest.approx(mip.objective, rel=1e-9, abs=1e-9)


# A 14-column program (pruned from a random instance) on which HiGHS's MIP presolve solves
# the problem outright and highspy 1.16's getSolution() then returns the warm start (57.2)
# while the reported objective is the optimum's (64.8).
WARM_COST = [9.7, 20.0, 10.0, 10.0, 19.8, 9.9, 9.9, 9.7, 9.1, 7.9, 7.6, 8.5, 10.0, 9.9]
WARM_ROWS = [  # (lower, upper, columns with coefficient 1; the last row is the share row)
    (-np.inf, 1, [0, 7]), (-np.inf, 1, [8]), (-np.inf, 1, [9]), (-np.inf, 1, [10]),
    (-np.inf, 1, [11]), (-np.inf, 1, [1, 2, 3, 12]), (-np.inf, 1, [4, 5, 6, 13]),
    (-np.inf, 1, [1, 4]), (1, 1, [2, 5]), (-np.inf, 1, [0, 3, 6]), (-np.inf, 3, [8, 9, 10, 11]),
    (-np.inf, 0, [7, 12, 13]),
]
WARM_SHARE = [0.25, 0.25, 0.25, 0.25, -0.75, -0.75, -0.75, 0.25, 0.25, -0.75, 0.25, 0.25, 0.25,
              -0.75]


def test_a_warm_started_mip_returns_its_optimum_not_the_warm_start():
    import time

    import scipy.sparse as sp

    from optimize.alternatives import Program
    from optimize.solve import _restricted_mip, solve_lp

    dense = np.zeros((len(WARM_ROWS) + 1, len(WARM_COST)))
    for r, (_, _, cols) in enumerate(WARM_ROWS):
        dense[r, cols] = 1.0
    dense[-1] = WARM_SHARE
    program = Program(np.array(WARM_COST), sp.csr_array(dense),
                      np.array([lo for lo, _, _ in WARM_ROWS] + [0.0], float),
                      np.array([hi for _, hi, _ in WARM_ROWS] + [np.inf], float),
                      np.ones(len(WARM_COST)), np.ones(len(WARM_COST), bool))
    every = np.arange(len(WARM_COST))
    cold = _restricted_mip(program, program.integer, every, None, None, time.perf_counter())
    warm = _restricted_mip(program, program.integer, every, solve_lp(program).x, None,
                           time.perf_counter())
    assert cold.objective == pytest.approx(64.8)
    assert warm.objective == pytest.approx(cold.objective)
    assert float(program.cost @ warm.x) == pytest.approx(warm.objective)


# --- branching on counts (young share 35.2 -> 35 or 36) before any MIP ---

def test_a_fractional_share_count_is_closed_by_branching_not_by_the_mip():
    # The LP of test_fractional_relaxation_falls_back_to_mip takes half of each candidate:
    # the young count is 0.5. Y <= 0 leaves the post to nobody (share 0/0 met, value 0); Y >= 1
    # gives it to the young one (1). Both LPs are integral: the optimum without a MIP.
    from optimize.formulation import count_expressions

    c = Candidates.build(
        unit=[0, 0], rank=[1, 1], age=[50, 30], years_in_grade=[3, 3], score=[10, 1]
    )
    p = Posts.build(unit=[0], level=[1], min_rank=[1])
    q = RankPools(pool=[0], rank=[5], headroom=[0])
    rules = Rules(targets=Targets(young_share_min=0.5))
    form = build_formulation(AllocationProblem(c, p, q, rules))
    counts = count_expressions(form)
    assert counts.toarray().tolist() == [[0.0, 1.0], [1.0, 1.0]]  # the young; every move
    result = solve_program(form, counts=counts)
    assert result.method == "count-branch"
    assert result.status is ResultStatus.OPTIMAL and result.gap == 0.0
    assert result.objective == pytest.approx(1.0)
    assert result.x.tolist() == [0.0, 1.0]
    assert result.row_dual is not None and len(result.row_dual) == form.n_rows


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("path", ["whole", "sifted"])
def test_count_branching_reaches_the_mip_optimum(seed, path):
    from optimize.formulation import count_expressions, seed_columns, share_rows

    targets = dict(young_share_min=0.3 + 0.05 * (seed % 5), frontline_share_min=0.45)
    form = build_formulation(_must_fill_problem(150, 12, seed, **targets))
    options = {} if path == "whole" else dict(seed_columns=seed_columns(form, per_row=1),
                                              lazy_rows=share_rows(form))
    branched = solve_program(form, counts=count_expressions(form), **options)
    mip = solve_program(form, lp_first=False)
    assert branched.status is mip.status
    if mip.status is ResultStatus.OPTIMAL:
        assert branched.objective == pytest.approx(mip.objective, rel=1e-9, abs=1e-9)
        activity = form.matrix @ branched.x
        assert np.all(activity >= form.row_lower - 1e-7)
        assert np.all(activity <= form.row_upper + 1e-7)
        assert set(np.unique(branched.x)) <= {0.0, 1.0}


def test_count_branching_hands_over_to_the_mip_when_its_budget_ends(monkeypatch):
    # With room for the root only, every fractional LP stays open: the MIP over the columns
    # the open LPs' reduced costs keep must still give the whole MIP's optimum.
    import optimize.solve as solve_module
    from optimize.formulation import count_expressions

    monkeypatch.setattr(solve_module, "MAX_COUNT_NODES", 1)
    for seed in range(6):
        form = build_formulation(_must_fill_problem(150, 12, seed, young_share_min=0.45,
                                                    frontline_share_min=0.55))
        branched = solve_program(form, counts=count_expressions(form))
        mip = solve_program(form, lp_first=False)
        assert branched.status is mip.status
        if mip.status is ResultStatus.OPTIMAL:
            assert branched.method in ("mip", "lp-integral")
            assert branched.objective == pytest.approx(mip.objective, rel=1e-9, abs=1e-9)
