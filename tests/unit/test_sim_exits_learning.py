"""Ageing, exits (phase 7), recruitment (phase 9) and learning (phase 10)."""

from dataclasses import replace

import numpy as np

from scenarios.schema import Scenario
from sim.generate import build_organisation, build_population
from sim.phases.behaviour import Errors
from sim.phases.exits import choose_exits, exit_probability, grow_older
from sim.phases.learning import (
    Lessons,
    learn,
    observed_bonus_link,
    observed_merit_link,
    observed_tolerance,
)
from sim.phases.recruitment import recruit
from sim.phases.sanctions import Review
from sim.state import ErrorOutcome, MoveReason
from tests.scenario_fixtures import with_policy


def world(s: Scenario | None = None, seed: int = 0):
    s = s or Scenario()
    org = build_organisation(s)
    return s, org, build_population(org, s, np.random.default_rng(seed))


def no_review(n: int) -> Review:
    return Review(np.full(n, -1), np.zeros(n, bool), np.full(n, -1), np.zeros(n, bool))


def test_grow_older_adds_a_year_and_frontline_experience():
    s, org, pop = world()
    s = s.model_copy(update=dict(behaviour=s.behaviour.model_copy(
        update=dict(ability_depreciation=0.0))))
    pop = replace(pop, frontline_years=np.zeros(len(pop)))
    old = grow_older(pop, org, s)
    np.testing.assert_allclose(old.age, pop.age + 1)
    np.testing.assert_allclose(old.years_in_grade, pop.years_in_grade + 1)
    frontline = org.unit_frontline[pop.unit]
    np.testing.assert_allclose(old.ability - pop.ability,
                               np.where(frontline, s.behaviour.experience_gain, 0.0))


def test_ability_reverts_to_the_recruits_mean_and_keeps_its_spread():
    """a' = (1 - delta) a + sqrt(1 - (1 - delta)^2) sd eps (+ experience): what selection
    added fades at rate delta, the cross-sectional spread stays ability_sd."""
    s, org, pop = world()
    s = s.model_copy(update=dict(behaviour=s.behaviour.model_copy(
        update=dict(ability_depreciation=0.1, experience_gain=0.0))))
    big = pop.take(np.tile(np.arange(len(pop)), 40))
    selected = replace(big, ability=np.random.default_rng(1).normal(1.0, 1.0, len(big)))
    rng = np.random.default_rng(2)
    older = grow_older(selected, org, s, rng)
    assert abs(older.ability.mean() - 0.9) < 0.01
    assert abs(older.ability.std() - 1.0) < 0.01
    slope = np.polyfit(selected.ability, older.ability, 1)[0]
    assert abs(slope - 0.9) < 0.01
    for _ in range(59):
        older = grow_older(older, org, s, rng)
    assert abs(older.ability.mean()) < 0.02  # 0.9^60 of the selection is left


def test_retirement_and_dismissal():
    s, org, pop = world()
    pop = replace(pop, age=np.where(np.arange(len(pop)) < 5, 60.0, 40.0))
    review = no_review(len(pop))
    dismissed = np.zeros(len(pop), bool)
    dismissed[10] = True
    review = replace(review, dismissed=dismissed)
    s0 = s.model_copy(update=dict(behaviour=s.behaviour.model_copy(update=dict(
        exit_base_rate=0.0))))
    departures = choose_exits(pop, org, s0, review, 1, np.random.default_rng(0))
    assert np.all(departures.reason[:5] == MoveReason.RETIREMENT)
    assert departures.reason[10] == MoveReason.DISMISSAL
    assert departures.leaving.sum() == 6


