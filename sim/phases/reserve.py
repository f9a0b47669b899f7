"""The reserve pool (后备干部库) as a stage that leadership posts are filled from.

Seed 003 (Zhangdian): "在组织部门开展的专项考察中,80余名干部进入考察视野;通过直接到项目
实地查看,39名干部被列入区管正职或副职后备干部。" Seed 002 (Yangzhou): "分层次建立干部培养
储备库 ... 着力破解干部急拿急用问题". The phase runs after the assessment (phase 5);
the allocation (phase 8) then takes leadership posts only from the list when
``Reserve.posts_from_reserve`` is set (``sim.phases.allocation``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scenarios.schema import Reserve, Scenario
from sim.arrays import stochastic_round
from sim.state import Organisation, Population


@dataclass(frozen=True)
class ReserveUpdate:
    """This year's reserve listing (arrays ``(n_cadres,)`` over the assessed cadres).

    Attributes
    ----------
    population : Population
        With the ``reserve`` column updated.
    considered : bool
        Entered the inspectors' view this year (进入考察视野).
    listed : bool
        Listed this year (列入后备).
    lapsed : bool
        Left the list this year without a promotion (term over, or disciplined).
    """

    population: Population
    considered: np.ndarray
    listed: np.ndarray
    lapsed: np.ndarray


def held_level(population: Population, organisation: Organisation) -> np.ndarray:
    """``(n,) int``: level of the post each cadre holds, 0 without one."""
    return np.where(population.post >= 0,
                    organisation.post_level[np.maximum(population.post, 0)], 0)


def update_reserve(
    population: Population,
    performance: np.ndarray,
    score: np.ndarray,
    punished: np.ndarray,
    organisation: Organisation,
    reserve: Reserve,
    rng: np.random.Generator,
) -> ReserveUpdate:
    r"""Lapse, consider and list: one year of the reserve pool.

    1. A member leaves the list with probability ``1 / term_years`` (动态调整: a
       geometric stay with mean ``term_years``; an assumption) or when punished for
       an error this year.
    2. Eligible are the cadres outside the list whose rank is high enough for some
       post and who do not already hold a post of the top level. The top
       ``k = stochastic_round(consider_share * n_eligible)`` of them by this year's
       assessment score enter the inspectors' view; ``s*`` is the k-th score.
    3. The on-site inspection observes performance again,
       ``s' = performance + N(0, inspection_noise)``, and lists those with
       ``s' >= s*``. The listed share of the considered is not an input: it is the
       chance that a second look confirms a top score (seed 003: 39 of 80+).

    Parameters
    ----------
    population : Population
    performance : (n,) float
        This year's true performance.
    score : (n,) float
        This year's observed assessment score.
    punished : (n,) bool
        Punished for an error this year.
    organisation : Organisation
    reserve : Reserve
    rng : numpy.random.Generator
    """
    n = len(population)
    none = np.zeros(n, bool)
    if reserve.consider_share <= 0 or n == 0:
        return ReserveUpdate(replace(population, reserve=none.copy()), none, none, none)
    member = population.reserve
    lapsed = member & ((rng.random(n) < 1.0 / reserve.term_years) | punished)
    member = member & ~lapsed
    level = held_level(population, organisation)
    eligible = (~member & (population.rank >= organisation.post_min_rank.min())
                & (level < organisation.post_level.max()))
    rows = np.flatnonzero(eligible)
    k = int(stochastic_round(np.array([reserve.consider_share * len(rows)]), rng)[0])
    considered = np.zeros(n, bool)
    listed = np.zeros(n, bool)
    if k > 0:
        order = rows[np.argsort(-score[rows], kind="stable")]
        chosen = order[:k]
        threshold = score[chosen[-1]]
        considered[chosen] = True
        inspection = performance[chosen] + reserve.inspection_noise * rng.standard_normal(k)
        listed[chosen[inspection >= threshold]] = True
    return ReserveUpdate(replace(population, reserve=member | listed), considered, listed, lapsed)


def leave_on_promotion(population: Population, post_rows: np.ndarray) -> Population:
    """The population with the cadres in ``post_rows`` (just given a leadership post) off
    the reserve list: the list has served its purpose for them."""
    if not population.reserve[post_rows].any():
        return population
    member = population.reserve.copy()
    member[post_rows] = False
    return replace(population, reserve=member)


TOP_UP = 2
"""Cadres outside the reserve admitted per post the list cannot fill (``barred_from_posts``)."""


def barred_from_posts(
    population: Population, organisation: Organisation, scenario: Scenario, year: int,
    vacant: np.ndarray,
) -> np.ndarray | None:
    """``(n,) bool``: cadres who may not take a leadership post this year, or None when
    every cadre may (``posts_from_reserve`` off).

    Posts are filled from the list first (优先从后备干部中选拔): cadres outside it are
    barred, except where the list is short. In each unit, from the highest post level
    down, the list's members who meet a vacant post's rank, held-level,
    years-in-grade, age and discipline rules are counted (each once); when there are
    fewer than the unit's vacant posts of that level, ``TOP_UP`` times the shortfall
    of the best other such cadres of the unit by merit score are admitted (some of
    them take a rank slot or another post instead). The list decides who comes first
    but does not leave posts empty (seed 002: 储备库 "着力破解干部急拿急用问题").
    Counting by unit is conservative where posts are open to other units.

    Parameters
    ----------
    vacant : (n_posts,) bool
        Posts without a holder.
    """
    if not scenario.policy.reserve.posts_from_reserve:
        return None
    promotion = scenario.policy.promotion
    member = population.reserve
    barred = ~member
    claimed = np.zeros(len(population), bool)
    level = held_level(population, organisation)
    open_to_posts = (population.block_until <= year) & (population.age <= promotion.max_age)
    posts = np.flatnonzero(vacant)
    keys = np.stack([-organisation.post_level[posts], organisation.post_unit[posts],
                     organisation.post_min_rank[posts]], axis=1)
    groups, wanted = np.unique(keys, axis=0, return_counts=True)
    for (minus_level, unit, min_rank), count in zip(groups, wanted, strict=True):
        able = (open_to_posts & ~claimed & (population.unit == unit)
                & (population.rank >= min_rank) & (level < -minus_level)
                & (population.years_in_grade
                   >= promotion.min_years_post.get(int(-minus_level), 0.0)))
        listed = np.flatnonzero(able & member)[:count]
        claimed[listed] = True
        if count > len(listed):
            outside = np.flatnonzero(able & ~member)
            best = outside[np.argsort(-population.merit[outside], kind="stable")[
                :TOP_UP * (count - len(listed))]]
            barred[best] = False
            claimed[best] = True
    return barred
