"""A model a planner can trust: it starts in equilibrium and settles (issue 8).

The check of ``experiments.validation.stationarity`` (``benchmarks/stationarity.py``)
on a cheaper configuration: the baseline county (670 cadres) under the old rules and
under a strong reform package (the Ordos levers on the same world), 40 years on six
seeds, every run starting from the old-rules equilibrium. With the policy held fixed, mean effort,
efficiency, mean ability and voluntary exits differ between years 21-30 and 31-40 by
at most 0.03 (effort; ability in sd), 5% (efficiency) or 20% (exits); no cadre sits
at effort exactly 0 or 1 (limit 5%); the old rules show no transient: year-1 mean
effort is within 0.05 of its mean over years 11-20.
"""

from functools import cache

import numpy as np
import pytest

from experiments.validation.stationarity import LIMITS, check, run_scenario
from scenarios.schema import Mobility, PromotionRule, Scenario
from tests.scenario_fixtures import with_policy

pytestmark = pytest.mark.slow

YEARS = 40
SEEDS = 6
ROOT = 2026

OLD_RULES = Scenario(name="baseline", years=YEARS)
REFORM = with_policy(
    OLD_RULES.model_copy(update=dict(name="reform")),
    promotion=dict(rule=PromotionRule.MERIT, mobility=Mobility.UNIFIED, frontline_weight=1.5,
                   young_share_min=0.2),
    tolerance=dict(excuse_rate=0.6, discrimination=0.8),
    subsidy=dict(frontline_premium=0.2),
    unit_pressure=dict(bottom_units=2),
    recall=dict(bottom_share=0.02, consecutive_years=2),
    rotation=dict(share=0.01),
)


@cache
def measured(name: str) -> dict:
    scenario = {"baseline": OLD_RULES, "reform": REFORM}[name]
    return check(run_scenario(scenario, YEARS, SEEDS, ROOT), scenario, YEARS)


@pytest.mark.parametrize("name", ["baseline", "reform"])
def test_the_organisation_settles_under_a_fixed_policy(name):
    row = measured(name)
    for key, limit in LIMITS.items():
        assert not row[key] > limit, (key, row[key], limit, row)


def test_the_old_rules_start_in_their_equilibrium():
    assert measured("baseline")["baseline_start"] <= LIMITS["baseline_start"]


def test_the_reform_is_a_transition_to_a_different_equilibrium():
    """Not a steady state by freezing: the reform moves effort well away from the old
    rules' level, then holds it."""
    old = run_scenario(OLD_RULES, 12, 2, ROOT).frame
    new = run_scenario(REFORM.model_copy(update=dict(years=12)), 12, 2, ROOT).frame
    old_effort = old.groupby("year").mean_effort.mean()
    new_effort = new.groupby("year").mean_effort.mean()
    assert abs(new_effort.iloc[0] - old_effort.iloc[0]) < 0.1  # the same start
    assert new_effort.iloc[-3:].mean() > old_effort.iloc[-3:].mean() + 0.3
    assert np.all(np.isfinite(new_effort))
