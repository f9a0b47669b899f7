"""The cadre model: a Mesa model whose population is a struct of arrays.

``CadreModel.step`` is one assessment year and reads as its story (docs/model.md
section 2); each line is a phase function of arrays plus ``self.rng`` that
returns new arrays, and only ``step`` assigns state.
"""

from __future__ import annotations

from dataclasses import replace

import mesa
import numpy as np
import pandas as pd

from scenarios.schema import OrganisationKind, Scenario
from sim import metrics
from sim.events import EventLog, errors_frame, moves_frame
from sim.generate import build_organisation, build_population
from sim.phases.allocation import allocate, apply_allocation, rotate, vacant_posts
from sim.phases.assessment import assess, with_assessment
from sim.phases.behaviour import choose_effort, draw_errors, perform
from sim.phases.dispatch import dispatch
from sim.phases.establishment import hire_frontline_staff, open_staff_slots
from sim.phases.exits import choose_exits, departure_moves, grow_older
from sim.phases.learning import learn, year_lessons
from sim.phases.recruitment import recruit
from sim.phases.reserve import ReserveUpdate, leave_on_promotion, update_reserve
from sim.phases.sanctions import apply_discipline, error_batch, review_errors, reward_and_sanction
from sim.pyramid import build_pyramid_organisation, build_pyramid_population
from sim.record import YearRecord
from sim.spinup import (
    WATCHED,
    Start,
    cache_key,
    cached,
    converged,
    history_scenario,
    needs_spinup,
    remember,
    shift_years,
    spinup_seed,
)
from sim.state import Organisation, Population, UnitKind


