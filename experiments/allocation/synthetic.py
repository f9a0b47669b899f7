"""Synthetic county-level allocation instances (一个县区的干部选任) and their input files.

A county or district has organs (机关: finance, organisation, education ...) and
frontline units (镇街 towns and sub-districts, 园区 industrial parks, 重点项目
key-project command posts) whose hardship rises from the county seat to remote
towns and project sites. Its cadres hold ranks 0..5 (``RANK_NAMES``, 科员 up to
四级调研员, the deputy-division equivalent) and some hold leadership posts of
level 1 (副科) or 2 (正科). Each year a few leadership posts are vacant (levels
1..3, 副科 .. 副处, the minimum rank rising with the level) and each rank pool
(职级职数, one for the organs and one or more for frontline staff) has some
headroom per rank. A handful of key posts must be filled.

``synthetic_county`` draws such an instance from ``np.random.default_rng(seed)``
only, with vectorised numpy; the same arguments always give the same instance.
``write_inputs`` writes it in the input contract of ``youwei allocate``
(``candidates.csv``, ``posts.csv``, ``pools.csv``, ``rules.toml``, ``fit.csv``)
and ``regenerate_example`` rebuilds the bundled ``scenarios/examples/county``::

    python -m experiments.allocation.synthetic scenarios/examples/county

Every instance is feasible under its rules: the must-fill flags are kept only
on posts for which a hand-built proposal (a witness) meets every rule.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import tomli_w

from optimize.eligibility import EligiblePairs, eligible_pairs
from optimize.problem import AllocationProblem, Candidates, Fit, Posts, RankPools
from optimize.rules import Eligibility, Limits, Mobility, Names, Rules, Targets, Weights

RANK_NAMES = ("科员", "四级主任科员", "三级主任科员", "二级主任科员", "一级主任科员", "四级调研员")
"""Rank 0..5 of the generated cadres (综合管理类公务员职级, clerk to deputy-division equivalent)."""

LEVEL_NAMES = {1: "副科", 2: "正科", 3: "副处"}
"""Leadership post levels of the generated vacancies."""

TOP_RANK = len(RANK_NAMES) - 1


class UnitKind(StrEnum):
    """Kinds of county units; every kind but ``ORGAN`` is frontline (一线)."""

    ORGAN = "organ"  # 县直机关
    TOWN = "town"  # 镇街
    PARK = "park"  # 园区
    PROJECT = "project"  # 重点项目指挥部


# Made-up but plausible Chinese names (a county's organs, towns, parks and project sites).
UNIT_NAMES = {
    UnitKind.ORGAN: (
        "县财政局", "县委组织部", "县纪委监委", "县发展改革局", "县教育局", "县卫生健康局",
        "县农业农村局", "县自然资源局", "县生态环境局", "县住房城乡建设局", "县交通运输局",
        "县水利局", "县商务局", "县文化旅游局", "县应急管理局", "县市场监管局", "县民政局",
        "县司法局", "县人力资源社会保障局", "县审计局", "县统计局", "县退役军人事务局",
        "县信访局", "县政府办公室",
    ),
    UnitKind.TOWN: (
        "新庄镇", "东坝镇", "黄桥镇", "城关街道", "桥头镇", "石马镇", "龙泉镇", "白沙镇",
        "高桥镇", "梨树镇", "杨柳镇", "双庙镇", "和平镇", "大兴镇", "西坝镇", "南湖镇",
        "北山镇", "金鸡镇", "太平镇", "王集镇",
    ),
    UnitKind.PARK: (
        "高新技术产业园区", "经济开发区", "物流园区", "农业示范园区", "新材料产业园",
        "跨境电商园区",
    ),
    UnitKind.PROJECT: (
        "高铁建设指挥部", "重点项目指挥部", "水库建设指挥部", "老城区改造指挥部",
        "机场建设指挥部", "河道治理指挥部",
    ),
}

POST_TITLES = {
    UnitKind.ORGAN: {1: "副局长", 2: "局长", 3: "党组书记"},
    UnitKind.TOWN: {1: "副镇长", 2: "镇长", 3: "党委书记"},
    UnitKind.PARK: {1: "管委会副主任", 2: "管委会主任", 3: "党工委书记"},
    UnitKind.PROJECT: {1: "副指挥长", 2: "常务副指挥长", 3: "指挥长"},
}
"""Post titles by unit kind and level (副科, 正科, 副处) for the example's people file."""

SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰鹏辉晓燕")
ETHNICITIES = ("汉族", "回族", "满族", "蒙古族", "土家族")
ETHNICITY_SHARES = (0.88, 0.05, 0.03, 0.02, 0.02)
FEMALE_SHARE = 0.38

UNIT_KIND_SHARES = {UnitKind.ORGAN: 0.50, UnitKind.TOWN: 0.35, UnitKind.PARK: 0.10,
                    UnitKind.PROJECT: 0.05}
STAFF_WEIGHT = {UnitKind.ORGAN: 1.0, UnitKind.TOWN: 1.6, UnitKind.PARK: 0.8,
                UnitKind.PROJECT: 0.5}
HARDSHIP_RANGE = {UnitKind.ORGAN: (1.0, 1.0), UnitKind.TOWN: (1.0, 1.6),
                  UnitKind.PARK: (1.0, 1.3), UnitKind.PROJECT: (1.3, 1.8)}

