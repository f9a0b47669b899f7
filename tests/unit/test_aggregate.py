"""Interchangeable posts as one target (``optimize.presolve.aggregate``): classes, exactness.

Hand instances check which posts form a class; properties compare the program over
classes with the whole program on random problems with every row family (same status,
same optimal or relaxed objective), and check that the handed-out posts make a
proposal of the whole program meeting every row with that value. A last test checks
that which post of a class an appointee gets favours no post.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from optimize import AllocationProblem, MoveKind, SolveStatus, allocate
from optimize.eligibility import eligible_pairs
from optimize.formulation import build_formulation
from optimize.presolve.aggregate import aggregate_posts, post_classes
from optimize.problem import Candidates, Posts, RankPools
from optimize.regulations import Regulations
from optimize.rules import Limits, Mobility, Rules, Targets
from tests.strategies import allocation_problems
from tests.unit.test_prune import NO_YEARS, crowded_problems, random_problem


def three_posts(rules: Rules | None = None, must_fill=(False, False, False),
                weight=(1.0, 1.0, 1.0)) -> AllocationProblem:
    """Six candidates for three level-1 posts in units 0, 1, 2."""
    return AllocationProblem(
        Candidates.build(unit=[0, 1, 2, 0, 1, 2], rank=[1] * 6, age=[40] * 6,
                         years_in_grade=[5.0] * 6, score=[6.0, 5.0, 4.0, 3.0, 2.0, 1.0]),
        Posts.build(unit=[0, 1, 2], level=[1, 1, 1], min_rank=[0, 0, 0], weight=list(weight),
                    must_fill=list(must_fill)),
        RankPools(pool=[0], rank=[2], headroom=[0]),
        rules or Rules(eligibility=NO_YEARS))


def test_posts_alike_in_everything_read_form_one_class():
    assert post_classes(three_posts()).tolist() == [0, 0, 0]
    classes = aggregate_posts(three_posts())
    assert classes.size.tolist() == [3] and classes.problem.n_posts == 1


def test_a_rule_reading_units_keeps_posts_of_different_units_apart():
    outflow = Rules(eligibility=NO_YEARS, limits=Limits(max_outflow_per_unit=1))
    within = Rules(eligibility=NO_YEARS.model_copy(update={"mobility": Mobility.WITHIN_UNIT}))
    for rules in (outflow, within):
        assert post_classes(three_posts(rules)).tolist() == [0, 1, 2]
        assert aggregate_posts(three_posts(rules)) is None  # nothing to aggregate


def test_must_fill_and_weight_split_classes():
    assert post_classes(three_posts(must_fill=(False, True, False))).tolist() == [0, 1, 0]
    assert post_classes(three_posts(weight=(1.0, 2.0, 2.0))).tolist() == [0, 1, 1]


def test_county_flags_of_the_regulations_turn_aggregation_off():
    problem = three_posts()
    flagged = AllocationProblem(problem.candidates, problem.posts, problem.pools,
                                problem.rules, regulations=Regulations(
                                    post_county=np.array(["A", "A", "B"], object),
                                    post_principal=np.array([True, False, False])))
    assert post_classes(flagged) is None


def test_the_best_three_take_the_three_posts_one_each():
    proposal = allocate(three_posts(), explain=False, aggregate=True)
    assert proposal.objective == pytest.approx(15.0)
    assert sorted(proposal.moves.candidate.tolist()) == [0, 1, 2]
    assert sorted(proposal.moves.target.tolist()) == [0, 1, 2]
    assert proposal.n_variables == 6 + 6  # a column per candidate for the class (18 posts
    # columns on the whole program), and one for the rank slot


def assert_proposal_of_the_whole_program(problem: AllocationProblem, proposal) -> None:
    """The handed-out moves are columns of the whole program meeting every row."""
    form = build_formulation(problem, eligible_pairs(problem))
    pairs = form.pairs
    column = {(int(i), int(j)): c for c, (i, j) in
              enumerate(zip(pairs.post_candidate, pairs.post_post, strict=True))}
    column.update({(int(i), -1 - int(k)): form.n_post_cols + c for c, (i, k) in
                   enumerate(zip(pairs.rank_candidate, pairs.rank_pool, strict=True))})
    x = np.zeros(form.n_cols)
    for i, kind, t in zip(proposal.moves.candidate, proposal.moves.kind, proposal.moves.target,
                          strict=True):
        x[column[(int(i), int(t) if kind is MoveKind.POST else -1 - int(t))]] = 1.0
    assert float(form.cost @ x) == pytest.approx(proposal.objective, rel=1e-9, abs=1e-9)
    if proposal.status is SolveStatus.OPTIMAL:
        activity = form.matrix @ x
        assert np.all(activity >= form.row_lower - 1e-7)
        assert np.all(activity <= form.row_upper + 1e-7)


def assert_same_optimum(problem: AllocationProblem) -> None:
    whole = allocate(problem, explain=False)
    for prune in (False, True):
        grouped = allocate(problem, explain=False, aggregate=True, prune=prune)
        assert grouped.status is whole.status
        assert grouped.objective == pytest.approx(whole.objective, rel=1e-9, abs=1e-9)
        assert_proposal_of_the_whole_program(problem, grouped)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problem=allocation_problems(max_candidates=10, max_posts=4, max_pools=1))
def test_optimum_over_classes_equals_whole_optimum(problem):
    assert_same_optimum(problem)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(problem=crowded_problems())
def test_optimum_over_classes_equals_whole_optimum_under_every_rule_family(problem):
    assert_same_optimum(problem)


def with_alike_posts(problem: AllocationProblem, rng: np.random.Generator) -> AllocationProblem:
    """``problem`` with 6-10 posts drawn from two kinds (level, minimum rank, weight)."""
    m = int(rng.integers(6, 11))
    kind = rng.integers(0, 2, m)
    posts = Posts.build(unit=rng.integers(0, 3, m), level=np.array([1, 2])[kind],
                        min_rank=np.array([0, 2])[kind], weight=np.array([1.0, 2.0])[kind],
                        must_fill=rng.random(m) < 0.15)
    return AllocationProblem(problem.candidates, posts, problem.pools, problem.rules,
                             problem.fit, problem.unit_names, problem.pool_names,
                             problem.regulations)


@pytest.mark.parametrize("seed", range(12))
def test_optimum_over_classes_equals_whole_optimum_on_crowded_random_problems(seed):
    rng = np.random.default_rng(seed)
    assert_same_optimum(with_alike_posts(random_problem(rng), rng))


def test_crowded_random_problems_are_aggregated():
    # not vacuous: most instances above have a class of several posts
    sizes = []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        classes = aggregate_posts(with_alike_posts(random_problem(rng), rng))
        sizes.append(0 if classes is None else int(classes.size.max()))
    assert sum(s >= 2 for s in sizes) >= 8


def test_which_post_of_a_class_favours_no_post():
    # One appointee, a class of four posts in units 0..3: over 400 different appointees
    # each post is taken a quarter of the time (chi-square, 3 df, p = 0.001: 16.27).
    taken = np.zeros(4)
    for k in range(400):
        problem = AllocationProblem(
            Candidates.build(unit=[0], rank=[1], age=[40], years_in_grade=[5.0], score=[1.0],
                             id=[f"c{k}"]),
            Posts.build(unit=[0, 1, 2, 3], level=[1] * 4, min_rank=[0] * 4),
            RankPools(pool=[0], rank=[2], headroom=[0]), Rules(eligibility=NO_YEARS),
            unit_names=("u0", "u1", "u2", "u3"))
        proposal = allocate(problem, explain=False, aggregate=True)
        taken[int(proposal.moves.target[0])] += 1
    assert float(((taken - 100.0) ** 2 / 100.0).sum()) < 16.27


def test_handing_out_posts_is_deterministic():
    problem = with_alike_posts(random_problem(np.random.default_rng(3)),
                               np.random.default_rng(3))
    a = allocate(problem, explain=False, aggregate=True)
    b = allocate(problem, explain=False, aggregate=True)
    assert a.moves.target.tolist() == b.moves.target.tolist()
    assert a.moves.candidate.tolist() == b.moves.candidate.tolist()


def test_aggregation_gives_the_optimum_only():
    problem = three_posts()
    with pytest.raises(ValueError, match="optimum only"):
        allocate(problem, aggregate=True)
    with pytest.raises(ValueError, match="assignment_first"):
        allocate(problem, explain=False, aggregate=True, assignment_first=True)


def test_young_share_over_classes():
    # Young share of post appointments >= 1/2, three alike posts: the best older candidate
    # (9) and both young ones (2, 1) make 12; the two older ones and a young one (19) break
    # the share (1 of 3), and 9 + 2 alone make 11.
    problem = AllocationProblem(
        Candidates.build(unit=[0, 0, 0, 0], rank=[1] * 4, age=[50, 50, 30, 30],
                         years_in_grade=[5.0] * 4, score=[9.0, 8.0, 2.0, 1.0]),
        Posts.build(unit=[0, 1, 2], level=[1, 1, 1], min_rank=[0, 0, 0]),
        RankPools(pool=[0], rank=[2], headroom=[0]),
        Rules(eligibility=NO_YEARS, targets=Targets(young_share_min=0.5)))
    assert_same_optimum(problem)
    proposal = allocate(problem, explain=False, aggregate=True)
    assert proposal.objective == pytest.approx(12.0)
    assert sorted(proposal.moves.candidate.tolist()) == [0, 2, 3]
    assert sorted(proposal.moves.target.tolist()) == [0, 1, 2]