class CadreModel(mesa.Model):
    """Cadres responding to incentive, tolerance and promotion policies, year by year.

    Parameters
    ----------
    scenario : Scenario
        The world and the policy package (validated, frozen).
    rng : int or numpy.random.SeedSequence, optional
        Seed of ``self.rng`` (Mesa's numpy Generator); defaults to ``scenario.seed``.

    Attributes
    ----------
    scenario : Scenario
    organisation : Organisation
        Units, posts and rank quotas (fixed during a run).
    population : Population
        One row per serving cadre; beliefs are its ``belief_*`` columns.
    year : int
        Years completed (0 before the first step).
    record : YearRecord or None
        The last year's intermediate results (what the reporters read).
    flagged_units : (n_units,) bool
        Units under public pressure (yellow card) for the coming year.
    events : EventLog
        Every move and error so far (see ``moves_frame``, ``errors_frame``).
    datacollector : sim.metrics.YearSeries
        One row per year of the reporters in ``sim.metrics`` (a ``mesa.DataCollector``).
    """

    def __init__(
        self, scenario: Scenario, *, rng: int | np.random.SeedSequence | None = None
    ) -> None:
        super().__init__(rng=scenario.seed if rng is None else rng)
        self.scenario = scenario
        self.year = 0
        self.record: YearRecord | None = None
        self.events = EventLog()
        # A pyramid (Pluchino et al. 2010) is a world of its own shape, run by the same
        # phases; only its generator and its reporters differ (sim.pyramid).
        pyramid = scenario.organisation.kind is OrganisationKind.PYRAMID
        if pyramid:
            self.organisation = build_pyramid_organisation(scenario)
            reporters = metrics.PYRAMID_REPORTERS
        else:
            self.organisation = build_organisation(scenario)
            reporters = metrics.COUNTY_REPORTERS
        self.flagged_units = np.zeros(self.organisation.n_units, bool)
        self.staff_hire_ids = np.zeros(0, np.int64)  # hired into reserved slots (核增编制)
        self.listing: ReserveUpdate | None = None  # the last year's reserve listing
        self.start: Start | None = None
        if needs_spinup(scenario):
            self.start = start_from_history(scenario, rng=scenario.seed if rng is None else rng)
            self.population = self.start.population
            self.flagged_units = self.start.flagged_units
        else:
            build = build_pyramid_population if pyramid else build_population
            self.population = build(self.organisation, scenario, self.rng)
        self.next_id = int(self.population.id.max()) + 1 if len(self.population) else 0
        if self.start is not None:
            self.next_id = max(self.next_id, self.start.next_id)
        self.recording = True
        self.datacollector = metrics.YearSeries(model_reporters=dict(reporters))
        self.running = True

    @property
    def scenario(self) -> Scenario:
        """The youwei scenario of this run."""
        return self._youwei_scenario

    @scenario.setter
    def scenario(self, value: Scenario) -> None:
        # Mesa's __init__ stores its own experiment object (mesa.experimental Scenario)
        # through this property and links it back to the model; keep that one where
        # Mesa keeps it, and ours (frozen pydantic, no back link) here.
        if isinstance(value, Scenario):
            self._youwei_scenario = value
        else:
            mesa.Model.scenario.fset(self, value)

    # ------------------------------------------------------------------ the year

    def step(self) -> None:
        """One assessment year (docs/model.md section 3, steps 1-11)."""
        self.year += 1
        s, org, rng, year = self.scenario, self.organisation, self.rng, self.year
        policy = s.policy

        pop = grow_older(self.population, org, s, rng)
        difficulty = org.unit_difficulty[pop.unit]  # of each cadre's unit, for phases 1-3
        pop = replace(pop, effort=choose_effort(pop, org, s, self.flagged_units, rng,
                                                difficulty=difficulty))                  # 1
        worked = pop
        performance = perform(pop, org, s.behaviour, rng, difficulty=difficulty)         # 2
        errors = draw_errors(pop, org, s.behaviour, rng, difficulty=difficulty)          # 3
        review = review_errors(errors, policy.tolerance, policy.discipline, rng)         # 4
        pop, discipline_moves = apply_discipline(pop, review, policy.discipline, year)
        assessment = assess(pop, performance, org, policy, rng)                          # 5
        pop = with_assessment(pop, assessment)
        listing = update_reserve(pop, performance, assessment.score, review.punished, org,
                                 policy.reserve, rng)
        pop = listing.population
        rewards = reward_and_sanction(pop, assessment.score, assessment.percentile, org,
                                      policy, rng)                                       # 6
        pop = rewards.population
        departures = choose_exits(pop, org, s, review, year, rng)                        # 7
        exit_moves = departure_moves(pop, departures)
        pop = pop.take(~departures.leaving)
        candidates = pop
        allocation = allocate(pop, org, s, year, rng)                                    # 8
        pop, promotion_moves = apply_allocation(pop, allocation, org, s, rng)
        pop = leave_on_promotion(pop, allocation.row[allocation.is_post])
        pop, rotation_moves = rotate(pop, org, s, allocation.promoted(len(pop)), rng)
        pop, dispatch_moves = dispatch(pop, org, s, rng)
        vacant_after = vacant_posts(pop, org)
        staff_slots = open_staff_slots(s, int(np.isin(pop.id, self.staff_hire_ids).sum()))
        hires, hire_moves = hire_frontline_staff(pop, org, s, year, self.next_id,       # 9
                                                 staff_slots, rng)
        pop = pop.concat(hires)
        recruits, recruit_moves = recruit(pop, org, s, year, self.next_id + len(hires), rng)
        pop = pop.concat(recruits)
        lessons = year_lessons(candidates, allocation, errors, review, rewards.bonus,    # 10
                               assessment.percentile, org)
        pop = learn(pop, org, lessons, s, year)

        self.population = pop
        self.next_id += len(hires) + len(recruits)
        self.staff_hire_ids = np.concatenate([self.staff_hire_ids, hires.id])
        self.listing = listing
        self.flagged_units = rewards.flagged_units
        if not self.recording:  # a spin-up year: state only
            return
        self.record = YearRecord(
            year=year, worked=worked, performance=performance, errors=errors, review=review,
            assessment=assessment, bonus=rewards.bonus, bonus_cost=rewards.bonus_cost,
            subsidy_cost=subsidy_cost(worked, org, s), departures=departures,
            candidates=candidates, candidate_performance=performance[~departures.leaving],
            allocation=allocation, vacant_after=vacant_after,
        )
        self.events.add_errors(year, error_batch(worked, errors, review))
        self.events.add_moves(year, discipline_moves, *rewards.moves, exit_moves,
                              promotion_moves, rotation_moves, dispatch_moves, hire_moves,
                              recruit_moves)
        self.datacollector.collect(self)                                                 # 11

    def run(self, years: int | None = None) -> pd.DataFrame:
        """Step ``years`` times (default ``scenario.years``) while ``running``; return
        the reporters frame (``model_frame``)."""
        for _ in range(self.scenario.years if years is None else years):
            if not self.running:
                break
            self.step()
        return self.model_frame()

    # ------------------------------------------------------------------ views

    def model_frame(self) -> pd.DataFrame:
        """One row per year, one column per reporter (``sim.metrics``)."""
        return self.datacollector.get_model_vars_dataframe()

    def population_frame(self) -> pd.DataFrame:
        """One row per serving cadre with readable unit, kind, pool and post columns."""
        return population_frame(self.population, self.organisation)

    def moves_frame(self) -> pd.DataFrame:
        """Every move so far: year, cadre_id, reason, from_unit, to_unit, rank, post."""
        return moves_frame(self.events, self.organisation)

    def errors_frame(self) -> pd.DataFrame:
        """Every error so far: year, cadre_id, unit, honest, detected, classified_honest,
        outcome, severity."""
        return errors_frame(self.events, self.organisation)