RANK_SHARES = np.array([0.22, 0.24, 0.22, 0.16, 0.11, 0.05])
LEVEL_SHARES = np.array([0.6, 0.3, 0.1])  # vacancies at levels 1, 2, 3
BASE_MIN_RANK = np.array([0, 1, 3])  # by level 1, 2, 3; +1 for a share of posts
MIN_RANK_STEP_SHARE = 0.4
MIN_RANK_RANGE = np.array([[0, 3], [1, 4], [3, 5]])  # bounds when tuning eligibility
LEVEL_WEIGHT = np.array([1.0, 1.25, 1.6])
PROMOTION_RATE = np.array([0.08, 0.07, 0.06, 0.05, 0.04])  # headroom into ranks 1..5
FRONTLINE_POOL_BONUS = 1.25  # 核增编制: frontline pools get more headroom
BLOCKED_SHARE = 0.03
MUST_FILL_SHARE = 0.1
FIT_PAIRS_PER_POST = 0.5
CANDIDATES_PER_UNIT = 20

CANDIDATE_COLUMNS = ("id", "unit", "rank", "age", "years_in_grade", "score", "post_level",
                     "frontline", "hardship", "blocked", "pool")
POST_COLUMNS = ("id", "unit", "level", "min_rank", "weight", "must_fill")
POOL_COLUMNS = ("pool", "rank", "headroom")
FIT_COLUMNS = ("candidate", "post", "fit")

EXAMPLE = {"n_candidates": 600, "n_posts": 40, "n_pools": 4, "seed": 20240615}
"""Size and seed of the bundled ``scenarios/examples/county``."""


@dataclass(frozen=True)
class Units:
    """The county's units (arrays ``(n_units,)``)."""

    name: tuple[str, ...]
    kind: tuple[UnitKind, ...]
    hardship: np.ndarray
    pool: np.ndarray
    staff_weight: np.ndarray

    @property
    def frontline(self) -> np.ndarray:
        return np.array([k is not UnitKind.ORGAN for k in self.kind], bool)


@dataclass(frozen=True)
class PoolLayout:
    """Rank pools: names, whether each is a frontline pool, and each unit's pool."""

    name: tuple[str, ...]
    frontline: np.ndarray
    of_unit: np.ndarray


def default_rules(
    young_share_min: float = 0.2,
    frontline_share_min: float = 0.5,
    *,
    frontline_weight: float = 1.3,
    hardship_exponent: float = 1.0,
    max_age: int = 55,
    mobility: Mobility = Mobility.UNIFIED,
    max_outflow_per_unit: int = 2,
    min_years_relief: float = 1.0,
    relief_top_share: float = 0.1,
) -> Rules:
    """Allocation rules a county organisation department could plausibly set.

    Minimum years in grade follow the spirit of the 2019 selection regulations
    (党政领导干部选拔任用工作条例: two years in a deputy post before a full post,
    three before the next tier) and the rank rules (公务员职务与职级并行规定:
    three years to 四级主任科员, two to each rank above). Competitive selection
    (竞岗) relieves the top ``relief_top_share`` by ``min_years_relief`` years.

    Parameters
    ----------
    young_share_min, frontline_share_min : float in [0, 1]
        Young share of post moves (age <= 35) and frontline share of all moves.
    frontline_weight : float > 0
        Objective multiplier of frontline candidates.
    hardship_exponent : float >= 0
        Exponent of the unit's hardship in the objective multiplier.
    max_age : int
        Age limit for leadership posts (not for rank promotions).
    mobility : Mobility
        ``UNIFIED`` is 区镇一体化 (any post in the county).
    max_outflow_per_unit : int
        Post moves out of one unit per year; -1 = no limit.
    min_years_relief : float >= 0
        Years taken off every minimum-years rule for the top performers.
    relief_top_share : float in [0, 1]
        Share of candidates (by score) who get the relief.

    Returns
    -------
    Rules
    """
    return Rules(
        eligibility=Eligibility(
            min_years_post={1: 2.0, 2: 2.0, 3: 3.0},
            min_years_rank={1: 3.0, 2: 2.0, 3: 2.0, 4: 2.0, 5: 2.0},
            min_years_relief=min_years_relief,
            relief_top_share=relief_top_share,
            max_age=max_age,
            mobility=mobility,
        ),
        targets=Targets(young_age_max=35, young_share_min=young_share_min,
                        frontline_share_min=frontline_share_min),
        weights=Weights(frontline_weight=frontline_weight, hardship_exponent=hardship_exponent),
        limits=Limits(max_outflow_per_unit=max_outflow_per_unit),
    )


def synthetic_county(
    n_candidates: int,
    n_posts: int,
    n_pools: int,
    *,
    seed: int,
    n_units: int | None = None,
    eligible_posts_per_candidate: float | None = None,
    rules: Rules | None = None,
) -> AllocationProblem:
    """A realistic, feasible county-level allocation instance.

    Parameters
    ----------
    n_candidates : int >= 1
        Cadres (rows of ``candidates.csv``).
    n_posts : int >= 0
        Vacant leadership posts.
    n_pools : int >= 1
        Rank pools: 1 ``全县``; 2 ``县直机关``, ``一线``; 3 adds
        ``towns`` and ``parks`` (parks and projects); 4 adds ``projects``; more
        split the towns (``镇街2`` ...).
    seed : int
        Root of ``np.random.default_rng``; the only source of randomness.
    n_units : int, optional
        Units in the county (half organs, a third towns, some parks and
        projects). Default ``n_candidates / 20`` (at least 2), or calibrated to
        ``eligible_posts_per_candidate`` when that is given.
    eligible_posts_per_candidate : float, optional
        Target average number of eligible posts per candidate (eligible
        (candidate, post) pairs / ``n_candidates``, as counted by
        ``optimize.eligibility.eligible_pairs``). Under unified mobility every
        candidate of a rank may take every post of a level, so the average grows
        with ``n_posts``; the target is reached instead with ``within_unit``
        mobility: the number of units is calibrated (eligible posts per
        candidate fall as posts spread over more units), then posts' minimum
        ranks are moved one step at a time, within a band per level
        (``MIN_RANK_RANGE``), until the count is closest to the target. The
        default rules then use ``within_unit`` mobility; explicit ``rules`` must.
    rules : Rules, optional
        Default ``default_rules()``. The instance is feasible under them.

    Returns
    -------
    AllocationProblem
        Candidates sorted by unit, then rank (highest first); ids ``C0001``...,
        posts ``P001``...

    Raises
    ------
    ValueError
        On sizes out of range, or a target with rules of unified mobility.
    """
    _check_sizes(n_candidates, n_posts, n_pools, n_units, eligible_posts_per_candidate)
    rules = _rules_for(rules, eligible_posts_per_candidate)
    if eligible_posts_per_candidate is None:
        units_count = default_unit_count(n_candidates) if n_units is None else n_units
        return _draw_county(n_candidates, n_posts, n_pools, units_count, rules, seed, None)
    target_pairs = eligible_posts_per_candidate * n_candidates
    if n_units is None:
        n_units = calibrate_unit_count(n_candidates, n_posts, n_pools, rules, seed, target_pairs)
    return _draw_county(n_candidates, n_posts, n_pools, n_units, rules, seed, target_pairs)


