"""The Peter-principle pyramid as a world of CadreModel: structure, draws, efficiency, and
that a pyramid year goes through the cadre model's own phases (allocation by optimize)."""

import numpy as np
import pytest
from scipy.stats import norm

import optimize
from experiments.simulation.peter import Hypothesis, paper_scenario, simulate_pyramid
from optimize import SolveStatus
from scenarios.schema import PromotionRule, Scenario
from sim.model import CadreModel
from sim.phases.ability import draw_ability, promoted_ability
from sim.pyramid import build_pyramid_organisation, build_pyramid_population, pyramid_efficiency
from sim.state import MoveReason

LEVELS = [81, 41, 21, 11, 5, 1]
RESPONSIBILITY = [0.2, 0.4, 0.6, 0.8, 0.9, 1.0]


def peter(rule=PromotionRule.BEST) -> Scenario:
    return paper_scenario(rule, Hypothesis.PETER)


def test_organisation_has_one_post_per_position_above_the_bottom():
    org = build_pyramid_organisation(peter())
    assert org.n_units == 1 and org.unit_establishment.tolist() == [160]
    assert np.bincount(org.post_level).tolist() == [0, *LEVELS[1:]]
    np.testing.assert_array_equal(org.post_min_rank, org.post_level - 1)
    np.testing.assert_allclose(org.post_weight, np.asarray(RESPONSIBILITY)[org.post_level])


def test_a_county_is_refused():
    with pytest.raises(ValueError, match="expected 'pyramid'"):
        build_pyramid_organisation(Scenario())


def test_initial_population_fills_every_position():
    s = peter()
    org = build_pyramid_organisation(s)
    pop = build_pyramid_population(org, s, np.random.default_rng(0))
    assert len(pop) == 160 and np.count_nonzero(pop.post < 0) == 81
    held = pop.post[pop.post >= 0]
    assert sorted(held.tolist()) == list(range(org.n_posts))
    np.testing.assert_array_equal(pop.rank[pop.post >= 0], org.post_level[held])
    assert np.all(pop.rank[pop.post < 0] == 0)
    assert pop.ability.min() >= 1.0 and pop.ability.max() <= 10.0
    assert pop.age.min() >= 18 and pop.age.max() <= 59
    np.testing.assert_array_equal(pop.merit, pop.ability)


def test_competence_is_a_clamped_normal():
    """Normal(7, 2) clamped to [1, 10]: mean 6.942 (E(0) = 69.42 %), mass on the bounds."""
    drawn = draw_ability(200_000, peter(), np.random.default_rng(1))
    a, b = (1 - 7) / 2, (10 - 7) / 2
    expected = (1 * norm.cdf(a) + 10 * norm.sf(b) + 7 * (norm.cdf(b) - norm.cdf(a))
                + 2 * (norm.pdf(a) - norm.pdf(b)))
    assert expected == pytest.approx(6.9422, abs=1e-4)
    assert drawn.mean() == pytest.approx(expected, abs=0.01)
    assert np.mean(drawn == 10.0) == pytest.approx(norm.sf(b), abs=0.003)


def test_promotion_redraws_or_carries_competence():
    old = np.full(50_000, 9.0)
    rng = np.random.default_rng(2)
    fresh = promoted_ability(old, peter(), rng)  # Peter: unrelated to the old competence
    assert fresh.mean() == pytest.approx(6.942, abs=0.03)
    carried = promoted_ability(old, paper_scenario(PromotionRule.BEST, Hypothesis.COMMON_SENSE),
                               rng)  # common sense: C + U[-1, 1], clamped
    assert carried.min() >= 8.0 and carried.max() <= 10.0
    assert carried.mean() == pytest.approx(9.0, abs=0.01)


def test_efficiency_of_an_organisation_of_sevens_is_70():
    s = peter()
    org = build_pyramid_organisation(s)
    pop = build_pyramid_population(org, s, np.random.default_rng(0))
    pop.ability = np.full(len(pop), 7.0)
    assert pyramid_efficiency(pop, org, s) == pytest.approx(70.0)
    top = pop.take(pop.post != org.n_posts - 1)  # the top position empty counts 0
    total = 10 * np.dot(RESPONSIBILITY, LEVELS)
    assert pyramid_efficiency(top, org, s) == pytest.approx(70.0 - 100 * 7.0 / total)


