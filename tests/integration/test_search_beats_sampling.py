"""The default sampler of ``youwei search`` finds a better Pareto set than a Latin hypercube
of the same size on a small youwei spec (benchmarks/search.py measures more seeds)."""

from __future__ import annotations

import pytest

from experiments.common.runner import open_runner
from experiments.search.engine import evaluator
from experiments.search.loop import lhs_search, optuna_search, to_minimise
from experiments.search.pareto import hypervolume_2d
from experiments.search.spec import load_search_spec
from tests.scenario_fixtures import SMALL_COUNTY
from tests.search_fixtures import EFFORT_COST, EFFORT_COST_REFERENCE

pytest.importorskip("optuna")

TRIALS = 64


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_default_sampler_beats_a_latin_hypercube_of_the_same_size(tmp_path, seed):
    (tmp_path / "small.toml").write_text(SMALL_COUNTY, encoding="utf-8")
    path = tmp_path / "search.toml"
    path.write_text(EFFORT_COST.format(seed=seed, trials=TRIALS), encoding="utf-8")
    spec = load_search_spec(path)
    assert spec.sampler == "tpe"  # the default
    directions = [d for _, d in spec.objectives]
    with open_runner(1) as runner:
        evaluate = evaluator(spec, runner)
        searched = optuna_search(spec.search_levers, directions, evaluate, trials=TRIALS,
                                 batch=spec.batch, seed=seed, sampler=spec.sampler)
        sampled = lhs_search(spec.search_levers, evaluate, trials=TRIALS, seed=seed,
                             batch=spec.batch)
    volumes = [hypervolume_2d(to_minimise(r.values[r.feasible], directions),
                              EFFORT_COST_REFERENCE) for r in (searched, sampled)]
    assert volumes[0] > volumes[1] > 0, volumes