def default_unit_count(n_candidates: int) -> int:
    """About ``CANDIDATES_PER_UNIT`` cadres per unit, at least one organ and one frontline unit."""
    return max(2, round(n_candidates / CANDIDATES_PER_UNIT))


def _check_sizes(n_candidates: int, n_posts: int, n_pools: int, n_units: int | None,
                 target: float | None) -> None:
    if n_candidates < 1 or n_posts < 0 or n_pools < 1:
        raise ValueError("need n_candidates >= 1, n_posts >= 0 and n_pools >= 1")
    if n_units is not None and n_units < 1:
        raise ValueError("n_units must be >= 1")
    if target is not None and not target > 0:
        raise ValueError("eligible_posts_per_candidate must be > 0")


def _rules_for(rules: Rules | None, target: float | None) -> Rules:
    if rules is None:
        return default_rules(mobility=Mobility.UNIFIED if target is None else Mobility.WITHIN_UNIT)
    if target is not None and rules.eligibility.mobility is not Mobility.WITHIN_UNIT:
        raise ValueError(
            "eligible_posts_per_candidate is reached through within_unit mobility: "
            "pass rules with eligibility.mobility = 'within_unit', or no rules"
        )
    return rules


def _draw_county(n_candidates: int, n_posts: int, n_pools: int, n_units: int, rules: Rules,
                 seed: int, target_pairs: float | None) -> AllocationProblem:
    """The whole instance; minimum ranks tuned to ``target_pairs`` when given."""
    rng = np.random.default_rng(seed)
    problem = _draw_structure(n_candidates, n_posts, n_pools, n_units, rules, rng)
    if target_pairs is not None:
        problem = tune_min_rank(problem, target_pairs)
    pairs = eligible_pairs(problem)
    must_fill = feasible_must_fill(problem, pairs, choose_key_posts(problem, rng))
    posts = dataclasses.replace(problem.posts, must_fill=must_fill)
    return dataclasses.replace(problem, posts=posts, fit=draw_fit(problem, pairs, rng))


def _draw_structure(n_candidates: int, n_posts: int, n_pools: int, n_units: int, rules: Rules,
                    rng: np.random.Generator) -> AllocationProblem:
    """Units, candidates, posts and pools (no must-fill flags, no fit)."""
    layout_kinds = unit_kinds(n_units)
    layout = pool_layout(layout_kinds, n_pools)
    units = draw_units(layout_kinds, layout, rng)
    candidates = draw_candidates(n_candidates, units, rng)
    posts = draw_posts(n_posts, units, candidates, rng)
    pools = draw_pools(candidates, layout, rng)
    return AllocationProblem(candidates=candidates, posts=posts, pools=pools, rules=rules,
                             unit_names=units.name, pool_names=layout.name)


def unit_kinds(n_units: int) -> tuple[UnitKind, ...]:
    """Kinds of ``n_units`` units in ``UNIT_KIND_SHARES``, at least one organ and one town."""
    n_park = round(UNIT_KIND_SHARES[UnitKind.PARK] * n_units)
    n_project = round(UNIT_KIND_SHARES[UnitKind.PROJECT] * n_units)
    n_town = max(min(1, n_units - 1), round(UNIT_KIND_SHARES[UnitKind.TOWN] * n_units))
    n_organ = max(1, n_units - n_town - n_park - n_project)
    n_park = n_units - n_organ - n_town - n_project
    if n_park < 0:
        n_project += n_park
        n_park = 0
    counts = {UnitKind.ORGAN: n_organ, UnitKind.TOWN: n_town, UnitKind.PARK: n_park,
              UnitKind.PROJECT: n_project}
    return tuple(kind for kind, count in counts.items() for _ in range(count))


def unit_names(kinds: Sequence[UnitKind]) -> tuple[str, ...]:
    """Unique names: the kind's list in order, then the list again with ``_2``, ``_3`` ..."""
    seen = dict.fromkeys(UnitKind, 0)
    names = []
    for kind in kinds:
        base, k = UNIT_NAMES[kind], seen[kind]
        repeat = k // len(base)
        names.append(base[k % len(base)] + (f"_{repeat + 1}" if repeat else ""))
        seen[kind] += 1
    return tuple(names)


