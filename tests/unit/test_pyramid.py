"""The Peter-principle pyramid: structure invariants, draws, promotion rules, batch = one run."""

import dataclasses

import numpy as np
import pytest
from scipy.stats import norm

from optimize import AllocationProblem, Candidates, Posts, RankPools, Rules, allocate
from optimize.rules import Eligibility
from scenarios.schema import PromotionRule, Scenario
from sim.pyramid import (
    DISMISSAL_COMPETENCE,
    Hypothesis,
    PyramidParams,
    build_pyramid,
    efficiency_gain,
    paper_scenario,
    promoted_competence,
    pyramid_efficiency,
    pyramid_params,
    pyramid_year,
    select_promoted,
    simulate_pyramid,
)
from sim.state import MoveReason

LEVELS = [81, 41, 21, 11, 5, 1]
PAPER_RULES = [PromotionRule.BEST, PromotionRule.WORST, PromotionRule.RANDOM,
               PromotionRule.ALTERNATE]


def _expected_initial_efficiency() -> float:
    """E[clip(X, 1, 10)] / 10 in percent for X ~ Normal(7, 2) (E(0) = 100 E[C] / C_max)."""
    a, b = (1 - 7) / 2, (10 - 7) / 2
    inside = 7 * (norm.cdf(b) - norm.cdf(a)) + 2 * (norm.pdf(a) - norm.pdf(b))
    return 10 * (inside + 1 * norm.cdf(a) + 10 * norm.sf(b))


def test_build_pyramid_fills_every_position():
    scenario = paper_scenario(PromotionRule.BEST, Hypothesis.PETER)
    organisation, population = build_pyramid(scenario, np.random.default_rng(0))
    assert organisation.n_posts == sum(LEVELS) == len(population)
    assert np.bincount(organisation.post_level)[1:].tolist() == LEVELS
    assert np.unique(organisation.post_weight[organisation.post_level == 6]).tolist() == [1.0]
    assert population.post.tolist() == list(range(160))
    assert population.id.tolist() == list(range(160))
    assert np.array_equal(population.rank, organisation.post_level - 1)
    assert population.ability.min() >= 1 and population.ability.max() <= 10
    assert population.age.min() >= 18 and population.age.max() <= 60


def test_non_pyramid_scenario_is_refused():
    with pytest.raises(ValueError, match="expected 'pyramid'"):
        pyramid_params(Scenario())


@pytest.mark.parametrize("hypothesis", list(Hypothesis))
@pytest.mark.parametrize("rule", PAPER_RULES)
def test_year_invariants(rule, hypothesis):
    scenario = paper_scenario(rule, hypothesis, alternate_p=0.4)
    rng = np.random.default_rng(11)
    organisation, population = build_pyramid(scenario, rng)
    level_of_post = organisation.post_level
    seen_ids = set(population.id.tolist())
    counts = {"promoted": 0, "dismissed": 0, "retired": 0}
    for year in range(1, 121):
        new, events = pyramid_year(population, organisation, scenario, rng, year)
        # every position filled, once; level sizes constant; ranges kept
        assert new.post.tolist() == list(range(160))
        assert np.bincount(level_of_post[new.post])[1:].tolist() == LEVELS
        assert np.array_equal(new.rank, level_of_post[new.post] - 1)
        assert new.ability.min() >= 1 and new.ability.max() <= 10
        assert new.age.min() >= 18 and new.age.max() <= 60
        assert events.vacant_count == 0
        # promotion only from the level just below, at most once a year
        old_level = dict(zip(population.id.tolist(), level_of_post[population.post].tolist(),
                             strict=True))
        new_level = dict(zip(new.id.tolist(), level_of_post[new.post].tolist(), strict=True))
        assert len(set(events.promoted.tolist())) == len(events.promoted)
        for agent, level in zip(events.promoted.tolist(), events.promoted_level.tolist(),
                                strict=True):
            assert old_level[agent] == level - 1 and new_level[agent] == level
        moved = {a for a in new_level if a in old_level and new_level[a] != old_level[a]}
        assert moved == set(events.promoted.tolist())
        # exits: the incompetent and the old, gone; recruits: new ids at the bottom
        old_by_id = dict(zip(population.id.tolist(), range(len(population)), strict=True))
        for agent in events.dismissed.tolist():
            assert population.ability[old_by_id[agent]] < DISMISSAL_COMPETENCE
        for agent in events.retired.tolist():
            assert population.age[old_by_id[agent]] + 1 > 60
        leavers = set(events.dismissed.tolist()) | set(events.retired.tolist())
        assert not leavers & set(new_level)
        assert set(old_level) - leavers == set(new_level) - set(events.recruited.tolist())
        assert {new_level[a] for a in events.recruited.tolist()} <= {1}
        assert not set(events.recruited.tolist()) & seen_ids
        assert np.all(new.entry_year[np.isin(new.id, events.recruited)] == year)
        seen_ids |= set(events.recruited.tolist())
        ids, reasons = events.moves()
        assert len(ids) == len(reasons) == (len(events.promoted) + len(leavers)
                                            + events.recruited_count)
        assert set(reasons.tolist()) <= {MoveReason.POST_PROMOTION, MoveReason.DISMISSAL,
                                         MoveReason.RETIREMENT, MoveReason.RECRUITMENT}
        for key in counts:
            counts[key] += len(getattr(events, key))
        population = new
    assert all(counts.values())  # 120 years: every kind of event happened


