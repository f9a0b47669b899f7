"""Initialisation: the spin-up under the history policy, recruits' beliefs from their peers."""

from dataclasses import replace

import numpy as np
import pytest

from scenarios.schema import History, Scenario
from sim import CadreModel
from sim.generate import build_organisation, build_population
from sim.model import start_from_history
from sim.phases.recruitment import peer_beliefs, recruit
from sim.spinup import converged, history_scenario, spinup_seed
from tests.scenario_fixtures import county, with_policy


def small(**history) -> Scenario:
    s = county((2, 15), (3, 20), (1, 10), years=3)
    return s.model_copy(update=dict(history=History(**history))) if history else s


def larger(**history) -> Scenario:
    s = county((4, 20), (6, 25), (2, 10), years=3)
    return s.model_copy(update=dict(history=History(**history))) if history else s


def test_spinup_seed_is_its_own_child_of_the_run_seed():
    seed = np.random.SeedSequence(7).spawn(3)[1]
    child = spinup_seed(seed)
    assert child.entropy == seed.entropy
    assert child.spawn_key[:-1] == seed.spawn_key
    assert child.generate_state(4).tolist() != seed.generate_state(4).tolist()
    # an int seed behaves as SeedSequence(int)
    assert spinup_seed(5).spawn_key == spinup_seed(np.random.SeedSequence(5)).spawn_key


def test_start_is_reproducible_and_the_cache_hands_out_copies():
    s = small()
    first = start_from_history(s, rng=11)
    first.population.effort[:] = -1.0  # a caller scribbling on its copy
    second = start_from_history(s, rng=11)
    assert np.all(second.population.effort > 0)
    other = start_from_history(s, rng=12)
    assert not np.array_equal(second.population.ability, other.population.ability)
    assert second.years >= s.history.years_min


def test_start_is_dated_before_year_one():
    start = start_from_history(small(), rng=3)
    pop = start.population
    assert pop.entry_year.max() <= 0
    assert pop.entry_year.min() >= -start.years
    assert np.any(pop.entry_year == 0)  # the spin-up's last recruits
    assert np.all(pop.block_until[np.isfinite(pop.block_until)] <= 0.5)


def test_history_policy_sets_the_starting_beliefs():
    """The old rules teach that honest errors are punished; a tolerant history teaches
    that they are excused. Effort at the start follows."""
    harsh = start_from_history(larger(), rng=4)
    tolerant_history = with_policy(Scenario(), tolerance=dict(excuse_rate=0.9,
                                                              discrimination=0.9)).policy
    tolerant = start_from_history(larger(policy=tolerant_history), rng=4)
    assert harsh.converged and tolerant.converged
    assert harsh.population.belief_tolerance.mean() < 0.1
    assert tolerant.population.belief_tolerance.mean() > 0.6
    # effort over the last ten spin-up years (one year is noisy in a small world)
    assert tolerant.trace["effort"][-10:].mean() > harsh.trace["effort"][-10:].mean() + 0.05


def test_history_scenario_has_the_old_rules_and_no_spinup_of_its_own():
    s = with_policy(small(), promotion=dict(rule="merit"))
    past = history_scenario(s)
    assert past.policy == s.history.policy
    assert past.history.years_max == 0
    assert past.organisation == s.organisation


def test_convergence_needs_years_min_and_two_quiet_windows():
    history = History(years_min=20, window_years=5, tolerance=0.02)
    flat = {name: [0.5] * 20 for name in
            ("effort", "belief_merit", "belief_tolerance", "belief_bonus", "ability", "age",
             "rank")}
    assert converged(flat, history, 1.0)
    assert not converged({k: v[:19] for k, v in flat.items()}, history, 1.0)
    drifting = dict(flat, ability=list(np.linspace(0, 0.5, 20)))
    assert not converged(drifting, history, 1.0)


def test_no_spinup_when_years_max_is_zero():
    s = small(years_min=0, years_max=0)
    model = CadreModel(s, rng=1)
    assert model.start is None
    assert np.all(model.population.entry_year == 0)


@pytest.mark.parametrize("column", ["belief_merit", "belief_tolerance", "belief_bonus"])
def test_recruits_take_the_beliefs_of_the_unit_they_join(column):
    s = small(years_min=0, years_max=0)
    org = build_organisation(s)
    pop = build_population(org, s, np.random.default_rng(0))
    # unit 0's cadres believe 0.9, every other unit's 0.1; empty half of unit 0 and unit 1
    belief = np.where(pop.unit == 0, 0.9, 0.1)
    pop = replace(pop, **{column: belief})
    keep = ~(((pop.unit == 0) | (pop.unit == 1)) & (np.arange(len(pop)) % 2 == 0))
    pop = pop.take(keep)
    means = peer_beliefs(pop, org)
    assert means[column][0] == pytest.approx(0.9) and means[column][1] == pytest.approx(0.1)
    recruits, _ = recruit(pop, org, s, 1, 10_000, np.random.default_rng(1))
    joined_0 = getattr(recruits, column)[recruits.unit == 0]
    joined_1 = getattr(recruits, column)[recruits.unit == 1]
    assert len(joined_0) > 3 and len(joined_1) > 3
    assert abs(joined_0.mean() - 0.9) < 0.1 and abs(joined_1.mean() - 0.1) < 0.1