def pool_layout(kinds: Sequence[UnitKind], n_pools: int) -> PoolLayout:
    """Rank pools by unit kind (see ``synthetic_county``); towns share extra pools in turn."""
    kind = np.array([str(k) for k in kinds])
    organ = kind == UnitKind.ORGAN
    if n_pools == 1:
        return PoolLayout(("全县",), np.zeros(1, bool), np.zeros(len(kinds), np.int64))
    if n_pools == 2:
        return PoolLayout(("县直机关", "一线"), np.array([False, True]),
                          np.where(organ, 0, 1).astype(np.int64))
    town = kind == UnitKind.TOWN
    town_pools = np.array([1] + list(range(4, n_pools)))
    town_pool = town_pools[(np.cumsum(town) - 1) % len(town_pools)]
    project_pool = 2 if n_pools == 3 else 3
    of_unit = np.select([organ, town, kind == UnitKind.PARK], [0, town_pool, 2], project_pool)
    names = ["县直机关", "镇街", "园区", "重点项目"][:n_pools]
    names += [f"镇街{k}" for k in range(2, n_pools - 2)]
    frontline = np.arange(n_pools) > 0
    return PoolLayout(tuple(names), frontline, of_unit.astype(np.int64))


def draw_units(kinds: Sequence[UnitKind], layout: PoolLayout, rng: np.random.Generator) -> Units:
    """Hardship (rounded to 0.05) and relative staff size of each unit."""
    low = np.array([HARDSHIP_RANGE[k][0] for k in kinds])
    high = np.array([HARDSHIP_RANGE[k][1] for k in kinds])
    hardship = np.round(rng.uniform(low, high) * 20) / 20
    staff = np.array([STAFF_WEIGHT[k] for k in kinds]) * rng.lognormal(0.0, 0.3, len(kinds))
    return Units(unit_names(kinds), tuple(kinds), hardship, layout.of_unit, staff)


def draw_candidates(n: int, units: Units, rng: np.random.Generator) -> Candidates:
    """Cadres: a rank pyramid, ages rising with rank (23..59), years in grade, merit scores.

    Ages are ``27 + 5 rank + N(0, 7)``, at least ``23 + 2 rank``; years in
    grade ``Gamma(2, 1.5)`` rounded to 0.1 and below ``age - 22``; scores
    ``N(70, 10)`` clipped to [30, 100], two decimals. Among ranks >= 3, 20% hold
    a level-2 post; among ranks >= 1, a further 25% hold a level-1 post.
    """
    unit = rng.choice(len(units.name), size=n, p=units.staff_weight / units.staff_weight.sum())
    rank = rng.choice(TOP_RANK + 1, size=n, p=RANK_SHARES)
    age = np.clip(np.round(27 + 5.0 * rank + rng.normal(0.0, 7.0, n)), 23 + 2 * rank, 59)
    years = np.minimum(np.round(rng.gamma(2.0, 1.5, n), 1), age - 22)
    score = np.round(np.clip(rng.normal(70.0, 10.0, n), 30.0, 100.0), 2)
    u = rng.random(n)
    post_level = np.select([(rank >= 3) & (u < 0.2), (rank >= 1) & (u < 0.45)], [2, 1], 0)
    blocked = rng.random(n) < BLOCKED_SHARE
    order = np.lexsort((-rank, unit))
    width = len(str(n))
    return Candidates(
        id=np.array([f"C{k + 1:0{max(width, 4)}d}" for k in range(n)], dtype=object),
        unit=unit[order],
        rank=rank[order],
        age=age[order].astype(np.int64),
        years_in_grade=years[order],
        score=score[order],
        post_level=post_level[order],
        frontline=units.frontline[unit[order]],
        hardship=units.hardship[unit[order]],
        blocked=blocked[order],
        pool=units.pool[unit[order]],
    )


def draw_posts(n: int, units: Units, candidates: Candidates, rng: np.random.Generator) -> Posts:
    """Vacancies in units in proportion to their staff; levels 1..3; min rank rising with level.

    Weight (importance) is ``LEVEL_WEIGHT`` times a ±10% jitter, two decimals.
    """
    staff = np.bincount(candidates.unit, minlength=len(units.name)).astype(float)
    unit = rng.choice(len(units.name), size=n, p=staff / staff.sum())
    level = rng.choice(3, size=n, p=LEVEL_SHARES) + 1
    min_rank = BASE_MIN_RANK[level - 1] + (rng.random(n) < MIN_RANK_STEP_SHARE)
    weight = np.round(LEVEL_WEIGHT[level - 1] * rng.uniform(0.9, 1.1, n), 2)
    order = np.lexsort((-level, unit))
    width = max(3, len(str(n)))
    return Posts(
        id=np.array([f"P{k + 1:0{width}d}" for k in range(n)], dtype=object),
        unit=unit[order],
        level=level[order],
        min_rank=min_rank[order],
        weight=weight[order],
        must_fill=np.zeros(n, bool),
    )


def draw_pools(candidates: Candidates, layout: PoolLayout, rng: np.random.Generator) -> RankPools:
    """One row per (pool, rank 1..5); headroom ~ Binomial(cadres one rank below, rate).

    ``rate`` is ``PROMOTION_RATE`` for the rank, times ``FRONTLINE_POOL_BONUS``
    in frontline pools.
    """
    n_pools = len(layout.name)
    below = np.bincount(candidates.pool * (TOP_RANK + 1) + candidates.rank,
                        minlength=n_pools * (TOP_RANK + 1)).reshape(n_pools, TOP_RANK + 1)
    rate = PROMOTION_RATE[None, :] * np.where(layout.frontline, FRONTLINE_POOL_BONUS, 1.0)[:, None]
    headroom = rng.binomial(below[:, :TOP_RANK], rate)
    pool, rank = np.divmod(np.arange(n_pools * TOP_RANK), TOP_RANK)
    return RankPools(pool=pool, rank=rank + 1, headroom=headroom.ravel())


