"""Simulation benchmark: our vectorised phases against a naive object-per-agent Mesa model.

    python benchmarks/simulation.py [--quick] [--seed N] [--spinup-only]
    python benchmarks/simulation.py --scale [--with-100k] [--years N] [--budget S]
    python benchmarks/simulation.py --full-size [--years N] [--budget S]
    python benchmarks/simulation.py --reporters

Two measurements, each against a baseline or target measured in the same run,
with the process pinned to one CPU core:

(a) Behaviour phases 1-5 of docs/model.md section 3 (choose effort, work, errors,
    accountability with discipline, assessment; allocation and the other phases
    excluded), in cadre-years per second, at about 1,000 / 10,000 / 100,000
    cadres (the ``ordos`` world scaled by its unit counts). Ours is the sequence
    of phase functions exactly as ``CadreModel.step`` calls them
    (``choose_effort`` ... ``assess``, then the state update), on a population
    from ``sim.generate``; the baseline is ``benchmarks/naive_mesa.py``, one
    ``mesa.Agent`` per cadre started from the same population. Setup (building
    the population, creating the agents) is not timed. Each side runs as many
    years as fit its time budget (at least one), so the naive model at 100,000
    cadres runs a few years only; rates come from the median year, which other
    load on the machine disturbs less than the mean. Agreement columns (mean effort after the
    timed years, errors per 1,000 cadre-years) show that both compute the same
    behaviour; they agree in distribution, not draw for draw.
    Target: ours / naive >= 50x at 10,000 cadres.
(b) A full ``ordos`` run at its calibrated size, 20 years, allocation included:
    wall time of ``CadreModel(scenario)`` plus 20 ``step()`` calls (best of 3)
    against the 10 s target, and where the time goes. The breakdown comes from a second,
    instrumented run: the phase functions ``sim.model`` calls (and the
    DataCollector's ``collect`` and the event log) are wrapped in
    ``time.perf_counter`` timers for that run only, grouped as behaviour (phases
    1-7, 9, 10), allocation (phase 8: the integer program and applying it,
    rotation), data collection (reporters and event log); "other" is the rest
    of ``step`` (state bookkeeping). Also the whole ``youwei run ordos --years
    20`` in process, files included. The build includes the spin-up (cold cache).
(c) The spin-up (``sim.spinup``: every county run starts from the old-rules
    equilibrium): for ``baseline`` and ``ordos``, the time to build a model from a
    cold spin-up, from the cached start (a second run of the same world, history
    and seed, e.g. another package compared on common random numbers), and
    without a spin-up, against a 15-year run.

(d) ``--scale``: the ``ordos`` world scaled by its unit counts to about 1,000 and 10,000
    cadres (and 100,000 with ``--with-100k``), unified mobility and the young share on
    (ordos's own policy), no spin-up (a population from ``sim.generate``; the spin-up is
    (c)), ``--years`` full years (``CadreModel.step``), each size in a fresh child process
    pinned to one core with BLAS limited to one thread (as every youwei command). Per
    year: wall and CPU time, the behaviour phases (the groups of (b)), the allocation's
    share of the year, the peak resident memory so far (``ru_maxrss``), and the path each
    yearly solve took (``Proposal.method``, e.g. ``lp-integral`` / ``mip``, with its
    status, columns and pairs pruned: ``optimize.allocate`` is wrapped to record them).
    A size stops at the first year that ends after ``--budget`` seconds of the child;
    a year still running then is reported as not finished. Targets of issue 9: a full
    year at 10,000 cadres <= 0.5 s, at 100,000 <= 5 s and <= 4 GiB.
(e) ``--full-size``: the same for the full-size places (``ordos_full``, 29,200 cadres;
    ``tengzhou_full``, 7,001) as shipped, without their spin-up. Target of issue 9:
    20 years of full-size Ordos in <= 2 minutes on one core.

(f) ``--reporters``: what collecting the yearly reporters costs, CPU time per year, at the
    calibrated ``ordos`` (after each of 20 years) and the ordos world scaled to 10,000 and
    100,000 cadres (after year 1, no spin-up): ``sim.metrics.YearSeries`` (what a run
    uses: the intermediates several reporters share computed once a year, no deep copy)
    against Mesa's own ``DataCollector`` over the same reporters each computing alone
    (the year's shared values cleared before every reporter), on the same model states,
    alternating, median of repeats; beside a full year (``step``) for scale.

``--quick`` shrinks sizes and budgets for a smoke run (its verdicts are not the
targets' verdicts). Timings depend on the machine; nothing here asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import sim.model  # noqa: E402
from benchmarks.naive_mesa import naive_model  # noqa: E402
from scenarios import Scenario, load_scenario  # noqa: E402
from sim import CadreModel  # noqa: E402
from sim.generate import build_organisation, build_population  # noqa: E402
from sim.phases.assessment import assess  # noqa: E402
from sim.phases.behaviour import choose_effort, draw_errors, perform  # noqa: E402
from sim.phases.sanctions import apply_discipline, review_errors  # noqa: E402
from sim.spinup import clear_cache  # noqa: E402
from sim.state import Organisation, Population  # noqa: E402

RATIO_TARGET = 50.0
RATIO_AT = 10_000
ORDOS_SECONDS = 10.0
ORDOS_YEARS = 20
ORDOS_REPEATS = 3
SPINUP_RUN_YEARS = 15  # a scenario's default horizon

PHASE_GROUPS = {
    "behaviour (phases 1-7, 9, 10)": (
        "grow_older", "choose_effort", "perform", "draw_errors", "review_errors",
        "apply_discipline", "assess", "reward_and_sanction", "choose_exits", "departure_moves",
        "recruit", "year_lessons", "learn",
        "subsidy_cost",
    ),
    "allocation (phase 8)": ("allocate", "apply_allocation", "rotate", "vacant_posts"),
    "data collection (reporters, event log)": ("error_batch",),
}
"""Functions ``sim.model`` calls by name, by group; ``collect`` and the event log are
added per instance (see ``phase_timers``)."""
DATA_GROUP = "data collection (reporters, event log)"


@dataclass(frozen=True)
class Sizes:
    """Sizes and time budgets of one run (full or ``--quick``)."""

    cadres: tuple[int, ...]
    ours_budget: float  # seconds of timed years per measurement
    naive_budget: float
    ordos_years: int


FULL = Sizes((1_000, 10_000, 100_000), 2.0, 7.0, ORDOS_YEARS)
QUICK = Sizes((1_000, 10_000), 0.3, 1.0, 5)


@dataclass(frozen=True)
class Measure:
    """One timed run of the behaviour phases."""

    cadres: int
    year_seconds: tuple[float, ...]  # wall time of each timed year
    mean_effort: float
    errors_per_1000: float

    @property
    def years(self) -> int:
        return len(self.year_seconds)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.year_seconds)

    @property
    def rate(self) -> float:
        """Cadre-years per second, from the median year (robust to other load on the machine)."""
        return self.cadres / self.median_seconds


# -- setup ------------------------------------------------------------------------------------
def pin_one_core() -> str:
    """Pin this process to one CPU (the lowest it may use); describe the result."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def scaled(scenario: Scenario, cadres: int) -> Scenario:
    """``scenario`` with its unit counts scaled so the establishment is about ``cadres``."""
    o = scenario.organisation
    groups = {"organs": o.organs, "frontline": o.frontline, "key_projects": o.key_projects}
    total = sum(g.count * g.establishment for g in groups.values())
    factor = cadres / total
    update = {name: g.model_copy(update={"count": max(1, round(g.count * factor))})
              for name, g in groups.items()}
    return scenario.model_copy(update={"organisation": o.model_copy(update=update)})


