"""Intervals of outcomes bounded in [0, 1] stay in [0, 1] (differences in [-1, 1])."""

import numpy as np
import pandas as pd

from experiments.simulation.compare import (
    pairwise_differences,
    share_bounds,
    summarise,
    t_interval,
    year_bands,
)


def test_a_t_interval_of_a_few_shares_near_zero_is_clipped_at_zero():
    plain = t_interval([0.0, 0.0, 0.25])
    clipped = t_interval([0.0, 0.0, 0.25], bounds=share_bounds("punished_honest_share"))
    assert plain.low < 0 and clipped.low == 0.0 and clipped.high == plain.high
    assert clipped.mean == plain.mean


def test_summaries_and_bands_of_shares_stay_in_the_unit_interval():
    rng = np.random.default_rng(1)
    rows = [(metric, statistic, scenario, r, value)
            for metric, base in (("punished_honest_share", 0.97), ("efficiency", 1.5))
            for statistic in ("final", "mean")
            for scenario in ("a", "b")
            for r in range(4)
            for value in [min(base + 0.05 * rng.standard_normal(), 1.0)
                          if metric.endswith("_share") else base]]
    values = pd.DataFrame(rows, columns=["metric", "statistic", "scenario", "replication",
                                         "value"])
    shares = summarise(values).query("metric == 'punished_honest_share'")
    assert shares["ci_high"].le(1.0).all() and shares["ci_low"].ge(0.0).all()
    pairs = pairwise_differences(values).query("metric == 'punished_honest_share'")
    assert pairs["diff_ci_high"].le(1.0).all() and pairs["diff_ci_low"].ge(-1.0).all()
    series = pd.DataFrame({"scenario": "a", "replication": [0, 1, 2], "year": 1,
                           "punished_honest_share": [1.0, 1.0, 0.9]})
    band = year_bands(series, "punished_honest_share")
    assert band["high"].iloc[0] == 1.0 and band["low"].iloc[0] < 1.0
