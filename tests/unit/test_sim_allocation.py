"""Phase 8: promotion scores, open posts, rank headroom, the yearly allocation, rotation."""

import functools
from dataclasses import replace

import numpy as np
import pytest

import optimize
from scenarios.schema import Mobility, PromotionRule, Scenario
from sim.generate import build_organisation, build_population, rank_caps
from sim.phases.allocation import (
    COUNTY_LEVEL,
    allocate,
    apply_allocation,
    county_young,
    county_young_members,
    county_young_shortfall,
    headcount,
    held_level,
    open_posts,
    promotion_score,
    rank_headroom,
    rotate,
    vacant_posts,
)
from sim.state import MoveReason


def scenario(**promotion) -> Scenario:
    s = Scenario()
    return s.model_copy(update=dict(policy=s.policy.model_copy(update=dict(
        promotion=s.policy.promotion.model_copy(update=promotion)))))


def world(s: Scenario, seed: int = 0):
    org = build_organisation(s)
    return org, build_population(org, s, np.random.default_rng(seed))


def test_scores_follow_the_rule():
    rng = np.random.default_rng(0)
    org, pop = world(scenario())
    pop = replace(pop, stigma=np.zeros(len(pop), bool))
    merit = promotion_score(pop, scenario(rule=PromotionRule.MERIT), 1, rng)
    assert np.array_equal(np.argsort(merit, kind="stable"), np.argsort(pop.merit, kind="stable"))
    senior = promotion_score(pop, scenario(rule=PromotionRule.SENIORITY), 1, rng)
    index = pop.years_in_grade + 0.2 * pop.age
    assert np.corrcoef(np.log(senior), index)[0, 1] == pytest.approx(1.0)
    worst = promotion_score(pop, scenario(rule=PromotionRule.WORST), 1, rng)
    np.testing.assert_allclose(np.log(worst), -np.log(merit))
    assert np.all(merit > 0)


def test_stigma_lowers_the_score_by_its_size():
    rng = np.random.default_rng(0)
    org, pop = world(scenario())
    clean = replace(pop, stigma=np.zeros(len(pop), bool))
    marked = replace(pop, stigma=np.ones(len(pop), bool))
    s = scenario(rule=PromotionRule.MERIT)
    ratio = promotion_score(marked, s, 1, rng) / promotion_score(clean, s, 1, rng)
    np.testing.assert_allclose(ratio, np.exp(-s.policy.discipline.stigma))


def test_initial_population_respects_quotas_posts_and_establishment():
    s = scenario()
    org, pop = world(s)
    assert np.all(headcount(pop, org) <= org.unit_establishment)
    assert np.all(rank_headroom(pop, org)[:, 1:] >= 0)
    holders = pop.post[pop.post >= 0]
    assert len(np.unique(holders)) == len(holders)
    assert np.all(pop.rank[pop.post >= 0] >= org.post_min_rank[holders])
    assert not vacant_posts(pop, org).any()  # every post starts filled


def test_rank_headroom_counts_rank_or_above():
    s = scenario()
    org, pop = world(s)
    caps = rank_caps(org)
    pool = org.unit_pool[pop.unit]
    head = rank_headroom(pop, org)
    for p in range(len(org.pool_names)):
        for r in range(1, len(org.rank_quota)):
            held = np.count_nonzero((pool == p) & (pop.rank >= r))
            assert head[p, r] == max(0, caps[p, r] - held)


def test_open_posts_limited_by_free_establishment():
    s = scenario()
    org, pop = world(s)
    unit = 0
    posts = np.flatnonzero(org.post_unit == unit)
    emptied = replace(pop, post=np.where(np.isin(pop.post, posts), -1, pop.post))
    vacant = vacant_posts(emptied, org)
    assert vacant[posts].all()
    assert not open_posts(emptied, org, vacant)[posts].any()  # unit is full: internal only
    leaver = np.flatnonzero(emptied.unit == unit)[0]
    one_free = emptied.take(np.arange(len(pop)) != leaver)
    is_open = open_posts(one_free, org, vacant_posts(one_free, org))
    assert is_open[posts].sum() == 1
    assert org.post_level[posts][is_open[posts]][0] == org.post_level[posts].max()


