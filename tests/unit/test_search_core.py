"""Pareto front, hypervolume, and NSGA-II against a Latin hypercube on ZDT1."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.robust.measures import Direction
from experiments.search.loop import SAMPLERS, Lever, lhs_search, optuna_search
from experiments.search.pareto import hypervolume_2d, pareto_mask, zdt1

pytest.importorskip("optuna")

DIMS = 6
LEVERS = [Lever(f"x{i}", 0.0, 1.0) for i in range(DIMS)]
MINIMISE = (Direction.MINIMISE, Direction.MINIMISE)
REFERENCE = (1.1, 11.0)  # f2 of random points runs up to ~10


def evaluate(candidates: list[dict]) -> list[tuple]:
    x = np.array([[c[f"x{i}"] for i in range(DIMS)] for c in candidates])
    return [(row, ()) for row in zdt1(x)]


def test_pareto_mask_and_hypervolume_by_hand():
    points = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0], [2.5, 2.5]])
    assert pareto_mask(points).tolist() == [True, True, True, False, False]
    # Staircase against (4, 4): 3x1 + 2x1 + 1x1 = 6.
    assert hypervolume_2d(points, (4.0, 4.0)) == 6.0
    assert hypervolume_2d(np.array([[5.0, 5.0]]), (4.0, 4.0)) == 0.0


def test_the_zdt1_front_has_the_known_hypervolume():
    f1 = np.linspace(0, 1, 2001)
    x = np.column_stack([f1, np.zeros((len(f1), DIMS - 1))])
    front = zdt1(x)
    np.testing.assert_allclose(front[:, 1], 1 - np.sqrt(f1))
    # Against (1, 1) the area between the curve 1 - sqrt(f1) and 1 is 2/3.
    assert hypervolume_2d(front, (1.0, 1.0)) == pytest.approx(2 / 3, abs=1e-3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nsga2_beats_a_latin_hypercube_at_equal_evaluations_on_zdt1(seed):
    trials = 400
    searched = optuna_search(LEVERS, MINIMISE, evaluate, trials=trials, batch=40, seed=seed,
                             sampler="nsga2")
    sampled = lhs_search(LEVERS, evaluate, trials=trials, seed=seed)
    assert len(searched.params) == len(sampled.params) == trials
    hv_search = hypervolume_2d(searched.values, REFERENCE)
    hv_lhs = hypervolume_2d(sampled.values, REFERENCE)
    assert hv_search > hv_lhs + 0.5, (hv_search, hv_lhs)  # true front: 11.77


@pytest.mark.slow
def test_a_search_resumes_from_its_storage(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    first = optuna_search(LEVERS, MINIMISE, evaluate, trials=20, batch=10, seed=4,
                         storage=storage)
    assert len(first.params) == 20
    calls = []

    def counting(candidates):
        calls.append(len(candidates))
        return evaluate(candidates)

    more = optuna_search(LEVERS, MINIMISE, counting, trials=30, batch=10, seed=4, storage=storage)
    assert calls == [10] and len(more.params) == 30
    assert more.params[:20] == first.params


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_a_search_stopped_anywhere_resumes_to_the_trials_of_an_uninterrupted_one(tmp_path,
                                                                                  sampler):
    whole = optuna_search(LEVERS, MINIMISE, evaluate, trials=12, batch=4, seed=7,
                          sampler=sampler)
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    # Stopped after 6 trials: inside the second batch, two of its candidates told.
    optuna_search(LEVERS, MINIMISE, evaluate, trials=6, batch=4, seed=7, storage=storage,
                  sampler=sampler)

    def crash(candidates):
        raise KeyboardInterrupt  # killed while the batch runs: asked, never told

    with pytest.raises(KeyboardInterrupt):
        optuna_search(LEVERS, MINIMISE, crash, trials=12, batch=4, seed=7, storage=storage,
                      sampler=sampler)
    resumed = optuna_search(LEVERS, MINIMISE, evaluate, trials=12, batch=4, seed=7,
                            storage=storage, sampler=sampler)
    assert resumed.params == whole.params
    assert np.array_equal(resumed.values, whole.values)
    # Another seed proposes other candidates.
    other = optuna_search(LEVERS, MINIMISE, evaluate, trials=12, batch=4, seed=8,
                          sampler=sampler)
    assert other.params != whole.params


def test_a_candidate_enqueued_but_never_asked_before_a_kill_is_not_reused(tmp_path):
    # Killed between enqueue_trial and ask: the storage keeps a WAITING trial, which the
    # next ask would take (its params) while the new candidate is evaluated.
    import optuna

    whole = optuna_search(LEVERS, MINIMISE, evaluate, trials=8, batch=4, seed=7)
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    optuna_search(LEVERS, MINIMISE, evaluate, trials=4, batch=4, seed=7, storage=storage)
    optuna.load_study(study_name="youwei_search", storage=storage).enqueue_trial(
        {f"x{i}": 0.5 for i in range(DIMS)})
    resumed = optuna_search(LEVERS, MINIMISE, evaluate, trials=8, batch=4, seed=7,
                            storage=storage)
    assert resumed.params == whole.params
    assert np.array_equal(resumed.values, whole.values)
