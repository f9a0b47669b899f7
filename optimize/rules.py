"""Allocation rules: eligibility, side targets, objective weights and limits.

The rules an organisation department (组织部) applies when it fills leadership
posts (职务) and rank slots (职级职数). Every key is optional; unknown keys are
errors. The defaults reproduce the contract in README.md ("rules.toml").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

NonNegativeYears = Annotated[float, Field(ge=0, le=100)]
Level = Annotated[int, Field(ge=0, le=1000)]


class Mobility(StrEnum):
    """Which posts a candidate may move to.

    ``UNIFIED`` is 干部打通使用 (district and towns as one pool); ``WITHIN_UNIT``
    only allows posts in the candidate's own unit.
    """

    UNIFIED = "unified"
    WITHIN_UNIT = "within_unit"


class _Block(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Eligibility(_Block):
    """Who may take which move.

    ``min_years_relief`` is competitive selection (竞岗, 赛场选将): the first
    ``ceil(relief_top_share * n_candidates)`` candidates by score (ties broken by
    id) have that many years taken off every minimum-years rule.
    """

    min_years_post: dict[Level, NonNegativeYears] = Field(
        default_factory=lambda: {1: 2.0, 2: 2.0, 3: 2.0},
        description="minimum years in grade by post level; a missing level means 0",
    )
    min_years_rank: dict[Level, NonNegativeYears] = Field(
        default_factory=dict,
        description="minimum years in grade by the rank promoted into; missing means 0",
    )
    min_years_relief: float = Field(default=0.0, ge=0, le=100)
    relief_top_share: float = Field(default=0.0, ge=0, le=1)
    max_age: int = Field(default=200, ge=0, le=200, description="age limit for posts only")
    mobility: Mobility = Mobility.UNIFIED
    excellent_bonus_years: float = Field(
        default=0.0, ge=0, le=5,
        description="years credited toward every minimum-years rule per 优秀 year "
        "(并行规定 第十九条: 0.5)",
    )
    max_terms_in_post: int = Field(
        default=2, ge=1, le=100,
        description="任期: after this many consecutive terms in a post, no post in the same unit",
    )
    max_years_at_level: float = Field(
        default=15.0, ge=0, le=100,
        description="任期: after this many years at one level, no post in the same unit",
    )


class Targets(_Block):
    """Side rules on the composition of the moves (young cadres, frontline tilt)."""

    young_age_max: int = Field(default=35, ge=0, le=200)
    young_share_min: float = Field(default=0.0, ge=0, le=1, description="over post moves")
    frontline_share_min: float = Field(default=0.0, ge=0, le=1, description="over all moves")


class Weights(_Block):
    """Objective multipliers.

    m_i = frontline_weight ** frontline_i * hardship_i ** hardship_exponent
    """

    frontline_weight: float = Field(default=1.0, gt=0, le=1000)
    hardship_exponent: float = Field(default=0.0, ge=0, le=10)


class Limits(_Block):
    """Caps that protect units from being stripped of their cadres."""

    max_outflow_per_unit: int = Field(
        default=-1, ge=-1, description="post moves out of a unit per year; -1 = no limit"
    )


class Over(StrEnum):
    """Which moves a composition target counts."""

    POSTS = "posts"  # post appointments only
    ALL = "all"  # post appointments and rank promotions


class Composition(_Block):
    """A composition target over the moves (班子结构, 年轻干部, 一线): soft.

    At least ``min_share`` of the counted moves (or at least ``min_count`` of
    them) go to candidates whose ``attribute`` column equals ``value``. Met
    whenever the other rules allow; otherwise the shortfall is made as small as
    possible and reported (see ``optimize.relax``). ``levels`` (posts only)
    counts just the appointments to posts of those levels, e.g. ``[3, 4]`` for
    the county-level (处级) appointments; empty counts every level.
    """

    attribute: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=200)
    over: Over = Over.POSTS
    min_share: float = Field(default=0.0, ge=0, le=1)
    min_count: int = Field(default=0, ge=0, le=1_000_000)
    levels: tuple[Level, ...] = ()

    @model_validator(mode="after")
    def _levels_count_posts(self) -> Composition:
        if self.levels and self.over is not Over.POSTS:
            raise ValueError('levels counts post appointments only: use over = "posts"')
        return self

    def counts_level(self, level: np.ndarray) -> np.ndarray:
        """``bool`` like ``level``: post appointments at these levels are counted."""
        return np.isin(level, self.levels) if self.levels else np.ones(len(level), bool)


class Team(_Block):
    """A leadership-team target per unit (班子结构): soft, like ``Composition``.

    After the moves, each listed unit's team (its current members from
    ``teams.csv`` plus the candidates appointed to its posts) has at least
    ``min_count`` members whose ``attribute`` equals ``value``. ``units`` empty
    means every unit with a vacant post.
    """

    attribute: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=200)
    min_count: int = Field(default=1, ge=0, le=1000)
    units: tuple[str, ...] = ()


RANK_LADDER = {
    0: "二级科员", 1: "一级科员", 2: "四级主任科员", 3: "三级主任科员", 4: "二级主任科员",
    5: "一级主任科员", 6: "四级调研员", 7: "三级调研员", 8: "二级调研员", 9: "一级调研员",
    10: "二级巡视员", 11: "一级巡视员",
}
"""The 职级 ladder of 《公务员职务与职级并行规定》(2019), lowest first."""

LEVEL_LADDER = {1: "副科", 2: "正科", 3: "副处", 4: "正处", 5: "副厅", 6: "正厅"}
"""Leadership post levels (领导职务层次), lowest first."""


class Names(_Block):
    """Names of ranks and post levels for people (the default is the 职务职级并行 ladder)."""

    rank: dict[Level, Annotated[str, Field(max_length=50)]] = Field(
        default_factory=lambda: dict(RANK_LADDER))
    level: dict[Level, Annotated[str, Field(max_length=50)]] = Field(
        default_factory=lambda: dict(LEVEL_LADDER))

    def rank_name(self, rank: int) -> str:
        return self.rank.get(int(rank), str(int(rank)))

    def level_name(self, level: int) -> str:
        return self.level.get(int(level), str(int(level)))


class Rules(_Block):
    """All allocation rules (the contents of ``rules.toml``)."""

    eligibility: Eligibility = Field(default_factory=Eligibility)
    targets: Targets = Field(default_factory=Targets)
    weights: Weights = Field(default_factory=Weights)
    limits: Limits = Field(default_factory=Limits)
    names: Names = Field(default_factory=Names)
    composition: tuple[Composition, ...] = ()
    team: tuple[Team, ...] = ()

    def min_years_post_for(self, level: int) -> float:
        return float(self.eligibility.min_years_post.get(level, 0.0))

    def min_years_rank_for(self, rank: int) -> float:
        return float(self.eligibility.min_years_rank.get(rank, 0.0))
