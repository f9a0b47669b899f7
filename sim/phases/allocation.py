"""Phase 8: the yearly allocation of vacant posts and rank slots, and rotation (交流任职).

Each year the state is turned into ``optimize.AllocationProblem`` instances
(candidates = the cadres, posts = the vacant posts, pools = the headroom left
under the rank quotas), solved by ``optimize.allocate`` and the moves applied.

Two rules of the establishment shape the problems:

* **Headcount (编制).** A cadre may only move into another unit if it has a free
  establishment slot (进人必须有空编). Each unit's vacant posts are split: its
  highest-level vacancies, as many as it has free slots, are *open* (anyone
  eligible under the mobility rule may take them); the rest are *internal* and
  are filled from within the unit (内部递补). Stage 1 solves the open posts
  together with all rank slots; stage 2 fills the internal posts from the unit's
  own cadres who did not move in stage 1. Inflows can then never exceed the
  free slots, so no unit is ever above its establishment.
* **Mobility.** ``unified`` (区镇一体化) solves stage 1 over all units;
  ``within_system`` gives every candidate and post its system (organs or
  frontline) as the optimiser's unit code with ``within_unit`` mobility, so
  organ cadres compete for organ posts and frontline cadres for frontline
  posts, in one problem sharing the share targets (the optimiser's per-unit
  outflow cap then counts moves out of a system, which cannot happen, so
  ``max_outflow_per_unit`` has no effect under ``within_system``);
  ``within_unit`` solves one problem with the optimiser's own within-unit rule.

With ``promotion.vacancy_chain`` (a ladder such as the Peter-principle pyramid of
Pluchino, Rapisarda and Garofalo, Physica A 389 (2010) 467-472) the year's
vacancies are instead filled top-down, one solve per post level: the vacant
posts of level L go to holders of level L - 1 (cadres without a post for level
1), and the posts they leave are vacancies of level L - 1 in the same year
(``allocate_chain``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_bipartite_matching

import optimize
from optimize import AllocationProblem, Candidates, Fit, MoveKind, Posts, RankPools, Rules
from optimize.eligibility import eligible_pairs
from optimize.presolve.aggregate import aggregate_posts
from optimize.regulations import Regulations
from optimize.rules import Composition, Eligibility, Limits, Targets, Weights
from scenarios.schema import Mobility, PromotionRule, Scenario
from sim.arrays import position_in_group, stochastic_round
from sim.events import MoveBatch, move_batch, no_moves
from sim.generate import rank_caps
from sim.phases.ability import promoted_ability
from sim.phases.reserve import barred_from_posts
from sim.state import MoveReason, Organisation, Population, UnitKind

# A held post level above any post (levels are at most 20): no post is open to the cadre.
BARRED_LEVEL = 99

COUNTY_LEVEL = 3
"""Post level of county (处级) leadership: 1 = 副科, 2 = 正科, 3 = 副处."""

YOUNG_COUNTY = "young_county"
"""The candidate attribute of the county leadership's young-cadre rule ("1" = young)."""

# Scores enter the objective as exp(z): the frontline weight phi then acts as a
# shift of ln(phi) standard deviations, and every move keeps a positive value.
Z_CLIP = 8.0


def _standardise(values: np.ndarray) -> np.ndarray:
    sd = values.std()
    return (values - values.mean()) / sd if sd > 0 else np.zeros_like(values)


def seniority_index(population: Population, scenario: Scenario) -> np.ndarray:
    """``(n,) float``: 论资排辈 index = years in grade + ``seniority_age_weight`` x age (years)."""
    w = scenario.policy.promotion.seniority_age_weight
    return population.years_in_grade + w * population.age


