"""Runner-ups, margins, reasons for strong candidates left out, prices of quotas and rules."""

import dataclasses

import numpy as np
import pytest

from optimize import (
    AllocationProblem,
    Candidates,
    Eligibility,
    Posts,
    RankPools,
    Rules,
    Targets,
    allocate,
)


def _by_family(proposal, family):
    return [p for p in proposal.prices if p.family == family]


def test_runner_up_and_margin_per_post():
    c = Candidates.build(
        id=["A", "B", "C"],
        unit=[0, 0, 0],
        rank=[1, 1, 1],
        age=[30, 40, 50],
        years_in_grade=[3, 3, 3],
        score=[10, 7, 4],
    )
    p = Posts.build(id=["P"], unit=[0], level=[1], min_rank=[1])
    proposal = allocate(AllocationProblem(c, p, RankPools(pool=[0], rank=[9], headroom=[0])))
    (outcome,) = proposal.explanation.posts
    assert (outcome.holder, outcome.runner_up) == (0, 1)
    assert outcome.margin == pytest.approx(3.0)
    assert outcome.note == "runner-up gets no move"


def test_left_out_reasons_name_the_rule_the_quota_and_the_winner():
    c = Candidates.build(
        id=["A", "B", "C", "D"],
        unit=[0, 0, 0, 0],
        rank=[1, 1, 0, 1],
        age=[30, 40, 50, 33],
        years_in_grade=[3, 3, 0.5, 3],
        score=[10, 9, 8, 7],
        blocked=[0, 0, 0, 1],
    )
    p = Posts.build(id=["P"], unit=[0], level=[1], min_rank=[1])
    q = RankPools(pool=[0, 0], rank=[1, 2], headroom=[1, 0])
    rules = Rules(eligibility=Eligibility(min_years_rank={1: 1.0}))
    proposal = allocate(AllocationProblem(c, p, q, rules))
    # A takes the post; B (rank 1) has no rank-2 headroom; C (rank 0) lacks years; D is blocked.
    assert proposal.moves.candidate.tolist() == [0]
    reasons = {c.id[lo.candidate]: " | ".join(lo.reasons) for lo in proposal.explanation.left_out}
    assert "outscored by A (value 10 vs 9)" in reasons["B"]
    assert "no headroom" in reasons["B"]
    assert "rank 0 below the posts' minimum rank" in reasons["C"]
    assert "years in grade 0.5 < 1 required" in reasons["C"]
    assert "disciplinary impact period" in reasons["D"]
    assert [lo.score for lo in proposal.explanation.left_out] == [9, 8, 7]


def test_quota_full_reason_names_the_lowest_promoted():
    c = Candidates.build(
        id=["A", "B", "C"],
        unit=[0, 0, 0],
        rank=[0, 0, 0],
        age=[30, 30, 30],
        years_in_grade=[3, 3, 3],
        score=[10, 7, 4],
    )
    q = RankPools(pool=[0], rank=[1], headroom=[2])
    p = Posts.build(unit=[0], level=[1], min_rank=[5])
    proposal = allocate(AllocationProblem(c, p, q))
    (lo,) = proposal.explanation.left_out
    assert "quota full (2 slot(s)); lowest promoted B (value 7 vs 4)" in lo.reasons[-1]


@pytest.mark.parametrize("headroom", [1, 2])
def test_pool_price_lies_between_the_re_solved_marginal_values(headroom):
    # The LP dual of a degenerate assignment is any value between the gain of one more slot
    # and the loss of one slot fewer; check it against re-solves of the integer program.
    c = Candidates.build(
        unit=[0] * 4, rank=[0] * 4, age=[30] * 4, years_in_grade=[3] * 4, score=[10, 7, 5, 2]
    )
    p = Posts.build(unit=[0], level=[1], min_rank=[5])

    def solve(h):
        return allocate(AllocationProblem(c, p, RankPools(pool=[0], rank=[1], headroom=[h])))

    proposal = solve(headroom)
    gain = solve(headroom + 1).objective - proposal.objective
    loss = proposal.objective - solve(headroom - 1).objective
    (price,) = _by_family(proposal, "pool")
    assert gain - 1e-9 <= price.dual <= loss + 1e-9
    assert price.binding
    assert f"next in line {c.id[headroom]} would add {[10, 7, 5, 2][headroom]:g}" in price.text


def test_slack_pool_has_zero_price():
    c = Candidates.build(unit=[0], rank=[0], age=[30], years_in_grade=[3], score=[10])
    p = Posts.build(unit=[0], level=[1], min_rank=[5])
    proposal = allocate(AllocationProblem(c, p, RankPools(pool=[0], rank=[1], headroom=[3])))
    (price,) = _by_family(proposal, "pool")
    assert price.dual == 0.0 and not price.binding


def test_binding_share_rule_has_a_positive_price_and_a_per_point_value():
    c = Candidates.build(
        unit=[0, 0, 0, 0],
        rank=[1, 1, 1, 1],
        age=[50, 51, 30, 31],
        years_in_grade=[3] * 4,
        score=[10, 9, 2, 1],
    )
    p = Posts.build(unit=[0, 0], level=[1, 1], min_rank=[1, 1])
    pools = RankPools(pool=[0], rank=[9], headroom=[0])
    binding = allocate(AllocationProblem(c, p, pools, Rules(targets=Targets(young_share_min=0.5))))
    free = allocate(AllocationProblem(c, p, pools))
    (price,) = _by_family(binding, "young_share_min")
    assert binding.objective < free.objective
    assert price.binding and price.dual > 0 and price.per_point > 0
    achieved = {s.rule: s for s in binding.explanation.shares}["young_share_min"]
    assert (achieved.count, achieved.of) == (1, 2) and achieved.achieved == 0.5


def test_explanation_can_be_skipped_for_speed():
    c = Candidates.build(unit=[0], rank=[0], age=[30], years_in_grade=[3], score=[10])
    p = Posts.build(unit=[0], level=[1], min_rank=[0])
    proposal = allocate(
        AllocationProblem(c, p, RankPools(pool=[0], rank=[1], headroom=[1])), explain=False
    )
    assert proposal.prices == () and proposal.explanation.posts == ()
    assert len(proposal.moves) == 1


def test_input_arrays_are_read_only():
    c = Candidates.build(unit=[0], rank=[0], age=[30], years_in_grade=[3], score=[10])
    with pytest.raises(ValueError):
        c.score[0] = 99.0
    assert dataclasses.is_dataclass(c) and np.all(c.score == 10)