def test_exit_probability_rises_with_waiting_and_falls_with_the_premium():
    s, org, pop = world()
    young = replace(pop, age=np.full(len(pop), 30.0), stigma=np.zeros(len(pop), bool),
                    block_until=np.full(len(pop), -np.inf), post=np.full(len(pop), -1))
    short = replace(young, years_in_grade=np.full(len(pop), 1.0))
    long = replace(young, years_in_grade=np.full(len(pop), 9.0))
    assert np.all(exit_probability(long, org, s, 1) > exit_probability(short, org, s, 1))
    premium = with_policy(s, subsidy=dict(frontline_premium=0.2))
    frontline = org.unit_frontline[pop.unit]
    p0, p1 = exit_probability(long, org, s, 1), exit_probability(long, org, premium, 1)
    assert np.all(p1[frontline] < p0[frontline]) and np.all(p1[~frontline] == p0[~frontline])
    older = replace(long, age=np.full(len(pop), s.behaviour.exit_age_max + 1.0))
    assert not exit_probability(older, org, s, 1).any()


def test_recruitment_fills_the_establishment_at_rank_zero():
    s = with_policy(Scenario(), establishment=dict(added_frontline=7))
    s, org, pop = world(s)
    assert len(pop) == org.unit_establishment.sum() - 7  # added slots start vacant
    stayed = pop.take(np.arange(len(pop)) % 10 != 0)
    recruits, moves = recruit(stayed, org, s, 3, 10_000, np.random.default_rng(0))
    full = stayed.concat(recruits)
    np.testing.assert_array_equal(np.bincount(full.unit, minlength=org.n_units),
                                  org.unit_establishment)
    assert np.all(recruits.rank == 0) and np.all(recruits.post == -1)
    assert np.all(recruits.entry_year == 3) and recruits.id[0] == 10_000
    assert np.all(moves.reason == MoveReason.RECRUITMENT)


def test_observed_merit_link():
    pool = np.zeros(100, np.int64)
    merit = np.arange(100.0)
    top = merit >= 90
    bottom = merit < 10
    assert observed_merit_link(pool, merit, top, 1)[0] == 1.0
    assert observed_merit_link(pool, merit, bottom, 1)[0] == -1.0
    assert np.isnan(observed_merit_link(pool, merit, np.zeros(100, bool), 1)[0])


def test_observed_tolerance_and_bonus_link():
    errors = Errors(occurred=np.ones(4, bool), honest=np.array([1, 1, 1, 0], bool),
                    detected=np.ones(4, bool))
    outcome = np.array([ErrorOutcome.EXCUSED_HONEST, ErrorOutcome.PUNISHED_HONEST,
                        ErrorOutcome.EXCUSED_HONEST, ErrorOutcome.EXCUSED_SELF_SERVING])
    review = Review(outcome, np.ones(4, bool), np.full(4, -1), np.zeros(4, bool))
    assert observed_tolerance(errors, review) == 2 / 3
    assert observed_bonus_link(np.zeros(3, bool), np.ones(3)) == 0.0
    assert observed_bonus_link(np.array([1, 0, 1], bool), np.array([0.9, 0.1, 0.8])) == 1.0


def test_learning_moves_beliefs_and_publicity_speeds_it():
    s, org, pop = world()
    pop = replace(pop, belief_tolerance=np.full(len(pop), 0.5), belief_merit=np.full(len(pop), 0.5),
                  entry_year=np.zeros(len(pop), np.int64))
    nothing = np.full(len(org.pool_names), np.nan)
    lessons = Lessons(merit_link=nothing, tolerance=1.0, bonus_link=0.0)
    slow = learn(pop, org, lessons, s, year=1)
    loud = learn(pop, org, lessons, with_policy(s, tolerance=dict(publicity=1.0)), year=1)
    rate = s.behaviour.learning_rate
    np.testing.assert_allclose(slow.belief_tolerance, 0.5 + rate * 0.5)
    np.testing.assert_allclose(loud.belief_tolerance, 0.5 + 2 * rate * 0.5)
    np.testing.assert_allclose(slow.belief_merit, 0.5)  # nothing observed: belief kept
    newcomers = replace(pop, entry_year=np.ones(len(pop), np.int64))
    np.testing.assert_allclose(learn(newcomers, org, lessons, s, year=1).belief_tolerance, 0.5)
