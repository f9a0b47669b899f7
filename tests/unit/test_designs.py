"""Designs (scipy.stats.qmc and SALib samplers), run seeds and task sizing."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol

from experiments.common.runner import CHUNKS_PER_SLOT, MAX_CHUNK_SECONDS, ChunkSizer
from experiments.sweep.designs import (
    DesignMethod,
    design_seed,
    design_size,
    grid_design,
    salib_problem,
    unit_design,
)
from experiments.sweep.engine import run_seed

NAMES = ["a", "b", "c"]


@pytest.mark.parametrize(("method", "samples", "second_order"), [
    (DesignMethod.LHS, 10, False),
    (DesignMethod.SOBOL, 16, False),
    (DesignMethod.SOBOL, 16, True),
    (DesignMethod.MORRIS, 5, False),
])
def test_designs_have_their_documented_size_in_the_unit_cube(method, samples, second_order):
    unit = unit_design(method, NAMES, samples, seed=3, second_order=second_order)
    assert unit.shape == (design_size(method, 3, samples, second_order=second_order), 3)
    assert unit.min() >= 0 and unit.max() <= 1


def test_latin_hypercube_puts_one_point_in_each_stratum_of_each_parameter():
    unit = unit_design(DesignMethod.LHS, NAMES, 20, seed=11)
    for column in unit.T:
        assert sorted(np.floor(column * 20).astype(int)) == list(range(20))


def test_sobol_and_morris_designs_are_salibs():
    problem = salib_problem(NAMES)
    assert np.array_equal(unit_design(DesignMethod.SOBOL, NAMES, 8, seed=5),
                          salib_sobol.sample(problem, 8, calc_second_order=False, seed=5))
    assert np.array_equal(unit_design(DesignMethod.MORRIS, NAMES, 4, seed=5, num_levels=4),
                          salib_morris.sample(problem, 4, num_levels=4, seed=5))


def test_morris_trajectories_move_one_parameter_one_step_at_a_time():
    levels = 4
    unit = unit_design(DesignMethod.MORRIS, NAMES, 6, seed=2, num_levels=levels)
    assert set(np.round(unit.ravel(), 9)) <= {0, round(1 / 3, 9), round(2 / 3, 9), 1}
    delta = levels / (2 * (levels - 1))
    for trajectory in unit.reshape(6, len(NAMES) + 1, len(NAMES)):
        steps = np.diff(trajectory, axis=0)
        assert (np.count_nonzero(steps, axis=1) == 1).all()
        assert np.allclose(np.abs(steps.sum(axis=1)), delta)
        assert sorted(np.nonzero(steps)[1]) == [0, 1, 2]  # each parameter moves once


@pytest.mark.parametrize("method", [DesignMethod.LHS, DesignMethod.SOBOL, DesignMethod.MORRIS])
def test_the_seed_fixes_the_design(method):
    first = unit_design(method, NAMES, 8, seed=design_seed(1))
    assert np.array_equal(first, unit_design(method, NAMES, 8, seed=design_seed(1)))
    assert not np.array_equal(first, unit_design(method, NAMES, 8, seed=design_seed(2)))


def test_grid_is_the_full_product_last_parameter_fastest():
    assert grid_design([[1, 2], ["x", "y", "z"]]) == [
        (1, "x"), (1, "y"), (1, "z"), (2, "x"), (2, "y"), (2, "z")]


def test_run_seeds_are_the_spawn_tree_of_the_root_whatever_the_sweeps_size():
    root = 20240601
    for n_points, replications in ((5, 3), (50, 7)):
        tree = np.random.SeedSequence(root).spawn(n_points)
        for sample, replication in ((0, 0), (4, 2), (3, 1)):
            expected = tree[sample].spawn(replications)[replication].generate_state(4)
            assert np.array_equal(run_seed(root, sample, replication).generate_state(4),
                                  expected)
    states = {tuple(run_seed(root, s, r).generate_state(2)) for s in range(20) for r in range(3)}
    assert len(states) == 60
    assert tuple(np.random.SeedSequence(root).generate_state(2)) not in states  # the design's


def test_tasks_grow_to_the_target_time_and_shrink_at_the_end():
    sizer = ChunkSizer(slots=2, target_seconds=1.0)
    assert sizer.size(1000) == 1  # nothing timed yet
    sizer.observe(runs=4, seconds=0.08)  # 20 ms a run
    assert sizer.size(1000) == 50
    assert sizer.size(40) == 10  # 40 left over 2 workers x 2 tasks each
    assert sizer.size(1) == 1
    slow = ChunkSizer(slots=2)
    slow.observe(runs=1, seconds=30.0)
    assert slow.size(1000) == 1


def chunks_to_submit(sizer: ChunkSizer, remaining: int) -> int:
    count = 0
    while remaining:
        size = sizer.size(remaining)
        assert 1 <= size <= remaining
        remaining -= size
        count += 1
    return count


def test_a_loaded_machine_still_cuts_the_work_in_few_chunks():
    # 1.5 s a run: longer than the chunk target, so chunks sized by time hold one run each
    by_time = ChunkSizer(slots=2, target_seconds=1.0)
    by_time.observe(runs=4, seconds=6.0)
    assert chunks_to_submit(by_time, 196) == 196
    floored = ChunkSizer(slots=2, target_seconds=1.0, total=200)
    floored.observe(runs=4, seconds=6.0)
    assert floored.size(196) == 7  # 200 runs / (16 chunks x 2 slots)
    assert chunks_to_submit(floored, 196) <= CHUNKS_PER_SLOT * 2


def test_the_chunk_floor_gives_way_to_long_tasks():
    sizer = ChunkSizer(slots=2, total=100_000)
    sizer.observe(runs=1, seconds=30.0)
    assert sizer.size(99_999) == int(MAX_CHUNK_SECONDS / 30.0)
    quick = ChunkSizer(slots=2, total=100_000)
    quick.observe(runs=100, seconds=0.1)  # 1 ms a run: 1,000 by time, the floor is more
    assert quick.size(99_000) == 100_000 // (CHUNKS_PER_SLOT * 2)