def promotion_score(
    population: Population, scenario: Scenario, year: int, rng: np.random.Generator
) -> np.ndarray:
    r"""The score each candidate brings to the allocation, ``(n,) float`` > 0.

    ``score = exp(z - stigma * S)`` with z the standardised rule index:

    - ``seniority``: z of ``seniority_index``;
    - ``merit`` (实绩, seed 001: 实绩 as 硬杠杠): z of the merit score;
    - ``blend``: ``w z_merit + (1 - w) z_seniority``;
    - ``random``: N(0, 1);
    - ``best`` / ``worst`` (Peter-principle rules, here on the merit score):
      ``z_merit`` / ``-z_merit``; ``alternate``: one or the other for the
      whole year, best with probability ``alternate_p``.

    S is 1 for a cadre carrying a disciplinary stigma (``Discipline.stigma`` sd
    units are taken off), 0 otherwise.
    """
    promotion, n = scenario.policy.promotion, len(population)
    z_merit = _standardise(population.merit)
    match promotion.rule:
        case PromotionRule.SENIORITY:
            z = _standardise(seniority_index(population, scenario))
        case PromotionRule.MERIT | PromotionRule.BEST:
            z = z_merit
        case PromotionRule.BLEND:
            w = promotion.blend_weight
            z = w * z_merit + (1 - w) * _standardise(seniority_index(population, scenario))
        case PromotionRule.RANDOM:
            z = rng.normal(0.0, 1.0, n)
        case PromotionRule.WORST:
            z = -z_merit
        case PromotionRule.ALTERNATE:
            z = z_merit if rng.random() < promotion.alternate_p else -z_merit
    z = z - scenario.policy.discipline.stigma * population.stigma
    return np.exp(np.clip(z, -Z_CLIP, Z_CLIP))


def vacant_posts(population: Population, organisation: Organisation) -> np.ndarray:
    """``(n_posts,) bool``: posts without a holder."""
    held = np.zeros(organisation.n_posts, bool)
    held[population.post[population.post >= 0]] = True
    return ~held


def headcount(population: Population, organisation: Organisation) -> np.ndarray:
    """``(n_units,) int``: cadres per unit."""
    return np.bincount(population.unit, minlength=organisation.n_units)


def open_posts(
    population: Population, organisation: Organisation, vacant: np.ndarray
) -> np.ndarray:
    """``(n_posts,) bool``: vacant posts open to cadres from other units.

    In each unit the highest-level vacancies (ties by post index), as many as the
    unit has free establishment slots, are open; the others are internal.
    """
    slack = organisation.unit_establishment - headcount(population, organisation)
    order = position_in_group(organisation.post_unit, np.where(vacant, -organisation.post_level,
                                                               np.inf))
    return vacant & (order < slack[organisation.post_unit])


def rank_headroom(population: Population, organisation: Organisation) -> np.ndarray:
    """``(n_pools, n_ranks) int``: promotions still allowed into each rank of each pool.

    ``headroom[p, r] = max(0, cap[p, r] - #cadres of pool p at rank >= r)``; a
    promotion from r - 1 to r adds one cadre at rank >= r and none at any other
    level, so the rows are independent (column 0 is unused).
    """
    n_pools, n_ranks = len(organisation.pool_names), len(organisation.rank_quota)
    pool = organisation.unit_pool[population.unit]
    at_rank = np.zeros((n_pools, n_ranks), np.int64)
    np.add.at(at_rank, (pool, population.rank), 1)
    at_or_above = np.cumsum(at_rank[:, ::-1], axis=1)[:, ::-1]
    return np.maximum(rank_caps(organisation) - at_or_above, 0)


def allocation_rules(
    scenario: Scenario, mobility: optimize.Mobility, *, share_targets: bool = True
) -> Rules:
    """The scenario's promotion policy as optimiser rules."""
    p = scenario.policy.promotion
    return Rules(
        eligibility=Eligibility(
            min_years_post=dict(p.min_years_post),
            min_years_rank=dict(p.min_years_rank),
            min_years_relief=p.min_years_relief,
            relief_top_share=p.relief_top_share,
            max_age=p.max_age,
            mobility=mobility,
        ),
        targets=Targets(
            young_age_max=scenario.population.young_age_max,
            young_share_min=p.young_share_min if share_targets else 0.0,
            frontline_share_min=p.frontline_share_min if share_targets else 0.0,
        ),
        weights=Weights(frontline_weight=p.frontline_weight,
                        hardship_exponent=p.hardship_exponent),
        limits=Limits(max_outflow_per_unit=p.max_outflow_per_unit),
    )