def initial_state(scenario: Scenario, seed: int) -> tuple[Organisation, Population]:
    organisation = build_organisation(scenario)
    population = build_population(organisation, scenario, np.random.default_rng(seed))
    return organisation, population


# -- (a) behaviour phases ---------------------------------------------------------------------
def behaviour_year(pop: Population, org: Organisation, s: Scenario, flagged: np.ndarray,
                   rng: np.random.Generator, year: int) -> tuple[Population, int]:
    """Phases 1-5 exactly as ``CadreModel.step`` runs them; returns the population and
    the number of errors."""
    policy = s.policy
    difficulty = org.unit_difficulty[pop.unit]
    pop = replace(pop, effort=choose_effort(pop, org, s, flagged, rng, difficulty=difficulty))
    performance = perform(pop, org, s.behaviour, rng, difficulty=difficulty)
    errors = draw_errors(pop, org, s.behaviour, rng, difficulty=difficulty)
    review = review_errors(errors, policy.tolerance, policy.discipline, rng)
    pop, _ = apply_discipline(pop, review, policy.discipline, year)
    assessment = assess(pop, performance, org, policy, rng)
    pop = replace(pop, merit=assessment.merit, last_score=assessment.score,
                  low_years=assessment.low_years, reserve=assessment.reserve)
    return pop, int(np.count_nonzero(errors.occurred))


