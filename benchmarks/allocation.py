"""Allocation benchmark: our fast path and pulp backend against a naive pulp model, one run.

    python benchmarks/allocation.py [--quick] [--seed N] [--orlib DIR] [--cases abcdefgh]
                                    [--ortools-python PATH]

Eight cases, each against a baseline measured in the same run:

(a) in-loop size (the yearly allocation inside a simulation): 1,000 candidates,
    50 posts, 8 pools, the default side rules on (young and frontline shares,
    outflow limit). Median over repeats (one synthetic county per repeat) of
    build + solve for the fast path (``optimize.allocate(problem, explain=False)``),
    our pulp backend (the same with ``backend=Backend.PULP``), and a naive pulp
    model written the way a user would.
    Targets: fast path <= 20 ms, naive / fast >= 10x.
(b) LP first vs straight MIP on the same formulation (``optimize.solve.solve_program``),
    20,000 candidates x 1,000 posts, both share rules on.
(c) one-shot size: 50,000 candidates, 2,000 posts, ~20 eligible posts per
    candidate, 16 pools, both share rules on, through the whole ``youwei allocate``
    command in a child process. Targets: 30 s wall time, 4 GiB peak RSS.
(d) OR-Library ``assign800`` through the fast path and the pulp backend, against
    the published optimum.
(e) the one-shot size of (c) with the regulations' rules: composition targets over
    two attributes (women >= 30% of post appointments, at least 5% 回族 among all moves),
    a team rule (a woman in each of 200 units' teams, with their current teams from
    teams.csv) and 5,000 conflict pairs (任职回避), through ``youwei allocate``.
    Targets: proven optimal (or the relaxed optimum) in 30 s wall time, 4 GiB peak RSS.
(f) the in-loop counties of (a): whole, pruned (``optimize.presolve.prune``), and pruned with the
    matching first (``optimize.presolve.matching``), with the outflow limit on and off: pairs
    pruned, wall and CPU time, the path each solve took, same optimum.
(g) BLAS threads: the in-loop counties of (a) through the fast path with BLAS/OpenMP
    limited to one thread (what the CLI and every runner worker do,
    ``experiments.common.runner.limit_native_threads``) against the libraries' default
    (a thread per core), alternating county by county in this process: median wall
    and CPU time (``time.process_time``, all threads of the process).
(h) the one-shot instance of (c) (the same ``synthetic_county`` call) as a pure assignment,
    against OR-Tools' min-cost flow. Switched off: the young and frontline share rows
    (``young_share_min`` and ``frontline_share_min`` set to 0) and the unit outflow limit
    (``max_outflow_per_unit = -1``); left: each candidate at most one move, each post at
    most one holder (exactly one for its must-fill posts), each pool-rank at most its
    headroom. Ours, in this process: ``optimize.allocate(problem, explain=False)`` and
    ``allocate(..., explain=False, aggregate=True, prune=True)`` (the simulation's call),
    each timed as a whole (pairs, build, solve, moves; wall and ``time.process_time``)
    after a warm-up on an in-loop county.
    OR-Tools: the eligible pairs, their objective values and the headroom go to a
    temporary .npz that ``benchmarks/ortools_flow.py`` solves with ``SimpleMinCostFlow``
    in a child process (OR-Tools and highspy ship clashing ``libhighs.so.1``), run by
    ``--ortools-python`` (default: this interpreter when it has OR-Tools; otherwise the
    OR-Tools rows are skipped with a note). Costs are ``-round(value * FLOW_SCALE)``;
    the optima agree when they differ by at most ``n * 0.5 / FLOW_SCALE`` (the rounding).
    Target: ours <= 3x OR-Tools' solve time (``SimpleMinCostFlow.solve()`` only).

``--quick`` shrinks repeats and sizes for a smoke run (its verdicts are not the
targets' verdicts). Timings depend on the machine; nothing here asserts.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np
import pulp

import optimize
from experiments.allocation.orlib import (
    DEFAULT_ORLIB_DIR,
    assignment_problem,
    known_optima,
    read_assignment,
)
from experiments.allocation.synthetic import draw_people, synthetic_county, write_inputs
from optimize.eligibility import eligible_pairs
from optimize.formulation import RowFamily, build_formulation, objective_terms, seed_columns
from optimize.problem import AllocationProblem
from optimize.proposal import Backend
from optimize.solve import silence_highs_banner, solve_program

REPO = Path(__file__).resolve().parents[1]

IN_LOOP_SECONDS = 0.020
NAIVE_RATIO = 10.0
ONE_SHOT_SECONDS = 30.0
ONE_SHOT_BYTES = 4 * 2**30
STRAIGHT_MIP_LIMIT = 600.0  # seconds; the LP-first time is reported either way
FLOW_RATIO = 3.0  # case (h): ours <= 3x OR-Tools' min-cost flow solve
# Min-cost flow needs integer costs. The values of (h)'s instance run from 27 to 349: at 1e6
# each move's rounding is <= 5e-7, all of them <= 0.025 on 50,000 candidates (~3e-8 of the
# optimum, below the solvers' tolerances), while |cost| * nodes (~2e13) stays far inside
# int64 (OR-Tools refuses cost ranges that could overflow; cost scaling's phases also grow
# with the log of the largest cost).
FLOW_SCALE = 1_000_000
ORTOOLS_CHILD = Path(__file__).with_name("ortools_flow.py")
ORTOOLS_MISSING = ("OR-Tools not installed: pip install ortools (Apache-2.0) in a separate venv "
                   "and pass --ortools-python")


@dataclass(frozen=True)
class Sizes:
    """Instance sizes and repeats of one run (full or ``--quick``)."""

    in_loop: tuple[int, int, int]
    repeats: int
    medium: tuple[int, int, int]
    one_shot: tuple[int, int, int]
    eligible_posts_per_candidate: float
    orlib_file: str


FULL = Sizes((1000, 50, 8), 30, (20000, 1000, 12), (50000, 2000, 16), 20.0, "assign800.txt")
QUICK = Sizes((1000, 50, 8), 3, (2000, 100, 4), (5000, 200, 8), 20.0, "assign100.txt")


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    case: str
    measure: str
    value: str
    target: str = ""
    verdict: str = ""


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


# -- the naive pulp model ---------------------------------------------------------------------
def naive_pulp_allocate(problem: AllocationProblem) -> float:
    """The allocation as a user would write it in pulp; returns the optimal objective.

    A dict of variables made with ``prob.add_variable`` in a comprehension over
    all eligible pairs, coefficients computed pair by pair, ``lpSum`` of
    expressions, one ``+=`` per constraint, solved by ``pulp.HiGHS`` with its
    defaults. Eligibility comes from ``optimize.eligibility`` (vectorised) so
    that only the modelling differs from our paths.
    """
    c, p, rules = problem.candidates, problem.posts, problem.rules
    pairs = eligible_pairs(problem)
    post_pairs = list(zip(pairs.post_candidate.tolist(), pairs.post_post.tolist(), strict=True))
    rank_pairs = list(zip(pairs.rank_candidate.tolist(), pairs.rank_pool.tolist(), strict=True))
    fit = {(i, j): f for i, j, f in zip(problem.fit.candidate.tolist(), problem.fit.post.tolist(),
                                         problem.fit.fit.tolist(), strict=True)}
    w = rules.weights
    mult = {i: (w.frontline_weight if c.frontline[i] else 1.0)
            * c.hardship[i] ** w.hardship_exponent for i in range(len(c))}

    prob = pulp.LpProblem("naive", pulp.LpMaximize)
    x = {(i, j): prob.add_variable(f"x_{i}_{j}", 0, 1, pulp.LpBinary) for i, j in post_pairs}
    z = {(i, k): prob.add_variable(f"z_{i}_{k}", 0, 1, pulp.LpBinary) for i, k in rank_pairs}
    prob += (pulp.lpSum(fit.get((i, j), 1.0) * p.weight[j] * c.score[i] * mult[i] * x[i, j]
                        for i, j in post_pairs)
             + pulp.lpSum(c.score[i] * mult[i] * z[i, k] for i, k in rank_pairs))
    for i in range(len(c)):
        moves = [x[i, j] for j in range(len(p)) if (i, j) in x]
        moves += [z[i, k] for k in range(len(problem.pools)) if (i, k) in z]
        if moves:
            prob += pulp.lpSum(moves) <= 1, f"one_move_{i}"
    for j in range(len(p)):
        holders = pulp.lpSum(x[i, jj] for i, jj in post_pairs if jj == j)
        prob += (holders == 1 if p.must_fill[j] else holders <= 1), f"post_{j}"
    for k in range(len(problem.pools)):
        prob += pulp.lpSum(z[i, kk] for i, kk in rank_pairs if kk == k) <= int(
            problem.pools.headroom[k]), f"pool_{k}"
    t = rules.targets
    if t.young_share_min > 0 and post_pairs:
        prob += pulp.lpSum(((c.age[i] <= t.young_age_max) - t.young_share_min) * x[i, j]
                           for i, j in post_pairs) >= 0, "young_share"
    if t.frontline_share_min > 0 and (post_pairs or rank_pairs):
        prob += (pulp.lpSum((c.frontline[i] - t.frontline_share_min) * x[i, j]
                            for i, j in post_pairs)
                 + pulp.lpSum((c.frontline[i] - t.frontline_share_min) * z[i, k]
                              for i, k in rank_pairs)) >= 0, "frontline_share"
    limit = rules.limits.max_outflow_per_unit
    if limit >= 0:
        for u in range(len(problem.unit_names)):
            leaving = [x[i, j] for i, j in post_pairs if c.unit[i] == u and p.unit[j] != u]
            if leaving:
                prob += pulp.lpSum(leaving) <= limit, f"outflow_{u}"
    prob.solve(pulp.HiGHS(msg=False))
    return float(pulp.value(prob.objective))


# -- our paths ----------------------------------------------------------------------------
def fast_allocate(problem: AllocationProblem) -> float:
    return optimize.allocate(problem, explain=False).objective


def pulp_backend_allocate(problem: AllocationProblem) -> float:
    return optimize.allocate(problem, backend=Backend.PULP, explain=False).objective


def timed(run: Callable[[AllocationProblem], float], problem: AllocationProblem
          ) -> tuple[float, float]:
    start = time.perf_counter()
    objective = run(problem)
    return time.perf_counter() - start, objective


# -- cases --------------------------------------------------------------------------------
def in_loop_case(sizes: Sizes, seed: int) -> list[Row]:
    """(a) median build + solve time of the three paths over ``sizes.repeats`` counties."""
    n, m, pools = sizes.in_loop
    problems = [synthetic_county(n, m, pools, seed=seed + r) for r in range(sizes.repeats)]
    fast_allocate(problems[0])  # warm-up: imports and first-call costs are not in-loop costs
    paths = {"fast": fast_allocate, "pulp backend": pulp_backend_allocate,
             "naive pulp": naive_pulp_allocate}
    times: dict[str, list[float]] = {name: [] for name in paths}
    disagreements = 0
    for problem in problems:
        objectives = []
        for name, run in paths.items():
            elapsed, objective = timed(run, problem)
            times[name].append(elapsed)
            objectives.append(objective)
        # the naive model runs with HiGHS's default relative gap (1e-4)
        disagreements += not np.allclose(objectives, objectives[0], rtol=1e-4)
    median = {name: statistics.median(t) for name, t in times.items()}
    ratio = median["naive pulp"] / median["fast"]
    pairs = eligible_pairs(problems[0])
    case = f"(a) in-loop {n}x{m}, {pools} pools"
    return [
        Row(case, "eligible pairs (first county)",
            f"{pairs.n_post_pairs:,} post + {pairs.n_rank_pairs:,} rank"),
        Row(case, f"fast path, median of {sizes.repeats}", seconds(median["fast"]),
            f"<= {seconds(IN_LOOP_SECONDS)}", met(median["fast"] <= IN_LOOP_SECONDS)),
        Row(case, "pulp backend, median", seconds(median["pulp backend"])),
        Row(case, "naive pulp, median", seconds(median["naive pulp"])),
        Row(case, "naive / fast", f"{ratio:.2f}x", f">= {NAIVE_RATIO:g}x",
            met(ratio >= NAIVE_RATIO)),
        Row(case, "same optimum on every county", f"{sizes.repeats - disagreements} of "
            f"{sizes.repeats}", "all", met(disagreements == 0)),
    ]


def lp_first_case(sizes: Sizes, seed: int) -> list[Row]:
    """(b) LP first (accept an integral relaxation) vs straight MIP, same formulation."""
    n, m, pools = sizes.medium
    problem = synthetic_county(n, m, pools, seed=seed,
                               eligible_posts_per_candidate=sizes.eligible_posts_per_candidate)
    form = build_formulation(problem)
    lp_first = solve_program(form)
    sifted = solve_program(form, seed_columns=seed_columns(form))
    straight = solve_program(form, lp_first=False, time_limit=STRAIGHT_MIP_LIMIT)
    case = f"(b) {n}x{m}, shares on"
    same = np.allclose([lp_first.objective, sifted.objective], straight.objective, rtol=1e-9)
    return [
        Row(case, "program size", f"{form.n_cols:,} cols x {form.n_rows:,} rows"),
        Row(case, f"LP first, whole LP ({lp_first.method})", seconds(lp_first.seconds)),
        Row(case, f"LP first, column generation ({sifted.method})", seconds(sifted.seconds),
            "", "what allocate() uses"),
        Row(case, f"straight MIP ({straight.status.value})", seconds(straight.seconds),
            f"limit {STRAIGHT_MIP_LIMIT:g} s"),
        Row(case, "MIP / LP-first (whole LP)", f"{straight.seconds / lp_first.seconds:.2f}x",
            "", "same optimum" if same else "optima differ"),
        Row(case, "MIP / column generation", f"{straight.seconds / sifted.seconds:.2f}x"),
    ]


def one_shot_case(sizes: Sizes, seed: int) -> list[Row]:
    """(c) ``youwei allocate`` end to end in a child process: wall time and peak RSS."""
    n, m, pools = sizes.one_shot
    problem = synthetic_county(n, m, pools, seed=seed,
                               eligible_posts_per_candidate=sizes.eligible_posts_per_candidate)
    pairs = eligible_pairs(problem)
    with tempfile.TemporaryDirectory(prefix="youwei_bench_") as tmp:
        folder = Path(tmp)
        write_inputs(problem, folder / "inputs")
        wall, code, rss = run_cli_allocate(folder / "inputs", folder / "out")
    case = f"(c) one-shot {n:,}x{m:,}, {pools} pools"
    return [
        Row(case, "eligible pairs", f"{pairs.n_post_pairs:,} post + {pairs.n_rank_pairs:,} rank "
            f"({pairs.n_post_pairs / n:.1f} posts per candidate)"),
        Row(case, "youwei allocate wall time", seconds(wall), f"<= {ONE_SHOT_SECONDS:g} s",
            met(wall <= ONE_SHOT_SECONDS and code == 0)),
        Row(case, "peak RSS of the child", f"{rss / 2**30:.2f} GiB",
            f"<= {ONE_SHOT_BYTES / 2**30:g} GiB", met(rss <= ONE_SHOT_BYTES)),
        Row(case, "exit code", str(code), "0", met(code == 0)),
    ]


OWN_RSS = ("import resource, sys; from experiments.cli import main; code = main(sys.argv[1:]); "
           "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
           "file=sys.stderr); sys.exit(code)")


def run_cli_allocate(inputs: Path, out: Path, extra: list[str] | None = None,
                     own_rss: bool = False) -> tuple[float, int, int]:
    """Run ``youwei allocate`` on ``inputs``; returns (wall seconds, exit code, peak RSS bytes).

    Peak RSS is ``ru_maxrss`` of the terminated children (KiB on Linux): this
    must be the first child process of the run; with ``own_rss`` the child
    reports its own ``ru_maxrss`` instead.
    """
    start_args = ["-c", OWN_RSS] if own_rss else ["-m", "experiments.cli"]
    command = [sys.executable, *start_args, "allocate",
               "--candidates", str(inputs / "candidates.csv"), "--posts", str(inputs / "posts.csv"),
               "--pools", str(inputs / "pools.csv"), "--rules", str(inputs / "rules.toml"),
               "--out", str(out)]
    if (inputs / "fit.csv").exists():
        command += ["--fit", str(inputs / "fit.csv")]
    command += extra or []
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 3):
        print(done.stderr.strip()[-2000:], file=sys.stderr)
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if own_rss:
        reported = [line for line in done.stderr.splitlines() if line.startswith("maxrss ")]
        rss_kib = int(reported[-1].split()[1]) if reported else rss_kib
    return wall, done.returncode, rss_kib * 1024


REGULATION_RULES = """
[[composition]]
attribute = "gender"
value = "女"
over = "posts"
min_share = 0.3

