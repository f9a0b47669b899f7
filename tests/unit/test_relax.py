"""Infeasible rules give the closest feasible proposal and name the rule missed."""

import pytest

from optimize import (
    AllocationProblem,
    Candidates,
    Limits,
    Posts,
    RankPools,
    Rules,
    SolveStatus,
    Targets,
    allocate,
)


def _pools():
    return RankPools(pool=[0], rank=[9], headroom=[0])


def test_must_fill_post_nobody_is_eligible_for_is_left_vacant_and_named():
    c = Candidates.build(
        unit=[0, 0], rank=[1, 1], age=[30, 40], years_in_grade=[3, 3], score=[5, 4]
    )
    p = Posts.build(id=["KEY", "P2"], unit=[0, 0], level=[1, 1], min_rank=[4, 1], must_fill=[1, 0])
    proposal = allocate(AllocationProblem(c, p, _pools()))
    assert proposal.status is SolveStatus.RELAXED
    (relaxation,) = proposal.relaxations
    assert relaxation.rule == "must_fill" and relaxation.entity == 0
    assert "KEY" in relaxation.text and "nobody is eligible" in relaxation.text
    # the rest is still optimised: the best candidate takes the other post
    assert proposal.moves.candidate.tolist() == [0]
    assert proposal.objective == pytest.approx(5.0)


def test_relaxation_misses_the_rules_by_the_fewest_people():
    # Two must-fill posts, one young candidate, young share 75 %. Filling both misses the
    # share by 2 young appointments ((1+k)/(2+k) >= 0.75 needs k = 2); leaving one post
    # vacant misses by one post. The closest proposal leaves one vacant.
    c = Candidates.build(
        unit=[0, 0, 0], rank=[1, 1, 1], age=[30, 50, 52], years_in_grade=[3, 3, 3], score=[1, 9, 8]
    )
    p = Posts.build(unit=[0, 0], level=[1, 1], min_rank=[1, 1], must_fill=[1, 1])
    rules = Rules(targets=Targets(young_share_min=0.75))
    proposal = allocate(AllocationProblem(c, p, _pools(), rules))
    assert proposal.status is SolveStatus.RELAXED
    assert [r.rule for r in proposal.relaxations] == ["must_fill"]
    assert proposal.moves.candidate.tolist() == [0]


def test_share_rule_is_relaxed_when_that_is_as_close_and_worth_more():
    # One must-fill post, only older candidates, young share 50 %: vacancy (1 post) and
    # filling it (1 young appointment short) miss by the same; filling is worth more.
    c = Candidates.build(
        unit=[0, 0], rank=[1, 1], age=[50, 52], years_in_grade=[3, 3], score=[9, 8]
    )
    p = Posts.build(unit=[0], level=[1], min_rank=[1], must_fill=[1])
    rules = Rules(targets=Targets(young_share_min=0.5))
    proposal = allocate(AllocationProblem(c, p, _pools(), rules))
    assert proposal.status is SolveStatus.RELAXED
    (relaxation,) = proposal.relaxations
    assert relaxation.rule == "young_share_min"
    assert relaxation.shortfall == pytest.approx(1.0)
    assert "0.0%" in relaxation.text and "50.0%" in relaxation.text
    assert proposal.moves.candidate.tolist() == [0]
    assert proposal.objective == pytest.approx(9.0)


def test_outflow_limit_colliding_with_must_fill_is_relaxed():
    c = Candidates.build(
        unit=[0, 0], rank=[1, 1], age=[30, 31], years_in_grade=[3, 3], score=[5, 4]
    )
    p = Posts.build(unit=[1, 1], level=[1, 1], min_rank=[1, 1], must_fill=[1, 1])
    rules = Rules(limits=Limits(max_outflow_per_unit=1))
    proposal = allocate(AllocationProblem(c, p, _pools(), rules))
    assert proposal.status is SolveStatus.RELAXED
    assert len(proposal.relaxations) == 1
    assert proposal.relaxations[0].shortfall == pytest.approx(1.0)
    assert len(proposal.moves) == 1 + (proposal.relaxations[0].rule == "max_outflow_per_unit")


def test_feasible_rules_are_never_relaxed():
    c = Candidates.build(
        unit=[0, 0], rank=[1, 1], age=[30, 50], years_in_grade=[3, 3], score=[1, 9]
    )
    p = Posts.build(unit=[0], level=[1], min_rank=[1], must_fill=[1])
    proposal = allocate(
        AllocationProblem(c, p, _pools(), Rules(targets=Targets(young_share_min=1)))
    )
    assert proposal.status is SolveStatus.OPTIMAL
    assert proposal.relaxations == ()
    assert proposal.moves.candidate.tolist() == [0]