def time_years(step: Callable[[int], None], budget: float) -> tuple[float, ...]:
    """Call ``step(year)`` for years 1, 2, ... until ``budget`` seconds have passed
    (at least one year); return each year's wall time."""
    seconds, began, year = [], time.perf_counter(), 0
    while not seconds or time.perf_counter() - began < budget:
        year += 1
        start = time.perf_counter()
        step(year)
        seconds.append(time.perf_counter() - start)
    return tuple(seconds)


def measure_ours(scenario: Scenario, seed: int, budget: float) -> Measure:
    org, start = initial_state(scenario, seed)
    flagged = np.zeros(org.n_units, bool)
    rng = np.random.default_rng(seed)
    state = {"pop": start, "errors": 0}

    def step(year: int) -> None:
        state["pop"], count = behaviour_year(state["pop"], org, scenario, flagged, rng, year)
        state["errors"] += count

    step(1)  # warm up caches and lazy imports (not timed, not counted)
    state.update(pop=start, errors=0)
    seconds = time_years(step, budget)
    n = len(start)
    return Measure(n, seconds, float(state["pop"].effort.mean()),
                   1000 * state["errors"] / (n * len(seconds)))


def measure_naive(scenario: Scenario, seed: int, budget: float) -> Measure:
    org, start = initial_state(scenario, seed)
    model = naive_model(scenario, org, start, seed)
    seconds = time_years(lambda year: model.step(), budget)
    n = len(start)
    return Measure(n, seconds, model.mean_effort(), 1000 * model.errors / (n * len(seconds)))


# -- (b) the full ordos run -------------------------------------------------------------------
def timed(function: Callable, group: str, totals: dict[str, float]) -> Callable:
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[group] += time.perf_counter() - began
    return wrapper


@contextlib.contextmanager
def phase_timers(model: CadreModel) -> Iterator[dict[str, float]]:
    """Time the phase functions ``sim.model`` calls, grouped (``PHASE_GROUPS``).

    Wraps the module-level names ``CadreModel.step`` looks up at call time, and
    this model's ``datacollector.collect`` and event-log methods; restores the
    module on exit. Raises AttributeError if ``sim.model`` no longer calls a
    listed function by that name (the breakdown would be silently wrong).
    """
    totals: dict[str, float] = defaultdict(float)
    originals = {}
    try:
        for group, names in PHASE_GROUPS.items():
            for name in names:
                originals[name] = getattr(sim.model, name)
                setattr(sim.model, name, timed(originals[name], group, totals))
        model.datacollector.collect = timed(model.datacollector.collect, DATA_GROUP, totals)
        model.events.add_errors = timed(model.events.add_errors, DATA_GROUP, totals)
        model.events.add_moves = timed(model.events.add_moves, DATA_GROUP, totals)
        yield totals
    finally:
        for name, function in originals.items():
            setattr(sim.model, name, function)


def run_ordos(years: int, seed: int) -> dict[str, float]:
    scenario = load_scenario("ordos").model_copy(update={"years": years, "seed": seed})

    plain = None
    for _ in range(ORDOS_REPEATS):  # best of a few: other load only ever adds time
        clear_cache()  # time the spin-up too, not a cached start
        began = time.perf_counter()
        model = CadreModel(scenario, rng=seed)
        built = time.perf_counter()
        for _ in range(years):
            model.step()
        run = {"cadres": len(model.population), "build": built - began,
               "steps": time.perf_counter() - built}
        if plain is None or run["build"] + run["steps"] < plain["build"] + plain["steps"]:
            plain = run

    model = CadreModel(scenario, rng=seed)
    with phase_timers(model) as totals:
        began = time.perf_counter()
        for _ in range(years):
            model.step()
        steps = time.perf_counter() - began
    groups = dict(totals)
    groups["other (step bookkeeping)"] = steps - sum(groups.values())

    from experiments.simulation.run import run_run

    with tempfile.TemporaryDirectory() as folder, open(os.devnull, "w") as devnull:
        began = time.perf_counter()
        with contextlib.redirect_stdout(devnull):
            code = run_run("ordos", years=years, seed=seed, out=Path(folder) / "run", plot=False)
        command = time.perf_counter() - began
    if code != 0:
        raise RuntimeError(f"youwei run ordos exited with {code}")
    return {**plain, "instrumented_steps": steps, "groups": groups, "command": command}