def test_competent_agents_keep_their_post_and_years_in_grade():
    scenario = paper_scenario(PromotionRule.RANDOM, Hypothesis.COMMON_SENSE)
    rng = np.random.default_rng(5)
    organisation, population = build_pyramid(scenario, rng)
    new, events = pyramid_year(population, organisation, scenario, rng, year=1)
    stayed = ~np.isin(new.id, np.concatenate([events.promoted, events.recruited]))
    old_row = np.searchsorted(population.id, new.id[stayed])
    assert np.array_equal(new.post[stayed], population.post[old_row])
    assert np.array_equal(new.ability[stayed], population.ability[old_row])
    assert np.array_equal(new.age[stayed], population.age[old_row] + 1)
    assert np.all(new.years_in_grade[stayed] == 1)
    assert np.all(new.years_in_grade[~stayed] == 0)


def test_initial_efficiency_over_many_seeds():
    scenario = paper_scenario(PromotionRule.BEST, Hypothesis.PETER)
    initial = simulate_pyramid(scenario, runs=4000, steps=0, seed=2010)[:, 0]
    standard_error = initial.std(ddof=1) / np.sqrt(len(initial))
    expected = _expected_initial_efficiency()  # 69.42 % for clamped draws
    assert abs(initial.mean() - expected) < 4 * standard_error
    assert abs(initial.mean() - 69.68) < 0.5  # the paper's value
    assert 1.5 < initial.std() < 2.0  # one organisation of 160 varies by ~1.7 points


def test_efficiency_formula():
    scenario = paper_scenario(PromotionRule.BEST, Hypothesis.PETER)
    organisation, population = build_pyramid(scenario, np.random.default_rng(0))
    seven = dataclasses.replace(population, ability=np.full(160, 7.0))
    assert pyramid_efficiency(seven, organisation, scenario) == pytest.approx(70.0)
    r = np.repeat([0.2, 0.4, 0.6, 0.8, 0.9, 1.0], LEVELS)
    expected = 100 * (r * population.ability).sum() / (10 * r.sum())
    assert pyramid_efficiency(population, organisation, scenario) == pytest.approx(expected)
    top_gone = population.take(population.post < 159)  # an empty post counts 0
    assert pyramid_efficiency(top_gone, organisation, scenario) == pytest.approx(
        expected - 100 * population.ability[159] / (10 * r.sum()))


def test_batch_runner_reproduces_the_one_run_path():
    scenario = paper_scenario(PromotionRule.ALTERNATE, Hypothesis.COMMON_SENSE, alternate_p=0.3)
    batch = simulate_pyramid(scenario, runs=3, steps=60, seed=7)
    for run, child in enumerate(np.random.SeedSequence(7).spawn(3)):
        rng = np.random.default_rng(child)
        organisation, population = build_pyramid(scenario, rng)
        path = [pyramid_efficiency(population, organisation, scenario)]
        for year in range(1, 61):
            population, _ = pyramid_year(population, organisation, scenario, rng, year)
            path.append(pyramid_efficiency(population, organisation, scenario))
        np.testing.assert_allclose(batch[run], path, rtol=0, atol=1e-9)


