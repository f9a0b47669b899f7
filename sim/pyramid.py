"""The Peter-principle pyramid: an external validation case for the promotion phase.

Source: A. Pluchino, A. Rapisarda and C. Garofalo, "The Peter principle revisited:
a computational study", Physica A 389 (2010) 467-472 (arXiv:0907.0455).

A pyramid of levels (by default 81, 41, 21, 11, 5, 1 positions, bottom to top, with
responsibilities 0.2, 0.4, 0.6, 0.8, 0.9, 1.0); every position is held by one
agent with a competence ``C`` in [1, 10] and an age. One step is one year:

1. *Ageing.* Every agent ages one year (and one year in its level).
2. *Exits.* Agents older than ``retirement_age`` retire; the others with
   ``C < DISMISSAL_COMPETENCE`` (4 in the paper) are dismissed.
3. *Promotion,* top-down. The ``k`` vacancies of level ``L`` are filled from level
   ``L - 1`` by the scenario's rule (best, worst, random, or best with probability
   ``p`` else worst); a promoted agent's old position is a vacancy of ``L - 1``,
   filled in turn from ``L - 2``. Nobody is promoted twice in a year.
4. *Competence on promotion.* Peter hypothesis (``behaviour.transfer = 0``): a fresh
   draw, independent of the old competence. Common-sense hypothesis
   (``transfer = 1``): ``C' = clip(C + U[-n, n], 1, 10)`` with ``n =
   behaviour.transfer_noise`` (1 in the paper).
5. *Recruitment.* The bottom level's vacancies are filled with new agents (fresh
   competence and age draws).

The global efficiency is, in percent (C_max = ``competence_max`` = 10),

    E(t) = 100 * sum_l r_l sum_{i in l} C_i(t) / (C_max * sum_l r_l n_l)

Choices where the paper is silent or ambiguous:

- Competence ~ Normal(7, 2) and age ~ Normal(25, 5) are *clamped* to their ranges
  ([1, 10], [18, 60]), not redrawn. Clamping gives an expected initial
  efficiency of 69.42 %, within sampling error of the 69.68 % quoted from the paper
  (one organisation's E(0) has a standard deviation of 1.7 points); a redrawn
  (conditional) normal gives 67.32 %, which that value excludes.
- The common-sense variation is clamped at the bounds as well.
- An agent both too old and incompetent counts as retired.
- Dismissal and retirement happen before promotion, so a promoted agent whose new
  competence is below 4 holds the post (and counts in E) for one year.
- If the level below has fewer agents than the level above has vacancies, the
  remaining vacancies stay empty for the year and count 0 in E (never seen in
  50 x 1000 years under the paper's rules; occasional under ``SENIORITY``).
- Each position draws a fixed block of ``DRAW_COUNT`` uniforms a year (competence
  of a new holder, age of a recruit, common-sense variation, random-promotion key
  of its holder, best/worst coin of its vacancy), so a year consumes the same
  random stream whatever happens, and the batch runner reproduces the one-run path.
- Intermediate transfer values (0 < t < 1) mix the two hypotheses by correlation:
  ``C' = clip(m + t (C + U[-n, n] - m) + sqrt(1 - t^2) (Z - m))`` with ``Z`` a fresh
  draw and ``m`` the competence mean; t = 0 and t = 1 are exactly the paper's two.
- Rules the paper does not have: ``MERIT`` = ``BEST`` (competence is observed
  without error); ``SENIORITY`` = the largest years in the level +
  ``seniority_age_weight`` x age (the county model's 论资排辈 index); ``BLEND`` mixes
  standardised competence and years in the level.

Validation (``benchmarks/validate_peter.py``, ``tests/regression/test_peter_principle.py``):
signs and rankings of the six published gains are reproduced; five of the six are
within 2 points, the common-sense "worst" gain is -1.8 against the published -5,
and the best-worst curves cross at p ~ 0.42 against 0.47. A dismissal level of 3
instead of 4 brings all six within 1 point and the crossing to ~0.47.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum

import numpy as np
from scipy.special import ndtri

from scenarios.schema import OrganisationKind, PromotionRule, Scenario
from sim.state import MoveReason, Organisation, Population, UnitKind

DISMISSAL_COMPETENCE = 4.0  # Pluchino et al. (2010); the default of population.dismissal_competence
RECRUIT = -1  # ``source`` of a position filled by a recruit
VACANT = -2  # ``source`` of a position left empty


class Draw(IntEnum):
    """Rows of the yearly block of uniforms, ``(DRAW_COUNT, n_posts)``, one column per position."""

    COMPETENCE = 0  # competence of the position's new holder (recruit, or Peter promotion)
    AGE = 1  # age of a recruit
    NOISE = 2  # common-sense variation of a promotion into the position
    KEY = 3  # random-promotion key of the position's holder
    COIN = 4  # best (< alternate_p) or worst for a promotion into the position


DRAW_COUNT = len(Draw)


@dataclass(frozen=True)
class PyramidEvents:
    """What happened in one year (ids are ``Population.id``; arrays ``(n_events,)`` int).

    Attributes
    ----------
    promoted : ids promoted one level, in the order of the positions they took
    promoted_level : level each one entered (1 = bottom)
    dismissed : ids dismissed for competence below ``DISMISSAL_COMPETENCE``
    retired : ids retired (older than ``retirement_age``)
    recruited : ids of the new agents at the bottom level
    vacant_count : positions left empty at the end of the year (normally 0)
    """

    promoted: np.ndarray
    promoted_level: np.ndarray
    dismissed: np.ndarray
    retired: np.ndarray
    recruited: np.ndarray
    vacant_count: int = 0

    @property
    def recruited_count(self) -> int:
        return len(self.recruited)

    def moves(self) -> tuple[np.ndarray, np.ndarray]:
        """All moves as ``(ids, reasons)``, both ``(n_moves,)`` int; reasons are ``MoveReason``."""
        groups = [
            (self.promoted, MoveReason.POST_PROMOTION),
            (self.dismissed, MoveReason.DISMISSAL),
            (self.retired, MoveReason.RETIREMENT),
            (self.recruited, MoveReason.RECRUITMENT),
        ]
        ids = np.concatenate([g for g, _ in groups]).astype(np.int64)
        reasons = np.concatenate([np.full(len(g), int(r), np.int64) for g, r in groups])
        return ids, reasons


@dataclass(frozen=True)
class PyramidParams:
    """The scenario's pyramid numbers, unpacked once (levels bottom to top)."""

    level_start: np.ndarray  # (n_levels,) first position of each level
    level_stop: np.ndarray  # (n_levels,) one past its last position
    responsibility: np.ndarray  # (n_posts,) r of each position's level
    competence: tuple[float, float, float, float]  # mean, sd, min, max
    age: tuple[float, float, float, float]  # mean, sd, min, max
    retirement_age: float
    dismissal_competence: float
    rule: PromotionRule
    alternate_p: float
    blend_weight: float
    seniority_age_weight: float
    transfer: float
    transfer_noise: float

    @property
    def n_posts(self) -> int:
        return int(self.level_stop[-1]) if len(self.level_stop) else 0

    @property
    def n_levels(self) -> int:
        return len(self.level_start)