def post_eligible_counts(problem: AllocationProblem) -> np.ndarray:
    """``(n_posts, TOP_RANK + 2) int``: eligible candidates of each post if its min rank were m.

    Column ``m`` counts the candidates eligible under every other rule with
    rank >= m (the last column, m = TOP_RANK + 1, is 0).
    """
    open_posts = dataclasses.replace(problem.posts, min_rank=np.zeros(problem.n_posts, np.int64))
    pairs = eligible_pairs(dataclasses.replace(problem, posts=open_posts))
    width = TOP_RANK + 1
    by_rank = np.bincount(pairs.post_post * width + problem.candidates.rank[pairs.post_candidate],
                          minlength=problem.n_posts * width).reshape(problem.n_posts, width)
    at_least = np.cumsum(by_rank[:, ::-1], axis=1)[:, ::-1]
    return np.hstack([at_least, np.zeros((problem.n_posts, 1), np.int64)])


def tune_min_rank(problem: AllocationProblem, target_pairs: float) -> AllocationProblem:
    """Move posts' minimum ranks one step at a time, in post order, toward ``target_pairs``.

    A step is taken only if it brings the number of eligible (candidate, post)
    pairs closer to the target, and only within ``MIN_RANK_RANGE`` of the
    post's level; it stops when a full pass takes no step.
    """
    counts = post_eligible_counts(problem)
    min_rank = problem.posts.min_rank.copy()
    bounds = MIN_RANK_RANGE[problem.posts.level - 1]
    rows = np.arange(problem.n_posts)
    total = int(counts[rows, min_rank].sum())
    moved = True
    while moved:
        moved = False
        step = 1 if total > target_pairs else -1
        for j in rows:
            new = min_rank[j] + step
            if not bounds[j, 0] <= new <= bounds[j, 1]:
                continue
            new_total = total - counts[j, min_rank[j]] + counts[j, new]
            if abs(new_total - target_pairs) < abs(total - target_pairs):
                min_rank[j], total, moved = new, int(new_total), True
                if (total > target_pairs) != (step > 0):
                    break
    return dataclasses.replace(problem, posts=dataclasses.replace(problem.posts, min_rank=min_rank))


def average_eligible_posts(problem: AllocationProblem) -> float:
    """Eligible (candidate, post) pairs per candidate."""
    return eligible_pairs(problem).n_post_pairs / max(problem.n_candidates, 1)


def calibrate_unit_count(n_candidates: int, n_posts: int, n_pools: int, rules: Rules, seed: int,
                         target_pairs: float) -> int:
    """The unit count whose untuned instance is closest to ``target_pairs`` (log scale).

    Eligible posts per candidate fall roughly as 1 / units under within-unit
    mobility; a few multiplicative updates from the default count settle it.
    """
    target = target_pairs / n_candidates
    count = default_unit_count(n_candidates)
    tried: dict[int, float] = {}
    while count not in tried and len(tried) < 8:
        rng = np.random.default_rng(seed)
        problem = _draw_structure(n_candidates, n_posts, n_pools, count, rules, rng)
        tried[count] = average_eligible_posts(problem)
        ratio = tried[count] / target if tried[count] > 0 else 0.5
        count = int(np.clip(round(count * ratio), 2, max(2, n_candidates)))
    return min(tried, key=lambda n: (abs(math.log(max(tried[n], 1e-9) / target)), n))


def choose_key_posts(problem: AllocationProblem, rng: np.random.Generator) -> np.ndarray:
    """Indices of about ``MUST_FILL_SHARE`` of the posts, the highest levels and frontline first."""
    p = problem.posts
    n_key = min(len(p), math.ceil(MUST_FILL_SHARE * len(p)))
    frontline_unit = np.zeros(len(problem.unit_names), bool)
    frontline_unit[problem.candidates.unit[problem.candidates.frontline]] = True
    priority = p.level + 0.5 * frontline_unit[p.unit] + rng.random(len(p))
    return np.sort(np.argsort(-priority, kind="stable")[:n_key])


def feasible_must_fill(problem: AllocationProblem, pairs: EligiblePairs,
                       key_posts: np.ndarray) -> np.ndarray:
    """``(n_posts,) bool``: the key posts kept as must-fill, so that the instance stays feasible.

    A witness proposal fills the must-fill posts greedily (posts with the fewest
    eligible candidates first), choosing holders so that the young and
    frontline shares are met and no unit loses more than the outflow limit. If
    a post cannot be filled, or the shares are missed, the post with the fewest
    eligible candidates loses its flag and the witness is rebuilt; an empty
    proposal is always feasible, so this stops.
    """
    holders_of = _candidates_by_post(problem, pairs)
    keep = sorted(key_posts.tolist(), key=lambda j: (len(holders_of[j]), j))
    while keep and not _witness(problem, holders_of, keep):
        keep = keep[1:]
    must_fill = np.zeros(problem.n_posts, bool)
    must_fill[keep] = True
    return must_fill


def _candidates_by_post(problem: AllocationProblem, pairs: EligiblePairs) -> list[np.ndarray]:
    order = np.argsort(pairs.post_post, kind="stable")
    bounds = np.searchsorted(pairs.post_post[order], np.arange(problem.n_posts + 1))
    cand = pairs.post_candidate[order]
    return [cand[bounds[j]:bounds[j + 1]] for j in range(problem.n_posts)]