@pytest.mark.parametrize("mobility", list(Mobility))
def test_allocation_fills_vacancies_within_the_rules(mobility):
    s = scenario(rule=PromotionRule.MERIT, mobility=mobility)
    org, pop = world(s)
    rng = np.random.default_rng(0)
    # Free up posts and slots: the oldest fifth retires.
    pop = pop.take(pop.age < np.quantile(pop.age, 0.8))
    allocation = allocate(pop, org, s, year=1, rng=rng)
    assert len(allocation.row) == len(np.unique(allocation.row))  # one move each
    new, moves = apply_allocation(pop, allocation, org, s, rng)
    assert np.all(headcount(new, org) <= org.unit_establishment)
    assert np.all(rank_headroom(new, org) >= 0)
    caps = rank_caps(org)
    pool = org.unit_pool[new.unit]
    for r in range(1, len(org.rank_quota)):
        assert np.all(np.bincount(pool[new.rank >= r], minlength=len(caps)) <= caps[:, r])
    holders = new.post[new.post >= 0]
    assert len(np.unique(holders)) == len(holders)
    assert np.all(new.rank[new.post >= 0] >= org.post_min_rank[holders])
    assert np.all(new.unit[new.post >= 0] == org.post_unit[holders])
    moved_post = allocation.row[allocation.is_post]
    if mobility is Mobility.WITHIN_UNIT:
        assert np.all(pop.unit[moved_post] == new.unit[moved_post])
    if mobility is Mobility.WITHIN_SYSTEM:
        frontline = org.unit_frontline
        assert np.all(frontline[pop.unit[moved_post]] == frontline[new.unit[moved_post]])
    assert len(moves) == len(allocation.row) > 0
    assert set(moves.reason) <= {MoveReason.POST_PROMOTION, MoveReason.RANK_PROMOTION}


def test_no_rank_slots_without_rank_only_promotions():
    s = scenario(rank_only=False)
    org, pop = world(s)
    pop = pop.take(pop.age < np.quantile(pop.age, 0.8))
    allocation = allocate(pop, org, s, year=1, rng=np.random.default_rng(0))
    assert allocation.is_post.all() and len(allocation.row) > 0


def test_blocked_cadres_are_passed_over():
    s = scenario(rule=PromotionRule.MERIT)
    org, pop = world(s)
    pop = pop.take(pop.age < np.quantile(pop.age, 0.8))
    blocked = replace(pop, block_until=np.where(pop.merit > np.median(pop.merit), 1.5, -np.inf))
    allocation = allocate(blocked, org, s, year=1, rng=np.random.default_rng(0))
    assert len(allocation.row) > 0
    assert np.all(blocked.block_until[allocation.row] <= 1)


@pytest.mark.parametrize(("transfer", "low", "high"), [(1.0, 0.999, 1.001), (0.0, -0.3, 0.3)])
def test_transfer_of_ability_on_post_promotion(transfer, low, high):
    """Pluchino et al.: transfer 1 keeps competence, 0 redraws it (the Peter hypothesis)."""
    s = scenario().model_copy(update=dict(
        behaviour=Scenario().behaviour.model_copy(update=dict(transfer=transfer))))
    org, pop = world(s)
    n = len(pop)
    from sim.phases.allocation import Allocation

    rows = np.arange(n)
    fake = Allocation(row=rows, is_post=np.ones(n, bool), post=pop.post.clip(0), new_rank=pop.rank,
                      score=np.ones(n), statuses=())
    new, _ = apply_allocation(pop, fake, org, s, np.random.default_rng(0))
    assert low <= np.corrcoef(pop.ability, new.ability)[0, 1] <= high


def test_rotation_swaps_same_rank_pairs_between_systems():
    s = Scenario()
    s = s.model_copy(update=dict(policy=s.policy.model_copy(update=dict(
        rotation=s.policy.rotation.model_copy(update=dict(share=0.3))))))
    org, pop = world(s)
    new, moves = rotate(pop, org, s, np.zeros(len(pop), bool), np.random.default_rng(0))
    assert len(moves) > 0 and np.all(moves.reason == MoveReason.ROTATION)
    np.testing.assert_array_equal(headcount(new, org), headcount(pop, org))
    np.testing.assert_array_equal(rank_headroom(new, org), rank_headroom(pop, org))
    moved = new.unit != pop.unit
    assert np.all(pop.post[moved] == -1)
    assert np.all(org.unit_frontline[new.unit[moved]] != org.unit_frontline[pop.unit[moved]])