@dataclass(frozen=True)
class Allocation:
    """The year's promotions (arrays ``(n_moves,)`` over moves, ``(n_cadres,)`` over cadres).

    Attributes
    ----------
    row : (n_moves,) int
        Population row of the promoted cadre.
    is_post : (n_moves,) bool
        Leadership post (职务) rather than rank slot (职级).
    post : (n_moves,) int
        Post taken (-1 for a rank move).
    new_rank : (n_moves,) int
        Rank after the move.
    score : (n_cadres,) float
        Promotion score of every cadre this year.
    statuses : tuple of optimize.SolveStatus
        One per solved problem.
    """

    row: np.ndarray
    is_post: np.ndarray
    post: np.ndarray
    new_rank: np.ndarray
    score: np.ndarray
    statuses: tuple[optimize.SolveStatus, ...]

    def promoted(self, n: int) -> np.ndarray:
        """``(n,) bool``: cadres promoted this year."""
        out = np.zeros(n, bool)
        out[self.row] = True
        return out


PRUNE_MIN_PAIRS = 500
"""Programs of at most this many eligible pairs are not pruned: ranking them costs about as
much as it saves. ``python benchmarks/presolve_replay.py ordos zhangdian baseline`` prints
both (rows "post classes + pruned" and "... above 500 pairs (the model)"): within the noise
of each other at the bundled sizes, and the second solve of a year (a few dozen pairs) is
the most frequent program."""


def _solve(
    population: Population,
    organisation: Organisation,
    score: np.ndarray,
    blocked: np.ndarray,
    candidate_rows: np.ndarray,
    post_index: np.ndarray,
    unit_code: np.ndarray,
    unit_names: tuple[str, ...],
    headroom: np.ndarray | None,
    rules: Rules,
    post_barred: np.ndarray | None = None,
    worst_posts: np.ndarray | None = None,
    attributes: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, optimize.SolveStatus | None]:
    """Build one problem over ``candidate_rows`` and ``post_index``, solve, map back.

    The solve treats the open posts of one level (same minimum rank and weight) as one
    target with a capacity (``optimize.presolve.aggregate``) and prunes the pairs no
    optimal proposal needs (``optimize.presolve.prune``); both are exact (the whole
    program's optimum). Which post of a level each appointee then takes is drawn at
    random, seeded by the posts and appointees (deterministic for given inputs). At
    10,000 cadres a year's program shrinks from 470,260 eligible pairs post by post
    (``python benchmarks/count_branch.py``) to about 5,000 columns (``python
    benchmarks/simulation.py --scale``). Where two candidates are equally
    good, which one is returned is the solver's choice, deterministic for given inputs.

    ``worst_posts`` is ``(len(post_index),) bool``: posts that go to the lowest
    scores (the fit ``1 / score^2`` of every candidate for them turns the objective
    term ``fit * score`` into ``1 / score``; the ``alternate`` rule of a ladder).

    ``unit_code`` is ``(n_units,)``: the optimiser's unit code of each real unit.
    ``post_barred`` is ``(n,) bool``: cadres who may take rank slots but no post
    (outside the reserve list, ``sim.phases.reserve``); they enter the problem as holding
    a post above every level, which the optimiser's eligibility reads as "no post".
    ``attributes`` are ``(n,) str`` columns over all cadres that the rules' composition
    targets read (``county_young_rule``).
    Returns the moved rows, post flags, posts (-1 for rank) and new ranks.
    """
    empty = np.zeros(0, np.int64)
    has_pools = headroom is not None and headroom.sum() > 0
    if len(candidate_rows) == 0 or (len(post_index) == 0 and not has_pools):
        return empty, empty.astype(bool), empty, empty, None
    pop = population.take(candidate_rows)
    held_level = np.where(pop.post >= 0, organisation.post_level[np.maximum(pop.post, 0)], 0)
    if post_barred is not None:
        held_level = np.where(post_barred[candidate_rows], BARRED_LEVEL, held_level)
    candidates = Candidates(
        id=pop.id.astype(str),
        unit=unit_code[pop.unit],
        rank=pop.rank,
        age=pop.age.astype(np.int64),
        years_in_grade=pop.years_in_grade,
        score=score[candidate_rows],
        post_level=held_level,
        frontline=organisation.unit_frontline[pop.unit],
        hardship=organisation.unit_hardship[pop.unit],
        blocked=blocked[candidate_rows],
        pool=organisation.unit_pool[pop.unit],
    )
    posts = Posts(
        id=post_index.astype(str),
        unit=unit_code[organisation.post_unit[post_index]],
        level=organisation.post_level[post_index],
        min_rank=organisation.post_min_rank[post_index],
        weight=organisation.post_weight[post_index],
        must_fill=np.zeros(len(post_index), bool),
    )
    if has_pools:
        pool_ids, ranks = np.nonzero(headroom[:, 1:])
        ranks = ranks + 1
        pools = RankPools(pool=pool_ids, rank=ranks, headroom=headroom[pool_ids, ranks])
    else:
        pools = RankPools(pool=empty, rank=empty, headroom=empty)
    fit = Fit()
    if worst_posts is not None and worst_posts.any():
        cand, post = np.meshgrid(np.arange(len(candidate_rows)), np.flatnonzero(worst_posts),
                                 indexing="ij")
        fit = Fit(candidate=cand.ravel(), post=post.ravel(),
                  fit=score[candidate_rows][cand.ravel()] ** -2.0)
    regulations = Regulations(attributes={
        name: values[candidate_rows] for name, values in (attributes or {}).items()})
    problem = AllocationProblem(candidates, posts, pools, rules, fit=fit, unit_names=unit_names,
                                pool_names=organisation.pool_names, regulations=regulations)
    problem = within_reach(problem)
    proposal = optimize.allocate(problem, explain=False, prune=True, aggregate=True,
                                 prune_min_pairs=PRUNE_MIN_PAIRS)
    moves = proposal.moves
    is_post = np.array([k is MoveKind.POST for k in moves.kind], bool)
    rows = candidate_rows[moves.candidate]
    post = np.full(len(rows), -1, np.int64)
    post[is_post] = post_index[moves.target[is_post]]
    new_rank = population.rank[rows].copy()
    new_rank[~is_post] = pools.rank[moves.target[~is_post]]
    return rows, is_post, post, new_rank, proposal.status


