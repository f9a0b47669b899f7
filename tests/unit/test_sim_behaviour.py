"""Phases 1-3: effort choice (closed form), performance, errors."""

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from scenarios.schema import Scenario
from sim.generate import build_organisation, build_population
from sim.phases.behaviour import (
    choose_effort,
    draw_errors,
    error_probability,
    ideal_effort,
    optimal_effort,
    perform,
    truncated_normal_mean,
)
from tests.scenario_fixtures import county, with_policy


def small_scenario(**behaviour) -> Scenario:
    return county((2, 20), (3, 20), (1, 10), **behaviour)


def world(s: Scenario, seed: int = 0):
    org = build_organisation(s)
    pop = build_population(org, s, np.random.default_rng(seed))
    return org, pop


def utility(e, pop, org, s, flagged):
    """Expected utility written out term by term (docs/model.md section 3, step 1)."""
    b, p = s.behaviour, s.policy
    h = np.ones(len(pop))
    d = org.unit_difficulty[pop.unit]
    bonus = p.bonus.amount * p.bonus.utility_per_amount if p.bonus.top_share > 0 else 0.0
    gain = (pop.motivation + b.promotion_value * h * pop.belief_merit
            + bonus * pop.belief_bonus + p.unit_pressure.pressure * flagged[pop.unit]) * e
    risk = pop.risk_aversion * b.sanction_cost * b.error_slope * d * e * (1 - pop.belief_tolerance)
    return gain - b.effort_cost * e**2 / 2 - risk


def logit_mean(pop, org, s, flagged, tau):
    """Mean of the density exp(U(e) / tau) on [0, 1], by quadrature on a fine grid."""
    grid = np.linspace(0, 1, 20001)
    values = np.stack([utility(e, pop, org, s, flagged) for e in grid])
    weights = np.exp((values - values.max(axis=0)) / tau)
    return (grid[:, None] * weights).sum(axis=0) / weights.sum(axis=0)


def pressured() -> Scenario:
    return with_policy(small_scenario(), bonus=dict(top_share=0.1, amount=2.0),
                       unit_pressure=dict(bottom_units=1, pressure=0.3))


def test_without_choice_noise_effort_maximises_the_utility():
    s = pressured()
    s = s.model_copy(update=dict(behaviour=s.behaviour.model_copy(update=dict(choice_noise=0.0))))
    org, pop = world(s)
    flagged = np.zeros(org.n_units, bool)
    flagged[3] = True
    best = optimal_effort(pop, org, s, flagged)
    grid = np.linspace(0, 1, 1001)
    values = np.stack([utility(e, pop, org, s, flagged) for e in grid])
    np.testing.assert_allclose(best, grid[values.argmax(axis=0)], atol=1e-3)
    assert 0 < best.mean() < 1


@pytest.mark.parametrize("tau", [0.01, 0.04, 0.2])
def test_effort_is_the_mean_of_the_logit_choice(tau):
    """e* = E[e] under the density exp(U(e) / tau) on [0, 1] (quantal response)."""
    s = pressured()
    s = s.model_copy(update=dict(behaviour=s.behaviour.model_copy(update=dict(choice_noise=tau))))
    org, pop = world(s)
    flagged = np.zeros(org.n_units, bool)
    flagged[3] = True
    # spread the cadres over the whole range of incentives, both bounds included
    pop = replace(pop, motivation=np.linspace(-1.5, 2.5, len(pop)))
    effort = optimal_effort(pop, org, s, flagged)
    np.testing.assert_allclose(effort, logit_mean(pop, org, s, flagged, tau), atol=2e-4)
    assert np.all((effort > 0) & (effort < 1))


def test_effort_response_is_smooth_increasing_and_never_at_a_bound():
    mu = np.linspace(-60, 60, 2001)
    for sigma in (0.05, 0.2, 1.0):
        mean = truncated_normal_mean(mu, sigma)
        assert np.all((mean > 0) & (mean < 1))
        assert np.all(np.diff(mean) > 0)
        inner = (mu > -3) & (mu < 4)
        expected = stats.truncnorm.mean((0 - mu[inner]) / sigma, (1 - mu[inner]) / sigma,
                                        loc=mu[inner], scale=sigma)
        np.testing.assert_allclose(mean[inner], expected, rtol=1e-9, atol=1e-12)
    # far in the tails the mean approaches the bound as sigma^2 / distance
    np.testing.assert_allclose(truncated_normal_mean(np.array([-50.0]), 0.2), 0.04 / 50,
                               rtol=1e-3)
    np.testing.assert_allclose(1 - truncated_normal_mean(np.array([51.0]), 0.2), 0.04 / 50,
                               rtol=1e-3)