def _witness(problem: AllocationProblem, holders_of: list[np.ndarray], posts: list[int]) -> bool:
    """Whether a greedy proposal fills ``posts`` (and nothing else) within every rule."""
    c, rules = problem.candidates, problem.rules
    young = c.age <= rules.targets.young_age_max
    need_young = math.ceil(rules.targets.young_share_min * len(posts) - 1e-9)
    need_front = math.ceil(rules.targets.frontline_share_min * len(posts) - 1e-9)
    limit = rules.limits.max_outflow_per_unit
    used = np.zeros(len(c), bool)
    outflow = np.zeros(len(problem.unit_names), np.int64)
    n_young = n_front = 0
    for j in posts:
        cand = holders_of[j]
        leaving = c.unit[cand] != problem.posts.unit[j]
        unit_full = (limit >= 0) & (outflow[c.unit[cand]] >= limit)
        cand = cand[~used[cand] & ~(leaving & unit_full)]
        if len(cand) == 0:
            return False
        # Prefer holders who still count towards a share target, then the best scores.
        helps = (young[cand] & (n_young < need_young)).astype(int) \
            + (c.frontline[cand] & (n_front < need_front)).astype(int)
        best = cand[np.lexsort((-c.score[cand], -helps))[0]]
        used[best] = True
        outflow[c.unit[best]] += int(c.unit[best] != problem.posts.unit[j])
        n_young += int(young[best])
        n_front += int(c.frontline[best])
    return n_young >= need_young and n_front >= need_front


def draw_fit(problem: AllocationProblem, pairs: EligiblePairs, rng: np.random.Generator) -> Fit:
    """Fit (人岗相适) for ``FIT_PAIRS_PER_POST`` eligible pairs per post, in [0.8, 1.3]."""
    n_fit = min(pairs.n_post_pairs, math.ceil(FIT_PAIRS_PER_POST * problem.n_posts))
    chosen = np.sort(rng.choice(pairs.n_post_pairs, size=n_fit, replace=False))
    fit = np.round(rng.uniform(0.8, 1.3, n_fit), 2)
    return Fit(candidate=pairs.post_candidate[chosen], post=pairs.post_post[chosen], fit=fit)


@dataclass(frozen=True)
class People:
    """Made-up personal columns of the example (never read by the program unless a
    composition or team rule names them).

    ``name``, ``gender``, ``ethnicity``: ``(n_candidates,) str``; ``post_title``:
    ``(n_posts,) str``; ``team``: rows ``(unit, name, gender, ethnicity)`` of the
    current leadership team of every unit with a vacant post (3 to 5 members).
    """

    name: np.ndarray
    gender: np.ndarray
    ethnicity: np.ndarray
    post_title: np.ndarray
    team: tuple[tuple[str, str, str, str], ...]


def unit_kind_of(name: str) -> UnitKind:
    """The kind of a generated unit name (``新庄镇`` or ``新庄镇_2``)."""
    base = name.rsplit("_", 1)[0] if name.rsplit("_", 1)[-1].isdigit() else name
    return next(kind for kind, names in UNIT_NAMES.items() if base in names)


ORGAN_HEADS = {"局": ("副局长", "局长"), "部": ("副部长", "部长"), "委": ("副主任", "主任"),
               "室": ("副主任", "主任")}


def post_title(unit: str, kind: UnitKind, level: int) -> str:
    """A post title that fits the unit (县委组织部 has a 部长, 县财政局 a 局长)."""
    base = unit.rsplit("_", 1)[0]
    if kind is UnitKind.ORGAN and level < 3:
        deputy, head = ORGAN_HEADS.get(base[-1], ("副局长", "局长"))
        return deputy if level == 1 else head
    if kind is UnitKind.TOWN and base.endswith("街道") and level < 3:
        return "办事处副主任" if level == 1 else "办事处主任"
    return POST_TITLES[kind][level]


def draw_people(problem: AllocationProblem, seed: int) -> People:
    """Names (姓 + one or two characters), gender, ethnicity, post titles and current teams."""
    rng = np.random.default_rng(seed)

    def names(n: int) -> np.ndarray:
        surname = rng.choice(SURNAMES, n)
        first = rng.choice(GIVEN, n)
        second = np.where(rng.random(n) < 0.6, rng.choice(GIVEN, n), "")
        return np.array([a + b + c for a, b, c in zip(surname, first, second, strict=True)],
                        dtype=object)

    def genders(n: int) -> np.ndarray:
        return np.where(rng.random(n) < FEMALE_SHARE, "女", "男").astype(object)

    def ethnicities(n: int) -> np.ndarray:
        return rng.choice(ETHNICITIES, n, p=ETHNICITY_SHARES).astype(object)

    n = problem.n_candidates
    person = (names(n), genders(n), ethnicities(n))
    kinds = [unit_kind_of(u) for u in problem.unit_names]
    p = problem.posts
    titles = np.array([post_title(problem.unit_names[u], kinds[u], int(level)) for u, level in
                       zip(p.unit.tolist(), p.level.tolist(), strict=True)], dtype=object)
    team = []
    for u in np.unique(p.unit).tolist():
        size = int(rng.integers(3, 6))
        for name, gender, ethnicity in zip(names(size), genders(size), ethnicities(size),
                                           strict=True):
            team.append((problem.unit_names[u], str(name), str(gender), str(ethnicity)))
    return People(*person, titles, tuple(team))


