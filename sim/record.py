"""What one year left behind, for the reporters (``sim.metrics``) and the learning phase."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.phases.allocation import Allocation
from sim.phases.assessment import Assessment
from sim.phases.behaviour import Errors
from sim.phases.exits import Departures
from sim.phases.sanctions import Review
from sim.state import Population


@dataclass(frozen=True)
class YearRecord:
    """The year's intermediate results (read-only; built by ``CadreModel.step``).

    Arrays over ``worked`` are ``(n_worked,)``: the cadres who served this year,
    as they chose effort. Arrays over ``candidates`` are ``(n_candidates,)``: the
    cadres who stayed, as they entered the allocation.

    Attributes
    ----------
    year : int
    worked : Population
    performance : (n_worked,) float
    errors : Errors
    review : Review
    assessment : Assessment
    bonus : (n_worked,) bool
    bonus_cost, subsidy_cost : float
        万元 this year.
    departures : Departures
        Over ``worked``.
    candidates : Population
    candidate_performance : (n_candidates,) float
    allocation : Allocation
        Over ``candidates``.
    vacant_after : (n_posts,) bool
        Posts still vacant after the allocation.
    derived : dict
        What several reporters share, computed once from the arrays above by the
        first reporter that needs it (``sim.metrics.derived``); empty at first.
    """

    year: int
    worked: Population
    performance: np.ndarray
    errors: Errors
    review: Review
    assessment: Assessment
    bonus: np.ndarray
    bonus_cost: float
    subsidy_cost: float
    departures: Departures
    candidates: Population
    candidate_performance: np.ndarray
    allocation: Allocation
    vacant_after: np.ndarray
    derived: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
