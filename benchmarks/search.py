"""Search benchmark: NSGA-II (``youwei search``) against a Latin hypercube of the levers,
at equal numbers of evaluations, by hypervolume of the (feasible) Pareto set.

    python benchmarks/search.py [--quick] [--seeds 3] [--workers 2]

1. ZDT1 (Zitzler, Deb & Thiele 2000), 6 variables, two objectives to minimise,
   ``--zdt-trials`` evaluations (default 400), population 40; hypervolume
   against (1.1, 11) (f2 of random points runs up to ~10; the true front's
   hypervolume against it is 1.1 x 11 - 1/3 = 11.77); one row per seed.
2. A small youwei spec: the baseline rules on a 58-cadre county, 3 years, four
   levers (excuse rate, discrimination, promotion rule, bonus share), two fixed
   worlds over ``behaviour.sanction_cost``, objectives mean effort (max) and the
   share of honest errors punished (min), a budget of 5 万元 a year on the bonus;
   ``--youwei-trials`` candidates (default 32, population 8) for both methods,
   on the shared runner, for NSGA-II, for multi-objective TPE (``sampler =
   "tpe"``) and for a Latin hypercube. Hypervolume of the feasible candidates
   in (-effort, punished share) against (0, 1.05).

Both methods get the same seeds and the same evaluator; a ratio > 1 means the
search found a better Pareto set than sampling at the same cost. Nothing here
asserts (tests/unit/test_search_core.py asserts the ZDT1 result).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


SPEC = """\
name = "bench_search"
world = "small.toml"
years = 3
seed = {seed}
replications = 1
worlds = 2
trials = {trials}
batch = 8

[levers]
"policy.tolerance.excuse_rate" = {{ range = [0.0, 1.0] }}
"policy.tolerance.discrimination" = {{ range = [0.5, 1.0] }}
"policy.promotion.rule" = {{ levels = ["seniority", "merit", "blend"] }}
"policy.bonus.top_share" = {{ range = [0.0, 0.3] }}

[uncertainties]
"behaviour.sanction_cost" = {{ range = [2.5, 7.5] }}

[objectives.mean_effort]
direction = "max"

[objectives.punished_honest_share]
direction = "min"

[budget]
cost = "bonus_cost"
max = 5.0
"""


def zdt1_rows(seeds: list[int], trials: int) -> list[tuple]:
    from experiments.robust.measures import Direction
    from experiments.search.loop import Lever, lhs_search, nsga2_search
    from experiments.search.pareto import hypervolume_2d, zdt1

    levers = [Lever(f"x{i}", 0.0, 1.0) for i in range(6)]

    def evaluate(candidates):
        x = np.array([[c[f"x{i}"] for i in range(6)] for c in candidates])
        return [(row, ()) for row in zdt1(x)]

    rows = []
    for seed in seeds:
        searched = nsga2_search(levers, (Direction.MINIMISE,) * 2, evaluate, trials=trials,
                                batch=40, seed=seed)
        sampled = lhs_search(levers, evaluate, trials=trials, seed=seed)
        rows.append((seed, hypervolume_2d(searched.values, (1.1, 11.0)),
                     hypervolume_2d(sampled.values, (1.1, 11.0))))
    return rows


def youwei_rows(seeds: list[int], trials: int, workers: int) -> list[tuple]:
    from experiments.common.runner import WORKER_PRELOAD, open_runner
    from experiments.search.engine import evaluator
    from experiments.search.loop import SAMPLERS, lhs_search, nsga2_search, to_minimise
    from experiments.search.pareto import hypervolume_2d
    from experiments.search.spec import load_search_spec
    from tests.scenario_fixtures import SMALL_COUNTY as county

    rows = []
    with tempfile.TemporaryDirectory() as folder, \
            open_runner(workers, None, preload=WORKER_PRELOAD) as runner:
        (Path(folder) / "small.toml").write_text(county, encoding="utf-8")
        for seed in seeds:
            path = Path(folder) / f"search_{seed}.toml"
            path.write_text(SPEC.format(seed=seed, trials=trials), encoding="utf-8")
            spec = load_search_spec(path)
            directions = [d for _, d in spec.objectives]
            evaluate = evaluator(spec, runner)
            results = [nsga2_search(spec.search_levers, directions, evaluate, trials=trials,
                                    batch=spec.batch, seed=seed, sampler=name)
                       for name in SAMPLERS]
            results.append(lhs_search(spec.search_levers, evaluate, trials=trials, seed=seed,
                                      batch=spec.batch))
            volumes = []
            for result in results:
                points = to_minimise(result.values[result.feasible], directions)
                volumes.append(hypervolume_2d(points, (0.0, 1.05)))
            rows.append((seed, *volumes))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--zdt-trials", type=int, default=400)
    parser.add_argument("--youwei-trials", type=int, default=32)
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
    print(f"\nyouwei small county, {args.youwei_trials} candidates x 2 worlds each, "
          f"{args.workers} workers; hypervolume of feasible (-effort, punished share) vs "
          f"(0, 1.05)")
    print(f"{'seed':>4}  {'NSGA-II':>8}  {'TPE':>8}  {'LHS':>8}  {'NSGA/LHS':>8}  "
          f"{'TPE/LHS':>8}")
    for seed, nsga, tpe, lhs in youwei_rows(seeds, args.youwei_trials, args.workers):
        print(f"{seed:>4}  {nsga:8.4f}  {tpe:8.4f}  {lhs:8.4f}  {nsga / lhs:8.2f}  "
              f"{tpe / lhs:8.2f}")


if __name__ == "__main__":
    main()