def allocate(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    year: int,
    rng: np.random.Generator,
) -> Allocation:
    """Phase 8: who takes which vacant post and rank slot this year.

    Eligibility (in the optimiser): minimum rank for the post, minimum years in
    grade (relieved by ``min_years_relief`` for the top ``relief_top_share`` by
    score: 竞岗, seed 000), no active disciplinary block (``block_until > year``),
    age limit for posts, the mobility rule; rank slots only when
    ``rank_only`` (职务职级并行). The objective weighs each move by
    ``score * frontline_weight^F * hardship^eta`` (and the post's weight), which
    tilts limited posts and slots to frontline performers (seeds 001, 004). See
    the module docstring for the headcount and mobility rules.
    """
    promotion = scenario.policy.promotion
    if promotion.vacancy_chain:
        return allocate_chain(population, organisation, scenario, year, rng)
    n = len(population)
    score = promotion_score(population, scenario, year, rng)
    blocked = population.block_until > year
    vacant = vacant_posts(population, organisation)
    barred = barred_from_posts(population, organisation, scenario, year,
                               vacant)  # 后备干部库 first (sim.phases.reserve)
    headroom = rank_headroom(population, organisation) if promotion.rank_only else None
    all_rows = np.arange(n)
    real_units = np.arange(organisation.n_units)
    young_county = county_young(population, scenario)
    attributes = {YOUNG_COUNTY: np.where(young_county, "1", "0").astype(object)}
    short = county_young_shortfall(population, organisation, scenario)

    if promotion.mobility is Mobility.WITHIN_UNIT:
        rules = county_young_rule(allocation_rules(scenario, optimize.Mobility.WITHIN_UNIT),
                                  short, organisation)
        rows, is_post, post, new_rank, status = _solve(
            population, organisation, score, blocked, all_rows, np.flatnonzero(vacant),
            real_units, organisation.unit_names, headroom, rules, barred,
            attributes=attributes)
        return Allocation(rows, is_post, post, new_rank, score,
                          (status,) if status is not None else ())

    is_open = open_posts(population, organisation, vacant)
    if promotion.mobility is Mobility.UNIFIED:
        code, names, mobility = real_units, organisation.unit_names, optimize.Mobility.UNIFIED
    else:
        code = (organisation.unit_kind != UnitKind.ORGAN).astype(np.int64)
        names, mobility = ("organs", "frontline"), optimize.Mobility.WITHIN_UNIT
    first = _solve(population, organisation, score, blocked, all_rows, np.flatnonzero(is_open),
                   code, names, headroom,
                   county_young_rule(allocation_rules(scenario, mobility), short, organisation),
                   barred, attributes=attributes)
    stayed = np.ones(n, bool)
    stayed[first[0]] = False
    into_county = organisation.post_level[first[2][first[1]]] >= COUNTY_LEVEL
    short -= int(np.count_nonzero(young_county[first[0][first[1]]] & into_county))
    internal = np.flatnonzero(vacant & ~is_open)
    second = _solve(population, organisation, score, blocked, np.flatnonzero(stayed), internal,
                    real_units, organisation.unit_names, None,
                    county_young_rule(allocation_rules(scenario, optimize.Mobility.WITHIN_UNIT,
                                                       share_targets=False), short, organisation),
                    barred, attributes=attributes)
    parts = list(zip(first[:4], second[:4], strict=True))
    statuses = tuple(s for s in (first[4], second[4]) if s is not None)
    return Allocation(*(np.concatenate(p) for p in parts), score=score, statuses=statuses)