# -- (c) spin-up ------------------------------------------------------------------------------
def time_spinup(name: str, seed: int, years: int) -> dict[str, float]:
    """Best-of-``ORDOS_REPEATS`` wall times for scenario ``name``: building the model from a
    cold spin-up, from the cached start, without a spin-up (``history.years_max = 0``),
    and ``years`` steps; plus the spin-up years run."""
    scenario = load_scenario(name).model_copy(update={"years": years, "seed": seed})
    bare = scenario.model_copy(update={"history": scenario.history.model_copy(
        update={"years_min": 0, "years_max": 0})})
    best: dict[str, float] = defaultdict(lambda: float("inf"))
    for _ in range(ORDOS_REPEATS):
        clear_cache()
        began = time.perf_counter()
        model = CadreModel(scenario, rng=seed)
        cold = time.perf_counter()
        CadreModel(scenario, rng=seed)
        warm = time.perf_counter()
        CadreModel(bare, rng=seed)
        built = time.perf_counter()
        for _ in range(years):
            model.step()
        stepped = time.perf_counter()
        for key, seconds in (("cold", cold - began), ("cached", warm - cold),
                             ("bare", built - warm), ("steps", stepped - built)):
            best[key] = min(best[key], seconds)
    return {**best, "spinup_years": model.start.years, "cadres": len(model.population)}


# -- (d), (e) years at scale, each size in a child process -------------------------------------
SCALE_CHILD = """\
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from experiments.common.runner import limit_native_threads
limit_native_threads(1)
import optimize
from benchmarks.simulation import phase_timers, pin_one_core, scaled, without_spinup
from scenarios import load_scenario
from sim import CadreModel
pin_one_core()
name, cadres, years = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
scenario = without_spinup(load_scenario(name))
if cadres:
    scenario = scaled(scenario, cadres)
solves = []
whole = optimize.allocate
def recorded(problem, **options):
    proposal = whole(problem, **options)
    solves.append(f"{proposal.method}/{proposal.status.value} {proposal.n_variables:,} cols"
                  f" ({proposal.pruned_pairs:,} pruned)")
    return proposal
optimize.allocate = recorded
model = CadreModel(scenario)
print(json.dumps({"cadres": len(model.population)}), flush=True)
with phase_timers(model) as totals:
    for year in range(1, years + 1):
        before, wall, cpu = dict(totals), time.perf_counter(), time.process_time()
        solves.clear()
        model.step()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        spent = {k: totals[k] - before.get(k, 0.0) for k in totals}
        print(json.dumps({"year": year, "wall": wall, "cpu": cpu, "groups": spent,
                          "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                          "paths": solves}), flush=True)
"""

BEHAVIOUR_GROUP = "behaviour (phases 1-7, 9, 10)"
ALLOCATION_GROUP = "allocation (phase 8)"
SCALE_SIZES = (1_000, 10_000)
SCALE_100K = 100_000
SCALE_TARGETS = {10_000: (0.5, None), 100_000: (5.0, 4 * 2**30)}  # seconds, bytes (issue 9)
FULL_SIZE_TARGET = (20, 120.0)  # years of ordos_full, seconds on one core (issue 9)


def without_spinup(scenario: Scenario) -> Scenario:
    """``scenario`` started from a generated population (no spin-up years)."""
    return scenario.model_copy(update={"history": scenario.history.model_copy(
        update={"years_min": 0, "years_max": 0})})