def start_from_history(
    scenario: Scenario, *, rng: int | np.random.SeedSequence
) -> Start:
    """The stationary state of the scenario's world under its history policy
    (``scenario.history``; ``sim.spinup``), drawn from the spin-up's own child of ``rng``.

    Runs the world under the old rules for at least ``history.years_min`` years and
    until ``spinup.converged`` (at most ``years_max``); the result is cached per
    (world, history, seed).
    """
    seed = spinup_seed(rng)
    key = cache_key(scenario, seed)
    start = cached(key)
    if start is not None:
        return start
    history = scenario.history
    past = CadreModel(history_scenario(scenario), rng=seed)
    past.recording = False
    trace: dict[str, list[float]] = {name: [] for name in WATCHED}
    done = False
    while past.year < history.years_max and not done:
        past.step()
        for name in WATCHED:
            trace[name].append(float(getattr(past.population, name).mean()))
        done = converged(trace, history, scenario.population.ability_sd)
    start = Start(
        population=shift_years(past.population, past.year),
        flagged_units=past.flagged_units, next_id=past.next_id, years=past.year,
        converged=done, trace={name: np.array(v) for name, v in trace.items()},
    )
    remember(key, start)
    return start.copy()


def subsidy_cost(population: Population, organisation: Organisation, scenario: Scenario) -> float:
    """Frontline income premium paid this year (万元): frontline cadres x base income x premium
    (seed 004: town staff at least 20% above organ staff of the same rank)."""
    subsidy = scenario.policy.subsidy
    frontline = np.count_nonzero(organisation.unit_frontline[population.unit])
    return float(frontline * subsidy.base_income * subsidy.frontline_premium)


def population_frame(population: Population, organisation: Organisation) -> pd.DataFrame:
    """The population as a DataFrame: every column of ``Population`` plus ``unit_name``,
    ``unit_kind`` (``UnitKind`` name), ``pool`` and ``post_level`` (0 without a post)."""
    frame = pd.DataFrame(population.columns())
    kind_names = np.array([k.name for k in UnitKind], dtype=object)
    unit = population.unit
    frame.insert(2, "unit_name", np.asarray(organisation.unit_names, dtype=object)[unit])
    frame.insert(3, "unit_kind", kind_names[organisation.unit_kind[unit]])
    frame.insert(4, "pool", np.asarray(organisation.pool_names, dtype=object)[
        organisation.unit_pool[unit]])
    levels = np.r_[organisation.post_level, 0]
    frame.insert(7, "post_level", levels[np.where(population.post >= 0, population.post, -1)])
    return frame