def county_young(population: Population, scenario: Scenario) -> np.ndarray:
    """``(n,) bool``: young by the county-level measure (age <= ``county_young_age_max``)."""
    return population.age <= scenario.population.county_young_age_max


def county_young_members(population: Population, organisation: Organisation,
                         scenario: Scenario) -> np.ndarray:
    """``(n,) bool``: holders of county-level (处级) posts who count as its young cadres.

    A holder counts when appointed young (age at appointment, ``age - years_in_post``, at
    most ``county_young_age_max``) within the team's term (``years_in_post`` below
    ``policy.promotion.county_term_years``): the team's structure is judged on whom it
    took in as its young cadres, not on their birthdays during the term.
    """
    promotion = scenario.policy.promotion
    county = held_level(population, organisation) >= COUNTY_LEVEL
    at_appointment = population.age - population.years_in_post
    return (county & (at_appointment <= scenario.population.county_young_age_max)
            & (population.years_in_post < promotion.county_term_years))


def county_young_shortfall(population: Population, organisation: Organisation,
                           scenario: Scenario) -> int:
    """Young cadres the county leadership lacks before this year's moves.

    ``policy.promotion.county_young_members_min`` less the young members it has
    (``county_young_members``): the 换届 structure requirement that county leadership
    teams include young cadres (seed 004: "39名优秀年轻干部被选拔进旗区党政班子"), kept
    every year as vacancies arise; 0 without the rule.
    """
    need = scenario.policy.promotion.county_young_members_min
    if need == 0:
        return 0
    members = county_young_members(population, organisation, scenario)
    return max(0, need - int(np.count_nonzero(members)))


def county_young_rule(rules: Rules, short: int, organisation: Organisation) -> Rules:
    """``rules`` plus "at least ``short`` young cadres among the county appointments".

    A composition target (``optimize.rules.Composition`` with ``levels``), lowered to
    what the eligible young candidates can fill in each problem (``within_reach``).
    """
    levels = tuple(int(v) for v in np.unique(organisation.post_level) if v >= COUNTY_LEVEL)
    if short <= 0 or not levels:
        return rules
    rule = Composition(attribute=YOUNG_COUNTY, value="1", min_count=short, levels=levels)
    return rules.model_copy(update={"composition": (*rules.composition, rule)})


