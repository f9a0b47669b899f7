"""Alternatives and ties, the shortlist, "why not this person", and forcing a candidate.

Hand-solvable instances: values are score * weight (* 1.3 for frontline cadres
where stated); the comments give the arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimize import Backend, allocate
from optimize import alternatives as alt
from optimize.allocate import solve_formulation
from optimize.problem import AllocationProblem, Candidates, Posts, RankPools
from optimize.proposal import MoveKind, MoveRef, Reason
from optimize.regulations import Regulations
from optimize.rules import Composition, Eligibility, Rules, Weights

NO_YEARS = Eligibility(min_years_post={})


def problem_of(scores, weights, *, frontline=None, rules=None, regulations=None):
    n, m = len(scores), len(weights)
    return AllocationProblem(
        Candidates.build(id=np.array([f"c{i}" for i in range(n)], dtype=object),
                         unit=[0] * n, rank=[1] * n, age=[40] * n, years_in_grade=[5.0] * n,
                         score=scores, frontline=frontline),
        Posts.build(id=np.array([f"p{j}" for j in range(m)], dtype=object), unit=[0] * m,
                    level=[1] * m, min_rank=[0] * m, weight=weights),
        RankPools(pool=[0], rank=[2], headroom=[0]),
        rules or Rules(eligibility=NO_YEARS),
        regulations=regulations or Regulations(),
    )


def post(i: int, j: int) -> MoveRef:
    return MoveRef(i, MoveKind.POST, j)


def test_equal_weights_make_a_tie_and_the_alternative_swaps_the_two():
    # c0 (9) and c1 (5) on p0 and p1, both weight 1: 14 either way.
    proposal = allocate(problem_of([9, 5], [1, 1]), alternatives=2)
    first = proposal.alternatives[0]
    assert first.is_tie and first.loss == 0.0
    held = {int(i): int(t) for i, t in zip(proposal.moves.candidate, proposal.moves.target,
                                           strict=True)}
    assert set(first.added) == {post(0, held[1]), post(1, held[0])}
    assert set(first.removed) == {post(0, held[0]), post(1, held[1])}
    # the next best differs from both: one of them left out, 9 (loss 5)
    second = proposal.alternatives[1]
    assert not second.is_tie and second.loss == pytest.approx(5.0)


def test_unequal_weights_have_no_tie():
    # c0 (9) takes p1 (weight 2): 18 + 5 = 23; swapped 10 + 9 = 19, loss 4.
    proposal = allocate(problem_of([9, 5], [1, 2]), alternatives=1)
    assert proposal.alternatives[0].loss == pytest.approx(4.0)
    assert not proposal.alternatives[0].is_tie


def test_alternatives_stop_when_no_other_proposal_exists():
    # one candidate, one post: "take it" and "leave it vacant" are the only two proposals
    proposal = allocate(problem_of([9], [1]), alternatives=3)
    assert [a.loss for a in proposal.alternatives] == [9.0]


@pytest.mark.parametrize("backend", [Backend.FAST, Backend.PULP])
def test_shortlist_ranks_by_the_loss_of_appointing_instead(backend):
    # p0 alone: c0 9 (holder), c1 8 (loss 1), c2 3 (loss 6), c3 1 (not on a list of 3).
    proposal = allocate(problem_of([9, 8, 3, 1], [1]), shortlist=3, backend=backend)
    rows = [(e.candidate, e.holder, e.loss) for e in proposal.shortlist]
    assert rows == [(0, True, 0.0), (1, False, pytest.approx(1.0)),
                    (2, False, pytest.approx(6.0))]


def test_passed_over_for_a_lower_value():
    # c0 scores 9, c1 8 but is frontline: 8 * 1.3 = 10.4 > 9, so c1 takes p0.
    rules = Rules(eligibility=NO_YEARS, weights=Weights(frontline_weight=1.3))
    proposal = allocate(problem_of([9, 8], [1], frontline=[False, True], rules=rules),
                        passed_over=True)
    [item] = proposal.passed_over
    assert (item.candidate, item.holder, item.reason) == (0, 1, Reason.LOWER_VALUE)
    assert (item.value, item.holder_value) == (pytest.approx(9.0), pytest.approx(10.4))


def test_passed_over_because_a_rule_forces_it_or_for_another_post():
    # Two posts (weights 2, 1); men c0 (9), c1 (8), woman c2 (4); at least one woman:
    # c0 -> p0 (18) and c2 -> p1 (4) = 22. Both men outscore c2, the holder of p1:
    # c0 holds p0 instead; for c1 a rule forces it: with c1 on p1 (8) the woman must take
    # p0 (8) and c0 gets nothing, 16, a loss of 6.
    rules = Rules(eligibility=NO_YEARS, composition=(
        Composition(attribute="gender", value="女", min_count=1),))
    reg = Regulations(attributes={"gender": np.array(["男", "男", "女"], dtype=object)})
    proposal = allocate(problem_of([9, 8, 4], [2, 1], rules=rules, regulations=reg),
                        passed_over=True)
    reasons = {(x.candidate, x.post): x for x in proposal.passed_over}
    assert set(reasons) == {(0, 1), (1, 1)}
    assert reasons[(0, 1)].reason == Reason.MOVED_ELSEWHERE
    rule = reasons[(1, 1)]
    assert rule.reason == Reason.RULE
    assert rule.loss == pytest.approx(6.0)
    assert "composition" in rule.binding


def test_forcing_in_and_out_reports_the_cost_and_who_else_moves():
    problem = problem_of([9, 8, 3], [2, 1])  # c0 -> p0 (18), c1 -> p1 (8): 26
    form, result, _, _ = solve_formulation(problem)
    forced = alt.force(form, result.x, 2, post=0)  # c2 -> p0 (6) + c0 -> p1 (9) = 15
    assert forced.feasible and forced.loss == pytest.approx(11.0)
    moved = {(c, t) for c, _, t in alt.moves_of(form, forced.added)}
    assert moved == {(2, 0), (0, 1)}
    out = alt.force(form, result.x, 0, into=False)  # c1 -> p0 (16), c2 -> p1 (3) = 19
    assert out.loss == pytest.approx(7.0)
    impossible = alt.force(form, result.x, 2, post=5)
    assert not impossible.feasible
