"""The yearly behaviour of ``sim`` written as a Mesa user would: one object per cadre.

This is the baseline of ``benchmarks/simulation.py``. It mirrors phases 1-5 of
docs/model.md section 3 exactly as ``sim`` implements them (the equations of
``sim.phases.behaviour``, ``sim.phases.sanctions.review_errors`` / ``apply_discipline`` and
``sim.phases.assessment.assess``), with per-agent Python arithmetic and scalar draws
from ``self.model.rng``:

1. choose effort (a share ``inertia`` keeps last year's effort; the others take
   the clipped closed-form optimum ``sim.phases.behaviour.optimal_effort``);
2. work: ``y = ability + effort * effort_return * difficulty + N(0, noise)``;
3. errors: ``P = clip(eps0 + eps1 * effort * difficulty)``; honest with
   probability ``integrity``; detected with ``honest_detection`` / ``detection``;
4. accountability: classified honest with ``discrimination`` (or its
   complement), excused with ``excuse_rate``, otherwise punished with a drawn
   severity: promotion block, stigma, demotion of one rank and loss of post,
   dismissal flag;
5. assessment: observed score, decayed merit, percentile within the unit,
   优秀 grade, consecutive low years, reserve flag.

Phases 6-11 (rewards, exits, allocation, recruitment, learning, data
collection) are left out of both sides of the comparison. Agents step in
random order (``model.agents.shuffle_do("step")``); assessment needs every
score of a unit, so the model does it after the agents have stepped, unit by
unit through ``AgentSet.groupby``. The random streams differ from ``sim``'s
(a cadre without an error draws nothing for review), so results agree in
distribution, not draw for draw.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from scenarios.schema import Scenario
from sim.state import Organisation, Population, Severity

STATE = ("unit", "rank", "post", "age", "years_in_grade", "years_in_post", "ability",
         "motivation", "integrity", "risk_aversion", "effort", "belief_merit",
         "belief_tolerance", "belief_bonus", "merit", "last_score", "block_until", "stigma",
         "disciplined", "low_years", "reserve")
"""The ``Population`` columns each ``Cadre`` carries."""


class Cadre(mesa.Agent):
    """One cadre with its state as attributes (the columns of ``sim.state.Population``)."""

    def __init__(self, model: NaiveCadreModel, **state) -> None:
        super().__init__(model)
        self.unit = state["unit"]
        self.rank = state["rank"]
        self.post = state["post"]
        self.age = state["age"]
        self.years_in_grade = state["years_in_grade"]
        self.years_in_post = state["years_in_post"]
        self.ability = state["ability"]
        self.motivation = state["motivation"]
        self.integrity = state["integrity"]
        self.risk_aversion = state["risk_aversion"]
        self.effort = state["effort"]
        self.belief_merit = state["belief_merit"]
        self.belief_tolerance = state["belief_tolerance"]
        self.belief_bonus = state["belief_bonus"]
        self.merit = state["merit"]
        self.last_score = state["last_score"]
        self.block_until = state["block_until"]
        self.stigma = state["stigma"]
        self.disciplined = state["disciplined"]
        self.low_years = state["low_years"]
        self.reserve = state["reserve"]
        self.performance = 0.0
        self.erred = False
        self.dismissed = False

    # -- phase 1 ------------------------------------------------------------------------------
    def optimal_effort(self) -> float:
        model = self.model
        b, policy = model.params.behaviour, model.params.policy
        difficulty = model.unit_difficulty[self.unit]
        if policy.promotion.rank_only:
            horizon = 1.0
        else:
            remaining = model.params.population.retirement_age - self.age
            horizon = min(max(remaining / b.promotion_horizon_years, 0.0), 1.0)
        bonus_value = 0.0
        if policy.bonus.top_share > 0:
            bonus_value = policy.bonus.amount * policy.bonus.utility_per_amount
        pressure = policy.unit_pressure.pressure if model.flagged_units[self.unit] else 0.0
        marginal_value = (self.motivation + b.promotion_value * horizon * self.belief_merit
                          + bonus_value * self.belief_bonus + pressure)
        marginal_risk = (self.risk_aversion * b.sanction_cost * b.error_slope * difficulty
                         * (1.0 - self.belief_tolerance))
        return min(max((marginal_value - marginal_risk) / b.effort_cost, 0.0), 1.0)

    def choose_effort(self) -> None:
        b = self.model.params.behaviour
        if not b.enabled:
            self.effort = b.fixed_effort
        elif self.model.rng.random() >= b.inertia:
            self.effort = self.optimal_effort()

    # -- phases 2-4 ---------------------------------------------------------------------------
    def work(self) -> None:
        b = self.model.params.behaviour
        difficulty = self.model.unit_difficulty[self.unit]
        noise = self.model.rng.normal(0.0, b.performance_noise)
        self.performance = self.ability + self.effort * b.effort_return * difficulty + noise

    def make_errors(self) -> None:
        model, rng = self.model, self.model.rng
        b = model.params.behaviour
        self.erred = False
        if not b.enabled:
            return
        difficulty = model.unit_difficulty[self.unit]
        p_error = min(max(b.error_base + b.error_slope * self.effort * difficulty, 0.0), 1.0)
        if rng.random() >= p_error:
            return
        self.erred = True
        honest = rng.random() < self.integrity
        detected = rng.random() < (b.honest_detection if honest else b.detection)
        model.errors += 1
        if detected:
            self.review(honest)

    def review(self, honest: bool) -> None:
        model, rng = self.model, self.model.rng
        tolerance = model.params.policy.tolerance
        discipline = model.params.policy.discipline
        p_classified_honest = (tolerance.discrimination if honest
                               else 1.0 - tolerance.discrimination)
        classified_honest = rng.random() < p_classified_honest
        if classified_honest and rng.random() < tolerance.excuse_rate:
            model.excused += 1
            return
        shares = discipline.severity_honest if honest else discipline.severity_self_serving
        u, severity, cumulative = rng.random(), len(shares) - 1, 0.0
        for level, share in enumerate(shares):
            cumulative += share
            if u < cumulative:
                severity = level
                break
        model.punished += 1
        ends = model.year - 0.5 + discipline.block_months[severity] / 12.0
        self.block_until = max(self.block_until, ends)
        self.stigma = True
        self.disciplined = True
        if severity == Severity.DEMOTION:
            self.rank = max(self.rank - 1, 0)
            self.post = -1
            self.years_in_grade = 0.0
            self.years_in_post = 0.0
            if not honest and rng.random() < discipline.dismissal_share:
                self.dismissed = True

    def step(self) -> None:
        """Phases 1-4 for this cadre: effort, work, errors and their review."""
        self.choose_effort()
        self.work()
        self.make_errors()
        discipline = self.model.params.policy.discipline
        if discipline.rehabilitation and self.block_until <= self.model.year:
            self.stigma = False


class NaiveCadreModel(mesa.Model):
    """Phases 1-5 of the yearly cycle with one ``Cadre`` agent per row of ``population``.

    Parameters
    ----------
    scenario : Scenario
    organisation : Organisation
        From ``sim.generate.build_organisation``.
    population : Population
        The initial cadres (``sim.generate.build_population``), copied into agents.
    rng : int
        Seed of ``self.rng``.
    """

    def __init__(self, scenario: Scenario, organisation: Organisation, population: Population,
                 rng: int = 0) -> None:
        super().__init__(rng=rng)
        self.params = scenario  # Mesa 3.5 reserves model.scenario
        self.year = 0
        self.unit_difficulty = organisation.unit_difficulty.tolist()
        self.unit_frontline = organisation.unit_frontline.tolist()
        self.flagged_units = [False] * organisation.n_units
        self.errors = self.excused = self.punished = 0
        columns = {name: getattr(population, name).tolist() for name in STATE}
        for row in range(len(population)):
            Cadre(self, **{name: columns[name][row] for name in STATE})

    def step(self) -> None:
        """One year: every cadre steps in random order, then each unit is assessed."""
        self.year += 1
        self.agents.shuffle_do("step")
        self.agents.groupby("unit", result_type="list").map(self.assess_unit)

    def assess_unit(self, cadres: list[Cadre]) -> None:
        """Phase 5 for one unit (``sim.phases.assessment.assess``)."""
        a = self.params.policy.assessment
        policy, rng = self.params.policy, self.rng
        low_share = max(policy.demotion.bottom_share, policy.recall.bottom_share)
        young_age_max = self.params.population.young_age_max
        for cadre in cadres:
            factor = a.frontline_noise_factor if self.unit_frontline[cadre.unit] else 1.0
            noise = rng.normal(0.0, 1.0) * a.observation_noise * factor
            cadre.last_score = cadre.performance + noise
            cadre.merit = a.merit_memory * cadre.merit + (1.0 - a.merit_memory) * cadre.last_score
        size = len(cadres)
        by_score = sorted(range(size), key=lambda i: cadres[i].last_score)
        by_merit = sorted(range(size), key=lambda i: cadres[i].merit)
        score_percentile = [0.0] * size
        merit_percentile = [0.0] * size
        for position, i in enumerate(by_score):
            score_percentile[i] = (position + 0.5) / size
        for position, i in enumerate(by_merit):
            merit_percentile[i] = (position + 0.5) / size
        for i, cadre in enumerate(cadres):
            excellent = score_percentile[i] > 1.0 - a.excellent_share
            cadre.low_years = cadre.low_years + 1 if score_percentile[i] < low_share else 0
            cadre.reserve = cadre.age <= young_age_max and (excellent or merit_percentile[i] > 0.8)

    def mean_effort(self) -> float:
        efforts = self.agents.get("effort")
        return math.fsum(efforts) / len(efforts)


def naive_model(scenario: Scenario, organisation: Organisation, population: Population,
                seed: int) -> NaiveCadreModel:
    """A ``NaiveCadreModel`` of the same initial cadres (numpy scalars become Python numbers)."""
    return NaiveCadreModel(scenario, organisation, population, rng=int(np.uint32(seed)))
