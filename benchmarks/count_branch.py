"""Branching on counts against the MIP, on the yearly program where the young share binds.

    python benchmarks/count_branch.py [--cadres 10000] [--year 2] [--seed 1]

The ``ordos`` world scaled to ``--cadres`` (unified mobility, the young share of post
appointments on, no spin-up; as ``benchmarks/simulation.py --scale``) runs until the
first allocation problem of ``--year``; that problem is captured and solved three ways,
CPU time (``time.process_time``) each, in this one run:

1. post by post, pruned, and a fractional LP handed to HiGHS's MIP over the columns
   reduced-cost fixing keeps (``solve_program`` without ``counts``: the path before the
   count branching);
2. the same program, the fractional LP closed by branching on the counts the share rows
   read (``optimize.allocate(explain=False, prune=True)``);
3. what the model runs: over classes of interchangeable posts, pruned, with the count
   branching (``aggregate=True``).

Printed: the program's columns, the LP bound and the fractional young count, the
children's bounds (Y <= floor and Y >= ceil), each path's method, objective and time,
and whether the three optima are equal. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import optimize  # noqa: E402
import sim.phases.allocation as allocation_phase  # noqa: E402
from benchmarks.presolve_replay import yearly_problems  # noqa: E402
from benchmarks.simulation import scaled, without_spinup  # noqa: E402
from optimize.eligibility import eligible_pairs  # noqa: E402
from optimize.formulation import (  # noqa: E402
    RowFamily,
    build_formulation,
    count_expressions,
    objective_terms,
    seed_columns,
    share_rows,
)
from optimize.presolve.prune import prune_pairs  # noqa: E402
from optimize.solve import solve_lp, solve_program  # noqa: E402
from scenarios import load_scenario  # noqa: E402


def captured_problem(cadres: int, year: int, seed: int) -> optimize.AllocationProblem:
    """The first allocation problem of ``year`` of the scaled ordos world."""
    scenario = scaled(without_spinup(load_scenario("ordos")), cadres)
    return yearly_problems(scenario, year, seed)[year - 1][0]


def timed(function):
    start = time.process_time()
    result = function()
    return result, time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=10_000)
    parser.add_argument("--year", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    problem = captured_problem(args.cadres, args.year, args.seed)
    pairs = eligible_pairs(problem)
    kept = prune_pairs(problem, pairs, objective_terms(problem, pairs).value).pairs
    form = build_formulation(problem, kept)
    print(f"ordos scaled to {problem.n_candidates:,} candidates, year {args.year}: "
          f"{problem.n_posts:,} open posts, {pairs.n_post_pairs + pairs.n_rank_pairs:,} "
          f"eligible pairs, {form.n_cols:,} columns after pruning")
    young = form.rows_of(RowFamily.YOUNG_SHARE)
    lp = solve_lp(form, seed_columns=seed_columns(form), lazy_rows=share_rows(form))
    if len(young):
        coefficients = form.matrix.tocsr()[young, :].toarray().ravel()
        flagged = (coefficients > 0).astype(float)
        y = float(flagged @ lp.x)
        print(f"LP bound {lp.objective:,.4f}; young appointments in the LP {y:.3f}")
        for low, high in ((-np.inf, np.floor(y)), (np.ceil(y), np.inf)):
            child = dataclasses.replace(
                form, matrix=sp.csc_array(sp.vstack([form.matrix, flagged[None, :]])),
                row_lower=np.append(form.row_lower, low), row_upper=np.append(form.row_upper, high))
            bound = solve_lp(child, seed_columns=seed_columns(form), lazy_rows=share_rows(form))
            integral = bool(np.all(np.abs(bound.x - np.round(bound.x)) <= 1e-6))
            print(f"  child {low:g} <= young <= {high:g}: LP bound {bound.objective:,.4f}"
                  f"{' (integral)' if integral else ''}")
    old, old_seconds = timed(lambda: solve_program(
        form, seed_columns=seed_columns(form), lazy_rows=share_rows(form)))
    new, new_seconds = timed(lambda: solve_program(
        form, seed_columns=seed_columns(form), lazy_rows=share_rows(form),
        counts=count_expressions(form)))
    model_path, model_seconds = timed(lambda: optimize.allocate(
        problem, explain=False, prune=True, aggregate=True,
        prune_min_pairs=allocation_phase.PRUNE_MIN_PAIRS))
    rows = [("post by post, MIP after the LP (before)", old.method, old.objective, old_seconds),
            ("post by post, branching on counts", new.method, new.objective, new_seconds),
            ("post classes, branching on counts (the model)", model_path.method,
             model_path.objective, model_seconds)]
    width = max(len(r[0]) for r in rows)
    print(f"{'path':<{width}}  method        objective     CPU s")
    for label, method, objective, seconds in rows:
        print(f"{label:<{width}}  {method:<12}  {objective:,.4f}  {seconds:8.2f}")
    same = all(abs(r[2] - old.objective) <= 1e-9 * max(1.0, abs(old.objective)) for r in rows)
    print(f"same optimum on all three paths: {'yes' if same else 'NO'}; "
          f"MIP / branching {old_seconds / new_seconds:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