def within_reach(problem: AllocationProblem) -> AllocationProblem:
    """``problem`` with the county young-cadre count lowered to what eligibility allows.

    The count asks for ``short`` young appointees to county posts; when fewer young
    candidates are eligible for them (a maximum bipartite matching of young candidates to
    the counted posts), the rule as stated is infeasible and the optimiser would solve the
    elastic program (``optimize.relax``) to miss it by as little as possible: a second
    solve. Asking for the matching's size instead puts as many young cadres into county
    posts as eligibility allows, with one solve (other rules may still bind, rarely).

    Only ``min(matching, short)`` matters, so interchangeable posts
    (``optimize.presolve.aggregate``) are matched as one class of ``min(size, short)``
    slots: no matching larger than ``short`` needs more slots of a class, and a
    smaller one fits in them. At 100,000 cadres that is a few thousand edges, not
    young candidates x county posts.
    """
    rules = problem.rules.composition
    k = next((k for k, r in enumerate(rules) if r.attribute == YOUNG_COUNTY), None)
    if k is None:
        return problem
    rule = rules[k]
    classes = aggregate_posts(problem)
    grouped = classes.problem if classes else problem
    size = classes.size if classes else np.ones(problem.n_posts, np.int64)
    young = problem.regulations.attribute(YOUNG_COUNTY, problem.n_candidates) == rule.value
    pairs = eligible_pairs(grouped, candidates=young,
                           posts=rule.counts_level(grouped.posts.level))
    slots = np.minimum(size, rule.min_count)
    first_slot = np.concatenate([[0], np.cumsum(slots)])
    per_pair = slots[pairs.post_post]
    cand = np.repeat(pairs.post_candidate, per_pair)
    slot = (np.repeat(first_slot[pairs.post_post], per_pair)
            + np.arange(len(cand)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair))
    graph = sp.csr_array((np.ones(len(cand)), (cand, slot)),
                         shape=(problem.n_candidates, int(first_slot[-1])))
    reachable = int(np.count_nonzero(maximum_bipartite_matching(graph, perm_type="column") >= 0))
    if reachable >= rule.min_count:
        return problem
    kept = rules[:k] + ((rule.model_copy(update={"min_count": reachable}),) if reachable else ())
    return replace(problem, rules=problem.rules.model_copy(
        update={"composition": kept + rules[k + 1:]}))


def held_level(population: Population, organisation: Organisation) -> np.ndarray:
    """``(n,) int``: level of the post each cadre holds, 0 without a post."""
    return np.where(population.post >= 0,
                    organisation.post_level[np.maximum(population.post, 0)], 0)


def allocate_chain(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    year: int,
    rng: np.random.Generator,
) -> Allocation:
    """Phase 8 in a ladder: vacancy chains filled top-down through ``optimize.allocate``.

    From the highest post level L down to 1, the posts of level L vacant so far
    (left by exits, or by holders promoted a level up this year) go to cadres
    holding a level L - 1 post (for L = 1: cadres without a post) who have not
    moved this year, ranked by the scenario's scores (``promotion_score``): the
    optimum takes the highest-scoring eligible candidates (post weights are
    uniform within a level), so ``best`` promotes the most competent, ``worst``
    the least and ``random`` a uniformly random subset, each vacancy chain
    running down to the bottom in the same year (Pluchino, Rapisarda and
    Garofalo 2010, section 2). Under ``alternate`` each post draws its own coin
    (Pluchino et al.'s mixed strategy): with probability ``alternate_p`` it goes to
    the best, else to the worst (``worst_posts`` of ``_solve``). A chain move is one
    rank up (``new_rank = rank + 1``), so in a ladder rank = level of the post
    held. The bottom's vacancies are left to recruitment.

    All levels are solved as one problem (``chain_in_one_solve``); when the rules
    leave some level short of eligible candidates, level by level instead
    (``chain_by_level``, one problem per level with vacancies).
    """
    promotion = scenario.policy.promotion
    if promotion.rule is PromotionRule.ALTERNATE:
        score = _merit_score(population, scenario)
        coin = rng.random(organisation.n_posts)  # one per post: worst if >= alternate_p
        worst = coin >= promotion.alternate_p
    else:
        score = promotion_score(population, scenario, year, rng)
        worst = None
    one = chain_in_one_solve(population, organisation, scenario, score, year, worst)
    if one is not None:
        return one
    return chain_by_level(population, organisation, scenario, score, year, worst)


def _merit_score(population: Population, scenario: Scenario) -> np.ndarray:
    """``exp(z_merit - stigma * S)``: the ``best`` score (``promotion_score``)."""
    z = _standardise(population.merit)
    z = z - scenario.policy.discipline.stigma * population.stigma
    return np.exp(np.clip(z, -Z_CLIP, Z_CLIP))


