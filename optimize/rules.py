"""Allocation rules: eligibility, side targets, objective weights and limits.

The rules an organisation department (组织部) applies when it fills leadership
posts (职务) and rank slots (职级职数). Every key is optional; unknown keys are
errors. The defaults reproduce the contract in README.md ("rules.toml").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

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


class Rules(_Block):
    """All allocation rules (the contents of ``rules.toml``)."""

    eligibility: Eligibility = Field(default_factory=Eligibility)
    targets: Targets = Field(default_factory=Targets)
    weights: Weights = Field(default_factory=Weights)
    limits: Limits = Field(default_factory=Limits)

    def min_years_post_for(self, level: int) -> float:
        return float(self.eligibility.min_years_post.get(level, 0.0))

    def min_years_rank_for(self, rank: int) -> float:
        return float(self.eligibility.min_years_rank.get(rank, 0.0))