def peak_memory(pid: int) -> int | None:
    """Peak resident bytes of a running process so far (Linux ``VmHWM``), or None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    kib = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")]
    return kib[0] * 1024 if kib else None


@dataclass(frozen=True)
class ScaleRun:
    """What a child of :func:`years_at_scale` did: its cadres, one record per finished
    year, the peak memory of a child stopped by the budget (None if not stopped), and
    the last line of a child that failed (None if it did not)."""

    size: int
    records: list[dict]
    stopped: int | None
    failure: str | None


def years_at_scale(name: str, cadres: int, years: int, budget: float) -> ScaleRun:
    """Run ``years`` of scenario ``name`` (scaled to ``cadres``; 0 = as shipped) in a child
    process for at most ``budget`` seconds."""
    child = subprocess.Popen([sys.executable, "-c", SCALE_CHILD, str(REPO), name, str(cadres),
                              str(years)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=REPO)
    stopped = None
    try:
        out, err = child.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        stopped = peak_memory(child.pid) or 0
        child.kill()
        out, err = child.communicate()
    failure = None
    if stopped is None and child.returncode != 0:
        failure = (err.strip().splitlines() or [f"exit code {child.returncode}"])[-1]
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    size = records[0]["cadres"] if records else cadres
    return ScaleRun(size, records[1:], stopped, failure)


def scale_rows(label: str, run: ScaleRun, years: int, budget: float) -> list[list[str]]:
    size, records, stopped = run.size, run.records, run.stopped
    rows = []
    for r in records:
        groups = r["groups"]
        share = groups.get(ALLOCATION_GROUP, 0.0) / r["wall"] if r["wall"] else 0.0
        rows.append([label, f"{size:,}", str(r["year"]),
                     f"{groups.get(BEHAVIOUR_GROUP, 0.0) * 1e3:,.1f} ms",
                     f"{r['wall']:,.2f} s / {r['cpu']:,.2f} s", f"{share:.0%}",
                     f"{r['peak'] / 2**30:.2f} GiB", "; ".join(r["paths"]) or "-"])
    if len(records) < years:
        peak = "-" if not stopped else f"{stopped / 2**30:.2f} GiB (so far)"
        what = (f"not finished in {budget:.0f} s" if run.failure is None
                else f"failed: {run.failure[:120]}")
        rows.append([label, f"{size:,}", str(len(records) + 1), "-", what, "-", peak, "-"])
    return rows


SCALE_HEADER = ["world", "cadres", "year", "behaviour", "full year wall / CPU", "allocation",
                "peak memory", "path of each solve (method/status, columns, pairs pruned)"]


def verdicts(results: dict[int, tuple[list[dict], int | None]], years: int) -> list[str]:
    lines = []
    for cadres, (seconds, memory) in SCALE_TARGETS.items():
        if cadres not in results:
            continue
        records, stopped = results[cadres]
        worst = max((r["wall"] for r in records), default=float("inf"))
        if len(records) < years:  # a year did not finish within the budget
            worst = float("inf")
        peak = max([r["peak"] for r in records] + [stopped or 0])
        ok = worst <= seconds and (memory is None or peak <= memory)
        limit = f"<= {seconds:g} s" + ("" if memory is None else f" and <= {memory / 2**30:g} GiB")
        lines.append(f"target at {cadres:,} cadres, every year {limit}: slowest year "
                     f"{worst:.2f} s, peak {peak / 2**30:.2f} GiB, {'met' if ok else 'NOT met'}")
    return lines


def report_scale(sizes: tuple[int, ...], years: int, budget: float) -> int:
    print(f"\n(d) full years of the ordos world scaled by its unit counts (no spin-up), "
          f"{years} years, one core, BLAS 1 thread; each size stops after {budget:.0f} s")
    rows, results = [], {}
    for cadres in sizes:
        run = years_at_scale("ordos", cadres, years, budget)
        results[cadres] = (run.records, run.stopped)
        these = scale_rows("ordos scaled", run, years, budget)
        print(table(SCALE_HEADER, these), flush=True)
        rows += these
    print("\n" + table(SCALE_HEADER, rows))
    for line in verdicts(results, years):
        print(line)
    return 0


def report_full_size(years: int, budget: float) -> int:
    print(f"\n(e) the full-size places as shipped (no spin-up), {years} years, one core, "
          f"BLAS 1 thread; each stops after {budget:.0f} s")
    rows, verdict = [], ""
    for name in ("tengzhou_full", "ordos_full"):
        run = years_at_scale(name, 0, years, budget)
        records = run.records
        rows += scale_rows(name, run, years, budget)
        if name == "ordos_full":
            target_years, seconds = FULL_SIZE_TARGET
            total = sum(r["cpu"] for r in records)
            done = len(records)
            verdict = ("met" if done >= target_years and total <= seconds else
                       f"NOT met ({done} of {target_years} years in {total:.1f} CPU s)"
                       if done < target_years else f"NOT met ({total:.1f} CPU s)")
    print(table(SCALE_HEADER, rows))
    print(f"target: {FULL_SIZE_TARGET[0]} years of ordos_full in <= {FULL_SIZE_TARGET[1]:.0f} s "
          f"on one core: {verdict}")
    return 0


# -- (f) reporters ----------------------------------------------------------------------------
REPORTER_REPEATS = 15


def alone(reporter: Callable) -> Callable:
    """``reporter`` computing all it needs itself: the year's shared values cleared first."""
    def compute(model):
        model.record.derived.clear()
        return reporter(model)
    return compute


