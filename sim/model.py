"""The cadre model: a Mesa model whose population is a struct of arrays.

``CadreModel.step`` is one assessment year and reads as its story (MODEL.md
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
from sim.allocation import allocate, apply_allocation, rotate, vacant_posts
from sim.assessment import assess, with_assessment
from sim.behaviour import choose_effort, draw_errors, perform
from sim.events import NO_UNIT, EventLog, MoveBatch, errors_frame, move_batch, moves_frame
from sim.exits import choose_exits, departure_moves, grow_older
from sim.generate import build_organisation, build_population
from sim.learning import learn, year_lessons
from sim.record import YearRecord
from sim.recruitment import recruit
from sim.sanctions import apply_discipline, error_batch, review_errors, reward_and_sanction
from sim.state import MoveReason, Organisation, Population, UnitKind


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
    datacollector : mesa.DataCollector
        One row per year of the reporters in ``sim.metrics``.
    """

    def __init__(
        self, scenario: Scenario, *, rng: int | np.random.SeedSequence | None = None
    ) -> None:
        super().__init__(rng=scenario.seed if rng is None else rng)
        self.scenario = scenario
        self.year = 0
        self.record: YearRecord | None = None
        self.events = EventLog()
        self.pyramid_events: list = []
        self.is_pyramid = scenario.organisation.kind is OrganisationKind.PYRAMID
        if self.is_pyramid:
            from sim.pyramid import build_pyramid

            self.organisation, self.population = build_pyramid(scenario, self.rng)
            reporters = metrics.PYRAMID_REPORTERS
        else:
            self.organisation = build_organisation(scenario)
            self.population = build_population(self.organisation, scenario, self.rng)
            reporters = metrics.COUNTY_REPORTERS
        self.flagged_units = np.zeros(self.organisation.n_units, bool)
        self.next_id = int(self.population.id.max()) + 1 if len(self.population) else 0
        self.datacollector = mesa.DataCollector(model_reporters=dict(reporters))
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
        """One assessment year (MODEL.md section 2, steps 1-11)."""
        self.year += 1
        if self.is_pyramid:
            self._pyramid_step()
            return
        s, org, rng, year = self.scenario, self.organisation, self.rng, self.year
        policy = s.policy

        pop = grow_older(self.population, org, s)
        difficulty = org.unit_difficulty[pop.unit]  # of each cadre's unit, for phases 1-3
        pop = replace(pop, effort=choose_effort(pop, org, s, self.flagged_units, rng,
                                                difficulty=difficulty))                  # 1
        worked = pop
        performance = perform(pop, org, s.behaviour, rng, difficulty=difficulty)         # 2
        errors = draw_errors(pop, org, s.behaviour, rng, difficulty=difficulty)          # 3
        review = review_errors(errors, policy.tolerance, policy.discipline, rng)         # 4
        pop, discipline_moves = apply_discipline(pop, review, policy.discipline, year)
        assessment = assess(pop, performance, org, policy, s.population.young_age_max, rng)  # 5
        pop = with_assessment(pop, assessment)
        rewards = reward_and_sanction(pop, assessment.score, assessment.percentile, org,
                                      policy)                                            # 6
        pop = rewards.population
        departures = choose_exits(pop, org, s, review, year, rng)                        # 7
        exit_moves = departure_moves(pop, departures)
        pop = pop.take(~departures.leaving)
        candidates = pop
        allocation = allocate(pop, org, s, year, rng)                                    # 8
        pop, promotion_moves = apply_allocation(pop, allocation, org, s, rng)
        pop, rotation_moves = rotate(pop, org, s, allocation.promoted(len(pop)), rng)
        vacant_after = vacant_posts(pop, org)
        recruits, recruit_moves = recruit(pop, org, s, year, self.next_id, rng)         # 9
        pop = pop.concat(recruits)
        lessons = year_lessons(candidates, allocation, errors, review, rewards.bonus,    # 10
                               assessment.percentile, org)
        pop = learn(pop, org, lessons, s, year)

        self.population = pop
        self.next_id += len(recruits)
        self.flagged_units = rewards.flagged_units
        self.record = YearRecord(
            year=year, worked=worked, performance=performance, errors=errors, review=review,
            assessment=assessment, bonus=rewards.bonus, bonus_cost=rewards.bonus_cost,
            subsidy_cost=subsidy_cost(worked, org, s), departures=departures,
            candidates=candidates, candidate_performance=performance[~departures.leaving],
            allocation=allocation, vacant_after=vacant_after,
        )
        self.events.add_errors(year, error_batch(worked, errors, review))
        self.events.add_moves(year, discipline_moves, *rewards.moves, exit_moves,
                              promotion_moves, rotation_moves, recruit_moves)
        self.datacollector.collect(self)                                                 # 11

    def _pyramid_step(self) -> None:
        from sim.pyramid import pyramid_year

        before = self.population
        self.population, events = pyramid_year(
            before, self.organisation, self.scenario, self.rng, self.year
        )
        self.pyramid_events.append(events)
        self.events.add_moves(self.year, pyramid_moves(events, before, self.population))
        self.datacollector.collect(self)

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


def pyramid_moves(events, before: Population, after: Population) -> MoveBatch:
    """A pyramid year's ``PyramidEvents`` as event-log rows (one unit; rank and post
    after the move, -1 for leavers; ``from_unit`` none for recruits)."""
    ids, reasons = events.moves()
    order = np.argsort(after.id)
    at = np.minimum(np.searchsorted(after.id[order], ids), max(len(after) - 1, 0))
    found = (after.id[order][at] == ids) if len(after) else np.zeros(len(ids), bool)
    row = order[at]
    leaving = np.isin(reasons, [MoveReason.RETIREMENT, MoveReason.DISMISSAL]) | ~found
    arriving = reasons == MoveReason.RECRUITMENT
    unit = np.where(found, after.unit[row] if len(after) else 0, 0)
    return move_batch(
        reasons, ids,
        np.where(arriving, NO_UNIT, 0), np.where(leaving, NO_UNIT, unit),
        np.where(leaving, -1, after.rank[row] if len(after) else -1),
        np.where(leaving, -1, after.post[row] if len(after) else -1),
    )


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
