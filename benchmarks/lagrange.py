"""A binding young share: the Lagrangian path against the program path, CPU time, one run.

    python benchmarks/lagrange.py [--quick] [--seed N] [--young-share 0.6] [--large 2]
                                  [--scenario ordos] [--years 20]

Instances (the builders of ``benchmarks/allocation.py``, imported, not copied):

(a) in-loop size: the synthetic counties of its case (a), 1,000 candidates x 50 posts x 8
    pools, one per seed, with the outflow limit off (``with_outflow_limit(p, -1)``) and the
    young share raised to ``--young-share`` (default 0.6; the default 0.2 never binds there).
(b) large: its case (b) county, 20,000 x 1,000 x 12 pools, ~20 eligible posts per candidate
    (within-unit mobility), ``--large`` seeds, the same young share.
(c) real yearly problems: every allocation problem of a ``--years`` run of ``--scenario``
    (seed 7), captured as ``benchmarks/presolve_replay.py`` captures them, rules as the
    scenario sets them (the Lagrangian applies only where one share row alone is broken).

Each is built as ``optimize.allocate(prune=True, assignment_first=True)`` builds it (pairs
pruned by ``optimize.presolve.prune``), then solved after the assignment's matching
(``solve_by_matching``, timed apart: both paths start with it):

- program path: what ``optimize.allocate`` does when the matching is not kept
  (``solve_program``, by column generation above ``SIFTING_MIN_COLUMNS`` columns);
- Lagrangian path: ``solve_by_lagrangian``, plus the program path's measured time when it
  declines.

Printed, over the instances whose matching was not kept: median CPU time
(``time.process_time``, BLAS limited to one thread as the CLI does) of each, the ratios
program / Lagrangian (of the medians and of the totals), the path each instance took, and
whether both reach the same optimum. Timings depend on the machine; nothing here asserts.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from experiments.common.runner import limit_native_threads  # noqa: E402

limit_native_threads(1)

import numpy as np  # noqa: E402

from benchmarks.allocation import (  # noqa: E402
    FULL,
    QUICK,
    Row,
    Sizes,
    environment,
    format_table,
    met,
    seconds,
    with_outflow_limit,
)
from benchmarks.presolve_replay import run_problems  # noqa: E402
from experiments.allocation.synthetic import synthetic_county  # noqa: E402
from optimize.allocate import SIFTING_MIN_COLUMNS  # noqa: E402
from optimize.eligibility import eligible_pairs  # noqa: E402
from optimize.formulation import (  # noqa: E402
    Formulation,
    build_formulation,
    objective_terms,
    seed_columns,
    share_rows,
)
from optimize.presolve.lagrange import solve_by_lagrangian  # noqa: E402
from optimize.presolve.matching import solve_by_matching  # noqa: E402
from optimize.presolve.prune import prune_pairs  # noqa: E402
from optimize.problem import AllocationProblem  # noqa: E402
from optimize.solve import SolverResult, solve_program  # noqa: E402

REPLAY_SEED = 7  # benchmarks/presolve_replay.py's default


def with_young_share(problem: AllocationProblem, share: float) -> AllocationProblem:
    targets = problem.rules.targets.model_copy(update={"young_share_min": share})
    return dataclasses.replace(problem, rules=problem.rules.model_copy(update={"targets": targets}))


def pruned_formulation(problem: AllocationProblem) -> Formulation:
    """The program ``allocate(prune=True)`` builds."""
    pairs = eligible_pairs(problem)
    pairs = prune_pairs(problem, pairs, objective_terms(problem, pairs).value).pairs
    return build_formulation(problem, pairs)


def program_path(form: Formulation) -> SolverResult:
    """``optimize.allocate``'s fast-backend solve of a formulation (its ``_solve``)."""
    if form.n_cols <= SIFTING_MIN_COLUMNS:
        return solve_program(form)
    return solve_program(form, seed_columns=seed_columns(form), lazy_rows=share_rows(form))


def cpu_timed(run):
    start = time.process_time()
    result = run()
    return time.process_time() - start, result


@dataclasses.dataclass(frozen=True)
class Measured:
    """One instance: CPU seconds of each part, the paths taken, and both objectives."""

    columns: int
    matching: float
    program: float
    lagrangian: float
    path: str
    program_method: str
    same: bool


