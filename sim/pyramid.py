"""The Peter-principle pyramid as a world of the cadre model (organisation kind ``pyramid``).

Source: A. Pluchino, A. Rapisarda and C. Garofalo, "The Peter principle revisited:
a computational study", Physica A 389 (2010) 467-472 (arXiv:0907.0455).

A pyramid of levels (81, 41, 21, 11, 5, 1 positions, bottom to top, with
responsibilities 0.2, 0.4, 0.6, 0.8, 0.9, 1.0), every position held by one
member with a competence C in [1, 10] and an age. This module only builds that
world; ``CadreModel.step`` runs it with the county's own phases, the scenario
switching off what the paper does not have (``scenarios/peter_principle.toml``):

- *ageing* (``grow_older``); no effort choice, errors or sanctions
  (``behaviour.enabled = false``); performance = competence and merit =
  performance (no noise, ``merit_memory = 0``), so the merit score the promotion
  rules rank by is the competence itself;
- *exits* (``choose_exits``): retirement at ``retirement_age``, dismissal of
  members with competence below ``population.dismissal_competence`` (4), both
  before the year's promotions;
- *promotion* (``sim.phases.allocation.allocate_chain``, ``policy.promotion.vacancy_chain``):
  top-down vacancy chains running down to the bottom in the same year, one
  ``optimize.allocate`` a year for all levels; the rules ``best``, ``worst``,
  ``random`` rank candidates by competence (``promotion_score``), ``alternate``
  draws best or worst per vacancy (Pluchino et al.'s mixed strategy);
- *competence on promotion* (``sim.phases.ability.promoted_ability``, the county's
  ``transfer`` rule): Peter hypothesis ``transfer = 0`` (a fresh draw),
  common sense ``transfer = 1`` with ``transfer_noise = 1`` (C + U[-1, 1]);
- *recruitment* (``recruit``): the bottom level is refilled with new members.

The paper's experiment (its table of gains, replications of ``CadreModel``) is
``experiments.simulation.peter``; the validation is ``benchmarks/validate_peter.py``.

Mapping onto the county's structures: the bottom level is the cadres without a
post (rank 0, recruited there like any county recruit); level k + 1 (k >= 1) is
the posts of level k, held at rank k (``post_min_rank = k - 1``: a chain
promotion is one rank up). One unit, ``ORGAN`` kind, establishment = all positions.

The global efficiency (percent, C_max = ``competence_max`` = 10) is

    E(t) = 100 * sum_l r_l sum_{i in l} C_i(t) / (C_max * sum_l r_l n_l).

Choices where the paper is silent or our engine differs:

- Competence ~ Normal(7, 2) is clamped to [1, 10] (``sim.phases.ability``), not
  redrawn: E(0) = 69.4 expected, the paper's ~69.7 within one organisation's
  sampling sd (1.7 points); a redrawn normal gives 67.3, which that excludes.
- Dismissal screens members before the year's promotions (the order of the
  phases); one public re-implementation screens each level only after it has
  supplied candidates (docs/validation/peter.md).
- Ages are whole years (the county's recruits: round(Normal(25, 5)) within
  [18, 59]) and members retire when age >= 60 after the year's ageing.
- A vacancy the level below cannot fill (no candidate left) stays empty for the
  year; the recruit goes to the bottom instead (the establishment is the total).
"""

from __future__ import annotations

import numpy as np

from scenarios.schema import OrganisationKind, Scenario
from sim.generate import draw_recruits
from sim.state import Organisation, Population, UnitKind


def build_pyramid_organisation(scenario: Scenario) -> Organisation:
    """One unit whose posts are the pyramid's levels above the bottom.

    Returns
    -------
    Organisation
        ``post_level`` k = pyramid level k + 1 (bottom first), ``post_min_rank`` k - 1,
        ``post_weight`` its responsibility r; establishment = all positions.
    """
    org = scenario.organisation
    if org.kind is not OrganisationKind.PYRAMID:
        raise ValueError(f"organisation.kind is {org.kind.value!r}, expected 'pyramid'")
    sizes = np.asarray(org.pyramid_levels, np.int64)
    responsibility = np.asarray(org.pyramid_responsibility, float)
    post_level = np.repeat(np.arange(1, len(sizes)), sizes[1:]).astype(np.int64)
    at_or_above = np.cumsum(sizes[::-1])[::-1] / max(int(sizes.sum()), 1)
    return Organisation(
        unit_kind=np.array([UnitKind.ORGAN], np.int64),
        unit_difficulty=np.ones(1),
        unit_hardship=np.ones(1),
        unit_establishment=np.array([sizes.sum()], np.int64),
        unit_pool=np.zeros(1, np.int64),
        unit_names=("pyramid",),
        post_unit=np.zeros(len(post_level), np.int64),
        post_level=post_level,
        post_min_rank=post_level - 1,
        post_weight=responsibility[post_level],
        pool_names=("pyramid",),
        rank_quota=at_or_above.astype(float),
    )


def build_pyramid_population(
    organisation: Organisation, scenario: Scenario, rng: np.random.Generator
) -> Population:
    """Every position filled with a newcomer (``draw_recruits``), bottom level first.

    Competence and age are the recruits' draws; the holders of posts are the
    rows after the bottom's, in post order, at rank = their post level. Merit and
    last score start at the competence.
    """
    n = int(organisation.unit_establishment.sum())
    population = draw_recruits(np.zeros(n, np.int64), organisation, scenario, 0, 0, 0.0, rng)
    n_posts = organisation.n_posts
    post = np.full(n, -1, np.int64)
    post[n - n_posts:] = np.arange(n_posts)
    population.post = post
    population.rank = np.where(post >= 0, organisation.post_level[np.maximum(post, 0)], 0)
    population.merit = population.ability.copy()
    population.last_score = population.ability.copy()
    return population


def pyramid_efficiency(
    population: Population, organisation: Organisation, scenario: Scenario
) -> float:
    """Global efficiency E in percent (Pluchino et al. 2010, eq. 1).

    ``E = 100 * sum_i r_i C_i / (C_max * sum_l r_l n_l)`` with r_i the
    responsibility of the member's level (the bottom's for cadres without a post)
    and C_max = ``population.competence_max``; empty positions count 0. An
    organisation of competence 7 everywhere has E = 70.
    """
    org = scenario.organisation
    bottom = org.pyramid_responsibility[0]
    weight = np.where(population.post >= 0,
                      organisation.post_weight[np.maximum(population.post, 0)], bottom)
    total = scenario.population.competence_max * float(
        np.dot(org.pyramid_responsibility, org.pyramid_levels))
    return float(100.0 * (weight * population.ability).sum() / total)