def pyramid_params(
    scenario: Scenario, *, dismissal_competence: float | None = None
) -> PyramidParams:
    """Unpack ``scenario`` (a ``PYRAMID`` organisation) for the yearly kernel.

    ``dismissal_competence`` overrides ``scenario.population.dismissal_competence``
    (the paper's 4 by default) for sensitivity runs.
    """
    org, pop = scenario.organisation, scenario.population
    if org.kind is not OrganisationKind.PYRAMID:
        raise ValueError(f"organisation.kind is {org.kind.value!r}, expected 'pyramid'")
    sizes = np.asarray(org.pyramid_levels, np.int64)
    stop = np.cumsum(sizes)
    return PyramidParams(
        level_start=stop - sizes,
        level_stop=stop,
        responsibility=np.repeat(np.asarray(org.pyramid_responsibility, float), sizes),
        competence=(pop.competence_mean, pop.competence_sd, pop.competence_min,
                    pop.competence_max),
        age=(pop.recruit_age_mean, pop.recruit_age_sd, float(pop.age_min), float(pop.age_max)),
        retirement_age=float(pop.retirement_age),
        dismissal_competence=float(pop.dismissal_competence if dismissal_competence is None
                                   else dismissal_competence),
        rule=scenario.policy.promotion.rule,
        alternate_p=scenario.policy.promotion.alternate_p,
        blend_weight=scenario.policy.promotion.blend_weight,
        seniority_age_weight=scenario.policy.promotion.seniority_age_weight,
        transfer=scenario.behaviour.transfer,
        transfer_noise=scenario.behaviour.transfer_noise,
    )