# ----------------------------------------------------------------------------- vacancy chains


def ladder(rule: PromotionRule, competence: list[float]):
    """A pyramid of 3 + 2 + 1 positions (bottom first) with the given competences, in the
    order staff, level-1 holders, top; scored on competence (merit = competence)."""
    from experiments.simulation.peter import Hypothesis, paper_scenario
    from sim.pyramid import build_pyramid_organisation, build_pyramid_population

    s = paper_scenario(rule, Hypothesis.COMMON_SENSE).with_values(
        {"organisation.pyramid_levels": [3, 2, 1],
         "organisation.pyramid_responsibility": [0.2, 0.6, 1.0]})
    org = build_pyramid_organisation(s)
    pop = build_pyramid_population(org, s, np.random.default_rng(0))
    c = np.asarray(competence, float)
    return s, org, replace(pop, ability=c, merit=c.copy())


@pytest.mark.parametrize(("rule", "up_to_top", "up_to_one"), [
    (PromotionRule.BEST, 4, 1),   # the best level-1 holder (row 4: 8.0) and the best staff (row 1)
    (PromotionRule.WORST, 3, 2),  # the worst level-1 holder (row 3: 5.0) and the worst staff
])
def test_a_vacancy_at_the_top_runs_down_the_chain(rule, up_to_top, up_to_one):
    s, org, pop = ladder(rule, [6.0, 9.0, 4.5, 5.0, 8.0, 7.0])
    pop = pop.take(np.arange(5))  # the top retires: posts 0, 1 (level 1), 2 (top)
    allocation = allocate(pop, org, s, year=1, rng=np.random.default_rng(0))
    assert allocation.row.tolist() == [up_to_top, up_to_one]
    assert allocation.post.tolist() == [2, pop.post[up_to_top]]  # the chain: its post goes down
    assert allocation.new_rank.tolist() == [2, 1]
    assert allocation.statuses == (optimize.SolveStatus.OPTIMAL,)  # one solve for the year
    new, moves = apply_allocation(pop, allocation, org, s, np.random.default_rng(0))
    assert sorted(new.post[new.post >= 0].tolist()) == [0, 1, 2]  # every post held, once
    assert np.all(new.years_in_grade[allocation.row] == 0)
    assert set(moves.reason) == {MoveReason.POST_PROMOTION}
    assert abs(new.ability[up_to_top] - pop.ability[up_to_top]) <= 1.0  # common sense: +- 1


def test_one_solve_and_level_by_level_promote_the_same_cadres():
    from experiments.simulation.peter import Hypothesis, paper_scenario
    from sim.model import CadreModel
    from sim.phases.allocation import chain_by_level, chain_in_one_solve

    s = paper_scenario(PromotionRule.BEST, Hypothesis.PETER)
    model = CadreModel(s, rng=11)
    compared = 0
    for _ in range(25):
        model.step()
        pop = model.record.candidates
        score = np.exp(pop.merit / 2)
        one = chain_in_one_solve(pop, model.organisation, s, score, model.year)
        by_level = chain_by_level(pop, model.organisation, s, score, model.year)
        assert one is not None
        assert sorted(one.row.tolist()) == sorted(by_level.row.tolist())
        level = model.organisation.post_level
        for a in (one, by_level):  # each move one level up
            held = np.where(pop.post[a.row] >= 0, level[np.maximum(pop.post[a.row], 0)], 0)
            assert np.all(level[a.post] == held + 1)
        compared += len(one.row)
    assert compared > 20


def test_a_short_level_falls_back_to_level_by_level():
    """A blocked candidate cannot move: the one-solve count is off, the chain still runs."""
    s, org, pop = ladder(PromotionRule.BEST, [6.0, 9.0, 4.5, 5.0, 8.0, 7.0])
    pop = pop.take(np.arange(5))
    blocked = replace(pop, block_until=np.where(np.arange(5) < 3, 5.0, -np.inf))  # all staff
    allocation = allocate(blocked, org, s, year=1, rng=np.random.default_rng(0))
    assert allocation.row.tolist() == [4]  # the top is filled; nobody can take post 1
    assert len(allocation.statuses) == 2  # level by level: one solve per level