def write_inputs(problem: AllocationProblem, folder: Path,
                 people: People | None = None) -> None:
    """Write ``problem`` as the input files of ``youwei allocate``.

    ``candidates.csv``, ``posts.csv``, ``pools.csv``, ``rules.toml`` and, when
    there are fit pairs, ``fit.csv`` (a stale ``fit.csv`` is removed otherwise,
    so the folder always describes ``problem``). Units and pools by name, flags
    0/1, floats as ``repr`` (they read back exactly), UTF-8, ``\\n`` line ends.

    Parameters
    ----------
    problem : AllocationProblem
    folder : Path
        Created if missing; files in it are overwritten.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cand_header, cand_rows = CANDIDATE_COLUMNS, candidate_rows(problem)
    post_header, posts = POST_COLUMNS, post_rows(problem)
    if people is not None:
        cand_header += ("name", "gender", "ethnicity")
        cand_rows = [row + [a, b, c] for row, a, b, c in zip(
            cand_rows, people.name, people.gender, people.ethnicity, strict=True)]
        post_header += ("title",)
        posts = [row + [title] for row, title in zip(posts, people.post_title, strict=True)]
        _write_csv(folder / "teams.csv", ("unit", "name", "gender", "ethnicity"),
                   [list(row) for row in people.team])
    _write_csv(folder / "candidates.csv", cand_header, cand_rows)
    _write_csv(folder / "posts.csv", post_header, posts)
    _write_csv(folder / "pools.csv", POOL_COLUMNS, pool_rows(problem))
    (folder / "rules.toml").write_text(rules_toml(problem.rules), encoding="utf-8")
    fit_file = folder / "fit.csv"
    if len(problem.fit.fit):
        _write_csv(fit_file, FIT_COLUMNS, fit_rows(problem))
    elif fit_file.exists():
        fit_file.unlink()


def candidate_rows(problem: AllocationProblem) -> list[list[str]]:
    c = problem.candidates
    return _columns_to_rows([
        c.id.astype(str), _names(problem.unit_names, c.unit), _ints(c.rank), _ints(c.age),
        _floats(c.years_in_grade), _floats(c.score), _ints(c.post_level), _flags(c.frontline),
        _floats(c.hardship), _flags(c.blocked), _names(problem.pool_names, c.pool),
    ])


def post_rows(problem: AllocationProblem) -> list[list[str]]:
    p = problem.posts
    return _columns_to_rows([
        p.id.astype(str), _names(problem.unit_names, p.unit), _ints(p.level), _ints(p.min_rank),
        _floats(p.weight), _flags(p.must_fill),
    ])


def pool_rows(problem: AllocationProblem) -> list[list[str]]:
    q = problem.pools
    return _columns_to_rows([_names(problem.pool_names, q.pool), _ints(q.rank), _ints(q.headroom)])


def fit_rows(problem: AllocationProblem) -> list[list[str]]:
    f = problem.fit
    return _columns_to_rows([
        problem.candidates.id[f.candidate].astype(str), problem.posts.id[f.post].astype(str),
        _floats(f.fit),
    ])


def rules_toml(rules: Rules) -> str:
    """``rules.toml`` text: the rules' JSON dump (integer keys become strings) as TOML."""
    data = rules.model_dump(mode="json")
    for key in ("composition", "team"):  # empty lists of tables say nothing
        if not data[key]:
            del data[key]
    return tomli_w.dumps(data)


def _names(names: Sequence[str], codes: np.ndarray) -> list[str]:
    return [names[k] for k in codes.tolist()]


def _ints(values: np.ndarray) -> list[str]:
    return [str(v) for v in np.asarray(values, np.int64).tolist()]


def _floats(values: np.ndarray) -> list[str]:
    return [repr(v) for v in np.asarray(values, np.float64).tolist()]


def _flags(values: np.ndarray) -> list[str]:
    return ["1" if v else "0" for v in np.asarray(values, bool).tolist()]


def _columns_to_rows(columns: list[list[str]]) -> list[list[str]]:
    return [list(row) for row in zip(*columns, strict=True)]