@dataclass(frozen=True)
class PyramidGrid:
    """State of ``n_runs`` pyramids, one column per position (all ``(n_runs, n_posts)``).

    ``competence`` and ``age`` are meaningful where ``occupied``; ``years`` is the
    number of years in the current level.
    """

    competence: np.ndarray
    age: np.ndarray
    years: np.ndarray
    occupied: np.ndarray


# --------------------------------------------------------------------------- draws


def clamped_normal(u: np.ndarray, mean: float, sd: float, low: float, high: float) -> np.ndarray:
    """Normal(mean, sd) by inversion of uniforms ``u``, clamped to [low, high].

    ``x = clip(mean + sd * Phi^{-1}(u), low, high)``: the values outside the range
    sit on its bounds, as in Pluchino et al. (2010) (see the module docstring).
    """
    if sd <= 0:
        return np.full(np.shape(u), float(np.clip(mean, low, high)))
    return np.clip(mean + sd * ndtri(u), low, high)


def draw_competence(u: np.ndarray, params: PyramidParams) -> np.ndarray:
    """Competence of a recruit or of a Peter promotion, same shape as ``u``."""
    return clamped_normal(u, *params.competence)


def draw_age(u: np.ndarray, params: PyramidParams) -> np.ndarray:
    """Age of a recruit (and of the initial agents), same shape as ``u``."""
    return clamped_normal(u, *params.age)


def promoted_competence(
    old: np.ndarray, u_fresh: np.ndarray, u_noise: np.ndarray, params: PyramidParams
) -> np.ndarray:
    """Competence at the new level of agents with competence ``old`` (all ``(n,)``).

    Peter hypothesis (transfer t = 0): ``C' = Z``, a fresh draw (``draw_competence``).
    Common sense (t = 1): ``C' = clip(C + U[-n, n], C_min, C_max)``, n = ``transfer_noise``
    (Pluchino et al. 2010 use n = 1). In between,
    ``C' = clip(m + t (C + U[-n, n] - m) + sqrt(1 - t^2) (Z - m))``, m = competence mean.
    """
    mean, _, low, high = params.competence
    t = params.transfer
    if t == 0:
        return draw_competence(u_fresh, params)
    carried = old + params.transfer_noise * (2.0 * u_noise - 1.0)
    if t == 1:
        return np.clip(carried, low, high)
    fresh = draw_competence(u_fresh, params)
    return np.clip(mean + t * (carried - mean) + np.sqrt(1 - t * t) * (fresh - mean), low, high)


# --------------------------------------------------------------------------- promotion


