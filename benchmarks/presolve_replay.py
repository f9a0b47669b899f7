"""The presolve paths on the problems a run really solves: CPU time against the whole program.

    python benchmarks/presolve_replay.py [--years 20] [--seed 7] [--repeat 3] [scenario ...]

Every yearly allocation problem of a ``--years`` run of each scenario (default
``ordos`` and ``zhangdian``, after the spin-up) is captured as ``sim.phases.allocation``
hands it to ``optimize.allocate``, then solved again several ways, each ``--repeat``
times (best of): the whole program (the baseline), pruned (``prune=True``), over classes
of interchangeable posts (``aggregate=True``), both, both with pruning only above
``sim.phases.allocation.PRUNE_MIN_PAIRS`` pairs (what the model uses), matching first,
and pruned with matching first. Printed per scenario: solver CPU seconds over all the
run's problems, the ratio to the whole program, how many problems each path changed
(pairs pruned, matchings kept, posts aggregated), and whether every optimum equals the
whole program's (the exactness ``tests/regression/test_presolve_replay.py`` asserts).
CPU time is ``time.process_time`` (BLAS threads included).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import optimize  # noqa: E402
import sim.phases.allocation as allocation_phase  # noqa: E402
from scenarios import Scenario, load_scenario  # noqa: E402
from sim.model import CadreModel  # noqa: E402

PATHS = {"whole program": {}, "pruned": {"prune": True},
         "post classes": {"aggregate": True},
         "post classes + pruned": {"aggregate": True, "prune": True},
         "post classes + pruned above 500 pairs (the model)": {
             "aggregate": True, "prune": True,
             "prune_min_pairs": allocation_phase.PRUNE_MIN_PAIRS},
         "matching first": {"assignment_first": True},
         "pruned + matching": {"prune": True, "assignment_first": True}}


def run_problems(name: str, years: int, seed: int) -> list[optimize.AllocationProblem]:
    """The allocation problems of ``years`` years of ``name`` after its spin-up."""
    return [p for year in yearly_problems(load_scenario(name), years, seed) for p in year]


def yearly_problems(scenario: Scenario, years: int, seed: int
                    ) -> list[list[optimize.AllocationProblem]]:
    """Each year's allocation problems (in solve order) of ``years`` years of ``scenario``,
    captured as ``sim.phases.allocation`` hands them to ``optimize.allocate`` (after the
    spin-up, if any)."""
    model = CadreModel(scenario, rng=seed)
    out: list[list[optimize.AllocationProblem]] = []
    solve = optimize.allocate

    def capture(problem, **options):
        out[-1].append(problem)
        return solve(problem, **options)

    allocation_phase.optimize.allocate = capture
    try:
        for _ in range(years):
            out.append([])
            model.step()
    finally:
        allocation_phase.optimize.allocate = solve
    return out


def time_path(problems, options: dict, repeat: int) -> tuple[float, list]:
    """(best CPU seconds over ``repeat``, the proposals) of solving every problem."""
    best, proposals = float("inf"), []
    for _ in range(repeat):
        start = time.process_time()
        proposals = [optimize.allocate(p, explain=False, **options) for p in problems]
        best = min(best, time.process_time() - start)
    return best, proposals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=["ordos", "zhangdian"])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print("| scenario | problems | path | solver CPU s | vs whole | changed | same optimum |")
    print("|---|---|---|---|---|---|---|")
    for name in args.scenarios:
        problems = run_problems(name, args.years, args.seed)
        base_seconds, base = time_path(problems, {}, args.repeat)
        for label, options in PATHS.items():
            seconds, proposals = ((base_seconds, base) if not options
                                  else time_path(problems, options, args.repeat))
            changed = sum(p.pruned_pairs > 0 or p.method == "matching"
                          or p.n_variables < b.n_variables
                          for p, b in zip(proposals, base, strict=True))
            same = all(p.status is b.status and abs(p.objective - b.objective)
                       <= 1e-9 * max(1.0, abs(b.objective))
                       for p, b in zip(proposals, base, strict=True))
            print(f"| {name} | {len(problems)} | {label} | {seconds:.3f} | "
                  f"{seconds / base_seconds:.2f}x | {changed} | {'yes' if same else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