def test_same_seed_same_paths_other_seed_other_paths():
    scenario = paper_scenario(PromotionRule.RANDOM, Hypothesis.PETER)
    a = simulate_pyramid(scenario, runs=4, steps=30, seed=1)
    assert np.array_equal(a, simulate_pyramid(scenario, runs=4, steps=30, seed=1))
    assert not np.array_equal(a, simulate_pyramid(scenario, runs=4, steps=30, seed=2))
    assert a.shape == (4, 31)
    assert efficiency_gain(a, window=10).shape == (4,)


# --------------------------------------------------------------------------- competence


def _params(transfer: float, noise: float = 1.0) -> PyramidParams:
    scenario = paper_scenario(PromotionRule.BEST, Hypothesis.PETER)
    params = pyramid_params(scenario)
    return PyramidParams(**{**params.__dict__, "transfer": transfer, "transfer_noise": noise})


def test_peter_hypothesis_forgets_the_old_competence():
    rng = np.random.default_rng(3)
    u_fresh, u_noise = rng.random(1000), rng.random(1000)
    params = _params(transfer=0.0)
    low = promoted_competence(np.full(1000, 4.0), u_fresh, u_noise, params)
    high = promoted_competence(np.full(1000, 10.0), u_fresh, u_noise, params)
    assert np.array_equal(low, high)
    assert low.min() >= 1 and low.max() <= 10
    assert abs(low.mean() - _expected_initial_efficiency() / 10) < 0.15


def test_common_sense_keeps_the_old_competence_within_the_noise():
    rng = np.random.default_rng(4)
    old = rng.uniform(1, 10, 1000)
    new = promoted_competence(old, rng.random(1000), rng.random(1000), _params(transfer=1.0))
    inside = (old > 2) & (old < 9)
    assert np.all(np.abs(new - old)[inside] <= 1.0)
    assert np.abs(new - old)[inside].max() > 0.95
    assert new.min() >= 1 and new.max() <= 10
    assert np.all(new[old > 9.999] <= 10)
    same = promoted_competence(old, rng.random(1000), rng.random(1000), _params(1.0, noise=0.0))
    assert np.array_equal(same, old)


def test_intermediate_transfer_correlates_old_and_new():
    rng = np.random.default_rng(6)
    old = np.clip(rng.normal(7, 2, 20_000), 1, 10)
    new = promoted_competence(old, rng.random(20_000), rng.random(20_000),
                              _params(transfer=0.5, noise=0.0))
    assert 0.4 < np.corrcoef(old, new)[0, 1] < 0.6


# --------------------------------------------------------------------------- promotion rules


def test_select_promoted_rules():
    competence = np.array([[5.0, 9.0, 4.5, 7.0, 8.0, 6.0]])
    candidate = np.array([[True, True, True, True, True, False]])
    count = np.array([2])

    def chosen(rule, **kw):
        return np.flatnonzero(select_promoted(rule, competence, candidate, count, **kw)[0])

    assert chosen(PromotionRule.BEST).tolist() == [1, 4]
    assert chosen(PromotionRule.MERIT).tolist() == [1, 4]
    assert chosen(PromotionRule.WORST).tolist() == [0, 2]  # position 5 is no candidate
    keys = np.array([[0.1, 0.2, 0.9, 0.3, 0.8, 0.99]])
    assert chosen(PromotionRule.RANDOM, random_key=keys).tolist() == [2, 4]
    assert chosen(PromotionRule.ALTERNATE, best_count=np.array([1])).tolist() == [1, 2]
    assert chosen(PromotionRule.ALTERNATE, best_count=np.array([2])).tolist() == [1, 4]
    assert chosen(PromotionRule.ALTERNATE, best_count=np.array([0])).tolist() == [0, 2]
    years = np.array([[3.0, 1.0, 3.0, 0.0, 2.0, 9.0]])
    age = np.array([[40.0, 30.0, 50.0, 20.0, 30.0, 60.0]])
    assert chosen(PromotionRule.SENIORITY, years=years, age=age).tolist() == [0, 2]
    assert chosen(PromotionRule.BLEND, years=years, blend_weight=1.0).tolist() == [1, 4]
    assert chosen(PromotionRule.BLEND, years=years, blend_weight=0.0).tolist() == [0, 2]
    with pytest.raises(ValueError, match="random_key"):
        chosen(PromotionRule.RANDOM)


