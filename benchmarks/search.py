"""Search benchmark: optuna samplers (``youwei search``) against a Latin hypercube of the
levers, at equal numbers of evaluations (model runs), by hypervolume of the feasible
Pareto set.

    python benchmarks/search.py [--quick] [--seeds 8] [--youwei-trials 32 64] [--workers 2]

1. ZDT1 (Zitzler, Deb & Thiele 2000), 6 variables, two objectives to minimise,
   ``--zdt-trials`` evaluations (default 400), NSGA-II with population 40;
   hypervolume against (1.1, 11) (f2 of random points runs up to ~10; the true
   front's hypervolume against it is 1.1 x 11 - 1/3 = 11.77); one row per seed.
2. Two small youwei specs (``tests/search_fixtures.py``: a 58-cadre county, 3
   years, two fixed worlds, batches of 8): effort against cost under a budget
   of 30 万元 (six levers; a front along the budget), and effort against the
   share of honest errors punished (four levers; the share takes few values in
   a small county and the front is often one policy that sampling finds as
   well). For each number of candidates in ``--youwei-trials`` and each seed:
   every sampler of ``experiments.search.loop.SAMPLERS`` and a Latin
   hypercube of the same size, on the same evaluator (the shared runner,
   common random numbers). Hypervolume of the feasible candidates in
   (-effort, second objective) against (0, budget) and (0, 1.05).

A ratio > 1 means the sampler found a better Pareto set than the Latin
hypercube of the same seed and size. The last line of each block gives the
smallest and the median ratio over the seeds and how many seeds the sampler won.
Nothing here asserts (tests/unit/test_search_core.py asserts the ZDT1 result,
tests/integration/test_search.py the default sampler against a Latin hypercube
on the effort-cost spec).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def zdt1_rows(seeds: list[int], trials: int) -> list[tuple]:
    from experiments.robust.measures import Direction
    from experiments.search.loop import Lever, lhs_search, optuna_search
    from experiments.search.pareto import hypervolume_2d, zdt1

    levers = [Lever(f"x{i}", 0.0, 1.0) for i in range(6)]

    def evaluate(candidates):
        x = np.array([[c[f"x{i}"] for i in range(6)] for c in candidates])
        return [(row, ()) for row in zdt1(x)]

    rows = []
    for seed in seeds:
        searched = optuna_search(levers, (Direction.MINIMISE,) * 2, evaluate, trials=trials,
                                 batch=40, seed=seed, sampler="nsga2")
        sampled = lhs_search(levers, evaluate, trials=trials, seed=seed)
        rows.append((seed, hypervolume_2d(searched.values, (1.1, 11.0)),
                     hypervolume_2d(sampled.values, (1.1, 11.0))))
    return rows


def feasible_hypervolume(result, directions, reference: tuple[float, float]) -> float:
    """Hypervolume of the feasible candidates of ``result`` (objectives made minimised)."""
    from experiments.search.loop import to_minimise
    from experiments.search.pareto import hypervolume_2d

    return hypervolume_2d(to_minimise(result.values[result.feasible], directions), reference)


def youwei_rows(template: str, reference: tuple[float, float], seeds: list[int], trials: int,
                runner, folder: Path) -> list[tuple]:
    """Per seed: the Latin hypercube's hypervolume, then each sampler's."""
    from experiments.search.engine import evaluator
    from experiments.search.loop import SAMPLERS, lhs_search, optuna_search
    from experiments.search.spec import load_search_spec

    rows = []
    for seed in seeds:
        path = folder / f"search_{seed}_{trials}.toml"
        path.write_text(template.format(seed=seed, trials=trials), encoding="utf-8")
        spec = load_search_spec(path)
        directions = [d for _, d in spec.objectives]
        evaluate = evaluator(spec, runner)
        lhs = lhs_search(spec.search_levers, evaluate, trials=trials, seed=seed,
                         batch=spec.batch)
        volumes = [feasible_hypervolume(lhs, directions, reference)]
        for name in SAMPLERS:
            found = optuna_search(spec.search_levers, directions, evaluate, trials=trials,
                                  batch=spec.batch, seed=seed, sampler=name)
            volumes.append(feasible_hypervolume(found, directions, reference))
        rows.append((seed, *volumes))
    return rows


def print_youwei_block(title: str, rows: list[tuple]) -> None:
    from experiments.search.loop import SAMPLERS

    print(title)
    print(f"{'seed':>4}  {'LHS':>8}  " + "  ".join(f"{n:>8}" for n in SAMPLERS) + "  "
          + "  ".join(f"{n + '/LHS':>12}" for n in SAMPLERS))
    ratios = np.array([[v / row[1] if row[1] > 0 else np.inf for v in row[2:]]
                       for row in rows])
    for row, ratio in zip(rows, ratios, strict=True):
        print(f"{row[0]:>4}  {row[1]:8.4f}  " + "  ".join(f"{v:8.4f}" for v in row[2:]) + "  "
              + "  ".join(f"{r:12.2f}" for r in ratio))
    print(f"{'':>4}  {'':>8}  " + "  ".join(f"{'':>8}" for _ in SAMPLERS) + "  "
          + "  ".join(f"{f'{r.min():.2f}/{np.median(r):.2f} {int((r > 1).sum())}/{len(r)}':>12}"
                      for r in ratios.T)
          + "   (min/median, seeds won)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--zdt-trials", type=int, default=400)
    parser.add_argument("--youwei-trials", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="ZDT1 only")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    print(f"ZDT1, 6 variables, {args.zdt_trials} evaluations each; hypervolume vs (1.1, 11.0)")
    print(f"{'seed':>4}  {'NSGA-II':>8}  {'LHS':>8}  {'ratio':>6}")
    for seed, search, lhs in zdt1_rows(seeds, args.zdt_trials):
        ratio = search / lhs if lhs > 0 else float("inf")
        print(f"{seed:>4}  {search:8.4f}  {lhs:8.4f}  {ratio:6.2f}")
    if args.quick:
        return
    from experiments.common.runner import WORKER_PRELOAD, open_runner
    from tests.scenario_fixtures import SMALL_COUNTY
    from tests.search_fixtures import (
        EFFORT_COST,
        EFFORT_COST_REFERENCE,
        EFFORT_PUNISHMENT,
        EFFORT_PUNISHMENT_REFERENCE,
    )

    specs = (("effort vs cost (budget 30)", EFFORT_COST, EFFORT_COST_REFERENCE),
             ("effort vs share of honest errors punished", EFFORT_PUNISHMENT,
              EFFORT_PUNISHMENT_REFERENCE))
    with tempfile.TemporaryDirectory() as folder, \
            open_runner(args.workers, None, preload=WORKER_PRELOAD) as runner:
        (Path(folder) / "small.toml").write_text(SMALL_COUNTY, encoding="utf-8")
        for trials in args.youwei_trials:
            for title, template, reference in specs:
                rows = youwei_rows(template, reference, seeds, trials, runner, Path(folder))
                print_youwei_block(
                    f"\nyouwei small county, {title}: {trials} candidates x 2 worlds each, "
                    f"{args.workers} workers; hypervolume of feasible candidates vs "
                    f"{reference}", rows)


if __name__ == "__main__":
    main()
