"""Assignment first (``optimize.presolve.matching``): kept only when every row holds, same optimum.

Hand instances check both outcomes (the matching kept; a violated outflow row
sending the solve back to the program); properties compare the answer with the
program's on random problems with every row family, with and without pruning.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from optimize import AllocationProblem, SolveStatus, allocate
from optimize.rules import Eligibility, Limits, Rules
from tests.strategies import allocation_problems
from tests.unit.test_prune import crowded_problems, one_level_problem, random_problem

NO_YEARS = Eligibility(min_years_post={})


def test_slack_side_rows_keep_the_matching():
    # One post, a rank slot with headroom 2: c1 (9) takes the post, c3 (7) and c0 (3) the
    # slots: 19, proven by the matching alone.
    problem = one_level_problem([3.0, 9.0, 1.0, 7.0, 2.0], headroom=2)
    proposal = allocate(problem, explain=False, assignment_first=True)
    assert proposal.method == "matching" and proposal.status is SolveStatus.OPTIMAL
    assert proposal.objective == pytest.approx(19.0) == proposal.bound
    assert sorted(proposal.moves.candidate.tolist()) == [0, 1, 3]


def test_a_violated_outflow_row_falls_back_to_the_program():
    # Both posts are in unit 0, the two best (9, 8) in unit 1, outflow limit 1: the matching
    # sends both out of unit 1 (17); the program keeps one of them home: 9 + 2 = 11.
    rules = Rules(eligibility=NO_YEARS, limits=Limits(max_outflow_per_unit=1))
    problem = one_level_problem([9.0, 8.0, 2.0], n_posts=2, units=[1, 1, 0], rules=rules)
    proposal = allocate(problem, explain=False, assignment_first=True)
    assert proposal.method != "matching"
    assert proposal.objective == pytest.approx(11.0)


def test_negative_values_are_never_matched():
    # c0's fit for the post is negative: the matching leaves the post to c1 (value 1).
    from optimize.problem import Fit

    base = one_level_problem([5.0, 1.0])
    problem = AllocationProblem(base.candidates, base.posts, base.pools, base.rules,
                                Fit(candidate=[0, 1], post=[0, 0], fit=[-1.0, 1.0]))
    proposal = allocate(problem, explain=False, assignment_first=True)
    assert proposal.method == "matching" and proposal.objective == pytest.approx(1.0)


def assert_same_answer(problem: AllocationProblem, prune: bool) -> str:
    whole = allocate(problem, explain=False)
    first = allocate(problem, explain=False, assignment_first=True, prune=prune)
    assert first.status is whole.status
    assert first.objective == pytest.approx(whole.objective, rel=1e-7, abs=1e-7)
    return first.method


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problem=allocation_problems(max_candidates=8, max_posts=3))
def test_matching_first_reaches_the_program_optimum(problem):
    assert_same_answer(problem, prune=False)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problem=crowded_problems())
def test_matching_first_and_pruning_reach_the_program_optimum(problem):
    assert_same_answer(problem, prune=True)


def test_matching_is_kept_on_most_problems_with_slack_rows():
    # Without shares, outflow limits, composition and team rules only must-fill posts,
    # the lock and the conflict can send the solve back: most solves end at the matching.
    methods = []
    for seed in range(12):
        problem = random_problem(np.random.default_rng(seed))
        rules = Rules(eligibility=NO_YEARS)
        problem = AllocationProblem(problem.candidates, problem.posts, problem.pools, rules,
                                    regulations=problem.regulations)
        methods.append(assert_same_answer(problem, prune=True))
    assert methods.count("matching") >= 6
