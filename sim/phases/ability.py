"""Ability: how it is drawn for newcomers and how it carries over to a new post.

One law serves both kinds of organisation. In a county, ability is on the
standardised scale, ``Normal(0, ability_sd)`` without bounds. In a
Peter-principle pyramid it is competence, ``Normal(competence_mean,
competence_sd)`` clamped to ``[competence_min, competence_max]`` (Pluchino,
Rapisarda and Garofalo, Physica A 389 (2010) 467-472: Normal(7, 2) on [1, 10];
values outside the range sit on its bounds). The same ``transfer`` rule
(``promoted_ability``) redraws ability on a post promotion in both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.schema import OrganisationKind, Scenario


@dataclass(frozen=True)
class AbilityLaw:
    """``Normal(mean, sd)`` clamped to ``[low, high]`` (infinite bounds: not clamped)."""

    mean: float
    sd: float
    low: float
    high: float


def ability_law(scenario: Scenario) -> AbilityLaw:
    """The scenario's law of a newcomer's ability (see the module docstring)."""
    p = scenario.population
    if scenario.organisation.kind is OrganisationKind.PYRAMID:
        return AbilityLaw(p.competence_mean, p.competence_sd, p.competence_min, p.competence_max)
    return AbilityLaw(0.0, p.ability_sd, -np.inf, np.inf)


def draw_ability(n: int, scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """``(n,) float``: abilities of ``n`` newcomers, ``clip(N(mean, sd), low, high)``.

    Consumes ``rng.normal(mean, sd, n)`` (the same numbers as before the law had bounds).
    """
    law = ability_law(scenario)
    return np.clip(rng.normal(law.mean, law.sd, n), law.low, law.high)


def promoted_ability(
    old: np.ndarray, scenario: Scenario, rng: np.random.Generator
) -> np.ndarray:
    r"""Ability at a new post of cadres whose ability was ``old``, ``(n,) float``.

    .. math::

        a' = \mathrm{clip}\big(m + t\,(a + U - m) + \sqrt{1 - t^2}\,\sigma Z,\ \mathrm{low},
        \mathrm{high}\big)

    with t = ``behaviour.transfer``, U ~ Uniform[-n, n] (n = ``transfer_noise``),
    Z ~ N(0, 1), and m, sigma, low, high the ``ability_law``. t = 1, n = 1 is the
    common-sense hypothesis of Pluchino, Rapisarda and Garofalo (2010) (competence
    carries over, +- up to 1 point); t = 0 is the Peter hypothesis (a fresh draw
    from the newcomers' law, unrelated to the old competence). In a county (m = 0,
    no bounds, n = 0) this is ``t a + sqrt(1 - t^2) sigma Z``: the correlation of
    old and new ability is t.

    Consumes ``rng.normal(0, 1, n)`` always, then ``rng.random(n)`` if n > 0.
    """
    law = ability_law(scenario)
    t = scenario.behaviour.transfer
    noise = scenario.behaviour.transfer_noise
    z = rng.normal(0.0, 1.0, len(old))
    carried = old
    if noise > 0:
        carried = old + noise * (2.0 * rng.random(len(old)) - 1.0)
    new = law.mean + t * (carried - law.mean) + np.sqrt(1.0 - t**2) * (law.sd * z)
    return np.clip(new, law.low, law.high)
