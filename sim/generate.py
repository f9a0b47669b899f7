"""Build the organisation and the initial population of a county scenario.

The organisation is fixed for a run (units, posts, rank quotas); the population
starts full to the base establishment, with ranks drawn by seniority up to 90%
of each rank quota and posts held by the highest-ranked cadres of each unit.
Recruits are drawn from the same trait distributions (``draw_recruits``).
"""

from __future__ import annotations

import numpy as np

from scenarios.schema import Mobility, Scenario, UnitGroup
from sim.arrays import position_in_group
from sim.phases.ability import draw_ability
from sim.phases.behaviour import optimal_effort
from sim.state import Organisation, Population, UnitKind

# Share of each rank quota held at the start, leaving headroom for the first rounds.
INITIAL_QUOTA_FILL = 0.9
# sd (years) of the noise added to age when initial ranks are drawn by seniority.
INITIAL_RANK_AGE_NOISE = 5.0
UNIT_PREFIX = {UnitKind.ORGAN: "organ", UnitKind.FRONTLINE: "town",
               UnitKind.KEY_PROJECT: "project"}


def unit_groups(scenario: Scenario) -> list[tuple[UnitKind, UnitGroup]]:
    o = scenario.organisation
    return [(UnitKind.ORGAN, o.organs), (UnitKind.FRONTLINE, o.frontline),
            (UnitKind.KEY_PROJECT, o.key_projects)]