def test_stronger_incentives_keep_raising_effort_near_the_top():
    """No ceiling: where the clipped optimum is 1 for everyone, more promotion value still
    raises effort (packages of different strength stay distinguishable)."""
    s = small_scenario(promotion_value=2.0)
    org, pop = world(s)
    pop = replace(pop, belief_merit=np.ones(len(pop)), belief_tolerance=np.ones(len(pop)))
    flagged = np.zeros(org.n_units, bool)
    strong = s.model_copy(update=dict(behaviour=s.behaviour.model_copy(
        update=dict(promotion_value=3.0))))
    assert np.all(ideal_effort(pop, org, s, flagged) > 1)
    assert np.all(optimal_effort(pop, org, strong, flagged) > optimal_effort(pop, org, s, flagged))


def test_tolerance_belief_raises_effort_and_difficulty_lowers_it():
    s = small_scenario(sanction_cost=8.0)
    org, pop = world(s)
    flagged = np.zeros(org.n_units, bool)
    feared = replace(pop, belief_tolerance=np.zeros(len(pop)))
    trusted = replace(pop, belief_tolerance=np.ones(len(pop)))
    low = optimal_effort(feared, org, s, flagged)
    high = optimal_effort(trusted, org, s, flagged)
    assert np.all(high >= low) and high.mean() > low.mean() + 0.1
    hard = org.unit_difficulty[pop.unit] > 1.5
    easy = org.unit_difficulty[pop.unit] == 1.0
    # Reverse punishment bites hardest where the work is hardest (key projects).
    assert (high - low)[hard].mean() > (high - low)[easy].mean()


def test_promotion_value_fades_near_retirement_without_rank_promotions():
    s = with_policy(small_scenario(), promotion=dict(rank_only=False))
    org, pop = world(s)
    flagged = np.zeros(org.n_units, bool)
    young = replace(pop, age=np.full(len(pop), 30.0))
    old = replace(pop, age=np.full(len(pop), 59.0))
    old_effort = optimal_effort(old, org, s, flagged)
    assert old_effort.mean() < optimal_effort(young, org, s, flagged).mean()
    s_rank = with_policy(small_scenario(), promotion=dict(rank_only=True))
    np.testing.assert_allclose(optimal_effort(old, org, s_rank, flagged),
                               optimal_effort(young, org, s_rank, flagged))


@pytest.mark.parametrize("inertia", [0.0, 1.0])
def test_inertia_share_keeps_last_effort(inertia):
    s = small_scenario(inertia=inertia)
    org, pop = world(s)
    last = replace(pop, effort=np.full(len(pop), 0.123))
    effort = choose_effort(last, org, s, np.zeros(org.n_units, bool), np.random.default_rng(0))
    if inertia == 1.0:
        np.testing.assert_allclose(effort, 0.123)
    else:
        target = optimal_effort(last, org, s, np.zeros(org.n_units, bool))
        np.testing.assert_allclose(effort, target)


def test_disabled_behaviour_fixes_effort_and_removes_errors():
    s = small_scenario(enabled=False, fixed_effort=0.4)
    org, pop = world(s)
    rng = np.random.default_rng(0)
    np.testing.assert_allclose(choose_effort(pop, org, s, np.zeros(org.n_units, bool), rng), 0.4)
    assert not draw_errors(pop, org, s.behaviour, rng).occurred.any()


def test_errors_grow_with_effort_and_difficulty():
    """干事多出错多: P(error) = eps0 + eps1 * effort * difficulty."""
    s = small_scenario(error_base=0.02, error_slope=0.2)
    org, pop = world(s)
    idle = replace(pop, effort=np.zeros(len(pop)))
    busy = replace(pop, effort=np.ones(len(pop)))
    np.testing.assert_allclose(error_probability(idle, org, s.behaviour), 0.02)
    np.testing.assert_allclose(error_probability(busy, org, s.behaviour),
                               0.02 + 0.2 * org.unit_difficulty[pop.unit])
    rng = np.random.default_rng(3)
    big = busy.take(np.tile(np.arange(len(pop)), 100))
    errors = draw_errors(big, org, s.behaviour, rng)
    expected = error_probability(big, org, s.behaviour).mean()
    assert abs(errors.occurred.mean() - expected) < 0.01
    # honest share follows integrity; self-serving errors are detected at `detection`
    assert abs(errors.honest[errors.occurred].mean() - big.integrity.mean()) < 0.02
    selfish = errors.occurred & ~errors.honest
    assert abs(errors.detected[selfish].mean() - s.behaviour.detection) < 0.04


def test_performance_rises_with_effort_times_difficulty():
    s = small_scenario(performance_noise=0.0)
    org, pop = world(s)
    busy = replace(pop, effort=np.ones(len(pop)))
    y = perform(busy, org, s.behaviour, np.random.default_rng(0))
    np.testing.assert_allclose(y, pop.ability + org.unit_difficulty[pop.unit])