@pytest.mark.parametrize(("p", "same_as"), [(1.0, PromotionRule.BEST), (0.0, PromotionRule.WORST)])
def test_alternate_at_the_extremes_is_best_or_worst(p, same_as):
    s, org, pop = ladder(PromotionRule.ALTERNATE, [6.0, 9.0, 4.5, 5.0, 8.0, 7.0])
    s = s.with_values({"policy.promotion.alternate_p": p})
    pop = pop.take(np.arange(5))
    alternate = allocate(pop, org, s, year=1, rng=np.random.default_rng(0))
    s_rule, _, _ = ladder(same_as, [6.0, 9.0, 4.5, 5.0, 8.0, 7.0])
    pure = allocate(pop, org, s_rule, year=1, rng=np.random.default_rng(0))
    assert alternate.row.tolist() == pure.row.tolist()


def test_alternate_takes_the_best_for_some_posts_and_the_worst_for_the_others():
    """Pluchino et al.'s mixed strategy: a coin per post; the promoted are the top b and the
    bottom k - b of the level below."""
    from experiments.simulation.peter import Hypothesis, paper_scenario
    from sim.model import CadreModel

    s = paper_scenario(PromotionRule.ALTERNATE, Hypothesis.COMMON_SENSE)
    model = CadreModel(s, rng=4)
    org = model.organisation
    mixed = 0
    for _ in range(30):
        model.step()
        cand, alloc = model.record.candidates, model.record.allocation
        held = np.where(cand.post >= 0, org.post_level[np.maximum(cand.post, 0)], 0)
        for level in range(1, int(org.post_level.max()) + 1):
            rows = alloc.row[org.post_level[alloc.post] == level]
            pool = np.flatnonzero(held == level - 1)
            ranked = pool[np.argsort(-cand.ability[pool], kind="stable")]
            k = len(rows)
            tops = [b for b in range(k + 1)
                    if set(cand.ability[rows]) == set(cand.ability[ranked[:b]])
                    | set(cand.ability[ranked[len(ranked) - (k - b):]])]
            assert tops, (level, k)
            mixed += k >= 2 and 0 < tops[0] < k
    assert mixed > 0


@functools.cache
def ordos_after_spin_up():
    """Ordos' organisation and population as the run starts (after the spin-up)."""
    from scenarios import load_scenario
    from sim.model import CadreModel

    model = CadreModel(load_scenario("ordos"), rng=1)
    return model.scenario, model.organisation, model.population


def county_world(members: int, vacate: bool = True):
    """Ordos at the start of a run with every county-level (处级) post vacant (its
    holders left) and the young-cadre rule asking for ``members`` (the package's young
    share of all appointments off: with only county posts vacant and nobody of 35 or
    less eligible for them, it would leave them empty)."""
    s, org, pop = ordos_after_spin_up()
    s = s.with_values({"policy.promotion.county_young_members_min": members,
                       "policy.promotion.young_share_min": 0.0})
    if not vacate:
        return s, org, pop
    pop = pop.take(held_level(pop, org) < COUNTY_LEVEL)
    # Nobody of 40 or less is yet eligible for a county post (rank 3, two years in grade):
    # six eligible cadres become 38.
    eligible = np.flatnonzero((pop.rank >= 3) & (pop.years_in_grade >= 2))
    age = pop.age.copy()
    age[np.random.default_rng(0).choice(eligible, YOUNG_ELIGIBLE, replace=False)] = 38
    return s, org, replace(pop, age=age)


YOUNG_ELIGIBLE = 6


def young_county_appointments(members: int) -> tuple[int, int]:
    """(young, all) appointments to county-level posts in one year; every solve optimal (a
    count beyond the eligible young is lowered to what they can fill, not relaxed)."""
    s, org, pop = county_world(members)
    allocation = allocate(pop, org, s, year=1, rng=np.random.default_rng(3))
    assert all(status is optimize.SolveStatus.OPTIMAL for status in allocation.statuses)
    into = org.post_level[allocation.post[allocation.is_post]] >= COUNTY_LEVEL
    rows = allocation.row[allocation.is_post][into]
    return int(county_young(pop, s)[rows].sum()), len(rows)