def _write_csv(path: Path, header: Sequence[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def example_names() -> Names:
    """The generated ranks and levels by name (``RANK_NAMES``, ``LEVEL_NAMES``)."""
    return Names(rank=dict(enumerate(RANK_NAMES)), level=dict(LEVEL_NAMES))


def example_county() -> AllocationProblem:
    """The bundled example instance (``EXAMPLE`` sizes and seed, ``default_rules()``)."""
    problem = synthetic_county(**EXAMPLE)
    rules = problem.rules.model_copy(update={"names": example_names()})
    return dataclasses.replace(problem, rules=rules)


EXAMPLE_WORKBOOK = "county.xlsx"
"""The example as one workbook with Chinese headers (one sheet per input file)."""

WORKBOOK_SHEETS = {"candidates": "干部名单", "posts": "空缺岗位", "pools": "职级职数",
                   "fit": "人岗相适度", "teams": "现任班子"}


def regenerate_example(folder: Path) -> AllocationProblem:
    """Write the bundled example (CSV files, ``county.xlsx``, ``README.md``) into ``folder``."""
    problem = example_county()
    people = draw_people(problem, EXAMPLE["seed"] + 1)
    write_inputs(problem, Path(folder), people)
    write_example_workbook(problem, people, Path(folder) / EXAMPLE_WORKBOOK)
    (Path(folder) / "README.md").write_text(example_readme(problem), encoding="utf-8")
    return problem


def write_example_workbook(problem: AllocationProblem, people: People, path: Path) -> None:
    """The example as an official would keep it: Chinese headers, ranks and levels by name,
    是/否 flags, one sheet per table (``WORKBOOK_SHEETS``)."""
    from openpyxl import Workbook

    names = problem.rules.names
    c, p, q, f = problem.candidates, problem.posts, problem.pools, problem.fit
    yes_no = {True: "是", False: "否"}
    sheets = {
        "candidates": (
            ("编号", "姓名", "性别", "民族", "单位", "职级", "年龄", "任现职级年限", "考核得分",
             "现任职务层级", "一线", "艰苦系数", "影响期", "职级池"),
            [[str(c.id[i]), people.name[i], people.gender[i], people.ethnicity[i],
              problem.unit_names[c.unit[i]], names.rank_name(c.rank[i]), int(c.age[i]),
              float(c.years_in_grade[i]), float(c.score[i]),
              names.level_name(c.post_level[i]) if c.post_level[i] else "",
              yes_no[bool(c.frontline[i])], float(c.hardship[i]), yes_no[bool(c.blocked[i])],
              problem.pool_names[c.pool[i]]] for i in range(len(c))]),
        "posts": (
            ("岗位编号", "岗位名称", "单位", "层级", "最低职级", "权重", "必须配备"),
            [[str(p.id[j]), people.post_title[j], problem.unit_names[p.unit[j]],
              names.level_name(p.level[j]), names.rank_name(p.min_rank[j]),
              float(p.weight[j]), yes_no[bool(p.must_fill[j])]] for j in range(len(p))]),
        "pools": (
            ("职级池", "职级", "职数"),
            [[problem.pool_names[q.pool[k]], names.rank_name(q.rank[k]), int(q.headroom[k])]
             for k in range(len(q))]),
        "fit": (
            ("编号", "岗位编号", "人岗相适度"),
            [[str(c.id[i]), str(p.id[j]), float(v)] for i, j, v in zip(
                f.candidate.tolist(), f.post.tolist(), f.fit.tolist(), strict=True)]),
        "teams": (("单位", "姓名", "性别", "民族"), [list(row) for row in people.team]),
    }
    book = Workbook()
    book.remove(book.active)
    for role, (header, rows) in sheets.items():
        sheet = book.create_sheet(WORKBOOK_SHEETS[role])
        sheet.append(list(header))
        for row in rows:
            sheet.append(row)
    book.save(path)


def example_readme(problem: AllocationProblem) -> str:
    """The example's README: what it is, its size, and the command that regenerated it."""
    c, p = problem.candidates, problem.posts
    pairs = eligible_pairs(problem)
    n_units = len(np.unique(c.unit))
    return f"""# Example: a synthetic county (一个县区)

A made-up county or district with {n_units} units: organs (机关) and frontline units
(镇街 towns, 园区 parks, 重点项目 project command posts, with hardship factors),
{problem.n_candidates} cadres ({int(c.frontline.sum())} frontline) of ranks 0..5
(科员 .. 四级调研员), {problem.n_posts} vacant leadership posts of levels 1..3
(副科 .. 副处; {int(p.must_fill.sum())} must be filled), {len(problem.pool_names)} rank pools
({", ".join(problem.pool_names)}) with headroom for {int(problem.pools.headroom.sum())} rank
promotions, and {len(problem.fit.fit)} fit (人岗相适) values. The rules (`rules.toml`)
are `experiments.allocation.synthetic.default_rules()`: unified mobility (区镇一体化),
frontline weight 1.3, young share >= 20% of post moves, frontline share >= 50% of all
moves, age limit 55 for posts, one year of relief for the top 10% (竞岗).
Under them there are {pairs.n_post_pairs} eligible (candidate, post) pairs and
{pairs.n_rank_pairs} eligible rank promotions.

Candidates carry made-up names, gender and ethnicity (`name`, `gender`, `ethnicity`:
extra columns, carried into the outputs and usable by composition rules); posts
have titles; `teams.csv` lists the current leadership team of every unit with a
vacancy (for `[[team]]` rules). `county.xlsx` holds the same data as an official
would keep it: one sheet per table (干部名单, 空缺岗位, 职级职数, 人岗相适度, 现任班子)
with Chinese headers, ranks and levels by name and 是/否 flags; it gives the same
proposal as the CSV files.

No person or unit here is real. Generated by `experiments/allocation/synthetic.py`
(`synthetic_county(n_candidates={EXAMPLE["n_candidates"]}, n_posts={EXAMPLE["n_posts"]}, \
n_pools={EXAMPLE["n_pools"]}, seed={EXAMPLE["seed"]})`);
regenerate with

    python -m experiments.allocation.synthetic scenarios/examples/county

`tests/regression/test_example_data.py` checks that this reproduces the text files byte
for byte and the workbook cell for cell. Run it with

    youwei allocate --candidates scenarios/examples/county/candidates.csv \\
        --posts scenarios/examples/county/posts.csv --pools scenarios/examples/county/pools.csv \\
        --rules scenarios/examples/county/rules.toml --fit scenarios/examples/county/fit.csv \\
        --teams scenarios/examples/county/teams.csv --shortlist 3 --alternatives 2 \\
        --out results/demo/allocation

or from the workbook (`--candidates "scenarios/examples/county/county.xlsx#干部名单"`,
`--posts ...#空缺岗位`, `--pools ...#职级职数`, `--fit ...#人岗相适度`, `--teams ...#现任班子`).
"""


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m experiments.allocation.synthetic FOLDER``: regenerate the example there."""
    parser = argparse.ArgumentParser(
        prog="python -m experiments.allocation.synthetic",
        description="Regenerate the bundled synthetic county example.",
    )
    parser.add_argument("folder", type=Path, help="e.g. scenarios/examples/county")
    args = parser.parse_args(argv)
    problem = regenerate_example(args.folder)
    print(f"wrote {args.folder}: {problem.n_candidates} candidates, {problem.n_posts} posts, "
          f"{len(problem.pools)} pool-rank rows, {len(problem.fit.fit)} fit pairs")


if __name__ == "__main__":
    main()