def chain_in_one_solve(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    score: np.ndarray,
    year: int,
    worst: np.ndarray | None = None,
) -> Allocation | None:
    """The year's vacancy chains as one allocation problem, or None if it cannot be.

    With every candidate eligible, the number of promotions into level L is known
    before solving: ``k_L = min(v_L + k_{L+1}, c_{L-1})`` (v_L vacant posts of the
    level, c_{L-1} holders of the level below). Which posts the chain will free is
    not known until the solve, so the problem offers, per level, its vacant posts
    and stand-ins for the posts its own promotees will leave (other posts of the
    same level, identical in a ladder); after the solve the moves into each level
    take the vacant posts first, then the posts left by that level's promotees.
    None (use ``chain_by_level``) if the optimum does not fill every ``k_L`` with a
    candidate from the level just below (eligibility rules left a level short).
    """
    vacant = vacant_posts(population, organisation)
    level = held_level(population, organisation)
    post_level = organisation.post_level
    top = int(post_level.max(initial=0))
    holders = np.bincount(level, minlength=top + 1)
    count = np.zeros(top + 2, np.int64)
    offered = []
    for lv in range(top, 0, -1):
        free = np.flatnonzero(vacant & (post_level == lv))
        count[lv] = min(len(free) + count[lv + 1], holders[lv - 1])
        stand_ins = np.flatnonzero(~vacant & (post_level == lv))
        offered.append(np.concatenate([free, stand_ins])[:count[lv]])
    empty = np.zeros(0, np.int64)
    if count.sum() == 0:
        return Allocation(empty, empty.astype(bool), empty, empty, score, ())
    rules = allocation_rules(scenario, optimize.Mobility.WITHIN_UNIT, share_targets=False)
    offered = np.concatenate(offered)
    rows, _, post, _, status = _solve(
        population, organisation, score, population.block_until > year,
        np.flatnonzero(level < top), offered, np.arange(organisation.n_units),
        organisation.unit_names, None, rules,
        worst_posts=None if worst is None else worst[offered])
    into = post_level[post]
    if np.any(into != level[rows] + 1) or np.any(np.bincount(into, minlength=top + 2) != count):
        return None
    parts = []
    for lv in range(top, 0, -1):
        movers = rows[into == lv]
        promoted_out = parts[-1][0] if parts else empty
        left = population.post[promoted_out]
        free = np.concatenate([np.flatnonzero(vacant & (post_level == lv)), left[left >= 0]])
        parts.append((movers, free[:len(movers)]))
    moved = np.concatenate([m for m, _ in parts])
    posts = np.concatenate([f for _, f in parts])
    return Allocation(moved, np.ones(len(moved), bool), posts, population.rank[moved] + 1,
                      score, (status,))


def chain_by_level(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    score: np.ndarray,
    year: int,
    worst: np.ndarray | None = None,
) -> Allocation:
    """The year's vacancy chains top-down, one allocation problem per level with vacancies."""
    blocked = population.block_until > year
    vacant = vacant_posts(population, organisation)
    level = held_level(population, organisation)
    moved = np.zeros(len(population), bool)
    rules = allocation_rules(scenario, optimize.Mobility.WITHIN_UNIT, share_targets=False)
    units = np.arange(organisation.n_units)
    parts, statuses = [], []
    for post_level in range(int(organisation.post_level.max(initial=0)), 0, -1):
        posts = np.flatnonzero(vacant & (organisation.post_level == post_level))
        candidates = np.flatnonzero((level == post_level - 1) & ~moved)
        if len(posts) == 0 or len(candidates) == 0:
            continue
        rows, is_post, post, _, status = _solve(
            population, organisation, score, blocked, candidates, posts, units,
            organisation.unit_names, None, rules,
            worst_posts=None if worst is None else worst[posts])
        statuses.append(status)
        parts.append((rows, is_post, post, population.rank[rows] + 1))
        moved[rows] = True
        vacant[post] = False
        left = population.post[rows]
        vacant[left[left >= 0]] = True
    if not parts:
        empty = np.zeros(0, np.int64)
        return Allocation(empty, empty.astype(bool), empty, empty, score, ())
    columns = [np.concatenate(c) for c in zip(*parts, strict=True)]
    return Allocation(*columns, score=score, statuses=tuple(statuses))