def top_k(key: np.ndarray, candidate: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``(n_runs, n) bool``: in each row the ``count`` candidates with the largest ``key``.

    Ties go to the lower position (stable sort). ``count`` must not exceed the
    number of candidates in the row.
    """
    rank = _rank_desc(key, candidate)
    return candidate & (rank < count[:, None])


def _rank_desc(key: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Rank of each entry by ``key`` descending within its row, candidates first (0 = largest)."""
    masked = np.where(candidate, -key, np.inf)
    order = np.argsort(masked, axis=1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(key.shape[0])[:, None], order] = np.arange(key.shape[1])
    return rank


def select_promoted(
    rule: PromotionRule,
    competence: np.ndarray,
    candidate: np.ndarray,
    count: np.ndarray,
    *,
    years: np.ndarray | None = None,
    age: np.ndarray | None = None,
    random_key: np.ndarray | None = None,
    best_count: np.ndarray | None = None,
    blend_weight: float = 0.5,
    seniority_age_weight: float = 0.2,
) -> np.ndarray:
    """Who of one level is promoted to fill ``count`` vacancies of the level above.

    Parameters
    ----------
    rule : PromotionRule
        ``BEST`` (and ``MERIT``: competence is observed without error in the
        pyramid): the ``count`` most competent; ``WORST``: the least competent;
        ``RANDOM``: the largest ``random_key`` (uniform, i.e. a uniformly random
        subset); ``ALTERNATE``: ``best_count`` best and ``count - best_count`` worst
        (Pluchino et al. 2010's best-worst strategy, one coin per promotion);
        ``SENIORITY`` (论资排辈): the largest ``years + seniority_age_weight * age``;
        ``BLEND``: ``w z(C) + (1 - w) z(years)``, standardised among the candidates.
    competence, candidate : (n_runs, n) float, bool
        Competence of the level's positions and which of them hold a candidate.
    count : (n_runs,) int
        Promotions to make, at most the number of candidates.
    years, age, random_key : (n_runs, n) float, optional
        Needed by ``SENIORITY`` / ``BLEND`` (years, age) and ``RANDOM`` (keys).
    best_count : (n_runs,) int, optional
        ``ALTERNATE``: how many of the ``count`` promotions take the best.
    blend_weight : float in [0, 1]
        ``BLEND``: weight of competence.
    seniority_age_weight : float >= 0
        ``SENIORITY``: years of age worth one year in the level.

    Returns
    -------
    (n_runs, n) bool
        Exactly ``count`` promoted per row.

    Notes
    -----
    With uniform post values, filling the ``k`` vacancies of one level is the
    allocation integer program of ``optimize`` restricted to one level:
    ``max sum_ij s_i x_ij`` s.t. each post at most one holder, each candidate at most
    one post, ``x`` binary. Its optimum takes the ``k`` largest scores ``s_i``, so
    ``BEST`` (``s = C``) and ``WORST`` (``s = C_max + 1 - C``) are exactly that
    optimum, found here by a partial sort instead of a solver
    (``tests/unit/test_pyramid.py`` checks the equality with ``optimize.allocate``).
    """
    if rule in (PromotionRule.BEST, PromotionRule.MERIT):
        return top_k(competence, candidate, count)
    if rule is PromotionRule.WORST:
        return top_k(-competence, candidate, count)
    if rule is PromotionRule.RANDOM:
        return top_k(_required(random_key, "random_key"), candidate, count)
    if rule is PromotionRule.ALTERNATE:
        best = _required(best_count, "best_count")
        rank = _rank_desc(competence, candidate)
        from_bottom = candidate.sum(axis=1, keepdims=True) - 1 - rank
        return candidate & ((rank < best[:, None]) | (from_bottom < (count - best)[:, None]))
    if rule is PromotionRule.SENIORITY:
        key = _required(years, "years") + seniority_age_weight * _required(age, "age")
        return top_k(key, candidate, count)
    if rule is PromotionRule.BLEND:
        key = (blend_weight * _standardised(competence, candidate)
               + (1 - blend_weight) * _standardised(_required(years, "years"), candidate))
        return top_k(key, candidate, count)
    raise ValueError(f"promotion rule {rule.value!r} is not defined for a pyramid")


def _required(value: np.ndarray | None, name: str) -> np.ndarray:
    if value is None:
        raise ValueError(f"select_promoted needs {name} for this rule")
    return value


def _standardised(x: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    n = np.maximum(candidate.sum(axis=1, keepdims=True), 1)
    mean = np.where(candidate, x, 0.0).sum(axis=1, keepdims=True) / n
    sd = np.sqrt(np.where(candidate, (x - mean) ** 2, 0.0).sum(axis=1, keepdims=True) / n)
    return np.where(sd > 0, (x - mean) / np.where(sd > 0, sd, 1.0), 0.0)


# --------------------------------------------------------------------------- the year


def initial_grid(uniforms: np.ndarray, params: PyramidParams) -> PyramidGrid:
    """Every position filled, from uniforms ``(n_runs, 2, n_posts)`` (competence, age)."""
    return PyramidGrid(
        competence=draw_competence(uniforms[:, 0], params),
        age=draw_age(uniforms[:, 1], params),
        years=np.zeros(uniforms[:, 0].shape),
        occupied=np.ones(uniforms[:, 0].shape, bool),
    )


@dataclass(frozen=True)
class YearOutcome:
    """``advance``'s result: the new grid and what happened (arrays ``(n_runs, n_posts)``).

    ``source`` is, for each position, the position its holder came from (itself if
    it stayed), ``RECRUIT`` or ``VACANT``; ``dismissed`` and ``retired`` mark the
    positions their holders left at the start of the year.
    """

    grid: PyramidGrid
    source: np.ndarray
    dismissed: np.ndarray
    retired: np.ndarray


def advance(grid: PyramidGrid, uniforms: np.ndarray, params: PyramidParams) -> YearOutcome:
    """One year of ``n_runs`` pyramids at once (Pluchino et al. 2010, section 2).

    Parameters
    ----------
    grid : PyramidGrid
    uniforms : (n_runs, DRAW_COUNT, n_posts) float in [0, 1)
        The year's random numbers (rows as in ``Draw``).
    params : PyramidParams

    Returns
    -------
    YearOutcome
    """
    u = uniforms
    occupied = grid.occupied.copy()
    competence = grid.competence.copy()
    age = grid.age + occupied
    years = grid.years + occupied
    retired = occupied & (age > params.retirement_age)
    dismissed = occupied & ~retired & (competence < params.dismissal_competence)
    occupied &= ~(retired | dismissed)
    n_runs, n_posts = occupied.shape
    source = np.where(occupied, np.arange(n_posts), VACANT)
    start, stop = params.level_start, params.level_stop
    for level in range(params.n_levels - 1, 0, -1):
        up = slice(start[level], stop[level])
        down = slice(start[level - 1], stop[level - 1])
        vacant = ~occupied[:, up]
        candidate = occupied[:, down]
        count = np.minimum(vacant.sum(axis=1), candidate.sum(axis=1))
        if not count.any():
            continue
        filled = vacant & (np.cumsum(vacant, axis=1) <= count[:, None])
        best = None
        if params.rule is PromotionRule.ALTERNATE:
            best = (filled & (u[:, Draw.COIN, up] < params.alternate_p)).sum(axis=1)
        chosen = select_promoted(
            params.rule, competence[:, down], candidate, count,
            years=years[:, down], age=age[:, down], random_key=u[:, Draw.KEY, down],
            best_count=best, blend_weight=params.blend_weight,
            seniority_age_weight=params.seniority_age_weight,
        )
        # np.nonzero walks rows in order and both masks have `count` entries per row:
        # the i-th chosen agent of a run takes the i-th filled vacancy of that run.
        run, to = np.nonzero(filled)
        run_from, frm = np.nonzero(chosen)
        to, frm = to + start[level], frm + start[level - 1]
        competence[run, to] = promoted_competence(
            competence[run_from, frm], u[run, Draw.COMPETENCE, to], u[run, Draw.NOISE, to], params
        )
        age[run, to] = age[run_from, frm]
        years[run, to] = 0.0
        occupied[run, to] = True
        occupied[run_from, frm] = False
        source[run, to] = frm
        source[run_from, frm] = VACANT
    if params.n_levels:
        bottom = slice(start[0], stop[0])
        run, pos = np.nonzero(~occupied[:, bottom])
        pos = pos + start[0]
        competence[run, pos] = draw_competence(u[run, Draw.COMPETENCE, pos], params)
        age[run, pos] = draw_age(u[run, Draw.AGE, pos], params)
        years[run, pos] = 0.0
        occupied[run, pos] = True
        source[run, pos] = RECRUIT
    competence = np.where(occupied, competence, 0.0)
    return YearOutcome(PyramidGrid(competence, age, years, occupied), source, dismissed, retired)


def grid_efficiency(grid: PyramidGrid, params: PyramidParams) -> np.ndarray:
    """``(n_runs,)`` global efficiency E in percent (empty positions count 0)."""
    r = params.responsibility
    total = params.competence[3] * r.sum()
    return 100.0 * (np.where(grid.occupied, grid.competence, 0.0) @ r) / total


# --------------------------------------------------------------------------- structs


def build_pyramid(scenario: Scenario, rng: np.random.Generator) -> tuple[Organisation, Population]:
    """The organisation and its initial agents, every position filled.

    Parameters
    ----------
    scenario : Scenario
        ``organisation.kind`` must be ``PYRAMID``.
    rng : numpy.random.Generator
        Consumes ``rng.random((2, n_posts))`` (competence, age).

    Returns
    -------
    Organisation
        One unit; one post per position, bottom level first, ``post_level`` 1 =
        bottom, ``post_weight`` = responsibility r_l, ``post_min_rank`` = rank of the
        level just below (rank = level - 1).
    Population
        ``n_posts`` rows sorted by post; ``ability`` = competence, ``rank`` = level - 1,
        ``id`` = post; columns the pyramid does not use are zeros (``integrity`` 1).
    """
    params = pyramid_params(scenario)
    organisation = _organisation(scenario, params)
    grid = initial_grid(rng.random((2, params.n_posts))[None], params)
    held = np.arange(params.n_posts)
    population = _new_agents(held, held, grid.competence[0], grid.age[0], organisation, year=0)
    return organisation, population


def _organisation(scenario: Scenario, params: PyramidParams) -> Organisation:
    sizes = np.asarray(scenario.organisation.pyramid_levels, np.int64)
    level = np.repeat(np.arange(1, len(sizes) + 1), sizes)
    at_or_above = np.cumsum(sizes[::-1])[::-1] / max(int(sizes.sum()), 1)
    return Organisation(
        unit_kind=np.array([UnitKind.ORGAN], np.int64),
        unit_difficulty=np.ones(1),
        unit_hardship=np.ones(1),
        unit_establishment=np.array([params.n_posts], np.int64),
        unit_pool=np.zeros(1, np.int64),
        unit_names=("pyramid",),
        post_unit=np.zeros(params.n_posts, np.int64),
        post_level=level,
        post_min_rank=np.maximum(level - 2, 0),
        post_weight=params.responsibility.copy(),
        pool_names=("pyramid",),
        rank_quota=at_or_above.astype(float),
    )


def _new_agents(
    ids: np.ndarray,
    posts: np.ndarray,
    competence: np.ndarray,
    age: np.ndarray,
    organisation: Organisation,
    year: int,
) -> Population:
    n = len(ids)
    zeros = np.zeros(n)
    return Population(
        id=np.asarray(ids, np.int64),
        unit=np.zeros(n, np.int64),
        rank=organisation.post_level[posts] - 1,
        post=np.asarray(posts, np.int64),
        age=np.asarray(age, float),
        years_in_grade=zeros.copy(),
        years_in_post=zeros.copy(),
        ability=np.asarray(competence, float),
        motivation=zeros.copy(),
        integrity=np.ones(n),
        risk_aversion=zeros.copy(),
        effort=zeros.copy(),
        belief_merit=zeros.copy(),
        belief_tolerance=zeros.copy(),
        belief_bonus=zeros.copy(),
        merit=np.asarray(competence, float).copy(),
        last_score=np.asarray(competence, float).copy(),
        block_until=zeros.copy(),
        stigma=np.zeros(n, bool),
        disciplined=np.zeros(n, bool),
        low_years=np.zeros(n, np.int64),
        frontline_years=zeros.copy(),
        reserve=np.zeros(n, bool),
        entry_year=np.full(n, year, np.int64),
    )


def population_grid(population: Population, n_posts: int) -> PyramidGrid:
    """The one-run grid ``(1, n_posts)`` of ``population`` (agents indexed by ``post``)."""
    post = population.post
    competence, age, years = np.zeros((3, 1, n_posts))
    occupied = np.zeros((1, n_posts), bool)
    competence[0, post] = population.ability
    age[0, post] = population.age
    years[0, post] = population.years_in_grade
    occupied[0, post] = True
    return PyramidGrid(competence, age, years, occupied)


def pyramid_year(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    rng: np.random.Generator,
    year: int,
) -> tuple[Population, PyramidEvents]:
    """One year of the pyramid: ageing, exits, top-down promotion, recruitment.

    Parameters
    ----------
    population : Population
        One row per agent, ``post`` = position (each position held at most once).
    organisation : Organisation
        From ``build_pyramid``.
    scenario : Scenario
        Rule ``policy.promotion.rule``; hypothesis ``behaviour.transfer`` (0 = Peter,
        1 = common sense with ``transfer_noise``).
    rng : numpy.random.Generator
        Consumes ``rng.random((DRAW_COUNT, n_posts))``.
    year : int >= 0
        The year being simulated (distinct each call): recruits get
        ``id = (year + 1) * n_posts + post`` and ``entry_year = year``.

    Returns
    -------
    Population
        The agents at the end of the year, sorted by post.
    PyramidEvents
    """
    params = pyramid_params(scenario)
    n_posts = params.n_posts
    if organisation.n_posts != n_posts:
        raise ValueError(f"organisation has {organisation.n_posts} posts, the scenario {n_posts}")
    outcome = advance(
        population_grid(population, n_posts), rng.random((DRAW_COUNT, n_posts))[None], params
    )
    row_of_post = np.full(n_posts, -1)
    row_of_post[population.post] = np.arange(len(population))
    id_of_post = np.full(n_posts, -1, np.int64)
    id_of_post[population.post] = population.id
    source = outcome.source[0]
    grid = outcome.grid
    held = np.flatnonzero(grid.occupied[0])
    src = source[held]
    stays = src >= 0
    recruit_posts = held[~stays]
    recruits = _new_agents(
        (year + 1) * n_posts + recruit_posts, recruit_posts, grid.competence[0, recruit_posts],
        grid.age[0, recruit_posts], organisation, year,
    )
    kept = population.take(row_of_post[src[stays]])
    kept_posts = held[stays]
    kept = replace(
        kept,
        rank=organisation.post_level[kept_posts] - 1,
        post=kept_posts,
        age=grid.age[0, kept_posts],
        years_in_grade=grid.years[0, kept_posts],
        years_in_post=grid.years[0, kept_posts],
        ability=grid.competence[0, kept_posts],
        merit=grid.competence[0, kept_posts],
        last_score=grid.competence[0, kept_posts],
    )
    merged = kept.concat(recruits)
    new_population = merged.take(np.argsort(merged.post, kind="stable"))
    moved = np.flatnonzero((source >= 0) & (source != np.arange(n_posts)))
    events = PyramidEvents(
        promoted=id_of_post[source[moved]],
        promoted_level=organisation.post_level[moved],
        dismissed=id_of_post[outcome.dismissed[0]],
        retired=id_of_post[outcome.retired[0]],
        recruited=recruits.id,
        vacant_count=int(n_posts - len(held)),
    )
    return new_population, events


def pyramid_efficiency(
    population: Population, organisation: Organisation, scenario: Scenario
) -> float:
    """Global efficiency E in percent (Pluchino et al. 2010, eq. 1).

    ``E = 100 * sum_i r_post(i) C_i / (C_max * sum_posts r)``, with ``C_max =
    population.competence_max`` (10); empty posts count 0. An organisation of
    competence 7 everywhere has E = 70.
    """
    weight = organisation.post_weight
    total = scenario.population.competence_max * weight.sum()
    return float(100.0 * (weight[population.post] * population.ability).sum() / total)


# --------------------------------------------------------------------------- batch runner


def simulate_pyramid(
    scenario: Scenario,
    *,
    runs: int,
    steps: int,
    seed: int,
    dismissal_competence: float | None = None,
) -> np.ndarray:
    """Efficiency paths of ``runs`` independent pyramids, without mesa.

    Run ``i`` uses ``numpy.random.default_rng(SeedSequence(seed).spawn(runs)[i])`` and
    consumes its stream exactly as ``build_pyramid`` followed by ``steps`` calls of
    ``pyramid_year`` would, so its path equals the one-run path from the same
    generator; the runs are advanced together, vectorised over runs and positions.

    Parameters
    ----------
    scenario : Scenario
        A ``PYRAMID`` scenario.
    runs, steps : int >= 1, >= 0
    seed : int >= 0
        Root seed.
    dismissal_competence : float, optional
        Agents below it are dismissed; default the scenario's (the paper's 4).

    Returns
    -------
    (runs, steps + 1) float
        ``E(t)`` in percent; column 0 is the initial organisation.
    """
    params = pyramid_params(scenario, dismissal_competence=dismissal_competence)
    n_posts = params.n_posts
    rngs = [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(runs)]
    grid = initial_grid(np.stack([g.random((2, n_posts)) for g in rngs]), params)
    efficiency = np.empty((runs, steps + 1))
    efficiency[:, 0] = grid_efficiency(grid, params)
    chunk = max(1, min(steps, 2**21 // max(runs * DRAW_COUNT * n_posts, 1)))
    for first in range(0, steps, chunk):
        n = min(chunk, steps - first)
        block = np.stack([g.random((n, DRAW_COUNT, n_posts)) for g in rngs], axis=1)
        for t in range(n):
            grid = advance(grid, block[t], params).grid
            efficiency[:, first + t + 1] = grid_efficiency(grid, params)
    return efficiency


# --------------------------------------------------------------------------- the paper's case


class Hypothesis(StrEnum):
    """What promotion does to competence (Pluchino et al. 2010)."""

    COMMON_SENSE = "common_sense"  # competence carries over, +- U[-1, 1]
    PETER = "peter"  # competence redrawn at the new level

    @property
    def transfer(self) -> float:
        return 1.0 if self is Hypothesis.COMMON_SENSE else 0.0


# Efficiency gains (percentage points over the initial ~69.7 %) read from Pluchino et al.
# (2010), fig. 2, as stated in our issue: 1000 years, 50 runs, mean of the last 400 years.
PAPER_GAIN: dict[tuple[Hypothesis, PromotionRule], float] = {
    (Hypothesis.COMMON_SENSE, PromotionRule.BEST): 9.0,
    (Hypothesis.COMMON_SENSE, PromotionRule.WORST): -5.0,
    (Hypothesis.COMMON_SENSE, PromotionRule.RANDOM): 2.0,
    (Hypothesis.PETER, PromotionRule.BEST): -10.0,
    (Hypothesis.PETER, PromotionRule.WORST): 12.0,
    (Hypothesis.PETER, PromotionRule.RANDOM): 1.0,
}
PAPER_CROSSING_P = 0.47  # best-worst alternation: where the two hypotheses' gains meet
PAPER_YEARS = 1000
PAPER_RUNS = 50
PAPER_WINDOW = 400  # years averaged at the end of a run


def paper_scenario(
    rule: PromotionRule, hypothesis: Hypothesis, *, alternate_p: float = 0.5
) -> Scenario:
    """The pyramid of Pluchino, Rapisarda and Garofalo (2010) under ``rule`` and ``hypothesis``.

    Six levels of 81, 41, 21, 11, 5, 1 positions (bottom to top) with responsibility
    0.2, 0.4, 0.6, 0.8, 0.9, 1.0; competence Normal(7, 2) in [1, 10]; age
    Normal(25, 5) in [18, 60]; retirement above 60; common-sense variation U[-1, 1].
    """
    base = Scenario()
    scenario = base.model_copy(update={
        "name": f"peter_principle_{hypothesis.value}_{rule.value}",
        "years": PAPER_YEARS,
        "organisation": base.organisation.model_copy(update={
            "kind": OrganisationKind.PYRAMID,
            "pyramid_levels": [81, 41, 21, 11, 5, 1],
            "pyramid_responsibility": [0.2, 0.4, 0.6, 0.8, 0.9, 1.0],
        }),
        "population": base.population.model_copy(update={
            "age_min": 18, "age_max": 60, "recruit_age_mean": 25.0, "recruit_age_sd": 5.0,
            "retirement_age": 60, "competence_mean": 7.0, "competence_sd": 2.0,
            "competence_min": 1.0, "competence_max": 10.0,
        }),
        "behaviour": base.behaviour.model_copy(update={
            "enabled": False, "transfer": hypothesis.transfer, "transfer_noise": 1.0,
        }),
        "policy": base.policy.model_copy(update={
            "promotion": base.policy.promotion.model_copy(update={
                "rule": rule, "alternate_p": alternate_p,
            }),
        }),
    })
    return Scenario.model_validate(scenario.model_dump())  # model_copy does not validate


def efficiency_gain(efficiency: np.ndarray, window: int = PAPER_WINDOW) -> np.ndarray:
    """``(runs,)`` gain in percentage points: mean E of the last ``window`` years minus E(0).

    ``efficiency`` is ``simulate_pyramid``'s ``(runs, steps + 1)`` output.
    """
    return efficiency[:, -window:].mean(axis=1) - efficiency[:, 0]
