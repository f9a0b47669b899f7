"""Eligible pairs: every rule of the contract, one at a time."""

import numpy as np
import pytest

from optimize import AllocationProblem, Candidates, Eligibility, Mobility, Posts, RankPools, Rules
from optimize.eligibility import eligible_pairs, relieved_candidates


def _one_post_problem(rules=None, **cand):
    base = dict(unit=[0], rank=[2], age=[40], years_in_grade=[3.0], score=[1.0])
    base.update(cand)
    c = Candidates.build(**base)
    p = Posts.build(unit=[0], level=[2], min_rank=[2])
    return AllocationProblem(c, p, RankPools(pool=[0], rank=[3], headroom=[1]), rules or Rules())


def _post_eligible(problem):
    return eligible_pairs(problem).n_post_pairs == 1


def _rank_eligible(problem):
    return eligible_pairs(problem).n_rank_pairs == 1


@pytest.mark.parametrize(
    ("change", "post_ok", "rank_ok"),
    [
        ({}, True, True),
        ({"rank": [1]}, False, False),  # below min rank; and pool has no rank-2 row
        ({"post_level": [2]}, False, True),  # already holds a post of that level
        ({"years_in_grade": [1.5]}, False, True),  # default min years for level 2 is 2
        ({"blocked": [1]}, False, False),
        ({"age": [60]}, True, True),  # default age limit 200
    ],
)
def test_each_rule_alone(change, post_ok, rank_ok):
    problem = _one_post_problem(**change)
    assert _post_eligible(problem) is post_ok
    assert _rank_eligible(problem) is rank_ok


def test_age_limit_applies_to_posts_only():
    rules = Rules(eligibility=Eligibility(max_age=55))
    problem = _one_post_problem(rules, age=[59])
    assert not _post_eligible(problem)
    assert _rank_eligible(problem)  # a veteran near retirement can still rise in rank


def test_min_years_rank_by_rank_promoted_into():
    rules = Rules(eligibility=Eligibility(min_years_rank={3: 4.0}))
    assert not _rank_eligible(_one_post_problem(rules, years_in_grade=[3.5]))
    assert _rank_eligible(_one_post_problem(rules, years_in_grade=[4.0]))


def test_within_unit_mobility():
    rules = Rules(eligibility=Eligibility(mobility=Mobility.WITHIN_UNIT))
    c = Candidates.build(
        unit=[0, 1], rank=[2, 2], age=[40, 40], years_in_grade=[3, 3], score=[1, 1]
    )
    p = Posts.build(unit=[1], level=[1], min_rank=[0])
    problem = AllocationProblem(c, p, RankPools(pool=[0], rank=[9], headroom=[0]), rules)
    pairs = eligible_pairs(problem)
    assert pairs.post_candidate.tolist() == [1]


def test_relief_goes_to_the_top_share_by_score_ties_broken_by_id():
    rules = Rules(eligibility=Eligibility(min_years_relief=1.0, relief_top_share=0.4))
    c = Candidates.build(
        id=["e", "d", "c", "b", "a"],
        unit=[0] * 5,
        rank=[2] * 5,
        age=[30] * 5,
        years_in_grade=[1.2] * 5,
        score=[5, 9, 7, 9, 1],
    )
    p = Posts.build(unit=[0], level=[2], min_rank=[2])
    problem = AllocationProblem(c, p, RankPools(pool=[0], rank=[9], headroom=[0]), rules)
    relieved = relieved_candidates(problem)
    # ceil(0.4 * 5) = 2: the two 9s ("b" and "d")
    assert np.flatnonzero(relieved).tolist() == [1, 3]
    # 1.2 + 1 relief >= 2 years for level 2; the others are not eligible
    assert eligible_pairs(problem).post_candidate.tolist() == [1, 3]


def test_pairs_are_sorted_and_unique_on_a_random_instance():
    rng = np.random.default_rng(0)
    n = 500
    c = Candidates.build(
        unit=rng.integers(0, 5, n),
        rank=rng.integers(0, 4, n),
        age=rng.integers(25, 60, n),
        years_in_grade=rng.uniform(0, 5, n),
        score=rng.uniform(0, 10, n),
        post_level=rng.integers(0, 2, n),
    )
    p = Posts.build(
        unit=rng.integers(0, 5, 30), level=rng.integers(1, 4, 30), min_rank=rng.integers(0, 4, 30)
    )
    problem = AllocationProblem(c, p, RankPools(pool=[0], rank=[1], headroom=[1]))
    pairs = eligible_pairs(problem)
    keys = pairs.post_candidate * 1000 + pairs.post_post
    assert np.all(np.diff(keys) > 0)
    # brute force over all pairs with the raw rules
    expected = [
        (i, j)
        for i in range(n)
        for j in range(30)
        if c.rank[i] >= p.min_rank[j]
        and c.post_level[i] < p.level[j]
        and c.years_in_grade[i] >= {1: 2.0, 2: 2.0, 3: 2.0}[int(p.level[j])]
    ]
    found = zip(pairs.post_candidate.tolist(), pairs.post_post.tolist(), strict=True)
    assert list(found) == expected


def test_pairs_of_some_candidates_and_posts_are_those_of_all_filtered():
    # relief ranks every candidate: restricting must not change who is eligible where
    rng = np.random.default_rng(4)
    n, m = 120, 15
    c = Candidates.build(unit=rng.integers(0, 4, n), rank=rng.integers(0, 3, n),
                         age=rng.integers(25, 58, n), years_in_grade=rng.uniform(0, 5, n),
                         score=rng.uniform(0, 100, n), pool=rng.integers(0, 2, n))
    p = Posts.build(unit=rng.integers(0, 4, m), level=rng.integers(1, 4, m),
                    min_rank=rng.integers(0, 3, m))
    q = RankPools(pool=[0, 0, 1, 1], rank=[1, 2, 1, 2], headroom=[2, 1, 2, 1])
    rules = Rules(eligibility=Eligibility(min_years_relief=2.0, relief_top_share=0.2))
    problem = AllocationProblem(c, p, q, rules)
    some_c, some_p = rng.random(n) < 0.4, rng.random(m) < 0.5
    full, part = eligible_pairs(problem), eligible_pairs(problem, candidates=some_c, posts=some_p)
    keep = some_c[full.post_candidate] & some_p[full.post_post]
    assert part.post_candidate.tolist() == full.post_candidate[keep].tolist()
    assert part.post_post.tolist() == full.post_post[keep].tolist()
    keep_rank = some_c[full.rank_candidate]
    assert part.rank_candidate.tolist() == full.rank_candidate[keep_rank].tolist()
    assert part.rank_pool.tolist() == full.rank_pool[keep_rank].tolist()
    assert part.relieved.tolist() == full.relieved.tolist()