def apply_allocation(
    population: Population,
    allocation: Allocation,
    organisation: Organisation,
    scenario: Scenario,
    rng: np.random.Generator,
) -> tuple[Population, MoveBatch]:
    r"""Carry out the promotions.

    Every move sets the rank to the move's ``new_rank`` (a county post move keeps
    the rank; a rank move or a ladder's chain move raises it by one) and a change
    of rank restarts years in grade. A post move gives the post (and its unit) and
    redraws role-specific ability with correlation ``transfer`` to the old one
    (``sim.phases.ability.promoted_ability``; Pluchino, Rapisarda and Garofalo, Physica A
    389 (2010) 467-472: 1 = competence carries over, 0 = the Peter hypothesis):

    .. math:: a' = t\,a + \sqrt{1 - t^2}\,\sigma_a\,N(0, 1)

    A rank slot (职级) changes pay and standing, not the job, so ability is kept.
    """
    rows, is_post = allocation.row, allocation.is_post
    post_rows = rows[is_post]
    unit, rank, post = population.unit.copy(), population.rank.copy(), population.post.copy()
    years_in_grade = population.years_in_grade.copy()
    years_in_post = population.years_in_post.copy()
    ability = population.ability.copy()
    rank[rows] = allocation.new_rank
    years_in_grade[rows[allocation.new_rank != population.rank[rows]]] = 0.0
    new_posts = allocation.post[is_post]
    post[post_rows] = new_posts
    unit[post_rows] = organisation.post_unit[new_posts]
    years_in_post[post_rows] = 0.0
    ability[post_rows] = promoted_ability(ability[post_rows], scenario, rng)
    new = replace(population, unit=unit, rank=rank, post=post, years_in_grade=years_in_grade,
                  years_in_post=years_in_post, ability=ability)
    reason = np.where(is_post, MoveReason.POST_PROMOTION, MoveReason.RANK_PROMOTION)
    batch = move_batch(reason, population.id[rows], population.unit[rows], unit[rows],
                       rank[rows], post[rows])
    return new, batch


def rotate(
    population: Population,
    organisation: Organisation,
    scenario: Scenario,
    exclude: np.ndarray,
    rng: np.random.Generator,
) -> tuple[Population, MoveBatch]:
    """Rotation (交流任职, 双向互派, seeds 002 and 004): organ and frontline cadres
    without a post swap units in pairs of the same rank.

    In each rank, ``share`` of the smaller side (stochastically rounded) is
    paired at random with as many cadres of the other side; the pair exchanges
    units. Swaps keep every unit's headcount and every pool's rank counts, so
    establishment and quotas hold. Frontline years then grow ability
    (``grow_older``).

    Parameters
    ----------
    exclude : (n,) bool
        Cadres that may not rotate this year (promoted in this allocation).
    """
    share = scenario.policy.rotation.share
    if share <= 0 or len(population) == 0:
        return population, no_moves()
    n_ranks = len(organisation.rank_quota)
    free = (population.post < 0) & ~exclude
    frontline = organisation.unit_frontline[population.unit]
    organ_side, front_side = free & ~frontline, free & frontline
    n_organ = np.bincount(population.rank[organ_side], minlength=n_ranks)
    n_front = np.bincount(population.rank[front_side], minlength=n_ranks)
    pairs = stochastic_round(share * np.minimum(n_organ, n_front), rng)
    key = rng.random(len(population))
    # Position within (side, rank) in random order; the first pairs[rank] of each side go.
    group = population.rank * 2 + frontline
    position = position_in_group(np.where(free, group, -1) + 1, key)
    chosen = free & (position < pairs[population.rank])
    organ_rows = np.flatnonzero(chosen & ~frontline)
    front_rows = np.flatnonzero(chosen & frontline)
    organ_rows = organ_rows[np.lexsort((position[organ_rows], population.rank[organ_rows]))]
    front_rows = front_rows[np.lexsort((position[front_rows], population.rank[front_rows]))]
    unit = population.unit.copy()
    unit[organ_rows], unit[front_rows] = population.unit[front_rows], population.unit[organ_rows]
    rows = np.concatenate([organ_rows, front_rows])
    batch = move_batch(MoveReason.ROTATION, population.id[rows], population.unit[rows], unit[rows],
                       population.rank[rows], population.post[rows])
    return replace(population, unit=unit), batch