def pool_layout(scenario: Scenario, unit_kind: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Rank pool of each unit and the pool names.

    ``pools = "by_kind"`` gives one pool for organs and one for frontline units
    (towns and key projects); ``"single"`` one for all. Under unified use
    (区镇一体化, ``mobility = "unified"``) district and towns are one personnel
    system, so the quotas are pooled whatever ``pools`` says: a town cadre who
    takes an organ post brings their rank with them, and separate pools could
    then be overfilled.
    """
    single = (scenario.organisation.pools == "single"
              or scenario.policy.promotion.mobility is Mobility.UNIFIED)
    if single:
        return np.zeros(len(unit_kind), np.int64), ("all",)
    return (unit_kind != UnitKind.ORGAN).astype(np.int64), ("organs", "frontline")


def added_frontline_slots(unit_kind: np.ndarray, added: int) -> np.ndarray:
    """``(n_units,) int``: the added frontline establishment (核增编制) per unit, spread
    evenly over towns and key projects, the first units taking any remainder."""
    slots = np.zeros(len(unit_kind), np.int64)
    frontline_units = np.flatnonzero(unit_kind != UnitKind.ORGAN)
    if len(frontline_units) and added:
        share, remainder = divmod(added, len(frontline_units))
        slots[frontline_units] += share
        slots[frontline_units[:remainder]] += 1
    return slots


def build_organisation(scenario: Scenario) -> Organisation:
    """Units, posts and quotas of a COUNTY scenario.

    Units are named ``organ_01``, ``town_01``, ``project_01``...; the added
    frontline establishment (核增编制, seed 001) is spread evenly over the
    frontline units (towns and key projects), the first units taking any
    remainder. A post of level L needs rank ``post_min_rank[L]`` (L if not
    given) and carries responsibility weight ``1 + L`` (a cadre without a post
    weighs 1).
    """
    o = scenario.organisation
    kinds, groups = [], []
    for kind, group in unit_groups(scenario):
        kinds += [kind] * group.count
        groups += [group] * group.count
    unit_kind = np.array(kinds, np.int64)
    establishment = np.array([g.establishment for g in groups], np.int64)
    establishment += added_frontline_slots(unit_kind, scenario.policy.establishment.added_frontline)
    counters = {kind: 0 for kind in UnitKind}
    names = []
    for kind in kinds:
        counters[kind] += 1
        names.append(f"{UNIT_PREFIX[kind]}_{counters[kind]:02d}")
    post_unit, post_level = [], []
    for u, group in enumerate(groups):
        for level, count in sorted(group.posts.items()):
            post_unit += [u] * count
            post_level += [level] * count
    post_level_arr = np.array(post_level, np.int64)
    top_rank = o.rank_count - 1
    min_rank = np.array([min(o.post_min_rank.get(int(lv), int(lv)), top_rank) for lv in post_level],
                        np.int64)
    unit_pool, pool_names = pool_layout(scenario, unit_kind)
    return Organisation(
        unit_kind=unit_kind,
        unit_difficulty=np.array([g.difficulty for g in groups], float),
        unit_hardship=np.array([g.hardship for g in groups], float),
        unit_establishment=establishment,
        unit_pool=unit_pool,
        unit_names=tuple(names),
        post_unit=np.array(post_unit, np.int64),
        post_level=post_level_arr,
        post_min_rank=min_rank,
        post_weight=1.0 + post_level_arr,
        pool_names=pool_names,
        rank_quota=np.asarray(o.rank_quota, float),
    )


def rank_caps(organisation: Organisation) -> np.ndarray:
    """``(n_pools, n_ranks) int``: most cadres of each pool allowed at each rank or above.

    ``cap[p, r] = floor(rank_quota[r] * establishment of pool p)`` for r >= 1;
    rank 0 is the entry rank, capped by the establishment alone.
    """
    n_pools = len(organisation.pool_names)
    pool_establishment = np.bincount(organisation.unit_pool,
                                     weights=organisation.unit_establishment, minlength=n_pools)
    caps = np.floor(pool_establishment[:, None] * organisation.rank_quota[None, :] + 1e-9)
    caps[:, 0] = pool_establishment
    return caps.astype(np.int64)


def draw_traits(n: int, scenario: Scenario, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Ability, motivation, integrity, risk aversion and prior beliefs of ``n`` newcomers."""
    p, b = scenario.population, scenario.behaviour

    def belief(prior: float) -> np.ndarray:
        return np.clip(rng.normal(prior, b.prior_sd, n), 0.0, 1.0)

    return {
        "ability": draw_ability(n, scenario, rng),  # sim.phases.ability: clamped in a pyramid
        "motivation": rng.normal(p.motivation_mean, p.motivation_sd, n),
        "integrity": rng.beta(p.integrity_alpha, p.integrity_beta, n),
        "risk_aversion": np.maximum(rng.normal(p.risk_aversion_mean, p.risk_aversion_sd, n), 0.0),
        "belief_merit": belief(b.prior_merit_link),
        "belief_tolerance": belief(b.prior_tolerance),
        "belief_bonus": belief(b.prior_bonus_link),
    }


def _newcomers(
    unit: np.ndarray, age: np.ndarray, first_id: int, year: int, scenario: Scenario,
    rng: np.random.Generator,
) -> Population:
    n = len(unit)
    zeros, no = np.zeros(n), np.zeros(n, bool)
    return Population(
        id=first_id + np.arange(n, dtype=np.int64),
        unit=np.asarray(unit, np.int64),
        rank=np.zeros(n, np.int64),
        post=np.full(n, -1, np.int64),
        age=np.asarray(age, float),
        years_in_grade=zeros.copy(),
        years_in_post=zeros.copy(),
        effort=zeros.copy(),
        merit=zeros.copy(),
        last_score=zeros.copy(),
        block_until=np.full(n, -np.inf),
        stigma=no.copy(),
        disciplined=no.copy(),
        low_years=np.zeros(n, np.int64),
        frontline_years=zeros.copy(),
        reserve=no.copy(),
        entry_year=np.full(n, year, np.int64),
        **draw_traits(n, scenario, rng),
    )


def draw_recruits(
    unit: np.ndarray,
    organisation: Organisation,
    scenario: Scenario,
    first_id: int,
    year: int,
    merit_level: float,
    rng: np.random.Generator,
    *,
    peer_beliefs: dict[str, np.ndarray] | None = None,
) -> Population:
    """Recruits for ``unit`` (one row each): rank 0, no post, beliefs of their peers.

    Age ~ round(N(recruit_age_mean, recruit_age_sd)) within [age_min,
    retirement_age - 1]; merit and last score start at ``merit_level`` (the
    incumbents' mean, so a newcomer is neither favoured nor penalised). A recruit
    learns what the organisation believes from the colleagues it joins:
    ``belief = clip(peer mean of its unit + N(0, prior_sd), 0, 1)``, with
    ``peer_beliefs[column]`` the ``(n_units,)`` mean of each belief column (without
    it, the ``prior_*`` of ``behaviour``). Effort starts at the response to those
    beliefs.
    """
    p = scenario.population
    age = np.clip(np.round(rng.normal(p.recruit_age_mean, p.recruit_age_sd, len(unit))),
                  p.age_min, p.retirement_age - 1)
    recruits = _newcomers(unit, age, first_id, year, scenario, rng)
    if peer_beliefs is not None:
        spread = scenario.behaviour.prior_sd
        for column, by_unit in peer_beliefs.items():
            drawn = by_unit[recruits.unit] + rng.normal(0.0, spread, len(unit))
            setattr(recruits, column, np.clip(drawn, 0.0, 1.0))
    effort = optimal_effort(recruits, organisation, scenario, np.zeros(organisation.n_units, bool))
    recruits.effort = effort
    recruits.merit = np.full(len(unit), merit_level)
    recruits.last_score = np.full(len(unit), merit_level)
    return recruits


def build_population(
    organisation: Organisation, scenario: Scenario, rng: np.random.Generator
) -> Population:
    """The initial cadres, filling every unit to its base establishment.

    Ranks follow seniority (age plus noise) within each pool up to
    ``INITIAL_QUOTA_FILL`` of each quota; in each unit the highest posts go to
    the highest-ranked cadres who meet the post's minimum rank. Merit starts at
    its stationary value: expected performance plus noise with the sd of a
    decayed mean of independent yearly observations.
    """
    p, b, policy = scenario.population, scenario.behaviour, scenario.policy
    base = organisation.unit_establishment - added_frontline_slots(
        organisation.unit_kind, policy.establishment.added_frontline)
    unit = np.repeat(np.arange(organisation.n_units), base)
    n = len(unit)
    if n == 0:  # the schema refuses it; a model_copy(update=...) variant is not checked
        raise ValueError("the organisation has no cadres: give some unit group a count and an "
                         "establishment above 0 (scenarios.schema.Organisation.check_size)")
    age = rng.integers(p.age_min, p.age_max + 1, n).astype(float)
    pop = _newcomers(unit, age, 0, 0, scenario, rng)

    pool = organisation.unit_pool[unit]
    caps = rank_caps(organisation)
    targets = np.floor(INITIAL_QUOTA_FILL * caps).astype(np.int64)
    seniority = age + rng.normal(0.0, INITIAL_RANK_AGE_NOISE, n)
    order = position_in_group(pool, -seniority)
    rank = np.sum(order[:, None] < targets[pool, 1:], axis=1).astype(np.int64)
    max_years = np.minimum(age - p.age_min, 8.0)
    years_in_grade = np.floor(rng.random(n) * (max_years + 1))
    post = assign_initial_posts(unit, rank, organisation, rng)
    frontline = organisation.unit_frontline[unit]
    pop.rank, pop.post, pop.years_in_grade = rank, post, years_in_grade
    pop.years_in_post = np.where(post >= 0, np.floor(rng.random(n) * (years_in_grade + 1)), 0.0)
    pop.frontline_years = np.where(frontline, np.floor(rng.random(n) * (age - p.age_min + 1)), 0.0)
    # The experience those frontline years gave (sim.phases.exits.grow_older), so that the
    # spin-up need not wait a career for ability to absorb it.
    pop.ability += b.experience_gain * np.minimum(pop.frontline_years, b.experience_years_max)
    pop.effort = optimal_effort(pop, organisation, scenario, np.zeros(organisation.n_units, bool))

    a = policy.assessment
    difficulty = organisation.unit_difficulty[unit]
    expected = pop.ability + pop.effort * b.effort_return * difficulty
    obs = a.observation_noise * np.where(frontline, a.frontline_noise_factor, 1.0)
    yearly_sd = np.sqrt(b.performance_noise**2 + obs**2)
    memory = a.merit_memory
    merit_sd = yearly_sd * np.sqrt((1 - memory) / (1 + memory))
    pop.merit = expected + rng.normal(0.0, 1.0, n) * merit_sd
    pop.last_score = expected + rng.normal(0.0, 1.0, n) * yearly_sd
    return pop


def assign_initial_posts(
    unit: np.ndarray, rank: np.ndarray, organisation: Organisation, rng: np.random.Generator
) -> np.ndarray:
    """``(n,) int``: post held by each cadre (-1 none).

    Within each unit the k-th highest post goes to the k-th highest-ranked cadre
    (ties at random) if that cadre meets the post's minimum rank.
    """
    n, n_units = len(unit), organisation.n_units
    cadre_position = position_in_group(unit, -rank - rng.random(n) * 0.5)
    post_position = position_in_group(organisation.post_unit,
                                      -organisation.post_level.astype(float))
    sizes = np.bincount(unit, minlength=n_units)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    by_position = np.empty(n, np.int64)
    by_position[starts[unit] + cadre_position] = np.arange(n)
    has_cadre = post_position < sizes[organisation.post_unit]
    slot = np.minimum(starts[organisation.post_unit] + post_position, max(n - 1, 0))
    holder = np.where(has_cadre, by_position[slot], -1)
    qualified = has_cadre & (rank[np.maximum(holder, 0)] >= organisation.post_min_rank)
    post = np.full(n, -1, np.int64)
    post[holder[qualified]] = np.flatnonzero(qualified)
    return post