def test_random_promotion_is_uniform_over_candidates():
    rng = np.random.default_rng(9)
    runs, n = 20_000, 5
    competence = np.tile(np.arange(n, dtype=float), (runs, 1))
    candidate = np.ones((runs, n), bool)
    chosen = select_promoted(PromotionRule.RANDOM, competence, candidate, np.full(runs, 2),
                             random_key=rng.random((runs, n)))
    assert np.all(chosen.sum(axis=1) == 2)
    share = chosen.mean(axis=0)
    assert np.all(np.abs(share - 2 / n) < 0.015)


@pytest.mark.parametrize("rule", [PromotionRule.BEST, PromotionRule.WORST])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_promotion_is_the_optimum_of_the_allocation_program(rule, seed):
    """Filling k equal posts of level L from level L-1: top-k = the integer program's optimum."""
    rng = np.random.default_rng(seed)
    n, k, level = 11, 4, 3
    competence = np.clip(rng.normal(7, 2, n), 1, 10)
    score = competence if rule is PromotionRule.BEST else 11.0 - competence
    candidates = Candidates.build(
        unit=np.zeros(n, int), rank=np.full(n, level - 2), age=np.full(n, 40),
        years_in_grade=np.full(n, 3.0), score=score, post_level=np.full(n, level - 1),
    )
    posts = Posts.build(unit=np.zeros(k, int), level=np.full(k, level),
                        min_rank=np.full(k, level - 2), weight=np.full(k, 0.6))
    pools = RankPools(pool=[0], rank=[level], headroom=[0])
    problem = AllocationProblem(candidates, posts, pools,
                                Rules(eligibility=Eligibility(min_years_post={})))
    proposal = allocate(problem, explain=False)
    optimum = set(proposal.moves.candidate[proposal.moves.is_post].tolist())
    ours = select_promoted(rule, competence[None], np.ones((1, n), bool), np.array([k]))[0]
    assert optimum == set(np.flatnonzero(ours).tolist())
    assert len(optimum) == k


def _thin_scenario() -> Scenario:
    """A tiny pyramid of poor competence: the level below often runs out of candidates."""
    base = paper_scenario(PromotionRule.BEST, Hypothesis.PETER)
    return base.model_copy(update={
        "organisation": base.organisation.model_copy(update={
            "pyramid_levels": [4, 3, 3], "pyramid_responsibility": [0.2, 0.5, 1.0]}),
        "population": base.population.model_copy(update={"competence_mean": 4.0}),
    })


def test_vacancies_left_when_the_level_below_runs_out():
    scenario = _thin_scenario()
    rng = np.random.default_rng(1)
    organisation, population = build_pyramid(scenario, rng)
    vacant_years = 0
    for year in range(1, 101):
        population, events = pyramid_year(population, organisation, scenario, rng, year)
        assert len(np.unique(population.post)) == len(population)
        assert events.vacant_count == organisation.n_posts - len(population)
        assert np.all(population.post[population.rank == 0] < 4)  # the bottom is always full
        assert np.sum(population.rank == 0) == 4
        vacant_years += events.vacant_count > 0
    assert vacant_years >= 3
    batch = simulate_pyramid(scenario, runs=2, steps=100, seed=3)
    for run, child in enumerate(np.random.SeedSequence(3).spawn(2)):
        rng = np.random.default_rng(child)
        organisation, population = build_pyramid(scenario, rng)
        for year in range(1, 101):
            population, _ = pyramid_year(population, organisation, scenario, rng, year)
        assert batch[run, -1] == pytest.approx(
            pyramid_efficiency(population, organisation, scenario), abs=1e-9)