def reporter_costs(scenario: Scenario, years: int) -> dict[str, float]:
    """Median CPU seconds of one year's collection, shared (ours) and alone (Mesa's), and of
    a year's ``step``, over the states after each of ``years`` years."""
    import mesa

    model = CadreModel(scenario)
    reporters = model.datacollector.model_reporters
    ours = type(model.datacollector)(model_reporters=dict(reporters))
    theirs = mesa.DataCollector(model_reporters={k: alone(f) for k, f in reporters.items()})
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(years):
        began = time.process_time()
        model.step()
        times["step"].append(time.process_time() - began)
        for _ in range(REPORTER_REPEATS):
            for key, collector in (("mesa", theirs), ("ours", ours)):
                model.record.derived.clear()
                began = time.process_time()
                collector.collect(model)
                times[key].append(time.process_time() - began)
    return {key: statistics.median(values) for key, values in times.items()} | {
        "cadres": len(model.population)}


def report_reporters() -> int:
    from experiments.common.runner import limit_native_threads

    limit_native_threads(1)
    print(f"\n(f) collecting the yearly reporters, CPU per year (median of {REPORTER_REPEATS} "
          f"collections after each year), one core, BLAS 1 thread")
    ordos = load_scenario("ordos")
    bare = without_spinup(ordos)
    rows = []
    for label, scenario, years in (("ordos (calibrated)", ordos.model_copy(
            update={"years": ORDOS_YEARS}), ORDOS_YEARS),
            ("ordos scaled, year 1", scaled(bare, 10_000), 1),
            ("ordos scaled, year 1", scaled(bare, 100_000), 1)):
        cost = reporter_costs(scenario, years)
        rows.append([label, f"{cost['cadres']:,}", f"{cost['mesa'] * 1e3:.2f} ms",
                     f"{cost['ours'] * 1e3:.2f} ms", f"{cost['mesa'] / cost['ours']:.2f}x",
                     f"{cost['step'] * 1e3:,.0f} ms", f"{cost['ours'] / cost['step']:.1%}"])
    print(table(["world", "cadres", "Mesa DataCollector, alone", "YearSeries, shared",
                 "ratio", "year (step)", "reporters / year"], rows))
    return 0