def test_county_leadership_takes_young_cadres_up_to_the_rule():
    # 18 county seats fall vacant at once; merit alone gives some young cadres, the rule at
    # least k; every seat is filled either way, and as many young as possible when k is
    # more than the eligible young candidates.
    free, seats = young_county_appointments(0)
    assert seats == 18 and free < YOUNG_ELIGIBLE - 2
    for k in (free + 1, free + 2, YOUNG_ELIGIBLE):
        young, filled = young_county_appointments(k)
        assert filled == seats and young >= k
    assert young_county_appointments(12) == (YOUNG_ELIGIBLE, seats)  # short: the best it can


def test_county_young_shortfall_counts_young_holders():
    s, org, pop = county_world(2)
    assert county_young_shortfall(pop, org, s) == 2  # every county seat vacant
    s0, org0, pop0 = county_world(0)
    assert county_young_shortfall(pop0, org0, s0) == 0
    full = county_world(2, vacate=False)[2]
    holders = np.flatnonzero(held_level(full, org) >= COUNTY_LEVEL)
    age, years = full.age.copy(), full.years_in_post.copy()
    age[holders], years[holders] = 50, 1.0
    # holder 0 appointed at 38 two years ago; holder 1 appointed at 39, now 45, six years
    # ago (the term of 5 years is over); holder 2 appointed at 43: one young member
    age[holders[:3]], years[holders[:3]] = (40, 45, 44), (2.0, 6.0, 1.0)
    moved = replace(full, age=age, years_in_post=years)
    assert county_young_members(moved, org, s)[holders[:3]].tolist() == [True, False, False]
    assert county_young_shortfall(moved, org, s) == 1
    longer = s.with_values({"policy.promotion.county_term_years": 7})
    assert county_young_shortfall(moved, org, longer) == 0  # holder 1 still in the term


@pytest.mark.parametrize("seed", range(10))
def test_within_reach_matches_young_candidates_to_classes_as_to_posts(seed):
    # The count is lowered to min(k, the largest matching of young candidates to county posts);
    # matching to classes of min(size, k) slots must give what matching to the posts gives.
    import scipy.sparse as sp
    from scipy.sparse.csgraph import maximum_bipartite_matching

    from optimize.eligibility import eligible_pairs
    from optimize.rules import Composition
    from sim.phases.allocation import YOUNG_COUNTY, within_reach

    rng = np.random.default_rng(seed)
    n, m = 40, 12
    young = rng.random(n) < 0.3
    candidates = optimize.Candidates.build(
        unit=rng.integers(0, 3, n), rank=rng.integers(1, 4, n), age=np.where(young, 35, 50),
        years_in_grade=rng.uniform(0, 4, n), score=rng.uniform(1, 9, n))
    posts = optimize.Posts.build(unit=rng.integers(0, 3, m), level=rng.integers(2, 4, m),
                                 min_rank=rng.integers(2, 4, m))
    k = int(rng.integers(1, 8))
    rules = optimize.Rules(composition=(Composition(attribute=YOUNG_COUNTY, value="1",
                                                    min_count=k, levels=(3,)),))
    problem = optimize.AllocationProblem(
        candidates, posts, optimize.RankPools(pool=[0], rank=[9], headroom=[0]), rules,
        regulations=optimize.Regulations(attributes={
            YOUNG_COUNTY: np.where(young, "1", "0").astype(object)}))
    pairs = eligible_pairs(problem)
    counted = young[pairs.post_candidate] & (posts.level[pairs.post_post] == 3)
    graph = sp.csr_array((np.ones(int(counted.sum())),
                          (pairs.post_candidate[counted], pairs.post_post[counted])), shape=(n, m))
    largest = int(np.count_nonzero(maximum_bipartite_matching(graph, perm_type="column") >= 0))
    lowered = within_reach(problem).rules.composition
    asked = lowered[0].min_count if lowered else 0
    assert asked == min(k, largest)
