"""Stylised facts 1-4 of MODEL.md section 6, as differences between paired scenarios.

Each fact is a difference between two scenarios run on the same 20 seeds
(common random numbers: replication k of both scenarios starts from the same
child of one root ``SeedSequence``); the 95% t-interval of the paired
differences must exclude zero in the stated direction. The world is small
(250 cadres, 12 years) so the file runs in well under a minute.

Why each fact holds (mechanisms, not special cases):

1. Without tolerance, every detected honest error is punished, so perceived
   tolerance falls towards 0 and the reverse-punishment term of the effort
   optimum grows; under seniority promotion the observed merit link is about 0,
   so the promotion motive fades too. Effort falls from the prior optimum.
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
from scipy import stats

from scenarios.schema import Mobility, PromotionRule, Scenario
from sim import CadreModel
from tests.scenario_fixtures import county, with_policy

ROOT_SEED = 20240611
REPLICATIONS = 20
YEARS = 12


def small() -> Scenario:
    return county((4, 20), (6, 25), (2, 10), YEARS)


BASELINE = small()  # seniority promotion, no tolerance, no bonus: the old rules
MERIT = with_policy(BASELINE, promotion=dict(rule=PromotionRule.MERIT, mobility=Mobility.UNIFIED))
SCENARIOS = {
    "baseline": BASELINE,
    "merit": MERIT,
    "merit_tolerance": with_policy(MERIT, tolerance=dict(excuse_rate=0.8, discrimination=0.9)),
    "poor_discrimination": with_policy(BASELINE,
                                       tolerance=dict(excuse_rate=0.8, discrimination=0.5)),
    "good_discrimination": with_policy(BASELINE,
                                       tolerance=dict(excuse_rate=0.8, discrimination=0.95)),
    "merit_frontline_weight": with_policy(
        MERIT, promotion=dict(rule=PromotionRule.MERIT, mobility=Mobility.UNIFIED,
                              frontline_weight=2.0)),
}


@cache
def runs(name: str) -> tuple[pd.DataFrame, ...]:
    children = np.random.SeedSequence(ROOT_SEED).spawn(REPLICATIONS)
    return tuple(CadreModel(SCENARIOS[name], rng=child).run() for child in children)


def per_run(name: str, measure) -> np.ndarray:
    return np.array([measure(frame) for frame in runs(name)])


def interval(differences: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of paired differences."""
    n = len(differences)
    mean = float(differences.mean())
    half = stats.t.ppf(0.975, n - 1) * differences.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def last_years(column: str, k: int = 5):
    return lambda frame: frame[column].iloc[-k:].mean()


def test_fact1_reverse_punishment_trap_effort_declines():
    """No tolerance + seniority: final-year minus first-year mean effort < 0."""
    change = per_run("baseline", lambda f: f.mean_effort.iloc[-1] - f.mean_effort.iloc[0])
    mean, low, high = interval(change)
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