# -- report -----------------------------------------------------------------------------------
def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths, strict=True)))
    return "\n".join([fmt(header), line, *(fmt(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short budgets")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--spinup-only", action="store_true", help="only measurement (c)")
    parser.add_argument("--scale", action="store_true",
                        help="only measurement (d): full years at 1,000 and 10,000 cadres")
    parser.add_argument("--with-100k", action="store_true",
                        help="(d) also at 100,000 cadres (minutes to hours today)")
    parser.add_argument("--full-size", action="store_true",
                        help="only measurement (e): ordos_full and tengzhou_full")
    parser.add_argument("--reporters", action="store_true",
                        help="only measurement (f): the cost of the yearly reporters")
    parser.add_argument("--years", type=int, default=3, help="years for (d) and (e)")
    parser.add_argument("--budget", type=float, default=600.0,
                        help="seconds each size of (d) and (e) may run (default 600)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.reporters:
        pin_one_core()
        return report_reporters()
    if args.scale or args.full_size:
        print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        if args.scale:
            report_scale((*SCALE_SIZES, *((SCALE_100K,) if args.with_100k else ())),
                         args.years, args.budget)
        if args.full_size:
            report_full_size(args.years, args.budget)
        return 0

    from importlib.metadata import version

    pinned = pin_one_core()
    print(f"python {platform.python_version()}, numpy {np.__version__}, mesa {version('mesa')}, "
          f"highspy {version('highspy')}, {platform.machine()}, {pinned}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
          + (" [--quick: verdicts are not the targets' verdicts]" if args.quick else ""))

    if args.spinup_only:
        return report_spinup(args.seed)

    print("\n(a) behaviour phases 1-5 (effort, work, errors, accountability, assessment), "
          "allocation excluded;\n"
          "cadre-years per second from the median year; 'year' = median wall time of one "
          "year (years timed)", flush=True)
    ordos = load_scenario("ordos")
    rows, ratio_at_target = [], None
    for cadres in sizes.cadres:
        scenario = scaled(ordos, cadres)
        ours = measure_ours(scenario, args.seed, sizes.ours_budget)
        naive = measure_naive(scenario, args.seed, sizes.naive_budget)
        ratio = ours.rate / naive.rate
        if cadres == RATIO_AT:
            ratio_at_target = ratio
        rows.append([
            f"{ours.cadres:,}",
            f"{ours.rate:,.0f}", f"{ours.median_seconds * 1e3:,.2f} ms ({ours.years} y)",
            f"{naive.rate:,.0f}", f"{naive.median_seconds * 1e3:,.1f} ms ({naive.years} y)",
            f"{ratio:,.0f}x",
            f"{ours.mean_effort:.3f} / {naive.mean_effort:.3f}",
            f"{ours.errors_per_1000:.1f} / {naive.errors_per_1000:.1f}",
        ])
    print(table(["cadres", "ours", "ours year", "naive Mesa", "naive year", "ratio",
                 "effort ours/naive", "errors/1000 ours/naive"], rows))
    if ratio_at_target is not None:
        verdict = "met" if ratio_at_target >= RATIO_TARGET else "NOT met"
        print(f"target ours/naive >= {RATIO_TARGET:.0f}x at {RATIO_AT:,} cadres: "
              f"{ratio_at_target:,.0f}x, {verdict}")

    years = sizes.ordos_years
    print(f"\n(b) full ordos run, {years} years, allocation included, one core")
    result = run_ordos(years, args.seed)
    total = result["build"] + result["steps"]
    print(table([f"measure (best of {ORDOS_REPEATS} runs; the command: one run)", "value"], [
        ["cadres (calibrated size)", f"{result['cadres']:,}"],
        ["build (organisation, population)", f"{result['build']:.2f} s"],
        [f"{years} steps", f"{result['steps']:.2f} s"],
        ["build + steps", f"{total:.2f} s"],
        [f"youwei run ordos --years {years} (files written)", f"{result['command']:.2f} s"],
    ]))
    verdict = "met" if total <= ORDOS_SECONDS else "NOT met"
    target_note = "" if years == ORDOS_YEARS else f" (only {years} years: --quick)"
    print(f"target <= {ORDOS_SECONDS:.0f} s: {total:.2f} s, {verdict}{target_note}")
    steps = result["instrumented_steps"]
    print(f"\nwhere the time goes (instrumented run, {steps:.2f} s of steps):")
    print(table(["group", "seconds", "share"], [
        [group, f"{seconds:.2f}", f"{seconds / steps:.0%}"]
        for group, seconds in sorted(result["groups"].items(), key=lambda kv: -kv[1])
    ]))
    return report_spinup(args.seed)


def report_spinup(seed: int) -> int:
    print(f"\n(c) spin-up (the start from the old-rules equilibrium, sim.spinup), best of "
          f"{ORDOS_REPEATS}, one core; a run is the build plus {SPINUP_RUN_YEARS} steps")
    rows = []
    for name in ("baseline", "ordos"):
        t = time_spinup(name, seed, SPINUP_RUN_YEARS)
        bare_run = t["bare"] + t["steps"]
        rows.append([
            name, f"{t['cadres']:,}", f"{t['spinup_years']}", f"{t['cold']:.2f} s",
            f"{t['cached'] * 1e3:.1f} ms", f"{bare_run:.2f} s",
            f"{(t['cold'] + t['steps']) / bare_run:.1f}x",
        ])
    print(table(["scenario", "cadres", "spin-up years", "cold start", "cached start",
                 f"run without spin-up ({SPINUP_RUN_YEARS} y)", "run with cold spin-up / without"],
                rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
