"""Stylised facts 1-4 of docs/model.md section 1.2, as differences between paired scenarios.

Each fact is a difference between two scenarios run on the same 20 seeds
(common random numbers: replication k of both scenarios starts from the same
child of one root ``SeedSequence``); the 95% t-interval of the paired
differences must exclude zero in the stated direction. The world is small
(250 cadres, 12 years after a spin-up shared by the arms of a pair) so the file
runs in about a minute.

Why each fact holds (mechanisms, not special cases):

1. The reverse-punishment trap (干事多出错多、不干事不出事). Every run starts from
   the equilibrium of the old rules (the spin-up, ``sim.spinup``). There, errors
   grow with effort (P = epsilon_0 + epsilon_1 e d) and every detected one is
   punished, so the cadres who work hardest are punished most often; cadres learn
   that honest errors are not excused (perceived tolerance near 0), the risk term
   of the effort choice stays large and effort settles low. Tolerance alone (no
   other lever) lets perceived tolerance rise, the risk term shrinks and effort
   settles higher; and an organisation whose history was tolerant loses effort
   when tolerance is removed, as its cadres learn that honest errors are punished
   again.
2. Merit promotion makes the observed merit link high in both arms; tolerance
   (excuse rate 0.8, discrimination 0.9) also lifts perceived tolerance to
   about 0.7, removing most of the risk term, so effort ends higher.
3. A self-serving error is classified honest with probability
   1 - discrimination, then excused at the excuse rate: poor discrimination
   (0.5) lets about ten times more of them through than good (0.95), whose
   count stays near the no-tolerance baseline of 0.
4. The frontline weight multiplies frontline candidates' objective terms, so
   they win more posts and rank slots in the unified pool; promoted cadres'
   waiting restarts, and waiting beyond ``patience_years`` drives voluntary exit.
"""

from functools import cache

import numpy as np
import pandas as pd
import pytest

from experiments.validation.facts import (
    REPLICATIONS,
    ROOT_SEED,
    Run,
    fact_scenarios,
    fact_tasks,
    last_years,
    run_fact,
    top_minus_bottom,
)
from experiments.validation.stats import interval

pytestmark = pytest.mark.slow

SCENARIOS = fact_scenarios()


@cache
def replications(name: str) -> tuple[Run, ...]:
    return tuple(run_fact(task) for task in fact_tasks(REPLICATIONS, ROOT_SEED, [name]))


def runs(name: str) -> tuple[pd.DataFrame, ...]:
    return tuple(run.frame for run in replications(name))


def per_run(name: str, measure) -> np.ndarray:
    return np.array([measure(frame) for frame in runs(name)])


def test_fact1_in_the_old_rules_equilibrium_the_hardest_workers_are_punished_most():
    """Old rules: the share of cadre-years punished for an honest error is higher in the
    top effort quartile (of each year) than in the bottom one, and the old rules punish
    every detected honest error."""
    gap = np.array([top_minus_bottom(run) for run in replications("baseline")])
    mean, low, high = interval(gap)
    assert low > 0, (mean, low, high)
    assert np.nanmin(np.concatenate([f.punished_honest_share for f in runs("baseline")])) == 1.0


def test_fact1_the_old_rules_equilibrium_has_less_effort_than_tolerance_alone():
    """From the same old-rules equilibrium: tolerance alone minus the old rules, mean effort
    of the last 5 years > 0, through perceived tolerance."""
    effort = per_run("tolerance", last_years("mean_effort")) - \
        per_run("baseline", last_years("mean_effort"))
    mean, low, high = interval(effort)
    assert low > 0, (mean, low, high)
    belief = per_run("tolerance", last_years("mean_belief_tolerance")) - \
        per_run("baseline", last_years("mean_belief_tolerance"))
    assert interval(belief)[1] > 0.3
    # and the old rules are already in their equilibrium: no drift from year 1
    drift = per_run("baseline", lambda f: f.mean_effort.iloc[-5:].mean() - f.mean_effort.iloc[0])
    assert abs(drift.mean()) < 0.03, drift.mean()


def test_fact1_removing_tolerance_from_a_tolerant_equilibrium_lowers_effort():
    """History tolerant, policy the old rules: effort of the last 5 years below year 1's,
    and below the same tolerant organisation that keeps tolerance."""
    fall = per_run("tolerance_removed",
                   lambda f: f.mean_effort.iloc[-5:].mean() - f.mean_effort.iloc[0])
    mean, low, high = interval(fall)
    assert high < 0, (mean, low, high)
    versus_kept = per_run("tolerance_removed", last_years("mean_effort")) - \
        per_run("tolerance_kept", last_years("mean_effort"))
    mean, low, high = interval(versus_kept)
    assert high < 0, (mean, low, high)


def test_fact2_tolerance_adds_to_what_merit_promotion_does_for_effort():
    """Merit with tolerance minus merit without: mean effort of the last 5 years > 0."""
    with_tolerance = per_run("merit_tolerance", last_years("mean_effort"))
    without = per_run("merit", last_years("mean_effort"))
    mean, low, high = interval(with_tolerance - without)
    assert low > 0, (mean, low, high)
    # and merit promotion itself raises effort over the seniority baseline
    _, low_merit, _ = interval(without - per_run("baseline", last_years("mean_effort")))
    assert low_merit > 0


def test_fact3_poor_discrimination_leaks_self_serving_errors():
    """Excused self-serving errors over the run: poor minus good discrimination > 0,
    and good discrimination stays near the no-tolerance baseline (which is 0)."""
    poor = per_run("poor_discrimination", lambda f: f.excused_self_serving.sum())
    good = per_run("good_discrimination", lambda f: f.excused_self_serving.sum())
    base = per_run("baseline", lambda f: f.excused_self_serving.sum())
    mean, low, high = interval(poor - good)
    assert low > 0, (mean, low, high)
    assert base.sum() == 0
    assert good.mean() < 0.4 * poor.mean()


def test_fact4_frontline_weight_tilts_promotions_and_keeps_frontline_cadres():
    """Frontline weight 2 minus 1 (merit, unified): frontline share of promotions > 0,
    voluntary frontline exits over the run < 0."""
    share = per_run("merit_frontline_weight", lambda f: f.promotion_frontline_share.mean()) - \
        per_run("merit", lambda f: f.promotion_frontline_share.mean())
    mean, low, high = interval(share)
    assert low > 0, (mean, low, high)
    exits = per_run("merit_frontline_weight", lambda f: f.voluntary_exits_frontline.sum()) - \
        per_run("merit", lambda f: f.voluntary_exits_frontline.sum())
    mean, low, high = interval(exits)
    assert high < 0, (mean, low, high)