[[composition]]
attribute = "ethnicity"
value = "回族"
over = "all"
min_share = 0.05

[[team]]
attribute = "gender"
value = "女"
min_count = 1
units = [{units}]
"""
CONFLICT_PAIRS = 5_000
TEAM_UNITS = 200


def regulations_case(sizes: Sizes, seed: int) -> list[Row]:
    """(e) the one-shot size with composition, team and conflict rules, end to end."""
    n, m, pools = sizes.one_shot
    problem = synthetic_county(n, m, pools, seed=seed,
                               eligible_posts_per_candidate=sizes.eligible_posts_per_candidate)
    people = draw_people(problem, seed + 1)
    rng = np.random.default_rng(seed + 2)
    n_pairs = min(CONFLICT_PAIRS, n // 2)
    pairs = rng.choice(n, size=(n_pairs, 2), replace=False)
    ids = problem.candidates.id
    kinds = rng.choice(["same_unit", "supervise"], n_pairs)
    units = [problem.unit_names[u] for u in np.unique(problem.posts.unit)[:TEAM_UNITS]]
    with tempfile.TemporaryDirectory(prefix="youwei_bench_") as tmp:
        inputs = Path(tmp) / "inputs"
        write_inputs(problem, inputs, people)
        with (inputs / "rules.toml").open("a", encoding="utf-8") as rules:
            rules.write(REGULATION_RULES.format(units=", ".join(f'"{u}"' for u in units)))
        lines = ["a,b,kind"] + [f"{ids[a]},{ids[b]},{k}" for (a, b), k in zip(pairs, kinds,
                                                                              strict=True)]
        (inputs / "conflicts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        extra = ["--conflicts", str(inputs / "conflicts.csv"), "--teams",
                 str(inputs / "teams.csv")]
        wall, code, rss = run_cli_allocate(inputs, Path(tmp) / "out", extra, own_rss=True)
    case = f"(e) one-shot {n:,}x{m:,} with regulations"
    ok = code in (0, 3)
    return [
        Row(case, "rules", f"2 composition, team on {len(units)} units, {n_pairs:,} conflicts"),
        Row(case, "youwei allocate wall time", seconds(wall), f"<= {ONE_SHOT_SECONDS:g} s",
            met(wall <= ONE_SHOT_SECONDS and ok)),
        Row(case, "peak RSS of the child", f"{rss / 2**30:.2f} GiB",
            f"<= {ONE_SHOT_BYTES / 2**30:g} GiB", met(rss <= ONE_SHOT_BYTES)),
        Row(case, "exit code", str(code), "0 (optimal) or 3 (relaxed)", met(ok)),
    ]


def orlib_case(sizes: Sizes, orlib_dir: Path) -> list[Row]:
    """(d) the OR-Library assignment through both paths against the published optimum."""
    path = orlib_dir / sizes.orlib_file
    known = known_optima(orlib_dir / "assign_optima.csv")[sizes.orlib_file]
    problem = assignment_problem(read_assignment(path))
    case = f"(d) OR-Library {path.stem}"
    rows = []
    for name, run in (("fast path", fast_allocate), ("pulp backend", pulp_backend_allocate)):
        elapsed, objective = timed(run, problem)
        rows.append(Row(case, f"{name}: min cost {-objective:g}", seconds(elapsed),
                        f"optimum {known:g}", met(np.isclose(-objective, known))))
    return rows


# -- output -------------------------------------------------------------------------------
def environment() -> str:
    return (f"python {platform.python_version()}, numpy {np.__version__}, pulp {pulp.__version__}, "
            f"highspy {highs_version()}, {os.cpu_count()} CPUs, {platform.machine()}")


def highs_version() -> str:
    silence_highs_banner()  # the first Highs() of a process prints its banner on stdout
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def format_table(rows: list[Row]) -> str:
    header = Row("case", "measure", "value", "target", "verdict")
    columns = list(zip(*[(r.case, r.measure, r.value, r.target, r.verdict)
                         for r in [header, *rows]], strict=True))
    widths = [max(len(v) for v in column) for column in columns]
    lines = []
    for k, row in enumerate([header, *rows]):
        cells = (row.case, row.measure, row.value, row.target, row.verdict)
        lines.append("  ".join(v.ljust(w) for v, w in zip(cells, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def with_outflow_limit(problem: AllocationProblem, limit: int) -> AllocationProblem:
    limits = problem.rules.limits.model_copy(update={"max_outflow_per_unit": limit})
    return dataclasses.replace(problem, rules=problem.rules.model_copy(update={"limits": limits}))


def pruning_case(sizes: Sizes, seed: int) -> list[Row]:
    """(f) the in-loop counties of (a): whole, pruned (``optimize.presolve.prune``), and pruned with
    the matching first (``optimize.presolve.matching``), same run.

    With the outflow limit on (its unit groups weaken pruning, and it often binds) and
    off; medians of wall and CPU time of ``allocate(explain=False, ...)``, and the path
    each solve took.
    """
    n, m, pools = sizes.in_loop
    variants = {"whole": {}, "pruned": {"prune": True},
                "pruned, matching first": {"prune": True, "assignment_first": True}}
    rows = []
    for label, limit in (("outflow limit on", None), ("outflow limit off", -1)):
        problems = [synthetic_county(n, m, pools, seed=seed + r) for r in range(sizes.repeats)]
        if limit is not None:
            problems = [with_outflow_limit(p, limit) for p in problems]
        optimize.allocate(problems[0], explain=False)  # warm-up
        wall = {name: [] for name in variants}
        cpu = {name: [] for name in variants}
        paths = {name: [] for name in variants}
        pruned, total, same = [], [], 0
        for problem in problems:
            objective = {}
            for name, options in variants.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                proposal = optimize.allocate(problem, explain=False, **options)
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
                objective[name] = proposal.objective
                paths[name].append(proposal.method)
                if name == "pruned":
                    pruned.append(proposal.pruned_pairs)
                    total.append(proposal.pruned_pairs + proposal.n_variables)
            same += bool(np.allclose(list(objective.values()), objective["whole"], rtol=1e-9))
        case = f"(f) in-loop {n}x{m}, {label}"
        rows.append(Row(case, "pairs pruned (median)",
                        f"{statistics.median(pruned):,.0f} of {statistics.median(total):,.0f}"))
        for name in variants:
            taken = ", ".join(f"{p} {paths[name].count(p)}" for p in sorted(set(paths[name])))
            rows.append(Row(case, f"{name}: wall / CPU (median)",
                            f"{seconds(statistics.median(wall[name]))} / "
                            f"{seconds(statistics.median(cpu[name]))}", "", taken))
        rows.append(Row(case, "same optimum, all three", f"{same} of {len(problems)}", "all",
                        met(same == len(problems))))
    return rows


def blas_threads_case(sizes: Sizes, seed: int) -> list[Row]:
    """(g) the fast path of (a) in two child processes: BLAS limited to one thread (as the CLI
    and the runner's workers do) and the libraries' default, same run."""
    settings = {"default (a BLAS thread per core)": "default", "limited (1 BLAS thread)": "limited"}
    measured = {}
    for name, setting in settings.items():
        done = subprocess.run([sys.executable, __file__, "--blas-child", setting, "--seed",
                               str(seed), *(["--quick"] if sizes is QUICK else [])],
                              capture_output=True, text=True, check=True)
        measured[name] = [float(v) for v in done.stdout.split()]
    n, m, pools = sizes.in_loop
    case = f"(g) in-loop {n}x{m}, BLAS threads"
    rows = [Row(case, f"{name}: wall / CPU (median of {sizes.repeats})",
                f"{seconds(wall)} / {seconds(cpu)}", "", f"BLAS threads: {threads:.0f}")
            for name, (wall, cpu, threads) in measured.items()]
    (base_wall, base_cpu, _), (wall, cpu, _) = measured.values()
    rows.append(Row(case, "default / limited: wall, CPU",
                    f"{base_wall / wall:.2f}x, {base_cpu / cpu:.2f}x"))
    return rows


def blas_child(sizes: Sizes, seed: int, setting: str) -> None:
    """Print the median wall and CPU seconds of the fast path on the counties of (a), and the
    BLAS threads, with BLAS limited to one thread (``limited``) or as the libraries start."""
    if setting == "limited":
        from experiments.common.runner import limit_native_threads

        limit_native_threads(1)
    from threadpoolctl import threadpool_info

    n, m, pools = sizes.in_loop
    problems = [synthetic_county(n, m, pools, seed=seed + r) for r in range(sizes.repeats)]
    fast_allocate(problems[0])  # warm-up
    wall, cpu = [], []
    for problem in problems:
        start, start_cpu = time.perf_counter(), time.process_time()
        fast_allocate(problem)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    threads = max((pool["num_threads"] for pool in threadpool_info()), default=1)
    print(statistics.median(wall), statistics.median(cpu), threads)


# -- (h) against OR-Tools' min-cost flow -----------------------------------------------------
def pure_assignment(problem: AllocationProblem) -> AllocationProblem:
    """``problem`` with the share rows and the unit outflow limit switched off."""
    problem = with_outflow_limit(problem, -1)
    targets = problem.rules.targets.model_copy(update={"young_share_min": 0.0,
                                                       "frontline_share_min": 0.0})
    return dataclasses.replace(problem, rules=problem.rules.model_copy(
        update={"targets": targets}))


def write_flow_instance(problem: AllocationProblem, path: Path) -> None:
    """The eligible pairs, their objective values, headroom and must-fill flags (.npz)."""
    pairs = eligible_pairs(problem)
    value = objective_terms(problem, pairs).value
    np.savez(path, n_candidates=problem.n_candidates, n_posts=problem.n_posts, scale=FLOW_SCALE,
             post_candidate=pairs.post_candidate, post_post=pairs.post_post,
             post_value=value[:pairs.n_post_pairs], rank_candidate=pairs.rank_candidate,
             rank_pool=pairs.rank_pool, rank_value=value[pairs.n_post_pairs:],
             headroom=problem.pools.headroom, must_fill=problem.posts.must_fill)


def ortools_interpreter(given: str | None) -> str | None:
    """``--ortools-python``, else this interpreter if it has OR-Tools, else None."""
    if given:
        return given
    return sys.executable if importlib.util.find_spec("ortools") else None


def run_ortools_flow(problem: AllocationProblem, python: str) -> tuple[dict | None, float, str]:
    """(the child's JSON or None, the child's wall seconds from outside, its error text)."""
    with tempfile.TemporaryDirectory(prefix="youwei_bench_") as tmp:
        path = Path(tmp) / "flow.npz"
        write_flow_instance(problem, path)
        start = time.perf_counter()
        try:
            done = subprocess.run([python, str(ORTOOLS_CHILD), str(path)], capture_output=True,
                                  text=True, check=False)
        except OSError as error:
            return None, 0.0, f"--ortools-python {python}: {error}"
        wall = time.perf_counter() - start
    if done.returncode != 0:
        return None, wall, done.stderr.strip()[-2000:]
    return json.loads(done.stdout.splitlines()[-1]), wall, ""


def flow_case(sizes: Sizes, seed: int, ortools_python: str | None = None) -> list[Row]:
    """(h) the one-shot instance of (c) as a pure assignment: ours against OR-Tools' flow."""
    n, m, pools = sizes.one_shot
    problem = pure_assignment(synthetic_county(
        n, m, pools, seed=seed, eligible_posts_per_candidate=sizes.eligible_posts_per_candidate))
    families = {RowFamily(f).name.lower() for f in np.unique(build_formulation(problem).row_family)}
    case = f"(h) one-shot {n:,}x{m:,}, shares off"
    rows = [Row(case, "program rows", ", ".join(sorted(families)), "one_move, pool, post",
                met(families == {"one_move", "pool", "post"}))]
    fast_allocate(pure_assignment(synthetic_county(*sizes.in_loop, seed=seed)))  # warm-up
    ours = {}
    for name, options in (("ours, allocate", {}),
                          ("ours, allocate(aggregate, prune)", {"aggregate": True, "prune": True})):
        start, start_cpu = time.perf_counter(), time.process_time()
        proposal = optimize.allocate(problem, explain=False, **options)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        ours[name] = (wall, proposal.objective)
        rows.append(Row(case, f"{name}: wall / CPU", f"{seconds(wall)} / {seconds(cpu)}", "",
                        f"{proposal.status.value}, {proposal.method}"))
    python = ortools_interpreter(ortools_python)
    if python is None:
        return [*rows, Row(case, "OR-Tools min-cost flow", "skipped", "", ORTOOLS_MISSING)]
    flow, child_wall, error = run_ortools_flow(problem, python)
    if flow is None or flow["status"] != "OPTIMAL":
        print(error, file=sys.stderr)
        status = flow["status"] if flow else "child failed (see stderr)"
        return [*rows, Row(case, "OR-Tools min-cost flow", status, "OPTIMAL", met(False))]
    rows += [
        Row(case, f"OR-Tools {flow['ortools']}: network", f"{flow['nodes']:,} nodes, "
            f"{flow['arcs']:,} arcs; built in {seconds(flow['build_wall'])}"),
        Row(case, "OR-Tools solve(): wall / CPU",
            f"{seconds(flow['solve_wall'])} / {seconds(flow['solve_cpu'])}"),
        Row(case, "OR-Tools whole child: wall / CPU",
            f"{seconds(child_wall)} / {seconds(flow['child_cpu'])}", "", "start-up, load, build"),
    ]
    bound = n * 0.5 / FLOW_SCALE
    for name, (wall, objective) in ours.items():
        ratio = wall / flow["solve_wall"]
        rows.append(Row(case, f"{name} / OR-Tools solve", f"{ratio:.2f}x",
                        f"<= {FLOW_RATIO:g}x", met(ratio <= FLOW_RATIO)))
        gap = abs(objective - flow["objective"])
        rows.append(Row(case, f"{name}: same optimum", f"{objective:,.4f} vs "
                        f"{flow['objective']:,.4f} (|diff| {gap:.2g})", f"<= {bound:g}",
                        met(gap <= bound)))
    return rows


CASES = {"a": in_loop_case, "b": lp_first_case, "c": one_shot_case, "d": orlib_case,
         "e": regulations_case, "f": pruning_case, "g": blas_threads_case, "h": flow_case}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats")
    parser.add_argument("--seed", type=int, default=20240615, help="root seed of the counties")
    parser.add_argument("--orlib", type=Path, default=DEFAULT_ORLIB_DIR,
                        help="folder of the OR-Library files (default: %(default)s)")
    parser.add_argument("--blas-child", choices=("default", "limited"), help=argparse.SUPPRESS)
    parser.add_argument("--cases", default="abcdefgh",
                        help="which cases to run (default: abcdefgh)")
    parser.add_argument("--ortools-python", metavar="PATH",
                        help="interpreter with OR-Tools for case (h) (default: this one if it "
                             "has OR-Tools, else the OR-Tools rows are skipped)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.blas_child:
        blas_child(sizes, args.seed, args.blas_child)
        return
    print(f"allocation benchmark{' (quick)' if args.quick else ''}: {environment()}", flush=True)
    rows: list[Row] = []
    for key in args.cases:
        start = time.perf_counter()
        case = CASES[key]
        if key == "d":
            new = case(sizes, args.orlib)
        elif key == "h":
            new = case(sizes, args.seed, args.ortools_python)
        else:
            new = case(sizes, args.seed)
        print(f"  case ({key}) done in {time.perf_counter() - start:.1f} s", flush=True)
        rows += new
    print()
    print(format_table(rows))


if __name__ == "__main__":
    main()
