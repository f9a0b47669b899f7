"""PRIM recovers a box planted in synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.discover.prim import Box, choose_box, peel, restrictions

NAMES = ("u1", "u2", "u3", "u4")


def planted(n: int = 1000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Four uniform inputs; the outcome fails iff u1 < 0.3 and u2 > 0.6 (12% of cases)."""
    x = np.random.default_rng(seed).random((n, len(NAMES)))
    return x, (x[:, 0] < 0.3) & (x[:, 1] > 0.6)


def test_prim_finds_the_planted_box_with_high_coverage_and_density():
    x, y = planted()
    trajectory = peel(x, y)
    chosen = trajectory[choose_box(trajectory)]
    assert chosen.coverage >= 0.9 and chosen.density >= 0.9
    assert chosen.restricted == (0, 1)
    assert chosen.box.high[0] == pytest.approx(0.3, abs=0.03)
    assert chosen.box.low[1] == pytest.approx(0.6, abs=0.03)


def test_the_trajectory_trades_coverage_for_density():
    x, y = planted()
    trajectory = peel(x, y)
    assert trajectory[0].coverage == 1.0 and trajectory[0].mass == 1.0
    assert trajectory[0].density == pytest.approx(y.mean())
    coverage = [s.coverage for s in trajectory]
    mass = [s.mass for s in trajectory]
    assert all(a >= b for a, b in zip(coverage, coverage[1:], strict=False))
    assert all(a > b for a, b in zip(mass, mass[1:], strict=False))
    assert mass[-1] >= 0.05
    assert trajectory[-1].density > 0.9


def test_real_restrictions_are_significant_and_a_spurious_one_is_not():
    x, y = planted()
    trajectory = peel(x, y)
    step = trajectory[choose_box(trajectory)]
    found = restrictions(x, y, step, NAMES, seed=1)
    assert [r.name for r in found] == ["u1", "u2"]
    assert all(r.p_value <= 0.01 for r in found)
    # A box restricting u3 too: that restriction adds nothing a permutation would not.
    low, high = step.box.low.copy(), step.box.high.copy()
    low[2], high[2] = 0.05, 0.95
    spurious = Box(low, high)
    wider = type(step)(spurious, step.coverage, step.density, step.mass, (0, 1, 2))
    p_u3 = restrictions(x, y, wider, NAMES, seed=1)[2].p_value
    assert p_u3 > 0.05


def test_without_a_dense_box_the_densest_is_chosen():
    x = np.random.default_rng(0).random((400, 2))
    y = np.random.default_rng(1).random(400) < 0.2  # no structure at all
    trajectory = peel(x, y)
    chosen = choose_box(trajectory, min_density=0.99)
    assert trajectory[chosen].density == max(s.density for s in trajectory)


def test_bad_input_is_refused():
    x, y = planted(50)
    with pytest.raises(ValueError, match="no case of interest"):
        peel(x, np.zeros(50, bool))
    with pytest.raises(ValueError, match="NaN"):
        peel(np.where(x > 0.5, np.nan, x), y)
    with pytest.raises(ValueError, match="alpha"):
        peel(x, y, alpha=0.6)