def measure(problem: AllocationProblem) -> Measured:
    form = pruned_formulation(problem)
    headroom = problem.pools.headroom
    matching_seconds, kept = cpu_timed(lambda: solve_by_matching(form, headroom))
    if kept is not None:  # the share row did not bind: both paths end at the matching
        return Measured(form.n_cols, matching_seconds, 0.0, 0.0, "matching", "matching", True)
    program_seconds, whole = cpu_timed(lambda: program_path(form))
    lagrangian_seconds, result = cpu_timed(lambda: solve_by_lagrangian(form, headroom))
    if result is None:
        lagrangian_seconds += program_seconds
        result = whole
        path = f"declined, {whole.method}"
    else:
        path = result.method
    same = bool(np.isclose(result.objective, whole.objective, rtol=1e-9, atol=1e-7))
    return Measured(form.n_cols, matching_seconds, program_seconds, lagrangian_seconds, path,
                    whole.method, same)


def summary(case: str, measured: list[Measured]) -> list[Row]:
    """Medians over the instances whose matching broke the share row (the others end there)."""
    bound = [m for m in measured if m.path != "matching"] or measured
    median = {part: statistics.median(getattr(m, part) for m in bound)
              for part in ("columns", "matching", "program", "lagrangian")}
    paths = Counter(m.path for m in bound)
    program_paths = Counter(m.program_method for m in bound)
    same = sum(m.same for m in measured)
    total = {part: sum(getattr(m, part) for m in bound) for part in ("program", "lagrangian")}
    ratio = median["program"] / median["lagrangian"] if median["lagrangian"] > 0 else float("nan")
    total_ratio = (total["program"] / total["lagrangian"] if total["lagrangian"] > 0
                   else float("nan"))
    return [
        Row(case, "matching not kept (a row broken)", f"{len(bound)} of {len(measured)}", "",
            "medians below over these"),
        Row(case, "columns (pruned, median)", f"{median['columns']:,.0f}"),
        Row(case, "matching first (CPU, median)", seconds(median["matching"]), "", "both paths"),
        Row(case, "program path (CPU, median)", seconds(median["program"]), "",
            ", ".join(f"{p} {n}" for p, n in sorted(program_paths.items()))),
        Row(case, "Lagrangian path (CPU, median)", seconds(median["lagrangian"]), "",
            ", ".join(f"{p} {n}" for p, n in sorted(paths.items()))),
        Row(case, "program / Lagrangian (medians)", f"{ratio:.2f}x"),
        Row(case, "program / Lagrangian (total CPU)", f"{total_ratio:.2f}x", "",
            f"{seconds(total['program'])} / {seconds(total['lagrangian'])}"),
        Row(case, "same optimum", f"{same} of {len(measured)}", "all",
            met(same == len(measured))),
    ]


def in_loop_case(sizes: Sizes, seed: int, share: float) -> list[Row]:
    n, m, pools = sizes.in_loop
    problems = [with_young_share(with_outflow_limit(
        synthetic_county(n, m, pools, seed=seed + r), -1), share) for r in range(sizes.repeats)]
    measure(problems[0])  # warm-up: imports and first-call costs are not in-loop costs
    return summary(f"(a) in-loop {n}x{m}, {pools} pools, young >= {share:g}",
                   [measure(p) for p in problems])


def large_case(sizes: Sizes, seed: int, share: float, count: int) -> list[Row]:
    n, m, pools = sizes.medium
    problems = [with_young_share(synthetic_county(
        n, m, pools, seed=seed + r,
        eligible_posts_per_candidate=sizes.eligible_posts_per_candidate), share)
        for r in range(count)]
    return summary(f"(b) {n}x{m}, {pools} pools, young >= {share:g}",
                   [measure(p) for p in problems])


def replay_case(scenario: str, years: int, seed: int) -> list[Row]:
    """(c) every yearly problem of a ``years`` run of ``scenario``, as presolve_replay captures."""
    problems = run_problems(scenario, years, seed)
    return summary(f"(c) {scenario}, {years} years, seed {seed}", [measure(p) for p in problems])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats")
    parser.add_argument("--seed", type=int, default=20240615, help="root seed of the counties")
    parser.add_argument("--young-share", type=float, default=0.6,
                        help="young share of post moves (default: %(default)s)")
    parser.add_argument("--large", type=int, default=2, help="large instances (default: 2)")
    parser.add_argument("--scenario", default="ordos", help="run replayed in (c) (default: ordos)")
    parser.add_argument("--years", type=int, default=20, help="years replayed in (c)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    print(f"Lagrangian benchmark{' (quick)' if args.quick else ''}: {environment()}", flush=True)
    rows = []
    for name, case in (("a", lambda: in_loop_case(sizes, args.seed, args.young_share)),
                       ("b", lambda: large_case(sizes, args.seed, args.young_share,
                                                args.large)),
                       ("c", lambda: replay_case(args.scenario, 5 if args.quick else args.years,
                                                 REPLAY_SEED))):
        start = time.perf_counter()
        rows += case()
        print(f"  case ({name}) done in {time.perf_counter() - start:.1f} s", flush=True)
    print()
    print(format_table(rows))


if __name__ == "__main__":
    main()