def test_a_pyramid_year_runs_the_cadre_models_phases():
    """Exits, a top-down allocation solved by optimize, recruitment: the county's phases."""
    s = peter()
    model = CadreModel(s, rng=3)
    model.population.age[:3] = 59.0  # retire in year 1 (high turnover keeps the others young)
    for _ in range(30):
        before = model.population
        model.step()
        record = model.record
        # Competence changes only on promotion (no learning, drift or retraining in the paper).
        stayed = np.isin(before.id, model.population.id) & ~np.isin(
            before.id, record.candidates.id[record.allocation.row])
        now = model.population
        after = dict(zip(now.id.tolist(), now.ability.tolist(), strict=True))
        assert [after[i] for i in before.id[stayed]] == before.ability[stayed].tolist()
        assert len(model.population) == 160  # recruitment refilled the establishment
        assert len(np.unique(model.population.post[model.population.post >= 0])) == \
            np.count_nonzero(model.population.post >= 0)
        if len(record.allocation.row):
            assert record.allocation.statuses  # one optimize.allocate per level with vacancies
            assert all(st is SolveStatus.OPTIMAL for st in record.allocation.statuses)
    moves = model.moves_frame()
    reasons = set(moves["reason"].astype(str))
    for reason in (MoveReason.POST_PROMOTION, MoveReason.RETIREMENT, MoveReason.DISMISSAL,
                   MoveReason.RECRUITMENT):
        assert reason.name in reasons
    # Promotions are one level up and keep rank = level.
    pop = model.population
    held = pop.post >= 0
    np.testing.assert_array_equal(pop.rank[held], model.organisation.post_level[pop.post[held]])


def test_without_optimize_the_pyramid_cannot_promote(monkeypatch):
    """The audit's check: the pyramid's promotions depend on optimize.allocate."""
    def refuse(*args, **kwargs):
        raise RuntimeError("optimize.allocate called")

    monkeypatch.setattr(optimize, "allocate", refuse)
    model = CadreModel(peter(), rng=3)
    with pytest.raises(RuntimeError, match="optimize.allocate called"):
        for _ in range(60):
            model.step()


def test_dismissal_removes_the_incompetent_before_promotion():
    model = CadreModel(peter(PromotionRule.WORST), rng=4)
    for _ in range(20):
        model.step()
        candidates = model.record.candidates  # those left for the allocation
        assert candidates.ability.min() >= 4.0


@pytest.mark.parametrize("rule", [PromotionRule.BEST, PromotionRule.WORST])
def test_best_and_worst_take_the_extremes_of_the_level_below(rule):
    model = CadreModel(paper_scenario(rule, Hypothesis.COMMON_SENSE), rng=5)
    org = model.organisation
    checked = 0
    for _ in range(40):
        model.step()
        cand, alloc = model.record.candidates, model.record.allocation
        for level in range(1, int(org.post_level.max()) + 1):
            into = alloc.is_post & (org.post_level[np.maximum(alloc.post, 0)] == level)
            if not into.any():
                continue
            below = (np.where(cand.post >= 0, org.post_level[np.maximum(cand.post, 0)], 0)
                     == level - 1)
            chosen = cand.ability[alloc.row[into]]
            others = cand.ability[below & ~np.isin(np.arange(len(cand)), alloc.row[into])]
            if len(others):
                if rule is PromotionRule.BEST:
                    assert chosen.min() >= others.max()
                else:
                    assert chosen.max() <= others.min()
                checked += 1
    assert checked > 10


def test_same_seed_same_paths_different_seed_different():
    s = peter(PromotionRule.RANDOM)
    a = simulate_pyramid(s, runs=2, years=15, seed=1)
    assert np.array_equal(a, simulate_pyramid(s, runs=2, years=15, seed=1))
    assert not np.array_equal(a, simulate_pyramid(s, runs=2, years=15, seed=2))
