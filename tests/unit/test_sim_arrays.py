"""Group helpers: positions and percentiles within groups, categorical draws."""

import numpy as np

from sim.arrays import (
    draw_categories,
    group_mean,
    percentile_in_group,
    position_in_group,
    stochastic_round,
)


def test_position_in_group_matches_brute_force():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 5, 200)
    keys = rng.integers(0, 10, 200).astype(float)  # many ties: broken by row order
    position = position_in_group(groups, keys)
    for i in range(200):
        same = np.flatnonzero(groups == groups[i])
        before = np.sum((keys[same] < keys[i]) | ((keys[same] == keys[i]) & (same < i)))
        assert position[i] == before


def test_percentile_in_group_bottom_and_top_shares():
    groups = np.repeat([0, 1], [10, 20])
    values = np.r_[np.arange(10.0), np.arange(20.0)[::-1]]
    pct = percentile_in_group(groups, values, 2)
    assert np.count_nonzero(pct[:10] < 0.2) == 2
    assert np.count_nonzero(pct[10:] > 0.9) == 2
    assert pct[9] > pct[0] and pct[10] > pct[29]


def test_group_mean_with_empty_group():
    out = group_mean(np.array([0, 0, 2]), np.array([1.0, 3.0, 5.0]), 3)
    assert out[0] == 2.0 and np.isnan(out[1]) and out[2] == 5.0


def test_draw_categories_frequencies():
    rng = np.random.default_rng(1)
    draws = draw_categories(np.array([0.6, 0.3, 0.1, 0.0]), rng.random(20_000))
    freq = np.bincount(draws, minlength=4) / 20_000
    np.testing.assert_allclose(freq, [0.6, 0.3, 0.1, 0.0], atol=0.015)


def test_stochastic_round_preserves_mean():
    rng = np.random.default_rng(2)
    out = stochastic_round(np.full(10_000, 2.3), rng)
    assert set(np.unique(out)) == {2, 3}
    assert abs(out.mean() - 2.3) < 0.02
