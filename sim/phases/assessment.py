"""Annual assessment (年度考核): observed score, merit score, grades (phase 5)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scenarios.schema import Policy
from sim.arrays import GroupRanking
from sim.state import Organisation, Population


@dataclass(frozen=True)
class Assessment:
    """This year's assessment (all arrays ``(n_cadres,)``).

    Attributes
    ----------
    score : float
        Observed score = performance + observation noise.
    merit : float
        Decayed mean of observed scores (the merit score used by promotion).
    percentile : float in (0, 1)
        Percentile of ``score`` within the cadre's unit (assessment is by unit,
        as 优秀 quotas are).
    excellent : bool
        Graded 优秀 (top ``excellent_share`` of the unit).
    low_years : int
        Consecutive years in the bottom share (for 能下 and 召回).
    reserve : bool
        On the reserve list (后备干部库) as it stood before this year's listing
        (``sim.phases.reserve.update_reserve`` keeps it).
    """

    score: np.ndarray
    merit: np.ndarray
    percentile: np.ndarray
    excellent: np.ndarray
    low_years: np.ndarray
    reserve: np.ndarray


def observation_noise(population: Population, organisation: Organisation, policy: Policy):
    """``(n,) float``: sd of the observation noise; frontline units use
    ``observation_noise * frontline_noise_factor`` (一线考察, seed 003: daily report,
    weekly check, monthly bulletin and quarterly review see more of the work)."""
    return unit_observation_noise(organisation, policy)[population.unit]


def unit_observation_noise(organisation: Organisation, policy: Policy) -> np.ndarray:
    """``(n_units,) float``: sd of the observation noise in each unit (``observation_noise``)."""
    a = policy.assessment
    return a.observation_noise * np.where(organisation.unit_frontline, a.frontline_noise_factor,
                                          1.0)


def assess(
    population: Population,
    performance: np.ndarray,
    organisation: Organisation,
    policy: Policy,
    rng: np.random.Generator,
) -> Assessment:
    """Phase 5: observe performance, update the merit score, grade.

    ``score = performance + N(0, sigma_u)``; ``merit' = memory * merit + (1 - memory) *
    score`` (docs/model.md section 3, step 5). The 优秀 grade goes to the top
    ``excellent_share`` of each unit. ``low_years`` counts consecutive years with a
    unit percentile below the wider of ``demotion.bottom_share`` and
    ``recall.bottom_share`` (0 when neither rule is in force).

    Parameters
    ----------
    population : Population
    performance : (n,) float
    organisation : Organisation
    policy : Policy
    rng : numpy.random.Generator
    """
    a = policy.assessment
    noise = rng.standard_normal(len(population))  # N(0, 1) (as rng.normal(0, 1), faster)
    noise *= unit_observation_noise(organisation, policy)[population.unit]
    score = performance + noise
    merit = a.merit_memory * population.merit
    merit += (1.0 - a.merit_memory) * score
    # One ranking of the units serves both percentiles (score and merit).
    ranking = GroupRanking(population.unit, organisation.n_units)
    percentile = ranking.percentiles(score)
    excellent = percentile > 1.0 - a.excellent_share
    low_share = max(policy.demotion.bottom_share, policy.recall.bottom_share)
    low_years = (population.low_years + 1) * (percentile < low_share)
    # The reserve list is kept by ``sim.phases.reserve.update_reserve``, which runs next.
    return Assessment(score, merit, percentile, excellent, low_years, population.reserve)


def with_assessment(population: Population, assessment: Assessment) -> Population:
    """The population with this year's merit, last score, low years and reserve flag."""
    return replace(population, merit=assessment.merit, last_score=assessment.score,
                   low_years=assessment.low_years, reserve=assessment.reserve)
