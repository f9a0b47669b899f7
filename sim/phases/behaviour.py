"""What cadres do in a year: choose effort (担当), work, and make errors.

Phases 1-3 of docs/model.md section 3. Each function reads the population and
returns new arrays; none changes its input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from scenarios.schema import Behaviour, Scenario
from sim.state import Organisation, Population


def promotion_horizon(population: Population, scenario: Scenario) -> np.ndarray:
    """Share of the promotion value a cadre still perceives, ``(n,) float`` in [0, 1].

    ``h = clip((retirement_age - age) / promotion_horizon_years, 0, 1)``: a post is
    worth less to someone about to retire. When rank-only promotions exist
    (职务职级并行, ``policy.promotion.rank_only``) ``h = 1``: seed 000 reports a cadre
    promoted to 享受副处级待遇 three months before retirement, so the prospect stays
    alive to the end.
    """
    if scenario.policy.promotion.rank_only:
        return np.ones(len(population))
    remaining = scenario.population.retirement_age - population.age
    return np.clip(remaining / scenario.behaviour.promotion_horizon_years, 0.0, 1.0)


def ideal_effort(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    flagged_units: np.ndarray,
    *,
    difficulty: np.ndarray | None = None,
) -> np.ndarray:
    r"""Unconstrained maximiser of each cadre's expected utility, ``(n,) float`` (any sign).

    Utility is linear in effort apart from a quadratic cost (docs/model.md, submodel
    "effort"), ``U(e) = a e - c e^2 / 2``, so the maximiser is ``a / c`` with

    .. math::

        a = m + V_p\,h\,b_m + V_b\,b_b + \pi\,F_u - \rho\,S\,\varepsilon_1\,d_u\,(1 - b_t)

    m public-service motivation, V_p ``promotion_value``, h the promotion
    horizon (``promotion_horizon``), b_m the perceived merit link, V_b the bonus
    value ``amount * utility_per_amount`` (0 without a bonus scheme), b_b the
    perceived bonus link, pi the unit pressure and F_u = 1 in a unit flagged last
    year (yellow card / 蜗牛席, seeds 001 and 004), rho risk aversion, S
    ``sanction_cost``, epsilon_1 ``error_slope``, d_u the unit's difficulty, b_t the
    perceived tolerance and c ``effort_cost``. The last term is the reverse
    punishment of 干事多出错多、不干事不出事 (seeds 000 and 002): each unit of effort
    adds epsilon_1 d_u errors, and each is punished unless excused.
    """
    behaviour, policy = scenario.behaviour, scenario.policy
    if difficulty is None:
        difficulty = organisation.unit_difficulty[population.unit]
    # Terms that are zero for everyone (no bonus scheme, no flagged unit) are skipped, and
    # h = 1 under rank-only promotions: the same sums, fewer passes over the arrays.
    if policy.promotion.rank_only:
        merit_value = behaviour.promotion_value * population.belief_merit
    else:
        merit_value = behaviour.promotion_value * promotion_horizon(population, scenario)
        merit_value *= population.belief_merit
    marginal_value = population.motivation + merit_value
    if policy.bonus.top_share > 0:
        bonus_value = policy.bonus.amount * policy.bonus.utility_per_amount
        marginal_value += bonus_value * population.belief_bonus
    if flagged_units.any():
        marginal_value += np.where(flagged_units, policy.unit_pressure.pressure,
                                   0.0)[population.unit]
    marginal_risk = population.risk_aversion * behaviour.sanction_cost
    marginal_risk *= behaviour.error_slope
    marginal_risk *= difficulty
    marginal_risk *= 1.0 - population.belief_tolerance
    marginal_value -= marginal_risk
    if behaviour.effort_cost != 1.0:
        marginal_value /= behaviour.effort_cost
    return marginal_value


def _mills(x: np.ndarray) -> np.ndarray:
    """Mills ratio ``Q(x) / phi(x)`` of the standard normal, stable for large ``x``."""
    return np.sqrt(np.pi / 2.0) * special.erfcx(x / np.sqrt(2.0))


def truncated_normal_mean(mu: np.ndarray, sigma: float) -> np.ndarray:
    """``(n,) float`` strictly inside (0, 1): mean of N(mu, sigma^2) truncated to [0, 1].

    Computed without cancellation far in either tail: for ``alpha = -mu / sigma >= 0``
    the standard mean is ``(1 - r) / (M(alpha) - r M(beta))`` with M the Mills ratio and
    ``r = exp(-(beta^2 - alpha^2) / 2)``; the case ``beta <= 0`` is its mirror image.
    """
    mu = np.asarray(mu, float)
    alpha = -mu / sigma
    beta = (1.0 - mu) / sigma
    z = np.empty_like(mu)
    right = alpha >= 0  # the interval lies in the right tail of N(mu, sigma)
    left = beta <= 0  # ... in its left tail (mirror image)
    inside = ~right & ~left

    def tail(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        r = np.exp(-0.5 * (b - a) * (b + a))
        return (1.0 - r) / (_mills(a) - r * _mills(b))

    z[right] = tail(alpha[right], beta[right])
    z[left] = -tail(-beta[left], -alpha[left])
    a, b = alpha[inside], beta[inside]
    z[inside] = (np.exp(-0.5 * a * a) - np.exp(-0.5 * b * b)) / np.sqrt(2.0 * np.pi) / (
        special.ndtr(b) - special.ndtr(a))
    return np.clip(mu + sigma * z, 0.0, 1.0)


def optimal_effort(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    flagged_units: np.ndarray,
    *,
    difficulty: np.ndarray | None = None,
) -> np.ndarray:
    r"""Each cadre's effort target: the mean of a logit (quantal) response, ``(n,) float``.

    A cadre does not hit the exact maximiser of ``U(e) = a e - c e^2 / 2``
    (``ideal_effort``): effort is chosen with density proportional to
    ``exp(U(e) / tau)`` on [0, 1] (the continuous logit choice of McKelvey and
    Palfrey 1995, Anderson, Goeree and Holt 2002), with ``tau`` the choice noise
    ``behaviour.choice_noise``. That density is N(a/c, tau/c) truncated to [0, 1]; its
    mean is the target:

    .. math::

        e^* = E[e],\quad e \sim N(a/c,\ \tau/c)\ \text{truncated to}\ [0, 1]

    a smooth, strictly increasing function of ``a`` that tends to the clipped
    optimum ``clip(a / c, 0, 1)`` as tau -> 0 and never reaches 0 or 1, so stronger
    incentives keep raising effort instead of piling it up at a bound.

    Parameters
    ----------
    population : Population
    organisation : Organisation
    scenario : Scenario
    flagged_units : (n_units,) bool
        Units under public pressure this year.
    difficulty : (n_cadres,) float, optional
        ``organisation.unit_difficulty[population.unit]`` if already at hand.

    Returns
    -------
    (n_cadres,) float in (0, 1)
    """
    behaviour = scenario.behaviour
    if not behaviour.enabled:
        return np.full(len(population), behaviour.fixed_effort)
    ideal = ideal_effort(population, organisation, scenario, flagged_units,
                         difficulty=difficulty)
    if behaviour.choice_noise == 0:
        return np.clip(ideal, 0.0, 1.0, out=ideal)
    return truncated_normal_mean(ideal, np.sqrt(behaviour.choice_noise / behaviour.effort_cost))


def choose_effort(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    flagged_units: np.ndarray,
    rng: np.random.Generator,
    *,
    difficulty: np.ndarray | None = None,
) -> np.ndarray:
    """Phase 1: this year's effort, ``(n,) float`` in [0, 1].

    A share ``inertia`` of cadres, drawn afresh each year, keeps last year's
    effort (habit; docs/model.md section 3, step 1); the others move to
    ``optimal_effort``. ``difficulty`` as in ``optimal_effort``.
    """
    target = optimal_effort(population, organisation, scenario, flagged_units,
                            difficulty=difficulty)
    if not scenario.behaviour.enabled:
        return target
    keeps = rng.random(len(population)) < scenario.behaviour.inertia
    return np.where(keeps, population.effort, target)


def perform(
    population: Population,
    organisation: Organisation,
    behaviour: Behaviour,
    rng: np.random.Generator,
    *,
    difficulty: np.ndarray | None = None,
) -> np.ndarray:
    """Phase 2: true performance, ``(n,) float`` (standardised scale).

    ``y = ability + effort * effort_return * d_u + N(0, performance_noise)``: effort
    pays more where the work is harder (difficulty d_u >= 1, highest in key
    projects), docs/model.md section 3, step 2. ``difficulty`` as in ``optimal_effort``.
    """
    if difficulty is None:
        difficulty = organisation.unit_difficulty[population.unit]
    if behaviour.effort_return == 1.0:
        performance = population.effort * difficulty
    else:
        performance = population.effort * behaviour.effort_return
        performance *= difficulty
    performance += population.ability
    # N(0, s) drawn as s * N(0, 1): the same numbers as rng.normal(0, s), faster.
    noise = rng.standard_normal(len(population))
    noise *= behaviour.performance_noise
    performance += noise
    return performance


@dataclass(frozen=True)
class Errors:
    """This year's errors, at most one per cadre (all ``(n_cadres,) bool``).

    ``honest`` and ``detected`` are only meaningful where ``occurred``.
    """

    occurred: np.ndarray
    honest: np.ndarray
    detected: np.ndarray

    @property
    def detected_honest(self) -> np.ndarray:
        return self.occurred & self.detected & self.honest

    @property
    def detected_self_serving(self) -> np.ndarray:
        return self.occurred & self.detected & ~self.honest


def error_probability(
    population: Population,
    organisation: Organisation,
    behaviour: Behaviour,
    *,
    difficulty: np.ndarray | None = None,
) -> np.ndarray:
    """``(n,) float``: P(an error this year) = clip(epsilon_0 + epsilon_1 * effort * d_u, 0, 1).

    洗碗越多摔碗越多 ("the more dishes washed, the more broken", seeds 000 and 002).
    ``difficulty`` as in ``optimal_effort``.
    """
    if not behaviour.enabled:
        return np.zeros(len(population))
    if difficulty is None:
        difficulty = organisation.unit_difficulty[population.unit]
    probability = behaviour.error_slope * population.effort
    probability *= difficulty
    probability += behaviour.error_base
    return np.clip(probability, 0.0, 1.0, out=probability)


def draw_errors(
    population: Population,
    organisation: Organisation,
    behaviour: Behaviour,
    rng: np.random.Generator,
    *,
    difficulty: np.ndarray | None = None,
) -> Errors:
    """Phase 3: who erred, whether the error was honest, whether it was found.

    An error occurs with ``error_probability``; it is honest (a mistake made
    while serving the public, 为公) with probability ``integrity``, else
    self-serving (为私). Honest errors are detected with probability
    ``honest_detection`` (they happen in the open), self-serving ones with
    ``detection`` (docs/model.md section 3, step 3). Honesty and detection are drawn
    for the cadres who erred only (a few percent). ``difficulty`` as in
    ``optimal_effort``.
    """
    n = len(population)
    probability = error_probability(population, organisation, behaviour, difficulty=difficulty)
    occurred = rng.random(n) < probability
    erred = np.flatnonzero(occurred)
    draws = rng.random((2, len(erred)))
    erred_honest = draws[0] < population.integrity[erred]
    erred_detected = draws[1] < np.where(erred_honest, behaviour.honest_detection,
                                         behaviour.detection)
    honest = np.zeros(n, bool)
    honest[erred] = erred_honest
    detected = np.zeros(n, bool)
    detected[erred] = erred_detected
    return Errors(occurred=occurred, honest=honest, detected=detected)
