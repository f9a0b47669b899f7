"""The model's state as structs of arrays: the organisation and the cadre population.

One row per unit, per post, per pool-rank, per cadre. Phase functions read these
and return new arrays; only ``CadreModel.step`` assigns state. Rows of the
population are compacted when cadres leave (``Population.take``) and appended
when recruits arrive (``Population.concat``); ``id`` is a persistent integer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np


class UnitKind(IntEnum):
    ORGAN = 0  # 机关
    FRONTLINE = 1  # 镇街 / 园区
    KEY_PROJECT = 2  # 重点项目 (frontline, highest difficulty)


class Severity(IntEnum):
    """Discipline severities and their promotion blocks (6 / 12 / 18 / 24 months)."""

    WARNING = 0  # 警告
    DEMERIT = 1  # 记过
    MAJOR_DEMERIT = 2  # 记大过
    DEMOTION = 3  # 降级


class ErrorOutcome(IntEnum):
    """What became of an error."""

    UNDETECTED = 0
    EXCUSED_HONEST = 1  # 容错: the intended outcome
    PUNISHED_HONEST = 2  # reverse punishment (干事多出错多)
    EXCUSED_SELF_SERVING = 3  # leakage
    PUNISHED_SELF_SERVING = 4


class MoveReason(IntEnum):
    """Why a cadre moved (rows of ``moves.csv``)."""

    POST_PROMOTION = 0
    RANK_PROMOTION = 1
    DISCIPLINARY_DEMOTION = 2
    PERFORMANCE_DEMOTION = 3  # 能下
    RECALL = 4  # 召回
    ROTATION = 5  # 交流任职
    RETIREMENT = 6
    VOLUNTARY_EXIT = 7
    DISMISSAL = 8
    RECRUITMENT = 9
    PERFORMANCE_TRANSFER = 10  # 能下 by 交流: moved to another unit without the post
    DISPATCH = 11  # 派往: one-way from an organ to the frontline
    STAFF_HIRE = 12  # 核增编制 filled by hiring long-serving frontline staff (骨干人员)


@dataclass
class Organisation:
    """Units, leadership posts and rank pools (fixed during a run, except post holders).

    Attributes
    ----------
    unit_kind : (n_units,) int (``UnitKind``)
    unit_difficulty : (n_units,) float >= 1
    unit_hardship : (n_units,) float >= 1
    unit_establishment : (n_units,) int
    unit_pool : (n_units,) int  rank pool of the unit's cadres
    unit_names : tuple of str
    post_unit, post_level, post_min_rank : (n_posts,) int
    post_weight : (n_posts,) float  responsibility of the post
    pool_names : tuple of str
    rank_quota : (n_ranks,) float  cap on the share of a pool's establishment at each rank or above
    """

    unit_kind: np.ndarray
    unit_difficulty: np.ndarray
    unit_hardship: np.ndarray
    unit_establishment: np.ndarray
    unit_pool: np.ndarray
    unit_names: tuple[str, ...]
    post_unit: np.ndarray
    post_level: np.ndarray
    post_min_rank: np.ndarray
    post_weight: np.ndarray
    pool_names: tuple[str, ...]
    rank_quota: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.unit_kind)

    @property
    def n_posts(self) -> int:
        return len(self.post_unit)

    @property
    def unit_frontline(self) -> np.ndarray:
        return self.unit_kind != UnitKind.ORGAN


@dataclass
class Population:
    """The cadres, one row each (all arrays ``(n_cadres,)``).

    Attributes
    ----------
    id : int  persistent identifier
    unit : int  index into the organisation's units
    rank : int  职级, 0 = lowest
    post : int  index of the leadership post held, -1 = none
    age : float  years
    years_in_grade : float  years in the current rank
    years_in_post : float  years in the current post (0 without one)
    ability : float  role-specific ability (latent)
    motivation : float  public-service motivation
    integrity : float in [0, 1]  P(an error is honest)
    risk_aversion : float >= 0
    effort : float in [0, 1]  担当
    belief_merit : float in [0, 1]  perceived link of promotion to merit
    belief_tolerance : float in [0, 1]  perceived excuse rate of honest errors
    belief_bonus : float in [0, 1]  perceived link of bonuses to performance
    merit : float  decayed mean of observed scores
    last_score : float  last observed score
    block_until : float  year the disciplinary promotion block ends
    stigma : bool  carries a disciplinary stigma on the promotion score
    disciplined : bool  was ever disciplined
    low_years : int  consecutive years in the bottom share (demotion / recall)
    frontline_years : float  years served in frontline units
    reserve : bool  in the reserve pool (储备库)
    entry_year : int  year the cadre joined (0 = initial population)
    """

    id: np.ndarray
    unit: np.ndarray
    rank: np.ndarray
    post: np.ndarray
    age: np.ndarray
    years_in_grade: np.ndarray
    years_in_post: np.ndarray
    ability: np.ndarray
    motivation: np.ndarray
    integrity: np.ndarray
    risk_aversion: np.ndarray
    effort: np.ndarray
    belief_merit: np.ndarray
    belief_tolerance: np.ndarray
    belief_bonus: np.ndarray
    merit: np.ndarray
    last_score: np.ndarray
    block_until: np.ndarray
    stigma: np.ndarray
    disciplined: np.ndarray
    low_years: np.ndarray
    frontline_years: np.ndarray
    reserve: np.ndarray
    entry_year: np.ndarray

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: np.ndarray) -> Population:
        """A new population of the rows ``index`` (a mask or integer positions)."""
        return Population(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def concat(self, other: Population) -> Population:
        return Population(**{
            f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
            for f in fields(self)
        })

    def columns(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
