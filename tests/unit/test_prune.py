"""Pruning before the build (``optimize.presolve.prune``): what it keeps, and that it is exact.

Hand instances check the rule (each target keeps each exchange group's best K_g
pairs; locked and conflicted candidates keep all theirs). Properties compare the
pruned and the whole program on random problems with every row family: the same
status and the same optimal (or relaxed) objective, and every pruned proposal a
proposal of the whole program.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize import AllocationProblem, SolveStatus, allocate
from optimize.eligibility import eligible_pairs
from optimize.formulation import objective_terms
from optimize.presolve.prune import (
    exchange_groups,
    protected_candidates,
    prune_pairs,
    shared_quotas,
)
from optimize.problem import Candidates, Posts, RankPools
from optimize.regulations import ConflictKind, Conflicts, LockKind, Locks, Regulations
from optimize.rules import Composition, Eligibility, Limits, Over, Rules, Targets, Team
from tests.strategies import allocation_problems

NO_YEARS = Eligibility(min_years_post={})


def one_level_problem(scores, *, headroom=0, n_posts=1, rules=None, regulations=None,
                      units=None, ages=None) -> AllocationProblem:
    """Candidates of rank 1 in one pool; ``n_posts`` level-1 posts in unit 0."""
    n = len(scores)
    return AllocationProblem(
        Candidates.build(unit=units or [0] * n, rank=[1] * n, age=ages or [40] * n,
                         years_in_grade=[5.0] * n, score=scores),
        Posts.build(unit=[0] * n_posts, level=[1] * n_posts, min_rank=[0] * n_posts),
        RankPools(pool=[0], rank=[2], headroom=[headroom]),
        rules or Rules(eligibility=NO_YEARS),
        regulations=regulations or Regulations(),
    )


def kept(problem: AllocationProblem):
    pairs = eligible_pairs(problem)
    return pairs, prune_pairs(problem, pairs, objective_terms(problem, pairs).value)


def post_holders_kept(pruning) -> list[int]:
    return sorted(pruning.pairs.post_candidate.tolist())


# --- the rule on hand instances -----------------------------------------------------------


def test_one_post_keeps_only_its_best_candidate():
    # 5 candidates, one post, a rank slot with no headroom: K = 1 + 0, so only c1 (score 9)
    # keeps the post, and nobody keeps the slot that takes nobody.
    problem = one_level_problem([3.0, 9.0, 1.0, 7.0, 2.0])
    pairs, pruning = kept(problem)
    assert pairs.n_post_pairs == 5 and pairs.n_rank_pairs == 5 and pruning.n_pruned == 9
    assert post_holders_kept(pruning) == [1] and pruning.pairs.n_rank_pairs == 0
    proposal = allocate(problem, explain=False, prune=True)
    assert proposal.pruned_pairs == 9 and proposal.objective == pytest.approx(9.0)


def test_headroom_counts_as_capacity():
    # One post and a rank slot with headroom 2: no proposal moves more than 3 people, so each
    # target keeps its 3 best of 6 (scores 6, 5, 4) and 2 x 3 pairs are pruned.
    problem = one_level_problem([1.0, 6.0, 2.0, 5.0, 3.0, 4.0], headroom=2)
    pairs, pruning = kept(problem)
    assert pruning.n_pruned == 6
    assert post_holders_kept(pruning) == [1, 3, 5]
    assert sorted(pruning.pairs.rank_candidate.tolist()) == [1, 3, 5]
    whole = allocate(problem, explain=False, prune=False)
    pruned = allocate(problem, explain=False, prune=True)
    assert pruned.objective == pytest.approx(whole.objective) == pytest.approx(15.0)


def test_share_target_keeps_the_best_of_each_group():
    # Young share on: the young (age 30) and the others are two groups, each keeps its best.
    rules = Rules(eligibility=NO_YEARS, targets=Targets(young_share_min=1.0))
    problem = one_level_problem([9.0, 8.0, 2.0, 1.0], ages=[50, 50, 30, 30], rules=rules)
    _, pruning = kept(problem)
    assert post_holders_kept(pruning) == [0, 2]
    proposal = allocate(problem, explain=False, prune=True)
    assert proposal.status is SolveStatus.OPTIMAL and proposal.objective == pytest.approx(2.0)


def test_outflow_limit_groups_by_unit():
    # Outflow limit on: candidates of unit 0 (the post's) and of unit 1 are separate groups.
    rules = Rules(eligibility=NO_YEARS, limits=Limits(max_outflow_per_unit=0))
    problem = one_level_problem([9.0, 8.0, 2.0, 1.0], units=[1, 1, 0, 0], rules=rules)
    assert exchange_groups(problem).tolist() == [1, 1, 0, 0]
    _, pruning = kept(problem)
    assert post_holders_kept(pruning) == [0, 2]
    assert allocate(problem, explain=False, prune=True).objective == pytest.approx(2.0)


def test_locked_and_conflicted_candidates_keep_every_pair():
    locks = Locks(np.array([4]), np.array([0]), np.array([-1]), (LockKind.MUST,))
    conflicts = Conflicts(np.array([3]), np.array([-1]), np.array([1]),
                          (ConflictKind.SUPERVISE,))
    problem = one_level_problem([9.0, 8.0, 7.0, 1.0, 0.5],
                                regulations=Regulations(locks=locks, conflicts=conflicts))
    assert protected_candidates(problem).tolist() == [False, False, False, True, True]
    _, pruning = kept(problem)
    assert post_holders_kept(pruning) == [0, 3, 4]
    proposal = allocate(problem, explain=False, prune=True)
    assert proposal.objective == pytest.approx(0.5)  # the lock puts c4 on the post


def test_pruning_is_asked_for_and_only_for_the_optimum():
    problem = one_level_problem([3.0, 9.0, 1.0])
    assert allocate(problem, explain=False).pruned_pairs == 0  # off by default
    with pytest.raises(ValueError, match="optimum only"):
        allocate(problem, prune=True)
    with pytest.raises(ValueError, match="optimum only"):
        allocate(problem, explain=False, alternatives=1, prune=True)


# --- exactness: pruned against whole on random problems -----------------------------------


def assert_same_optimum(problem: AllocationProblem) -> int:
    whole = allocate(problem, explain=False, prune=False)
    pruned = allocate(problem, explain=False, prune=True)
    assert pruned.status is whole.status
    assert pruned.objective == pytest.approx(whole.objective, rel=1e-7, abs=1e-7)
    if whole.status is SolveStatus.RELAXED:
        missed = sum(r.shortfall for r in whole.relaxations)
        assert sum(r.shortfall for r in pruned.relaxations) == pytest.approx(missed)
    return pruned.pruned_pairs


GENDERS = ("女", "男")


@st.composite
def crowded_problems(draw):
    """Many candidates for few targets, with every rule family sometimes on."""
    base = draw(allocation_problems(max_candidates=12, max_posts=3, min_candidates=4,
                                    max_pools=1, max_rank=2))
    n, m, n_units = base.n_candidates, base.n_posts, len(base.unit_names)
    pick = st.integers(0, n - 1)
    gender = np.array(draw(st.lists(st.sampled_from(GENDERS), min_size=n, max_size=n)), object)
    conflicts = [c for c in draw(st.lists(
        st.tuples(pick, st.integers(-1, n - 1), st.integers(0, n_units - 1),
                  st.sampled_from(ConflictKind)), max_size=2)) if c[0] != c[1]]
    locks = draw(st.lists(st.tuples(pick, st.integers(-1, m - 1), st.sampled_from(LockKind)),
                          max_size=2))
    regulations = Regulations(
        attributes={"gender": gender},
        conflicts=Conflicts(np.array([a for a, _, _, _ in conflicts], np.int64),
                            np.array([b for _, b, _, _ in conflicts], np.int64),
                            np.array([u if b < 0 else -1 for _, b, u, _ in conflicts], np.int64),
                            tuple(k for _, _, _, k in conflicts)),
        locks=Locks(np.array([i for i, _, _ in locks], np.int64),
                    np.array([j for _, j, _ in locks], np.int64),
                    np.full(len(locks), -1, np.int64), tuple(k for _, _, k in locks)),
        team_unit=np.array([0]), team_attributes={"gender": np.array(["女"], object)},
    )
    composition = draw(st.lists(st.builds(
        Composition, attribute=st.just("gender"), value=st.sampled_from(GENDERS),
        over=st.sampled_from(Over), min_share=st.sampled_from((0.0, 0.5)),
        min_count=st.sampled_from((0, 1))), max_size=1))
    team = draw(st.lists(st.builds(Team, attribute=st.just("gender"), value=st.just("女"),
                                   min_count=st.integers(1, 2)), max_size=1))
    rules = base.rules.model_copy(update={"composition": tuple(composition),
                                          "team": tuple(team)})
    return AllocationProblem(base.candidates, base.posts, base.pools, rules, base.fit,
                             base.unit_names, base.pool_names, regulations)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problem=allocation_problems(max_candidates=10, max_posts=2, max_pools=1))
def test_pruned_optimum_equals_whole_optimum(problem):
    assert_same_optimum(problem)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problem=crowded_problems())
def test_pruned_optimum_equals_whole_optimum_under_every_rule_family(problem):
    assert_same_optimum(problem)


def random_problem(rng: np.random.Generator) -> AllocationProblem:
    """30-60 candidates in 3 units for 2-5 posts and two rank slots, every family drawn."""
    n, m = int(rng.integers(30, 61)), int(rng.integers(2, 6))
    candidates = Candidates.build(
        unit=rng.integers(0, 3, n), rank=rng.integers(1, 3, n),
        age=rng.choice([30, 34, 40, 50], n), years_in_grade=np.full(n, 5.0),
        score=np.round(rng.uniform(0, 10, n), 1), frontline=rng.random(n) < 0.4,
        hardship=rng.choice([1.0, 1.5], n), post_level=rng.choice([0, 1], n))
    posts = Posts.build(unit=rng.integers(0, 3, m), level=rng.integers(1, 3, m),
                        min_rank=rng.integers(0, 3, m), weight=rng.choice([1.0, 2.0], m),
                        must_fill=rng.random(m) < 0.3)
    pools = RankPools(pool=[0, 0], rank=[2, 3], headroom=rng.integers(0, 4, 2))
    gender = rng.choice(np.array(GENDERS, object), n)
    a, b = rng.choice(n, 2, replace=False)
    regulations = Regulations(
        attributes={"gender": gender},
        conflicts=Conflicts(np.array([a]), np.array([b]), np.array([-1]),
                            (ConflictKind.SAME_UNIT,)),
        locks=Locks(np.array([int(rng.integers(n))]), np.array([-1]), np.array([-1]),
                    (LockKind.FORBID,)),
        team_unit=np.array([0]), team_attributes={"gender": np.array(["男"], object)})
    rules = Rules(
        eligibility=NO_YEARS,
        targets=Targets(young_share_min=float(rng.choice([0.0, 0.5])),
                        frontline_share_min=float(rng.choice([0.0, 0.5]))),
        limits=Limits(max_outflow_per_unit=int(rng.choice([-1, 1]))),
        composition=(Composition(attribute="gender", value="女", over=Over.ALL,
                                 min_count=int(rng.integers(0, 2))),),
        team=(Team(attribute="gender", value="女", min_count=1),))
    return AllocationProblem(candidates, posts, pools, rules, regulations=regulations)


@pytest.mark.parametrize("seed", range(12))
def test_pruned_optimum_equals_whole_optimum_on_crowded_random_problems(seed):
    assert_same_optimum(random_problem(np.random.default_rng(seed)))


def test_crowded_random_problems_are_pruned():
    # The exactness test above is not vacuous: the rule bites on most of its instances
    # (less often with the outflow limit on, whose unit groups multiply the quotas).
    pruned = [kept(random_problem(np.random.default_rng(seed)))[1].n_pruned
              for seed in range(12)]
    assert sum(n > 0 for n in pruned) >= 9 and sum(pruned) > 300


@pytest.mark.parametrize("seed", range(8))
def test_dense_and_sparse_counting_give_the_same_quotas(seed, monkeypatch):
    # shared_quotas counts n_g(t, t') densely for few targets and groups, by signatures
    # otherwise: both must give the same K_{t,g}
    import optimize.presolve.prune as prune_module

    rng = np.random.default_rng(seed)
    n_cand, n_targets, n_groups = 60, int(rng.integers(2, 9)), int(rng.integers(1, 4))
    pairs = {(int(i), int(t)) for i, t in zip(rng.integers(0, n_cand, 200),
                                               rng.integers(0, n_targets, 200), strict=True)}
    cand = np.array([i for i, _ in sorted(pairs)])
    target = np.array([t for _, t in sorted(pairs)])
    group = rng.integers(0, n_groups, n_cand)[cand]
    capacity = rng.integers(0, 4, n_targets)
    dense = shared_quotas(cand, target, group, capacity, n_groups)
    monkeypatch.setattr(prune_module, "DENSE_TARGETS", 0)
    sparse = shared_quotas(cand, target, group, capacity, n_groups)
    assert sparse is not None and dense.tolist() == sparse.tolist()
    assert dense.max() > 0
