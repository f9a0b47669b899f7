"""The passage of time and leaving: ageing, experience, retirement, voluntary exit, dismissal.

``grow_older`` opens the year; ``choose_exits`` is phase 7 of docs/model.md section 3.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scenarios.schema import Scenario
from sim.events import NO_UNIT, MoveBatch, move_batch
from sim.phases.sanctions import Review
from sim.state import MoveReason, Organisation, Population

STAYS = -1


def grow_older(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    rng: np.random.Generator | None = None,
) -> Population:
    r"""A year passes: age, years in grade and in post, frontline experience, ability drift.

    Ability is persistent but not permanent: with ``ability_depreciation`` delta > 0 it
    reverts towards the recruits' mean 0 and takes a fresh shock that keeps its spread,

    .. math::

        a' = (1 - \delta)\,a + \sqrt{1 - (1 - \delta)^2}\;\sigma_a\,\varepsilon
             + g\,F_u\,[y_f < Y],\qquad \varepsilon \sim N(0, 1)

    (sigma_a ``population.ability_sd``): skills age and tasks change, so what
    selection and training added fades over about 1 / delta years instead of
    accumulating for a whole career (an assumption; docs/model.md, submodel "ability").
    Frontline service adds ``experience_gain`` g a year for the first
    ``experience_years_max`` Y frontline years (交流任职 and 一线历练: "练就真本事", seed
    002); learning then saturates. ``rng`` is needed only when delta > 0.
    """
    b = scenario.behaviour
    frontline = organisation.unit_frontline[population.unit]
    learning = frontline & (population.frontline_years < b.experience_years_max)
    ability = population.ability
    if b.ability_depreciation > 0:
        keep = 1.0 - b.ability_depreciation
        shock = rng.standard_normal(len(population))
        shock *= np.sqrt(1.0 - keep**2) * scenario.population.ability_sd
        ability = keep * ability + shock
    return replace(
        population,
        age=population.age + 1.0,
        years_in_grade=population.years_in_grade + 1.0,
        years_in_post=np.where(population.post >= 0, population.years_in_post + 1.0, 0.0),
        frontline_years=population.frontline_years + frontline,
        ability=ability + np.where(learning, b.experience_gain, 0.0),
    )


def waiting_years(population: Population) -> np.ndarray:
    """``(n,) float``: years since the last promotion (rank or post)."""
    return np.where(
        population.post >= 0,
        np.minimum(population.years_in_grade, population.years_in_post),
        population.years_in_grade,
    )


def low_morale(
    population: Population, organisation: Organisation, scenario: Scenario, year: int
) -> np.ndarray:
    r"""Low morale, ``(n,) float`` (0 = neutral, higher = more likely to leave).

    .. math::

        L = \frac{\max(0, w - W)}{W} + \kappa_h (h_u - 1) + \kappa_d D
            - \kappa_p \, p \, F_u

    w years since the last promotion, W ``patience_years``, h_u the unit's
    hardship, D = 1 while stigmatised or blocked, p the frontline income premium
    (seed 004: town staff earn at least 20% more than organ staff of the same
    rank) and F_u = 1 in frontline units; kappa_h, kappa_d, kappa_p are
    ``hardship_morale``, ``discipline_morale`` and ``premium_morale``. Waiting,
    hardship and discipline lower morale; the premium raises it.
    """
    b, policy = scenario.behaviour, scenario.policy
    patience = b.patience_years
    frontline = organisation.unit_frontline[population.unit]
    discipline = population.stigma | (population.block_until > year)
    return (
        np.maximum(waiting_years(population) - patience, 0.0) / patience
        + b.hardship_morale * (organisation.unit_hardship[population.unit] - 1.0)
        + b.discipline_morale * discipline
        - b.premium_morale * policy.subsidy.frontline_premium * frontline
    )


def exit_probability(
    population: Population, organisation: Organisation, scenario: Scenario, year: int
) -> np.ndarray:
    """``(n,) float``: P(voluntary exit this year) = clip(base * exp(slope * L), 0, 1),
    zero above ``exit_age_max`` (older cadres wait for their pension)."""
    b = scenario.behaviour
    rate = b.exit_base_rate * np.exp(
        b.exit_morale_slope * low_morale(population, organisation, scenario, year)
    )
    return np.where(population.age <= b.exit_age_max, np.clip(rate, 0.0, 1.0), 0.0)


@dataclass(frozen=True)
class Departures:
    """Who leaves this year: ``reason`` ``(n,) int`` is a ``MoveReason`` or -1 (stays)."""

    reason: np.ndarray

    @property
    def leaving(self) -> np.ndarray:
        return self.reason != STAYS

    def count(self, reason: MoveReason, mask: np.ndarray | None = None) -> int:
        hit = self.reason == reason
        return int(np.count_nonzero(hit if mask is None else hit & mask))


def choose_exits(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    review: Review,
    year: int,
    rng: np.random.Generator,
) -> Departures:
    """Phase 7: dismissal (grave self-serving errors), retirement at the retirement
    age, dismissal for ability below ``population.dismissal_competence`` (if set:
    Pluchino, Rapisarda and Garofalo 2010 dismiss members with competence below 4
    before the year's promotions), then voluntary exit driven by morale
    (``exit_probability``)."""
    retiring = population.age >= scenario.population.retirement_age
    threshold = scenario.population.dismissal_competence
    incompetent = (population.ability < threshold if threshold is not None
                   else np.zeros(len(population), bool))
    quitting = rng.random(len(population)) < exit_probability(
        population, organisation, scenario, year
    )
    reason = np.select(
        [review.dismissed, retiring, incompetent, quitting],
        [MoveReason.DISMISSAL, MoveReason.RETIREMENT, MoveReason.DISMISSAL,
         MoveReason.VOLUNTARY_EXIT],
        STAYS,
    ).astype(np.int64)
    return Departures(reason)


def departure_moves(population: Population, departures: Departures) -> MoveBatch:
    """The leavers as event-log rows (``to_unit`` = none)."""
    rows = np.flatnonzero(departures.leaving)
    return move_batch(departures.reason[rows], population.id[rows], population.unit[rows],
                      NO_UNIT, population.rank[rows], population.post[rows])
