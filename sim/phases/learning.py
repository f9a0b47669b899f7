"""Phase 10: cadres update what they believe about merit, tolerance and bonuses.

Beliefs are adaptive expectations: ``b' = clip(b + lambda (target - b), 0, 1)``
towards what the year showed (docs/model.md section 3, step 10). A target is NaN
when the year showed nothing (no promotions in the pool, no detected honest
error), and then the belief is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scenarios.schema import Scenario
from sim.arrays import group_mean, percentile_in_group
from sim.phases.allocation import Allocation
from sim.phases.behaviour import Errors
from sim.phases.sanctions import Review
from sim.state import ErrorOutcome, Organisation, Population


def observed_merit_link(
    pool: np.ndarray, merit: np.ndarray, promoted: np.ndarray, n_pools: int
) -> np.ndarray:
    """``(n_pools,) float`` in [-1, 1]: how much promotions followed the merit score.

    ``2 s - 1`` with s the share of the pool's promotions that went to cadres in
    the upper half of the pool by merit score: 1 when only the better half rises,
    0 when promotion ignores merit (e.g. 论资排辈), negative when it favours the
    worse half; NaN for a pool without promotions.
    """
    upper = percentile_in_group(pool, merit, n_pools) > 0.5
    share = group_mean(pool[promoted], upper[promoted].astype(float), n_pools)
    return 2.0 * share - 1.0


def observed_tolerance(errors: Errors, review: Review) -> float:
    """Excused share of the detected honest errors this year (NaN if none)."""
    detected_honest = np.count_nonzero(errors.detected_honest)
    if detected_honest == 0:
        return float("nan")
    return review.count(ErrorOutcome.EXCUSED_HONEST) / detected_honest


def observed_bonus_link(bonus: np.ndarray, percentile: np.ndarray) -> float:
    """``2 s - 1`` with s the share of bonuses that went to the upper half of their
    unit by assessment; 0 when no bonuses were paid (nothing links effort to money)."""
    if not bonus.any():
        return 0.0
    return 2.0 * float(np.mean(percentile[bonus] > 0.5)) - 1.0


@dataclass(frozen=True)
class Lessons:
    """What the year showed: merit link per pool ``(n_pools,)``, tolerance, bonus link."""

    merit_link: np.ndarray
    tolerance: float
    bonus_link: float


def year_lessons(
    candidates: Population,
    allocation: Allocation,
    errors: Errors,
    review: Review,
    bonus: np.ndarray,
    percentile: np.ndarray,
    organisation: Organisation,
) -> Lessons:
    """What the year showed, from the allocation's candidates ``(n_candidates,)`` and the
    assessed cadres (``errors``, ``review``, ``bonus``, ``percentile`` over them)."""
    return Lessons(
        merit_link=observed_merit_link(
            organisation.unit_pool[candidates.unit], candidates.merit,
            allocation.promoted(len(candidates)), len(organisation.pool_names)),
        tolerance=observed_tolerance(errors, review),
        bonus_link=observed_bonus_link(bonus, percentile),
    )


def learn(
    population: Population,
    organisation: Organisation,
    lessons: Lessons,
    scenario: Scenario,
    year: int,
) -> Population:
    """Move every cadre's beliefs towards the year's lessons (this year's recruits excepted).

    Perceived merit link follows the link observed in the cadre's rank pool;
    perceived tolerance follows the excuse rate of honest errors, at rate
    ``lambda (1 + publicity)`` (capped at 1): publicised 容错正名 cases (seed 003)
    spread the news faster; perceived bonus link follows the observed bonus link.
    """
    rate = scenario.behaviour.learning_rate
    learns = population.entry_year < year

    def update(belief: np.ndarray, target: np.ndarray | float, speed: float) -> np.ndarray:
        target = np.broadcast_to(np.asarray(target, float), belief.shape)
        moving = learns & ~np.isnan(target)
        step = np.where(moving, min(speed, 1.0) * (np.nan_to_num(target) - belief), 0.0)
        return np.clip(belief + step, 0.0, 1.0)

    pool = organisation.unit_pool[population.unit]
    publicity = scenario.policy.tolerance.publicity
    return replace(
        population,
        belief_merit=update(population.belief_merit, lessons.merit_link[pool], rate),
        belief_tolerance=update(population.belief_tolerance, lessons.tolerance,
                                rate * (1.0 + publicity)),
        belief_bonus=update(population.belief_bonus, lessons.bonus_link, rate),
    )
